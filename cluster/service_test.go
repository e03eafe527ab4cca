package cluster

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/respraft/respraft/fsm"
)

// fakeRaft is a Raft that is the leader (or follows leaderAddr), applies
// by echoing the entry back, and counts read-index calls.
type fakeRaft struct {
	leader     bool
	leaderAddr string
	index      atomic.Uint64
	readCalls  atomic.Int64
	mu         sync.Mutex
	applied    [][]byte
	block      chan struct{} // if set, Apply waits for it
	// term is this node's term; as the leader, pairTerm is the term
	// ReadIndexFor hands back without a round (0: a round was run) and
	// askers records who asked.
	term     atomic.Uint64
	pairTerm uint64
	askers   sync.Map
	forCalls atomic.Int64 // ReadIndexFor calls
	// acks is what Acknowledged answers as the leader; ackAsks records
	// its questions, as "index except".
	acks    int
	ackAsks sync.Map
}

func (f *fakeRaft) Acknowledged(index uint64, except string) (int, bool) {
	if !f.leader {
		return 0, false
	}
	f.ackAsks.Store(fmt.Sprintf("%d %s", index, except), true)
	return f.acks, true
}

func (f *fakeRaft) IsLeader() bool { return f.leader }
func (f *fakeRaft) Leader() (string, string) {
	if f.leader {
		return "self", ""
	}
	return "leader", f.leaderAddr
}
func (f *fakeRaft) Apply(ctx context.Context, data []byte) (interface{}, uint64, error) {
	if f.block != nil {
		<-f.block
	}
	f.mu.Lock()
	f.applied = append(f.applied, data)
	f.mu.Unlock()
	return &fsm.Result{Replies: [][]byte{[]byte("+OK\r\n"), data}}, f.index.Add(1), nil
}
func (f *fakeRaft) ReadIndex(ctx context.Context) (uint64, error) {
	f.readCalls.Add(1)
	time.Sleep(time.Millisecond) // a quorum round takes a little while
	return f.index.Load(), nil
}
func (f *fakeRaft) ReadIndexFor(ctx context.Context, peer, peerAddr string) (uint64, uint64, error) {
	f.forCalls.Add(1)
	f.askers.Store(peer+"@"+peerAddr, true)
	if f.pairTerm != 0 {
		return f.index.Load(), f.pairTerm, nil
	}
	idx, err := f.ReadIndex(ctx)
	return idx, 0, err
}
func (f *fakeRaft) ID() string {
	if f.leader {
		return "self"
	}
	return "follower"
}
func (f *fakeRaft) Addr() string                                            { return f.ID() + ":16379" }
func (f *fakeRaft) Term() uint64                                            { return f.term.Load() }
func (f *fakeRaft) WaitApplied(ctx context.Context, idx uint64) error       { return nil }
func (f *fakeRaft) AddVoter(ctx context.Context, id, addr string) error     { return nil }
func (f *fakeRaft) RemoveServer(ctx context.Context, id string) error       { return nil }
func (f *fakeRaft) TransferLeadership(ctx context.Context, id string) error { return nil }

// rpcListener accepts connections and strips the RPCByte, as the raftnode
// mux does.
type rpcListener struct{ net.Listener }

func (l rpcListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	b := make([]byte, 1)
	if _, err := c.Read(b); err != nil || b[0] != RPCByte {
		c.Close()
		return l.Accept()
	}
	return c, nil
}

func startService(t *testing.T, r Raft) (*Service, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := New(Config{Raft: r, Listener: rpcListener{l}, Now: func() time.Time { return time.UnixMilli(1_800_000_000_000) }})
	go s.Serve()
	t.Cleanup(func() { s.Close() })
	return s, l.Addr().String()
}

func TestFollowerForwardsWritesRestamped(t *testing.T) {
	lr := &fakeRaft{leader: true}
	_, addr := startService(t, lr)
	fr := &fakeRaft{leaderAddr: addr}
	f, _ := startService(t, fr)

	entry := fsm.EncodeCommands(1000, []fsm.Cmd{{DB: 0, Argv: [][]byte{[]byte("SET"), []byte("k"), []byte("v")}}})
	res, err := f.Apply(context.Background(), entry)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Replies) != 2 || string(res.Replies[0]) != "+OK\r\n" {
		t.Fatalf("replies: %q", res.Replies)
	}
	if want := fsm.Restamp(entry, 1_800_000_000_000); string(res.Replies[1]) != string(want) {
		t.Errorf("the leader applied %q, want the entry re-stamped with its clock %q", res.Replies[1], want)
	}
	if len(fr.applied) != 0 {
		t.Error("the follower applied the write itself")
	}
}

// readAtOnce starts n read barriers on f together and waits for them all.
func readAtOnce(t *testing.T, f *Service, n int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- f.ReadBarrier(context.Background())
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestAcknowledgedAsksTheLeader: WAIT's count comes from the leader, which
// leaves out the node asking (the one the client writes through): the
// leader itself when it is asked, the follower otherwise. Writes carry
// their log index back through the follower.
func TestAcknowledgedAsksTheLeader(t *testing.T) {
	lr := &fakeRaft{leader: true, acks: 2}
	l, addr := startService(t, lr)
	fr := &fakeRaft{leaderAddr: addr}
	f, _ := startService(t, fr)
	ctx := context.Background()

	res, err := f.Apply(ctx, fsm.EncodeCommands(1000, []fsm.Cmd{{DB: 0, Argv: [][]byte{[]byte("SET"), []byte("k"), []byte("v")}}}))
	if err != nil {
		t.Fatal(err)
	}
	if res.Index != 1 {
		t.Fatalf("forwarded write: index %d, want 1", res.Index)
	}
	for _, tc := range []struct {
		s    *Service
		ask  string
		name string
	}{{f, "7 follower", "follower"}, {l, "7 self", "leader"}} {
		n, err := tc.s.Acknowledged(ctx, 7)
		if err != nil || n != 2 {
			t.Fatalf("%s: Acknowledged = %d, %v; want 2", tc.name, n, err)
		}
		if _, ok := lr.ackAsks.Load(tc.ask); !ok {
			t.Errorf("%s: the leader was not asked %q", tc.name, tc.ask)
		}
	}

	// No leader to ask: not a count of 0, an error.
	lone := &fakeRaft{leaderAddr: ""}
	s, _ := startService(t, lone)
	if n, err := s.Acknowledged(ctx, 7); !errors.Is(err, ErrNotLeader) {
		t.Fatalf("no leader: Acknowledged = %d, %v; want ErrNotLeader", n, err)
	}
}

func TestFollowerReadsShareReadIndexRequests(t *testing.T) {
	lr := &fakeRaft{leader: true}
	_, addr := startService(t, lr)
	f, _ := startService(t, &fakeRaft{leaderAddr: addr})
	readAtOnce(t, f, 200)
	if n := lr.readCalls.Load(); n >= 100 {
		t.Errorf("200 concurrent follower reads made %d read-index requests; they should share rounds", n)
	}
	t.Logf("200 follower reads, %d read-index requests", lr.readCalls.Load())
}

// Readers that are runnable together go to the leader together. On one
// processor, the first reader's kick runs the read loop before the other
// readers have run at all; without letting them join, that round would
// leave with the first reader alone.
func TestRunnableReadersShareOneReadIndexRequest(t *testing.T) {
	lr := &fakeRaft{leader: true, pairTerm: 1}
	_, addr := startService(t, lr)
	fr := &fakeRaft{leaderAddr: addr}
	fr.term.Store(1)
	f, _ := startService(t, fr)
	if err := f.ReadBarrier(context.Background()); err != nil { // connect to the leader
		t.Fatal(err)
	}
	lr.forCalls.Store(0)

	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	const readers = 10
	readAtOnce(t, f, readers)
	if n := lr.forCalls.Load(); n != 1 {
		t.Errorf("%d readers runnable at once made %d read-index requests, want 1", readers, n)
	}
}

// A leader that answers a read index without a round counts on the asker
// still being in its term: the follower must refuse the index when its
// own term has moved on, and use it when it has not.
func TestFollowerChecksItsTermOnPeerQuorumReads(t *testing.T) {
	lr := &fakeRaft{leader: true, pairTerm: 7}
	_, addr := startService(t, lr)
	fr := &fakeRaft{leaderAddr: addr}
	f, _ := startService(t, fr)

	fr.term.Store(7)
	if err := f.ReadBarrier(context.Background()); err != nil {
		t.Fatalf("follower still in the leader's term: %v", err)
	}
	if _, ok := lr.askers.Load("follower@follower:16379"); !ok {
		t.Error("the read-index request did not name the follower and its address")
	}
	fr.term.Store(8)
	if err := f.ReadBarrier(context.Background()); !errors.Is(err, ErrNotLeader) {
		t.Fatalf("follower in a later term: %v, want ErrNotLeader (retry)", err)
	}
	if lr.readCalls.Load() != 0 {
		t.Errorf("the leader ran %d rounds; it was set to answer without", lr.readCalls.Load())
	}
}

func TestUnreachableLeaderIsNotLeader(t *testing.T) {
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	f, _ := startService(t, &fakeRaft{leaderAddr: addr})
	_, err := f.Apply(context.Background(), fsm.EncodeNoop())
	if !errors.Is(err, ErrNotLeader) {
		t.Errorf("got %v, want ErrNotLeader (the write was never sent)", err)
	}
}

func TestLostAnswerIsUnknownOutcome(t *testing.T) {
	// A "leader" that reads the request and hangs up without answering.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		r := bufio.NewReader(c)
		r.ReadByte() // RPCByte
		readFrame(r)
		c.Close()
	}()
	f, _ := startService(t, &fakeRaft{leaderAddr: l.Addr().String()})
	_, err = f.Apply(context.Background(), fsm.EncodeNoop())
	if !errors.Is(err, ErrUnknownOutcome) {
		t.Errorf("got %v, want ErrUnknownOutcome (the leader got the write)", err)
	}
}

func TestDrainAnswersInFlightAndRefusesNew(t *testing.T) {
	lr := &fakeRaft{leader: true, block: make(chan struct{})}
	leader, addr := startService(t, lr)
	f, _ := startService(t, &fakeRaft{leaderAddr: addr})
	first := make(chan error, 1)
	go func() {
		_, err := f.Apply(context.Background(), fsm.EncodeNoop())
		first <- err
	}()
	// Wait until the leader is handling it.
	deadline := time.Now().Add(5 * time.Second)
	for {
		leader.mu.Lock()
		n := leader.inflight
		leader.mu.Unlock()
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("request never reached the leader")
		}
		time.Sleep(time.Millisecond)
	}
	drained := make(chan error, 1)
	go func() { drained <- leader.Drain(context.Background()) }()
	// A new request while draining is refused definitely.
	deadline = time.Now().Add(5 * time.Second)
	for {
		leader.mu.Lock()
		d := leader.draining
		leader.mu.Unlock()
		if d {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("not draining")
		}
		time.Sleep(time.Millisecond)
	}
	f2, _ := startService(t, &fakeRaft{leaderAddr: addr})
	if _, err := f2.Apply(context.Background(), fsm.EncodeNoop()); !errors.Is(err, ErrNotLeader) {
		// A fresh connection cannot be accepted after Drain closed the
		// listener; either way the write was not done.
		t.Errorf("write during drain: %v, want ErrNotLeader", err)
	}
	close(lr.block)
	if err := <-first; err != nil {
		t.Errorf("in-flight write during drain: %v, want its result", err)
	}
	if err := <-drained; err != nil {
		t.Errorf("drain: %v", err)
	}
}
