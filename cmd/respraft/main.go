// Command respraft is a Redis-compatible key-value server replicated with
// Raft. `respraft [flags]` runs a node; `respraft health` checks one.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"

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
	if err := serve(cfg, log); err != nil {
		log.Error("respraft stopped with an error", "err", err)
		return 1
	}
	return 0
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

	// 1. Data dir.
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}

	// 2. Listeners first, so a port in use fails before Raft starts.
	raftLn, err := net.Listen("tcp", cfg.RaftAddr())
	if err != nil {
		return fmt.Errorf("cluster port: %w", err)
	}
	clientLn, err := net.Listen("tcp", cfg.ClientAddr())
	if err != nil {
		raftLn.Close()
		return fmt.Errorf("client port: %w", err)
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

	// 4. Client server.
	stopReq := make(chan string, 1)
	var once sync.Once
	requestStop := func(why string) { once.Do(func() { stopReq <- why }) }
	srv := resp.New(resp.Config{
		FSM:             machine,
		Backend:         backend{node},
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
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(clientLn) }()
	mainLog.Info("respraft ready for clients", "addr", clientLn.Addr().String())

	// 5. Wait.
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

	// 6. Orderly stop.
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	mainLog.Info("shutdown step 1/2: stop accepting clients, answer in-flight commands")
	if err := srv.Shutdown(ctx); err != nil {
		mainLog.Warn("clients not drained in time", "err", err)
	}
	mainLog.Info("shutdown step 2/2: transfer leadership if leader, close raft and stores")
	if err := node.Shutdown(ctx); err != nil {
		mainLog.Error("raft shutdown", "err", err)
		if runErr == nil {
			runErr = err
		}
	}
	mainLog.Info("respraft stopped", "took", time.Since(start).Round(time.Millisecond))
	return runErr
}

// backend adapts raftnode.Node to resp.Backend, translating its errors
// into the ones resp knows how to report.
type backend struct{ n *raftnode.Node }

func (b backend) Apply(ctx context.Context, data []byte) (*fsm.Result, error) {
	out, _, err := b.n.Apply(ctx, data)
	if err != nil {
		return nil, mapErr(err)
	}
	res, ok := out.(*fsm.Result)
	if !ok {
		return nil, resp.ErrUnknownOutcome
	}
	return res, nil
}

// ReadBarrier failures are all retryable: a read that did not pass the
// barrier has not been served.
func (b backend) ReadBarrier(ctx context.Context) error {
	err := b.n.ReadBarrier(ctx)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, raftnode.ErrShutdown):
		return fmt.Errorf("%w: %v", resp.ErrShuttingDown, err)
	default:
		return fmt.Errorf("%w: %v", resp.ErrNotLeader, err)
	}
}
func (b backend) IsLeader() bool { return b.n.IsLeader() }

func (b backend) Snapshot(ctx context.Context) error {
	_, err := b.n.Snapshot(ctx)
	return err
}

func (b backend) LastSnapshot() (uint64, time.Time, bool) { return b.n.LastSnapshot() }

func (b backend) Info() []resp.Field {
	st := b.n.Stats()
	ready := "0"
	if b.n.Ready() {
		ready = "1"
	}
	u := func(v uint64) string { return strconv.FormatUint(v, 10) }
	return []resp.Field{
		{Name: "role", Value: st.State},
		{Name: "ready", Value: ready},
		{Name: "term", Value: u(st.Term)},
		{Name: "leader_id", Value: st.LeaderID},
		{Name: "leader_addr", Value: st.LeaderAddr},
		{Name: "commit_index", Value: u(st.CommitIndex)},
		{Name: "applied_index", Value: u(st.AppliedIndex)},
		{Name: "last_log_index", Value: u(st.LastLogIndex)},
		{Name: "last_snapshot_index", Value: u(st.LastSnapshotIndex)},
		{Name: "num_peers", Value: strconv.Itoa(st.NumPeers)},
	}
}

func mapErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, raftnode.ErrNotLeader), errors.Is(err, raftnode.ErrNoLeader), errors.Is(err, raftnode.ErrTimeout):
		return fmt.Errorf("%w: %v", resp.ErrNotLeader, err)
	case errors.Is(err, raftnode.ErrShutdown):
		return fmt.Errorf("%w: %v", resp.ErrShuttingDown, err)
	default:
		return fmt.Errorf("%w: %v", resp.ErrUnknownOutcome, err)
	}
}
