package fsm

import (
	"encoding/binary"
	"math"

	"github.com/tidwall/btree"
)

// listValue is a Redis list.
//
// The elements live in a tidwall/btree BTreeG ordered by an int64
// position that only this file ever sees. The choice, over a slice or a
// chunked quicklist:
//   - clone is the B-tree's O(1) copy-on-write Copy, so Snapshot stays O(1)
//     however long the list is, and the first write after a snapshot copies
//     only the O(log n) nodes it touches;
//   - the tree counts its subtrees, so GetAt/DeleteAt find the i-th element
//     in O(log n): LINDEX, LSET and the start of LRANGE are O(log n), not
//     O(n); LPUSH/RPUSH/LPOP/RPOP are O(log n) at either end;
//   - positions are spaced listGap apart; a push takes the end position
//     -/+ listGap, an insert in the middle takes the midpoint of its two
//     neighbours. When no integer is left between two neighbours, or a push
//     would leave the int64 range, the list is renumbered (O(n), which only
//     LINSERT, itself O(n) in Redis, can provoke more than once per 2^42
//     pushes).
//
// Positions are layout, not content: the digest and the snapshot encoding
// only see the elements in order, and a restored list is renumbered from
// scratch, so replicas whose positions differ are still equal. Nothing in a
// reply depends on a position, and positions are a pure function of the
// history of the list, so Apply stays deterministic either way.
//
// Stored elements are never changed in place (LSET replaces the item), so
// a clone may share them.
type listValue struct {
	t *btree.BTreeG[listItem]
}

type listItem struct {
	pos int64
	v   []byte
}

func listItemLess(a, b listItem) bool { return a.pos < b.pos }

const (
	typeList byte = 3

	// listGap is the distance between the positions of neighbours that
	// were pushed: room for 20 halvings by LINSERT before a renumbering.
	listGap int64 = 1 << 20
)

func newList() *listValue {
	return &listValue{t: btree.NewBTreeGOptions(listItemLess, btree.Options{NoLocks: true, Degree: 32})}
}

func (v *listValue) Type() string   { return "list" }
func (v *listValue) typeByte() byte { return typeList }
func (v *listValue) clone() value   { return &listValue{t: v.t.Copy()} }

// digest adds one record holding every element in order: a list's content
// is its sequence, so [a b] and [b a] digest differently (the element
// boundaries are length-prefixed by add).
func (v *listValue) digest(d *digester) {
	parts := make([][]byte, 0, v.Len())
	v.t.Scan(func(it listItem) bool {
		parts = append(parts, it.v)
		return true
	})
	d.add(parts...)
}

// encode writes uvarint count, then each element, head first, as bytes.
func (v *listValue) encode(b []byte) []byte {
	b = binary.AppendUvarint(b, uint64(v.Len()))
	v.t.Scan(func(it listItem) bool {
		b = appendBytes(b, it.v)
		return true
	})
	return b
}

func decodeList(b []byte) (value, error) {
	d := decoder{b: b}
	n := d.count()
	v := newList()
	for i := 0; i < n && d.err == nil; i++ {
		e := d.bytes()
		if d.err == nil {
			v.t.Load(listItem{pos: int64(i) * listGap, v: e})
		}
	}
	if d.err != nil {
		return nil, d.err
	}
	if len(d.b) != 0 {
		return nil, errBadContainer
	}
	return v, nil
}

func init() { valueCodecs[typeList] = decodeList }

// Len is the number of elements; a nil list is empty.
func (v *listValue) Len() int {
	if v == nil {
		return 0
	}
	return v.t.Len()
}

// At returns the element at index i (0 <= i < Len).
func (v *listValue) At(i int) []byte {
	it, _ := v.t.GetAt(i)
	return it.v
}

// Set replaces the element at index i (0 <= i < Len) with e.
func (v *listValue) Set(i int, e []byte) {
	it, _ := v.t.GetAt(i)
	v.t.Set(listItem{pos: it.pos, v: e})
}

// PushLeft adds e at the head.
func (v *listValue) PushLeft(e []byte) {
	first, ok := v.t.Min()
	if !ok {
		v.t.Set(listItem{pos: 0, v: e})
		return
	}
	if first.pos < math.MinInt64+listGap {
		v.renumber()
		first, _ = v.t.Min()
	}
	v.t.Set(listItem{pos: first.pos - listGap, v: e})
}

// PushRight adds e at the tail.
func (v *listValue) PushRight(e []byte) {
	last, ok := v.t.Max()
	if !ok {
		v.t.Set(listItem{pos: 0, v: e})
		return
	}
	if last.pos > math.MaxInt64-listGap {
		v.renumber()
		last, _ = v.t.Max()
	}
	v.t.Load(listItem{pos: last.pos + listGap, v: e})
}

// Insert puts e before the element at index i (0 <= i <= Len; Len appends).
func (v *listValue) Insert(i int, e []byte) {
	n := v.Len()
	switch {
	case i <= 0:
		v.PushLeft(e)
		return
	case i >= n:
		v.PushRight(e)
		return
	}
	prev, _ := v.t.GetAt(i - 1)
	next, _ := v.t.GetAt(i)
	// The distance is taken in uint64: it may exceed MaxInt64.
	if uint64(next.pos)-uint64(prev.pos) < 2 {
		v.renumber()
		prev, _ = v.t.GetAt(i - 1)
		next, _ = v.t.GetAt(i)
	}
	v.t.Set(listItem{pos: prev.pos + int64((uint64(next.pos)-uint64(prev.pos))/2), v: e})
}

// PopLeft removes and returns the head element.
func (v *listValue) PopLeft() ([]byte, bool) {
	it, ok := v.t.PopMin()
	return it.v, ok
}

// PopRight removes and returns the tail element.
func (v *listValue) PopRight() ([]byte, bool) {
	it, ok := v.t.PopMax()
	return it.v, ok
}

// renumber spaces the positions listGap apart again, centred on 0.
func (v *listValue) renumber() {
	n := v.Len()
	t := btree.NewBTreeGOptions(listItemLess, btree.Options{NoLocks: true, Degree: 32})
	pos := -int64(n/2) * listGap
	v.t.Scan(func(it listItem) bool {
		t.Load(listItem{pos: pos, v: it.v})
		pos += listGap
		return true
	})
	v.t = t
}

// Range calls fn for the elements from index start (0 <= start), head to
// tail, until fn returns false or the list ends.
func (v *listValue) Range(start int, fn func(i int, e []byte) bool) {
	first, ok := v.t.GetAt(start)
	if !ok {
		return
	}
	i := start
	v.t.Ascend(first, func(it listItem) bool {
		cont := fn(i, it.v)
		i++
		return cont
	})
}

// RangeReverse calls fn for the elements from index start (start < Len)
// towards the head, until fn returns false or the head is passed.
func (v *listValue) RangeReverse(start int, fn func(i int, e []byte) bool) {
	last, ok := v.t.GetAt(start)
	if !ok {
		return
	}
	i := start
	v.t.Descend(last, func(it listItem) bool {
		cont := fn(i, it.v)
		i--
		return cont
	})
}

// RemoveAt removes the elements at the given indexes (any order, no
// repeats).
func (v *listValue) RemoveAt(idx []int) {
	pos := make([]int64, len(idx))
	for k, i := range idx {
		it, _ := v.t.GetAt(i)
		pos[k] = it.pos
	}
	for _, p := range pos {
		v.t.Delete(listItem{pos: p})
	}
}

// Trim keeps the elements at indexes [start, end] (0 <= start <= end <
// Len) and removes the others. When few are kept, they are copied to a
// new tree rather than the many others deleted one by one.
func (v *listValue) Trim(start, end int) {
	n := v.Len()
	kept := end - start + 1
	if removed := n - kept; removed > kept {
		t := btree.NewBTreeGOptions(listItemLess, btree.Options{NoLocks: true, Degree: 32})
		v.Range(start, func(i int, e []byte) bool {
			if i > end {
				return false
			}
			t.Load(listItem{pos: int64(i-start) * listGap, v: e})
			return true
		})
		v.t = t
		return
	}
	for i := 0; i < start; i++ {
		v.t.PopMin()
	}
	for i := end + 1; i < n; i++ {
		v.t.PopMax()
	}
}
