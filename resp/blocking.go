package resp

import (
	"context"
	"errors"
	"net"
	"os"
	"strconv"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
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
// proposes again. Every attempt goes through the log as an EntryBlock
// with an id of its own (and the client's block id, below), and an
// attempt whose outcome is unknown (the leader died with it in flight) is
// proposed again with the same id, so an element is never popped for a
// client that did not get it.
//
// Order: the clients blocked on a key are served in the order they
// blocked, cluster-wide, as in Redis. An attempt is an EntryBlock carrying
// the client's block id: the state machine registers a client whose
// attempt found nothing, and keeps what a key holds for the clients
// registered first (fsm/waitq.go). This node refreshes its clients'
// registrations every blockRefresh, and withdraws one when its client
// stops waiting; those of a node that died lapse after blockLease. A
// client whose attempt found the data kept for an earlier one tries again
// after claimRetry, in case that one's registration lapses meanwhile.

const (
	// onceRetryFor bounds how long an attempt whose outcome is unknown is
	// retried before the client gets -UNKNOWN.
	onceRetryFor = 30 * time.Second

	blockLease   = 3 * time.Second
	blockRefresh = time.Second
	claimRetry   = time.Second
)

// waiter is one blocked client.
type waiter struct {
	id   string // block id, the same for all its attempts
	db   int
	keys []string
	wake chan struct{} // capacity 1: a change to one of the keys since the last look
}

// blockedSet is the node's blocked clients, woken by the state machine's
// ready hook.
type blockedSet struct {
	f       *fsm.FSM
	mu      sync.Mutex
	by      map[fsm.DBKey][]*waiter // in the order they blocked
	all     map[*waiter]struct{}
	unblock chan string // block ids to withdraw (refreshLoop)
}

func newBlockedSet(f *fsm.FSM) *blockedSet {
	bs := &blockedSet{f: f, by: make(map[fsm.DBKey][]*waiter), all: make(map[*waiter]struct{}), unblock: make(chan string, 1024)}
	f.SetReadyHook(bs.ready)
	return bs
}

func (bs *blockedSet) add(id string, db int, keys [][]byte) *waiter {
	w := &waiter{id: id, db: db, wake: make(chan struct{}, 1)}
	bs.mu.Lock()
	bs.all[w] = struct{}{}
	for _, k := range keys {
		w.keys = append(w.keys, string(k))
		dk := fsm.DBKey{DB: db, Key: string(k)}
		bs.by[dk] = append(bs.by[dk], w)
	}
	bs.mu.Unlock()
	bs.f.AddWaiters(1)
	return w
}

func (bs *blockedSet) remove(w *waiter) {
	bs.mu.Lock()
	delete(bs.all, w)
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
	bs.mu.Unlock()
	bs.f.AddWaiters(-1)
}

// ids returns the block ids of the node's blocked clients.
func (bs *blockedSet) ids() [][]byte {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	ids := make([][]byte, 0, len(bs.all))
	for w := range bs.all {
		ids = append(ids, []byte(w.id))
	}
	return ids
}

// withdraw asks refreshLoop to withdraw a registration (best effort: one
// that is not withdrawn lapses after blockLease).
func (bs *blockedSet) withdraw(id string) {
	select {
	case bs.unblock <- id:
	default:
	}
}

// refreshLoop keeps this node's blocked clients registered in the state
// machine, and withdraws those that stopped waiting, in batches.
func (s *Server) refreshLoop() {
	defer s.bgWG.Done()
	t := time.NewTicker(blockRefresh)
	defer t.Stop()
	apply := func(data []byte) {
		// Short, so that a shutdown does not wait for a stuck one: a
		// refresh that fails is made again a second later.
		ctx, cancel := context.WithTimeout(context.Background(), blockRefresh)
		defer cancel()
		if _, err := s.be.Apply(ctx, data); err != nil {
			s.log.Debug("blocked clients' registrations not updated", "err", err)
		}
	}
	for {
		select {
		case <-s.stop:
			// Withdraw what is still registered, so that the clients of
			// other nodes do not wait for these to lapse (best effort).
			ids := s.blocked.ids()
			for len(s.blocked.unblock) > 0 {
				ids = append(ids, []byte(<-s.blocked.unblock))
			}
			if len(ids) > 0 {
				ctx, cancel := context.WithTimeout(context.Background(), time.Second)
				_, _ = s.be.Apply(ctx, fsm.EncodeUnblock(time.Now().UnixMilli(), ids...))
				cancel()
			}
			return
		case <-t.C:
			if ids := s.blocked.ids(); len(ids) > 0 {
				apply(fsm.EncodeRefresh(time.Now().UnixMilli(), blockLease.Milliseconds(), ids...))
			}
		case id := <-s.blocked.unblock:
			ids := [][]byte{[]byte(id)}
		more:
			for len(ids) < 256 {
				select {
				case id := <-s.blocked.unblock:
					ids = append(ids, []byte(id))
				default:
					break more
				}
			}
			apply(fsm.EncodeUnblock(time.Now().UnixMilli(), ids...))
		}
	}
}

// count is the number of blocked clients (INFO clients).
func (bs *blockedSet) count() int {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	return len(bs.all)
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
	w := s.blocked.add(s.onceID(cl, "b"), db, keys)
	defer s.blocked.remove(w)
	served := false
	defer func() {
		if !served {
			s.blocked.withdraw(w.id)
		}
	}()
	var gone <-chan struct{}
	bs := cl.beginBlocking() // for CLIENT UNBLOCK
	defer bs.end()
	// hungUp reports a hang-up that came with a reason to look again:
	// then nothing must be popped for this client.
	hungUp := func() bool {
		select {
		case <-gone:
			b.quit = true
			return true
		default:
			return false
		}
	}
	var rt *time.Timer // claimRetry's
	for {
		if rt != nil {
			rt.Stop()
		}
		if withError, ok := bs.busy(); !ok {
			b.unblocked(withError, b.nullArray)
			return
		}
		reply, err := b.popOnce(w, argv)
		if err != nil {
			b.error(errorReply(err))
			return
		}
		if !isNull(reply) {
			served = true // the state machine has dropped its registration
			b.reply(reply)
			return
		}
		if gone == nil {
			// Watch for the client hanging up only once it really waits.
			h := watchHangup(b.conn.NetConn())
			defer h.stop()
			gone = h.gone
		}
		// Data here after a null: it is kept for a client that blocked
		// earlier. Look again later in case that one's registration lapses.
		var retry <-chan time.Time
		if s.fsm.HasBlockingData(cmd.Command, db, keys) {
			if rt == nil {
				rt = time.NewTimer(claimRetry)
				defer rt.Stop()
			} else {
				rt.Reset(claimRetry)
			}
			retry = rt.C
		}
		unblocked := bs.wait()
	wait:
		for {
			select {
			case <-retry:
				if hungUp() {
					return
				}
				break wait
			case <-w.wake:
				if hungUp() {
					return
				}
				if s.fsm.HasBlockingData(cmd.Command, db, keys) {
					break wait
				}
			case <-timeout:
				b.nullArray()
				return
			case withError := <-unblocked:
				bs.received()
				b.unblocked(withError, b.nullArray)
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

// isNull reports whether a blocking command's attempt found nothing (a
// null array, or a null bulk string for BLMOVE and BRPOPLPUSH).
func isNull(reply []byte) bool { return string(reply) == "*-1\r\n" || string(reply) == "$-1\r\n" }

func (b *burst) nullArray() { b.conn.WriteRaw([]byte("*-1\r\n")) }

// onceID returns a new id for one of cl's blocking attempts (kind "") or
// blocked commands (kind "b"), unique across nodes and restarts.
func (s *Server) onceID(cl *client, kind string) string {
	cl.onceSeq++
	return s.onceIDPrefix + kind + strconv.FormatInt(cl.id, 10) + "/" + strconv.FormatUint(cl.onceSeq, 10)
}

// popOnce proposes one attempt of w's blocking command under a new id,
// and proposes it again with the same id while its outcome is unknown.
func (b *burst) popOnce(w *waiter, argv [][]byte) ([]byte, error) {
	s := b.s
	id := []byte(s.onceID(b.cl, ""))
	start := time.Now()
	for {
		res, err := s.propose(fsm.EncodeBlock(time.Now().UnixMilli(), id, []byte(w.id), blockLease.Milliseconds(), w.db, argv))
		if err == nil {
			if len(res.Replies) != 1 {
				return nil, ErrUnknownOutcome
			}
			if !isNull(res.Replies[0]) {
				b.cl.noteWrite(res.Index) // it popped: a write, for WAIT
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
// Commands the client sends meanwhile stay unread (they are read after the
// blocking command); a hang-up behind them is told by the socket's
// POLLRDHUP, which the peer's FIN sets whatever is still unread, and which
// Go's poller (edge-triggered, watching EPOLLRDHUP) wakes the watch for.
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
			switch {
			case err == syscall.EAGAIN || err == syscall.EINTR:
				return false // nothing yet: wait until readable
			case n > 0 && err == nil:
				// More commands: a hang-up can only show as RDHUP now.
				pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLRDHUP}}
				if k, perr := unix.Poll(pfd, 0); perr != nil || k == 0 || pfd[0].Revents&(unix.POLLRDHUP|unix.POLLHUP|unix.POLLERR) == 0 {
					return false // still there: wait for the next event
				}
			}
			closed = true
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
