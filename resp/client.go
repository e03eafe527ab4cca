package resp

import (
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/respraft/respraft/fsm"
)

// Read consistency levels, per node (config) and per connection
// (RAFT.CONSISTENCY).
const (
	// ConsistencyLinearizable: every read reflects every write acknowledged
	// before it began, on any node (read index through the leader).
	ConsistencyLinearizable = "linearizable"
	// ConsistencyLeader: the leader serves reads from its local state
	// without confirming leadership first (a deposed leader may briefly
	// serve stale data); a follower reads as linearizable does, with the
	// leader's read index.
	ConsistencyLeader = "leader"
	// ConsistencyStale: reads are served from this node's local state,
	// whatever its role.
	ConsistencyStale = "stale"
)

// client is the per-connection state.
type client struct {
	id    int64
	addr  string
	laddr string
	nc    net.Conn // closed by CLIENT KILL

	// CLIENT UNBLOCK (clientadmin.go): where the connection is in a
	// blocking command, and the signal that ends its wait (true: with an
	// error).
	blockState atomic.Int32
	unblock    chan bool
	killed     atomic.Bool // by CLIENT KILL: no longer listed or matched
	created    time.Time

	mu          sync.Mutex // guards the fields CLIENT LIST reads from other goroutines
	name        string
	db          int
	lastCmd     string
	consistency string

	lastActive atomic.Int64

	// Pub/Sub (pubsub.go): out is nil until the connection subscribes,
	// then carries all its output; the sets are the connection's own, the
	// counts are for CLIENT LIST.
	out         *outQueue
	subChans    map[string]struct{}
	subPats     map[string]struct{}
	nsub, npsub atomic.Int32

	onceSeq uint64 // blocking commands and their attempts, for their ids (blocking.go)

	woff atomic.Uint64 // log index of the connection's latest write, for WAIT (wait.go)

	burst burst // reused by each burst of the connection (dispatch.go)

	// Transaction state, touched only by the connection's own goroutine.
	multi   bool
	dirty   bool // a command failed to queue: EXEC answers EXECABORT
	queue   [][][]byte
	watches []fsm.Watch
}

func (cl *client) setDB(db int) {
	cl.mu.Lock()
	cl.db = db
	cl.mu.Unlock()
}

func (cl *client) getDB() int {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	return cl.db
}

func (cl *client) resetMulti() {
	cl.multi = false
	cl.dirty = false
	cl.queue = nil
	cl.watches = nil
}
