package fsm

import (
	"encoding/binary"
	"errors"
)

// hashValue is a Redis hash: field -> value, in insertion order while it
// is small and in omap order after (see hashMap); either order is the same
// on every replica, which HRANDFIELD and HSCAN rely on. Stored values are
// never changed in place, only replaced, so a copy made by clone can share
// them.
type hashValue struct{ m *hashMap }

const typeHash byte = 1

func newHash() *hashValue { return &hashValue{m: newHashMap()} }

func (v *hashValue) Type() string   { return "hash" }
func (v *hashValue) typeByte() byte { return typeHash }
func (v *hashValue) clone() value   { return &hashValue{m: v.m.Copy()} }

// digest adds one record per field, so the result does not depend on the
// order fields are visited in.
func (v *hashValue) digest(d *digester) {
	v.m.Each(func(f string, val []byte) bool {
		d.add([]byte(f), val)
		return true
	})
}

// encode writes uvarint count, then per field: bytes field, bytes value
// ("bytes" being a uvarint length and the bytes).
func (v *hashValue) encode(b []byte) []byte {
	b = binary.AppendUvarint(b, uint64(v.m.Len()))
	v.m.Each(func(f string, val []byte) bool {
		b = binary.AppendUvarint(b, uint64(len(f)))
		b = append(b, f...)
		b = appendBytes(b, val)
		return true
	})
	return b
}

var errBadContainer = errors.New("bad container encoding")

func decodeHash(b []byte) (value, error) {
	d := decoder{b: b}
	n := d.count()
	v := newHash()
	for i := 0; i < n && d.err == nil; i++ {
		f := d.bytes()
		val := d.bytes()
		if d.err == nil && !v.m.Set(string(f), val) {
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

func init() { valueCodecs[typeHash] = decodeHash }
