package fsm

import (
	"encoding/binary"
	"math"
)

// Blocking commands (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP, BZPOPMIN,
// BZPOPMAX, BZMPOP).
//
// In the state machine a blocking command is what Redis runs inside MULTI:
// it pops if it can and otherwise answers with a null, at once. The
// waiting happens outside, in the node the client is connected to (resp):
// it proposes the command, and on a null it waits until a change to one of
// the keys is applied (on any node's initiative: every replica applies
// every entry, and the ready hook reports the keys that changed), then
// proposes again. So the pop itself is always a log entry and every
// replica agrees on who got which element.
//
// A retried proposal must not pop twice: when the outcome of a pop is
// unknown (the leader died with the entry in flight) resp proposes it
// again with the same id, as an EntryBlock (waitq.go; EntryOnce before it),
// and the state machine answers a repeated id with the reply it recorded
// the first time it popped something.

func init() {
	register([]Command{
		{Name: "blpop", Syntax: "key [key ...] timeout:double", Arity: -3, Flags: FlagWrite | FlagNoScript | FlagBlocking, FirstKey: 1, LastKey: -2, Step: 1, Group: "list", Summary: "Pops the head of the first non-empty list, waiting for one if all are empty.", Fn: cmdBLPop},
		{Name: "brpop", Syntax: "key [key ...] timeout:double", Arity: -3, Flags: FlagWrite | FlagNoScript | FlagBlocking, FirstKey: 1, LastKey: -2, Step: 1, Group: "list", Summary: "Pops the tail of the first non-empty list, waiting for one if all are empty.", Fn: cmdBRPop},
		{Name: "blmove", Syntax: "source destination <LEFT | RIGHT> <LEFT | RIGHT> timeout:double", Arity: 6, Flags: FlagWrite | FlagDenyOOM | FlagNoScript | FlagBlocking, FirstKey: 1, LastKey: 2, Step: 1, Group: "list", Summary: "LMOVE, waiting for the source list to have an element.", Fn: cmdBLMove},
		{Name: "brpoplpush", Syntax: "source destination timeout:double", Arity: 4, Flags: FlagWrite | FlagDenyOOM | FlagNoScript | FlagBlocking, FirstKey: 1, LastKey: 2, Step: 1, Group: "list", Summary: "RPOPLPUSH, waiting for the source list to have an element.", Fn: cmdBRPopLPush},
		// Like LMPOP, Redis 7.0 reports 0,0,0 for BLMPOP: its keys follow
		// numkeys.
		{Name: "blmpop", Syntax: "timeout:double numkeys key [key ...] <LEFT | RIGHT> [COUNT count]", Arity: -5, Flags: FlagWrite | FlagBlocking, FirstKey: 0, LastKey: 0, Step: 0, Group: "list", Summary: "LMPOP, waiting for one of the lists to have an element.", Fn: cmdBLMPop},
		{Name: "bzpopmin", Syntax: "key [key ...] timeout:double", Arity: -3, Flags: FlagWrite | FlagNoScript | FlagBlocking | FlagFast, FirstKey: 1, LastKey: -2, Step: 1, Group: "sorted-set", Summary: "Pops the lowest-scored member of the first non-empty sorted set, waiting for one if all are empty.", Fn: cmdBZPopMin},
		{Name: "bzpopmax", Syntax: "key [key ...] timeout:double", Arity: -3, Flags: FlagWrite | FlagNoScript | FlagBlocking | FlagFast, FirstKey: 1, LastKey: -2, Step: 1, Group: "sorted-set", Summary: "Pops the highest-scored member of the first non-empty sorted set, waiting for one if all are empty.", Fn: cmdBZPopMax},
		{Name: "bzmpop", Syntax: "timeout:double numkeys key [key ...] <MIN | MAX> [COUNT count]", Arity: -5, Flags: FlagWrite | FlagBlocking, FirstKey: 0, LastKey: 0, Step: 0, Group: "sorted-set", Summary: "ZMPOP, waiting for one of the sorted sets to have a member.", Fn: cmdBZMPop},
	})
}

const (
	errTimeoutFloat    = "ERR timeout is not a float or out of range"
	errTimeoutNegative = "ERR timeout is negative"
)

// parseTimeout is Redis's getTimeoutFromObjectOrReply for seconds: a long
// double, times 1000, rounded up to whole milliseconds. Anything that does
// not fit a long long (inf included) comes out negative in C, hence
// Redis's "timeout is negative" for 1e20. 0 means wait forever.
func parseTimeout(b []byte) (ms int64, errMsg string) {
	ld, ok := parseLongDouble(b)
	if !ok {
		return 0, errTimeoutFloat
	}
	v, _ := ld.Float64()
	v = math.Ceil(v * 1000)
	if math.IsInf(v, 0) || v >= math.MaxInt64 || v < 0 {
		return 0, errTimeoutNegative
	}
	return int64(v), ""
}

// BlockingTimeout returns the timeout of a blocking command in
// milliseconds (0: none) and the keys whose change may let it proceed. ok
// is false when argv is not a well-formed blocking command (the check
// phase reports why).
func BlockingTimeout(cmd *Command, argv [][]byte) (ms int64, keys [][]byte, ok bool) {
	var t []byte
	switch cmd.Name {
	case "blpop", "brpop", "bzpopmin", "bzpopmax":
		t, keys = argv[len(argv)-1], argv[1:len(argv)-1]
	case "blmove":
		t, keys = argv[5], argv[1:2]
	case "brpoplpush":
		t, keys = argv[3], argv[1:2]
	case "blmpop", "bzmpop":
		n, isInt := parseInt(argv[2])
		if !isInt || n < 1 || n > int64(len(argv)-3) {
			return 0, nil, false
		}
		t, keys = argv[1], argv[3:3+n]
	default:
		return 0, nil, false
	}
	ms, msg := parseTimeout(t)
	return ms, keys, msg == ""
}

// BLPOP key [key ...] timeout
func cmdBLPop(c *Ctx, argv [][]byte) { bpopGeneric(c, argv, true) }

// BRPOP key [key ...] timeout
func cmdBRPop(c *Ctx, argv [][]byte) { bpopGeneric(c, argv, false) }

func bpopGeneric(c *Ctx, argv [][]byte, left bool) {
	if badTimeout(c, argv[len(argv)-1]) || c.Checking() {
		return
	}
	key, l, ok := firstList(c, argv[1:len(argv)-1])
	switch {
	case !ok:
	case l == nil:
		c.NullArray()
	default:
		e := l.pop(left)
		c.deleteIfEmpty(key, l.Len())
		c.Array(2)
		c.Bulk(key)
		c.Bulk(e)
	}
}

// BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout
func cmdBLMove(c *Ctx, argv [][]byte) {
	from, to, ok := lmoveArgs(c, argv)
	if !ok || badTimeout(c, argv[5]) || c.Checking() {
		return
	}
	lmoveGeneric(c, argv[1], argv[2], from, to)
}

// BRPOPLPUSH source destination timeout
func cmdBRPopLPush(c *Ctx, argv [][]byte) {
	if badTimeout(c, argv[3]) || c.Checking() {
		return
	}
	lmoveGeneric(c, argv[1], argv[2], false, true)
}

// badTimeout appends the error of a malformed timeout and reports it.
func badTimeout(c *Ctx, b []byte) bool {
	if _, msg := parseTimeout(b); msg != "" {
		c.Error(msg)
		return true
	}
	return false
}

// BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]: LMPOP's
// arguments, then the timeout, in the order Redis checks them.
func cmdBLMPop(c *Ctx, argv [][]byte) {
	keys, left, count, ok := mpopArgs(c, argv[1:], parseWhere)
	if !ok || badTimeout(c, argv[1]) || c.Checking() {
		return
	}
	lmpopApply(c, keys, left, count)
}

// BZPOPMIN key [key ...] timeout
func cmdBZPopMin(c *Ctx, argv [][]byte) { bzpopGeneric(c, argv, false) }

// BZPOPMAX key [key ...] timeout
func cmdBZPopMax(c *Ctx, argv [][]byte) { bzpopGeneric(c, argv, true) }

// bzpopGeneric pops one member from the first of the keys that holds a
// sorted set, replying [key, member, score], or a null array.
func bzpopGeneric(c *Ctx, argv [][]byte, fromMax bool) {
	if badTimeout(c, argv[len(argv)-1]) || c.Checking() {
		return
	}
	for _, key := range argv[1 : len(argv)-1] {
		z, ok := lookupType[*zsetValue](c, key)
		if !ok {
			return
		}
		if z == nil {
			continue
		}
		it := zpop(c, key, fromMax, 1)[0]
		c.Array(3)
		c.Bulk(key)
		c.BulkString(it.member)
		c.scoreReply(it.score)
		return
	}
	c.NullArray()
}

// BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]: ZMPOP's
// arguments, then the timeout, in the order Redis checks them.
func cmdBZMPop(c *Ctx, argv [][]byte) {
	keys, fromMax, count, ok := mpopArgs(c, argv[1:], parseMinMax)
	if !ok || badTimeout(c, argv[1]) || c.Checking() {
		return
	}
	zmpopApply(c, keys, fromMax, count)
}

// EntryOnce is a write proposed with an id, for retries whose first
// attempt may or may not have been applied: now_ms, bytes id, uvarint db,
// argv. The first time an id is applied its command runs and its reply is
// recorded; later entries with the same id change nothing and get the
// recorded reply. Records are kept for onceKeepMs of state-machine time
// and at most onceMax of them, oldest dropped first.
const EntryOnce byte = 6

const (
	onceKeepMs = 5 * 60 * 1000
	onceMax    = 16384
)

// onceTable is the state of EntryOnce: replicated and snapshotted, never
// part of a database digest.
type onceTable struct {
	replies map[string]onceRecord
	order   []string // ids, oldest first
}

type onceRecord struct {
	at    int64 // state-machine time it was applied
	reply []byte
}

func newOnceTable() *onceTable { return &onceTable{replies: make(map[string]onceRecord)} }

func (t *onceTable) copy() *onceTable {
	c := &onceTable{replies: make(map[string]onceRecord, len(t.replies)), order: append([]string(nil), t.order...)}
	for k, v := range t.replies {
		c.replies[k] = v
	}
	return c
}

func (t *onceTable) add(id string, at int64, reply []byte) {
	for len(t.order) > 0 && (len(t.order) >= onceMax || t.replies[t.order[0]].at+onceKeepMs < at) {
		delete(t.replies, t.order[0])
		t.order = t.order[1:]
	}
	t.replies[id] = onceRecord{at: at, reply: reply}
	t.order = append(t.order, id)
}

// EncodeOnce builds an EntryOnce entry.
func EncodeOnce(nowMs int64, id []byte, db int, argv [][]byte) []byte {
	b := []byte{EntryOnce}
	b = binary.AppendVarint(b, nowMs)
	b = appendBytes(b, id)
	b = binary.AppendUvarint(b, uint64(db))
	return appendArgv(b, argv)
}

func applyOnce(f *FSM, index uint64, body []byte) (*Result, error) {
	d := decoder{b: body}
	nowMs := d.varint()
	id := string(d.bytes())
	db := int(d.uvarint())
	argv := d.argv()
	if d.err != nil {
		return nil, d.err
	}
	if res := f.replayed(nowMs, id); res != nil {
		return res, nil
	}
	c := f.applyCtx(index, db)
	if db < 0 || db >= len(f.st.dbs) {
		c.Error(ErrDBIndex)
	} else {
		c.run(argv)
	}
	f.st.once.add(id, f.st.clock, c.out)
	return &Result{Replies: [][]byte{c.out}}, nil
}

// replayed moves the clock to nowMs and returns the reply recorded for
// the attempt id, or nil if none is.
func (f *FSM) replayed(nowMs int64, id string) *Result {
	f.tick(nowMs)
	if rec, ok := f.st.once.replies[id]; ok {
		return &Result{Replies: [][]byte{rec.reply}}
	}
	return nil
}

func init() { applyFuncs[EntryOnce] = applyOnce }

func appendOnce(b []byte, t *onceTable) []byte {
	b = binary.AppendUvarint(b, uint64(len(t.order)))
	for _, id := range t.order {
		r := t.replies[id]
		b = appendBytes(b, []byte(id))
		b = binary.AppendVarint(b, r.at)
		b = appendBytes(b, r.reply)
	}
	return b
}

// HasBlockingData reports whether any of keys in database db now holds
// what cmd (a blocking command) pops, a list or a sorted set (by the later
// of the node's and the state machine's clock): whether a blocked pop is
// worth proposing again. As in Redis, a list does not wake BZPOPMIN nor a
// sorted set BLPOP.
func (f *FSM) HasBlockingData(cmd *Command, db int, keys [][]byte) bool {
	wantZset := cmd.Group == "sorted-set"
	now := f.wallClock()
	f.mu.RLock()
	defer f.mu.RUnlock()
	if db < 0 || db >= len(f.st.dbs) {
		return false
	}
	now = max(now, f.st.clock)
	c := Ctx{st: f.st, Now: now}
	c.selectDB(db)
	for _, k := range keys {
		e := c.lookup(k)
		if e == nil {
			continue
		}
		switch v := e.val.(type) {
		case *listValue:
			if !wantZset && v.Len() > 0 {
				return true
			}
		case *zsetValue:
			if wantZset && v.Len() > 0 {
				return true
			}
		}
	}
	return false
}

// DBKey names a key of a database.
type DBKey struct {
	DB  int
	Key string
}

// SetReadyHook registers fn, called after each applied batch (outside the
// state machine's lock) with the keys the batch created or changed, or
// with all set when it may have changed any key (SWAPDB, a restored
// snapshot). Keys are recorded only while AddWaiters has a positive
// count, so the write path pays nothing when no client is blocked. Call
// it before the FSM is used.
func (f *FSM) SetReadyHook(fn func(all bool, keys []DBKey)) { f.readyHook = fn }

// AddWaiters adds delta to the number of blocked clients the ready hook
// serves.
func (f *FSM) AddWaiters(delta int) { f.waiters.Add(int64(delta)) }

// touch records that key of db was created or changed, when a ready hook
// wants to know.
func (c *Ctx) touch(db *DB, key string) {
	if c.ready == nil {
		return
	}
	for i, d := range c.st.dbs {
		if d == db {
			c.ready.keys = append(c.ready.keys, DBKey{DB: i, Key: key})
			return
		}
	}
}

// touchAll records that any key may have changed.
func (c *Ctx) touchAll() {
	if c.ready != nil {
		c.ready.all = true
	}
}

// readyBatch collects the changes of one applied batch for the ready hook.
type readyBatch struct {
	all  bool
	keys []DBKey
}
