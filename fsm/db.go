package fsm

import (
	"sync/atomic"

	"github.com/tidwall/btree"
)

// value is what a key holds. Each Redis type (string, hash, set, and later
// list, zset, ...) is one implementation in its own file, registered in
// valueCodecs by its snapshot type byte.
type value interface {
	// Type is the TYPE reply: "string", "hash", "set", ...
	Type() string
	// clone returns a copy that may be changed without affecting the
	// receiver. It must be cheap (O(1) copy-on-write for containers).
	clone() value
	// digest feeds the value's logical content into d, independent of
	// internal layout and order.
	digest(d *digester)
	// encode appends the snapshot encoding of the value (without the type
	// byte, which the caller writes).
	encode(b []byte) []byte
	// typeByte is the snapshot/record type; append-only, never reused.
	typeByte() byte
}

// entry is one key of a database.
type entry struct {
	val      value
	expireAt int64  // unix ms; 0 means no expiry
	version  uint64 // log index of the last change (WATCH)
	gen      uint64 // snapshot generation the entry was created in (copy-on-write)
	// atime is when this node last looked the key up (unix ms), for
	// OBJECT IDLETIME: node-local, as a Redis replica's LRU clock, kept
	// out of snapshots and digests, and read and written atomically
	// because reads under the shared lock store it.
	atime int64
}

// accessed returns e's access time.
func (e *entry) accessed() int64 { return atomic.LoadInt64(&e.atime) }

// ttlItem orders keys by expiry time for active expiry.
type ttlItem struct {
	at  int64
	key string
}

func ttlLess(a, b ttlItem) bool {
	if a.at != b.at {
		return a.at < b.at
	}
	return a.key < b.key
}

// tombstoneCap bounds how many deleted keys a database remembers for WATCH.
// An EXEC whose observed index is older than the oldest forgotten tombstone
// aborts conservatively for keys that are absent.
const tombstoneCap = 1 << 16

// DB is one numbered Redis database.
type DB struct {
	keys *omap[*entry]
	// ttl indexes keys with an expiry, for active expiry and INFO keyspace.
	// It is derived from keys: rebuilt on restore, never snapshotted.
	ttl *btree.BTreeG[ttlItem]
	// flushVersion is the log index of the last FLUSHDB/FLUSHALL/SWAPDB
	// that touched this database.
	flushVersion uint64
	// tombs remembers the log index at which recently deleted keys went.
	tombs   map[string]uint64
	tombQ   []string // deletion order, oldest first, for bounding tombs
	horizon uint64   // largest version of a forgotten tombstone
}

func newDB() *DB {
	return &DB{
		keys:  newOmap[*entry](),
		ttl:   btree.NewBTreeGOptions(ttlLess, btree.Options{NoLocks: true}),
		tombs: make(map[string]uint64),
	}
}

// Len is the number of keys physically present (including expired keys not
// yet reclaimed).
func (db *DB) Len() int { return db.keys.Len() }

// Expires is the number of keys with an expiry.
func (db *DB) Expires() int { return db.ttl.Len() }

func (db *DB) addTombstone(key string, index uint64) {
	if _, ok := db.tombs[key]; !ok {
		db.tombQ = append(db.tombQ, key)
	}
	db.tombs[key] = index
	for len(db.tombs) > tombstoneCap && len(db.tombQ) > 0 {
		old := db.tombQ[0]
		db.tombQ = db.tombQ[1:]
		if v, ok := db.tombs[old]; ok {
			if v > db.horizon {
				db.horizon = v
			}
			delete(db.tombs, old)
		}
	}
	if len(db.tombQ) > 2*tombstoneCap {
		// Compact keys that were re-deleted (and so queued twice).
		q := make([]string, 0, len(db.tombs))
		seen := make(map[string]bool, len(db.tombs))
		for _, k := range db.tombQ {
			if _, ok := db.tombs[k]; ok && !seen[k] {
				seen[k] = true
				q = append(q, k)
			}
		}
		db.tombQ = q
	}
}

// changedSince reports whether key may have changed after index obs, for
// WATCH: it is true when the key was written, deleted, or touched by a
// FLUSHDB/SWAPDB after obs (its version or tombstone is newer), when the
// whole database was stamped after obs, when the key is present but
// logically expired at now, or when obs is older than the tombstone horizon
// and the key is absent.
func (db *DB) changedSince(key string, obs uint64, now int64) bool {
	if db.flushVersion > obs {
		return true
	}
	if e, ok := db.keys.Get(key); ok {
		if e.version > obs {
			return true
		}
		if v, ok := db.tombs[key]; ok && v > obs {
			return true // moved here by SWAPDB after obs
		}
		return e.expireAt != 0 && e.expireAt <= now
	}
	if v, ok := db.tombs[key]; ok {
		return v > obs
	}
	return obs < db.horizon
}
