package raftnode

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
	"go.etcd.io/bbolt"
)

// Defaults for the zero fields of Config. The timeouts suit a LAN or
// loopback; raft's own defaults (1s heartbeat) suit a WAN.
const (
	DefaultSnapshotThreshold  = 8192
	DefaultTrailingLogs       = 10240
	DefaultSnapshotInterval   = 30 * time.Second
	DefaultHeartbeatTimeout   = 500 * time.Millisecond
	DefaultElectionTimeout    = 500 * time.Millisecond
	DefaultLeaderLeaseTimeout = 250 * time.Millisecond
	// DefaultCommitTimeout is how long the leader's replication waits, with
	// nothing new to send, before it sends its commit index anyway. A
	// write forwarded by a follower is answered once the follower has
	// applied it, which it can only do after hearing the commit index:
	// raft's 50ms default made every such write wait 50-100ms when nothing
	// else was being written.
	DefaultCommitTimeout    = 5 * time.Millisecond
	DefaultMaxAppendEntries = 256
	DefaultApplyTimeout     = 10 * time.Second
)

const (
	snapshotRetain  = 2
	logCacheSize    = 512
	transportPool   = 3
	transportTimout = 10 * time.Second
	boltOpenTimeout = 2 * time.Second // another process holding raft.db fails New instead of hanging it
)

// Config configures a Node. The zero value of every field but ID, Dir,
// Listener (or Mux) and NoopEntry is usable.
type Config struct {
	ID  string // raft server ID: explicit and stable across restarts
	Dir string // data dir: raft.db (log + stable store) and snapshots/

	// Listener is the cluster port, already bound. New wraps it in a Mux
	// that the Node owns (serves, and closes in Shutdown, or at once if New
	// fails after taking it). Alternatively
	// set Mux to a mux the caller owns (and serves); Listener is then
	// ignored.
	Listener net.Listener
	Mux      *Mux

	// Advertise is the address other nodes dial for this node's cluster
	// port (a host name is fine). Default: Listener.Addr(), which must then
	// not be an unspecified address such as 0.0.0.0.
	Advertise string

	// Peers is the bootstrap configuration, used only when Dir holds no
	// raft state. Empty: a single-node cluster of just this node. Every
	// node of a new cluster must be given the same Peers, including itself.
	Peers []Peer
	// NoBootstrap leaves an empty Dir unbootstrapped: the node waits to be
	// added to an existing cluster by its leader (--join).
	NoBootstrap bool

	SnapshotThreshold uint64        // default DefaultSnapshotThreshold
	TrailingLogs      uint64        // default DefaultTrailingLogs
	SnapshotInterval  time.Duration // default DefaultSnapshotInterval

	// Raft timing; zero means the Default* value (the election and lease
	// defaults are adjusted to stay valid against a custom heartbeat).
	HeartbeatTimeout, ElectionTimeout, LeaderLeaseTimeout, CommitTimeout time.Duration
	MaxAppendEntries                                                     int // default DefaultMaxAppendEntries

	// ApplyTimeout bounds handing an entry to raft when the caller's
	// context has no deadline. Default DefaultApplyTimeout.
	ApplyTimeout time.Duration

	// NoopEntry is an FSM command that changes nothing (fsm.EncodeNoop()).
	// A new leader applies it before it counts as Ready; see the package
	// documentation. Required.
	NoopEntry []byte

	// Logger receives this package's lines (component=raftnode) and raft's
	// (component=raft). Default slog.Default().
	Logger *slog.Logger
}

// Peer is one server of the bootstrap configuration.
type Peer struct{ ID, Addr string }

// FSM is what a Node needs from the state machine. Batching is required so
// that configuration entries reach it too (AppliedIndex then counts every
// entry raft hands over).
type FSM interface {
	raft.BatchingFSM
	// AppliedIndex is the index of the last entry applied.
	AppliedIndex() uint64
	// WaitApplied blocks until AppliedIndex() >= idx or ctx ends.
	WaitApplied(ctx context.Context, idx uint64) error
}

// Node owns a raft instance with its transport, log, stable and snapshot
// stores. It is safe for concurrent use.
type Node struct {
	id, addr     string
	dir          string
	raft         *raft.Raft
	fsm          FSM
	bolt         *raftboltdb.BoltStore
	trans        *heartbeatGate
	turns        *turnStore
	snaps        *raft.FileSnapshotStore
	mux          *Mux
	ownMux       bool
	noop         []byte
	applyTimeout time.Duration
	log          *slog.Logger

	ctx    context.Context // canceled when Shutdown starts closing
	cancel context.CancelFunc
	wg     sync.WaitGroup // notifyLoop, readyLoop, readLoop, mux.Serve (if owned)

	notifyCh   chan bool     // raft.Config.NotifyCh
	leaderKick chan struct{} // notifyLoop -> readyLoop, capacity 1
	readyTerm  atomic.Uint64 // term whose own noop this node applied as leader

	stateMu sync.Mutex
	stateCh chan struct{} // closed and replaced when leadership or readiness changes

	readMu      sync.Mutex
	readPending *readRound    // the round new readers join; nil when none
	readKick    chan struct{} // ReadBarrier -> readLoop, capacity 1
	readRounds  atomic.Uint64 // VerifyLeader rounds run (Stats, tests)
	soleReads   atomic.Uint64 // read indexes served as the sole voter, without a round
	pairReads   atomic.Uint64 // read indexes handed to a voter of three without a round
	votersCache atomic.Pointer[votersAnswer]
	roundHook   func() // tests: runs at the start of each round

	shutdownOnce sync.Once
	shutdownErr  error
}

// New opens (or creates) the stores in cfg.Dir, starts raft on the cluster
// port and bootstraps the cluster if the dir holds no raft state. It does
// not wait for a leader: poll Ready.
func New(cfg Config, f FSM) (n *Node, err error) {
	switch {
	case cfg.ID == "":
		return nil, errors.New("raftnode: Config.ID is required")
	case cfg.Dir == "":
		return nil, errors.New("raftnode: Config.Dir is required")
	case len(cfg.NoopEntry) == 0:
		return nil, errors.New("raftnode: Config.NoopEntry is required")
	case f == nil:
		return nil, errors.New("raftnode: nil FSM")
	case cfg.Mux == nil && cfg.Listener == nil:
		return nil, errors.New("raftnode: Config.Listener or Config.Mux is required")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}

	var undo []func()
	defer func() {
		if err != nil {
			for i := len(undo) - 1; i >= 0; i-- {
				undo[i]()
			}
		}
	}()

	mux, ownMux := cfg.Mux, false
	if mux == nil {
		mux, ownMux = NewMux(cfg.Listener), true
		undo = append(undo, func() { mux.Close() })
	}
	advertise := cfg.Advertise
	if advertise == "" {
		advertise = mux.Addr().String()
	}
	if err := checkAdvertise(advertise); err != nil {
		return nil, err
	}

	if err := os.MkdirAll(cfg.Dir, 0o750); err != nil {
		return nil, fmt.Errorf("raftnode: %w", err)
	}
	hl := newHCLogger(log)
	bolt, err := raftboltdb.New(raftboltdb.Options{
		Path: filepath.Join(cfg.Dir, "raft.db"),
		// The freelist is rebuilt on open instead of being written by every
		// commit: fewer pages per fsync on the write path. Syncing is on.
		BoltOptions: &bbolt.Options{Timeout: boltOpenTimeout, NoFreelistSync: true, FreelistType: bbolt.FreelistMapType},
	})
	if err != nil {
		return nil, fmt.Errorf("raftnode: open raft.db: %w", err)
	}
	undo = append(undo, func() { bolt.Close() })
	turns := newTurnStore(bolt)
	logs, err := raft.NewLogCache(logCacheSize, turns)
	if err != nil {
		return nil, fmt.Errorf("raftnode: %w", err)
	}
	snaps, err := raft.NewFileSnapshotStoreWithLogger(cfg.Dir, snapshotRetain, hl.Named("snapshot"))
	if err != nil {
		return nil, fmt.Errorf("raftnode: snapshot store: %w", err)
	}
	ln := mux.Listen(RaftByte)
	undo = append(undo, func() { ln.Close() })
	trans := &heartbeatGate{NetworkTransport: raft.NewNetworkTransportWithConfig(&raft.NetworkTransportConfig{
		Stream:  &streamLayer{Listener: ln, advertise: advertiseAddr(advertise)},
		MaxPool: transportPool,
		Timeout: transportTimout,
		Logger:  hl.Named("net"),
	}), acks: newAckBook()}
	undo = append(undo, func() { trans.Close() })

	ctx, cancel := context.WithCancel(context.Background())
	undo = append(undo, cancel)
	n = &Node{
		id:           cfg.ID,
		addr:         advertise,
		dir:          cfg.Dir,
		fsm:          f,
		bolt:         bolt,
		trans:        trans,
		turns:        turns,
		snaps:        snaps,
		mux:          mux,
		ownMux:       ownMux,
		noop:         append([]byte(nil), cfg.NoopEntry...),
		applyTimeout: orDuration(cfg.ApplyTimeout, DefaultApplyTimeout),
		log:          log.With("component", "raftnode"),
		ctx:          ctx,
		cancel:       cancel,
		notifyCh:     make(chan bool, 16),
		leaderKick:   make(chan struct{}, 1),
		stateCh:      make(chan struct{}),
		readKick:     make(chan struct{}, 1),
	}

	rc := raftConfig(cfg, hl)
	rc.NotifyCh = n.notifyCh
	hasState, err := raft.HasExistingState(logs, bolt, snaps)
	if err != nil {
		return nil, fmt.Errorf("raftnode: %w", err)
	}
	r, err := raft.NewRaft(rc, f, logs, bolt, snaps, trans)
	if err != nil {
		return nil, fmt.Errorf("raftnode: %w", err)
	}
	n.raft = r
	undo = append(undo, func() { r.Shutdown().Error() })

	if !hasState && !cfg.NoBootstrap {
		conf, mismatch, err := bootstrapConfiguration(cfg.ID, advertise, cfg.Peers)
		if err != nil {
			return nil, err
		}
		if mismatch != "" {
			n.log.Warn("peers list this node under another address than it advertises",
				"peers_addr", mismatch, "advertise", advertise)
		}
		if err := r.BootstrapCluster(conf).Error(); err != nil {
			return nil, fmt.Errorf("raftnode: bootstrap: %w", err)
		}
		n.log.Info("bootstrapped cluster", "servers", len(conf.Servers))
	} else if hasState && len(cfg.Peers) > 0 {
		n.log.Debug("raft state exists, peers ignored")
	}

	n.wg.Add(3)
	go n.notifyLoop()
	go n.readyLoop()
	go n.readLoop()
	if ownMux {
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			if err := mux.Serve(); err != nil {
				n.log.Error("cluster port stopped", "error", err)
			}
		}()
	}
	return n, nil
}

func raftConfig(cfg Config, hl *hclogAdapter) *raft.Config {
	rc := raft.DefaultConfig()
	rc.LocalID = raft.ServerID(cfg.ID)
	rc.Logger = hl
	rc.NoLegacyTelemetry = true
	rc.HeartbeatTimeout = orDuration(cfg.HeartbeatTimeout, DefaultHeartbeatTimeout)
	rc.ElectionTimeout = orDuration(cfg.ElectionTimeout, max(DefaultElectionTimeout, rc.HeartbeatTimeout))
	rc.LeaderLeaseTimeout = orDuration(cfg.LeaderLeaseTimeout, min(DefaultLeaderLeaseTimeout, rc.HeartbeatTimeout))
	rc.CommitTimeout = orDuration(cfg.CommitTimeout, DefaultCommitTimeout)
	// Buffer the apply channel so concurrent proposers never wait for the
	// leader loop to be free: whatever queued while a batch was being
	// written goes out as the next batch (one fsync).
	rc.BatchApplyCh = true
	rc.MaxAppendEntries = DefaultMaxAppendEntries
	if cfg.MaxAppendEntries > 0 {
		rc.MaxAppendEntries = cfg.MaxAppendEntries
	}
	rc.SnapshotThreshold = DefaultSnapshotThreshold
	if cfg.SnapshotThreshold > 0 {
		rc.SnapshotThreshold = cfg.SnapshotThreshold
	}
	rc.TrailingLogs = DefaultTrailingLogs
	if cfg.TrailingLogs > 0 {
		rc.TrailingLogs = cfg.TrailingLogs
	}
	rc.SnapshotInterval = orDuration(cfg.SnapshotInterval, DefaultSnapshotInterval)
	return rc
}

func orDuration(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

func checkAdvertise(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("raftnode: advertise address %q: %w", addr, err)
	}
	if port == "" || port == "0" {
		return fmt.Errorf("raftnode: advertise address %q has no port", addr)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		return fmt.Errorf("raftnode: advertise address %q is not dialable: set Config.Advertise", addr)
	}
	return nil
}

// bootstrapConfiguration builds the initial configuration from peers, as
// given: every node must bootstrap the same one, so this node's own entry
// is not replaced by its advertised address (a difference is returned as
// selfAddrMismatch for a warning).
func bootstrapConfiguration(id, advertise string, peers []Peer) (conf raft.Configuration, selfAddrMismatch string, err error) {
	if len(peers) == 0 {
		peers = []Peer{{ID: id, Addr: advertise}}
	}
	self := false
	for _, p := range peers {
		if p.ID == "" || p.Addr == "" {
			return conf, "", fmt.Errorf("raftnode: peer %q=%q: id and address are required", p.ID, p.Addr)
		}
		if p.ID == id {
			self = true
			if p.Addr != advertise {
				selfAddrMismatch = p.Addr
			}
		}
		conf.Servers = append(conf.Servers, raft.Server{
			Suffrage: raft.Voter, ID: raft.ServerID(p.ID), Address: raft.ServerAddress(p.Addr),
		})
	}
	if !self {
		return conf, "", fmt.Errorf("raftnode: peers do not include this node (%s)", id)
	}
	return conf, selfAddrMismatch, nil
}

// Raft is the underlying raft instance, for membership changes. Do not
// call Barrier on it: raft never hands barrier (or no-op) entries to the
// FSM, so a commit index that points at one would make read barriers wait
// for an index the FSM never reaches.
func (n *Node) Raft() *raft.Raft { return n.raft }

// Mux is the cluster port's mux, for registering other protocols' bytes.
func (n *Node) Mux() *Mux { return n.mux }

// ID is this node's raft server ID.
func (n *Node) ID() string { return n.id }

// Addr is this node's advertised cluster address.
func (n *Node) Addr() string { return n.addr }

// IsLeader reports whether this node is the raft leader (it may not be
// Ready yet).
func (n *Node) IsLeader() bool { return n.raft.State() == raft.Leader }

// Ready reports whether the node can serve: a leader once it has applied
// the noop entry of its current term; a follower once it knows a leader.
func (n *Node) Ready() bool {
	if n.raft.State() == raft.Leader {
		return n.leaderReady()
	}
	id, _ := n.Leader()
	return id != ""
}

func (n *Node) leaderReady() bool {
	t := n.readyTerm.Load()
	return t != 0 && t == n.raft.CurrentTerm()
}

// Leader is the current leader's ID and cluster address, or empty strings
// when no leader is known.
func (n *Node) Leader() (id, addr string) {
	a, i := n.raft.LeaderWithID()
	return string(i), string(a)
}

// notLeaderErr is the definite error for a request this node cannot take:
// ErrShutdown, ErrNoLeader or ErrNotLeader.
func (n *Node) notLeaderErr() error {
	if n.raft.State() == raft.Shutdown || n.ctx.Err() != nil {
		return ErrShutdown
	}
	if id, _ := n.Leader(); id == "" {
		return ErrNoLeader
	}
	return ErrNotLeader
}

// stateChanged returns a channel that is closed at the next change of
// leadership or readiness.
func (n *Node) stateChanged() <-chan struct{} {
	n.stateMu.Lock()
	defer n.stateMu.Unlock()
	return n.stateCh
}

func (n *Node) broadcast() {
	n.stateMu.Lock()
	close(n.stateCh)
	n.stateCh = make(chan struct{})
	n.stateMu.Unlock()
}

// waitFuture waits for f, ctx or the node's shutdown (errStopped). The
// helper goroutine ends when raft resolves f. (raft v1.7.3 can leave a
// future unresolved forever if it shuts down with the entry queued for the
// FSM; callers never wait for that, they see errStopped.)
func (n *Node) waitFuture(ctx context.Context, f raft.Future) error {
	done := make(chan error, 1)
	go func() { done <- f.Error() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-n.ctx.Done():
		return errStopped
	}
}

// notifyLoop consumes raft's leadership notifications (raft blocks until
// they are read) and wakes readyLoop and everyone waiting on a state
// change.
func (n *Node) notifyLoop() {
	defer n.wg.Done()
	for {
		select {
		case <-n.ctx.Done():
			return
		case leader := <-n.notifyCh:
			if leader {
				n.log.Info("became leader", "term", n.raft.CurrentTerm())
			} else {
				n.log.Info("lost leadership", "term", n.raft.CurrentTerm())
			}
			n.broadcast()
			select {
			case n.leaderKick <- struct{}{}:
			default:
			}
		}
	}
}

// readyLoop makes a new leader Ready: it applies the noop entry and, once
// the FSM has applied it within the same term, records that term.
func (n *Node) readyLoop() {
	defer n.wg.Done()
	var pause time.Duration
	for {
		select {
		case <-n.ctx.Done():
			return
		case <-n.leaderKick:
		}
		for n.raft.State() == raft.Leader && !n.leaderReady() {
			term := n.raft.CurrentTerm()
			fut := n.raft.Apply(n.noop, n.applyTimeout)
			err := n.waitFuture(context.Background(), fut)
			if errors.Is(err, errStopped) {
				return
			}
			if err == nil {
				// The entry's term lies between term and the current term:
				// if they are equal it is this term's own entry.
				if n.raft.CurrentTerm() == term {
					n.readyTerm.Store(term)
					n.broadcast()
					n.log.Info("leader ready", "term", term, "index", fut.Index())
				}
				pause = 0
				continue
			}
			if n.raft.State() != raft.Leader {
				break
			}
			pause = min(max(2*pause, 50*time.Millisecond), time.Second)
			n.log.Warn("leader noop failed, retrying", "error", err, "pause", pause)
			t := time.NewTimer(pause)
			select {
			case <-n.ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
	}
}

// Apply proposes data and waits until it is committed and applied by the
// local FSM; it returns the FSM's response and the entry's log index.
// Errors: ErrShutdown, ErrNotLeader, ErrNoLeader and ErrTimeout mean the
// entry was never proposed; ErrUnknownOutcome means it may or may not
// have been applied. The context bounds both the hand-off to raft and the
// wait.
func (n *Node) Apply(ctx context.Context, data []byte) (resp interface{}, index uint64, err error) {
	if n.ctx.Err() != nil || n.raft.State() == raft.Shutdown {
		return nil, 0, ErrShutdown
	}
	if err := ctx.Err(); err != nil {
		return nil, 0, fmt.Errorf("%w: %w", ErrTimeout, err)
	}
	if n.raft.State() != raft.Leader {
		return nil, 0, n.notLeaderErr()
	}
	timeout := n.applyTimeout
	if dl, ok := ctx.Deadline(); ok {
		if timeout = time.Until(dl); timeout <= 0 {
			return nil, 0, fmt.Errorf("%w: %w", ErrTimeout, context.DeadlineExceeded)
		}
	}
	fut := n.raft.Apply(data, timeout)
	switch err := n.waitFuture(ctx, fut); {
	case err == nil:
		return fut.Response(), fut.Index(), nil
	case errors.Is(err, raft.ErrNotLeader), errors.Is(err, raft.ErrLeadershipTransferInProgress):
		// Responded before the entry was given an index.
		return nil, 0, n.notLeaderErr()
	case errors.Is(err, raft.ErrEnqueueTimeout):
		return nil, 0, fmt.Errorf("%w: %w", ErrTimeout, err)
	case errors.Is(err, errStopped):
		return nil, 0, fmt.Errorf("%w: node shut down while the entry was in flight", ErrUnknownOutcome)
	default:
		// raft.ErrLeadershipLost, raft.ErrRaftShutdown (raft may have shut
		// down after our check, before or after the hand-off: we cannot
		// tell), a log store failure, or the context ending after the
		// hand-off.
		return nil, 0, fmt.Errorf("%w: %w", ErrUnknownOutcome, err)
	}
}

// Snapshot takes a raft snapshot now (SAVE, BGSAVE) and returns the index
// it covers. When nothing was applied since the last snapshot it succeeds
// and reports that snapshot (index 0 if there is none). If ctx ends first
// the snapshot may still complete in the background.
func (n *Node) Snapshot(ctx context.Context) (index uint64, err error) {
	if n.ctx.Err() != nil {
		return 0, ErrShutdown
	}
	err = n.waitFuture(ctx, n.raft.Snapshot())
	switch {
	case err == nil, errors.Is(err, raft.ErrNothingNewToSnapshot):
		index, _, _ = n.LastSnapshot()
		return index, nil
	case errors.Is(err, errStopped), errors.Is(err, raft.ErrRaftShutdown):
		return 0, ErrShutdown
	case ctx.Err() != nil && errors.Is(err, ctx.Err()):
		return 0, fmt.Errorf("%w: %w", ErrTimeout, err)
	default:
		return 0, fmt.Errorf("raftnode: snapshot: %w", err)
	}
}

// LastSnapshot reports the newest snapshot in the snapshot store (also one
// taken before a restart): its index and when it was taken.
func (n *Node) LastSnapshot() (index uint64, at time.Time, ok bool) {
	metas, err := n.snaps.List()
	if err != nil || len(metas) == 0 {
		return 0, time.Time{}, false
	}
	m := metas[0]
	return m.Index, snapshotTime(n.dir, m.ID), true
}

// snapshotTime reads the creation time from a file snapshot's ID
// ("term-index-unixms"), falling back to its meta file's mtime.
func snapshotTime(dir, id string) time.Time {
	if i := strings.LastIndexByte(id, '-'); i >= 0 {
		if ms, err := strconv.ParseInt(id[i+1:], 10, 64); err == nil {
			return time.UnixMilli(ms)
		}
	}
	if fi, err := os.Stat(filepath.Join(dir, "snapshots", id, "meta.json")); err == nil {
		return fi.ModTime()
	}
	return time.Time{}
}

// Server is one member of the raft configuration.
type Server struct {
	ID, Addr string
	Voter    bool
}

// Stats is a point-in-time view of the node for INFO and RAFT.INFO.
type Stats struct {
	ID, Addr             string
	State                string // Leader, Follower, Candidate, Shutdown
	Term                 uint64
	LeaderID, LeaderAddr string
	Ready                bool
	CommitIndex          uint64 // raft's commit index
	AppliedIndex         uint64 // the FSM's applied index
	RaftAppliedIndex     uint64 // raft's applied index (includes no-op entries)
	LastLogIndex         uint64
	LastLogTerm          uint64
	LastSnapshotIndex    uint64
	LastSnapshotTerm     uint64
	LastContact          time.Time // last contact with a leader (zero on a leader)
	NumPeers             int       // servers in the configuration other than this one
	Servers              []Server
	ReadRounds           uint64 // leadership verification rounds run by ReadBarrier
	SoleReads            uint64 // read indexes taken as the sole voter, without a round
	PairReads            uint64 // read indexes handed to a voter of at most three, without a round
}

// Stats reports the node's state.
func (n *Node) Stats() Stats {
	s := Stats{
		ID:               n.id,
		Addr:             n.addr,
		State:            n.raft.State().String(),
		Term:             n.raft.CurrentTerm(),
		Ready:            n.Ready(),
		CommitIndex:      n.raft.CommitIndex(),
		AppliedIndex:     n.fsm.AppliedIndex(),
		RaftAppliedIndex: n.raft.AppliedIndex(),
		LastLogIndex:     n.raft.LastIndex(),
		LastContact:      n.raft.LastContact(),
		ReadRounds:       n.readRounds.Load(),
		SoleReads:        n.soleReads.Load(),
		PairReads:        n.pairReads.Load(),
	}
	s.LeaderID, s.LeaderAddr = n.Leader()
	rs := n.raft.Stats()
	s.LastLogTerm, _ = strconv.ParseUint(rs["last_log_term"], 10, 64)
	s.LastSnapshotIndex, _ = strconv.ParseUint(rs["last_snapshot_index"], 10, 64)
	s.LastSnapshotTerm, _ = strconv.ParseUint(rs["last_snapshot_term"], 10, 64)
	if fut := n.raft.GetConfiguration(); fut.Error() == nil {
		for _, srv := range fut.Configuration().Servers {
			s.Servers = append(s.Servers, Server{ID: string(srv.ID), Addr: string(srv.Address), Voter: srv.Suffrage == raft.Voter})
			if string(srv.ID) != n.id {
				s.NumPeers++
			}
		}
	}
	return s
}

// otherVoters counts the voters in the latest configuration other than
// this node.
func (n *Node) otherVoters() int {
	fut := n.raft.GetConfiguration()
	if fut.Error() != nil {
		return 0
	}
	c := 0
	for _, srv := range fut.Configuration().Servers {
		if srv.Suffrage == raft.Voter && string(srv.ID) != n.id {
			c++
		}
	}
	return c
}

// Shutdown stops the node. A leader with other voters first transfers
// leadership and waits (bounded by ctx) until another node leads; a failed
// or late transfer is logged, not returned, and the shutdown goes on. Then
// raft, the transport, the cluster port (if New made the mux) and the bolt
// store are closed. Pending Apply calls return ErrUnknownOutcome, pending
// read barriers ErrShutdown. Shutdown is idempotent; later calls return
// the first call's result.
func (n *Node) Shutdown(ctx context.Context) error {
	n.shutdownOnce.Do(func() { n.shutdownErr = n.shutdown(ctx) })
	return n.shutdownErr
}

func (n *Node) shutdown(ctx context.Context) error {
	if n.IsLeader() && n.otherVoters() > 0 {
		if err := n.transferLeadership(ctx); err != nil {
			n.log.Warn("leadership transfer before shutdown failed", "error", err)
		}
	}
	n.cancel()
	var errs []error
	if err := n.raft.Shutdown().Error(); err != nil {
		errs = append(errs, fmt.Errorf("raftnode: raft shutdown: %w", err))
	}
	if n.ownMux {
		if err := n.mux.Close(); err != nil {
			errs = append(errs, fmt.Errorf("raftnode: close cluster port: %w", err))
		}
	}
	n.wg.Wait()
	n.trans.close()
	if err := n.bolt.Close(); err != nil {
		errs = append(errs, fmt.Errorf("raftnode: close raft.db: %w", err))
	}
	n.log.Info("stopped")
	return errors.Join(errs...)
}

// transferLeadership hands leadership to another voter and waits until
// this node has stepped down and knows the new leader (whose election may
// need this node's vote).
func (n *Node) transferLeadership(ctx context.Context) error {
	n.log.Info("transferring leadership before shutdown")
	if err := n.waitFuture(ctx, n.raft.LeadershipTransfer()); err != nil {
		return err
	}
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		if id, _ := n.Leader(); !n.IsLeader() && id != "" && id != n.id {
			n.log.Info("leadership transferred", "leader", id)
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}
