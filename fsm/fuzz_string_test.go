package fsm

import (
	"encoding/binary"
	"math"
	"math/bits"
	"strconv"
	"strings"
	"testing"
)

// The decoders of string values that commands read byte by byte: the
// HyperLogLog format (hll.go) and bitmaps (cmd_bitmap.go). A client can
// SET any bytes, so no string may make these commands panic, hang or
// allocate beyond the bytes the command addresses.

// fuzzHLLValue turns fuzz bytes into a string value: raw, or behind an
// HLL header ("HYLL", the encoding, three unused bytes, the cache) so
// that it passes the magic check. A dense body is cut or zero-padded to
// the dense size.
func fuzzHLLValue(mode byte, body []byte) string {
	if mode&1 == 0 {
		return string(body)
	}
	enc := mode >> 1 & 1
	hdr := []byte{'H', 'Y', 'L', 'L', enc, 0, 0, 0}
	cache := uint64(len(body)) * 977
	if mode&4 != 0 {
		cache |= 1 << 63 // stale
	}
	hdr = binary.LittleEndian.AppendUint64(hdr, cache)
	if enc == hllEncDense {
		regs := make([]byte, hllDenseSize-hllHdrSize)
		for i := range regs {
			if len(body) > 0 {
				regs[i] = body[i%len(body)]
			}
		}
		body = regs
	}
	return string(hdr) + string(body)
}

// fuzzHLLReplyOK reports whether r is an acceptable reply of an HLL
// command on a value of any bytes.
func fuzzHLLReplyOK(r string) bool {
	switch {
	case strings.HasPrefix(r, "-"):
		return r == errReply(errNotHLL) || r == errReply(errInvalidHLL)
	case strings.HasPrefix(r, ":"):
		// An estimate past 2^63 is LLONG_MIN, as llroundl gives Redis.
		n, err := strconv.ParseInt(r[1:len(r)-2], 10, 64)
		return err == nil && (n >= 0 || n == math.MinInt64)
	}
	return r == ok
}

func FuzzHLLString(f *testing.F) {
	empty := string(newHLL()[hllHdrSize:])
	f.Add(byte(3), []byte(empty), byte(3), []byte(empty), "a b c")
	f.Add(byte(3), []byte{0x7f, 0x40, 0x00, 0x90}, byte(3), []byte{0x40, 0x01}, "x")
	f.Add(byte(3), []byte{0x80, 0x7f, 0xff}, byte(1), []byte{1, 2, 3}, "")
	f.Add(byte(1), []byte{0xff}, byte(0), []byte("HYLL"), "foo bar")
	f.Add(byte(7), []byte{0x41}, byte(2), []byte{}, "z")
	f.Add(byte(0), []byte("HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xff"), byte(1), []byte{0xfc, 0x3f, 0xff}, "1 2 3 4 5 6 7 8")

	f.Fuzz(func(t *testing.T, mode1 byte, body1 []byte, mode2 byte, body2 []byte, elems string) {
		if len(body1) > 4096 || len(body2) > 4096 || len(elems) > 512 {
			return
		}
		tf := newTestFSM(t)
		do := checkedDo(t, tf)
		check := func(args ...string) string {
			t.Helper()
			r := do(args...)
			if !fuzzHLLReplyOK(r) {
				t.Fatalf("%s = %q, want an integer, OK or an HLL error", strings.Join(args, " "), r)
			}
			return r
		}
		v1 := fuzzHLLValue(mode1, body1)
		do("SET", "a", v1)
		do("SET", "b", fuzzHLLValue(mode2, body2))
		words := strings.Fields(elems)
		if len(words) > 32 {
			words = words[:32]
		}
		check("PFCOUNT", "a")
		check(append([]string{"PFADD", "a"}, words...)...)
		check("PFCOUNT", "a")
		check("PFCOUNT", "a", "b")
		check("PFMERGE", "c", "a", "b")
		check("PFMERGE", "b", "a")
		check("PFCOUNT", "c")
		check("PFADD", "b", "x", "y")
		check("PFCOUNT", "b")
		check("PFCOUNT", "b", "c", "nokey")
		n := int64(len(v1))
		do("GETRANGE", "a", strconv.FormatInt(n/2, 10), "-1")
		do("SETRANGE", "a", strconv.FormatInt(n-n/3, 10), elems)
		check("PFCOUNT", "a")
		do("APPEND", "a", elems)
		check("PFCOUNT", "a")
		check(append([]string{"PFADD", "a"}, words...)...)
		check("PFMERGE", "a", "b")
		check("PFCOUNT", "a")
		do("GET", "a")

		snap, err := tf.f.Snapshot()
		if err != nil {
			t.Fatal(err)
		}
		if got, want := restored(t, snap).DigestAll(), tf.f.DigestAll(); got != want {
			t.Fatalf("digest after a snapshot round trip: got %s, want %s", got, want)
		}
	})
}

// fuzzBitOffset makes a bit offset argument out of a fuzzed integer: a
// small one (cheap to allocate) for most values, and as it is for values
// Redis must refuse (negative, or 512 MB and beyond), so that a bug that
// lets one through allocates visibly.
func fuzzBitOffset(x int64) (arg string, valid bool) {
	if x >= 0 && x>>3 < maxStringLen {
		return strconv.FormatInt(x%(1<<14), 10), true
	}
	return strconv.FormatInt(x, 10), false
}

// bitOf is bit off of s, most significant first; 0 past the end.
func bitOf(s string, off int64) int64 {
	if off>>3 >= int64(len(s)) {
		return 0
	}
	return int64(s[off>>3]>>(7-off&7)) & 1
}

func FuzzBitString(f *testing.F) {
	f.Add([]byte("foobar"), []byte("abc"), int64(7), int64(-1), int64(1), uint8(8))
	f.Add([]byte{0xff, 0xf0, 0x00}, []byte{}, int64(4294967296), int64(2), int64(-3), uint8(64))
	f.Add([]byte{}, []byte{0x0f}, int64(-1), int64(9223372036854775807), int64(-9223372036854775808), uint8(63))
	f.Add([]byte{0, 0, 0, 1}, []byte("x"), int64(31), int64(0), int64(100), uint8(129))
	f.Add([]byte("HYLL"), []byte{0xff, 0xff}, int64(1<<40), int64(-100), int64(5), uint8(200))

	f.Fuzz(func(t *testing.T, val, other []byte, x, y, z int64, w uint8) {
		if len(val) > 4096 || len(other) > 4096 {
			return
		}
		tf := newTestFSM(t)
		do := checkedDo(t, tf)
		expect := func(want string, args ...string) {
			t.Helper()
			if got := do(args...); got != want {
				t.Fatalf("%s = %q, want %q", strings.Join(args, " "), got, want)
			}
		}
		s := string(val)
		do("SET", "k", s)
		do("SET", "o", string(other))
		ones := 0
		for _, b := range val {
			ones += bits.OnesCount8(b)
		}
		expect(integer(ones), "BITCOUNT", "k")
		first1, first0 := int64(-1), int64(len(s))*8
		if len(s) == 0 {
			first0 = -1 // an empty string, unlike an absent key
		}
		for i := int64(len(s)*8) - 1; i >= 0; i-- {
			if bitOf(s, i) == 1 {
				first1 = i
			} else {
				first0 = i
			}
		}
		expect(":"+strconv.FormatInt(first1, 10)+"\r\n", "BITPOS", "k", "1")
		expect(":"+strconv.FormatInt(first0, 10)+"\r\n", "BITPOS", "k", "0")
		xs, ys, zs := strconv.FormatInt(x, 10), strconv.FormatInt(y, 10), strconv.FormatInt(z, 10)
		do("BITCOUNT", "k", xs, ys)
		do("BITCOUNT", "k", xs, ys, "BIT")
		do("BITPOS", "k", "1", xs, ys, "BIT")
		do("BITPOS", "k", "0", ys)
		do("GETRANGE", "k", xs, ys)

		// GETBIT and SETBIT: a valid offset reads the model's bit, a
		// huge or negative one is refused.
		off, valid := fuzzBitOffset(x)
		if !valid {
			expect(errReply(errBitOffset), "GETBIT", "k", off)
			expect(errReply(errBitOffset), "SETBIT", "k", off, "1")
			expect(errReply(errBitOffset), "BITFIELD", "k", "GET", "u8", off)
			expect(errReply(errBitOffset), "BITFIELD", "k", "SET", "i5", off, "1")
			expect(errReply(errBitOffset), "BITFIELD_RO", "k", "GET", "i64", off)
		} else {
			o, _ := strconv.ParseInt(off, 10, 64)
			old := bitOf(s, o)
			expect(integer(int(old)), "GETBIT", "k", off)
			expect(integer(int(old)), "SETBIT", "k", off, strconv.Itoa(int(1-old)))
			expect(integer(int(1-old)), "GETBIT", "k", off)
			expect(integer(int(1-old)), "SETBIT", "k", off, strconv.Itoa(int(old)))
		}

		// BITFIELD: a GET of any type reads the model's bits.
		signed := w&0x80 != 0
		width := int64(w&0x3f) + 1
		typ := "u"
		if signed {
			typ = "i"
		}
		typ += strconv.FormatInt(width, 10)
		if !signed && width == 64 {
			expect(errReply(errBitfieldType), "BITFIELD", "k", "GET", typ, "0")
		} else {
			o := y & 0x3fff
			var raw uint64
			for i := int64(0); i < width; i++ {
				raw = raw<<1 | uint64(bitOf(s, o+i))
			}
			want := int64(raw)
			if signed && width < 64 && raw&(1<<(width-1)) != 0 {
				want = int64(raw | ^uint64(0)<<width)
			}
			expect(array(":"+strconv.FormatInt(want, 10)+"\r\n"), "BITFIELD_RO", "k", "GET", typ, strconv.FormatInt(o, 10))
			// "#n" offsets count fields of the type's width, the product
			// wrapping as in C: one that lands out of range is refused.
			switch p := y * width; {
			case p < 0 || p>>3 >= maxStringLen:
				expect(errReply(errBitOffset), "BITFIELD", "k", "SET", typ, "#"+ys, zs)
			case p < 1<<17:
				r := do("BITFIELD", "k", "OVERFLOW", "SAT", "INCRBY", typ, "#"+ys, zs, "OVERFLOW", "FAIL", "SET", typ, strconv.FormatInt(o, 10), zs, "GET", typ, "#"+ys)
				if !strings.HasPrefix(r, "*3\r\n") {
					t.Fatalf("BITFIELD k ... #%s = %q, want 3 replies", ys, r)
				}
			}
			do("BITFIELD", "k", "OVERFLOW", "WRAP", "INCRBY", typ, strconv.FormatInt(o, 10), zs)
		}

		// BITOP against the other key, checked byte by byte.
		for _, op := range []string{"AND", "OR", "XOR"} {
			cur := do("GET", "k")
			body, _ := fuzzBulkBody(cur)
			m := max(len(body), len(other))
			expect(integer(m), "BITOP", op, "d", "k", "o")
			want := make([]byte, m)
			for i := range want {
				var a, b byte
				if i < len(body) {
					a = body[i]
				}
				if i < len(other) {
					b = other[i]
				}
				switch op {
				case "AND":
					want[i] = a & b
				case "OR":
					want[i] = a | b
				default:
					want[i] = a ^ b
				}
			}
			if m == 0 {
				expect(nilBulk, "GET", "d")
			} else {
				expect(bulk(string(want)), "GET", "d")
			}
		}
		do("BITOP", "NOT", "d", "o")

		// SETRANGE: a negative offset and one past 512 MB are refused;
		// small ones agree with a model.
		switch {
		case z < 0:
			expect(errReply(ErrOffsetRange), "SETRANGE", "k", zs, "x")
		case z > maxStringLen-1:
			expect(errReply(ErrStringTooLong), "SETRANGE", "k", zs, "x")
		}
		cur, _ := fuzzBulkBody(do("GET", "k"))
		o := int(z & 0x3fff)
		patch := string(other[:min(len(other), 64)])
		model := []byte(cur)
		if len(patch) > 0 {
			if len(model) < o+len(patch) {
				model = append(model, make([]byte, o+len(patch)-len(model))...)
			}
			copy(model[o:], patch)
		}
		expect(integer(len(model)), "SETRANGE", "k", strconv.Itoa(o), patch)
		if len(model) > 0 {
			expect(bulk(string(model)), "GETRANGE", "k", "0", "-1")
		}

		snap, err := tf.f.Snapshot()
		if err != nil {
			t.Fatal(err)
		}
		if got, want := restored(t, snap).DigestAll(), tf.f.DigestAll(); got != want {
			t.Fatalf("digest after a snapshot round trip: got %s, want %s", got, want)
		}
	})
}
