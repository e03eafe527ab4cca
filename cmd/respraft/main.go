// Command respraft is a Redis-compatible key-value server replicated with
// Raft. `respraft [flags]` runs a node; `respraft health` checks one.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof" // served only with --pprof
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/respraft/respraft/cluster"
	"github.com/respraft/respraft/config"
	"github.com/respraft/respraft/fsm"
	"github.com/respraft/respraft/raftnode"
	"github.com/respraft/respraft/resp"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if len(args) > 0 && args[0] == "health" {
		return health(args[1:])
	}
	cfg, err := config.Load(args, os.Environ())
	if errors.Is(err, config.ErrHelp) {
		fmt.Print(config.Usage())
		return 0
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "respraft: %v\n", err)
		return 2
	}
	log := newLogger(cfg)
	if cfg.Procs > 0 {
		runtime.GOMAXPROCS(cfg.Procs)
	}
	if err := serve(cfg, log); err != nil {
		var be badBindError
		if errors.As(err, &be) {
			// A bind address this machine does not have is a bad value,
			// reported like the ones config.Load rejects.
			fmt.Fprintf(os.Stderr, "respraft: %v\n", err)
			return 2
		}
		log.Error("respraft stopped with an error", "err", err)
		return 1
	}
	return 0
}

// badBindError is a --bind that passed validation but names no address of
// this machine: it does not resolve, or resolves to an address that cannot
// be assigned here.
type badBindError struct {
	bind string
	err  error
}

func (e badBindError) Error() string {
	return fmt.Sprintf("invalid value for bind: %q (cannot listen on it on this machine: %v)", e.bind, e.err)
}

func (e badBindError) Unwrap() error { return e.err }

// listen opens the cluster and client listeners. A bind address that does
// not resolve or is not this machine's is a badBindError; any other failure
// (a port in use, say) names the port's flag.
func listen(cfg *config.Config) (raftLn, clientLn net.Listener, err error) {
	open := func(addr, key string, port int) (net.Listener, error) {
		ln, err := net.Listen("tcp", addr)
		if err == nil {
			return ln, nil
		}
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) || errors.Is(err, syscall.EADDRNOTAVAIL) {
			return nil, badBindError{bind: cfg.Bind, err: err}
		}
		return nil, fmt.Errorf("cannot listen on %s %d: %w", key, port, err)
	}
	raftLn, err = open(cfg.RaftAddr(), "raft-port", cfg.RaftPort)
	if err != nil {
		return nil, nil, err
	}
	clientLn, err = open(cfg.ClientAddr(), "port", cfg.Port)
	if err != nil {
		raftLn.Close()
		return nil, nil, err
	}
	return raftLn, clientLn, nil
}

func newLogger(cfg *config.Config) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(os.Stderr, opts)
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(os.Stderr, opts)
	}
	return slog.New(h)
}

// serve wires the parts, waits for SIGTERM/SIGINT or SHUTDOWN, and stops
// them in order.
func serve(cfg *config.Config, log *slog.Logger) error {
	mainLog := log.With("component", "main")

	if cfg.Pprof != "" {
		pl, err := net.Listen("tcp", cfg.Pprof)
		if err != nil {
			return fmt.Errorf("pprof: %w", err)
		}
		defer pl.Close()
		go func() { _ = http.Serve(pl, nil) }() // ends when pl closes
		mainLog.Info("serving pprof", "addr", pl.Addr().String())
	}

	// 1. Listeners first, so that a bad bind address or a port in use
	// fails before the data dir is created or Raft starts.
	raftLn, clientLn, err := listen(cfg)
	if err != nil {
		return err
	}

	// 2. Data dir.
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		clientLn.Close()
		raftLn.Close()
		return fmt.Errorf("data dir: %w", err)
	}

	// 3. State machine and Raft.
	machine := fsm.New(cfg.Databases, log.With("component", "fsm"))
	peers := make([]raftnode.Peer, len(cfg.Peers))
	for i, p := range cfg.Peers {
		peers[i] = raftnode.Peer{ID: p.ID, Addr: p.Addr}
	}
	node, err := raftnode.New(raftnode.Config{
		ID:                cfg.NodeID,
		Dir:               cfg.Dir,
		Listener:          raftLn,
		Advertise:         cfg.AdvertiseAddr(),
		Peers:             peers,
		SnapshotThreshold: cfg.SnapshotThreshold,
		TrailingLogs:      cfg.TrailingLogs,
		SnapshotInterval:  cfg.SnapshotInterval,
		NoBootstrap:       cfg.Join != "",
		NoopEntry:         fsm.EncodeNoop(),
		Logger:            log,
	}, machine)
	if err != nil {
		clientLn.Close()
		raftLn.Close()
		return fmt.Errorf("raft: %w", err)
	}
	mainLog.Info("raft started", "node_id", cfg.NodeID, "cluster_addr", cfg.AdvertiseAddr(), "dir", cfg.Dir,
		"restored_snapshot_index", machine.RestoredIndex())

	// 4. Forwarding between nodes, on the same cluster port.
	svc := cluster.New(cluster.Config{
		Raft:     raftAdapter{node},
		Listener: node.Mux().Listen(cluster.RPCByte),
		Logger:   log,
		Peers:    node.PeerAddrs,
	})
	go func() {
		if err := svc.Serve(); err != nil {
			mainLog.Error("cluster rpc server stopped", "err", err)
		}
	}()

	// 5. Client server.
	stopReq := make(chan string, 1)
	var once sync.Once
	requestStop := func(why string) { once.Do(func() { stopReq <- why }) }
	srv := resp.New(resp.Config{
		FSM:             machine,
		Backend:         backend{node: node, svc: svc, fsm: machine},
		Logger:          log,
		NodeID:          cfg.NodeID,
		ReadConsistency: cfg.ReadConsistency,
		LeaderWait:      cfg.LeaderWait,
		Settings: []resp.Field{
			{Name: "port", Value: strconv.Itoa(cfg.Port)},
			{Name: "bind", Value: cfg.Bind},
			{Name: "dir", Value: cfg.Dir},
		},
		Shutdown: func() { requestStop("SHUTDOWN command") },
	})
	svc.SetPubSub(srv.PubSub())
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(clientLn) }()
	mainLog.Info("respraft ready for clients", "addr", clientLn.Addr().String(), "procs", runtime.GOMAXPROCS(0))

	// 6. Membership: join through an existing member if asked, and make
	// this node's client address known to every node.
	bg, stopBG := context.WithCancel(context.Background())
	var bgWG sync.WaitGroup
	if cfg.Join != "" {
		bgWG.Add(1)
		go func() {
			defer bgWG.Done()
			join(bg, mainLog, cfg.Join, cfg.NodeID, cfg.AdvertiseAddr())
		}()
	}
	bgWG.Add(1)
	go func() {
		defer bgWG.Done()
		announce(bg, mainLog, svc, machine, cfg.NodeID, clientAdvertise(cfg))
	}()

	// 7. Wait.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(sigs)
	var runErr error
	select {
	case sig := <-sigs:
		mainLog.Info("stopping", "reason", "signal "+sig.String())
	case why := <-stopReq:
		mainLog.Info("stopping", "reason", why)
	case err := <-serveErr:
		runErr = fmt.Errorf("client server: %w", err)
	}

	// 8. Orderly stop.
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	stopBG()
	bgWG.Wait()
	mainLog.Info("shutdown step 1/4: stop accepting clients, answer in-flight commands")
	if err := srv.Shutdown(ctx); err != nil {
		mainLog.Warn("clients not drained in time", "err", err)
	}
	mainLog.Info("shutdown step 2/4: stop taking forwarded requests, answer the in-flight ones")
	if err := svc.Drain(ctx); err != nil {
		mainLog.Warn("forwarded requests not drained in time", "err", err)
	}
	mainLog.Info("shutdown step 3/4: transfer leadership if leader, close raft and stores")
	if err := node.Shutdown(ctx); err != nil {
		mainLog.Error("raft shutdown", "err", err)
		if runErr == nil {
			runErr = err
		}
	}
	mainLog.Info("shutdown step 4/4: close peer connections once they are quiet")
	svc.Linger(200*time.Millisecond, 2*time.Second)
	if err := svc.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		mainLog.Debug("cluster rpc close", "err", err)
	}
	mainLog.Info("respraft stopped", "took", time.Since(start).Round(time.Millisecond))
	return runErr
}

// backend adapts the raft node and the cluster service to resp.Backend,
// translating their errors into the ones resp knows how to report.
type backend struct {
	node *raftnode.Node
	svc  *cluster.Service
	fsm  *fsm.FSM
}

func (b backend) Apply(ctx context.Context, data []byte) (*fsm.Result, error) {
	res, err := b.svc.Apply(ctx, data)
	return res, respErr(err)
}

func (b backend) LogTurn(ctx context.Context) { b.node.LogTurn(ctx) }

func (b backend) Acknowledged(ctx context.Context, index uint64) (int, error) {
	n, err := b.svc.Acknowledged(ctx, index)
	return n, respErr(err)
}

func (b backend) PublishPeers(ctx context.Context, channel, message []byte) int {
	return b.svc.PublishPeers(ctx, channel, message)
}

func (b backend) ChannelsPeers(ctx context.Context, pattern []byte) []string {
	return b.svc.ChannelsPeers(ctx, pattern)
}

func (b backend) NumSubPeers(ctx context.Context, channels [][]byte) []int {
	return b.svc.NumSubPeers(ctx, channels)
}

func (b backend) PatternsPeers(ctx context.Context) []string { return b.svc.PatternsPeers(ctx) }

// ReadBarrier failures are all retryable: a read that did not pass the
// barrier has not been served.
func (b backend) ReadBarrier(ctx context.Context) error {
	err := b.svc.ReadBarrier(ctx)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, cluster.ErrShutdown):
		return fmt.Errorf("%w: %v", resp.ErrShuttingDown, err)
	default:
		return fmt.Errorf("%w: %v", resp.ErrNotLeader, err)
	}
}

func (b backend) ReadNow() bool { return b.node.ReadNow() }

func (b backend) IsLeader() bool { return b.node.IsLeader() }

func (b backend) Snapshot(ctx context.Context) error {
	_, err := b.node.Snapshot(ctx)
	return err
}

func (b backend) LastSnapshot() (uint64, time.Time, bool) { return b.node.LastSnapshot() }

func (b backend) AddNode(ctx context.Context, id, addr string) error {
	return respErr(b.svc.AddVoter(ctx, id, addr))
}

func (b backend) RemoveNode(ctx context.Context, id string) error {
	if err := respErr(b.svc.RemoveServer(ctx, id)); err != nil {
		return err
	}
	// Forget its client address too (best effort: it is only informative).
	if _, err := b.svc.Apply(ctx, fsm.EncodeMeta(id, "")); err != nil {
		return respErr(err)
	}
	return nil
}

func (b backend) TransferLeader(ctx context.Context, id string) error {
	return respErr(b.svc.TransferLeadership(ctx, id))
}

func (b backend) Nodes() []resp.Node {
	st := b.node.Stats()
	clients := b.fsm.ClientAddrs()
	out := make([]resp.Node, 0, len(st.Servers))
	for _, s := range st.Servers {
		out = append(out, resp.Node{ID: s.ID, Addr: s.Addr, ClientAddr: clients[s.ID], Voter: s.Voter, Leader: s.ID == st.LeaderID})
	}
	return out
}

func (b backend) Info() []resp.Field {
	st := b.node.Stats()
	ready := "0"
	if b.ready() {
		ready = "1"
	}
	u := func(v uint64) string { return strconv.FormatUint(v, 10) }
	return []resp.Field{
		{Name: "role", Value: st.State},
		{Name: "ready", Value: ready},
		{Name: "term", Value: u(st.Term)},
		{Name: "leader_id", Value: st.LeaderID},
		{Name: "leader_addr", Value: st.LeaderAddr},
		{Name: "leader_client_addr", Value: b.fsm.ClientAddrs()[st.LeaderID]},
		{Name: "commit_index", Value: u(st.CommitIndex)},
		{Name: "applied_index", Value: u(st.AppliedIndex)},
		{Name: "last_log_index", Value: u(st.LastLogIndex)},
		{Name: "last_snapshot_index", Value: u(st.LastSnapshotIndex)},
		{Name: "leader_last_contact_ms", Value: lastContactMs(st)},
		{Name: "num_peers", Value: strconv.Itoa(st.NumPeers)},
		{Name: "read_rounds", Value: u(st.ReadRounds)},
		{Name: "sole_voter_reads", Value: u(st.SoleReads)},
		{Name: "peer_quorum_reads", Value: u(st.PairReads)},
	}
}

// ready is DESIGN.md's readiness: a leader is known and this node has
// applied everything the leader had committed, which is exactly what a
// linearizable read barrier establishes.
//
// It also waits until the leader's client address is known here (members
// announce it through the log right after they start), so that once a node
// is ready INFO replication names its master and RAFT.NODES its RESP port.
// lastContactMs is how long ago a follower last heard from a leader, in
// milliseconds: 0 on a leader, -1 when it never has.
func lastContactMs(st raftnode.Stats) string {
	switch {
	case st.State == "Leader":
		return "0"
	case st.LastContact.IsZero():
		return "-1"
	}
	return strconv.FormatInt(time.Since(st.LastContact).Milliseconds(), 10)
}

func (b backend) ready() bool {
	if !b.node.Ready() {
		return false
	}
	if id, _ := b.node.Leader(); b.fsm.ClientAddrs()[id] == "" {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	return b.svc.ReadBarrier(ctx) == nil
}

// respErr maps the cluster service's errors to resp's.
func respErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, cluster.ErrNotLeader):
		return fmt.Errorf("%w: %v", resp.ErrNotLeader, err)
	case errors.Is(err, cluster.ErrShutdown):
		return fmt.Errorf("%w: %v", resp.ErrShuttingDown, err)
	case errors.Is(err, cluster.ErrUnknownOutcome):
		return fmt.Errorf("%w: %v", resp.ErrUnknownOutcome, err)
	}
	return err
}

// raftAdapter gives the cluster service the raft node with the cluster
// package's errors.
type raftAdapter struct{ n *raftnode.Node }

func (r raftAdapter) IsLeader() bool { return r.n.IsLeader() }
func (r raftAdapter) Acknowledged(index uint64, except string) (int, bool) {
	return r.n.Acknowledged(index, except)
}
func (r raftAdapter) Leader() (id, addr string) { return r.n.Leader() }

func (r raftAdapter) Apply(ctx context.Context, data []byte) (interface{}, uint64, error) {
	out, idx, err := r.n.Apply(ctx, data)
	return out, idx, clusterErr(err)
}

func (r raftAdapter) ReadIndex(ctx context.Context) (uint64, error) {
	idx, err := r.n.ReadIndex(ctx)
	return idx, clusterErr(err)
}

func (r raftAdapter) ReadIndexFor(ctx context.Context, peer, peerAddr string) (uint64, uint64, error) {
	idx, term, err := r.n.ReadIndexFor(ctx, peer, peerAddr)
	return idx, term, clusterErr(err)
}

func (r raftAdapter) ID() string   { return r.n.ID() }
func (r raftAdapter) Addr() string { return r.n.Addr() }
func (r raftAdapter) Term() uint64 { return r.n.Term() }

func (r raftAdapter) WaitApplied(ctx context.Context, idx uint64) error {
	return clusterErr(r.n.WaitApplied(ctx, idx))
}

func (r raftAdapter) AddVoter(ctx context.Context, id, addr string) error {
	return clusterErr(r.n.AddVoter(ctx, id, addr))
}

func (r raftAdapter) RemoveServer(ctx context.Context, id string) error {
	return clusterErr(r.n.RemoveServer(ctx, id))
}

func (r raftAdapter) TransferLeadership(ctx context.Context, id string) error {
	return clusterErr(r.n.TransferLeadership(ctx, id))
}

// clusterErr maps raftnode's errors to the cluster package's.
func clusterErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, raftnode.ErrNotLeader), errors.Is(err, raftnode.ErrNoLeader), errors.Is(err, raftnode.ErrTimeout):
		return fmt.Errorf("%w: %v", cluster.ErrNotLeader, err)
	case errors.Is(err, raftnode.ErrShutdown):
		return fmt.Errorf("%w: %v", cluster.ErrShutdown, err)
	case errors.Is(err, raftnode.ErrUnknownOutcome):
		return fmt.Errorf("%w: %v", cluster.ErrUnknownOutcome, err)
	}
	return err
}
