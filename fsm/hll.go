package fsm

import (
	"encoding/binary"
	"math"
	"math/bits"
)

// HyperLogLog, byte for byte as redis-server 7.0 stores it, so that a value
// copied between Redis and respraft with GET/SET keeps working and PFCOUNT
// gives Redis's estimate. An HLL is an ordinary string (no type byte of its
// own); the commands in cmd_hll.go read and rewrite its bytes.
//
// Layout: a 16-byte header, "HYLL", the encoding (0 dense, 1 sparse), three
// unused bytes (kept as they are), and the cached cardinality as a 64-bit
// little-endian integer whose top bit set means "stale". Then either
//
//   - dense: 16384 6-bit registers packed from the least significant bit of
//     each byte up (12288 bytes), or
//   - sparse: a run-length code of opcodes ZERO 00xxxxxx (1..64 zero
//     registers), XZERO 01xxxxxx yyyyyyyy (1..16384 zero registers) and VAL
//     1vvvvvxx (1..4 registers of value 1..32).
//
// The sparse code is updated in place as Redis's hllSparseSet does (split
// the covering opcode, then merge neighbouring VALs within a window of five
// opcodes), because a different but equivalent code would give different
// GET bytes. It turns dense when a register needs a value over 32 or the
// string would grow past hll-sparse-max-bytes (3000, Redis's default).
//
// Corrupted values (APPEND/SETRANGE on an HLL) are read the way the C code
// reads them, including that a trailing XZERO's second byte is the string's
// NUL terminator: a read past the end gives 0.
const (
	hllP            = 14
	hllQ            = 64 - hllP // hash bits that give the run of zeros
	hllRegisters    = 1 << hllP
	hllPMask        = hllRegisters - 1
	hllBits         = 6
	hllRegisterMax  = 1<<hllBits - 1
	hllHdrSize      = 16
	hllDenseSize    = hllHdrSize + (hllRegisters*hllBits+7)/8
	hllEncDense     = 0
	hllEncSparse    = 1
	hllMaxEncoding  = 1
	hllSparseMaxLen = 3000 // hll-sparse-max-bytes, header included

	sparseValMaxValue = 32
	sparseValMaxLen   = 4
	sparseZeroMaxLen  = 64
	sparseXZeroMaxLen = 16384

	hllHashSeed = 0xadc83b19
	hllAlphaInf = 0.721347520444481703680 // 1/(2 ln 2)
)

// Opcodes of the sparse encoding.
func spIsZero(op byte) bool    { return op&0xc0 == 0 }
func spIsXZero(op byte) bool   { return op&0xc0 == 0x40 }
func spIsVal(op byte) bool     { return op&0x80 != 0 }
func spZeroLen(op byte) int    { return int(op&0x3f) + 1 }
func spValValue(op byte) uint8 { return (op>>2)&0x1f + 1 }
func spValLen(op byte) int     { return int(op&0x3) + 1 }
func spVal(val uint8, n int) byte {
	return (val-1)<<2 | byte(n-1) | 0x80
}
func spXZeroLen(b []byte, p int) int { return (int(b[p]&0x3f)<<8 | int(byteAt(b, p+1))) + 1 }

// byteAt is b[i], or the NUL terminator Redis's sds strings have past the
// end.
func byteAt(b []byte, i int) byte {
	if i < len(b) {
		return b[i]
	}
	return 0
}

// appendZeros appends a ZERO or XZERO opcode for n zero registers.
func appendZeros(seq []byte, n int) []byte {
	if n > sparseZeroMaxLen {
		return append(seq, byte((n-1)>>8)|0x40, byte((n-1)&0xff))
	}
	return append(seq, byte(n-1))
}

// murmur64A is MurmurHash64A as Redis has it: 8-byte blocks read
// little-endian on every architecture.
func murmur64A(key []byte, seed uint64) uint64 {
	const m = 0xc6a4a7935bd1e995
	const r = 47
	h := seed ^ uint64(len(key))*m
	n := len(key) &^ 7
	for i := 0; i < n; i += 8 {
		k := binary.LittleEndian.Uint64(key[i:])
		k *= m
		k ^= k >> r
		k *= m
		h ^= k
		h *= m
	}
	tail := key[n:]
	if len(tail) > 0 {
		for i := len(tail) - 1; i >= 0; i-- {
			h ^= uint64(tail[i]) << (8 * i)
		}
		h *= m
	}
	h ^= h >> r
	h *= m
	h ^= h >> r
	return h
}

// hllPatLen returns the register an element falls in and the length of
// the run of zeros (plus one) of the rest of its hash: 1..hllQ+1.
func hllPatLen(ele []byte) (index int, count uint8) {
	hash := murmur64A(ele, hllHashSeed)
	index = int(hash & hllPMask)
	hash >>= hllP
	hash |= 1 << hllQ // bounds the run
	return index, uint8(bits.TrailingZeros64(hash) + 1)
}

// newHLL is Redis's createHLLObject: an empty sparse HLL (one XZERO of
// 16384), its cache valid at 0.
func newHLL() []byte {
	b := make([]byte, hllHdrSize, hllHdrSize+2)
	copy(b, "HYLL")
	b[4] = hllEncSparse
	return appendZeros(b, hllRegisters)
}

// isHLL is Redis's isHLLObjectOrReply test of a string value.
func isHLL(b []byte) bool {
	if len(b) < hllHdrSize || string(b[:4]) != "HYLL" || b[4] > hllMaxEncoding {
		return false
	}
	return b[4] != hllEncDense || len(b) == hllDenseSize
}

func hllInvalidate(b []byte)      { b[15] |= 0x80 }
func hllCacheValid(b []byte) bool { return b[15]&0x80 == 0 }
func hllCached(b []byte) uint64   { return binary.LittleEndian.Uint64(b[8:16]) }
func hllSetCache(b []byte, card uint64) {
	binary.LittleEndian.PutUint64(b[8:16], card)
}

// denseGet reads register i of the packed dense registers.
func denseGet(regs []byte, i int) uint8 {
	byt, fb := i*hllBits/8, uint(i*hllBits&7)
	b0, b1 := uint(regs[byt]), uint(byteAt(regs, byt+1))
	return uint8((b0>>fb | b1<<(8-fb)) & hllRegisterMax)
}

// denseSet stores val in register i.
func denseSet(regs []byte, i int, val uint8) {
	byt, fb := i*hllBits/8, uint(i*hllBits&7)
	v := uint(val)
	regs[byt] &^= byte(hllRegisterMax << fb)
	regs[byt] |= byte(v << fb)
	if byt+1 < len(regs) {
		regs[byt+1] &^= byte(hllRegisterMax >> (8 - fb))
		regs[byt+1] |= byte(v >> (8 - fb))
	}
}

// denseRaise sets register i to count if that is larger, and reports
// whether it was (hllDenseSet).
func denseRaise(regs []byte, i int, count uint8) bool {
	if count > denseGet(regs, i) {
		denseSet(regs, i, count)
		return true
	}
	return false
}

// hllAdd adds one element to the HLL b (a valid header is assumed) and
// returns the possibly reallocated bytes and 1 if a register changed, 0 if
// not, -1 if the sparse code is corrupt.
func hllAdd(b []byte, ele []byte) ([]byte, int) {
	index, count := hllPatLen(ele)
	switch b[4] {
	case hllEncDense:
		if denseRaise(b[hllHdrSize:], index, count) {
			return b, 1
		}
		return b, 0
	case hllEncSparse:
		return sparseSet(b, index, count)
	}
	return b, -1
}

// sparseToDense converts a sparse HLL to dense, keeping the whole header
// (unused bytes and cached cardinality included) as Redis does. A dense b
// is returned as it is; ok is false if the sparse code does not cover
// exactly 16384 registers.
func sparseToDense(b []byte) ([]byte, bool) {
	if b[4] == hllEncDense {
		return b, true
	}
	d := make([]byte, hllDenseSize)
	copy(d, b[:hllHdrSize])
	d[4] = hllEncDense
	regs := d[hllHdrSize:]
	idx := 0
	for p := hllHdrSize; p < len(b); {
		switch op := b[p]; {
		case spIsZero(op):
			idx += spZeroLen(op)
			p++
		case spIsXZero(op):
			idx += spXZeroLen(b, p)
			p += 2
		default:
			n, val := spValLen(op), spValValue(op)
			if idx+n > hllRegisters {
				return b, false
			}
			for ; n > 0; n-- {
				denseSet(regs, idx, val)
				idx++
			}
			p++
		}
	}
	return d, idx == hllRegisters
}

// sparseSet is Redis's hllSparseSet: raise register index to count in the
// sparse code, splitting the opcode that covers it and merging equal VALs
// around it, or promote to dense.
func sparseSet(b []byte, index int, count uint8) ([]byte, int) {
	if count > sparseValMaxValue {
		return sparsePromote(b, index, count)
	}
	// Step 1: find the opcode p that covers index, and the one before it.
	p, prev := hllHdrSize, -1
	first, span := 0, 0
	for p < len(b) {
		oplen := 1
		switch op := b[p]; {
		case spIsZero(op):
			span = spZeroLen(op)
		case spIsVal(op):
			span = spValLen(op)
		default:
			span = spXZeroLen(b, p)
			oplen = 2
		}
		if index <= first+span-1 {
			break
		}
		prev = p
		p += oplen
		first += span
	}
	if span == 0 || p >= len(b) {
		return b, -1
	}
	op := b[p]
	isZero, isXZero := spIsZero(op), spIsXZero(op)
	runlen := span

	// Step 2: the trivial cases, changed in place.
	if spIsVal(op) {
		if spValValue(op) >= count {
			return b, 0
		}
		if runlen == 1 {
			b[p] = spVal(count, 1)
			return sparseMerge(b, prev), 1
		}
	}
	if isZero && runlen == 1 {
		b[p] = spVal(count, 1)
		return sparseMerge(b, prev), 1
	}

	// Otherwise split the opcode into up to three.
	last := first + span - 1
	seq := make([]byte, 0, 5)
	if isZero || isXZero {
		if index != first {
			seq = appendZeros(seq, index-first)
		}
		seq = append(seq, spVal(count, 1))
		if index != last {
			seq = appendZeros(seq, last-index)
		}
	} else {
		cur := spValValue(op)
		if index != first {
			seq = append(seq, spVal(cur, index-first))
		}
		seq = append(seq, spVal(count, 1))
		if index != last {
			seq = append(seq, spVal(cur, last-index))
		}
	}

	// Step 3: put the sequence in place of the opcode.
	oldlen := 1
	if isXZero {
		oldlen = 2
	}
	delta := len(seq) - oldlen
	if delta > 0 && len(b)+delta > hllSparseMaxLen {
		return sparsePromote(b, index, count)
	}
	nb := make([]byte, len(b)+delta, len(b)+delta+3)
	copy(nb, b[:p])
	// An XZERO cut by the end of the string loses seq's last byte, as in
	// C. (Redis leaves that byte just past the end, where its NUL was; a
	// later read past the end, by the same PFADD or a later command, sees
	// it there and 0 here. Only a value cut by hand can get there.)
	copy(nb[p:], seq)
	if p+oldlen < len(b) {
		copy(nb[p+len(seq):], b[p+oldlen:])
	}
	return sparseMerge(nb, prev), 1
}

// sparseMerge is step 4 of hllSparseSet: starting at the opcode before the
// changed one, join adjacent VALs of equal value whose lengths fit one VAL,
// looking at five opcodes at most. Then the cache is marked stale.
func sparseMerge(b []byte, prev int) []byte {
	p := prev
	if p < 0 {
		p = hllHdrSize
	}
	for scan := 5; p < len(b) && scan > 0; {
		scan--
		switch op := b[p]; {
		case spIsXZero(op):
			p += 2
			continue
		case spIsZero(op):
			p++
			continue
		}
		if p+1 < len(b) && spIsVal(b[p+1]) {
			v1, v2 := spValValue(b[p]), spValValue(b[p+1])
			if v1 == v2 {
				if n := spValLen(b[p]) + spValLen(b[p+1]); n <= sparseValMaxLen {
					b[p+1] = spVal(v1, n)
					b = append(b[:p], b[p+1:]...)
					continue // try to merge the result with its right neighbour
				}
			}
		}
		p++
	}
	hllInvalidate(b)
	return b
}

// sparsePromote converts to dense and sets the register there; the
// register is known to be lower than count, so it always changes.
func sparsePromote(b []byte, index int, count uint8) ([]byte, int) {
	d, ok := sparseToDense(b)
	if !ok {
		return b, -1
	}
	denseRaise(d[hllHdrSize:], index, count)
	return d, 1
}

// hllMerge raises max[i] to register i of the HLL b (hllMerge in Redis).
// It reports false for a sparse code that does not cover 16384 registers.
func hllMerge(max *[hllRegisters]uint8, b []byte) bool {
	if b[4] == hllEncDense {
		regs := b[hllHdrSize:]
		for i := range max {
			if v := denseGet(regs, i); v > max[i] {
				max[i] = v
			}
		}
		return true
	}
	i := 0
	for p := hllHdrSize; p < len(b); {
		switch op := b[p]; {
		case spIsZero(op):
			i += spZeroLen(op)
			p++
		case spIsXZero(op):
			i += spXZeroLen(b, p)
			p += 2
		default:
			n, val := spValLen(op), spValValue(op)
			if i+n > hllRegisters {
				return false
			}
			for ; n > 0; n-- {
				if val > max[i] {
					max[i] = val
				}
				i++
			}
			p++
		}
	}
	return i == hllRegisters
}

// hllHisto is the number of registers with each value.
type hllHisto [64]int

// hllCount estimates the cardinality of the HLL b from its registers
// (ignoring the cache). invalid is true for a sparse code that does not
// cover 16384 registers.
func hllCount(b []byte) (card uint64, invalid bool) {
	var h hllHisto
	if b[4] == hllEncDense {
		regs := b[hllHdrSize:]
		for i := 0; i < hllRegisters; i++ {
			h[denseGet(regs, i)]++
		}
		return h.estimate(), false
	}
	idx := 0
	for p := hllHdrSize; p < len(b); {
		switch op := b[p]; {
		case spIsZero(op):
			n := spZeroLen(op)
			idx += n
			h[0] += n
			p++
		case spIsXZero(op):
			n := spXZeroLen(b, p)
			idx += n
			h[0] += n
			p += 2
		default:
			n := spValLen(op)
			idx += n
			h[spValValue(op)] += n
			p++
		}
	}
	if idx != hllRegisters {
		return 0, true
	}
	return h.estimate(), false
}

// rawCount estimates the cardinality of merged registers (PFCOUNT of
// several keys).
func rawCount(max *[hllRegisters]uint8) uint64 {
	var h hllHisto
	for _, v := range max {
		h[v]++
	}
	return h.estimate()
}

// estimate is the estimator of Ertl's "New cardinality estimation
// algorithms for HyperLogLog sketches" as Redis 7's hllCount computes it.
// Values above hllQ+1 (only a corrupted dense HLL has them) count for
// nothing, as in Redis. Every product is rounded on its own (float64(...))
// so that no platform fuses it into an FMA: replicas must agree exactly.
// An estimate of 2^63 or more (or +Inf: only registers over hllQ+1 make
// one) is what llroundl gives on x86-64 for it, LLONG_MIN, which Redis
// stores and replies as -9223372036854775808; Go's conversion of such a
// float differs between architectures.
func (h *hllHisto) estimate() uint64 {
	const m = float64(hllRegisters)
	z := float64(m * hllTau((m-float64(h[hllQ+1]))/m))
	for j := hllQ; j >= 1; j-- {
		z += float64(h[j])
		z *= 0.5
	}
	z += float64(m * hllSigma(float64(h[0])/m))
	e := math.Round(float64(float64(hllAlphaInf*m)*m) / z)
	if !(e < 1<<63) {
		return 1 << 63
	}
	return uint64(e)
}

// hllSigma is Ertl's sigma function, for 0 <= x <= 1.
func hllSigma(x float64) float64 {
	if x == 1 {
		return math.Inf(1)
	}
	y, z := 1.0, x
	for {
		x *= x
		prev := z
		z += float64(x * y)
		y += y
		if z == prev {
			return z
		}
	}
}

// hllTau is Ertl's tau function, for 0 <= x <= 1.
func hllTau(x float64) float64 {
	if x == 0 || x == 1 {
		return 0
	}
	y, z := 1.0, 1-x
	for {
		x = math.Sqrt(x)
		prev := z
		y *= 0.5
		d := 1 - x
		z -= float64(float64(d*d) * y)
		if z == prev {
			return z / 3
		}
	}
}
