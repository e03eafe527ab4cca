package fsm

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"
)

// redisVectors are DUMP payloads of redis-server 7.0.15 (default config),
// captured with
//
//	redis-server --port 7340 --save '' --appendonly no
//	redis-cli -p 7340 <the commands>
//	redis-cli -p 7340 --raw DUMP key | head -c -1 | xxd -p
//
// respraft must DUMP the same bytes for the same value, and RESTORE them
// to the same value.
var redisVectors = []struct {
	name  string
	build []string // builds key k
	hex   string
	read  []string // a read of k whose reply shows the value
	want  string
}{
	{"raw string", c("SET k hello"), "000568656c6c6f0a006372df766534200a",
		c("GET k"), bulk("hello")},
	{"int16 string", c("SET k 12345"), "00c139300a009d94ea2793fc08b9",
		c("GET k"), bulk("12345")},
	{"int8 string", c("SET k -100"), "00c09c0a00ff77a3b766addee4",
		c("GET k"), bulk("-100")},
	{"int32 string", c("SET k 100000"), "00c2a08601000a00f12403506f2fa674",
		c("GET k"), bulk("100000")},
	{"LZF string", []string{"SET", "k", strings.Repeat("a", 50)}, "00c30932016161e025000161610a0009ac48b9ab15fbc9",
		c("GET k"), bulk(strings.Repeat("a", 50))},
	{"long integer string", c("SET k 9223372036854775807"), "0013393232333337323033363835343737353830370a003a657e9481e85f22",
		c("GET k"), bulk("9223372036854775807")},
	{"list", c("RPUSH k a b 1 2"), "1201021111000000040081610281620201010201ff0a006d72713e9b43482b",
		c("LRANGE k 0 -1"), array(bulk("a"), bulk("b"), bulk("1"), bulk("2"))},
	{"list of every integer width", c("RPUSH k -1 1000 -5000 100000 -10000000 9223372036854775807 3000000000"),
		"12010230300000000700dfff02c3e802f178ec03f2a0860104f3806967ff05f4ffffffffffffff7f09f4005ed0b20000000009ff0a00b2a2df6744d0e659",
		c("LRANGE k 0 -1"), array(bulk("-1"), bulk("1000"), bulk("-5000"), bulk("100000"), bulk("-10000000"), bulk("9223372036854775807"), bulk("3000000000"))},
	{"list with an LZF-compressed listpack", []string{"RPUSH", "k", strings.Repeat("x", 100)},
		"120102c310406e086e0000000100e06478e05a000166ff0a006e306adf62fb8b26",
		c("LLEN k"), integer(1)},
	{"intset of int16", c("SADD k 3 1 2"), "0b0e02000000030000000100020003000a00a5025ce26d6e4d1b",
		c("SISMEMBER k 3"), integer(1)},
	{"intset of int32", c("SADD k 1 70000 -3"), "0b140400000003000000fdffffff01000000701101000a007b8d4dddaf2286d7",
		c("SISMEMBER k -3"), integer(1)},
	{"intset of int64", c("SADD k 1 7000000000"), "0b180800000002000000010000000000000000863ba1010000000a00ed9415944aa3712b",
		c("SISMEMBER k 7000000000"), integer(1)},
	{"listpack hash", c("HSET k f v f2 3"), "1013130000000400816602817602826632030301ff0a00320c28cf34b64e28",
		c("HGETALL k"), array(bulk("f"), bulk("v"), bulk("f2"), bulk("3"))},
	{"hashtable hash", []string{"HSET", "k", "f", strings.Repeat("long-", 14)},
		"04010166c30d4046056c6f6e672d6ce0350401672d0a009a18873ef7ebe493",
		c("HGET k f"), bulk(strings.Repeat("long-", 14))},
	{"listpack zset", c("ZADD k 1 a 2 b"), "111111000000040081610201018162020201ff0a00ba07f224a9d28f55",
		c("ZRANGE k 0 -1 WITHSCORES"), bulks("a", "1", "b", "2")},
	// -0 is stored as 0; 2^62 (and 2^62-1, the same double) as integers,
	// 1e20 as text; the listpack is LZF-compressed.
	{"listpack zset of every score form", c("ZADD k 1 a 2.5 b -0 c inf d -inf e 1e20 f 4611686018427387904 g 4611686018427387903 h"),
		"11c34046404e1f4e0000001000816502842d696e66058163020001816102010181620283322e350404816702f4202340000340098168e0030c0c66028531652b32300681640283203d0104ff0a00989d1421e41ed7cd",
		c("ZRANGE k 0 -1 WITHSCORES"), bulks("e", "-inf", "c", "0", "a", "1", "b", "2.5", "g", "4.6116860184273879e+18", "h", "4.6116860184273879e+18", "f", "1e+20", "d", "inf")},
	{"listpack zset of text scores", c("ZADD k 1 a 0.1 b -2.5e-3 c 123456789012345678 d"),
		"11c33a404c114c0000000800816302962d302e3030323530e0040008311781620293302e31e00415201713148161020101816402f450f330a64b9bb60109ff0a001096291ec32528df",
		c("ZRANGE k 0 -1 WITHSCORES"), bulks("c", "-0.0025000000000000001", "b", "0.10000000000000001", "a", "1", "d", "1.2345678901234568e+17")},
	// A 70-byte member makes a skiplist, written from the highest score
	// down; c was added (as 0) while it was still a listpack.
	{"skiplist zset", []string{"ZADD", "k", "1", "a", "2.5", "b", "-0", "c", "inf", "d", "-inf", "e", "3", strings.Repeat("x", 70)},
		"05060164000000000000f07fc3094046017878e039000178780000000000000840016200000000000004400161000000000000f03f016300000000000000000165000000000000f0ff0a00c2cbaf056e7e8800",
		c("ZRANGE k 0 -1 WITHSCORES"), bulks("e", "-inf", "c", "0", "a", "1", "b", "2.5", strings.Repeat("x", 70), "3", "d", "inf")},
}

func TestDumpMatchesRedis(t *testing.T) {
	for _, v := range redisVectors {
		tf := newTestFSM(t)
		tf.do(v.build...)
		payload := unhex(t, v.hex)
		if got := tf.do("DUMP", "k"); got != bulk(payload) {
			t.Errorf("%s: DUMP = %x, want %s", v.name, got, v.hex)
		}
		if got := tf.do("RESTORE", "r", "0", payload); got != ok {
			t.Errorf("%s: RESTORE = %q", v.name, got)
			continue
		}
		read := append([]string{v.read[0], "r"}, v.read[2:]...)
		if got := tf.do(read...); got != v.want {
			t.Errorf("%s: %v after RESTORE = %q, want %q", v.name, read, got, v.want)
		}
		if a, b := tf.do("DEBUG", "DIGEST-VALUE", "k"), tf.do("DEBUG", "DIGEST-VALUE", "r"); a != b {
			t.Errorf("%s: restored value differs from the original", v.name)
		}
	}
}

// The string-set payload comes from Redis's hashtable, in its own order.
func TestRestoreRedisHashtableSet(t *testing.T) {
	tf := newTestFSM(t)
	tf.run([]step{
		{[]string{"RESTORE", "k", "0", unhex(t, "0202016201610a0075d99d835ef85f65")}, ok},
		{c("SCARD k"), integer(2)},
		{c("SMISMEMBER k a b c"), array(integer(1), integer(1), integer(0))},
		{c("OBJECT ENCODING k"), bulk("hashtable")},
		// Redis's DUMP of SADD s a 1 2: once a string member made the
		// loaded set a hashtable, it stays one without it (redis-server
		// 7.0.15 answers hashtable after the SREM).
		{[]string{"RESTORE", "t", "0", unhex(t, "02030161c001c0020a004f985ae7ab647bc2")}, ok},
		{c("SREM t a"), integer(1)},
		{c("OBJECT ENCODING t"), bulk("hashtable")},
	})
}

// Payloads redis-server 7.0.15 wrote with other zset-max-listpack-*
// settings (CONFIG SET before the ZADDs), restored under the defaults:
// the encoding and then the DUMP must follow Redis's load.
const (
	// zset-max-listpack-entries 200; ZADD big129 0 0 .. 0 128.
	zsetListpack129Hex = "11420c0c020000020100010001010100010a0100016401000165010001660100016701000168010001690100016a0100016b0100016c0100016d0100010b0100016e0100016f01000170010001710100017201000173010001740100017501000176010001770100010c01000178010001790100017a0100017b0100017c0100017d0100017e0100017f010001c0800200010d0100010e0100010f01000110010001110100011201000113010001020100011401000115010001160100011701000118010001190100011a0100011b0100011c0100011d010001030100011e0100011f01000120010001210100012201000123010001240100012501000126010001270100010401000128010001290100012a0100012b0100012c0100012d0100012e0100012f01000130010001310100010501000132010001330100013401000135010001360100013701000138010001390100013a0100013b010001060100013c0100013d0100013e0100013f01000140010001410100014201000143010001440100014501000107010001460100014701000148010001490100014a0100014b0100014c0100014d0100014e0100014f0100010801000150010001510100015201000153010001540100015501000156010001570100015801000159010001090100015a0100015b0100015c0100015d0100015e0100015f01000160010001610100016201000163010001ff0a00b9df64a008e34a9b"
	// zset-max-listpack-value 100; ZADD long 1 a 2 <70 times y>.
	zsetLongListpackHex = "11c31740570d5700000004008161020101e04679e03c0003480201ff0a009de06206a3420285"
	// zset-max-listpack-entries 0; ZADD sk 1 a -0 b 1.5 c inf d.
	zsetSmallSkiplistHex = "05040164000000000000f07f0163000000000000f83f0161000000000000f03f016200000000000000800a00b242db2202a2e694"
	// Redis's DUMP of zsetSmallSkiplistHex after restoring it: a listpack,
	// -0 turned into 0.
	zsetSmallSkiplistRedumpHex = "11212100000008008162020001816102010181630283312e350481640283696e6604ff0a00e3272263c405b936"
)

func TestRestoreZsetEncoding(t *testing.T) {
	tf := newTestFSM(t)
	long := strings.Repeat("y", 70)
	tf.run([]step{
		// A listpack over 128 members becomes a skiplist.
		{[]string{"RESTORE", "big", "0", unhex(t, zsetListpack129Hex)}, ok},
		{c("OBJECT ENCODING big"), bulk("skiplist")},
		{c("ZCARD big"), integer(129)},
		{c("ZRANGE big 0 2"), bulks("0", "1", "10")},
		// A listpack of 2 with a long member stays a listpack, dumps as
		// it came, and stays one when a short member is added.
		{[]string{"RESTORE", "long", "0", unhex(t, zsetLongListpackHex)}, ok},
		{c("OBJECT ENCODING long"), bulk("listpack")},
		{c("DUMP long"), bulk(unhex(t, zsetLongListpackHex))},
		{c("ZRANGE long 0 -1 WITHSCORES"), bulks("a", "1", long, "2")},
		{c("ZADD long 3 c"), integer(1)},
		{c("OBJECT ENCODING long"), bulk("listpack")},
		// A small ZSET_2 becomes a listpack, with -0 as 0.
		{[]string{"RESTORE", "sk", "0", unhex(t, zsetSmallSkiplistHex)}, ok},
		{c("OBJECT ENCODING sk"), bulk("listpack")},
		{c("ZSCORE sk b"), bulk("0")},
		{c("DUMP sk"), bulk(unhex(t, zsetSmallSkiplistRedumpHex))},
	})
	if got := tf.do("DUMP", "big"); len(got) < 10 || !strings.HasPrefix(got[strings.Index(got, "\r\n")+2:], "\x05\x40\x81") {
		t.Errorf("DUMP of the restored 129-member listpack = %q..., want RDB_TYPE_ZSET_2 of 129", got[:min(len(got), 20)])
	}
}

// The older sorted-set encodings, built here and checked on
// redis-server 7.0.15 (restored there, then ZRANGE WITHSCORES and DUMP).
func TestRestoreOlderZsets(t *testing.T) {
	// RDB_TYPE_ZSET: scores as text, 254 and 255 for +inf and -inf;
	// " 2xyz" reads as 2 (sscanf) and -0 becomes 0 in the listpack.
	old := appendRDBLen([]byte{rdbTypeZset}, 5)
	for _, p := range []struct{ m, s string }{{"a", "1.5"}, {"b", "\xfe"}, {"c", "\xff"}, {"d", " 2xyz"}, {"e", "-0"}} {
		old = appendRDBString(old, []byte(p.m))
		if len(p.s) == 1 && p.s[0] >= 253 {
			old = append(old, p.s[0])
		} else {
			old = append(append(old, byte(len(p.s))), p.s...)
		}
	}
	zl := testZiplist([]byte("a"), 2, []byte("b"), []byte("2.5"), []byte("c"), 300)
	zipped := appendRDBString([]byte{rdbTypeZsetZiplist}, zl)
	tf := newTestFSM(t)
	tf.run([]step{
		{[]string{"RESTORE", "old", "0", withFooter(old, 9)}, ok},
		{c("OBJECT ENCODING old"), bulk("listpack")},
		{c("ZRANGE old 0 -1 WITHSCORES"), bulks("c", "-inf", "e", "0", "a", "1.5", "d", "2", "b", "inf")},
		{c("DUMP old"), bulk(unhex(t, "112a2a0000000a00816302842d696e6605816502000181610283312e3504816402020181620283696e6604ff0a00149b56342c889603"))},
		{[]string{"RESTORE", "zz", "0", withFooter(zipped, 9)}, ok},
		{c("OBJECT ENCODING zz"), bulk("listpack")},
		{c("ZRANGE zz 0 -1 WITHSCORES"), bulks("a", "2", "b", "2.5", "c", "300")},
		{c("DUMP zz"), bulk(unhex(t, "111a1a0000000600816102020181620283322e3504816302c12c02ff0a009b07a34497e94ba1"))},
	})
}

// A listpack Redis 7.0 never writes: out of order, and -0 as text (as
// older versions stored it). Redis would adopt it unsorted (it does not
// check the order); respraft sorts it, keeps -0 and dumps "-0" again.
func TestRestoreUnorderedListpackZset(t *testing.T) {
	var lp listpackWriter
	for _, e := range []string{"b", "2", "a", "3", "z", "-0", "c", "-1.5"} {
		lp.append([]byte(e))
	}
	payload := withFooter(appendRDBString([]byte{rdbTypeZsetListpack}, lp.bytes()), 10)
	tf := newTestFSM(t)
	tf.run([]step{
		{[]string{"RESTORE", "k", "0", payload}, ok},
		{c("ZRANGE k 0 -1 WITHSCORES"), bulks("c", "-1.5", "z", "-0", "b", "2", "a", "3")},
		{c("ZRANK k a"), integer(3)},
	})
	var want listpackWriter
	for _, e := range []string{"c", "-1.5", "z", "-0", "b", "2", "a", "3"} {
		want.append([]byte(e))
	}
	if p := dumpPayload(mustRestore(t, payload)); !bytes.Equal(p[:len(p)-10], appendRDBString([]byte{rdbTypeZsetListpack}, want.bytes())) {
		t.Errorf("DUMP = %x, want the sorted listpack", p)
	}
}

func mustRestore(t *testing.T, payload string) value {
	t.Helper()
	v, err := restorePayload([]byte(payload))
	if err != nil {
		t.Fatalf("restore: %v", err)
	}
	return v
}

func TestCRC64Jones(t *testing.T) {
	// The check value of crc-64-jones, as in Redis's crc64.c test.
	if got := crc64Jones(0, []byte("123456789")); got != 0xe9c6d914c4b8d9ca {
		t.Errorf("crc64(123456789) = %#x, want 0xe9c6d914c4b8d9ca", got)
	}
}

// withFooter appends a valid version and checksum to an RDB object.
func withFooter(obj []byte, version uint16) string {
	b := binary.LittleEndian.AppendUint16(append([]byte{}, obj...), version)
	return string(binary.LittleEndian.AppendUint64(b, crc64Jones(0, b)))
}

func TestRestoreOlderEncodings(t *testing.T) {
	plainList := appendRDBLen([]byte{rdbTypeList}, 2)
	plainList = appendRDBString(appendRDBString(plainList, []byte("x")), []byte("42"))

	plainHash := appendRDBLen([]byte{rdbTypeHash}, 1)
	plainHash = appendRDBString(appendRDBString(plainHash, []byte("f")), []byte("v"))

	// A ziplist of "ab", 7 (immediate), 300 (int16), -70000 (int32).
	zlBody := []byte{0, 0x02, 'a', 'b', 4, 0xF8, 2, 0xC0, 0x2C, 0x01, 4, 0xD0}
	zlBody = binary.LittleEndian.AppendUint32(zlBody, uint32(0xFFFEEE90)) // -70000
	zl := binary.LittleEndian.AppendUint32(nil, uint32(10+len(zlBody)+1))
	zl = binary.LittleEndian.AppendUint32(zl, 0) // zltail is not read
	zl = binary.LittleEndian.AppendUint16(zl, 4)
	zl = append(append(zl, zlBody...), 0xFF)
	zipList := appendRDBString([]byte{rdbTypeListZiplist}, zl)
	quick := appendRDBString(appendRDBLen([]byte{rdbTypeListQuicklist}, 1), zl)
	zipHash := appendRDBString([]byte{rdbTypeHashZiplist}, zl)

	// A quicklist 2 with a PLAIN node and an empty listpack node.
	var lp listpackWriter
	ql2 := appendRDBLen([]byte{rdbTypeListQuicklist2}, 3)
	ql2 = appendRDBString(appendRDBLen(ql2, quicklistNodePlain), []byte("plain"))
	ql2 = appendRDBString(appendRDBLen(ql2, quicklistNodePacked), lp.bytes())
	lp.append([]byte("-5"))
	ql2 = appendRDBString(appendRDBLen(ql2, quicklistNodePacked), lp.bytes())

	tf := newTestFSM(t)
	tf.run([]step{
		{[]string{"RESTORE", "a", "0", withFooter(plainList, 9)}, ok},
		{c("LRANGE a 0 -1"), array(bulk("x"), bulk("42"))},
		{[]string{"RESTORE", "b", "0", withFooter(plainHash, 6)}, ok},
		{c("HGETALL b"), array(bulk("f"), bulk("v"))},
		{[]string{"RESTORE", "c", "0", withFooter(zipList, 7)}, ok},
		{c("LRANGE c 0 -1"), array(bulk("ab"), bulk("7"), bulk("300"), bulk("-70000"))},
		{[]string{"RESTORE", "d", "0", withFooter(quick, 9)}, ok},
		{c("LRANGE d 0 -1"), array(bulk("ab"), bulk("7"), bulk("300"), bulk("-70000"))},
		{[]string{"RESTORE", "e", "0", withFooter(zipHash, 9)}, ok},
		{c("HGETALL e"), array(bulk("ab"), bulk("7"), bulk("300"), bulk("-70000"))},
		{[]string{"RESTORE", "f", "0", withFooter(ql2, 10)}, ok},
		{c("LRANGE f 0 -1"), array(bulk("plain"), bulk("-5"))},
	})
}

func TestRestoreBadFormat(t *testing.T) {
	var empty listpackWriter
	cases := map[string][]byte{
		"unknown type":            {99, 0},
		"stream (no type yet)":    {21, 0},
		"zipmap":                  {rdbTypeHashZipmap, 0},
		"truncated string":        {rdbTypeString, 30, 'a'},
		"empty set":               {rdbTypeSet, 0},
		"repeated set member":     appendRDBString(appendRDBString([]byte{rdbTypeSet, 2}, []byte("a")), []byte("a")),
		"empty list":              appendRDBString([]byte{rdbTypeListQuicklist2, 1, quicklistNodePacked}, empty.bytes()),
		"bad container":           appendRDBString([]byte{rdbTypeListQuicklist2, 1, 7}, []byte("x")),
		"odd listpack hash":       appendRDBString([]byte{rdbTypeHashListpack}, func() []byte { var w listpackWriter; w.append([]byte("f")); return w.bytes() }()),
		"bad intset width":        appendRDBString([]byte{rdbTypeSetIntset}, []byte{3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0}),
		"bad LZF":                 {rdbTypeString, 0xC3, 2, 10, 0xFF, 0xFF},
		"bad length encoding":     {rdbTypeString, 0x82},
		"empty zset":              {rdbTypeZset2, 0},
		"NaN binary score":        binary.LittleEndian.AppendUint64([]byte{rdbTypeZset2, 1, 1, 'a'}, 0x7FF8000000000001),
		"NaN text score":          {rdbTypeZset, 1, 1, 'a', 253},
		"text score not a number": {rdbTypeZset, 1, 1, 'a', 3, 'a', 'b', 'c'},
		"empty listpack zset":     appendRDBString([]byte{rdbTypeZsetListpack}, empty.bytes()),
		"odd listpack zset":       appendRDBString([]byte{rdbTypeZsetListpack}, testListpack("a")),
		"listpack zset bad score": appendRDBString([]byte{rdbTypeZsetListpack}, testListpack("a", "x1")),
		"listpack zset NaN score": appendRDBString([]byte{rdbTypeZsetListpack}, testListpack("a", "nan")),
		"listpack zset repeated":  appendRDBString([]byte{rdbTypeZsetListpack}, testListpack("a", "1", "a", "2")),
		"odd ziplist zset":        appendRDBString([]byte{rdbTypeZsetZiplist}, testZiplist([]byte("a"))),
	}
	dup := appendRDBString(appendRDBLen([]byte{rdbTypeZset2}, 2), []byte("a"))
	dup = binary.LittleEndian.AppendUint64(dup, 0)
	dup = appendRDBString(dup, []byte("a"))
	cases["repeated zset member"] = binary.LittleEndian.AppendUint64(dup, 0)
	for name, obj := range cases {
		tf := newTestFSM(t)
		if got := tf.do("RESTORE", "k", "0", withFooter(obj, 10)); got != errReply(errBadFormat) {
			t.Errorf("%s: RESTORE = %q, want Bad data format", name, got)
		}
		if got := tf.do("EXISTS", "k"); got != integer(0) {
			t.Errorf("%s: the key exists after a failed RESTORE", name)
		}
	}
}

// randomValue builds a value of each kind, with sizes that cross every
// encoding threshold.
func randomValue(r *rand.Rand, kind int) value {
	elem := func() []byte {
		switch r.IntN(5) {
		case 0:
			return strconv.AppendInt(nil, r.Int64N(1<<40)-1<<39, 10)
		case 1:
			return strconv.AppendInt(nil, int64(r.IntN(300)), 10)
		case 2:
			return bytes.Repeat([]byte{byte('a' + r.IntN(3))}, r.IntN(200))
		}
		b := make([]byte, r.IntN(40))
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		return b
	}
	n := 1 + r.IntN([]int{5, 200, 3000}[r.IntN(3)])
	switch kind {
	case 0:
		return &strValue{b: bytes.Repeat(elem(), 1+r.IntN(50))}
	case 1:
		l := newList()
		for i := 0; i < n; i++ {
			l.PushRight(elem())
		}
		return l
	case 2:
		s := newSet()
		for i := 0; i < n; i++ {
			m := elem()
			if r.IntN(2) == 0 {
				m = strconv.AppendInt(nil, r.Int64N(2000)-1000, 10)
			}
			s.m.Set(string(m), struct{}{})
		}
		return s
	case 3:
		h := newHash()
		for i := 0; i < n; i++ {
			h.m.Set(string(elem()), elem())
		}
		return h
	}
	// Sorted sets: short members mostly (so small ones are listpacks),
	// scores of every kind, -0 included.
	z := newZset()
	scores := []float64{0, math.Copysign(0, -1), 1, -2.5, 0.1, 1e20, math.Inf(1), math.Inf(-1), 1 << 62, 123456789012345678}
	for i := 0; i < n; i++ {
		m := strconv.AppendInt(nil, int64(r.IntN(4*n)), 10)
		if r.IntN(60) == 0 {
			m = elem()
		}
		f := scores[r.IntN(len(scores))]
		if r.IntN(3) == 0 {
			f = r.NormFloat64() * 1e6
		}
		z.Set(string(m), f)
	}
	return z
}

func TestDumpRestoreRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	encodings := map[string]int{}
	for i := 0; i < 300; i++ {
		v := randomValue(r, i%5)
		if _, ok := v.(*zsetValue); ok {
			encodings[objectEncoding(v)]++
		}
		p := dumpPayload(v)
		if !verifyPayload(p) {
			t.Fatalf("value %d: own payload fails verification", i)
		}
		got, err := restorePayload(p)
		if err != nil {
			t.Fatalf("value %d (%s): restore: %v", i, v.Type(), err)
		}
		d1, d2 := newDigester(), newDigester()
		v.digest(d1)
		got.digest(d2)
		if d1.Hex() != d2.Hex() {
			t.Fatalf("value %d (%s): round trip changed the value", i, v.Type())
		}
		if !bytes.Equal(dumpPayload(got), p) && v.Type() != "set" {
			t.Errorf("value %d (%s): DUMP of the restored value differs", i, v.Type())
		}
	}
	if encodings["listpack"] == 0 || encodings["skiplist"] == 0 {
		t.Errorf("sorted sets by encoding: %v, want both", encodings)
	}
}

func TestLZFRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 500; i++ {
		in := make([]byte, 3+r.IntN(20000))
		alphabet := 1 + r.IntN(255)
		for j := range in {
			if j > 10 && r.IntN(3) == 0 {
				in[j] = in[j-1-r.IntN(min(j, 9000))]
			} else {
				in[j] = byte(r.IntN(alphabet))
			}
		}
		c := lzfCompress(in, len(in)-4)
		if c == nil {
			continue
		}
		if len(c) > len(in)-4 {
			t.Fatalf("input %d: compressed to %d bytes, over the limit %d", i, len(c), len(in)-4)
		}
		out, ok := lzfDecompress(c, len(in))
		if !ok || !bytes.Equal(out, in) {
			t.Fatalf("input %d: LZF round trip failed", i)
		}
	}
}

// lzfDecompress refuses a length no input of its size can expand to
// before allocating it: a 19-byte RESTORE payload must not make every
// replica allocate 2 GB (Redis answers "Bad data format" for it too).
func TestLZFDecompressLength(t *testing.T) {
	maximal := []byte{0x00, 'a'} // one literal, then back references of 264 bytes
	for i := 0; i < 10; i++ {
		maximal = append(maximal, 0xE0, 0xFF, 0x00)
	}
	cases := []struct {
		name   string
		in     []byte
		n      int
		wantOK bool
	}{
		{"the longest expansion", maximal, 1 + 264*10, true},
		{"one byte longer", maximal, 2 + 264*10, false},
		{"past any expansion of the input", maximal, 88*len(maximal) + 1, false},
		{"2 GB from one byte", []byte{0}, math.MaxInt32, false},
	}
	for _, tc := range cases {
		before := heapAllocBytes()
		out, ok := lzfDecompress(tc.in, tc.n)
		allocated := heapAllocBytes() - before
		if ok != tc.wantOK {
			t.Errorf("%s: ok = %v, want %v", tc.name, ok, tc.wantOK)
		}
		if ok && string(out) != strings.Repeat("a", tc.n) {
			t.Errorf("%s: got %d bytes %.20q..., want %d a's", tc.name, len(out), out, tc.n)
		}
		if allocated > 1<<20 {
			t.Errorf("%s: allocated %d bytes, want under 1 MB", tc.name, allocated)
		}
	}
}

// heapAllocBytes is the total of bytes the heap has allocated so far.
func heapAllocBytes() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func testListpack(elems ...string) []byte {
	var w listpackWriter
	for _, e := range elems {
		w.append([]byte(e))
	}
	return w.bytes()
}

// testZiplist builds a well-formed ziplist (prevlens and zltail right, as
// Redis checks them when it converts one) of short strings ([]byte) and
// integers (int: 0..12 immediate, else int16).
func testZiplist(entries ...any) []byte {
	var body []byte
	prev, tail := 0, 0
	for _, e := range entries {
		tail = 10 + len(body)
		start := len(body)
		body = append(body, byte(prev))
		switch e := e.(type) {
		case []byte:
			body = append(append(body, byte(len(e))), e...)
		case int:
			if e >= 0 && e <= 12 {
				body = append(body, 0xF1+byte(e))
			} else {
				body = binary.LittleEndian.AppendUint16(append(body, 0xC0), uint16(int16(e)))
			}
		}
		prev = len(body) - start
	}
	zl := binary.LittleEndian.AppendUint32(nil, uint32(10+len(body)+1))
	zl = binary.LittleEndian.AppendUint32(zl, uint32(tail))
	zl = binary.LittleEndian.AppendUint16(zl, uint16(len(entries)))
	return append(append(zl, body...), 0xFF)
}

// An intset of 513 members (redis-server 7.0.15 writes one under
// set-max-intset-entries 1000) loads as a hashtable under the default
// 512 and stays one below that size, as redis-server's OBJECT ENCODING
// shows after RESTORE and after 21 SREMs.
func TestRestoreOversizedIntset(t *testing.T) {
	blob := binary.LittleEndian.AppendUint32(nil, 2)
	blob = binary.LittleEndian.AppendUint32(blob, 513)
	for i := 0; i <= 512; i++ {
		blob = binary.LittleEndian.AppendUint16(blob, uint16(i))
	}
	p := appendRDBString([]byte{rdbTypeSetIntset}, blob)
	p = binary.LittleEndian.AppendUint16(p, rdbVersion)
	p = binary.LittleEndian.AppendUint64(p, crc64Jones(0, p))

	tf := newTestFSM(t)
	steps := []step{
		{[]string{"RESTORE", "t", "0", string(p)}, ok},
		{c("OBJECT ENCODING t"), bulk("hashtable")},
	}
	for i := 0; i <= 20; i++ {
		steps = append(steps, step{[]string{"SREM", "t", strconv.Itoa(i)}, integer(1)})
	}
	tf.run(append(steps,
		step{c("SCARD t"), integer(492)},
		step{c("OBJECT ENCODING t"), bulk("hashtable")},
	))
}
