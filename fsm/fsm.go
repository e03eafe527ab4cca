package fsm

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"
)

// EntryNoop is appended by a new leader so that an entry of its own term
// reaches the state machine before it serves reads (raft's own no-op and
// barrier entries are never handed to the FSM, so they cannot mark
// progress here).
const EntryNoop byte = 4

// Result is the response of one applied entry: one encoded RESP reply per
// command of an EntryCommands, a single reply for an EntryExec.
type Result struct {
	Replies [][]byte
	Index   uint64 // the entry's log index (WAIT counts the replicas holding it)
}

// state is everything a snapshot captures.
type state struct {
	dbs   []*DB
	clock int64             // max now_ms seen so far: the state machine's time
	gen   uint64            // snapshot generation, for copy-on-write of entries
	meta  map[string]string // member id -> client address (EntryMeta)
	once  *onceTable        // recorded replies of EntryOnce ids
	waitq *waitQueue        // blocked clients in the order they blocked (waitq.go)
}

func newState(databases int) *state {
	st := &state{dbs: make([]*DB, databases), meta: make(map[string]string), once: newOnceTable(), waitq: newWaitQueue()}
	for i := range st.dbs {
		st.dbs[i] = newDB()
	}
	return st
}

// FSM is the replicated state machine. It implements raft.BatchingFSM.
type FSM struct {
	mu      sync.RWMutex
	st      *state
	applied atomic.Uint64

	notifyMu sync.Mutex
	notify   chan struct{} // closed and replaced whenever applied moves

	restoredIndex atomic.Uint64 // index of the last snapshot restored, 0 if none
	expiredKeys   atomic.Int64  // keys removed because they had expired (INFO stats); node-local
	ndb           atomic.Int64  // len(st.dbs), readable without the lock
	log           *slog.Logger

	// wallClock is the node's clock in unix ms, used only by local reads
	// to hide expired keys (tests replace it).
	wallClock func() int64

	// The ready hook (blocking.go): changed keys of the batch being
	// applied, recorded only while clients are blocked.
	readyHook func(all bool, keys []DBKey)
	waiters   atomic.Int64
	recording bool
	readyBuf  readyBatch
}

// New returns an empty state machine with the given number of databases.
func New(databases int, log *slog.Logger) *FSM {
	if log == nil {
		log = slog.Default()
	}
	f := &FSM{st: newState(databases), notify: make(chan struct{}), log: log,
		wallClock: func() int64 { return time.Now().UnixMilli() }}
	f.ndb.Store(int64(databases))
	return f
}

// Databases is the number of databases.
func (f *FSM) Databases() int { return int(f.ndb.Load()) }

// AppliedIndex is the index of the last log entry applied.
func (f *FSM) AppliedIndex() uint64 { return f.applied.Load() }

// ExpiredCount is the number of keys this node removed because they had
// expired, since it started: by the leader's expiry entries, or replaced
// or deleted by a write after their time (Redis's expired_keys).
func (f *FSM) ExpiredCount() int64 { return f.expiredKeys.Load() }

// RestoredIndex is the index of the last snapshot this FSM was restored
// from, or 0.
func (f *FSM) RestoredIndex() uint64 { return f.restoredIndex.Load() }

func (f *FSM) setApplied(idx uint64) {
	if idx <= f.applied.Load() {
		return
	}
	f.applied.Store(idx)
	f.notifyMu.Lock()
	close(f.notify)
	f.notify = make(chan struct{})
	f.notifyMu.Unlock()
}

// WaitApplied blocks until the applied index is at least idx or ctx ends.
func (f *FSM) WaitApplied(ctx context.Context, idx uint64) error {
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

// Apply implements raft.FSM.
func (f *FSM) Apply(l *raft.Log) interface{} {
	return f.ApplyBatch([]*raft.Log{l})[0]
}

// ApplyBatch implements raft.BatchingFSM: the whole batch is applied under
// one lock acquisition.
func (f *FSM) ApplyBatch(logs []*raft.Log) []interface{} {
	out := make([]interface{}, len(logs))
	f.mu.Lock()
	f.recording = f.readyHook != nil && f.waiters.Load() > 0
	var last uint64
	for i, l := range logs {
		if l.Type == raft.LogCommand {
			out[i] = f.applyEntry(l.Index, l.Data)
		}
		last = l.Index
	}
	var ready readyBatch
	if f.recording {
		ready = f.readyBuf
		f.readyBuf = readyBatch{}
		f.recording = false
	}
	f.mu.Unlock()
	f.setApplied(last)
	if ready.all || len(ready.keys) > 0 {
		f.readyHook(ready.all, ready.keys)
	}
	return out
}

// applyEntry applies one encoded entry. It panics on an entry it cannot
// decode: a replica that cannot apply the log must stop rather than
// diverge from the others.
func (f *FSM) applyEntry(index uint64, data []byte) *Result {
	if len(data) == 0 {
		panic(fmt.Sprintf("fsm: empty entry at index %d", index))
	}
	apply, ok := applyFuncs[data[0]]
	if !ok {
		panic(fmt.Sprintf("fsm: unknown entry type %d at index %d", data[0], index))
	}
	res, err := apply(f, index, data[1:])
	if err != nil {
		panic(fmt.Sprintf("fsm: entry type %d at index %d: %v", data[0], index, err))
	}
	res.Index = index
	return res
}

// applyFuncs maps entry types to their apply functions.
var applyFuncs = map[byte]func(f *FSM, index uint64, body []byte) (*Result, error){
	EntryCommands: applyCommands,
	EntryExec:     applyExec,
	EntryExpire:   applyExpire,
	EntryNoop:     func(*FSM, uint64, []byte) (*Result, error) { return &Result{}, nil },
}

// EncodeNoop builds an EntryNoop entry.
func EncodeNoop() []byte { return []byte{EntryNoop} }

func (f *FSM) tick(nowMs int64) {
	if nowMs > f.st.clock {
		f.st.clock = nowMs
	}
}

func (f *FSM) applyCtx(index uint64, db int) *Ctx {
	c := new(Ctx)
	f.resetApplyCtx(c, index, db)
	return c
}

// resetApplyCtx makes c a fresh context for applying a command of the
// entry at index (applyCommands reuses one for all of an entry's
// commands).
func (f *FSM) resetApplyCtx(c *Ctx, index uint64, db int) {
	*c = Ctx{st: f.st, Now: f.st.clock, Index: index, seed: index, log: f.log, expired: &f.expiredKeys}
	if f.recording {
		c.ready = &f.readyBuf
	}
	if !c.selectDB(db) {
		c.selectDB(0)
	}
}

func applyCommands(f *FSM, index uint64, body []byte) (*Result, error) {
	nowMs, cmds, err := decodeCommands(body)
	if err != nil {
		return nil, err
	}
	f.tick(nowMs)
	res := &Result{Replies: make([][]byte, len(cmds))}
	// One context and one reply buffer serve every command of the entry;
	// each reply is a capped slice of the buffer, so no reply can grow
	// into the next. (A buffer that has to grow leaves the replies so far
	// in the old array, where they stay valid.)
	c := new(Ctx)
	out := make([]byte, 0, 8*len(cmds))
	for i, cmd := range cmds {
		f.resetApplyCtx(c, index, cmd.DB)
		c.seed = index<<8 | uint64(i&0xff)
		start := len(out)
		c.out = out
		if cmd.DB < 0 || cmd.DB >= len(f.st.dbs) {
			c.Error(ErrDBIndex)
		} else {
			c.run(cmd.Argv)
		}
		out = c.out
		res.Replies[i] = out[start:len(out):len(out)]
	}
	return res, nil
}

func applyExec(f *FSM, index uint64, body []byte) (*Result, error) {
	nowMs, x, err := decodeExec(body)
	if err != nil {
		return nil, err
	}
	f.tick(nowMs)
	for _, w := range x.Watches {
		if w.DB < 0 || w.DB >= len(f.st.dbs) || f.st.dbs[w.DB].changedSince(string(w.Key), w.Index, f.st.clock) {
			return &Result{Replies: [][]byte{[]byte("*-1\r\n")}}, nil
		}
	}
	c := f.applyCtx(index, x.DB)
	c.Array(len(x.Cmds))
	for _, argv := range x.Cmds {
		c.run(argv)
	}
	return &Result{Replies: [][]byte{c.out}}, nil
}

func applyExpire(f *FSM, index uint64, body []byte) (*Result, error) {
	nowMs, db, keys, err := decodeExpire(body)
	if err != nil {
		return nil, err
	}
	f.tick(nowMs)
	if db < 0 || db >= len(f.st.dbs) {
		return &Result{}, nil
	}
	c := f.applyCtx(index, db)
	for _, k := range keys {
		if e, ok := c.db.keys.Get(k); ok && e.expireAt != 0 && e.expireAt <= c.Now {
			c.remove(c.db, k)
			c.countExpired()
		}
	}
	return &Result{}, nil
}

// run looks argv up and runs it, appending one reply. Arity and unknown
// commands are checked again here so that an entry written by a different
// version can never crash a replica.
func (c *Ctx) run(argv [][]byte) {
	if len(argv) == 0 {
		c.Error("ERR empty command")
		return
	}
	cmd := Lookup(argv[0])
	if cmd == nil {
		c.Error(fmt.Sprintf("ERR unknown command '%s'", argv[0]))
		return
	}
	if !cmd.ArityOK(len(argv)) {
		c.Error(ArityError(cmd.Name))
		return
	}
	c.noTouch = cmd.Is(FlagNoTouch)
	c.call(cmd, argv)
}

// Check runs cmd's syntax check on argv (whose arity the caller checked).
// It returns the error reply, or nil when argv may be proposed or run.
//
// The check phase knows the number of databases (so a DB index out of
// range is refused where Redis refuses it), and nothing else of the state.
func (f *FSM) Check(cmd *Command, argv [][]byte) []byte {
	c := ctxPool.Get().(*Ctx)
	*c = Ctx{check: true, ndb: f.Databases(), log: f.log}
	c.call(cmd, argv)
	var reply []byte
	if len(c.out) > 0 {
		reply = c.out
	}
	*c = Ctx{}
	ctxPool.Put(c)
	return reply
}

// ctxPool recycles the contexts of checks and reads, the per-command
// allocations of the hot path. (Apply's contexts are per entry.)
var ctxPool = sync.Pool{New: func() any { return new(Ctx) }}

// Read runs a read-only command against the local state, appending its
// reply to out. Expiry is judged by the later of the node's clock and the
// state machine's clock.
func (f *FSM) Read(db int, cmd *Command, argv [][]byte, out []byte) []byte {
	now := f.wallClock()
	f.mu.RLock()
	defer f.mu.RUnlock()
	if now < f.st.clock {
		now = f.st.clock
	}
	c := ctxPool.Get().(*Ctx)
	*c = Ctx{st: f.st, Now: now, seed: uint64(time.Now().UnixNano()), out: out, noTouch: cmd.Is(FlagNoTouch), log: f.log}
	if !c.selectDB(db) {
		c.Error(ErrDBIndex)
	} else {
		c.call(cmd, argv)
	}
	out = c.out
	*c = Ctx{}
	ctxPool.Put(c)
	return out
}

// ExpiredKeys returns up to max keys per database whose expiry is at or
// before now, for the leader to propose as EntryExpire entries.
func (f *FSM) ExpiredKeys(now int64, max int) map[int][]string {
	f.mu.RLock()
	defer f.mu.RUnlock()
	var out map[int][]string
	for i, db := range f.st.dbs {
		db.ttl.Scan(func(it ttlItem) bool {
			if it.at > now || len(out[i]) >= max {
				return false
			}
			if out == nil {
				out = make(map[int][]string)
			}
			out[i] = append(out[i], it.key)
			return true
		})
	}
	return out
}

// KeyspaceInfo is one line of INFO keyspace.
type KeyspaceInfo struct {
	DB, Keys, Expires int
}

// Keyspace reports the non-empty databases.
func (f *FSM) Keyspace() []KeyspaceInfo {
	f.mu.RLock()
	defer f.mu.RUnlock()
	var out []KeyspaceInfo
	for i, db := range f.st.dbs {
		if db.Len() > 0 {
			out = append(out, KeyspaceInfo{DB: i, Keys: db.Len(), Expires: db.Expires()})
		}
	}
	return out
}

// DBSize is the number of keys in database db.
func (f *FSM) DBSize(db int) int {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if db < 0 || db >= len(f.st.dbs) {
		return 0
	}
	return f.st.dbs[db].Len()
}
