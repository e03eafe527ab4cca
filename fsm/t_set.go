package fsm

import "encoding/binary"

// setValue is a Redis set, its members in omap order (the same on every
// replica, which SPOP, SRANDMEMBER and SSCAN rely on).
type setValue struct{ m *omap[struct{}] }

const typeSet byte = 2

func newSet() *setValue { return &setValue{m: newOmap[struct{}]()} }

func (v *setValue) Type() string   { return "set" }
func (v *setValue) typeByte() byte { return typeSet }
func (v *setValue) clone() value   { return &setValue{m: v.m.Copy()} }

// digest adds one record per member: order-independent.
func (v *setValue) digest(d *digester) {
	v.m.Each(func(k string, _ struct{}) bool {
		d.add([]byte(k))
		return true
	})
}

// encode writes uvarint count, then each member as bytes.
func (v *setValue) encode(b []byte) []byte {
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

func init() { valueCodecs[typeSet] = decodeSet }

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
