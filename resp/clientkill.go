package resp

import (
	"strings"

	"github.com/respraft/respraft/fsm"
)

// CLIENT KILL ip:port
// CLIENT KILL [ID id] [TYPE type] [USER username] [ADDR ip:port] [LADDR ip:port] [SKIPME yes|no] ...
//
// Closes the matching connections of this node, as Redis 7.0: the old form
// kills the one client at that address (OK, or "No such client"), the new
// form every client matching all the filters (all, without one) except
// the caller unless SKIPME no, and answers how many. The only user is
// "default"; no client here is a master or a replica. A client that kills
// itself gets its reply first.
func (b *burst) clientKill(argv [][]byte) {
	if len(argv) == 3 {
		addr := string(argv[2])
		victims := b.s.matchClients(func(cl *client) bool { return cl.addr == addr })
		if len(victims) == 0 {
			b.error("ERR No such client")
			return
		}
		b.kill(victims)
		b.ok()
		return
	}
	var (
		id               int64
		typ, addr, laddr string
		byID, byType     bool
		byAddr, byLaddr  bool
		skipMe           = true
	)
	for i := 2; i < len(argv); i += 2 {
		if i+1 >= len(argv) {
			b.error(fsm.ErrSyntax)
			return
		}
		opt, val := strings.ToLower(string(argv[i])), string(argv[i+1])
		switch opt {
		case "id":
			n, ok := fsm.ParseInt(argv[i+1])
			if !ok || n < 1 {
				b.error("ERR client-id should be greater than 0")
				return
			}
			id, byID = n, true
		case "type":
			switch t := strings.ToLower(val); t {
			case "normal", "master", "replica", "slave", "pubsub":
				typ, byType = t, true
			default:
				b.error("ERR Unknown client type '" + val + "'")
				return
			}
		case "user":
			if val != "default" { // the only user: it matches every client
				b.error("ERR No such user '" + val + "'")
				return
			}
		case "addr":
			addr, byAddr = val, true
		case "laddr":
			laddr, byLaddr = val, true
		case "skipme":
			switch strings.ToLower(val) {
			case "yes":
				skipMe = true
			case "no":
				skipMe = false
			default:
				b.error(fsm.ErrSyntax)
				return
			}
		default:
			b.error(fsm.ErrSyntax)
			return
		}
	}
	victims := b.s.matchClients(func(cl *client) bool {
		switch {
		case byID && cl.id != id,
			byType && clientType(cl) != typ,
			byAddr && cl.addr != addr,
			byLaddr && cl.laddr != laddr,
			skipMe && cl == b.cl:
			return false
		}
		return true
	})
	b.kill(victims)
	b.integer(int64(len(victims)))
}

// clientType is CLIENT KILL's TYPE of cl: pubsub once it subscribed,
// else normal.
func clientType(cl *client) string {
	if cl.nsub.Load()+cl.npsub.Load() > 0 {
		return "pubsub"
	}
	return "normal"
}

// matchClients returns this node's clients for which match is true.
func (s *Server) matchClients(match func(*client) bool) []*client {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*client
	for _, cl := range s.clients {
		if match(cl) {
			out = append(out, cl)
		}
	}
	return out
}

// kill closes the connections of victims: their own goroutines see the
// close and clean up (a blocked one stops waiting, consuming nothing).
// The caller's connection is closed after its reply.
func (b *burst) kill(victims []*client) {
	for _, cl := range victims {
		if cl == b.cl {
			b.quit = true
			continue
		}
		if cl.nc != nil {
			_ = cl.nc.Close()
		}
	}
}

// errUnblocked is what a client unblocked with CLIENT UNBLOCK ... ERROR gets.
const errUnblocked = "UNBLOCKED client unblocked via CLIENT UNBLOCK"

// CLIENT UNBLOCK client-id [TIMEOUT | ERROR]
//
// Ends the wait of a client blocked in BLPOP and the like or in WAIT, as
// Redis 7.0: it then answers as on its timeout, or with -UNBLOCKED. 1 if
// the client was blocked, else 0.
func (b *burst) clientUnblock(argv [][]byte) {
	id, ok := fsm.ParseInt(argv[2])
	if !ok {
		b.error(fsm.ErrNotInteger)
		return
	}
	withError := false
	if len(argv) == 4 {
		switch strings.ToLower(string(argv[3])) {
		case "timeout":
		case "error":
			withError = true
		default:
			b.error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
			return
		}
	}
	b.s.mu.Lock()
	cl := b.s.clients[id]
	b.s.mu.Unlock()
	if cl == nil || !cl.blocked.Load() {
		b.integer(0)
		return
	}
	select {
	case cl.unblock <- withError:
		b.integer(1)
	default:
		b.integer(0) // already being unblocked
	}
}

// startBlocking marks the connection as blocked (CLIENT UNBLOCK can end
// its wait) and returns the channel that says so, with a stale signal
// from an earlier wait drained. The returned func ends the mark.
func (cl *client) startBlocking() (<-chan bool, func()) {
	select {
	case <-cl.unblock:
	default:
	}
	cl.blocked.Store(true)
	return cl.unblock, func() { cl.blocked.Store(false) }
}
