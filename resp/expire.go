package resp

import (
	"context"
	"time"

	"github.com/respraft/respraft/fsm"
)

// expireLoop is active expiry: ten times a second the leader looks for keys
// whose time has come and proposes their deletion, so memory is reclaimed
// on every replica. Followers only hide expired keys.
func (s *Server) expireLoop() {
	defer s.bgWG.Done()
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
		if !s.be.IsLeader() {
			continue
		}
		now := time.Now().UnixMilli()
		for db, keys := range s.fsm.ExpiredKeys(now, 500) {
			ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ApplyTimeout)
			_, err := s.be.Apply(ctx, fsm.EncodeExpire(now, db, keys))
			cancel()
			if err != nil {
				s.log.Debug("active expiry not applied", "db", db, "keys", len(keys), "err", err)
			}
		}
	}
}
