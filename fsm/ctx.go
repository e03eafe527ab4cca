package fsm

import (
	"log/slog"
	"math/rand/v2"
	"sync/atomic"
)

// Ctx is what a command handler sees. The same handler serves three uses:
//
//   - check: before anything is proposed, resp runs the handler with
//     Checking() true and no state; the handler parses its arguments,
//     appends a syntax error if there is one, and returns before touching
//     any key. Nothing with a syntax error ever reaches the log.
//   - apply: inside Apply, with Now the entry's (monotonic) time, Index the
//     log index and a PRNG seeded by that index.
//   - read: a read-only command against local state under the read lock,
//     with Now the node's own clock.
type Ctx struct {
	st    *state
	db    *DB
	dbi   int
	Now   int64  // unix milliseconds: the clock expiry is judged by
	Index uint64 // log index of the entry being applied; 0 for local reads

	check bool
	// noTouch: lookups leave the keys' access times alone (the command
	// has FlagNoTouch).
	noTouch bool
	ndb     int // number of databases, in the check phase (st is nil there)
	rng     *rand.Rand
	seed    uint64

	out []byte
	log *slog.Logger // where call reports a handler's panic
	// expired counts the keys Apply removes because they had expired (the
	// FSM's ExpiredCount); nil outside Apply.
	expired *atomic.Int64

	ready *readyBatch // changed keys, when a ready hook wants them (blocking.go)
}

// Checking reports whether the handler runs in the syntax-check phase; a
// handler returns as soon as it has parsed its arguments when it does.
func (c *Ctx) Checking() bool { return c.check }

// Rand returns the deterministic PRNG of the entry being applied, or a
// node-local one for reads.
func (c *Ctx) Rand() *rand.Rand {
	if c.rng == nil {
		c.rng = rand.New(rand.NewPCG(c.seed, c.Index^0x9e3779b97f4a7c15))
	}
	return c.rng
}

// selectDB switches the context to database i (SELECT inside EXEC).
func (c *Ctx) selectDB(i int) bool {
	if i < 0 || i >= len(c.st.dbs) {
		return false
	}
	c.dbi = i
	c.db = c.st.dbs[i]
	return true
}

// live returns the entry for key if it exists and has not expired at c.Now.
func (c *Ctx) live(db *DB, key string) *entry {
	e, ok := db.keys.Get(key)
	if !ok || (e.expireAt != 0 && e.expireAt <= c.Now) {
		return nil
	}
	if !c.noTouch {
		atomic.StoreInt64(&e.atime, c.Now)
	}
	return e
}

// lookup returns the live entry of key in the current database, or nil.
func (c *Ctx) lookup(key []byte) *entry { return c.live(c.db, string(key)) }

// lookupType returns the live value of key if it has type T. ok is false
// (and a WRONGTYPE error has been appended) when the key holds another type;
// v is the zero T when the key is absent.
func lookupType[T value](c *Ctx, key []byte) (v T, ok bool) {
	e := c.lookup(key)
	if e == nil {
		return v, true
	}
	t, isT := e.val.(T)
	if !isT {
		c.Error(ErrWrongType)
		return v, false
	}
	return t, true
}

// mutable returns key's live entry ready to be changed in place: if the
// entry is shared with a snapshot it is cloned first. It marks the entry as
// changed at c.Index. Nil if the key does not exist (or has expired).
func (c *Ctx) mutable(key string) *entry {
	return c.mutableIn(c.db, key)
}

func (c *Ctx) mutableIn(db *DB, key string) *entry {
	e := c.live(db, key)
	if e == nil {
		return nil
	}
	if e.gen != c.st.gen {
		ne := &entry{val: e.val.clone(), expireAt: e.expireAt, gen: c.st.gen, atime: c.Now}
		db.keys.Set(key, ne)
		e = ne
	}
	e.version = c.Index
	c.touch(db, key)
	return e
}

// mutableType is mutable for a key that must hold a T: it returns the
// value to change in place, or (zero, true) when the key is absent, or
// (zero, false) with a WRONGTYPE error appended.
func mutableType[T value](c *Ctx, key []byte) (T, bool) {
	var zero T
	e := c.live(c.db, string(key))
	if e == nil {
		return zero, true
	}
	if _, isT := e.val.(T); !isT {
		c.Error(ErrWrongType)
		return zero, false
	}
	return c.mutable(string(key)).val.(T), true
}

// setValue stores v under key in the current database, replacing whatever
// was there and clearing its expiry.
func (c *Ctx) setValue(key string, v value) { c.setValueIn(c.db, key, v, 0) }

// setValueKeepTTL stores v under key, keeping a live key's expiry.
func (c *Ctx) setValueKeepTTL(key string, v value) {
	var at int64
	if e := c.live(c.db, key); e != nil {
		at = e.expireAt
	}
	c.setValueIn(c.db, key, v, at)
}

func (c *Ctx) setValueIn(db *DB, key string, v value, expireAt int64) {
	old, ok := db.keys.Swap(key, &entry{val: v, expireAt: expireAt, version: c.Index, gen: c.st.gen, atime: c.Now})
	if ok && old.expireAt != 0 {
		db.ttl.Delete(ttlItem{at: old.expireAt, key: key})
		if old.expireAt <= c.Now {
			c.countExpired()
		}
	}
	c.touch(db, key)
	if expireAt != 0 {
		db.ttl.Set(ttlItem{at: expireAt, key: key})
	}
}

// setExpire sets (at > 0) or clears (at == 0) the expiry of a live key.
func (c *Ctx) setExpire(key string, at int64) {
	db := c.db
	e := c.mutable(key)
	if e == nil {
		return
	}
	if e.expireAt != 0 {
		db.ttl.Delete(ttlItem{at: e.expireAt, key: key})
	}
	e.expireAt = at
	if at != 0 {
		db.ttl.Set(ttlItem{at: at, key: key})
	}
}

// remove deletes key from db (live or expired) and records a tombstone.
// It reports whether the key was physically present.
func (c *Ctx) remove(db *DB, key string) bool {
	old, ok := db.keys.Delete(key)
	if !ok {
		return false
	}
	if old.expireAt != 0 {
		db.ttl.Delete(ttlItem{at: old.expireAt, key: key})
	}
	db.addTombstone(key, c.Index)
	return true
}

// del deletes a live key of the current database and reports whether it
// existed. An expired key is removed too but counts as absent, as in Redis.
func (c *Ctx) del(key string) bool {
	live := c.live(c.db, key) != nil
	if c.remove(c.db, key) && !live {
		c.countExpired()
	}
	return live
}

func (c *Ctx) countExpired() {
	if c.expired != nil {
		c.expired.Add(1)
	}
}

// deleteIfEmpty removes key when its container value became empty, as Redis
// does for hashes, sets and lists.
func (c *Ctx) deleteIfEmpty(key []byte, n int) {
	if n == 0 {
		c.remove(c.db, string(key))
	}
}

// numDBs is the number of databases, in every phase.
func (c *Ctx) numDBs() int {
	if c.st != nil {
		return len(c.st.dbs)
	}
	return c.ndb
}
