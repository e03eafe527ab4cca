package resp

import (
	"strings"
	"time"

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
			t, ok := clientTypeArg(val)
			if !ok {
				b.error("ERR Unknown client type '" + val + "'")
				return
			}
			typ, byType = t, true
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

// clientTypeArg reads the TYPE of CLIENT KILL and CLIENT LIST: one of
// Redis's client types, lowercase (no client here is a master or a
// replica, so those match none).
func clientTypeArg(s string) (string, bool) {
	switch t := strings.ToLower(s); t {
	case "normal", "master", "replica", "slave", "pubsub":
		return t, true
	}
	return "", false
}

// clientByID is this node's client with id, nil if there is none (or
// CLIENT KILL has killed it: it is gone).
func (s *Server) clientByID(id int64) *client {
	s.mu.Lock()
	defer s.mu.Unlock()
	if cl := s.clients[id]; cl != nil && !cl.killed.Load() {
		return cl
	}
	return nil
}

// clientType is the TYPE of cl for CLIENT KILL and CLIENT LIST: pubsub
// once it subscribed, else normal.
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
		if !cl.killed.Load() && match(cl) {
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
		cl.killed.Store(true)
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
//
// A blocked client is not always waiting: it may be proposing a pop
// attempt or asking the leader for WAIT's count, and cannot be stopped in
// the middle of that. UNBLOCK then waits for it to be back to waiting
// (at most unblockPatience), so that it answers 1 exactly when the client
// will be unblocked.
func (b *burst) clientUnblock(argv [][]byte) {
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
	id, ok := fsm.ParseInt(argv[2])
	if !ok {
		b.error(fsm.ErrNotInteger)
		return
	}
	if cl := b.s.clientByID(id); cl != nil && cl.tryUnblock(withError, unblockPatience) {
		b.integer(1)
		return
	}
	b.integer(0)
}

// tryUnblock ends cl's wait in a blocking command, waiting up to patience
// for it to be waiting; false if it is in none.
func (cl *client) tryUnblock(withError bool, patience time.Duration) bool {
	give := time.Now().Add(patience)
	for {
		switch cl.blockState.Load() {
		case blockWaiting:
			if cl.blockState.CompareAndSwap(blockWaiting, blockUnblocked) {
				cl.unblock <- withError // capacity 1, empty: see blockState
				return true
			}
			continue
		case blockBusy:
			if time.Now().Before(give) {
				time.Sleep(time.Millisecond)
				continue
			}
		}
		return false
	}
}

// unblockPatience bounds CLIENT UNBLOCK's wait for a client that is busy
// between two waits (a pop attempt, a question to the leader).
const unblockPatience = time.Second

// The states of a connection in a blocking command (client.blockState).
// Only CLIENT UNBLOCK moves waiting to unblocked, and then sends one
// signal; only the blocked command's goroutine leaves unblocked, after it
// has taken that signal, so the channel never holds a stale one.
const (
	blockNone      int32 = iota // not in a blocking command
	blockBusy                   // in one, but not waiting just now
	blockWaiting                // waiting: CLIENT UNBLOCK may end it
	blockUnblocked              // CLIENT UNBLOCK ended it; its signal is on the way
)

// blockingSession is one blocking command's side of CLIENT UNBLOCK.
type blockingSession struct{ cl *client }

// beginBlocking marks the connection as in a blocking command (busy).
func (cl *client) beginBlocking() blockingSession {
	cl.blockState.Store(blockBusy)
	return blockingSession{cl}
}

// wait marks the connection as waiting: the returned channel brings
// CLIENT UNBLOCK's signal (true: with an error).
func (bs blockingSession) wait() <-chan bool {
	bs.cl.blockState.Store(blockWaiting)
	return bs.cl.unblock
}

// busy marks the end of a wait, before a pop attempt or a question to the
// leader. ok is false when CLIENT UNBLOCK got in first: withError is then
// its reason, and the command must answer as unblocked.
func (bs blockingSession) busy() (withError, ok bool) {
	if bs.cl.blockState.CompareAndSwap(blockWaiting, blockBusy) || bs.cl.blockState.Load() == blockBusy {
		return false, true
	}
	return bs.taken(), false
}

// taken takes the signal of a CLIENT UNBLOCK that got in (state
// unblocked) and marks the wait as over.
func (bs blockingSession) taken() bool {
	withError := <-bs.cl.unblock
	bs.received()
	return withError
}

// received marks the wait as over once the command took UNBLOCK's signal
// itself.
func (bs blockingSession) received() { bs.cl.blockState.Store(blockBusy) }

// unblocked answers a command that CLIENT UNBLOCK ended: -UNBLOCKED, or
// what its timeout would have answered.
func (b *burst) unblocked(withError bool, asTimeout func()) {
	if withError {
		b.error(errUnblocked)
		return
	}
	asTimeout()
}

// end leaves the blocking command, taking a signal still on its way (an
// UNBLOCK that raced a timeout or a hang-up).
func (bs blockingSession) end() {
	if bs.cl.blockState.Load() == blockUnblocked {
		<-bs.cl.unblock
	}
	bs.cl.blockState.Store(blockNone)
}

// CLIENT LIST [TYPE normal | master | replica | pubsub] [ID client-id ...]
//
// As Redis 7.0: TYPE alone after LIST, or ID with one or more ids, listed
// in the order given (an unknown id is left out); anything else is a
// syntax error. No client here is a master or a replica.
func (b *burst) clientListFiltered(argv [][]byte) {
	switch {
	case len(argv) == 2:
		b.bulk(b.s.clientList())
	case len(argv) == 4 && strings.EqualFold(string(argv[2]), "type"):
		typ, ok := clientTypeArg(string(argv[3]))
		if !ok {
			b.error("ERR Unknown client type '" + string(argv[3]) + "'")
			return
		}
		var sb strings.Builder
		for _, cl := range b.s.sortedClients() {
			if clientType(cl) == typ {
				sb.WriteString(b.s.clientLine(cl))
			}
		}
		b.bulk(sb.String())
	case len(argv) > 3 && strings.EqualFold(string(argv[2]), "id"):
		var sb strings.Builder
		for _, a := range argv[3:] {
			id, ok := fsm.ParseInt(a)
			if !ok {
				b.error("ERR Invalid client ID")
				return
			}
			if cl := b.s.clientByID(id); cl != nil {
				sb.WriteString(b.s.clientLine(cl))
			}
		}
		b.bulk(sb.String())
	default:
		b.error(fsm.ErrSyntax)
	}
}
