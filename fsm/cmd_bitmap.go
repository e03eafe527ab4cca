package fsm

import (
	"bytes"
	"math"
	"math/bits"
)

// Bitmap commands (Redis's "bitmap" group). A bitmap is a Redis string:
// bit 0 is the most significant bit of byte 0, and bits past the end of
// the string read as 0.
//
// Which errors the check phase can report follows Redis 7.0: SETBIT,
// GETBIT, BITOP and BITFIELD parse all their arguments before they look at
// the key, BITPOS parses its bit argument first; BITCOUNT looks the key up
// before anything else, so "BITCOUNT nokey a b" is 0 and its argument
// errors are reported by the read.
//
// Versions (WATCH) follow Redis's signalModifiedKey: SETBIT stamps the key
// when it creates or grows the string or flips the bit; BITFIELD when a
// SET or INCRBY that did not FAIL changed its field, or created or grew
// the string. A BITFIELD whose writes all FAIL still creates or grows the
// string, as Redis does, without stamping it. BITOP always stamps its
// destination when it stores, and when it deletes an existing one.
func init() {
	register([]Command{
		{Name: "setbit", Syntax: "key offset value:integer", Arity: 4, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 1, Step: 1, Group: "bitmap", Summary: "Sets or clears the bit at an offset of a string, creating the key if needed.", Fn: cmdSetBit},
		{Name: "getbit", Syntax: "key offset", Arity: 3, Flags: FlagReadOnly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "bitmap", Summary: "Returns the bit at an offset of a string.", Fn: cmdGetBit},
		{Name: "bitcount", Syntax: "key [start end [BYTE | BIT]]", Arity: -2, Flags: FlagReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: "bitmap", Summary: "Counts the set bits of a string, or of a range of it.", Fn: cmdBitCount},
		{Name: "bitpos", Syntax: "key bit:integer [start [end [BYTE | BIT]]]", Arity: -3, Flags: FlagReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: "bitmap", Summary: "Finds the first set or clear bit of a string, or of a range of it.", Fn: cmdBitPos},
		{Name: "bitop", Syntax: "operation destkey:key key [key ...]", Arity: -4, Flags: FlagWrite | FlagDenyOOM, FirstKey: 2, LastKey: -1, Step: 1, Group: "bitmap", Summary: "Stores the bitwise AND, OR, XOR or NOT of strings in a key.", Fn: cmdBitOp},
		{Name: "bitfield", Syntax: "key [(GET encoding offset | [OVERFLOW <WRAP | SAT | FAIL>] <SET encoding offset value:integer | INCRBY encoding offset increment>) ...]", Arity: -2, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 1, Step: 1, Group: "bitmap", Summary: "Gets, sets and increments integer fields of arbitrary width in a string.", Fn: cmdBitField},
		{Name: "bitfield_ro", Syntax: "key [GET encoding offset [GET encoding offset ...]]", Arity: -2, Flags: FlagReadOnly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "bitmap", Summary: "Gets integer fields of arbitrary width from a string.", Fn: cmdBitFieldRO},
	})
}

const (
	errBitOffset     = "ERR bit offset is not an integer or out of range"
	errBitValue      = "ERR bit is not an integer or out of range"
	errBitArg        = "ERR The bit argument must be 1 or 0."
	errBitOpNot      = "ERR BITOP NOT must be called with a single source key."
	errBitfieldType  = "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."
	errOverflowType  = "ERR Invalid OVERFLOW type specified"
	errBitfieldROSet = "ERR BITFIELD_RO only supports the GET subcommand"
)

// parseBitOffset parses a bit offset as Redis's getBitOffsetFromArgument:
// an integer, or with hash "#n" meaning n fields of width bits. The offset
// must address a byte below proto-max-bulk-len. The multiplication wraps
// as the C code's does, and a wrapped negative is refused like any other.
func parseBitOffset(b []byte, hash bool, width int) (uint64, bool) {
	useHash := hash && len(b) > 1 && b[0] == '#'
	if useHash {
		b = b[1:]
	}
	off, isInt := parseInt(b)
	if !isInt {
		return 0, false
	}
	if useHash {
		off *= int64(width)
	}
	if off < 0 || off>>3 >= maxStringLen {
		return 0, false
	}
	return uint64(off), true
}

// bitAt returns bit off of s (0 past the end).
func bitAt(s []byte, off uint64) byte {
	if off>>3 >= uint64(len(s)) {
		return 0
	}
	return s[off>>3] >> (7 - off&7) & 1
}

// withBit returns byte b with bit 7-(off&7) set to bit.
func withBit(b byte, off uint64, bit byte) byte {
	mask := byte(1) << (7 - off&7)
	if bit != 0 {
		return b | mask
	}
	return b &^ mask
}

// SETBIT key offset value
func cmdSetBit(c *Ctx, argv [][]byte) {
	off, ok := parseBitOffset(argv[2], false, 0)
	if !ok {
		c.Error(errBitOffset)
		return
	}
	on, isInt := parseInt(argv[3])
	if !isInt || on&^1 != 0 {
		c.Error(errBitValue)
		return
	}
	if c.Checking() {
		return
	}
	v, ok := lookupType[*strValue](c, argv[1])
	if !ok {
		return
	}
	bit := byte(on)
	need := off>>3 + 1
	key := string(argv[1])
	if v == nil {
		b := make([]byte, need)
		b[off>>3] = withBit(0, off, bit)
		c.setValue(key, &strValue{b: b, enc: encRaw})
		c.Int(0)
		return
	}
	old := bitAt(v.b, off)
	if uint64(len(v.b)) >= need && old == bit {
		// Nothing changes: the key is not stamped, but Redis has
		// unshared the string.
		c.markRaw(key)
		c.Int(int64(old))
		return
	}
	v = c.mutable(key).val.(*strValue)
	v.enc = encRaw
	v.grow(need)
	v.b[off>>3] = withBit(v.b[off>>3], off, bit)
	c.Int(int64(old))
}

// grow pads the string with zero bytes to at least n bytes and reports
// whether it had to.
func (v *strValue) grow(n uint64) bool {
	if uint64(len(v.b)) >= n {
		return false
	}
	v.b = append(v.b, make([]byte, n-uint64(len(v.b)))...)
	return true
}

// GETBIT key offset
func cmdGetBit(c *Ctx, argv [][]byte) {
	off, ok := parseBitOffset(argv[2], false, 0)
	if !ok {
		c.Error(errBitOffset)
		return
	}
	if c.Checking() {
		return
	}
	v, ok := lookupType[*strValue](c, argv[1])
	if !ok {
		return
	}
	if v == nil {
		c.Int(0)
		return
	}
	c.Int(int64(bitAt(v.b, off)))
}

// cstr is b up to its first NUL byte: what C string functions (strcasecmp,
// strlen, strchr) see of an argument. Redis compares keywords that way, so
// "and\x00x" is the operation AND.
func cstr(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

// parseBitUnit parses BYTE or BIT; isBit is true for BIT.
func parseBitUnit(b []byte) (isBit, ok bool) {
	b = cstr(b)
	switch {
	case eqFold(b, "bit"):
		return true, true
	case eqFold(b, "byte"):
		return false, true
	}
	return false, false
}

// clampRange converts Redis's inclusive start/end (negative from the end)
// over n units into a range within [0, n-1]; start > end means empty.
func clampRange(start, end, n int64) (int64, int64) {
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	start = max(start, 0)
	end = max(end, 0)
	if end >= n {
		end = n - 1
	}
	return start, end
}

// BITCOUNT key [start end [BYTE | BIT]]
//
// As Redis 7.0: the key is looked up first (an absent key is 0 whatever
// the arguments), then start and end are parsed, and a negative range
// with start > end is 0 before the unit is even looked at.
func cmdBitCount(c *Ctx, argv [][]byte) {
	if c.Checking() {
		return
	}
	v, ok := lookupType[*strValue](c, argv[1])
	if !ok {
		return
	}
	if v == nil {
		c.Int(0)
		return
	}
	s := v.b
	n := int64(len(s))
	var lo, hi int64 // bit range, inclusive
	switch len(argv) {
	case 2:
		lo, hi = 0, n*8-1
	case 4, 5:
		start, isInt1 := parseInt(argv[2])
		if !isInt1 {
			c.Error(ErrNotInteger)
			return
		}
		end, isInt2 := parseInt(argv[3])
		if !isInt2 {
			c.Error(ErrNotInteger)
			return
		}
		if start < 0 && end < 0 && start > end {
			c.Int(0)
			return
		}
		isBit := false
		if len(argv) == 5 {
			if isBit, ok = parseBitUnit(argv[4]); !ok {
				c.Error(ErrSyntax)
				return
			}
		}
		units := n
		if isBit {
			units = n * 8
		}
		start, end = clampRange(start, end, units)
		if start > end {
			c.Int(0) // before scaling: start may be near MaxInt64
			return
		}
		lo, hi = start, end
		if !isBit {
			lo, hi = start*8, end*8+7
		}
	default:
		c.Error(ErrSyntax)
		return
	}
	if lo > hi {
		c.Int(0)
		return
	}
	c.Int(countBits(s, uint64(lo), uint64(hi)))
}

// countBits counts the set bits of s in the bit range [lo, hi], which
// lies within s.
func countBits(s []byte, lo, hi uint64) int64 {
	first, last := lo>>3, hi>>3
	var n int
	for _, b := range s[first : last+1] {
		n += bits.OnesCount8(b)
	}
	// Take off the bits of the edge bytes that lie outside the range.
	n -= bits.OnesCount8(s[first] & ^(0xff >> (lo & 7)))
	n -= bits.OnesCount8(s[last] & (0x7f >> (hi & 7)))
	return int64(n)
}

// BITPOS key bit [start [end [BYTE | BIT]]]
//
// Without an explicit end the string counts as padded with zeros to the
// right, so a search for a clear bit in a string of set bits finds the
// first bit past the end; with an explicit end it answers -1.
func cmdBitPos(c *Ctx, argv [][]byte) {
	b, isInt := parseInt(argv[2])
	if !isInt {
		c.Error(ErrNotInteger)
		return
	}
	if b != 0 && b != 1 {
		c.Error(errBitArg)
		return
	}
	if c.Checking() {
		return
	}
	bit := byte(b)
	v, ok := lookupType[*strValue](c, argv[1])
	if !ok {
		return
	}
	if v == nil {
		// An absent key is an endless run of zeros.
		if bit == 1 {
			c.Int(-1)
		} else {
			c.Int(0)
		}
		return
	}
	lo, hi, endGiven, ok := bitposRange(c, argv, int64(len(v.b)))
	if !ok {
		return
	}
	if lo > hi {
		c.Int(-1)
		return
	}
	pos := findBit(v.b, bit, uint64(lo), uint64(hi))
	if pos < 0 && bit == 0 && !endGiven {
		pos = hi + 1
	}
	c.Int(pos)
}

// bitposRange parses BITPOS's optional range into a bit range [lo, hi]
// (empty if lo > hi) of a string of n bytes; ok is false after an error.
func bitposRange(c *Ctx, argv [][]byte, n int64) (lo, hi int64, endGiven, ok bool) {
	switch len(argv) {
	case 3:
		return 0, n*8 - 1, false, true
	case 4, 5, 6:
	default:
		c.Error(ErrSyntax)
		return 0, 0, false, false
	}
	start, isInt := parseInt(argv[3])
	if !isInt {
		c.Error(ErrNotInteger)
		return 0, 0, false, false
	}
	isBit := false
	if len(argv) == 6 {
		if isBit, ok = parseBitUnit(argv[5]); !ok {
			c.Error(ErrSyntax)
			return 0, 0, false, false
		}
	}
	units := n
	if isBit {
		units = n * 8
	}
	end := units - 1
	if len(argv) >= 5 {
		if end, isInt = parseInt(argv[4]); !isInt {
			c.Error(ErrNotInteger)
			return 0, 0, false, false
		}
		endGiven = true
	}
	start, end = clampRange(start, end, units)
	if isBit || start > end {
		return start, end, endGiven, true
	}
	return start * 8, end*8 + 7, endGiven, true
}

// findBit returns the first bit in [lo, hi] of s that equals bit, or -1.
func findBit(s []byte, bit byte, lo, hi uint64) int64 {
	skip := byte(0) // a byte that cannot hold the bit
	if bit == 0 {
		skip = 0xff
	}
	for off := lo; off <= hi; {
		if off&7 == 0 && off+7 <= hi && s[off>>3] == skip {
			off += 8
			continue
		}
		if bitAt(s, off) == bit {
			return int64(off)
		}
		off++
	}
	return -1
}

// BITOP <AND | OR | XOR | NOT> destkey key [key ...]
//
// Absent keys count as empty strings; shorter strings are padded with
// zeros. An empty result deletes destkey, whatever it held.
func cmdBitOp(c *Ctx, argv [][]byte) {
	op := bytes.ToLower(cstr(argv[1]))
	switch string(op) {
	case "and", "or", "xor":
	case "not":
		if len(argv) != 4 {
			c.Error(errBitOpNot)
			return
		}
	default:
		c.Error(ErrSyntax)
		return
	}
	if c.Checking() {
		return
	}
	srcs := make([][]byte, 0, len(argv)-3)
	maxLen := 0
	for _, k := range argv[3:] {
		v, ok := lookupType[*strValue](c, k)
		if !ok {
			return
		}
		var s []byte
		if v != nil {
			s = v.b
		}
		srcs = append(srcs, s)
		maxLen = max(maxLen, len(s))
	}
	dest := string(argv[2])
	if maxLen == 0 {
		c.del(dest)
		c.Int(0)
		return
	}
	res := make([]byte, maxLen)
	copy(res, srcs[0])
	for _, s := range srcs[1:] {
		for i := range res {
			var x byte
			if i < len(s) {
				x = s[i]
			}
			switch op[0] {
			case 'a':
				res[i] &= x
			case 'o':
				res[i] |= x
			case 'x':
				res[i] ^= x
			}
		}
	}
	if op[0] == 'n' {
		for i := range res {
			res[i] = ^res[i]
		}
	}
	c.setValue(dest, &strValue{b: res, enc: encRaw})
	c.Int(int64(maxLen))
}

// Overflow behaviours of BITFIELD.
const (
	overflowWrap = iota
	overflowSat
	overflowFail
)

// bitfieldOp is one GET, SET or INCRBY of a BITFIELD.
type bitfieldOp struct {
	write    bool // SET or INCRBY
	incr     bool // INCRBY
	signed   bool
	width    uint
	offset   uint64
	arg      int64
	overflow int
}

// parseBitfieldType parses iN (1 <= N <= 64) or uN (1 <= N <= 63). The
// width is read up to the first NUL byte, as Redis reads it with strlen.
func parseBitfieldType(b []byte) (signed bool, width uint, ok bool) {
	if len(b) == 0 {
		return false, 0, false
	}
	switch b[0] { // lowercase only, as redis-server 7.0
	case 'i':
		signed = true
	case 'u':
	default:
		return false, 0, false
	}
	n, isInt := parseInt(cstr(b[1:]))
	if !isInt || n < 1 || (signed && n > 64) || (!signed && n > 63) {
		return false, 0, false
	}
	return signed, uint(n), true
}

// parseBitfield parses the subcommands of BITFIELD (from argv[2]) as
// Redis's bitfieldGeneric: every argument is checked before the key is
// looked at. It returns the ops, or an error text.
func parseBitfield(argv [][]byte) ([]bitfieldOp, string) {
	var ops []bitfieldOp
	overflow := overflowWrap
	for j := 2; j < len(argv); j++ {
		rem := len(argv) - j - 1
		var op bitfieldOp
		switch sub := cstr(argv[j]); {
		case eqFold(sub, "get") && rem >= 2:
		case eqFold(sub, "set") && rem >= 3:
			op.write = true
		case eqFold(sub, "incrby") && rem >= 3:
			op.write, op.incr = true, true
		case eqFold(sub, "overflow") && rem >= 1:
			j++
			switch name := cstr(argv[j]); {
			case eqFold(name, "wrap"):
				overflow = overflowWrap
			case eqFold(name, "sat"):
				overflow = overflowSat
			case eqFold(name, "fail"):
				overflow = overflowFail
			default:
				return nil, errOverflowType
			}
			continue
		default:
			return nil, ErrSyntax
		}
		var ok bool
		if op.signed, op.width, ok = parseBitfieldType(argv[j+1]); !ok {
			return nil, errBitfieldType
		}
		if op.offset, ok = parseBitOffset(argv[j+2], true, int(op.width)); !ok {
			return nil, errBitOffset
		}
		if op.write {
			if op.arg, ok = parseInt(argv[j+3]); !ok {
				return nil, ErrNotInteger
			}
			j++
		}
		op.overflow = overflow
		ops = append(ops, op)
		j += 2
	}
	return ops, ""
}

// BITFIELD key [GET encoding offset | [OVERFLOW <WRAP | SAT | FAIL>]
// <SET encoding offset value:integer | INCRBY encoding offset increment> ...]
func cmdBitField(c *Ctx, argv [][]byte) { bitfieldGeneric(c, argv, false) }

// BITFIELD_RO key [GET encoding offset ...]
func cmdBitFieldRO(c *Ctx, argv [][]byte) { bitfieldGeneric(c, argv, true) }

func bitfieldGeneric(c *Ctx, argv [][]byte, readOnly bool) {
	ops, msg := parseBitfield(argv)
	if msg != "" {
		c.Error(msg)
		return
	}
	var need uint64 // bytes the writes reach
	for _, op := range ops {
		if op.write {
			need = max(need, (op.offset+uint64(op.width)-1)>>3+1)
		}
	}
	if need > 0 && readOnly {
		c.Error(errBitfieldROSet)
		return
	}
	if c.Checking() {
		return
	}
	v, ok := lookupType[*strValue](c, argv[1])
	if !ok {
		return
	}
	if need == 0 {
		// Only GETs: the key is neither created nor stamped.
		var s []byte
		if v != nil {
			s = v.b
		}
		c.Array(len(ops))
		for _, op := range ops {
			c.Int(op.get(s))
		}
		return
	}
	key := string(argv[1])
	version := c.versionOf(key)
	dirty := false
	if v == nil {
		v = &strValue{b: make([]byte, need), enc: encRaw}
		c.setValue(key, v)
		dirty = true
	} else {
		v = c.mutable(key).val.(*strValue)
		v.enc = encRaw
		dirty = v.grow(need)
	}
	changes := 0
	c.Array(len(ops))
	for _, op := range ops {
		if !op.write {
			c.Int(op.get(v.b))
			continue
		}
		reply, changed, failed := op.apply(v.b)
		if failed {
			c.Null()
			continue
		}
		c.Int(reply)
		if dirty || changed {
			changes++
		}
	}
	if changes == 0 {
		// Redis does not signal the key: give it back its version.
		if e, ok := c.db.keys.Get(key); ok {
			e.version = version
		}
	}
}

// versionOf is the version a key has now: its entry's, or its tombstone's
// when it is absent (0 if it has none).
func (c *Ctx) versionOf(key string) uint64 {
	if e, ok := c.db.keys.Get(key); ok {
		return e.version
	}
	return c.db.tombs[key]
}

// getField reads width bits at offset off of s, most significant first;
// bits past the end of s read as 0.
func getField(s []byte, off uint64, width uint) uint64 {
	var v uint64
	for i := uint(0); i < width; i++ {
		v = v<<1 | uint64(bitAt(s, off+uint64(i)))
	}
	return v
}

// setField writes the low width bits of v at offset off of s, which is
// long enough.
func setField(s []byte, off uint64, width uint, v uint64) {
	for i := uint(0); i < width; i++ {
		o := off + uint64(i)
		s[o>>3] = withBit(s[o>>3], o, byte(v>>(width-1-i)&1))
	}
}

// signExtend makes a width-bit two's complement field an int64.
func signExtend(v uint64, width uint) int64 {
	if width < 64 && v&(1<<(width-1)) != 0 {
		v |= math.MaxUint64 << width
	}
	return int64(v)
}

// get is a GET's reply.
func (op bitfieldOp) get(s []byte) int64 {
	v := getField(s, op.offset, op.width)
	if op.signed {
		return signExtend(v, op.width)
	}
	return int64(v)
}

// apply runs a SET or INCRBY on s: the reply (the old value for SET, the
// new one for INCRBY), whether the field changed, and whether it failed
// (OVERFLOW FAIL) and so left s alone.
func (op bitfieldOp) apply(s []byte) (reply int64, changed, failed bool) {
	raw := getField(s, op.offset, op.width)
	var oldv, newv uint64
	var overflow bool
	if op.signed {
		old := signExtend(raw, op.width)
		var limit int64
		if op.incr {
			overflow, limit = signedOverflow(old, op.arg, op.width, op.overflow)
			newv = uint64(old + op.arg)
			reply = int64(newv)
			if overflow {
				newv, reply = uint64(limit), limit
			}
		} else {
			overflow, limit = signedOverflow(op.arg, 0, op.width, op.overflow)
			newv, reply = uint64(op.arg), old
			if overflow {
				newv = uint64(limit)
			}
		}
		oldv = uint64(old)
	} else {
		var limit uint64
		if op.incr {
			overflow, limit = unsignedOverflow(raw, op.arg, op.width, op.overflow)
			newv = raw + uint64(op.arg)
			if overflow {
				newv = limit
			}
			reply = int64(newv)
		} else {
			overflow, limit = unsignedOverflow(uint64(op.arg), 0, op.width, op.overflow)
			newv, reply = uint64(op.arg), int64(raw)
			if overflow {
				newv = limit
			}
		}
		oldv = raw
	}
	if overflow && op.overflow == overflowFail {
		return 0, false, true
	}
	setField(s, op.offset, op.width, newv)
	return reply, oldv != newv, false
}

// signedOverflow is Redis's checkSignedBitfieldOverflow: whether value+incr
// leaves the range of a signed width-bit field, and the value to store
// instead under WRAP or SAT. The arithmetic wraps where the C code's does
// (a SET of a value far below the range can count as an overflow upwards,
// and saturate to the maximum, as in redis-server).
func signedOverflow(value, incr int64, width uint, mode int) (bool, int64) {
	maxv := int64(math.MaxInt64)
	if width < 64 {
		maxv = 1<<(width-1) - 1
	}
	minv := -maxv - 1
	maxIncr := int64(uint64(maxv) - uint64(value))
	minIncr := minv - value
	var limit int64
	switch {
	case value > maxv || (width != 64 && incr > maxIncr) || (value >= 0 && incr > 0 && incr > maxIncr):
		limit = maxv
	case value < minv || (width != 64 && incr < minIncr) || (value < 0 && incr < 0 && incr < minIncr):
		limit = minv
	default:
		return false, 0
	}
	if mode == overflowWrap {
		sum := uint64(value) + uint64(incr)
		if width < 64 {
			mask := uint64(math.MaxUint64) << width
			if sum&(1<<(width-1)) != 0 {
				sum |= mask
			} else {
				sum &^= mask
			}
		}
		limit = int64(sum)
	}
	return true, limit
}

// unsignedOverflow is Redis's checkUnsignedBitfieldOverflow, for an
// unsigned width-bit field (width <= 63).
func unsignedOverflow(value uint64, incr int64, width uint, mode int) (bool, uint64) {
	maxv := uint64(1)<<width - 1
	maxIncr := int64(maxv - value)
	minIncr := -int64(value)
	var limit uint64
	switch {
	case value > maxv || (incr > 0 && incr > maxIncr):
		limit = maxv
	case incr < 0 && incr < minIncr:
		limit = 0
	default:
		return false, 0
	}
	if mode == overflowWrap {
		limit = (value + uint64(incr)) &^ (uint64(math.MaxUint64) << width)
	}
	return true, limit
}
