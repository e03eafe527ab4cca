package resp

import (
	"errors"
	"net"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/respraft/respraft/fsm"
)

// Blocking commands (BLPOP and the like), outside MULTI.
//
// The state machine only knows the non-blocking form (fsm/blocking.go):
// pop now or answer null. Here a blocked client registers the keys it
// waits on, proposes the command, and if the answer is null waits until
// the state machine reports a change to one of its keys, whichever node
// proposed that change; then, if one of the keys holds data here, it
// proposes again. Every attempt goes through the log as an EntryOnce with
// an id of its own, and an attempt whose outcome is unknown (the leader
// died with it in flight) is proposed again with the same id, so an
// element is never popped for a client that did not get it.
//
// Fairness: among clients blocked on the same key, the first whose
// attempt is applied wins; Redis's first-come order is kept only in that
// the clients of one node are woken in the order they blocked.

// onceRetryFor bounds how long an attempt whose outcome is unknown is
// retried before the client gets -UNKNOWN.
const onceRetryFor = 30 * time.Second

// waiter is one blocked client.
type waiter struct {
	db   int
	keys []string
	wake chan struct{} // capacity 1: a change to one of the keys since the last look
}

// blockedSet is the node's blocked clients, woken by the state machine's
// ready hook.
type blockedSet struct {
	f  *fsm.FSM
	mu sync.Mutex
	by map[fsm.DBKey][]*waiter // in the order they blocked
	n  int
}

func newBlockedSet(f *fsm.FSM) *blockedSet {
	bs := &blockedSet{f: f, by: make(map[fsm.DBKey][]*waiter)}
	f.SetReadyHook(bs.ready)
	return bs
}

func (bs *blockedSet) add(db int, keys [][]byte) *waiter {
	w := &waiter{db: db, wake: make(chan struct{}, 1)}
	bs.mu.Lock()
	for _, k := range keys {
		w.keys = append(w.keys, string(k))
		dk := fsm.DBKey{DB: db, Key: string(k)}
		bs.by[dk] = append(bs.by[dk], w)
	}
	bs.n++
	bs.mu.Unlock()
	bs.f.AddWaiters(1)
	return w
}

func (bs *blockedSet) remove(w *waiter) {
	bs.mu.Lock()
	for _, k := range w.keys {
		dk := fsm.DBKey{DB: w.db, Key: k}
		ws := bs.by[dk]
		for i, x := range ws {
			if x == w {
				ws = append(ws[:i], ws[i+1:]...)
				break
			}
		}
		if len(ws) == 0 {
			delete(bs.by, dk)
		} else {
			bs.by[dk] = ws
		}
	}
	bs.n--
	bs.mu.Unlock()
	bs.f.AddWaiters(-1)
}

// count is the number of blocked clients (INFO clients).
func (bs *blockedSet) count() int {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	return bs.n
}

// ready is the state machine's hook: it runs on raft's apply goroutine,
// so it only signals.
func (bs *blockedSet) ready(all bool, keys []fsm.DBKey) {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	signal := func(ws []*waiter) {
		for _, w := range ws {
			select {
			case w.wake <- struct{}{}:
			default:
			}
		}
	}
	if all {
		for _, ws := range bs.by {
			signal(ws)
		}
		return
	}
	for _, k := range keys {
		signal(bs.by[k])
	}
}

// block serves a blocking command (already syntax-checked) outside MULTI.
func (b *burst) block(cmd *command, argv [][]byte) {
	s, cl := b.s, b.cl
	ms, keys, ok := fsm.BlockingTimeout(cmd.Command, argv)
	if !ok {
		b.error(fsm.ErrSyntax)
		return
	}
	var timeout <-chan time.Time
	if ms > 0 {
		t := time.NewTimer(time.Duration(ms) * time.Millisecond)
		defer t.Stop()
		timeout = t.C
	}
	db := cl.getDB()
	w := s.blocked.add(db, keys)
	defer s.blocked.remove(w)
	var gone <-chan struct{}
	for {
		reply, err := b.popOnce(db, argv)
		if err != nil {
			b.error(errorReply(err))
			return
		}
		if string(reply) != "*-1\r\n" && string(reply) != "$-1\r\n" {
			b.reply(reply)
			return
		}
		if gone == nil {
			// Watch for the client hanging up only once it really waits.
			h := watchHangup(b.conn.NetConn())
			defer h.stop()
			gone = h.gone
		}
	wait:
		for {
			select {
			case <-w.wake:
				select {
				case <-gone: // hung up meanwhile: must not pop for it
					b.quit = true
					return
				default:
				}
				if s.fsm.HasBlockingData(cmd.Command, db, keys) {
					break wait
				}
			case <-timeout:
				b.nullArray()
				return
			case <-gone:
				// Nothing was consumed for this client: drop it.
				b.quit = true
				return
			case <-s.stop:
				// Shutting down: close without a reply, nothing consumed,
				// so the client retries on another node.
				b.quit = true
				return
			}
		}
	}
}

func (b *burst) nullArray() { b.conn.WriteRaw([]byte("*-1\r\n")) }

// popOnce proposes one attempt of a blocking command under a new id, and
// proposes it again with the same id while its outcome is unknown.
func (b *burst) popOnce(db int, argv [][]byte) ([]byte, error) {
	s := b.s
	b.cl.onceSeq++
	id := []byte(s.onceIDPrefix + strconv.FormatInt(b.cl.id, 10) + "/" + strconv.FormatUint(b.cl.onceSeq, 10))
	start := time.Now()
	for {
		res, err := s.propose(fsm.EncodeOnce(time.Now().UnixMilli(), id, db, argv))
		if err == nil {
			if len(res.Replies) != 1 {
				return nil, ErrUnknownOutcome
			}
			return res.Replies[0], nil
		}
		if !errors.Is(err, ErrUnknownOutcome) || time.Since(start) > onceRetryFor {
			return nil, err
		}
		select {
		case <-s.stop:
			return nil, err
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// hangupWatch reports a client closing its connection while it is
// blocked, without consuming anything it sends: it peeks at the socket.
// If the client sends more commands instead, the watch ends (they are read
// after the blocking command) and a later hang-up is noticed only then.
type hangupWatch struct {
	gone chan struct{}
	nc   net.Conn
	done chan struct{}
}

func watchHangup(nc net.Conn) *hangupWatch {
	h := &hangupWatch{gone: make(chan struct{}), nc: nc, done: make(chan struct{})}
	if g, ok := nc.(*guardConn); ok {
		nc = g.Conn
	}
	sc, ok := nc.(syscall.Conn)
	if !ok {
		close(h.done)
		return h
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		close(h.done)
		return h
	}
	go func() {
		defer close(h.done)
		var buf [1]byte
		closed := false
		err := rc.Read(func(fd uintptr) bool {
			n, _, err := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
			if err == syscall.EAGAIN || err == syscall.EINTR {
				return false // nothing yet: wait until readable
			}
			closed = n == 0 || err != nil
			return true
		})
		if closed || (err != nil && !errors.Is(err, os.ErrDeadlineExceeded)) {
			close(h.gone)
		}
	}()
	return h
}

// stop ends the watch and gives the socket back to the connection's reader.
func (h *hangupWatch) stop() {
	if h.nc != nil {
		_ = h.nc.SetReadDeadline(time.Now())
	}
	<-h.done
	if h.nc != nil {
		_ = h.nc.SetReadDeadline(time.Time{})
	}
}
