package fsm

import (
	"encoding/binary"
	"errors"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"sync"
)

// Redis 7.0's DUMP payload format, written and read here so that DUMP and
// RESTORE interoperate with redis-server in both directions:
//
//	payload = RDB object (type byte + value) | RDB version (2 bytes LE) | CRC-64 (8 bytes LE)
//
// The CRC is Redis's crc64 ("Jones": reflected, poly 0xad93d23594c935a9,
// initial value 0, no final xor) over everything before it.
//
// What DUMP writes follows rdbSaveObject with Redis's default thresholds,
// so a payload is byte-identical to redis-server's wherever respraft holds
// the value the same way:
//   - strings through rdbSaveRawString: integer encodings for canonical
//     integers of at most 11 characters in int32 range, LZF (liblzf's
//     compressor, reproduced exactly) for strings longer than 20 bytes
//     when it saves at least 4 bytes, verbatim otherwise;
//   - lists as RDB_TYPE_LIST_QUICKLIST_2 of listpack nodes, split as
//     RPUSH would split them with list-max-listpack-size -2 (8 kB nodes).
//     A Redis list whose history (LINSERT, pops) left other node
//     boundaries dumps differently; the content is the same;
//   - sets of at most 512 integers as RDB_TYPE_SET_INTSET (the narrowest
//     width that holds every member; Redis never narrows an intset, so one
//     that once held a wider integer dumps wider there), other sets as
//     RDB_TYPE_SET in respraft's member order;
//   - small hashes (see hashMap) as RDB_TYPE_HASH_LISTPACK in insertion
//     order, exactly as Redis; big ones as RDB_TYPE_HASH;
//   - sorted sets that Redis would hold as a listpack (zsetValue.listpack)
//     as RDB_TYPE_ZSET_LISTPACK, in ascending order, each member followed
//     by its score as zzlInsertAt stores it (an integer when integral
//     within ±2^62, else "%.17g" text); skiplists as RDB_TYPE_ZSET_2 from
//     the highest score down, as rdbSaveObject walks from the tail, with
//     8-byte little-endian doubles. Redis keeps a listpack score's text as
//     it was loaded, so a restored listpack whose scores were written in
//     another form ("1.0", say) dumps in the canonical form here.
//
// RESTORE reads every encoding redis-server 7.0 writes for these types
// (including PLAIN quicklist nodes and LZF-compressed containers) and the
// older ones Redis 7.0 still loads: RDB_TYPE_LIST, RDB_TYPE_LIST_ZIPLIST,
// RDB_TYPE_LIST_QUICKLIST (ziplist nodes), RDB_TYPE_HASH_ZIPLIST,
// RDB_TYPE_ZSET (scores as text, with 253/254/255 for nan/+inf/-inf) and
// RDB_TYPE_ZSET_ZIPLIST. The zipmap hash (type 9, Redis 2.6 and older) is
// not read. Streams are not a type of respraft yet: their payloads are
// "Bad data format".
//
// A restored sorted set takes the encoding Redis's rdbLoadObject gives it:
// a listpack (or ziplist) payload stays a listpack unless it has more than
// 128 members, even with a member longer than 64 bytes; a ZSET or ZSET_2
// payload becomes a listpack when it fits both limits (which turns -0
// scores into 0).
//
// Redis validates containers shallowly when sanitize-dump-payload is "no"
// (its default) and may accept a corrupt listpack it cannot read later;
// respraft reads every element and refuses such a payload ("Bad data
// format").

// RDB object types (rdb.h). Numbers are Redis's, never ours to change.
const (
	rdbTypeString                 = 0
	rdbTypeList                   = 1
	rdbTypeSet                    = 2
	rdbTypeZset                   = 3
	rdbTypeHash                   = 4
	rdbTypeZset2                  = 5
	rdbTypeHashZipmap             = 9
	rdbTypeListZiplist            = 10
	rdbTypeSetIntset              = 11
	rdbTypeZsetZiplist            = 12
	rdbTypeHashZiplist            = 13
	rdbTypeListQuicklist          = 14
	rdbTypeHashListpack           = 16
	rdbTypeZsetListpack           = 17
	rdbTypeListQuicklist2         = 18
	rdbVersion                    = 10 // what Redis 7.0 writes, and the newest it reads
	quicklistNodePlain            = 1
	quicklistNodePacked           = 2
	setMaxIntsetEntries           = 512  // Redis's set-max-intset-entries default
	listMaxListpackBytes          = 8192 // list-max-listpack-size -2
	quicklistSizeEstimateOverhead = 8
	rdbCompressMinLen             = 20 // rdbSaveRawString compresses strings longer than this
	rdbIntegerEncodeMaxLen        = 11
)

var errRDBCorrupt = errors.New("bad DUMP payload")

// ---------------------------------------------------------------------------
// CRC-64 (Jones), as Redis's crc64.c.

var crc64JonesTable = func() *[256]uint64 {
	poly := bits.Reverse64(0xad93d23594c935a9)
	var t [256]uint64
	for i := range t {
		crc := uint64(i)
		for j := 0; j < 8; j++ {
			if crc&1 != 0 {
				crc = crc>>1 ^ poly
			} else {
				crc >>= 1
			}
		}
		t[i] = crc
	}
	return &t
}()

// crc64Jones is Redis's crc64(0, p, len).
func crc64Jones(crc uint64, p []byte) uint64 {
	for _, b := range p {
		crc = crc64JonesTable[byte(crc)^b] ^ crc>>8
	}
	return crc
}

// dumpPayload is DUMP's reply for v.
func dumpPayload(v value) []byte {
	b := appendRDBValue(nil, v)
	b = binary.LittleEndian.AppendUint16(b, rdbVersion)
	return binary.LittleEndian.AppendUint64(b, crc64Jones(0, b))
}

// verifyPayload is Redis's verifyDumpPayload: a version Redis 7.0 can
// read and a matching checksum.
func verifyPayload(p []byte) bool {
	if len(p) < 10 {
		return false
	}
	footer := p[len(p)-10:]
	if binary.LittleEndian.Uint16(footer) > rdbVersion {
		return false
	}
	return binary.LittleEndian.Uint64(footer[2:]) == crc64Jones(0, p[:len(p)-8])
}

// restorePayload decodes a verified payload. Like Redis, it reads the
// object from the start of the whole buffer and ignores what follows it.
func restorePayload(p []byte) (value, error) {
	r := &rdbReader{b: p}
	t := r.byte()
	if r.err != nil {
		return nil, r.err
	}
	load := rdbLoaders[t]
	if load == nil {
		return nil, errRDBCorrupt
	}
	v, err := load(r)
	if err == nil && r.err != nil {
		err = r.err
	}
	return v, err
}

// ---------------------------------------------------------------------------
// Writing.

// appendRDBValue appends the RDB type byte and the encoding of v.
func appendRDBValue(b []byte, v value) []byte {
	switch v := v.(type) {
	case *strValue:
		return appendRDBString(append(b, rdbTypeString), v.b)
	case *listValue:
		return appendRDBList(append(b, rdbTypeListQuicklist2), v)
	case *setValue:
		if ints, ok := setIntegers(v); ok && !v.ht {
			return appendRDBString(append(b, rdbTypeSetIntset), encodeIntset(ints, v.width))
		}
		b = appendRDBLen(append(b, rdbTypeSet), uint64(v.size()))
		v.m.Each(func(k string, _ struct{}) bool {
			b = appendRDBString(b, []byte(k))
			return true
		})
		return b
	case *hashValue:
		if v.m.isSmall() {
			var lp listpackWriter
			v.m.Each(func(f string, val []byte) bool {
				lp.append([]byte(f))
				lp.append(val)
				return true
			})
			return appendRDBString(append(b, rdbTypeHashListpack), lp.bytes())
		}
		b = appendRDBLen(append(b, rdbTypeHash), uint64(v.m.Len()))
		v.m.Each(func(f string, val []byte) bool {
			b = appendRDBString(b, []byte(f))
			b = appendRDBString(b, val)
			return true
		})
		return b
	case *zsetValue:
		return appendRDBZset(b, v)
	}
	panic("fsm: DUMP of a value type without an RDB encoding: " + v.Type())
}

// appendRDBLen is rdbSaveLen.
func appendRDBLen(b []byte, n uint64) []byte {
	switch {
	case n < 1<<6:
		return append(b, byte(n))
	case n < 1<<14:
		return append(b, byte(n>>8)|0x40, byte(n))
	case n <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(b, 0x80), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(b, 0x81), n)
}

// appendRDBString is rdbSaveRawString with rdbcompression on.
func appendRDBString(b, s []byte) []byte {
	if len(s) <= rdbIntegerEncodeMaxLen {
		if n, ok := parseInt(s); ok && n >= math.MinInt32 && n <= math.MaxInt32 {
			return appendRDBInt(b, int32(n))
		}
	}
	if len(s) > rdbCompressMinLen {
		if c := lzfCompress(s, len(s)-4); c != nil {
			b = append(b, 0xC3)
			b = appendRDBLen(b, uint64(len(c)))
			b = appendRDBLen(b, uint64(len(s)))
			return append(b, c...)
		}
	}
	return append(appendRDBLen(b, uint64(len(s))), s...)
}

// appendRDBInt is rdbEncodeInteger: the narrowest of int8, int16, int32.
func appendRDBInt(b []byte, n int32) []byte {
	switch {
	case n >= math.MinInt8 && n <= math.MaxInt8:
		return append(b, 0xC0, byte(n))
	case n >= math.MinInt16 && n <= math.MaxInt16:
		return binary.LittleEndian.AppendUint16(append(b, 0xC1), uint16(n))
	}
	return binary.LittleEndian.AppendUint32(append(b, 0xC2), uint32(n))
}

// appendRDBList writes the quicklist nodes RPUSH of every element, in
// order, would have built: a node takes another element while its
// listpack's size plus the element's length plus Redis's overhead
// estimate (8 bytes) stays within 8 kB (_quicklistNodeAllowInsert). Redis
// puts an element of 1 GB or more in a PLAIN node of its own; no such
// element fits in a respraft command (proto-max-bulk-len is 512 MB).
func appendRDBList(b []byte, v *listValue) []byte {
	var nodes [][]byte
	var lp listpackWriter
	started := false
	v.Range(0, func(_ int, e []byte) bool {
		if started && !quicklistAllowInsert(lp.size(), len(e)) {
			nodes = append(nodes, lp.bytes())
			lp = listpackWriter{}
		}
		lp.append(e)
		started = true
		return true
	})
	if started {
		nodes = append(nodes, lp.bytes())
	}
	b = appendRDBLen(b, uint64(len(nodes)))
	for _, n := range nodes {
		b = appendRDBLen(b, quicklistNodePacked)
		b = appendRDBString(b, n)
	}
	return b
}

// appendRDBZset writes a sorted set as RDB_TYPE_ZSET_LISTPACK or
// RDB_TYPE_ZSET_2 (see the top comment).
func appendRDBZset(b []byte, z *zsetValue) []byte {
	if z.listpack {
		var lp listpackWriter
		var score []byte
		z.tree.Scan(func(it zsetItem) bool {
			lp.append([]byte(it.member))
			score = appendRDBListpackScore(score[:0], it.score)
			lp.append(score)
			return true
		})
		return appendRDBString(append(b, rdbTypeZsetListpack), lp.bytes())
	}
	b = appendRDBLen(append(b, rdbTypeZset2), uint64(z.Len()))
	z.tree.Reverse(func(it zsetItem) bool {
		b = appendRDBString(b, []byte(it.member))
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(it.score))
		return true
	})
	return b
}

// appendRDBListpackScore is a score's text in a listpack. A listpack
// holds -0 only when it was restored from a payload with the text "-0"
// (older Redis versions wrote that), which Redis keeps and dumps as is;
// every other score is in zzlInsertAt's form.
func appendRDBListpackScore(b []byte, f float64) []byte {
	if f == 0 && math.Signbit(f) {
		return append(b, "-0"...)
	}
	return appendListpackScore(b, f)
}

func quicklistAllowInsert(nodeSize, sz int) bool {
	return nodeSize+sz+quicklistSizeEstimateOverhead <= listMaxListpackBytes
}

// setIntegers returns the members of v sorted as integers, if every one
// is a canonical integer and there are few enough for an intset.
func setIntegers(v *setValue) ([]int64, bool) {
	if v.size() > setMaxIntsetEntries {
		return nil, false
	}
	ints := make([]int64, 0, v.size())
	ok := true
	v.m.Each(func(k string, _ struct{}) bool {
		n, isInt := parseInt([]byte(k))
		ints = append(ints, n)
		ok = isInt
		return isInt
	})
	if !ok {
		return nil, false
	}
	slices.Sort(ints)
	return ints, true
}

// encodeIntset is an intset blob: uint32 width, uint32 count, then the
// sorted members, all little-endian.
func encodeIntset(ints []int64, minWidth uint8) []byte {
	width := max(minWidth, 2)
	for _, n := range ints {
		width = max(width, intsetWidth(n))
	}
	b := binary.LittleEndian.AppendUint32(nil, uint32(width))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(ints)))
	for _, n := range ints {
		switch width {
		case 2:
			b = binary.LittleEndian.AppendUint16(b, uint16(n))
		case 4:
			b = binary.LittleEndian.AppendUint32(b, uint32(n))
		default:
			b = binary.LittleEndian.AppendUint64(b, uint64(n))
		}
	}
	return b
}

// listpackWriter builds a listpack as lpAppend does: canonical integers
// in the narrowest integer encoding, other strings with the narrowest
// length prefix, each entry followed by its back-length.
type listpackWriter struct {
	body []byte
	n    int
}

const listpackHeader = 6

func (w *listpackWriter) size() int { return listpackHeader + len(w.body) + 1 }

func (w *listpackWriter) append(e []byte) {
	start := len(w.body)
	if n, ok := parseInt(e); ok {
		w.body = appendListpackInt(w.body, n)
	} else {
		switch l := len(e); {
		case l < 64:
			w.body = append(w.body, 0x80|byte(l))
		case l < 4096:
			w.body = append(w.body, 0xE0|byte(l>>8), byte(l))
		default:
			w.body = binary.LittleEndian.AppendUint32(append(w.body, 0xF0), uint32(l))
		}
		w.body = append(w.body, e...)
	}
	w.body = appendBacklen(w.body, len(w.body)-start)
	w.n++
}

func appendListpackInt(b []byte, n int64) []byte {
	switch {
	case n >= 0 && n <= 127:
		return append(b, byte(n))
	case n >= -4096 && n <= 4095:
		u := uint64(n) & 0x1FFF
		return append(b, 0xC0|byte(u>>8), byte(u))
	case n >= math.MinInt16 && n <= math.MaxInt16:
		return binary.LittleEndian.AppendUint16(append(b, 0xF1), uint16(n))
	case n >= -1<<23 && n < 1<<23:
		u := uint32(n)
		return append(b, 0xF2, byte(u), byte(u>>8), byte(u>>16))
	case n >= math.MinInt32 && n <= math.MaxInt32:
		return binary.LittleEndian.AppendUint32(append(b, 0xF3), uint32(n))
	}
	return binary.LittleEndian.AppendUint64(append(b, 0xF4), uint64(n))
}

// appendBacklen is lpEncodeBacklen: l in 7-bit groups, most significant
// first, every byte but the first with the high bit set.
func appendBacklen(b []byte, l int) []byte {
	n := backlenSize(l)
	for i := n - 1; i >= 0; i-- {
		g := byte(l>>(7*i)) & 127
		if i != n-1 {
			g |= 128
		}
		b = append(b, g)
	}
	return b
}

func backlenSize(l int) int {
	switch {
	case l <= 127:
		return 1
	case l < 16383:
		return 2
	case l < 2097151:
		return 3
	case l < 268435455:
		return 4
	}
	return 5
}

func (w *listpackWriter) bytes() []byte {
	b := make([]byte, 0, w.size())
	b = binary.LittleEndian.AppendUint32(b, uint32(w.size()))
	n := w.n
	if n > math.MaxUint16-1 {
		n = math.MaxUint16 // LP_HDR_NUMELE_UNKNOWN
	}
	b = binary.LittleEndian.AppendUint16(b, uint16(n))
	b = append(b, w.body...)
	return append(b, 0xFF)
}

// ---------------------------------------------------------------------------
// LZF, as liblzf 3.6 in Redis (HLOG 16, VERY_FAST): the compressor is
// reproduced step for step, since its choices are what makes a payload
// byte-identical to redis-server's. Its hash table starts empty here;
// Redis's is uninitialised stack memory whose stale slots fail the bounds
// checks in practice.

const (
	lzfHLog   = 16
	lzfHSize  = 1 << lzfHLog
	lzfMaxLit = 1 << 5
	lzfMaxOff = 1 << 13
	lzfMaxRef = 1<<8 + 1<<3
)

// lzfTable is the compressor's hash table of input positions. A slot
// written in an earlier call (an older generation) reads as empty, so the
// 64 Ki slots are cleared once per 2^32 calls rather than on every call.
type lzfTable struct {
	slot [lzfHSize]uint64 // generation<<32 | position
	gen  uint32
}

var lzfTables = sync.Pool{New: func() any { return new(lzfTable) }}

func (t *lzfTable) reset() {
	t.gen++
	if t.gen == 0 {
		t.slot = [lzfHSize]uint64{}
		t.gen = 1
	}
}

// get returns the position stored in slot i, or -1.
func (t *lzfTable) get(i uint32) int {
	if v := t.slot[i]; uint32(v>>32) == t.gen {
		return int(uint32(v))
	}
	return -1
}

func (t *lzfTable) set(i uint32, pos int) { t.slot[i] = uint64(t.gen)<<32 | uint64(pos) }

func lzfIdx(h uint32) uint32 { return ((h >> (3*8 - lzfHLog)) - h*5) & (lzfHSize - 1) }

// lzfCompress compresses in into at most outLen bytes, or returns nil when
// it does not fit (lzf_compress returning 0).
func lzfCompress(in []byte, outLen int) []byte {
	if len(in) < 3 || outLen <= 0 {
		return nil
	}
	ht := lzfTables.Get().(*lzfTable)
	defer lzfTables.Put(ht)
	ht.reset()
	out := make([]byte, outLen+1) // one spare, as Redis allocates outlen+1
	inEnd := len(in)
	ip, op, lit := 0, 1, 0
	hval := uint32(in[0])<<8 | uint32(in[1])
	next := func(h uint32, p int) uint32 { return h<<8 | uint32(in[p+2]) }
	for ip < inEnd-2 {
		hval = next(hval, ip)
		slot := lzfIdx(hval)
		ref := ht.get(slot)
		ht.set(slot, ip)
		off := ip - ref - 1
		if ref > 0 && off < lzfMaxOff && in[ref+2] == in[ip+2] && in[ref] == in[ip] && in[ref+1] == in[ip+1] {
			length := 2
			maxlen := inEnd - ip - length
			if maxlen > lzfMaxRef {
				maxlen = lzfMaxRef
			}
			if op+3+1 >= outLen {
				if op-b2i(lit == 0)+3+1 >= outLen {
					return nil
				}
			}
			out[op-lit-1] = byte(lit - 1)
			op -= b2i(lit == 0)
			length = lzfMatchLen(in, ref, ip, length, maxlen)
			length -= 2
			ip++
			if length < 7 {
				out[op] = byte(off>>8) + byte(length<<5)
				op++
			} else {
				out[op] = byte(off>>8) + 7<<5
				out[op+1] = byte(length - 7)
				op += 2
			}
			out[op] = byte(off)
			op++
			lit = 0
			op++
			ip += length + 1
			if ip >= inEnd-2 {
				break
			}
			ip -= 2
			hval = uint32(in[ip])<<8 | uint32(in[ip+1])
			hval = next(hval, ip)
			ht.set(lzfIdx(hval), ip)
			ip++
			hval = next(hval, ip)
			ht.set(lzfIdx(hval), ip)
			ip++
			continue
		}
		if op >= outLen {
			return nil
		}
		lit++
		out[op] = in[ip]
		op++
		ip++
		if lit == lzfMaxLit {
			out[op-lit-1] = byte(lit - 1)
			lit = 0
			op++
		}
	}
	if op+3 > outLen {
		return nil
	}
	for ip < inEnd {
		lit++
		out[op] = in[ip]
		op++
		ip++
		if lit == lzfMaxLit {
			out[op-lit-1] = byte(lit - 1)
			lit = 0
			op++
		}
	}
	out[op-lit-1] = byte(lit - 1)
	op -= b2i(lit == 0)
	return out[:op]
}

// lzfMatchLen extends a 3-byte match as liblzf's loop does: 16 unrolled
// steps when more than 16 bytes may match (which can step past maxlen
// by design), then one at a time up to maxlen.
func lzfMatchLen(in []byte, ref, ip, length, maxlen int) int {
	if maxlen > 16 {
		for i := 0; i < 16; i++ {
			length++
			if in[ref+length] != in[ip+length] {
				return length
			}
		}
	}
	for {
		length++
		if !(length < maxlen && in[ref+length] == in[ip+length]) {
			return length
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// lzfDecompress is lzf_decompress into exactly n bytes. No 3 bytes of
// input give more than 264 of output (a long back reference), so a
// larger n is corrupt and refused before anything is allocated for it.
func lzfDecompress(in []byte, n int) ([]byte, bool) {
	if n > len(in)*88 {
		return nil, false
	}
	out := make([]byte, 0, n)
	for ip := 0; ip < len(in); {
		ctrl := int(in[ip])
		ip++
		if ctrl < 1<<5 {
			l := ctrl + 1
			if ip+l > len(in) || len(out)+l > n {
				return nil, false
			}
			out = append(out, in[ip:ip+l]...)
			ip += l
			continue
		}
		l := ctrl >> 5
		ref := len(out) - (ctrl&0x1f)<<8 - 1
		if l == 7 {
			if ip >= len(in) {
				return nil, false
			}
			l += int(in[ip])
			ip++
		}
		if ip >= len(in) {
			return nil, false
		}
		ref -= int(in[ip])
		ip++
		l += 2
		if ref < 0 || len(out)+l > n {
			return nil, false
		}
		for i := 0; i < l; i++ {
			out = append(out, out[ref+i])
		}
	}
	return out, len(out) == n
}

// ---------------------------------------------------------------------------
// Reading.

type rdbReader struct {
	b   []byte
	err error
}

func (r *rdbReader) fail() { r.err = errRDBCorrupt }

func (r *rdbReader) take(n int) []byte {
	if r.err != nil || n < 0 || n > len(r.b) {
		r.fail()
		return nil
	}
	s := r.b[:n]
	r.b = r.b[n:]
	return s
}

func (r *rdbReader) byte() byte {
	if s := r.take(1); s != nil {
		return s[0]
	}
	return 0
}

// lenOrEnc is rdbLoadLenByRef: a length, or with enc true the number of a
// special string encoding.
func (r *rdbReader) lenOrEnc() (n uint64, enc bool) {
	b0 := r.byte()
	switch {
	case r.err != nil:
		return 0, false
	case b0>>6 == 3:
		return uint64(b0 & 0x3F), true
	case b0>>6 == 0:
		return uint64(b0 & 0x3F), false
	case b0>>6 == 1:
		return uint64(b0&0x3F)<<8 | uint64(r.byte()), false
	case b0 == 0x80:
		if s := r.take(4); s != nil {
			return uint64(binary.BigEndian.Uint32(s)), false
		}
	case b0 == 0x81:
		if s := r.take(8); s != nil {
			return binary.BigEndian.Uint64(s), false
		}
	default:
		r.fail()
	}
	return 0, false
}

// count is rdbLoadLen for a number of elements (the encoding flag is
// ignored, as Redis does). A count can never exceed the bytes left, each
// element taking at least one, so a corrupt count allocates nothing.
func (r *rdbReader) count() int {
	n, _ := r.lenOrEnc()
	if r.err == nil && n > uint64(len(r.b)) {
		r.fail()
	}
	if r.err != nil {
		return 0
	}
	return int(n)
}

// str is rdbGenericLoadStringObject: a fresh copy of the string, whatever
// its encoding.
func (r *rdbReader) str() []byte {
	n, enc := r.lenOrEnc()
	if r.err != nil {
		return nil
	}
	if !enc {
		if n > uint64(len(r.b)) {
			r.fail()
			return nil
		}
		return append([]byte{}, r.take(int(n))...)
	}
	switch n {
	case 0:
		return strconv.AppendInt(nil, int64(int8(r.byte())), 10)
	case 1:
		if s := r.take(2); s != nil {
			return strconv.AppendInt(nil, int64(int16(binary.LittleEndian.Uint16(s))), 10)
		}
	case 2:
		if s := r.take(4); s != nil {
			return strconv.AppendInt(nil, int64(int32(binary.LittleEndian.Uint32(s))), 10)
		}
	case 3:
		clen := r.count()
		ulen, _ := r.lenOrEnc()
		c := r.take(clen)
		if r.err != nil || ulen > math.MaxInt32 {
			r.fail()
			return nil
		}
		if out, ok := lzfDecompress(c, int(ulen)); ok {
			return out
		}
	}
	r.fail()
	return nil
}

// rdbLoaders read a value of each RDB type Redis 7.0 loads and respraft
// holds, by type byte. An empty container is an error, as in Redis.
var rdbLoaders = map[byte]func(r *rdbReader) (value, error){
	rdbTypeString:         loadRDBString,
	rdbTypeList:           loadRDBPlainList,
	rdbTypeListZiplist:    func(r *rdbReader) (value, error) { return loadRDBListNodes(r, 1, false, decodeZiplist) },
	rdbTypeListQuicklist:  func(r *rdbReader) (value, error) { return loadRDBListNodes(r, r.count(), false, decodeZiplist) },
	rdbTypeListQuicklist2: func(r *rdbReader) (value, error) { return loadRDBListNodes(r, r.count(), true, decodeListpack) },
	rdbTypeSet:            loadRDBSet,
	rdbTypeSetIntset:      loadRDBIntset,
	rdbTypeHash:           loadRDBHash,
	rdbTypeHashListpack:   func(r *rdbReader) (value, error) { return loadRDBPackedHash(r, decodeListpack) },
	rdbTypeHashZiplist:    func(r *rdbReader) (value, error) { return loadRDBPackedHash(r, decodeZiplist) },
	rdbTypeZset:           func(r *rdbReader) (value, error) { return loadRDBZset(r, (*rdbReader).textScore) },
	rdbTypeZset2:          func(r *rdbReader) (value, error) { return loadRDBZset(r, (*rdbReader).binaryScore) },
	rdbTypeZsetListpack:   func(r *rdbReader) (value, error) { return loadRDBPackedZset(r, decodeListpack) },
	rdbTypeZsetZiplist:    func(r *rdbReader) (value, error) { return loadRDBPackedZset(r, decodeZiplist) },
}

func loadRDBString(r *rdbReader) (value, error) {
	s := r.str()
	if r.err != nil {
		return nil, r.err
	}
	return &strValue{b: s}, nil
}

// loadRDBPlainList reads RDB_TYPE_LIST: a count, then the elements.
func loadRDBPlainList(r *rdbReader) (value, error) {
	n := r.count()
	l := newList()
	for i := 0; i < n && r.err == nil; i++ {
		l.PushRight(r.str())
	}
	return nonEmptyList(l, r.err)
}

// loadRDBListNodes reads n nodes, each a packed container (listpack or
// ziplist) or, with containers true, preceded by its container kind where
// PLAIN is one element. Empty nodes are skipped, as Redis does.
func loadRDBListNodes(r *rdbReader, n int, containers bool, unpack func([]byte) ([][]byte, bool)) (value, error) {
	l := newList()
	for i := 0; i < n && r.err == nil; i++ {
		kind := uint64(quicklistNodePacked)
		if containers {
			kind, _ = r.lenOrEnc()
		}
		blob := r.str()
		if r.err != nil {
			break
		}
		switch kind {
		case quicklistNodePlain:
			l.PushRight(blob)
		case quicklistNodePacked:
			elems, ok := unpack(blob)
			if !ok {
				return nil, errRDBCorrupt
			}
			for _, e := range elems {
				l.PushRight(e)
			}
		default:
			return nil, errRDBCorrupt
		}
	}
	return nonEmptyList(l, r.err)
}

func nonEmptyList(l *listValue, err error) (value, error) {
	if err != nil || l.Len() == 0 {
		return nil, errRDBCorrupt
	}
	return l, nil
}

// loadRDBSet reads RDB_TYPE_SET; a repeated member is an error. Members
// go in as SADD's would, as in Redis's loader: a member or a size no
// intset holds makes the set a hashtable for good.
func loadRDBSet(r *rdbReader) (value, error) {
	n := r.count()
	s := newSet()
	for i := 0; i < n && r.err == nil; i++ {
		m := r.str()
		if r.err == nil && !s.add(string(m)) {
			return nil, errRDBCorrupt
		}
	}
	if r.err != nil || s.size() == 0 {
		return nil, errRDBCorrupt
	}
	return s, nil
}

// loadRDBIntset reads RDB_TYPE_SET_INTSET: a string holding an intset.
func loadRDBIntset(r *rdbReader) (value, error) {
	blob := r.str()
	if r.err != nil || len(blob) < 8 {
		return nil, errRDBCorrupt
	}
	width := binary.LittleEndian.Uint32(blob)
	n := binary.LittleEndian.Uint32(blob[4:])
	if (width != 2 && width != 4 && width != 8) || uint64(len(blob)) != 8+uint64(n)*uint64(width) || n == 0 {
		return nil, errRDBCorrupt
	}
	s := newSet()
	for i := 0; i < int(n); i++ {
		p := blob[8+i*int(width):]
		var v int64
		switch width {
		case 2:
			v = int64(int16(binary.LittleEndian.Uint16(p)))
		case 4:
			v = int64(int32(binary.LittleEndian.Uint32(p)))
		default:
			v = int64(binary.LittleEndian.Uint64(p))
		}
		if !s.m.Set(strconv.FormatInt(v, 10), struct{}{}) {
			return nil, errRDBCorrupt
		}
	}
	s.width = uint8(width) // Redis keeps the intset as it came
	// or, past set-max-intset-entries, converts it for good.
	s.ht = s.m.Len() > setMaxIntsetEntries
	return s, nil
}

// loadRDBHash reads RDB_TYPE_HASH: a count, then field and value pairs.
func loadRDBHash(r *rdbReader) (value, error) {
	n := r.count()
	h := newHash()
	for i := 0; i < n && r.err == nil; i++ {
		f := r.str()
		v := r.str()
		if r.err == nil && !h.m.Set(string(f), v) {
			return nil, errRDBCorrupt
		}
	}
	if r.err != nil || h.m.Len() == 0 {
		return nil, errRDBCorrupt
	}
	return h, nil
}

// loadRDBPackedHash reads a hash kept in one listpack or ziplist of
// alternating fields and values.
func loadRDBPackedHash(r *rdbReader, unpack func([]byte) ([][]byte, bool)) (value, error) {
	blob := r.str()
	if r.err != nil {
		return nil, r.err
	}
	elems, ok := unpack(blob)
	if !ok || len(elems) == 0 || len(elems)%2 != 0 {
		return nil, errRDBCorrupt
	}
	h := newHash()
	for i := 0; i < len(elems); i += 2 {
		if !h.m.Set(string(elems[i]), elems[i+1]) {
			return nil, errRDBCorrupt
		}
	}
	return h, nil
}

// loadRDBZset reads RDB_TYPE_ZSET or RDB_TYPE_ZSET_2: a count, then
// member and score pairs (Redis writes them in descending order, but any
// order loads). A NaN score or a repeated member is an error, as in
// Redis. The result is a listpack when it fits, as after Redis's load.
func loadRDBZset(r *rdbReader, score func(*rdbReader) float64) (value, error) {
	n := r.count()
	z := newZset()
	z.listpack = false
	for i := 0; i < n && r.err == nil; i++ {
		m := r.str()
		f := score(r)
		if r.err == nil && !zsetLoadMember(z, string(m), f) {
			return nil, errRDBCorrupt
		}
	}
	if r.err != nil || z.Len() == 0 {
		return nil, errRDBCorrupt
	}
	z.fitListpack()
	return z, nil
}

// binaryScore is rdbLoadBinaryDoubleValue: 8 bytes, little-endian.
func (r *rdbReader) binaryScore() float64 {
	if s := r.take(8); s != nil {
		return math.Float64frombits(binary.LittleEndian.Uint64(s))
	}
	return 0
}

// textScore is rdbLoadDoubleValue: a length byte, 253, 254 and 255
// standing for nan, +inf and -inf, else that many bytes of text read as
// sscanf("%lg") does (leading space skipped, trailing bytes ignored).
func (r *rdbReader) textScore() float64 {
	n := r.byte()
	switch n {
	case 253:
		return math.NaN()
	case 254:
		return math.Inf(1)
	case 255:
		return math.Inf(-1)
	}
	text := r.take(int(n))
	for len(text) > 0 && isCSpace(text[0]) {
		text = text[1:]
	}
	f, used, _ := strtod(text)
	if r.err == nil && used == 0 {
		r.fail()
	}
	return f
}

// loadRDBPackedZset reads a sorted set kept in one listpack or ziplist of
// alternating members and scores. Redis adopts the container as it is
// (unchecked under its default sanitize-dump-payload no); respraft reads
// every score, refuses a NaN, a score that is not a number or a repeated
// member, and sorts the pairs. Redis keeps it a listpack unless it has
// more than 128 members; its conversion to a skiplist keeps the scores
// as they are (-0 included), so only the flag differs.
func loadRDBPackedZset(r *rdbReader, unpack func([]byte) ([][]byte, bool)) (value, error) {
	blob := r.str()
	if r.err != nil {
		return nil, r.err
	}
	elems, ok := unpack(blob)
	if !ok || len(elems) == 0 || len(elems)%2 != 0 {
		return nil, errRDBCorrupt
	}
	z := newZset()
	z.listpack = len(elems)/2 <= zsetMaxListpackEntries
	for i := 0; i < len(elems); i += 2 {
		f, ok := parseScore(elems[i+1])
		if !ok || !zsetLoadMember(z, string(elems[i]), f) {
			return nil, errRDBCorrupt
		}
	}
	return z, nil
}

// zsetLoadMember adds a loaded member with its score exactly (-0 kept),
// reporting false for a NaN score or a member already there.
func zsetLoadMember(z *zsetValue, m string, f float64) bool {
	if math.IsNaN(f) {
		return false
	}
	if _, dup := z.dict.Get(m); dup {
		return false
	}
	z.dict.Set(m, f)
	z.tree.Set(zsetItem{score: f, member: m})
	return true
}

// decodeListpack returns the elements of a listpack (integers as decimal
// strings), checking every entry, its back-length and the terminator.
func decodeListpack(lp []byte) ([][]byte, bool) {
	if len(lp) < listpackHeader+1 || binary.LittleEndian.Uint32(lp) != uint32(len(lp)) || lp[len(lp)-1] != 0xFF {
		return nil, false
	}
	declared := int(binary.LittleEndian.Uint16(lp[4:]))
	var out [][]byte
	p := lp[listpackHeader : len(lp)-1]
	for len(p) > 0 {
		e, size, ok := listpackEntry(p)
		if !ok || size+backlenSize(size) > len(p) {
			return nil, false
		}
		out = append(out, e)
		p = p[size+backlenSize(size):]
	}
	if declared != math.MaxUint16 && declared != len(out) {
		return nil, false
	}
	return out, true
}

// listpackEntry decodes the entry at the start of p: its value and the
// size of its encoding and data (without the back-length).
func listpackEntry(p []byte) ([]byte, int, bool) {
	b0 := p[0]
	str := func(hdr, n int) ([]byte, int, bool) {
		if hdr+n > len(p) || n < 0 {
			return nil, 0, false
		}
		return append([]byte{}, p[hdr:hdr+n]...), hdr + n, true
	}
	num := func(v int64, size int) ([]byte, int, bool) {
		if size > len(p) {
			return nil, 0, false
		}
		return strconv.AppendInt(nil, v, 10), size, true
	}
	switch {
	case b0&0x80 == 0:
		return num(int64(b0), 1)
	case b0&0xC0 == 0x80:
		return str(1, int(b0&0x3F))
	case b0&0xE0 == 0xC0:
		if len(p) < 2 {
			return nil, 0, false
		}
		u := int64(b0&0x1F)<<8 | int64(p[1])
		if u >= 1<<12 {
			u -= 1 << 13
		}
		return num(u, 2)
	case b0&0xF0 == 0xE0:
		if len(p) < 2 {
			return nil, 0, false
		}
		return str(2, int(b0&0x0F)<<8|int(p[1]))
	}
	switch b0 {
	case 0xF0:
		if len(p) < 5 {
			return nil, 0, false
		}
		n := binary.LittleEndian.Uint32(p[1:])
		if n > math.MaxInt32 {
			return nil, 0, false
		}
		return str(5, int(n))
	case 0xF1:
		if len(p) < 3 {
			return nil, 0, false
		}
		return num(int64(int16(binary.LittleEndian.Uint16(p[1:]))), 3)
	case 0xF2:
		if len(p) < 4 {
			return nil, 0, false
		}
		u := int64(p[1]) | int64(p[2])<<8 | int64(p[3])<<16
		if u >= 1<<23 {
			u -= 1 << 24
		}
		return num(u, 4)
	case 0xF3:
		if len(p) < 5 {
			return nil, 0, false
		}
		return num(int64(int32(binary.LittleEndian.Uint32(p[1:]))), 5)
	case 0xF4:
		if len(p) < 9 {
			return nil, 0, false
		}
		return num(int64(binary.LittleEndian.Uint64(p[1:])), 9)
	}
	return nil, 0, false
}

// decodeZiplist returns the elements of a ziplist (Redis 6 and older
// lists and small hashes): zlbytes, zltail, zllen, then entries of
// prevlen, encoding and data, then 0xFF.
func decodeZiplist(zl []byte) ([][]byte, bool) {
	if len(zl) < 11 || binary.LittleEndian.Uint32(zl) != uint32(len(zl)) || zl[len(zl)-1] != 0xFF {
		return nil, false
	}
	var out [][]byte
	p := zl[10 : len(zl)-1]
	for len(p) > 0 {
		// prevlen: one byte, or 0xFE and four.
		if p[0] == 0xFE {
			p = p[min(5, len(p)):]
		} else {
			p = p[1:]
		}
		e, n, ok := ziplistEntry(p)
		if !ok {
			return nil, false
		}
		out = append(out, e)
		p = p[n:]
	}
	declared := int(binary.LittleEndian.Uint16(zl[8:]))
	if declared != math.MaxUint16 && declared != len(out) {
		return nil, false
	}
	return out, true
}

func ziplistEntry(p []byte) ([]byte, int, bool) {
	if len(p) == 0 {
		return nil, 0, false
	}
	b0 := p[0]
	str := func(hdr, n int) ([]byte, int, bool) {
		if hdr+n > len(p) {
			return nil, 0, false
		}
		return append([]byte{}, p[hdr:hdr+n]...), hdr + n, true
	}
	num := func(size int, v func([]byte) int64) ([]byte, int, bool) {
		if 1+size > len(p) {
			return nil, 0, false
		}
		return strconv.AppendInt(nil, v(p[1:]), 10), 1 + size, true
	}
	switch b0 >> 6 {
	case 0:
		return str(1, int(b0&0x3F))
	case 1:
		if len(p) < 2 {
			return nil, 0, false
		}
		return str(2, int(b0&0x3F)<<8|int(p[1]))
	case 2:
		if b0 != 0x80 || len(p) < 5 {
			return nil, 0, false
		}
		return str(5, int(binary.BigEndian.Uint32(p[1:])&math.MaxInt32))
	}
	switch b0 {
	case 0xC0:
		return num(2, func(b []byte) int64 { return int64(int16(binary.LittleEndian.Uint16(b))) })
	case 0xD0:
		return num(4, func(b []byte) int64 { return int64(int32(binary.LittleEndian.Uint32(b))) })
	case 0xE0:
		return num(8, func(b []byte) int64 { return int64(binary.LittleEndian.Uint64(b)) })
	case 0xF0:
		return num(3, func(b []byte) int64 { return int64(int32(uint32(b[0])<<8|uint32(b[1])<<16|uint32(b[2])<<24) >> 8) })
	case 0xFE:
		return num(1, func(b []byte) int64 { return int64(int8(b[0])) })
	}
	if b0 >= 0xF1 && b0 <= 0xFD {
		return strconv.AppendInt(nil, int64(b0&0x0F)-1, 10), 1, true
	}
	return nil, 0, false
}
