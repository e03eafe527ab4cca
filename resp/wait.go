package resp

import (
	"context"
	"math"
	"time"

	"github.com/respraft/respraft/fsm"
)

// WAIT numreplicas timeout
//
// Redis's WAIT counts the replicas that have acknowledged the connection's
// writes so far. Here a replica is any other member, and a member holds a
// write when its Raft log has the entry (raftnode's Acknowledged; the
// leader counts itself for a client of a follower). Every acknowledged
// write is already on a majority, so WAIT with numreplicas up to half the
// other members returns at once; more waits for the followers' logs to
// catch up, at most timeout milliseconds (0: as long as it takes), then
// reports the count it saw last. A connection that has written nothing
// gets the count of members whose log the leader has seen in its term.
// Inside MULTI it never waits, as Redis's.
var waitCommands = []command{
	local("wait", "numreplicas:integer timeout", 3, fsm.FlagNoScript, "generic", "Blocks until the writes of the connection reach numreplicas other members, or the timeout passes.", cmdWait),
}

const (
	errWaitTimeout  = "ERR timeout is not an integer or out of range"
	errWaitNegative = "ERR timeout is negative"
	waitPollFirst   = 2 * time.Millisecond
	waitPollMax     = 50 * time.Millisecond
	waitAskTimeout  = time.Second
)

// noteWrite records that the connection's writes reach the log entry at
// index (for WAIT).
func (cl *client) noteWrite(index uint64) {
	for {
		cur := cl.woff.Load()
		if index <= cur || cl.woff.CompareAndSwap(cur, index) {
			return
		}
	}
}

func cmdWait(b *burst, argv [][]byte) {
	want, ok := fsm.ParseInt(argv[1])
	if !ok {
		b.error(fsm.ErrNotInteger)
		return
	}
	ms, ok := fsm.ParseInt(argv[2])
	switch {
	case !ok:
		b.error(errWaitTimeout)
		return
	case ms < 0:
		b.error(errWaitNegative)
		return
	}
	// Redis 7.0 adds the timeout to its clock in milliseconds, wrapping
	// past 2^63: beyond what a time.Duration holds, the client waits
	// for good there too.
	var end time.Time // zero: no end
	if ms > 0 && ms <= math.MaxInt64/int64(time.Millisecond) {
		end = time.Now().Add(time.Duration(ms) * time.Millisecond)
	}
	s, index := b.s, b.cl.woff.Load()
	got := 0
	ask := func() bool {
		limit := time.Now().Add(waitAskTimeout)
		if !end.IsZero() && end.Before(limit) {
			limit = end
		}
		ctx, cancel := context.WithDeadline(context.Background(), limit)
		defer cancel()
		if n, err := s.be.Acknowledged(ctx, index); err == nil {
			got = max(got, n) // a leader change may forget what the old one saw
		}
		return int64(got) >= want
	}
	asTimeout := func() { ask(); b.integer(int64(got)) } // counted again, as Redis
	if ask() || b.inExec {
		b.integer(int64(got))
		return
	}
	var deadline <-chan time.Time
	if !end.IsZero() {
		t := time.NewTimer(time.Until(end))
		defer t.Stop()
		deadline = t.C
	}
	h := watchHangup(b.conn.NetConn())
	defer h.stop()
	bs := b.cl.beginBlocking() // for CLIENT UNBLOCK
	defer bs.end()
	unblocked := bs.wait()
	poll := time.NewTimer(waitPollFirst)
	defer poll.Stop()
	for every := waitPollFirst; ; every = min(2*every, waitPollMax) {
		select {
		case <-poll.C:
			if withError, ok := bs.busy(); !ok {
				b.unblocked(withError, asTimeout)
				return
			}
			if ask() {
				b.integer(int64(got))
				return
			}
			unblocked = bs.wait()
			poll.Reset(every)
		case <-deadline:
			b.integer(int64(got))
			return
		case withError := <-unblocked:
			bs.received()
			b.unblocked(withError, asTimeout)
			return
		case <-h.gone:
			b.quit = true
			return
		case <-s.stop:
			b.integer(int64(got))
			return
		}
	}
}
