package fsm

import (
	"encoding/binary"
	"math"
)

// setValue is a Redis set, its members in omap order (the same on every
// replica, which SPOP, SRANDMEMBER and SSCAN rely on). Two things Redis
// keeps from a set's history show in OBJECT ENCODING and DUMP: ht is set
// once the set has held a member or a size an intset cannot (it stays a
// hashtable when removals would let an intset hold the rest), and width
// is the widest integer (2, 4 or 8 bytes) its intset has had to hold (an
// intset never narrows); 0 means no wider than its members need.
type setValue struct {
	m     *omap[struct{}]
	ht    bool
	width uint8
}

const (
	typeSet byte = 2
	// typeSetEnc is a set whose ht or width is set: one byte of flags
	// (1: ht), one of width, then the payload of typeSet.
	typeSetEnc byte = 6
)

func newSet() *setValue { return &setValue{m: newOmap[struct{}]()} }

func (v *setValue) Type() string { return "set" }
func (v *setValue) typeByte() byte {
	if v.ht || v.width != 0 {
		return typeSetEnc
	}
	return typeSet
}
func (v *setValue) clone() value { return &setValue{m: v.m.Copy(), ht: v.ht, width: v.width} }

// add inserts member and reports whether it was new, converting the set
// to a hashtable or widening its intset as Redis's setTypeAdd would.
func (v *setValue) add(member string) bool {
	if !v.m.Set(member, struct{}{}) {
		return false
	}
	if !v.ht {
		n, isInt := parseInt([]byte(member))
		switch {
		case !isInt || v.m.Len() > setMaxIntsetEntries:
			v.ht = true
		default:
			v.width = max(v.width, intsetWidth(n))
		}
	}
	return true
}

// intsetWidth is the bytes an intset needs for n: 2, 4 or 8.
func intsetWidth(n int64) uint8 {
	switch {
	case n < math.MinInt32 || n > math.MaxInt32:
		return 8
	case n < math.MinInt16 || n > math.MaxInt16:
		return 4
	}
	return 2
}

// isIntset reports whether Redis would hold v as an intset.
func (v *setValue) isIntset() bool {
	if v.ht {
		return false
	}
	_, ok := setIntegers(v)
	return ok
}

// reencode gives v the encoding of a set built afresh from its members.
func (v *setValue) reencode() {
	_, ints := setIntegers(v)
	v.ht, v.width = !ints, 0
}

// digest adds one record per member: order-independent.
func (v *setValue) digest(d *digester) {
	v.m.Each(func(k string, _ struct{}) bool {
		d.add([]byte(k))
		return true
	})
}

// encode writes uvarint count, then each member as bytes (after the flags
// and width for typeSetEnc).
func (v *setValue) encode(b []byte) []byte {
	if v.typeByte() == typeSetEnc {
		var flags byte
		if v.ht {
			flags = 1
		}
		b = append(b, flags, v.width)
	}
	b = binary.AppendUvarint(b, uint64(v.m.Len()))
	v.m.Each(func(k string, _ struct{}) bool {
		b = binary.AppendUvarint(b, uint64(len(k)))
		b = append(b, k...)
		return true
	})
	return b
}

func decodeSet(b []byte) (value, error) {
	d := decoder{b: b}
	n := d.count()
	v := newSet()
	for i := 0; i < n && d.err == nil; i++ {
		k := d.bytes()
		if d.err == nil && !v.m.Set(string(k), struct{}{}) {
			return nil, errBadContainer
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

func init() {
	valueCodecs[typeSet] = decodeSet
	valueCodecs[typeSetEnc] = func(b []byte) (value, error) {
		if len(b) < 2 || b[0] > 1 || (b[1] != 0 && b[1] != 2 && b[1] != 4 && b[1] != 8) {
			return nil, errBadContainer
		}
		v, err := decodeSet(b[2:])
		if err != nil {
			return nil, err
		}
		s := v.(*setValue)
		s.ht, s.width = b[0] == 1, b[1]
		return s, nil
	}
}

// has reports whether member is in the set; a nil set is empty.
func (v *setValue) has(member string) bool {
	if v == nil {
		return false
	}
	_, ok := v.m.Get(member)
	return ok
}

// size is the number of members; a nil set is empty.
func (v *setValue) size() int {
	if v == nil {
		return 0
	}
	return v.m.Len()
}
