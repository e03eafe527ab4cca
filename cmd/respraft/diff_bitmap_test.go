package main

import (
	"slices"
	"strconv"
)

// The bitmap family: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD and
// BITFIELD_RO over the bitmap keys b1..b6 and the string keys (bitmaps are
// strings), with a few writers of other types for WRONGTYPE and
// transactions with WATCH, which check that a key is stamped exactly when
// Redis signals it.
var bitKeys = []string{"b1", "b2", "b3", "b4", "b5", "b6"}

var bitmapFamilyCommands = []string{
	"SETBIT", "GETBIT", "BITCOUNT", "BITPOS", "BITOP", "BITFIELD", "BITFIELD_RO",
	"SET", "GET", "APPEND", "SETRANGE", "DEL", "EXPIRE", "TTL", "HSET", "RPUSH",
	"MULTI", "EXEC", "WATCH", "OBJECT",
}

var (
	// bitOffsets are SETBIT's: small ones, byte and word edges, a few that
	// grow a string by kilobytes, and bad ones. None is near the 512MB
	// limit, which would make both servers allocate 512MB.
	bitOffsets = []string{"0", "1", "7", "8", "9", "15", "16", "31", "32", "63", "64", "65", "100",
		"1000", "1001", "4095", "80000", "-1", "abc", "", "1.5", "4294967296", "9223372036854775807", "#1"}
	// bitReadOffsets add the largest valid offset and the first invalid one,
	// which GETBIT takes without allocating anything.
	bitReadOffsets = append([]string{"4294967295", "4294967296", "2", "3", "5"}, bitOffsets...)
	bitRange       = []string{"0", "1", "2", "-1", "-2", "-3", "3", "5", "7", "8", "9", "15", "16", "63",
		"64", "100", "-8", "-9", "-100", "1000", "abc", "9223372036854775807", "-9223372036854775808"}
	bitfieldTypes = []string{"u1", "u2", "u3", "u8", "i8", "u16", "i16", "i5", "u7", "i32", "u32",
		"i63", "u63", "i64", "I8", "U4",
		"u64", "i65", "i0", "u0", "x8", "u", "", "i-1", "u08"}
	bitfieldOffsets = []string{"0", "1", "3", "7", "8", "13", "16", "31", "64", "100", "1000",
		"#0", "#1", "#2", "#5", "-1", "abc", "#-1", "#", "#abc", "#67108864", "4294967296", "4294967295"}
	bitfieldValues = []string{"0", "1", "-1", "2", "5", "100", "127", "128", "-128", "-129", "255",
		"256", "1000", "-1000", "65535", "9223372036854775807", "-9223372036854775808",
		"4611686018427387904", "abc", "", "1.5"}
)

// bitKey is mostly a bitmap key, sometimes a string key, and sometimes any
// key (WRONGTYPE, or absent).
func (g *gen) bitKey() string {
	switch x := g.n(100); {
	case x < 70:
		return oneOf(g, bitKeys...)
	case x < 88:
		return oneOf(g, strKeys...)
	}
	return g.anyKey()
}

// SETBIT key offset value
func genSetbit(g *gen) step {
	off := oneOf(g, bitOffsets[:16]...)
	if g.p(0.12) {
		off = oneOf(g, bitOffsets...)
	}
	val := oneOf(g, "0", "1", "1")
	if g.p(0.05) {
		val = oneOf(g, "2", "-1", "abc", "", "01")
	}
	return g.cmd("SETBIT", g.bitKey(), off, val)
}

// bitRangeArgs is the optional [start [end [BYTE | BIT]]] of BITCOUNT and
// BITPOS, sometimes with too many arguments or a bad unit.
func (g *gen) bitRangeArgs() []string {
	var args []string
	switch x := g.n(100); {
	case x < 20:
	case x < 35:
		args = []string{oneOf(g, bitRange...)}
	case x < 65:
		args = []string{oneOf(g, bitRange...), oneOf(g, bitRange...)}
	default:
		args = []string{oneOf(g, bitRange...), oneOf(g, bitRange...), g.word(oneOf(g, "BIT", "BYTE"))}
	}
	if g.p(0.05) {
		args = append(args, oneOf(g, "FOO", "BIT", "1"))
	}
	if len(args) == 3 && g.p(0.04) {
		args[2] = oneOf(g, "BITS", "")
	}
	return args
}

// BITFIELD key [GET type offset | [OVERFLOW WRAP|SAT|FAIL] SET|INCRBY type offset value ...]
func genBitfield(ro bool) func(*gen) step {
	return func(g *gen) step {
		args := []string{g.bitKey()}
		typ := func() string {
			if g.p(0.06) {
				return oneOf(g, bitfieldTypes...)
			}
			return oneOf(g, bitfieldTypes[:16]...)
		}
		// The last offset is the largest valid one and #67108864 is 2^26
		// fields: only GET takes them, a write there would make a string of
		// up to 512MB on both servers (and one the diff's reader refuses).
		off := func(write bool) string {
			if g.p(0.06) {
				if write {
					return oneOf(g, slices.DeleteFunc(slices.Clone(bitfieldOffsets), func(o string) bool {
						return o == "4294967295" || o == "#67108864"
					})...)
				}
				return oneOf(g, bitfieldOffsets...)
			}
			return oneOf(g, bitfieldOffsets[:15]...)
		}
		val := func() string {
			if g.p(0.04) {
				return oneOf(g, bitfieldValues...)
			}
			return oneOf(g, bitfieldValues[:18]...)
		}
		for i := g.n(5); i > 0; i-- {
			x := g.n(100)
			if ro && x >= 12 {
				x = 0 // BITFIELD_RO: mostly GETs
			}
			switch {
			case x < 35:
				args = append(args, g.word("GET"), typ(), off(false))
			case x < 60:
				args = append(args, g.word("SET"), typ(), off(true), val())
			case x < 85:
				args = append(args, g.word("INCRBY"), typ(), off(true), val())
			case x < 97:
				args = append(args, g.word("OVERFLOW"), g.word(oneOf(g, "WRAP", "SAT", "FAIL")))
			default:
				args = append(args, oneOf(g, []string{"OVERFLOW", "FOO"}, []string{"GET", "u8"}, []string{"FOO"},
					[]string{"OVERFLOW"}, []string{"SET", "u8", "0"})...)
			}
		}
		name := "BITFIELD"
		if ro {
			name = "BITFIELD_RO"
		}
		return g.cmd(name, args...)
	}
}

// BITOP AND|OR|XOR|NOT destkey key [key ...]
func genBitop(g *gen) step {
	op := g.word(oneOf(g, "AND", "OR", "XOR", "NOT"))
	if g.p(0.03) {
		op = oneOf(g, "FOO", "ANDX", "")
	}
	n := 1 + g.n(3)
	if op == "NOT" || op == "not" {
		n = 1
		if g.p(0.1) {
			n = 2
		}
	}
	args := []string{op, g.bitKey()}
	for ; n > 0; n-- {
		args = append(args, g.bitKey())
	}
	return g.cmd("BITOP", args...)
}

func init() {
	bitGens := []genEntry{
		{name: "SETBIT", weight: 30, simple: genSetbit},
		{name: "GETBIT", weight: 12, simple: func(g *gen) step {
			return g.cmd("GETBIT", g.bitKey(), oneOf(g, bitReadOffsets...))
		}},
		{name: "BITCOUNT", weight: 14, simple: func(g *gen) step {
			return g.cmd("BITCOUNT", append([]string{g.bitKey()}, g.bitRangeArgs()...)...)
		}},
		{name: "BITPOS", weight: 16, simple: func(g *gen) step {
			bit := oneOf(g, "0", "1")
			if g.p(0.04) {
				bit = oneOf(g, "2", "-1", "abc", "")
			}
			return g.cmd("BITPOS", append([]string{g.bitKey(), bit}, g.bitRangeArgs()...)...)
		}},
		{name: "BITOP", weight: 10, simple: genBitop},
		{name: "BITFIELD", weight: 18, simple: genBitfield(false)},
		{name: "BITFIELD_RO", weight: 6, simple: genBitfield(true)},
		// Whole-string writers of the bitmap keys: values with all sorts
		// of bit patterns, and the empty string.
		{name: "SET bitmap", weight: 4, simple: func(g *gen) step {
			v := oneOf(g, "\xff", "\xff\xff\xf0", "\x00\x00\x01", "\x0f", "\xf0\x00", "a", "hello", "",
				"\x80", "\x01", "\xff\xff\xff\xff\xff\xff\xff\xff\xff", "\x00\xff\x00")
			return g.cmd("SET", oneOf(g, bitKeys...), v)
		}},
		{name: "DEL bitmap", weight: 2, simple: func(g *gen) step { return g.cmd("DEL", g.bitKey()) }},
		// SETBIT, BITFIELD and BITOP leave "raw" strings, as in Redis.
		{name: "OBJECT ENCODING bitmap", weight: 4, simple: func(g *gen) step {
			return g.cmd("OBJECT", "ENCODING", g.bitKey())
		}},
		{name: "GET bitmap", weight: 3, simple: func(g *gen) step { return g.cmd("GET", g.bitKey()) }},
		{name: "EXPIRE bitmap", weight: 1, simple: func(g *gen) step {
			return g.cmd("EXPIRE", g.bitKey(), strconv.Itoa(1000+g.n(100000)))
		}},
		{name: "TTL bitmap", weight: 1, simple: mode(cmpTolSeconds, func(g *gen) step { return g.cmd("TTL", g.bitKey()) })},
	}
	// A few rows of the main generator, lightly weighted: string writers
	// of the string keys, other types for WRONGTYPE, and transactions.
	weights := map[string]int{"SET": 4, "APPEND": 2, "SETRANGE": 2, "HSET": 1, "RPUSH": 1, "MULTI": 8}
	diffFamilies = append(diffFamilies, diffFamily{
		name: "bitmap",
		keys: bitKeys,
		gens: func() []genEntry {
			out := append([]genEntry(nil), bitGens...)
			for _, e := range diffGens() {
				if w, ok := weights[e.name]; ok {
					e.weight = w
					out = append(out, e)
				}
			}
			return out
		},
		commands: bitmapFamilyCommands,
	})
}
