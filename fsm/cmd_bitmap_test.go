package fsm

import (
	"strings"
	"testing"
)

const minInt64 = ":-9223372036854775808\r\n"

const errBFType = "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."

func TestBitmapSetGetBit(t *testing.T) {
	tf := newTestFSM(t)
	tf.run([]step{
		{c("SETBIT b 7 1"), integer(0)},
		{c("GET b"), bulk("\x01")},
		{c("SETBIT b 7 1"), integer(1)},
		{c("SETBIT b 0 1"), integer(0)},
		{c("GET b"), bulk("\x81")},
		{c("SETBIT b 7 0"), integer(1)},
		{c("SETBIT b 17 1"), integer(0)}, // grows to 3 bytes
		{c("GET b"), bulk("\x80\x00\x40")},
		{c("GETBIT b 0"), integer(1)},
		{c("GETBIT b 1"), integer(0)},
		{c("GETBIT b 17"), integer(1)},
		{c("GETBIT b 1000"), integer(0)},
		{c("GETBIT b 4294967295"), integer(0)},
		{c("GETBIT nokey 3"), integer(0)},
		{c("SETBIT z 8 0"), integer(0)}, // creates two zero bytes
		{c("GET z"), bulk("\x00\x00")},
		{c("SET s a"), ok},
		{c("SETBIT s 6 1"), integer(0)},
		{c("GET s"), bulk("c")},
		{c("SETBIT b -1 1"), errReply(errBitOffset)},
		{c("SETBIT b abc 1"), errReply(errBitOffset)},
		{c("SETBIT b #1 1"), errReply(errBitOffset)},
		{c("SETBIT b 4294967296 1"), errReply(errBitOffset)},
		{c("GETBIT b 4294967296"), errReply(errBitOffset)},
		{c("GETBIT nokey abc"), errReply(errBitOffset)},
		{c("SETBIT b 1 2"), errReply(errBitValue)},
		{c("SETBIT b 1 -1"), errReply(errBitValue)},
		{c("SETBIT b 1 abc"), errReply(errBitValue)},
		{c("SETBIT b 1"), errReply(ArityError("setbit"))},
		{c("RPUSH l a"), integer(1)},
		{c("SETBIT l 0 1"), errReply(ErrWrongType)},
		{c("GETBIT l 0"), errReply(ErrWrongType)},
		{c("SETBIT l abc 1"), errReply(errBitOffset)}, // arguments before the key
	})
}

func TestBitmapBitCount(t *testing.T) {
	tf := newTestFSM(t)
	tf.do("SET", "k", "foobar") // 26 bits set; "f" 4, "o" 6, "b" 3, "a" 3, "r" 4
	tf.run([]step{
		{c("BITCOUNT k"), integer(26)},
		{c("BITCOUNT k 0 0"), integer(4)},
		{c("BITCOUNT k 1 1"), integer(6)},
		{c("BITCOUNT k 1 1 BYTE"), integer(6)},
		{c("BITCOUNT k -1 -1"), integer(4)},
		{c("BITCOUNT k 5 30 BIT"), integer(17)},
		{c("BITCOUNT k 0 7 bit"), integer(4)},
		{c("BITCOUNT k 1 6 BIT"), integer(4)}, // "f" = 01100110: bits 1..6 hold 1,1,0,0,1,1
		{c("BITCOUNT k -8 -1 BIT"), integer(4)},
		{c("BITCOUNT k 0 1000"), integer(26)},
		{c("BITCOUNT k -100 -1"), integer(26)},
		{c("BITCOUNT k 3 1"), integer(0)},
		{c("BITCOUNT k -1 -2 FOO"), integer(0)}, // negative and empty: before the unit
		{c("BITCOUNT k 9223372036854775807 -2"), integer(0)},
		{c("BITCOUNT k 0"), errReply(ErrSyntax)},
		{c("BITCOUNT k 0 1 FOO"), errReply(ErrSyntax)},
		{c("BITCOUNT k 0 1 BIT 1"), errReply(ErrSyntax)},
		{c("BITCOUNT k a 1"), errReply(ErrNotInteger)},
		{c("BITCOUNT k 1 a"), errReply(ErrNotInteger)},
		// An absent key is 0 whatever follows.
		{c("BITCOUNT nokey"), integer(0)},
		{c("BITCOUNT nokey a b"), integer(0)},
		{c("BITCOUNT nokey 0"), integer(0)},
		{c("HSET h f v"), integer(1)},
		{c("BITCOUNT h"), errReply(ErrWrongType)},
		{c("BITCOUNT h a"), errReply(ErrWrongType)},
		{[]string{"SET", "e", ""}, ok},
		{c("BITCOUNT e"), integer(0)},
		{c("BITCOUNT e 0 -1 BIT"), integer(0)},
	})
}

func TestBitmapBitPos(t *testing.T) {
	tf := newTestFSM(t)
	tf.do("SET", "k", "\xff\xf0\x00")
	tf.do("SET", "ones", "\xff\xff")
	tf.run([]step{
		{c("BITPOS k 0"), integer(12)},
		{c("BITPOS k 1"), integer(0)},
		{c("BITPOS k 1 1"), integer(8)},
		{c("BITPOS k 1 2"), integer(-1)},
		{c("BITPOS k 0 0 0"), integer(-1)},
		{c("BITPOS k 1 3 100 BIT"), integer(3)},
		{c("BITPOS k 1 12 100 BIT"), integer(-1)},
		{c("BITPOS k 0 3 13 BIT"), integer(12)},
		{c("BITPOS k 1 -1"), integer(-1)},
		{c("BITPOS k 0 -1"), integer(16)},
		{c("BITPOS k 1 -9 -1 BIT"), integer(-1)},
		{c("BITPOS k 1 -13 -1 BIT"), integer(11)},
		{c("BITPOS k 1 2 1"), integer(-1)},
		// A clear bit past the end: found only when no end is given.
		{c("BITPOS ones 0"), integer(16)},
		{c("BITPOS ones 0 1"), integer(16)},
		{c("BITPOS ones 0 0 -1"), integer(-1)},
		{c("BITPOS ones 0 3 BIT"), errReply(ErrNotInteger)}, // BIT is taken for the end
		{c("BITPOS ones 0 3 -1 BIT"), integer(-1)},
		{c("BITPOS ones 0 3 15 BIT"), integer(-1)},
		{c("BITPOS ones 0 1 3 BIT"), integer(-1)},
		{c("BITPOS ones 1 100"), integer(-1)},
		// An absent key is all zeros: 0 for a clear bit, -1 for a set one.
		{c("BITPOS nokey 0"), integer(0)},
		{c("BITPOS nokey 1"), integer(-1)},
		{c("BITPOS nokey 0 a b FOO x"), integer(0)},
		{c("BITPOS nokey 2"), errReply(errBitArg)},
		{c("BITPOS nokey abc"), errReply(ErrNotInteger)},
		{c("BITPOS k 1 a"), errReply(ErrNotInteger)},
		{c("BITPOS k 1 0 a"), errReply(ErrNotInteger)},
		{c("BITPOS k 1 0 a FOO"), errReply(ErrSyntax)}, // the unit before end
		{c("BITPOS k 1 0 1 BIT x"), errReply(ErrSyntax)},
		{[]string{"SET", "e", ""}, ok},
		{c("BITPOS e 0"), integer(-1)},
		{c("BITPOS e 1"), integer(-1)},
		{c("RPUSH l a"), integer(1)},
		{c("BITPOS l 0"), errReply(ErrWrongType)},
	})
}

func TestBitmapBitOp(t *testing.T) {
	tf := newTestFSM(t)
	tf.do("SET", "a", "\xff\x0f")
	tf.do("SET", "b", "\x0f")
	tf.run([]step{
		{c("BITOP AND d a b"), integer(2)},
		{c("GET d"), bulk("\x0f\x00")},
		{c("BITOP or d a b"), integer(2)},
		{c("GET d"), bulk("\xff\x0f")},
		{c("BITOP XOR d a b nokey"), integer(2)},
		{c("GET d"), bulk("\xf0\x0f")},
		{c("BITOP NOT d b"), integer(1)},
		{c("GET d"), bulk("\xf0")},
		{c("BITOP AND d a nokey"), integer(2)},
		{c("GET d"), bulk("\x00\x00")},
		{c("BITOP AND a a a"), integer(2)}, // destination among the sources
		{c("GET a"), bulk("\xff\x0f")},
		{c("BITOP NOT d a b"), errReply(errBitOpNot)},
		{c("BITOP FOO d a"), errReply(ErrSyntax)},
		{c("BITOP AND d"), errReply(ArityError("bitop"))},
		{c("RPUSH l x"), integer(1)},
		{c("BITOP AND d a l"), errReply(ErrWrongType)},
		// An empty result deletes the destination, whatever it held.
		{c("BITOP OR l nokey"), integer(0)},
		{c("EXISTS l"), integer(0)},
		{c("SET d x EX 100"), ok},
		{c("BITOP OR d a"), integer(2)},
		{c("TTL d"), integer(-1)},
	})
	if got := tf.do("BITOP", "AND\x00x", "d", "a"); got != integer(2) {
		t.Errorf("BITOP with a NUL after the operation: got %q", got)
	}
}

func TestBitmapBitField(t *testing.T) {
	tf := newTestFSM(t)
	tf.run([]step{
		{c("BITFIELD k SET i8 0 -1 GET u8 0 GET i8 0"), array(integer(0), integer(255), integer(-1))},
		{c("BITFIELD k INCRBY u2 100 1 OVERFLOW SAT incrby u2 102 1"), array(integer(1), integer(1))},
		{c("STRLEN k"), integer(13)},
		{c("BITFIELD k GET u8 #1 GET u8 8"), array(integer(0), integer(0))},
		{c("BITFIELD k SET u8 #1 200 GET u8 8"), array(integer(0), integer(200))},
		// Overflow: WRAP (default), SAT, FAIL.
		{c("BITFIELD w SET u8 0 255 INCRBY u8 0 10"), array(integer(0), integer(9))},
		{c("BITFIELD w OVERFLOW SAT INCRBY u8 0 1000 INCRBY u8 0 -1000"), array(integer(255), integer(0))},
		{c("BITFIELD w OVERFLOW FAIL INCRBY u8 0 256 INCRBY u8 0 255"), array(nilBulk, integer(255))},
		{c("BITFIELD w SET i8 0 127 INCRBY i8 0 1"), array(integer(-1), integer(-128))},
		{c("BITFIELD w OVERFLOW SAT SET i8 0 200 GET i8 0"), array(integer(-128), integer(127))},
		{c("BITFIELD w OVERFLOW SAT SET u8 0 -1 GET u8 0"), array(integer(127), integer(255))},
		{c("BITFIELD w OVERFLOW WRAP SET u8 0 -2 GET u8 0"), array(integer(255), integer(254))},
		{c("BITFIELD w OVERFLOW FAIL SET u8 0 -2 GET u8 0"), array(nilBulk, integer(254))},
		// i8 SET of MinInt64: the C code's wrapping arithmetic reports an
		// overflow upwards, so SAT stores 127.
		{c("BITFIELD w OVERFLOW SAT SET i8 0 -9223372036854775808 GET i8 0"), array(integer(-2), integer(127))},
		{c("BITFIELD x SET i64 0 9223372036854775807 INCRBY i64 0 1"), array(integer(0), minInt64)},
		{c("BITFIELD x OVERFLOW SAT INCRBY i64 0 -1"), array(minInt64)},
		{c("BITFIELD x SET u63 0 9223372036854775807 GET u63 0"), array(integer(4611686018427387904), integer(9223372036854775807))},
		// Only GETs on an absent key: nothing is created.
		{c("BITFIELD nokey GET u8 0 GET i64 #3"), array(integer(0), integer(0))},
		{c("EXISTS nokey"), integer(0)},
		{c("BITFIELD nokey"), array()},
		// A FAIL on an absent key still creates it, as Redis does.
		{c("BITFIELD f OVERFLOW FAIL SET u2 0 5"), array(nilBulk)},
		{c("GET f"), bulk("\x00")},
		// Errors, all before the key is looked at.
		{c("BITFIELD k GET u64 0"), errReply(errBFType)},
		{c("BITFIELD k GET i65 0"), errReply(errBFType)},
		{c("BITFIELD k GET i0 0"), errReply(errBFType)},
		{c("BITFIELD k GET U8 0"), errReply(errBFType)},
		{c("BITFIELD k GET x8 0"), errReply(errBFType)},
		{c("BITFIELD k GET u 0"), errReply(errBFType)},
		{c("BITFIELD k GET u8 -1"), errReply(errBitOffset)},
		{c("BITFIELD k GET u8 #-1"), errReply(errBitOffset)},
		{c("BITFIELD k GET i64 #67108864"), errReply(errBitOffset)},
		{c("BITFIELD k GET i64 #67108863"), array(integer(0))},
		{c("BITFIELD k SET u8 0 abc"), errReply(ErrNotInteger)},
		{c("BITFIELD k GET u8"), errReply(ErrSyntax)},
		{c("BITFIELD k FOO"), errReply(ErrSyntax)},
		{c("BITFIELD k OVERFLOW FOO GET u8 0"), errReply(errOverflowType)},
		{c("BITFIELD k OVERFLOW"), errReply(ErrSyntax)},
		{c("RPUSH l a"), integer(1)},
		{c("BITFIELD l GET u8 0"), errReply(ErrWrongType)},
		{c("BITFIELD l"), errReply(ErrWrongType)},
		{c("BITFIELD l GET x8 0"), errReply(errBFType)},
		// BITFIELD_RO.
		{c("BITFIELD_RO k GET u8 8 OVERFLOW SAT GET i8 8"), array(integer(200), integer(-56))},
		{c("BITFIELD_RO k SET u8 0 1"), errReply(errBitfieldROSet)},
		{c("BITFIELD_RO k INCRBY u8 0 1 GET u8 0"), errReply(errBitfieldROSet)},
		{c("BITFIELD_RO k GET u64 0"), errReply(errBFType)},
		{c("BITFIELD_RO nokey GET u8 0"), array(integer(0))},
		{c("BITFIELD_RO l GET u8 0"), errReply(ErrWrongType)},
	})
	if got := tf.do("BITFIELD", "k", "get", "i8\x00x", "8"); got != array(integer(-56)) {
		t.Errorf("BITFIELD type read up to a NUL: got %q", got)
	}
	if cmd := Lookup([]byte("bitfield_ro")); !cmd.Is(FlagReadOnly) || cmd.Is(FlagWrite) {
		t.Errorf("BITFIELD_RO flags: %v", cmd.Flags.Names())
	}
}

// TestBitmapWatch: keys are stamped exactly when Redis signals them.
func TestBitmapWatch(t *testing.T) {
	tf := newTestFSM(t)
	tf.do("SET", "k", "a") // 01100001
	cases := []struct {
		cmd     string
		changed bool
	}{
		{"SETBIT k 1 1", false}, // already set
		{"SETBIT k 0 0", false},
		{"SETBIT k 0 1", true},
		{"SETBIT k 100 0", true}, // grows the string
		{"BITFIELD k GET u8 0", false},
		{"BITFIELD k SET u8 0 225", false}, // same value
		{"BITFIELD k SET u8 0 97", true},
		{"BITFIELD k INCRBY u8 0 0", false},
		{"BITFIELD k OVERFLOW WRAP INCRBY u8 0 256", false},
		{"BITFIELD k INCRBY u8 0 1 INCRBY u8 0 -1", true},
		{"BITFIELD k OVERFLOW FAIL INCRBY u2 0 100", false},
		{"BITFIELD k OVERFLOW FAIL SET u8 1000 1000", false}, // grows, but fails: not signalled
		{"BITFIELD k SET u8 2000 0", true},                   // grows
		{"BITFIELD nk OVERFLOW FAIL SET u2 0 5", false},      // created, not signalled
		{"BITFIELD nk2 SET u8 0 0", true},
		{"BITOP AND d nokey", false}, // nothing to delete
		{"BITOP OR k nokey2", true},  // deletes k
		{"BITOP OR k nk", true},
	}
	for _, tc := range cases {
		key := strings.Fields(tc.cmd)[1]
		if strings.HasPrefix(tc.cmd, "BITOP") {
			key = strings.Fields(tc.cmd)[2]
		}
		obs := tf.index
		tf.do(strings.Fields(tc.cmd)...)
		got := tf.exec([]Watch{{DB: 0, Key: []byte(key), Index: obs}}, c("PING"))
		want := array(status("PONG"))
		if tc.changed {
			want = nilArray
		}
		if got != want {
			t.Errorf("%s: EXEC watching %s: got %q, want %q", tc.cmd, key, got, want)
		}
	}
	if got := tf.do("STRLEN", "k"); got != integer(1) {
		t.Errorf("STRLEN k after BITOP OR k nk: got %q", got)
	}
	if got := tf.do("STRLEN", "nk"); got != integer(1) {
		t.Errorf("the FAILed BITFIELD did not create nk: STRLEN %q", got)
	}
}
