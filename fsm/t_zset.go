package fsm

import (
	"encoding/binary"
	"math"
	"strconv"

	"github.com/tidwall/btree"
)

// zsetValue is a Redis sorted set: members with float64 scores, ordered by
// (score, member bytes), ties broken by member as Redis's skiplist does.
//
// Two copy-on-write structures hold the same pairs:
//   - dict, an omap member -> score: O(log n) score look-up, and the
//     replica-independent hash order that ZSCAN cursors and ZRANDMEMBER
//     picks by rank rely on (as for hashes and sets);
//   - tree, a tidwall/btree of (score, member) items, which counts its
//     subtrees: GetAt is O(log n), so a rank is found by binary search in
//     O(log² n) and a score or rank range starts in O(log² n) and then
//     walks the tree in order.
//
// clone is two O(1) B-tree copies, so Snapshot stays O(1).
//
// listpack mirrors the encoding Redis 7.0 would use for this sorted set at
// its default limits (at most 128 members, none longer than 64 bytes),
// because the encoding shows in replies: a listpack stores a score as
// text in which -0 becomes 0, and ZSCAN returns a listpack's scores in
// that text form ("1000000000000000000" where a skiplist says "1e+18").
// Like Redis, a sorted set leaves the listpack once for good when it grows
// past a limit; the results of ZUNIONSTORE and its siblings are put back
// in a listpack when they fit. The flag is state: it is snapshotted and
// digested, so replicas agree on it.
type zsetValue struct {
	dict     *omap[float64]
	tree     *btree.BTreeG[zsetItem]
	listpack bool
}

type zsetItem struct {
	score  float64
	member string
}

// zsetItemLess orders by score, then member bytes. -0 and 0 are equal
// scores (as for Redis's < on doubles); NaN is never stored.
func zsetItemLess(a, b zsetItem) bool {
	if a.score != b.score {
		return a.score < b.score
	}
	return a.member < b.member
}

const (
	typeZset byte = 4

	// Redis's defaults for zset-max-listpack-entries and -value.
	zsetMaxListpackEntries = 128
	zsetMaxListpackValue   = 64
)

func newZsetTree() *btree.BTreeG[zsetItem] {
	return btree.NewBTreeGOptions(zsetItemLess, btree.Options{NoLocks: true, Degree: 32})
}

// newZset returns an empty sorted set in listpack form, as ZADD creates one.
func newZset() *zsetValue {
	return &zsetValue{dict: newOmap[float64](), tree: newZsetTree(), listpack: true}
}

func (z *zsetValue) Type() string   { return "zset" }
func (z *zsetValue) typeByte() byte { return typeZset }
func (z *zsetValue) clone() value {
	return &zsetValue{dict: z.dict.Copy(), tree: z.tree.Copy(), listpack: z.listpack}
}

// digest adds one record per member (member, score bits), so the order of
// visiting does not matter and -0 differs from 0, plus one record when the
// set is no longer a listpack.
func (z *zsetValue) digest(d *digester) {
	var bits [8]byte
	z.tree.Scan(func(it zsetItem) bool {
		binary.BigEndian.PutUint64(bits[:], math.Float64bits(it.score))
		d.add([]byte(it.member), bits[:])
		return true
	})
	if !z.listpack {
		d.add([]byte("zset:skiplist"))
	}
}

// encode writes a flags byte (bit 0: skiplist), uvarint count, then the
// members in ascending (score, member) order, each as 8 bytes of IEEE 754
// bits (little endian) and bytes member.
func (z *zsetValue) encode(b []byte) []byte {
	var flags byte
	if !z.listpack {
		flags = 1
	}
	b = append(b, flags)
	b = binary.AppendUvarint(b, uint64(z.Len()))
	z.tree.Scan(func(it zsetItem) bool {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(it.score))
		b = appendBytes(b, []byte(it.member))
		return true
	})
	return b
}

func decodeZset(b []byte) (value, error) {
	if len(b) == 0 || b[0] > 1 {
		return nil, errBadContainer
	}
	z := newZset()
	z.listpack = b[0] == 0
	d := decoder{b: b[1:]}
	n := d.count()
	var prev zsetItem
	for i := 0; i < n && d.err == nil; i++ {
		if len(d.b) < 8 {
			return nil, errBadContainer
		}
		score := math.Float64frombits(binary.LittleEndian.Uint64(d.b))
		d.b = d.b[8:]
		m := d.bytes()
		if d.err != nil {
			break
		}
		it := zsetItem{score: score, member: string(m)}
		// Strictly ascending: no NaN, no repeated member, no disorder.
		if math.IsNaN(score) || (i > 0 && !zsetItemLess(prev, it)) || !z.dict.Set(it.member, score) {
			return nil, errBadContainer
		}
		z.tree.Load(it)
		prev = it
	}
	if d.err != nil {
		return nil, d.err
	}
	if len(d.b) != 0 {
		return nil, errBadContainer
	}
	return z, nil
}

func init() { valueCodecs[typeZset] = decodeZset }

// The methods below are the sorted set's internal API, also meant for
// the GEO commands (a geo set is a sorted set of geohash scores).

// Len is the number of members; a nil sorted set is empty.
func (z *zsetValue) Len() int {
	if z == nil {
		return 0
	}
	return z.tree.Len()
}

// Score returns member's score; a nil sorted set is empty.
func (z *zsetValue) Score(member string) (float64, bool) {
	if z == nil {
		return 0, false
	}
	return z.dict.Get(member)
}

// Set gives member the score, adding it if needed, and reports whether it
// was added and whether an existing member's score changed. An equal
// score (== on float64, so 0 and -0 are equal) changes nothing, as in
// Redis. score must not be NaN. A listpack stores -0 as 0, as Redis does.
// The set leaves the listpack when a new member goes past its limits.
func (z *zsetValue) Set(member string, score float64) (added, changed bool) {
	cur, exists := z.dict.Get(member)
	if exists && cur == score {
		return false, false
	}
	if !exists && z.listpack && (z.Len()+1 > zsetMaxListpackEntries || len(member) > zsetMaxListpackValue) {
		z.listpack = false
	}
	if z.listpack && score == 0 {
		score = 0 // -0 too
	}
	if exists {
		z.tree.Delete(zsetItem{score: cur, member: member})
	}
	z.tree.Set(zsetItem{score: score, member: member})
	z.dict.Set(member, score)
	return !exists, exists
}

// Remove deletes member and reports whether it was there.
func (z *zsetValue) Remove(member string) bool {
	score, ok := z.dict.Delete(member)
	if ok {
		z.tree.Delete(zsetItem{score: score, member: member})
	}
	return ok
}

// Rank returns member's 0-based position in ascending (score, member)
// order.
func (z *zsetValue) Rank(member string) (int, bool) {
	score, ok := z.Score(member)
	if !ok {
		return 0, false
	}
	return z.lowerBound(zsetItem{score: score, member: member}), true
}

// RangeByScore calls fn for the members whose score is within [min, max]
// (an end excluded when its flag says so), in ascending order, until fn
// returns false.
func (z *zsetValue) RangeByScore(min, max float64, minEx, maxEx bool, fn func(member string, score float64) bool) {
	r := scoreRange{min: min, max: max, minEx: minEx, maxEx: maxEx}
	lo, hi := r.span(z)
	z.ascendFrom(lo, func(i int, it zsetItem) bool {
		return i < hi && fn(it.member, it.score)
	})
}

// At returns the item at ascending position i (0 <= i < Len).
func (z *zsetValue) At(i int) zsetItem {
	it, _ := z.tree.GetAt(i)
	return it
}

// lowerBound is the number of items ordered before pivot.
func (z *zsetValue) lowerBound(pivot zsetItem) int {
	return z.search(func(it zsetItem) bool { return zsetItemLess(it, pivot) })
}

// search returns the first position whose item fails before, which must
// hold for a prefix of the items and fail for the rest (binary search by
// GetAt: O(log² n)).
func (z *zsetValue) search(before func(it zsetItem) bool) int {
	lo, hi := 0, z.Len()
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if before(z.At(mid)) {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// scoreBelow is the number of members with a score < s, or <= s when
// inclusive.
func (z *zsetValue) scoreBelow(s float64, inclusive bool) int {
	return z.search(func(it zsetItem) bool { return it.score < s || (inclusive && it.score == s) })
}

// ascendFrom calls fn with the position and item from position i upwards
// until fn returns false or the set ends.
func (z *zsetValue) ascendFrom(i int, fn func(i int, it zsetItem) bool) {
	if i < 0 || i >= z.Len() {
		return
	}
	z.tree.Ascend(z.At(i), func(it zsetItem) bool {
		cont := fn(i, it)
		i++
		return cont
	})
}

// descendFrom calls fn with the position and item from position i
// downwards until fn returns false or the head is passed.
func (z *zsetValue) descendFrom(i int, fn func(i int, it zsetItem) bool) {
	if i < 0 || i >= z.Len() {
		return
	}
	z.tree.Descend(z.At(i), func(it zsetItem) bool {
		cont := fn(i, it)
		i--
		return cont
	})
}

// removeSpan deletes the items at positions [lo, hi) and returns how many.
func (z *zsetValue) removeSpan(lo, hi int) int {
	n := 0
	for ; lo < hi; hi-- {
		it, ok := z.tree.DeleteAt(lo)
		if !ok {
			break
		}
		z.dict.Delete(it.member)
		n++
	}
	return n
}

// uniform reports whether every member has the same score, when lex order
// is the tree's order.
func (z *zsetValue) uniform() bool {
	lo, ok := z.tree.Min()
	if !ok {
		return true
	}
	hi, _ := z.tree.Max()
	return lo.score == hi.score
}

// fitListpack is for a sorted set built as a skiplist (ZUNIONSTORE and
// its siblings): it goes back to a listpack when it fits, as Redis's
// zsetConvertToListpackIfNeeded does, which turns -0 scores into 0.
func (z *zsetValue) fitListpack() {
	if z.Len() > zsetMaxListpackEntries {
		return
	}
	var negZero []string
	fits := true
	z.tree.Scan(func(it zsetItem) bool {
		if len(it.member) > zsetMaxListpackValue {
			fits = false
			return false
		}
		if it.score == 0 && math.Signbit(it.score) {
			negZero = append(negZero, it.member)
		}
		return true
	})
	if !fits {
		return
	}
	z.listpack = true
	for _, m := range negZero {
		z.tree.Delete(zsetItem{score: 0, member: m})
		z.tree.Set(zsetItem{score: 0, member: m})
		z.dict.Set(m, 0)
	}
}

// appendScore formats a score as Redis 7.0's addReplyDouble does in RESP2:
// printf("%.17g"), with inf and -inf spelled so.
func appendScore(b []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(b, "inf"...)
	case math.IsInf(f, -1):
		return append(b, "-inf"...)
	}
	return strconv.AppendFloat(b, f, 'g', 17, 64)
}

// appendListpackScore formats a score as a Redis listpack stores it
// (d2string): an integral value within ±2^62 as an integer (so -0 is 0),
// anything else as appendScore does.
func appendListpackScore(b []byte, f float64) []byte {
	const lim = float64(math.MaxInt64 / 2)
	if f >= -lim && f <= lim && f == math.Trunc(f) {
		return strconv.AppendInt(b, int64(f), 10)
	}
	return appendScore(b, f)
}

// parseScore parses a score or weight as Redis's getDoubleFromObject:
// strtod over the whole string with no leading space, no NaN, and no
// overflow or underflow to zero. inf, -inf and +inf (any case, also
// "infinity") are scores; hex floats are accepted as strtod does.
func parseScore(b []byte) (float64, bool) {
	if len(b) == 0 || isCSpace(b[0]) {
		return 0, false
	}
	f, n, status := strtod(b)
	if n != len(b) || math.IsNaN(f) || status != strtodOK {
		return 0, false
	}
	return f, true
}

// parseRangeScore parses one end of a score range as Redis's
// zslParseRange: strtod, which skips leading space, must stop at the end
// of the string (or at a NUL byte, where C's string ends); overflow gives
// ±inf and an empty string is 0. Only NaN and trailing garbage fail.
func parseRangeScore(b []byte) (float64, bool) {
	for i, ch := range b {
		if ch == 0 {
			b = b[:i]
			break
		}
	}
	start := 0
	for start < len(b) && isCSpace(b[start]) {
		start++
	}
	f, n, _ := strtod(b[start:])
	if n == 0 {
		// No conversion: strtod leaves its end pointer at the start.
		return 0, len(b) == 0
	}
	if start+n != len(b) || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

func isCSpace(ch byte) bool {
	return ch == ' ' || (ch >= '\t' && ch <= '\r')
}

type strtodStatus int

const (
	strtodOK        strtodStatus = iota
	strtodOverflow               // ±inf from a finite number (ERANGE)
	strtodUnderflow              // 0 from a non-zero number (ERANGE)
)

// strtod converts the longest prefix of b that C's strtod would (without
// skipping space) and returns the value, the bytes consumed (0: no
// conversion) and whether the result overflowed or underflowed to zero.
func strtod(b []byte) (float64, int, strtodStatus) {
	i := 0
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	rest := b[i:]
	switch {
	case hasPrefixFold(rest, "infinity"):
		return math.Inf(signOf(neg)), i + 8, strtodOK
	case hasPrefixFold(rest, "inf"):
		return math.Inf(signOf(neg)), i + 3, strtodOK
	case hasPrefixFold(rest, "nan"):
		return math.NaN(), i + 3, strtodOK
	}
	if len(rest) > 2 && rest[0] == '0' && (rest[1] == 'x' || rest[1] == 'X') {
		if n, nonzero := scanDigits(rest[2:], isHexDigit, 'p', 'P'); n > 0 {
			return convertFloat(b[:i+2+n], neg, nonzero, true)
		}
	}
	n, nonzero := scanDigits(rest, isDecDigit, 'e', 'E')
	if n == 0 {
		return 0, 0, strtodOK
	}
	return convertFloat(b[:i+n], neg, nonzero, false)
}

func signOf(neg bool) int {
	if neg {
		return -1
	}
	return 1
}

// scanDigits scans digits [. digits] with at least one digit, then an
// exponent (expLo or expHi, sign, decimal digits) if one is complete. It
// returns the bytes scanned (0 if there is no digit) and whether a
// mantissa digit is non-zero.
func scanDigits(b []byte, digit func(byte) bool, expLo, expHi byte) (int, bool) {
	i, nd := 0, 0
	nonzero := false
	seenPoint := false
	for ; i < len(b); i++ {
		ch := b[i]
		if ch == '.' && !seenPoint {
			seenPoint = true
			continue
		}
		if !digit(ch) {
			break
		}
		nd++
		nonzero = nonzero || ch != '0'
	}
	if nd == 0 {
		return 0, false
	}
	if i < len(b) && (b[i] == expLo || b[i] == expHi) {
		j := i + 1
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		k := j
		for k < len(b) && isDecDigit(b[k]) {
			k++
		}
		if k > j {
			i = k
		}
	}
	return i, nonzero
}

// convertFloat converts a scanned number (sign included in s) correctly
// rounded, as glibc's strtod does.
func convertFloat(s []byte, neg, nonzero, hex bool) (float64, int, strtodStatus) {
	text := string(s)
	if hex && !containsAny(text, "pP") {
		text += "p0" // Go wants a binary exponent in a hex float
	}
	f, err := strconv.ParseFloat(text, 64)
	switch {
	case err != nil && math.IsInf(f, 0):
		return f, len(s), strtodOverflow
	case err != nil:
		return 0, 0, strtodOK // not reached: the syntax was checked
	case f == 0 && nonzero:
		if neg {
			f = math.Copysign(0, -1)
		}
		return f, len(s), strtodUnderflow
	}
	return f, len(s), strtodOK
}

func containsAny(s, chars string) bool {
	for i := 0; i < len(s); i++ {
		for j := 0; j < len(chars); j++ {
			if s[i] == chars[j] {
				return true
			}
		}
	}
	return false
}

// hasPrefixFold reports whether b starts with the lowercase ASCII word s,
// ignoring case.
func hasPrefixFold(b []byte, s string) bool {
	return len(b) >= len(s) && eqFold(b[:len(s)], s)
}
