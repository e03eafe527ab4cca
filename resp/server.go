package resp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/respraft/respraft/fsm"
	"github.com/tidwall/redcon"
)

// Backend is what the server needs from the replication layer. raftnode
// satisfies it through a small adapter in cmd/respraft that maps its errors
// to the sentinels in errors.go.
type Backend interface {
	// Apply proposes one encoded fsm entry and returns the state machine's
	// result once the entry is applied on this node.
	Apply(ctx context.Context, data []byte) (*fsm.Result, error)
	// LogTurn returns when an entry proposed next would share the next
	// log write with everything else waiting (see raftnode.Node.LogTurn);
	// the group committer merges the writes that queued meanwhile.
	LogTurn(ctx context.Context)
	// PublishPeers delivers a message to the subscribers on the other
	// members and returns how many received it; ChannelsPeers,
	// NumSubPeers and PatternsPeers answer PUBSUB for the other members.
	// Members that do not answer in time count as having none.
	PublishPeers(ctx context.Context, channel, message []byte) int
	ChannelsPeers(ctx context.Context, pattern []byte) []string
	NumSubPeers(ctx context.Context, channels [][]byte) []int
	PatternsPeers(ctx context.Context) []string
	// Acknowledged counts the other members known to hold the log entry
	// at index (WAIT); an error when there is no leader to tell.
	Acknowledged(ctx context.Context, index uint64) (int, error)
	// ReadBarrier returns once this node's state reflects every write
	// acknowledged before the call (a linearizable read index).
	ReadBarrier(ctx context.Context) error
	// ReadNow reports, without blocking, whether a linearizable read may
	// run at once (a leader that is the only voter, up to date); false
	// means take ReadBarrier.
	ReadNow() bool
	// IsLeader reports whether this node is the leader.
	IsLeader() bool
	// Snapshot takes a Raft snapshot now.
	Snapshot(ctx context.Context) error
	// LastSnapshot reports the newest snapshot's index and time.
	LastSnapshot() (index uint64, at time.Time, ok bool)
	// Info returns the fields of INFO raft, in order.
	Info() []Field
	// Nodes lists the cluster members.
	Nodes() []Node
	// AddNode, RemoveNode and TransferLeader change membership and
	// leadership (through the leader).
	AddNode(ctx context.Context, id, addr string) error
	RemoveNode(ctx context.Context, id string) error
	TransferLeader(ctx context.Context, id string) error
}

// Node is one cluster member as RAFT.NODES and INFO replication show it.
type Node struct {
	ID         string
	Addr       string // cluster address
	ClientAddr string // RESP address, "" until the member announced it
	Voter      bool
	Leader     bool
}

// Field is one "name:value" line of an INFO section.
type Field struct{ Name, Value string }

// Config configures a Server. The zero value of every optional field has a
// useful default.
type Config struct {
	FSM     *fsm.FSM
	Backend Backend
	Logger  *slog.Logger

	NodeID          string
	ReadConsistency string        // linearizable (default), leader or stale
	LeaderWait      time.Duration // how long to retry while there is no leader; default 3s
	ApplyTimeout    time.Duration // how long one proposal may take; default 10s
	Settings        []Field       // reported by CONFIG GET (port, bind, dir, ...)
	// Shutdown is called when a client sends SHUTDOWN; the process then
	// stops in order. Nil disables SHUTDOWN.
	Shutdown func()
}

// ErrServerClosed is returned by Serve after Shutdown or Close.
var ErrServerClosed = errors.New("resp: server closed")

// Server serves RESP clients. Create it with New, run it with Serve, stop it
// with Shutdown.
type Server struct {
	cfg   Config
	fsm   *fsm.FSM
	be    Backend
	log   *slog.Logger
	start time.Time

	rs *redcon.Server
	ln *drainListener

	mu      sync.Mutex
	clients map[int64]*client
	nextID  atomic.Int64

	drainMu  sync.Mutex     // orders inflight.Add before Shutdown's Wait
	inflight sync.WaitGroup // one per command burst being served
	draining atomic.Bool

	writes  chan *pendingWrite // to the group committer
	hub     *hub               // this node's pub/sub subscriptions
	blocked *blockedSet        // clients in a blocking command
	// onceIDPrefix makes the ids of blocking attempts and blocked
	// commands unique across nodes and restarts: node id and start time.
	onceIDPrefix string
	commitStop   chan struct{} // closed once no burst is left to send writes

	bgsave atomic.Bool // a BGSAVE is running
	params paramValues // CONFIG SET values

	stats struct {
		connections atomic.Int64
		commands    atomic.Int64
		rejected    atomic.Int64
	}

	stop    chan struct{} // closed by Shutdown: background loops exit
	bgWG    sync.WaitGroup
	closeMu sync.Once
}

// New returns a Server; it does not listen yet.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.ReadConsistency == "" {
		cfg.ReadConsistency = ConsistencyLinearizable
	}
	if cfg.LeaderWait <= 0 {
		cfg.LeaderWait = 3 * time.Second
	}
	if cfg.ApplyTimeout <= 0 {
		cfg.ApplyTimeout = 10 * time.Second
	}
	s := &Server{
		cfg:          cfg,
		fsm:          cfg.FSM,
		be:           cfg.Backend,
		log:          cfg.Logger.With("component", "resp"),
		start:        time.Now(),
		clients:      make(map[int64]*client),
		stop:         make(chan struct{}),
		writes:       make(chan *pendingWrite, 4096),
		hub:          newHub(),
		blocked:      newBlockedSet(cfg.FSM),
		onceIDPrefix: cfg.NodeID + "/" + strconv.FormatInt(time.Now().UnixNano(), 36) + "/",
		commitStop:   make(chan struct{}),
	}
	return s
}

// Serve accepts clients on l until Shutdown. It always returns a non-nil
// error; after Shutdown it is ErrServerClosed.
func (s *Server) Serve(l net.Listener) error {
	// Under drainMu, so that a Shutdown that came first is seen here and
	// one that comes later sees the listener to close.
	s.drainMu.Lock()
	if s.draining.Load() {
		s.drainMu.Unlock()
		_ = l.Close()
		return ErrServerClosed
	}
	s.ln = &drainListener{Listener: guardListener{l}, closed: make(chan struct{})}
	s.rs = redcon.NewServer(l.Addr().String(), s.handle, s.accept, s.closed)
	s.bgWG.Add(3)
	go s.expireLoop()
	go s.commitLoop()
	go s.refreshLoop()
	s.drainMu.Unlock()
	s.log.Info("serving clients", "addr", l.Addr().String())
	err := s.rs.Serve(s.ln)
	if s.draining.Load() {
		return ErrServerClosed
	}
	if err == nil {
		err = ErrServerClosed
	}
	return err
}

// Addr is the address the server listens on, once Serve has been called.
func (s *Server) Addr() net.Addr {
	s.drainMu.Lock()
	ln := s.ln
	s.drainMu.Unlock()
	if ln == nil {
		return nil
	}
	return ln.Addr()
}

// Shutdown stops accepting clients, lets every command already being served
// finish and send its reply (bounded by ctx), then closes all connections.
func (s *Server) Shutdown(ctx context.Context) error {
	var err error
	s.closeMu.Do(func() {
		s.drainMu.Lock()
		s.draining.Store(true)
		ln, rs := s.ln, s.rs // nil when Serve was not called, and now never serves
		s.drainMu.Unlock()
		close(s.stop)
		if ln != nil {
			ln.stopAccepting()
		}
		done := make(chan struct{})
		go func() { s.inflight.Wait(); close(done) }()
		select {
		case <-done:
		case <-ctx.Done():
			err = ctx.Err()
		}
		close(s.commitStop)
		if ln != nil {
			ln.close()
		}
		if rs != nil {
			_ = rs.Close()
		}
		s.bgWG.Wait()
	})
	return err
}

func (s *Server) accept(conn redcon.Conn) bool {
	if s.draining.Load() {
		return false
	}
	cl := &client{
		id:          s.nextID.Add(1),
		addr:        conn.RemoteAddr(),
		created:     time.Now(),
		consistency: s.cfg.ReadConsistency,
		unblock:     make(chan bool, 1),
	}
	if nc := conn.NetConn(); nc != nil {
		cl.laddr = nc.LocalAddr().String()
		cl.nc = nc
	}
	cl.lastActive.Store(time.Now().UnixNano())
	conn.SetContext(cl)
	s.mu.Lock()
	s.clients[cl.id] = cl
	s.mu.Unlock()
	s.stats.connections.Add(1)
	return true
}

func (s *Server) closed(conn redcon.Conn, err error) {
	cl, _ := conn.Context().(*client)
	if cl == nil {
		return
	}
	s.mu.Lock()
	delete(s.clients, cl.id)
	s.mu.Unlock()
	if cl.out != nil {
		s.dropSubscriptions(cl)
		cl.out.close()
	}
}

// handle is redcon's callback for one command; it takes the rest of the
// pipelined burst with it so that consecutive writes share one Raft entry.
func (s *Server) handle(conn redcon.Conn, cmd redcon.Command) {
	cl := conn.Context().(*client)
	s.drainMu.Lock()
	if s.draining.Load() {
		s.drainMu.Unlock()
		// Nothing of this burst was executed: close, so the client retries
		// against another node rather than waiting for a reply.
		_ = conn.Close()
		return
	}
	s.inflight.Add(1)
	s.drainMu.Unlock()
	defer s.inflight.Done()
	defer s.recoverConn(conn)
	b := cl.newBurst(s, conn)
	b.run(cmd, conn.ReadPipeline())
	// Send the burst's replies while it still counts as in flight: redcon
	// would flush them only after we return, and a Shutdown waiting for
	// the in-flight count could close the connection in between.
	if w := redcon.BaseWriter(conn); w != nil {
		_ = w.Flush()
	}
	cl.lastActive.Store(time.Now().UnixNano())
}

// recoverConn ends a connection whose handler panicked (a bug) with an
// error reply instead of letting the panic end the process and every
// other client with it. Command handlers recover their own panics
// (fsm.Ctx.call); this catches the rest of the connection's code, whose
// state may be half-updated, hence the close.
func (s *Server) recoverConn(conn redcon.Conn) {
	v := recover()
	if v == nil {
		return
	}
	s.log.Error("connection handler panicked; closing the connection",
		"remote", conn.RemoteAddr(), "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
	conn.WriteError("ERR internal error (see the server log)")
	_ = conn.Close()
}

// drainListener lets Shutdown stop accepting new connections without
// redcon closing the connections that are still being answered: redcon
// closes every connection as soon as Accept fails.
type drainListener struct {
	net.Listener
	once   sync.Once
	stopMu sync.Once
	closed chan struct{}
}

func (l *drainListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		select {
		case <-l.closed:
		default:
			// Stopped accepting but not yet closed: hold redcon here until
			// the in-flight commands have been answered.
			if errors.Is(err, net.ErrClosed) {
				<-l.closed
			}
		}
		return nil, err
	}
	return c, nil
}

func (l *drainListener) stopAccepting() { l.stopMu.Do(func() { _ = l.Listener.Close() }) }

func (l *drainListener) close() {
	l.stopAccepting()
	l.once.Do(func() { close(l.closed) })
}
