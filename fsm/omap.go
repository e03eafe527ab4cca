package fsm

import (
	"github.com/tidwall/btree"
)

// omap is the one ordered container of the state machine: the keyspace of a
// database, the fields of a hash and the members of a set are all omaps.
//
// Items are ordered by (hash(key), key), with a fixed hash function, so:
//   - iteration order is the same on every replica (SPOP, SRANDMEMBER,
//     RANDOMKEY and HRANDFIELD pick by rank with a log-index-seeded PRNG);
//   - a SCAN cursor is simply the hash to resume from, which gives Redis's
//     guarantee (an element present for the whole scan is returned) without
//     any server-side cursor state;
//   - Copy is O(1) copy-on-write (tidwall/btree), which is what lets
//     Snapshot return at once.
type omap[V any] struct {
	t *btree.BTreeG[item[V]]
}

type item[V any] struct {
	h uint64
	k string
	v V
}

func itemLess[V any](a, b item[V]) bool {
	if a.h != b.h {
		return a.h < b.h
	}
	return a.k < b.k
}

func newOmap[V any]() *omap[V] {
	return &omap[V]{t: btree.NewBTreeGOptions(itemLess[V], btree.Options{NoLocks: true, Degree: 32})}
}

// keyHash is FNV-1a, folded into [1, 2^63] so that 0 can mean "scan
// finished" and cursors stay positive in every client library.
func keyHash(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h>>1 + 1
}

func (m *omap[V]) Len() int { return m.t.Len() }

func (m *omap[V]) Get(k string) (V, bool) {
	it, ok := m.t.Get(item[V]{h: keyHash(k), k: k})
	return it.v, ok
}

// Set stores v under k and reports whether k was new.
func (m *omap[V]) Set(k string, v V) bool {
	_, replaced := m.t.Set(item[V]{h: keyHash(k), k: k, v: v})
	return !replaced
}

// Swap stores v under k and returns the value it replaced, if any: Get
// and Set in one descent of the tree.
func (m *omap[V]) Swap(k string, v V) (V, bool) {
	old, replaced := m.t.Set(item[V]{h: keyHash(k), k: k, v: v})
	return old.v, replaced
}

// Delete removes k and returns its old value.
func (m *omap[V]) Delete(k string) (V, bool) {
	it, ok := m.t.Delete(item[V]{h: keyHash(k), k: k})
	return it.v, ok
}

// At returns the i-th item in iteration order (0 <= i < Len).
func (m *omap[V]) At(i int) (string, V) {
	it, _ := m.t.GetAt(i)
	return it.k, it.v
}

// Each calls fn for every item in order until fn returns false.
func (m *omap[V]) Each(fn func(k string, v V) bool) {
	m.t.Scan(func(it item[V]) bool { return fn(it.k, it.v) })
}

// Copy returns an O(1) copy-on-write copy. Both copies may then be changed
// independently; a copy may be read from another goroutine while the
// original is written, as long as Copy itself ran under the writer's lock.
func (m *omap[V]) Copy() *omap[V] { return &omap[V]{t: m.t.Copy()} }

// Scan visits items starting at cursor, calling fn until it has visited at
// least count items, never stopping inside a run of equal hashes. It returns
// the cursor to continue from, or 0 when the end was reached.
func (m *omap[V]) Scan(cursor uint64, count int, fn func(k string, v V)) uint64 {
	if count < 1 {
		count = 1
	}
	var next uint64
	var last uint64
	n := 0
	m.t.Ascend(item[V]{h: cursor}, func(it item[V]) bool {
		if n >= count && it.h != last {
			next = it.h
			return false
		}
		fn(it.k, it.v)
		last = it.h
		n++
		return true
	})
	return next
}
