package raftnode

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
)

// fakeFSM is a map applying "set k v" and "noop" entries.
type fakeFSM struct {
	gate func(l *raft.Log) // runs before each command entry (set before New)

	mu       sync.Mutex
	data     map[string]string
	restores int

	applied  atomic.Uint64
	notifyMu sync.Mutex
	notify   chan struct{}
}

func newFakeFSM() *fakeFSM {
	return &fakeFSM{data: map[string]string{}, notify: make(chan struct{})}
}

func (f *fakeFSM) Apply(l *raft.Log) interface{} { return f.ApplyBatch([]*raft.Log{l})[0] }

func (f *fakeFSM) ApplyBatch(logs []*raft.Log) []interface{} {
	out := make([]interface{}, len(logs))
	for i, l := range logs {
		if l.Type == raft.LogCommand {
			if f.gate != nil {
				f.gate(l)
			}
			out[i] = f.apply(l.Data)
		}
		f.setApplied(l.Index)
	}
	return out
}

func (f *fakeFSM) apply(data []byte) interface{} {
	fields := strings.Fields(string(data))
	switch {
	case len(fields) == 1 && fields[0] == "noop":
		return nil
	case len(fields) == 3 && fields[0] == "set":
		f.mu.Lock()
		f.data[fields[1]] = fields[2]
		f.mu.Unlock()
		return "OK"
	}
	panic(fmt.Sprintf("fakeFSM: bad entry %q", data))
}

func (f *fakeFSM) setApplied(idx uint64) {
	f.applied.Store(idx)
	f.notifyMu.Lock()
	close(f.notify)
	f.notify = make(chan struct{})
	f.notifyMu.Unlock()
}

func (f *fakeFSM) AppliedIndex() uint64 { return f.applied.Load() }

func (f *fakeFSM) WaitApplied(ctx context.Context, idx uint64) error {
	for {
		f.notifyMu.Lock()
		ch := f.notify
		f.notifyMu.Unlock()
		if f.applied.Load() >= idx {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (f *fakeFSM) get(k string) (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.data[k]
	return v, ok
}

func (f *fakeFSM) state() map[string]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return maps.Clone(f.data)
}

type fakeSnapshot struct {
	Data    map[string]string
	Applied uint64
}

func (f *fakeFSM) Snapshot() (raft.FSMSnapshot, error) {
	return &fakeSnapshot{Data: f.state(), Applied: f.applied.Load()}, nil
}

func (s *fakeSnapshot) Persist(sink raft.SnapshotSink) error {
	if err := json.NewEncoder(sink).Encode(s); err != nil {
		sink.Cancel()
		return err
	}
	return sink.Close()
}

func (s *fakeSnapshot) Release() {}

func (f *fakeFSM) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	var s fakeSnapshot
	if err := json.NewDecoder(rc).Decode(&s); err != nil {
		return err
	}
	f.mu.Lock()
	f.data = s.Data
	f.restores++
	f.mu.Unlock()
	f.setApplied(s.Applied)
	return nil
}

func testLogger() *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	return slog.New(slog.DiscardHandler)
}

func mustListen(t *testing.T) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	return l
}

// mustNewNode starts a node with test defaults for the zero fields of cfg
// and shuts it down at the end of the test.
func mustNewNode(t *testing.T, cfg Config, f *fakeFSM) *Node {
	t.Helper()
	if cfg.ID == "" {
		cfg.ID = "n1"
	}
	if cfg.Dir == "" {
		cfg.Dir = t.TempDir()
	}
	if cfg.Listener == nil && cfg.Mux == nil {
		cfg.Listener = mustListen(t)
	}
	if cfg.NoopEntry == nil {
		cfg.NoopEntry = []byte("noop")
	}
	if cfg.Logger == nil {
		cfg.Logger = testLogger()
	}
	n, err := New(cfg, f)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := n.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return n
}

// waitFor polls cond until it holds or the timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		<-tick.C
	}
}

func ctxT(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func mustApply(t *testing.T, n *Node, cmd string) (interface{}, uint64) {
	t.Helper()
	resp, idx, err := n.Apply(ctxT(t, 5*time.Second), []byte(cmd))
	if err != nil {
		t.Fatalf("Apply(%q): %v", cmd, err)
	}
	return resp, idx
}

func TestSingleNodeBootstrap(t *testing.T) {
	f := newFakeFSM()
	n := mustNewNode(t, Config{ID: "solo"}, f)
	waitFor(t, 5*time.Second, "leader ready", n.Ready)
	if !n.IsLeader() {
		t.Fatal("ready single node is not the leader")
	}
	if id, addr := n.Leader(); id != "solo" || addr != n.Addr() {
		t.Fatalf("Leader() = %q, %q, want %q, %q", id, addr, "solo", n.Addr())
	}

	resp, idx := mustApply(t, n, "set a 1")
	if resp != "OK" || idx == 0 {
		t.Fatalf("Apply = %v, %d, want OK and an index", resp, idx)
	}
	if got, _ := f.get("a"); got != "1" {
		t.Fatalf("a = %q, want 1", got)
	}
	if f.AppliedIndex() < idx {
		t.Fatalf("applied %d < index %d after Apply returned", f.AppliedIndex(), idx)
	}
	_, idx2 := mustApply(t, n, "set a 2")
	if idx2 <= idx {
		t.Fatalf("second index %d not after first %d", idx2, idx)
	}

	s := n.Stats()
	if s.State != "Leader" || !s.Ready || s.LeaderID != "solo" || s.NumPeers != 0 || len(s.Servers) != 1 {
		t.Fatalf("Stats = %+v", s)
	}
	if s.AppliedIndex < idx2 || s.CommitIndex < idx2 || s.LastLogIndex < idx2 || s.Term == 0 {
		t.Fatalf("Stats indexes = %+v, want >= %d", s, idx2)
	}

	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := n.Apply(canceled, []byte("set b 1")); !errors.Is(err, ErrTimeout) || !errors.Is(err, context.Canceled) {
		t.Fatalf("Apply with canceled ctx: %v, want ErrTimeout wrapping context.Canceled", err)
	}
	if _, ok := f.get("b"); ok {
		t.Fatal("canceled Apply was applied")
	}
}

func TestReadBarrierWaitsForApplied(t *testing.T) {
	release := make(chan struct{})
	var releaseOnce sync.Once
	unblock := func() { releaseOnce.Do(func() { close(release) }) }
	f := newFakeFSM()
	f.gate = func(l *raft.Log) {
		if string(l.Data) == "set slow 1" {
			<-release
		}
	}
	n := mustNewNode(t, Config{}, f)
	t.Cleanup(unblock) // before Shutdown (cleanups run last-in first-out)
	waitFor(t, 5*time.Second, "leader ready", n.Ready)
	mustApply(t, n, "set a 1")

	commit := n.raft.CommitIndex()
	if err := n.ReadBarrier(ctxT(t, 5*time.Second)); err != nil {
		t.Fatalf("ReadBarrier: %v", err)
	}
	if got := f.AppliedIndex(); got < commit {
		t.Fatalf("applied %d < commit %d after ReadBarrier", got, commit)
	}

	// An entry committed but held back from the FSM: the barrier must wait.
	before := f.AppliedIndex()
	applied := make(chan error, 1)
	go func() {
		_, _, err := n.Apply(context.Background(), []byte("set slow 1"))
		applied <- err
	}()
	waitFor(t, 5*time.Second, "slow entry committed", func() bool { return n.raft.CommitIndex() > before })
	err := n.ReadBarrier(ctxT(t, 200*time.Millisecond))
	if !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("ReadBarrier with unapplied commit: %v, want ErrTimeout", err)
	}
	unblock()
	if err := n.ReadBarrier(ctxT(t, 5*time.Second)); err != nil {
		t.Fatalf("ReadBarrier after release: %v", err)
	}
	if got, _ := f.get("slow"); got != "1" {
		t.Fatalf("slow = %q after ReadBarrier, want 1", got)
	}
	if err := <-applied; err != nil {
		t.Fatalf("slow Apply: %v", err)
	}
}

func TestLeaderNotReadyBeforeOwnNoop(t *testing.T) {
	release := make(chan struct{})
	var releaseOnce sync.Once
	unblock := func() { releaseOnce.Do(func() { close(release) }) }
	f := newFakeFSM()
	f.gate = func(l *raft.Log) {
		if string(l.Data) == "noop" {
			<-release
		}
	}
	n := mustNewNode(t, Config{}, f)
	t.Cleanup(unblock)
	waitFor(t, 5*time.Second, "leadership", n.IsLeader)
	if n.Ready() {
		t.Fatal("leader is Ready before its noop was applied")
	}
	if err := n.ReadBarrier(ctxT(t, 150*time.Millisecond)); !errors.Is(err, ErrTimeout) {
		t.Fatalf("ReadBarrier before noop: %v, want ErrTimeout", err)
	}
	unblock()
	waitFor(t, 5*time.Second, "leader ready", n.Ready)
	if err := n.ReadBarrier(ctxT(t, 5*time.Second)); err != nil {
		t.Fatalf("ReadBarrier after noop: %v", err)
	}
}

func TestSoleVoterReadsWithoutRound(t *testing.T) {
	n := mustNewNode(t, Config{}, newFakeFSM())
	waitFor(t, 5*time.Second, "leader ready", n.Ready)
	_, idx := mustApply(t, n, "set a 1")
	rounds, sole := n.readRounds.Load(), n.soleReads.Load()
	for range 50 {
		if err := n.ReadBarrier(ctxT(t, 5*time.Second)); err != nil {
			t.Fatalf("ReadBarrier: %v", err)
		}
	}
	if got := n.readRounds.Load() - rounds; got != 0 {
		t.Fatalf("sole voter ran %d VerifyLeader rounds, want 0", got)
	}
	if got := n.soleReads.Load() - sole; got != 50 {
		t.Fatalf("sole voter served %d reads without a round, want 50", got)
	}
	if got, err := n.ReadIndex(ctxT(t, 5*time.Second)); err != nil || got < idx {
		t.Fatalf("ReadIndex = %d, %v; want >= %d (the acknowledged write)", got, err, idx)
	}
}

// A sole voter that gains a second voter must stop reading without a
// round as soon as the new configuration is in its log: the cached answer
// of soleVoter is keyed on the last log index.
func TestSoleVoterStopsWhenVoterJoins(t *testing.T) {
	n := mustNewNode(t, Config{}, newFakeFSM())
	waitFor(t, 5*time.Second, "leader ready", n.Ready)
	mustApply(t, n, "set a 1")
	if !n.ReadNow() {
		t.Fatal("ReadNow false on an up-to-date sole voter")
	}
	ln2 := mustListen(t)
	mustNewNode(t, Config{ID: "n2", Listener: ln2, NoBootstrap: true}, newFakeFSM())
	if err := n.AddVoter(ctxT(t, 10*time.Second), "n2", ln2.Addr().String()); err != nil {
		t.Fatalf("AddVoter: %v", err)
	}
	if n.ReadNow() {
		t.Fatal("ReadNow true after a second voter joined")
	}
	rounds, sole := n.readRounds.Load(), n.soleReads.Load()
	if err := n.ReadBarrier(ctxT(t, 10*time.Second)); err != nil {
		t.Fatalf("ReadBarrier with two voters: %v", err)
	}
	if n.soleReads.Load() != sole || n.readRounds.Load() == rounds {
		t.Fatalf("two voters: sole reads %d -> %d, rounds %d -> %d; want a round and no sole read",
			sole, n.soleReads.Load(), rounds, n.readRounds.Load())
	}
}

// In a cluster of three, a read index asked for by a voter is answered
// without a VerifyLeader round, with the leader's term for the voter to
// check; for anyone else, and once a fourth voter joins, a round runs.
func TestReadIndexForPeerOfThree(t *testing.T) {
	nodes, _, li := startThree(t)
	n := nodes[li]
	_, idx := mustApply(t, n, "set a 1")
	peer, peerAddr := nodes[(li+1)%3].ID(), nodes[(li+1)%3].Addr()

	rounds := n.readRounds.Load()
	got, term, err := n.ReadIndexFor(ctxT(t, 5*time.Second), peer, peerAddr)
	if err != nil || got < idx || term != n.Term() {
		t.Fatalf("ReadIndexFor(%s) = %d, term %d, %v; want >= %d, term %d", peer, got, term, err, idx, n.Term())
	}
	if r := n.readRounds.Load() - rounds; r != 0 {
		t.Fatalf("a voter of three got its read index after %d rounds, want none", r)
	}

	// Not the voter: no id, the leader itself, a stranger, the peer's id
	// from another address (a stale process of a replaced member).
	for _, who := range [][2]string{{"", ""}, {n.ID(), n.Addr()}, {"stranger", peerAddr}, {peer, "127.0.0.1:1"}, {peer, ""}} {
		rounds = n.readRounds.Load()
		got, term, err = n.ReadIndexFor(ctxT(t, 5*time.Second), who[0], who[1])
		if err != nil || got < idx || term != 0 {
			t.Fatalf("ReadIndexFor(%q) = %d, term %d, %v; want a confirmed index (term 0)", who, got, term, err)
		}
		if n.readRounds.Load() == rounds {
			t.Fatalf("ReadIndexFor(%q) ran no round", who)
		}
	}

	ln4 := mustListen(t)
	mustNewNode(t, Config{ID: "n4", Listener: ln4, NoBootstrap: true}, newFakeFSM())
	if err := n.AddVoter(ctxT(t, 10*time.Second), "n4", ln4.Addr().String()); err != nil {
		t.Fatalf("AddVoter: %v", err)
	}
	rounds = n.readRounds.Load()
	if _, term, err = n.ReadIndexFor(ctxT(t, 10*time.Second), peer, peerAddr); err != nil || term != 0 {
		t.Fatalf("with four voters: term %d, %v; want a round (term 0)", term, err)
	}
	if n.readRounds.Load() == rounds {
		t.Fatal("with four voters a voter's read index ran no round")
	}
}

func TestReadBarrierBatchesVerifyLeader(t *testing.T) {
	const readers = 200
	nodes, _, li := startThree(t)
	n := nodes[li]
	mustApply(t, n, "set a 1")
	if sole := n.soleReads.Load(); sole != 0 {
		t.Fatalf("leader of three took %d read indexes as sole voter", sole)
	}

	t.Run("held round", func(t *testing.T) {
		// The first reader's round is held open; the other readers arrive
		// meanwhile and must all share the next round.
		entered, release := make(chan struct{}), make(chan struct{})
		var first sync.Once
		n.roundHook = func() {
			first.Do(func() {
				close(entered)
				<-release
			})
		}
		defer func() { n.roundHook = nil }()
		start := n.readRounds.Load()
		errs := make(chan error, readers)
		go func() { errs <- n.ReadBarrier(ctxT(t, 10*time.Second)) }()
		<-entered
		for range readers - 1 {
			go func() { errs <- n.ReadBarrier(ctxT(t, 10*time.Second)) }()
		}
		waitFor(t, 5*time.Second, "readers queued", func() bool {
			n.readMu.Lock()
			defer n.readMu.Unlock()
			return n.readPending != nil && n.readPending.waiters == readers-1
		})
		close(release)
		for range readers {
			if err := <-errs; err != nil {
				t.Fatalf("ReadBarrier: %v", err)
			}
		}
		if got := n.readRounds.Load() - start; got != 2 {
			t.Fatalf("%d readers ran %d VerifyLeader rounds, want 2", readers, got)
		}
	})

	t.Run("runnable together", func(t *testing.T) {
		// On one processor the first reader's kick runs readLoop before
		// the others have run at all: they must still make its round.
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
		const together = 10
		start := n.readRounds.Load()
		readAtOnce(t, n, together)
		if got := n.readRounds.Load() - start; got != 1 {
			t.Fatalf("%d readers runnable at once ran %d VerifyLeader rounds, want 1", together, got)
		}
	})

	t.Run("free running", func(t *testing.T) {
		start := n.readRounds.Load()
		readAtOnce(t, n, readers)
		got := n.readRounds.Load() - start
		t.Logf("%d concurrent readers shared %d VerifyLeader rounds", readers, got)
		if got >= readers/2 {
			t.Fatalf("%d readers ran %d VerifyLeader rounds, want far fewer", readers, got)
		}
	})
}

// readAtOnce releases count read barriers on n together and waits for
// them all.
func readAtOnce(t *testing.T, n *Node, count int) {
	t.Helper()
	gate := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, count)
	for range count {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			errs <- n.ReadBarrier(ctxT(t, 10*time.Second))
		}()
	}
	close(gate)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("ReadBarrier: %v", err)
		}
	}
}

func TestSnapshotAndRestart(t *testing.T) {
	dir := t.TempDir()
	f1 := newFakeFSM()
	n1, err := New(Config{ID: "n1", Dir: dir, Listener: mustListen(t), NoopEntry: []byte("noop"), Logger: testLogger()}, f1)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	waitFor(t, 5*time.Second, "leader ready", n1.Ready)
	if _, _, ok := n1.LastSnapshot(); ok {
		t.Fatal("LastSnapshot reports a snapshot on a fresh node")
	}
	for i := range 10 {
		mustApply(t, n1, fmt.Sprintf("set k%d v%d", i, i))
	}
	snapIdx, err := n1.Snapshot(ctxT(t, 5*time.Second))
	if err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	if snapIdx < 10 {
		t.Fatalf("snapshot index %d, want >= 10", snapIdx)
	}
	idx, at, ok := n1.LastSnapshot()
	if !ok || idx != snapIdx || time.Since(at) > time.Minute || time.Since(at) < 0 {
		t.Fatalf("LastSnapshot = %d, %v, %v; want %d, about now", idx, at, ok, snapIdx)
	}
	// Nothing new: still a success, reporting the same snapshot.
	if again, err := n1.Snapshot(ctxT(t, 5*time.Second)); err != nil || again != snapIdx {
		t.Fatalf("second Snapshot = %d, %v; want %d, nil", again, err, snapIdx)
	}
	for i := 10; i < 20; i++ {
		mustApply(t, n1, fmt.Sprintf("set k%d v%d", i, i))
	}
	want := f1.state()
	if err := n1.Shutdown(ctxT(t, 10*time.Second)); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := n1.Shutdown(ctxT(t, 10*time.Second)); err != nil {
		t.Fatalf("second Shutdown: %v", err)
	}
	n1.trans.mu.RLock()
	gated := n1.trans.closed
	n1.trans.mu.RUnlock()
	if !gated {
		t.Fatal("Shutdown closed raft.db with the heartbeat path still open")
	}
	if _, _, err := n1.Apply(context.Background(), []byte("set x 1")); !errors.Is(err, ErrShutdown) {
		t.Fatalf("Apply after Shutdown: %v, want ErrShutdown", err)
	}
	if err := n1.ReadBarrier(context.Background()); !errors.Is(err, ErrShutdown) {
		t.Fatalf("ReadBarrier after Shutdown: %v, want ErrShutdown", err)
	}

	// Restart from the same dir. Peers are ignored now that state exists
	// (this list would not even be a valid bootstrap: it lacks n1).
	f2 := newFakeFSM()
	n2 := mustNewNode(t, Config{ID: "n1", Dir: dir, Peers: []Peer{{ID: "other", Addr: "127.0.0.1:1"}}}, f2)
	waitFor(t, 10*time.Second, "restarted leader ready", n2.Ready)
	if f2.restores != 1 {
		t.Fatalf("restarted FSM restored %d snapshots, want 1", f2.restores)
	}
	if got := f2.state(); !maps.Equal(got, want) {
		t.Fatalf("state after restart = %v, want %v", got, want)
	}
	if idx, _, ok := n2.LastSnapshot(); !ok || idx != snapIdx {
		t.Fatalf("LastSnapshot after restart = %d, %v; want %d", idx, ok, snapIdx)
	}
	if _, err := os.Stat(filepath.Join(dir, "raft.db")); err != nil {
		t.Fatalf("raft.db: %v", err)
	}
}

// startThree starts three nodes bootstrapped as one cluster and returns
// them once one of them is the Ready leader (index li).
func startThree(t *testing.T) (nodes []*Node, fsms []*fakeFSM, li int) {
	t.Helper()
	ids := []string{"n1", "n2", "n3"}
	var peers []Peer
	lns := make([]net.Listener, len(ids))
	for i, id := range ids {
		lns[i] = mustListen(t)
		peers = append(peers, Peer{ID: id, Addr: lns[i].Addr().String()})
	}
	nodes = make([]*Node, len(ids))
	fsms = make([]*fakeFSM, len(ids))
	for i, id := range ids {
		fsms[i] = newFakeFSM()
		nodes[i] = mustNewNode(t, Config{ID: id, Listener: lns[i], Peers: peers}, fsms[i])
	}
	all := []int{0, 1, 2}
	waitFor(t, 10*time.Second, "one ready leader", func() bool { return leaderOf(nodes, all) >= 0 && allReady(nodes, all) })
	return nodes, fsms, leaderOf(nodes, all)
}

// leaderOf is the index of the only leader among candidates, -1 if there
// is none, -2 if there are several.
func leaderOf(nodes []*Node, candidates []int) int {
	found := -1
	for _, i := range candidates {
		if nodes[i].IsLeader() {
			if found >= 0 {
				return -2
			}
			found = i
		}
	}
	return found
}

func allReady(nodes []*Node, candidates []int) bool {
	for _, i := range candidates {
		if !nodes[i].Ready() {
			return false
		}
	}
	return true
}

func TestThreeNodeCluster(t *testing.T) {
	nodes, fsms, li := startThree(t)
	leader := nodes[li]
	if s := leader.Stats(); s.NumPeers != 2 || len(s.Servers) != 3 {
		t.Fatalf("leader Stats = %+v, want 2 peers", s)
	}

	if _, idx := mustApply(t, leader, "set x 1"); idx == 0 {
		t.Fatal("Apply returned index 0")
	}
	waitFor(t, 10*time.Second, "x=1 on every node", func() bool {
		for _, f := range fsms {
			if v, _ := f.get("x"); v != "1" {
				return false
			}
		}
		return true
	})

	follower := nodes[(li+1)%3]
	if id, _ := follower.Leader(); id != leader.ID() {
		t.Fatalf("follower sees leader %q, want %q", id, leader.ID())
	}
	if _, _, err := follower.Apply(ctxT(t, 5*time.Second), []byte("set y 1")); !errors.Is(err, ErrNotLeader) {
		t.Fatalf("Apply on follower: %v, want ErrNotLeader", err)
	}
	if err := follower.ReadBarrier(ctxT(t, 5*time.Second)); !errors.Is(err, ErrNotLeader) {
		t.Fatalf("ReadBarrier on follower: %v, want ErrNotLeader", err)
	}
	if err := leader.ReadBarrier(ctxT(t, 5*time.Second)); err != nil {
		t.Fatalf("ReadBarrier on leader: %v", err)
	}

	// Shutting the leader down hands leadership to another node.
	start := time.Now()
	if err := leader.Shutdown(ctxT(t, 10*time.Second)); err != nil {
		t.Fatalf("leader Shutdown: %v", err)
	}
	var rest []int
	for i := range nodes {
		if i != li {
			rest = append(rest, i)
		}
	}
	waitFor(t, 10*time.Second, "new ready leader", func() bool { return leaderOf(nodes, rest) >= 0 && allReady(nodes, rest) })
	t.Logf("leadership moved from %s to %s in %v", leader.ID(), nodes[leaderOf(nodes, rest)].ID(), time.Since(start))
	newLeader := nodes[leaderOf(nodes, rest)]
	mustApply(t, newLeader, "set x 2")
	waitFor(t, 10*time.Second, "x=2 on the remaining nodes", func() bool {
		for _, i := range rest {
			if v, _ := fsms[i].get("x"); v != "2" {
				return false
			}
		}
		return true
	})
}

func TestNewValidates(t *testing.T) {
	ln := mustListen(t)
	defer ln.Close()
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"no id", Config{Dir: t.TempDir(), Listener: ln, NoopEntry: []byte("noop")}},
		{"no noop", Config{ID: "n1", Dir: t.TempDir(), Listener: ln}},
		{"no listener", Config{ID: "n1", Dir: t.TempDir(), NoopEntry: []byte("noop")}},
		{"unspecified advertise", Config{ID: "n1", Dir: t.TempDir(), Listener: ln, Advertise: "0.0.0.0:7000", NoopEntry: []byte("noop")}},
	} {
		if _, err := New(tc.cfg, newFakeFSM()); err == nil {
			t.Errorf("%s: New succeeded, want an error", tc.name)
		}
	}
	// Peers without this node are refused at bootstrap.
	_, err := New(Config{ID: "n1", Dir: t.TempDir(), Listener: mustListen(t), NoopEntry: []byte("noop"),
		Logger: testLogger(), Peers: []Peer{{ID: "n2", Addr: "127.0.0.1:1"}}}, newFakeFSM())
	if err == nil || !strings.Contains(err.Error(), "do not include this node") {
		t.Fatalf("New with peers lacking self: %v", err)
	}
}

func TestHCLogAdapter(t *testing.T) {
	var buf strings.Builder
	var mu sync.Mutex
	w := writerFunc(func(p []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return buf.Write(p) })
	l := newHCLogger(slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo})))
	l.Named("net").With("peer", "n2").Info("hello", "k", 1)
	l.Debug("hidden")
	l.StandardLogger(nil).Print("[WARN] from stdlog")
	mu.Lock()
	out := buf.String()
	mu.Unlock()
	for _, want := range []string{"component=raft", "name=net", "peer=n2", "k=1", "msg=hello", "from stdlog"} {
		if !strings.Contains(out, want) {
			t.Errorf("log output lacks %q:\n%s", want, out)
		}
	}

	// raft's hclog.Fmt values and Stringers, in JSON too.
	var js strings.Builder
	jl := newHCLogger(slog.New(slog.NewJSONHandler(writerFunc(func(p []byte) (int, error) { return js.Write(p) }), nil)))
	jl.Info("initial configuration", "servers", hclog.Fmt("%+v", []raft.Server{{ID: "n1", Address: "a:1"}}),
		"node", raft.ServerAddress("a:1"), "state", raft.Follower, "took", 1500*time.Millisecond, "err", errors.New("boom"))
	for _, want := range []string{`"servers":"[{Suffrage:Voter ID:n1 Address:a:1}]"`, `"node":"a:1"`, `"state":"Follower"`, `"took":1500000000`, `"err":"boom"`} {
		if !strings.Contains(js.String(), want) {
			t.Errorf("JSON log lacks %s:\n%s", want, js.String())
		}
	}
	if strings.Contains(out, "hidden") || l.IsDebug() || !l.IsInfo() {
		t.Errorf("debug line written at info level:\n%s", out)
	}
	if strings.Count(out, "component=raft") != 2 {
		t.Errorf("want component=raft on both lines:\n%s", out)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func BenchmarkReadBarrier(b *testing.B) {
	n, err := New(Config{ID: "b1", Dir: b.TempDir(), Listener: mustListenB(b), NoopEntry: []byte("noop"),
		Logger: slog.New(slog.DiscardHandler)}, newFakeFSM())
	if err != nil {
		b.Fatal(err)
	}
	defer n.Shutdown(context.Background())
	deadline := time.Now().Add(10 * time.Second)
	for !n.Ready() && time.Now().Before(deadline) {
		<-time.After(5 * time.Millisecond)
	}
	b.ResetTimer()
	start := n.readRounds.Load()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			if err := n.ReadBarrier(ctx); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(n.readRounds.Load()-start)/float64(b.N), "rounds/op")
}

func mustListenB(b *testing.B) net.Listener {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	return l
}
