package fsm

// strValue is a Redis string. enc is what OBJECT ENCODING reports, which
// in Redis depends on the command that made the value, not only on its
// bytes (see strEnc).
type strValue struct {
	b   []byte
	enc strEnc
}

// strEnc is how Redis would hold a string:
//   - encAuto: as tryObjectEncoding leaves it (SET, INCR, RESTORE, APPEND
//     to a new key...): "int", "embstr" up to 44 bytes, else "raw";
//   - encRaw: "raw" whatever the bytes, for a string changed in place or
//     built as a buffer (APPEND to an existing key, SETRANGE, SETBIT,
//     BITFIELD writes, BITOP, PFADD, PFMERGE);
//   - encNoInt: "embstr" or "raw" by length, never "int" (INCRBYFLOAT).
type strEnc byte

const (
	encAuto strEnc = iota
	encRaw
	encNoInt
)

const (
	typeString byte = 0
	// typeStringEnc is a string whose enc is not encAuto: one byte of enc,
	// then the bytes. Plain strings keep typeString, as older snapshots.
	typeStringEnc byte = 5
)

func (v *strValue) Type() string { return "string" }
func (v *strValue) typeByte() byte {
	if v.enc == encAuto {
		return typeString
	}
	return typeStringEnc
}
func (v *strValue) clone() value       { return &strValue{b: append([]byte(nil), v.b...), enc: v.enc} }
func (v *strValue) digest(d *digester) { d.add(v.b) }
func (v *strValue) encode(b []byte) []byte {
	if v.enc != encAuto {
		b = append(b, byte(v.enc))
	}
	return append(b, v.b...)
}

func init() {
	valueCodecs[typeString] = func(b []byte) (value, error) { return &strValue{b: b}, nil }
	valueCodecs[typeStringEnc] = func(b []byte) (value, error) {
		if len(b) == 0 || (strEnc(b[0]) != encRaw && strEnc(b[0]) != encNoInt) {
			return nil, ErrBadSnapshot
		}
		return &strValue{b: b[1:], enc: strEnc(b[0])}, nil
	}
}

// newString stores a copy of b: argv buffers belong to the decoded entry,
// which we do not want to pin in memory for the key's lifetime.
func newString(b []byte) *strValue { return &strValue{b: append([]byte(nil), b...)} }

// encoding is OBJECT ENCODING's answer for v.
func (v *strValue) encoding() string {
	switch v.enc {
	case encRaw:
		return "raw"
	case encNoInt:
		if len(v.b) <= embstrLimit {
			return "embstr"
		}
		return "raw"
	}
	return stringEncoding(v.b)
}

// embstrLimit is OBJ_ENCODING_EMBSTR_SIZE_LIMIT.
const embstrLimit = 44

// markRaw makes the string at key report "raw", as Redis's
// dbUnshareStringValue does, without stamping the key: SETBIT unshares a
// string even when the bit it sets was already set.
func (c *Ctx) markRaw(key string) {
	e := c.live(c.db, key)
	if e == nil {
		return
	}
	v, ok := e.val.(*strValue)
	if !ok || v.enc == encRaw {
		return
	}
	c.replaceRaw(key, e, append([]byte(nil), v.b...), e.version)
}

// replaceRaw puts a "raw" string of b in place of the live entry e at
// key, keeping its expiry, with version as its WATCH version.
func (c *Ctx) replaceRaw(key string, e *entry, b []byte, version uint64) {
	c.db.keys.Set(key, &entry{val: &strValue{b: b, enc: encRaw},
		expireAt: e.expireAt, version: version, gen: c.st.gen, atime: c.Now})
}
