package fsm

// strValue is a Redis string.
type strValue struct{ b []byte }

const typeString byte = 0

func (v *strValue) Type() string           { return "string" }
func (v *strValue) typeByte() byte         { return typeString }
func (v *strValue) clone() value           { return &strValue{b: append([]byte(nil), v.b...)} }
func (v *strValue) digest(d *digester)     { d.add(v.b) }
func (v *strValue) encode(b []byte) []byte { return append(b, v.b...) }

func init() {
	valueCodecs[typeString] = func(b []byte) (value, error) { return &strValue{b: b}, nil }
}

// newString stores a copy of b: argv buffers belong to the decoded entry,
// which we do not want to pin in memory for the key's lifetime.
func newString(b []byte) *strValue { return &strValue{b: append([]byte(nil), b...)} }
