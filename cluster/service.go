package cluster

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/respraft/respraft/fsm"
)

// Errors of this package; cmd/respraft maps the local Raft node's errors to
// them and them to the client-facing ones.
var (
	// ErrNotLeader: not done, and safe to retry (no leader known, the
	// leader could not be reached, or it refused before proposing).
	ErrNotLeader = errors.New("cluster: no reachable leader")
	// ErrUnknownOutcome: the write reached the leader (or raft) but its
	// result was lost; it may or may not have been applied.
	ErrUnknownOutcome = errors.New("cluster: outcome unknown")
	// ErrShutdown: this node or the leader is stopping; not done.
	ErrShutdown = errors.New("cluster: shutting down")
)

// Raft is what the service needs of the local Raft node. Its methods must
// return ErrNotLeader, ErrUnknownOutcome or ErrShutdown (possibly wrapped)
// for the corresponding failures.
type Raft interface {
	IsLeader() bool
	// Leader returns the leader's id and cluster address, or "" if unknown.
	Leader() (id, addr string)
	Apply(ctx context.Context, data []byte) (interface{}, uint64, error)
	ReadIndex(ctx context.Context) (uint64, error)
	// ReadIndexFor is ReadIndex for a read the voter peer (at cluster
	// address peerAddr) serves; a non-zero term means no quorum round was
	// run and the index holds only if peer is still in that term when the
	// answer reaches it (raftnode.Node.ReadIndexFor).
	ReadIndexFor(ctx context.Context, peer, peerAddr string) (idx, term uint64, err error)
	// ID and Addr are this node's id and cluster address; Term its
	// current term.
	ID() string
	Addr() string
	Term() uint64
	WaitApplied(ctx context.Context, idx uint64) error
	AddVoter(ctx context.Context, id, addr string) error
	RemoveServer(ctx context.Context, id string) error
	TransferLeadership(ctx context.Context, id string) error
	// Acknowledged counts the members other than except known to hold
	// the log entry at index; ok is false unless this node is the leader
	// (raftnode.Node.Acknowledged).
	Acknowledged(index uint64, except string) (count int, ok bool)
}

// Config configures a Service.
type Config struct {
	Raft     Raft
	Listener net.Listener // the cluster port's RPCByte connections
	Logger   *slog.Logger
	// Timeout bounds one RPC when the caller's context has no deadline.
	Timeout time.Duration
	// Now is the leader's clock for stamping forwarded writes (tests).
	Now func() time.Time
	// Peers returns the cluster addresses of the other members, for
	// pub/sub fan-out (nil: this node has no peers to reach).
	Peers func() []string
}

// Service serves forwarded requests as the leader and forwards this node's
// requests when it is a follower.
type Service struct {
	raft Raft
	ln   net.Listener
	log  *slog.Logger
	to   time.Duration
	now  func() time.Time
	pool pool

	peers func() []string
	ps    atomic.Pointer[PubSub] // local subscribers (SetPubSub)

	mu       sync.Mutex
	conns    map[net.Conn]struct{}
	closed   bool
	draining bool
	inflight int       // forwarded requests being handled
	lastReq  time.Time // when the last forwarded request arrived
	wg       sync.WaitGroup

	// Follower reads share read-index requests: readers that arrive while
	// one is on its way to the leader wait for the next one.
	readMu      sync.Mutex
	readPending *readRound
	readKick    chan struct{}
	stop        chan struct{}
	stopOnce    sync.Once
	loopDone    chan struct{}
}

type readRound struct {
	done    chan struct{}
	idx     uint64
	err     error
	readers int // joined so far, under readMu
}

// New returns a Service; call Serve to answer peers.
func New(cfg Config) *Service {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Service{
		raft:     cfg.Raft,
		ln:       cfg.Listener,
		log:      cfg.Logger.With("component", "cluster"),
		to:       cfg.Timeout,
		now:      cfg.Now,
		peers:    cfg.Peers,
		pool:     pool{timeout: 2 * time.Second},
		conns:    make(map[net.Conn]struct{}),
		readKick: make(chan struct{}, 1),
		stop:     make(chan struct{}),
		loopDone: make(chan struct{}),
	}
	go s.readLoop()
	return s
}

// readLoop sends one read-index request at a time to the leader, on
// behalf of every follower read that joined the round before it left.
func (s *Service) readLoop() {
	defer close(s.loopDone)
	for {
		select {
		case <-s.stop:
			s.readMu.Lock()
			r := s.readPending
			s.readPending = nil
			s.readMu.Unlock()
			if r != nil {
				r.err = ErrShutdown
				close(r.done)
			}
			return
		case <-s.readKick:
		}
		s.letReadersJoin()
		s.readMu.Lock()
		r := s.readPending
		s.readPending = nil
		s.readMu.Unlock()
		if r == nil {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), s.to)
		r.idx, r.err = s.remoteReadIndex(ctx)
		cancel()
		close(r.done)
	}
}

// maxJoinYields bounds how often readLoop yields before a round leaves.
const maxJoinYields = 8

// letReadersJoin lets the reads that are already runnable join the pending
// round before it leaves: the first reader's kick wakes readLoop ahead of
// the readers behind it (clients whose requests arrived together), so
// without yielding each round would leave with a handful of them and the
// rest would wait for the next. It yields until two yields in a row bring
// no new reader (Go's scheduler now and then runs a yielding goroutine
// again at once, to be fair to the global run queue), so an idle node pays
// two yields. Under redis-benchmark (50 clients, GET through a follower of
// three) a request to the leader carried 16-23 reads instead of 5-11, and
// the follower served 55.3k GET/s on average against 49.7k (seven
// alternating runs, six ahead).
func (s *Service) letReadersJoin() {
	quiet := 0
	for range maxJoinYields {
		before := s.pendingReaders()
		runtime.Gosched()
		if s.pendingReaders() != before {
			quiet = 0
		} else if quiet++; quiet == 2 {
			return
		}
	}
}

func (s *Service) pendingReaders() int {
	s.readMu.Lock()
	defer s.readMu.Unlock()
	if s.readPending == nil {
		return 0
	}
	return s.readPending.readers
}

func (s *Service) remoteReadIndex(ctx context.Context) (uint64, error) {
	reply, err := s.forward(ctx, opReadIndex, appendBytes(appendBytes(nil, []byte(s.raft.ID())), []byte(s.raft.Addr())))
	if err != nil {
		if errors.Is(err, ErrUnknownOutcome) {
			// Reads change nothing: an unanswered one is just retried.
			return 0, fmt.Errorf("%w: %v", ErrNotLeader, err)
		}
		return 0, err
	}
	p := parser{b: reply}
	idx := p.uvarint()
	var term uint64
	if len(p.b) > 0 { // older leaders send the index alone
		term = p.uvarint()
	}
	if p.err != nil {
		return 0, fmt.Errorf("%w: bad read index reply", ErrNotLeader)
	}
	// The leader counted on this node as the other half of its quorum:
	// that holds only if this node has not moved to a later term.
	if term != 0 && s.raft.Term() != term {
		return 0, fmt.Errorf("%w: term moved from %d during the read index", ErrNotLeader, term)
	}
	return idx, nil
}

// followerReadIndex joins the next read-index round and waits for it.
func (s *Service) followerReadIndex(ctx context.Context) (uint64, error) {
	s.readMu.Lock()
	r := s.readPending
	if r == nil {
		r = &readRound{done: make(chan struct{})}
		s.readPending = r
	}
	r.readers++
	s.readMu.Unlock()
	select {
	case s.readKick <- struct{}{}:
	default:
	}
	select {
	case <-r.done:
		return r.idx, r.err
	case <-ctx.Done():
		return 0, fmt.Errorf("%w: %v", ErrNotLeader, ctx.Err())
	}
}

// Serve answers peers until Close. It returns nil after Close.
func (s *Service) Serve() error {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			s.mu.Lock()
			closed := s.closed
			s.mu.Unlock()
			if closed || errors.Is(err, net.ErrClosed) {
				return nil
			}
			s.log.Warn("accept", "err", err)
			time.Sleep(50 * time.Millisecond) // back off a failing accept
			continue
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return nil
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go s.serveConn(c)
	}
}

// Drain stops taking forwarded requests: new ones are answered "not
// done, retry elsewhere", and it waits (bounded by ctx) until the ones
// being handled have finished and sent their replies. Connections stay
// open, so a peer whose request is already on the wire gets that definite
// answer rather than a lost reply; Close them after Raft has handed over
// leadership (see Linger).
func (s *Service) Drain(ctx context.Context) error {
	s.mu.Lock()
	s.draining = true
	s.mu.Unlock()
	_ = s.ln.Close()
	for {
		s.mu.Lock()
		n := s.inflight
		s.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("cluster: %d forwarded requests still running: %w", n, ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// Linger waits until no forwarded request has arrived for quiet, or max
// has passed: the time peers need to notice a new leader after this one
// stepped down, so that closing the connections loses nothing in flight.
func (s *Service) Linger(quiet, max time.Duration) {
	deadline := time.Now().Add(max)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		idle := time.Since(s.lastReq)
		s.mu.Unlock()
		if idle >= quiet {
			return
		}
		time.Sleep(quiet - idle)
	}
}

// Close stops serving, closes peer connections and pooled connections, and
// waits for the handlers to return.
func (s *Service) Close() error {
	s.mu.Lock()
	s.closed = true
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	err := s.ln.Close()
	s.stopOnce.Do(func() { close(s.stop) })
	<-s.loopDone
	s.pool.close()
	s.wg.Wait()
	return err
}

func (s *Service) serveConn(c net.Conn) {
	defer func() {
		c.Close()
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		s.wg.Done()
	}()
	r, w := bufio.NewReader(c), bufio.NewWriter(c)
	for {
		_ = c.SetReadDeadline(time.Time{})
		op, body, err := readFrame(r)
		if err != nil {
			return
		}
		s.mu.Lock()
		s.lastReq = time.Now()
		draining := s.draining
		if !draining {
			s.inflight++
		}
		s.mu.Unlock()
		code, reply := codeShutdown, []byte(nil)
		if !draining {
			ctx, cancel := context.WithTimeout(context.Background(), s.to)
			code, reply = s.handle(ctx, op, body)
			cancel()
		}
		_ = c.SetWriteDeadline(time.Now().Add(s.to))
		err = writeFrame(w, code, reply)
		if !draining {
			s.mu.Lock()
			s.inflight--
			s.mu.Unlock()
		}
		if err != nil {
			return
		}
	}
}

// handle runs one forwarded request on this node, which must be the leader
// (pub/sub calls excepted: any member answers those); it never forwards
// again, so a stale view of the leader cannot loop.
func (s *Service) handle(ctx context.Context, op byte, body []byte) (byte, []byte) {
	if op == opPublish || op == opPubSub {
		return s.handlePubSub(op, body)
	}
	if !s.raft.IsLeader() {
		return codeNotLeader, nil
	}
	p := parser{b: body}
	var err error
	switch op {
	case opApply:
		var out interface{}
		var idx uint64
		out, idx, err = s.raft.Apply(ctx, fsm.Restamp(body, s.now().UnixMilli()))
		if err == nil {
			res, ok := out.(*fsm.Result)
			if !ok {
				return codeUnknown, nil
			}
			b := binary.AppendUvarint(nil, idx)
			b = binary.AppendUvarint(b, uint64(len(res.Replies)))
			for _, r := range res.Replies {
				b = appendBytes(b, r)
			}
			return codeOK, b
		}
	case opReadIndex:
		// The payload names the asking node, id then cluster address
		// (empty from older nodes); the reply is the index, then the term
		// the asker must still be in (0: confirmed by a round, nothing to
		// check).
		var peer, peerAddr []byte
		if len(p.b) > 0 {
			if peer, peerAddr = p.bytes(), p.bytes(); p.err != nil {
				return codeError, []byte(p.err.Error())
			}
		}
		var idx, term uint64
		if idx, term, err = s.raft.ReadIndexFor(ctx, string(peer), string(peerAddr)); err == nil {
			return codeOK, binary.AppendUvarint(binary.AppendUvarint(nil, idx), term)
		}
	case opAcked:
		idx, asker := p.uvarint(), p.bytes()
		if p.err != nil {
			return codeError, []byte(p.err.Error())
		}
		n, ok := s.raft.Acknowledged(idx, string(asker))
		if !ok {
			return codeNotLeader, nil
		}
		return codeOK, binary.AppendUvarint(nil, uint64(n))
	case opAddVoter:
		id, addr := p.bytes(), p.bytes()
		if p.err != nil {
			return codeError, []byte(p.err.Error())
		}
		err = s.raft.AddVoter(ctx, string(id), string(addr))
	case opRemove:
		id := p.bytes()
		if p.err != nil {
			return codeError, []byte(p.err.Error())
		}
		err = s.raft.RemoveServer(ctx, string(id))
	case opTransfer:
		id := p.bytes()
		if p.err != nil {
			return codeError, []byte(p.err.Error())
		}
		err = s.raft.TransferLeadership(ctx, string(id))
	default:
		return codeError, []byte(fmt.Sprintf("unknown operation %d", op))
	}
	switch {
	case err == nil:
		return codeOK, nil
	case errors.Is(err, ErrNotLeader):
		return codeNotLeader, nil
	case errors.Is(err, ErrShutdown):
		return codeShutdown, nil
	case errors.Is(err, ErrUnknownOutcome):
		return codeUnknown, []byte(err.Error())
	}
	return codeError, []byte(err.Error())
}

// forward sends one request to the leader. A request that provably did not
// reach it is ErrNotLeader; one whose answer was lost is ErrUnknownOutcome.
func (s *Service) forward(ctx context.Context, op byte, body []byte) ([]byte, error) {
	_, addr := s.raft.Leader()
	if addr == "" {
		return nil, ErrNotLeader
	}
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(s.to)
	}
	code, reply, err := s.pool.call(addr, op, body, deadline)
	if err != nil {
		if errors.Is(err, errNotSent) {
			return nil, fmt.Errorf("%w: %v", ErrNotLeader, err)
		}
		return nil, fmt.Errorf("%w: leader %s: %v", ErrUnknownOutcome, addr, err)
	}
	switch code {
	case codeOK:
		return reply, nil
	case codeNotLeader:
		return nil, fmt.Errorf("%w: %s is no longer the leader", ErrNotLeader, addr)
	case codeShutdown:
		return nil, fmt.Errorf("%w: leader %s is stopping", ErrNotLeader, addr)
	case codeUnknown:
		return nil, fmt.Errorf("%w: leader %s: %s", ErrUnknownOutcome, addr, reply)
	}
	return nil, fmt.Errorf("leader %s: %s", addr, reply)
}

// Apply applies one fsm entry: locally on the leader, else through the
// leader; on a follower it returns only once this node has applied the
// entry too, so the client reads its own write here.
func (s *Service) Apply(ctx context.Context, data []byte) (*fsm.Result, error) {
	if s.raft.IsLeader() {
		// Stamped by this node, which is the leader: nothing to re-stamp.
		out, _, err := s.raft.Apply(ctx, data)
		if err != nil {
			return nil, err
		}
		res, ok := out.(*fsm.Result)
		if !ok {
			return nil, fmt.Errorf("%w: no result from the state machine", ErrUnknownOutcome)
		}
		return res, nil
	}
	reply, err := s.forward(ctx, opApply, data)
	if err != nil {
		return nil, err
	}
	p := parser{b: reply}
	idx := p.uvarint()
	n := p.uvarint()
	if p.err == nil && n > uint64(len(p.b)) {
		p.err = errShort
	}
	res := &fsm.Result{}
	for i := uint64(0); i < n && p.err == nil; i++ {
		res.Replies = append(res.Replies, p.bytes())
	}
	if p.err != nil {
		return nil, fmt.Errorf("%w: bad reply from the leader: %v", ErrUnknownOutcome, p.err)
	}
	res.Index = idx
	if err := s.raft.WaitApplied(ctx, idx); err != nil {
		// The write is committed; only read-your-writes on this node is
		// delayed. Report the write's result, which is known.
		s.log.Warn("forwarded write applied on the leader but not yet here", "index", idx, "err", err)
	}
	return res, nil
}

// Acknowledged counts the other members known to hold the log entry at
// index (Redis's WAIT): the leader answers from what its followers have
// acknowledged, for itself or for the follower asking, which it leaves
// out and counts itself instead.
func (s *Service) Acknowledged(ctx context.Context, index uint64) (int, error) {
	if n, ok := s.raft.Acknowledged(index, s.raft.ID()); ok {
		return n, nil
	}
	body := binary.AppendUvarint(nil, index)
	body = appendBytes(body, []byte(s.raft.ID()))
	reply, err := s.forward(ctx, opAcked, body)
	if err != nil {
		return 0, err
	}
	p := parser{b: reply}
	n := p.uvarint()
	if p.err != nil {
		return 0, fmt.Errorf("bad reply from the leader: %w", p.err)
	}
	return int(n), nil
}

// ReadBarrier returns once this node has applied everything that was
// committed when the call started (a linearizable read index, obtained
// from the leader when this node is a follower).
func (s *Service) ReadBarrier(ctx context.Context) error {
	var idx uint64
	if s.raft.IsLeader() {
		var err error
		if idx, err = s.raft.ReadIndex(ctx); err != nil {
			return err
		}
	} else {
		var err error
		if idx, err = s.followerReadIndex(ctx); err != nil {
			return err
		}
	}
	return s.raft.WaitApplied(ctx, idx)
}

// AddVoter adds a voting member (through the leader). Idempotent.
func (s *Service) AddVoter(ctx context.Context, id, addr string) error {
	if s.raft.IsLeader() {
		return s.raft.AddVoter(ctx, id, addr)
	}
	_, err := s.forward(ctx, opAddVoter, appendBytes(appendBytes(nil, []byte(id)), []byte(addr)))
	return err
}

// RemoveServer removes a member (through the leader). Idempotent.
func (s *Service) RemoveServer(ctx context.Context, id string) error {
	if s.raft.IsLeader() {
		return s.raft.RemoveServer(ctx, id)
	}
	_, err := s.forward(ctx, opRemove, appendBytes(nil, []byte(id)))
	return err
}

// TransferLeadership moves leadership to id (any voter if empty).
func (s *Service) TransferLeadership(ctx context.Context, id string) error {
	if s.raft.IsLeader() {
		return s.raft.TransferLeadership(ctx, id)
	}
	_, err := s.forward(ctx, opTransfer, appendBytes(nil, []byte(id)))
	return err
}
