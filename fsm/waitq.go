package fsm

import (
	"cmp"
	"encoding/binary"
	"slices"
	"strconv"
)

// The queue of blocked clients, cluster-wide.
//
// Redis serves the clients blocked on a key in the order they blocked.
// Here the clients wait on the nodes they are connected to, and each
// attempt to pop is a log entry (blocking.go), so on its own the first
// attempt applied would win, whichever client blocked first. To keep
// Redis's order across nodes, an attempt that finds nothing registers its
// client in this queue, which is part of the replicated state; and an
// attempt may take from a key only when no client registered before it
// waits on that key for what the key holds (a list, or a sorted set): it
// pops as if such keys were empty. A client that gets nothing that way
// gets the same null an empty key would give, and tries again when one of
// its keys changes next: when the first client has taken its element.
//
// A registration lapses: the client's node refreshes its registrations
// every second (resp's blockRefresh, EntryRefresh) and withdraws one when
// its client stops waiting (EntryUnblock: timeout, hang-up, shutdown). A
// node that dies withdraws nothing, so its clients' registrations end when
// their lease does, and until then the clients behind them wait (their
// nodes try again while the data is there). Registrations are ordered by the log, so every
// replica holds the same queue; it is in snapshots but not in the digest,
// like the EntryOnce records.

// EntryBlock is one attempt of a blocked client: an EntryOnce with the
// client's block id (the same for all its attempts) and its lease added:
// now_ms, bytes attempt id, bytes block id, varint lease ms, uvarint db,
// argv.
const EntryBlock byte = 7

// EntryUnblock withdraws registrations: now_ms, uvarint n, n x bytes block
// id. EntryRefresh extends their leases: now_ms, varint lease ms, uvarint
// n, n x bytes block id. Unknown ids are ignored by both.
const (
	EntryUnblock byte = 8
	EntryRefresh byte = 9
)

// queued is one registered client.
type queued struct {
	id    string
	seq   uint64 // registration order
	db    int
	zset  bool  // waits for a sorted set (else a list)
	until int64 // state-machine time at which the registration lapses
	keys  []string
}

type waitQueue struct {
	next  uint64 // seq of the next registration
	byID  map[string]*queued
	byKey map[DBKey][]*queued // in registration order
}

func newWaitQueue() *waitQueue {
	return &waitQueue{byID: make(map[string]*queued), byKey: make(map[DBKey][]*queued)}
}

// copy is for a snapshot: the records are copied (refresh changes until).
func (q *waitQueue) copy() *waitQueue {
	c := newWaitQueue()
	c.next = q.next
	for _, w := range q.ordered() {
		cw := *w
		c.add(&cw)
	}
	return c
}

// ordered returns the registrations in registration order.
func (q *waitQueue) ordered() []*queued {
	out := make([]*queued, 0, len(q.byID))
	for _, w := range q.byID {
		out = append(out, w)
	}
	// by seq: the map's order must not leak into anything
	slices.SortFunc(out, func(a, b *queued) int { return cmp.Compare(a.seq, b.seq) })
	return out
}

func (q *waitQueue) add(w *queued) {
	q.byID[w.id] = w
	for _, k := range w.keys {
		dk := DBKey{DB: w.db, Key: k}
		q.byKey[dk] = append(q.byKey[dk], w)
	}
}

// remove drops id's registration and returns it (nil if there was none).
func (q *waitQueue) remove(id string) *queued {
	w, ok := q.byID[id]
	if !ok {
		return nil
	}
	delete(q.byID, id)
	for _, k := range w.keys {
		dk := DBKey{DB: w.db, Key: k}
		ws := q.byKey[dk]
		for i, x := range ws {
			if x == w {
				ws = append(ws[:i:i], ws[i+1:]...)
				break
			}
		}
		if len(ws) == 0 {
			delete(q.byKey, dk)
		} else {
			q.byKey[dk] = ws
		}
	}
	return w
}

// dropped is called for every registration that ends (served, withdrawn,
// lapsed, an error): the clients behind it may now be first, so its keys
// count as changed and wake them (blocked clients wait for a change to
// their keys; a served client's pop changed only one of them).
func (c *Ctx) dropped(w *queued) {
	if w == nil || w.db < 0 || w.db >= len(c.st.dbs) {
		return
	}
	for _, k := range w.keys {
		c.touch(c.st.dbs[w.db], k)
	}
}

// register enters id at the end of the queue, or extends its lease if it
// is there already (keeping its place).
func (q *waitQueue) register(id string, db int, zset bool, keys []string, until int64) {
	if w, ok := q.byID[id]; ok {
		w.until = max(w.until, until)
		return
	}
	q.add(&queued{id: id, seq: q.next, db: db, zset: zset, until: until, keys: keys})
	q.next++
}

// claimed returns those of keys (in db) that hold what the client id waits
// for (a list, or a sorted set) and that a client registered before id (or
// any registered client, if id is not) waits on: theirs to take. Lapsed
// registrations met on the way are dropped.
func (q *waitQueue) claimed(c *Ctx, id string, db int, zset bool, keys []string) map[string]bool {
	if len(q.byID) == 0 {
		return nil
	}
	mine := ^uint64(0)
	if w, ok := q.byID[id]; ok {
		mine = w.seq
	}
	var out map[string]bool
	for _, k := range keys {
		if !holds(c, k, zset) {
			continue
		}
		var lapsed []string
		found := false
		for _, w := range q.byKey[DBKey{DB: db, Key: k}] {
			switch {
			case w.until <= c.Now:
				lapsed = append(lapsed, w.id)
			case w.seq < mine && w.zset == zset:
				found = true
			}
		}
		for _, l := range lapsed {
			c.dropped(q.remove(l))
		}
		if found {
			if out == nil {
				out = make(map[string]bool)
			}
			out[k] = true
		}
	}
	return out
}

// withoutKeys returns argv, a blocking command, with the keys in drop
// left out (nil if that leaves none): it then pops only from the others,
// in their order, as if the dropped keys were empty.
func withoutKeys(name string, argv [][]byte, drop map[string]bool) [][]byte {
	var head, keys, tail [][]byte
	numkeys := false // head ends with the number of keys
	switch name {
	case "blpop", "brpop", "bzpopmin", "bzpopmax":
		head, keys, tail = argv[:1], argv[1:len(argv)-1], argv[len(argv)-1:]
	case "blmpop", "bzmpop":
		n, _ := parseInt(argv[2]) // checked by BlockingTimeout
		head, keys, tail, numkeys = argv[:3], argv[3:3+n], argv[3+n:], true
	default: // blmove, brpoplpush: one source key
		return nil
	}
	out := append([][]byte(nil), head...)
	for _, k := range keys {
		if !drop[string(k)] {
			out = append(out, k)
		}
	}
	kept := len(out) - len(head)
	if kept == 0 {
		return nil
	}
	if numkeys {
		out[len(head)-1] = []byte(strconv.Itoa(kept))
	}
	return append(out, tail...)
}

// holds reports whether key (in c's database) holds a non-empty sorted set
// (zset) or list (!zset), without touching its access time.
func holds(c *Ctx, key string, zset bool) bool {
	e, ok := c.db.keys.Get(key)
	if !ok || (e.expireAt != 0 && e.expireAt <= c.Now) {
		return false
	}
	switch v := e.val.(type) {
	case *listValue:
		return !zset && v.Len() > 0
	case *zsetValue:
		return zset && v.Len() > 0
	}
	return false
}

// lapse drops every registration whose lease has ended.
func (q *waitQueue) lapse(c *Ctx) {
	for _, w := range q.ordered() {
		if w.until <= c.Now {
			c.dropped(q.remove(w.id))
		}
	}
}

// Len is the number of registered clients.
func (q *waitQueue) Len() int { return len(q.byID) }

// QueuedClients is the number of blocked clients registered in the
// queue, on every node together, as this replica has it (INFO clients'
// cluster_blocked_clients). Like a read, it judges leases by the later of
// the node's clock and the state machine's: a lapsed registration is only
// dropped by the next entry that meets it, which may be long in coming.
func (f *FSM) QueuedClients() int {
	now := f.wallClock()
	f.mu.RLock()
	defer f.mu.RUnlock()
	now = max(now, f.st.clock)
	n := 0
	for _, w := range f.st.waitq.byID {
		if w.until > now {
			n++
		}
	}
	return n
}

// EncodeBlock builds an EntryBlock entry.
func EncodeBlock(nowMs int64, attemptID, blockID []byte, leaseMs int64, db int, argv [][]byte) []byte {
	b := []byte{EntryBlock}
	b = binary.AppendVarint(b, nowMs)
	b = appendBytes(b, attemptID)
	b = appendBytes(b, blockID)
	b = binary.AppendVarint(b, leaseMs)
	b = binary.AppendUvarint(b, uint64(db))
	return appendArgv(b, argv)
}

// EncodeUnblock builds an EntryUnblock entry.
func EncodeUnblock(nowMs int64, blockIDs ...[]byte) []byte {
	b := binary.AppendVarint([]byte{EntryUnblock}, nowMs)
	return appendIDs(b, blockIDs)
}

// EncodeRefresh builds an EntryRefresh entry.
func EncodeRefresh(nowMs, leaseMs int64, blockIDs ...[]byte) []byte {
	b := binary.AppendVarint([]byte{EntryRefresh}, nowMs)
	b = binary.AppendVarint(b, leaseMs)
	return appendIDs(b, blockIDs)
}

// appendIDs and decodeIDs are the id lists of EntryUnblock and
// EntryRefresh: uvarint n, n x bytes id.
func appendIDs(b []byte, ids [][]byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(ids)))
	for _, id := range ids {
		b = appendBytes(b, id)
	}
	return b
}

// blockNull is the reply of a blocking command that found nothing, as
// the command itself gives it outside a wait.
func blockNull(name string) []byte {
	if name == "blmove" || name == "brpoplpush" {
		return []byte("$-1\r\n")
	}
	return []byte("*-1\r\n")
}

func applyBlock(f *FSM, index uint64, body []byte) (*Result, error) {
	d := decoder{b: body}
	nowMs := d.varint()
	attempt := string(d.bytes())
	id := string(d.bytes())
	lease := d.varint()
	db := int(d.uvarint())
	argv := d.argv()
	if d.err != nil {
		return nil, d.err
	}
	if res := f.replayed(nowMs, attempt); res != nil {
		return res, nil
	}
	c := f.applyCtx(index, db)
	q := f.st.waitq
	switch {
	case db < 0 || db >= len(f.st.dbs):
		c.Error(ErrDBIndex)
	case len(argv) == 0:
		c.Error("ERR empty command")
	default:
		cmd := Lookup(argv[0])
		var keys [][]byte
		ok := cmd != nil && cmd.Is(FlagBlocking) && cmd.ArityOK(len(argv))
		if ok {
			_, keys, ok = BlockingTimeout(cmd, argv)
		}
		if !ok {
			c.run(argv) // its error, as an EntryOnce would give it
			break
		}
		zset := cmd.Group == "sorted-set"
		names := make([]string, len(keys))
		for i, k := range keys {
			names[i] = string(k)
		}
		run := argv
		if drop := q.claimed(c, id, db, zset, names); len(drop) > 0 {
			run = withoutKeys(cmd.Name, argv, drop)
		}
		if run == nil {
			c.Raw(blockNull(cmd.Name))
		} else {
			c.run(run)
		}
		if string(c.out) == string(blockNull(cmd.Name)) {
			// Not recorded: a retry of this attempt may run again, as
			// nothing was taken. (Clients held back by a claim try every
			// claimRetry; recording each null would crowd the table.)
			q.register(id, db, zset, names, f.st.clock+lease)
			return &Result{Replies: [][]byte{c.out}}, nil
		}
		// Served, or an error: it waits no more, and the clients behind
		// it on its other keys may be first now.
		c.dropped(q.remove(id))
	}
	f.st.once.add(attempt, f.st.clock, c.out)
	return &Result{Replies: [][]byte{c.out}}, nil
}

func decodeIDs(d *decoder) []string {
	n := d.count()
	ids := make([]string, 0, n)
	for i := 0; i < n && d.err == nil; i++ {
		ids = append(ids, string(d.bytes()))
	}
	return ids
}

func applyUnblock(f *FSM, index uint64, body []byte) (*Result, error) {
	d := decoder{b: body}
	nowMs := d.varint()
	ids := decodeIDs(&d)
	if d.err != nil {
		return nil, d.err
	}
	f.tick(nowMs)
	c := f.applyCtx(index, 0)
	for _, id := range ids {
		c.dropped(f.st.waitq.remove(id))
	}
	return &Result{}, nil
}

func applyRefresh(f *FSM, index uint64, body []byte) (*Result, error) {
	d := decoder{b: body}
	nowMs := d.varint()
	lease := d.varint()
	ids := decodeIDs(&d)
	if d.err != nil {
		return nil, d.err
	}
	f.tick(nowMs)
	q := f.st.waitq
	for _, id := range ids {
		if w, ok := q.byID[id]; ok {
			w.until = max(w.until, f.st.clock+lease)
		}
	}
	q.lapse(f.applyCtx(index, 0))
	return &Result{}, nil
}

func init() {
	applyFuncs[EntryBlock] = applyBlock
	applyFuncs[EntryUnblock] = applyUnblock
	applyFuncs[EntryRefresh] = applyRefresh
}

// appendWaitQueue is the queue's snapshot section: uvarint next seq,
// uvarint n, n x (bytes id, uvarint seq, uvarint db, byte zset, varint
// until, uvarint k, k x bytes key), in registration order.
func appendWaitQueue(b []byte, q *waitQueue) []byte {
	b = binary.AppendUvarint(b, q.next)
	ws := q.ordered()
	b = binary.AppendUvarint(b, uint64(len(ws)))
	for _, w := range ws {
		b = appendBytes(b, []byte(w.id))
		b = binary.AppendUvarint(b, w.seq)
		b = binary.AppendUvarint(b, uint64(w.db))
		z := byte(0)
		if w.zset {
			z = 1
		}
		b = append(b, z)
		b = binary.AppendVarint(b, w.until)
		b = binary.AppendUvarint(b, uint64(len(w.keys)))
		for _, k := range w.keys {
			b = appendBytes(b, []byte(k))
		}
	}
	return b
}

func readWaitQueue(r *crcReader) *waitQueue {
	q := newWaitQueue()
	q.next = r.uvarint()
	n := r.uvarint()
	for i := uint64(0); i < n && r.err == nil; i++ {
		w := &queued{id: string(r.bytes()), seq: r.uvarint(), db: int(r.uvarint())}
		z, err := r.ReadByte()
		if err != nil && r.err == nil {
			r.err = err
		}
		w.zset = z == 1
		w.until = r.varint()
		nk := r.uvarint()
		for j := uint64(0); j < nk && r.err == nil; j++ {
			w.keys = append(w.keys, string(r.bytes()))
		}
		if r.err == nil {
			q.add(w)
		}
	}
	return q
}
