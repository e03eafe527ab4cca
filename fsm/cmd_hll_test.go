package fsm

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"
)

// The expected values in this file (bytes, hashes of bytes, estimates) were
// read from redis-server 7.0.15 with redis-cli while the tests were written,
// by the same commands on a fresh server. Elements are "e0", "e1", ...

// getBytes returns the string value of key (GET), failing on anything else.
func getBytes(tf *testFSM, key string) string {
	tf.t.Helper()
	r := tf.do("GET", key)
	if !strings.HasPrefix(r, "$") || r == nilBulk {
		tf.t.Fatalf("GET %s: %q", key, r)
	}
	nl := strings.Index(r, "\r\n")
	n, err := strconv.Atoi(r[1:nl])
	if err != nil {
		tf.t.Fatal(err)
	}
	return r[nl+2 : nl+2+n]
}

func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// elems returns "e<from>" ... "e<to-1>".
func elems(from, to int) []string {
	out := make([]string, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, "e"+strconv.Itoa(i))
	}
	return out
}

// pfaddRange adds e<from>..e<to-1> to key in batches of 1000.
func pfaddRange(tf *testFSM, key string, from, to int) {
	for s := from; s < to; s += 1000 {
		tf.do(append([]string{"PFADD", key}, elems(s, min(to, s+1000))...)...)
	}
}

func version(tf *testFSM, key string) uint64 {
	e, ok := tf.f.st.dbs[0].keys.Get(key)
	if !ok {
		tf.t.Fatalf("%s is absent", key)
	}
	return e.version
}

func TestPFAddSparseBytes(t *testing.T) {
	tf := newTestFSM(t)
	// PFADD h e0 e1 e2 on a fresh key: sparse, cache marked stale.
	stale := unhex(t, "48594c4c010000000000000000000080452580782f8440f48441b1")
	// After PFCOUNT h: the cache holds 3 and is valid.
	cached := unhex(t, "48594c4c010000000300000000000000452580782f8440f48441b1")
	tf.run([]step{
		{c("PFADD h e0 e1 e2"), integer(1)},
		{c("TYPE h"), status("string")},
		{c("STRLEN h"), integer(27)},
	})
	if got := getBytes(tf, "h"); got != stale {
		t.Fatalf("after PFADD: got %x, want %x", got, stale)
	}
	tf.run([]step{{c("PFCOUNT h"), integer(3)}})
	if got := getBytes(tf, "h"); got != cached {
		t.Fatalf("after PFCOUNT: got %x, want %x", got, cached)
	}
	tf.run([]step{
		{c("PFADD h e0"), integer(0)}, // no register changes: the cache stays valid
		{c("PFADD h"), integer(0)},
		{c("PFCOUNT h"), integer(3)},
	})
	if got := getBytes(tf, "h"); got != cached {
		t.Fatalf("after PFADD of a known element: got %x, want %x", got, cached)
	}

	// An empty HLL: PFADD with no elements creates it (reply 1), and so
	// does PFMERGE of nothing.
	empty := unhex(t, "48594c4c0100000000000000000000807fff")
	tf.run([]step{
		{c("PFADD e"), integer(1)},
		{c("PFMERGE d"), ok},
		{c("PFCOUNT e"), integer(0)},
		{c("PFCOUNT nokey"), integer(0)},
		{c("PFCOUNT nokey nokey2"), integer(0)},
		{c("EXISTS nokey"), integer(0)},
	})
	if got := getBytes(tf, "d"); got != empty {
		t.Fatalf("PFMERGE d: got %x, want %x", got, empty)
	}
}

// PFCOUNT of e0..e<N-1>, the value Redis gives, and the string length
// (sparse up to about 1700 elements, dense 12304 bytes after).
func TestPFCountEstimates(t *testing.T) {
	cases := []struct{ n, count, strlen int }{
		{1, 1, 21}, {2, 2, 24}, {3, 3, 27}, {10, 10, 48}, {100, 100, 285},
		{300, 302, 713}, {1000, 1008, 1906}, {3000, 2979, 12304},
		{10000, 9973, 12304}, {50000, 49978, 12304}, {100000, 100853, 12304},
	}
	for _, tc := range cases {
		tf := newTestFSM(t)
		pfaddRange(tf, "k", 0, tc.n)
		tf.run([]step{
			{c("STRLEN k"), integer(tc.strlen)},
			{c("PFCOUNT k"), integer(tc.count)},
			{c("PFCOUNT k"), integer(tc.count)}, // from the cache
			{c("PFCOUNT k nokey"), integer(tc.count)},
		})
	}
}

// Adding e0, e1, ... one at a time: the sparse code reaches exactly
// hll-sparse-max-bytes (3000) after 1683 elements and the 1684th turns it
// dense.
func TestHLLSparseToDense(t *testing.T) {
	tf := newTestFSM(t)
	for _, e := range elems(0, 1683) {
		tf.do("PFADD", "p", e)
	}
	tf.run([]step{{c("STRLEN p"), integer(3000)}})
	if got, want := sha(getBytes(tf, "p")), "36affd46ff09735c58ca0dd49480f9513269c3f59d659d1d0d80cc84f7e1fba2"; got != want {
		t.Errorf("sparse at 3000 bytes: sha256 %s, want %s", got, want)
	}
	tf.run([]step{
		{c("PFCOUNT p"), integer(1683)},
		{c("PFADD p e1683"), integer(1)},
		{c("STRLEN p"), integer(hllDenseSize)},
	})
	// The dense value keeps the header of the sparse one: the cache that
	// PFCOUNT stored, marked stale by PFADD.
	if got, want := sha(getBytes(tf, "p")), "9a7796cc7b18bad05931f9f30e5991f27a58c3c5dcb4287bf83309393e26d6bf"; got != want {
		t.Errorf("after promotion: sha256 %s, want %s", got, want)
	}
	tf.run([]step{{c("PFCOUNT p"), integer(1685)}})
	if got, want := sha(getBytes(tf, "p")), "1444d2fb8249e74f872fe6bc6959397f4f96e271552be75557d9c08072b70f56"; got != want {
		t.Errorf("dense after PFCOUNT: sha256 %s, want %s", got, want)
	}
}

// A register over 32 cannot be a sparse VAL: the HLL turns dense at once.
func TestHLLSparsePromoteBigRegister(t *testing.T) {
	const ele = hllLongRunElement
	if _, n := hllPatLen([]byte(ele)); n <= sparseValMaxValue {
		t.Fatalf("%q has a run of %d", ele, n)
	}
	tf := newTestFSM(t)
	tf.run([]step{
		{c("PFADD r e0"), integer(1)},
		{c("STRLEN r"), integer(21)},
		{[]string{"PFADD", "r", ele}, integer(1)},
		{c("STRLEN r"), integer(hllDenseSize)},
	})
	if got := sha(getBytes(tf, "r")); got != hllLongRunSHA {
		t.Errorf("sha256 %s, want %s", got, hllLongRunSHA)
	}
	tf.run([]step{{c("PFCOUNT r"), integer(hllLongRunCount)}})
	if got, want := sha(getBytes(tf, "r")), "7de269cacad19a42346a122ffd23f1a25d0115ff15071161d1c46f2cd92e1d3d"; got != want {
		t.Errorf("after PFCOUNT: sha256 %s, want %s", got, want)
	}
}

// Found by a search over decimal strings: its run of zeros is 33.
const (
	hllLongRunElement = "1692856687"
	hllLongRunCount   = 2
	hllLongRunSHA     = "ca0a0663c0e256f672482d64c810002344d40138c05d6cf073b4c5e8460688d0" // before PFCOUNT
)

func TestPFMerge(t *testing.T) {
	tf := newTestFSM(t)
	// Sparse inputs only: the result stays sparse.
	merged := unhex(t, "48594c4c010000000000000000000080466d80560c8044768050b184498c80426d80425a")
	tf.run([]step{
		{c("PFADD s1 a b c"), integer(1)},
		{c("PFADD s2 c d e f"), integer(1)},
		{c("PFMERGE m s1 s2"), ok},
		{c("PFCOUNT s1 s2 nokey"), integer(6)},
	})
	if got := getBytes(tf, "m"); got != merged {
		t.Fatalf("PFMERGE m s1 s2: got %x, want %x", got, merged)
	}
	tf.run([]step{{c("PFCOUNT m"), integer(6)}})

	// A dense input makes the result dense; a,b,c add nothing to
	// e0..e99999, so the bytes are those of big with a stale cache.
	pfaddRange(tf, "big", 0, 100000)
	const bigSHA = "db44442a96c3ca475b58a386c4e1263c33d76900a2a9f2a934e50769c36644f9"
	if got := sha(getBytes(tf, "big")); got != bigSHA {
		t.Fatalf("big: sha256 %s, want %s", got, bigSHA)
	}
	tf.run([]step{
		{c("PFMERGE m2 s1 big"), ok},
		{c("PFCOUNT m2"), integer(100853)},
		{c("PFCOUNT big"), integer(100853)},
		{c("PFCOUNT s1 big"), integer(100853)},
	})
	if got := sha(getBytes(tf, "big")); got != "548dba672576d8a299d51943c2728e21beda0aea57391bd87567dba08eed8e4e" {
		t.Errorf("big after PFCOUNT: sha256 %s", got)
	}
	// The destination is one of the inputs, and keeps its expiry.
	tf.run([]step{
		{c("EXPIRE s1 1000"), integer(1)},
		{c("PFMERGE s1 s2"), ok},
		{c("PFCOUNT s1"), integer(6)},
		{c("TTL s1"), integer(1000)},
	})
}

func TestHLLErrors(t *testing.T) {
	const notHLL = "WRONGTYPE Key is not a valid HyperLogLog string value."
	const corrupt = "INVALIDOBJ Corrupted HLL object detected"
	tf := newTestFSM(t)
	tf.run([]step{
		{c("PFADD"), errReply("ERR wrong number of arguments for 'pfadd' command")},
		{c("PFCOUNT"), errReply("ERR wrong number of arguments for 'pfcount' command")},
		{c("PFMERGE"), errReply("ERR wrong number of arguments for 'pfmerge' command")},
		{c("PFADD h e0 e1 e2"), integer(1)},
		{c("SET str hello"), ok},
		{c("PFADD str x"), errReply(notHLL)},
		{c("PFCOUNT str"), errReply(notHLL)},
		{c("PFCOUNT h str"), errReply(notHLL)},
		{c("PFMERGE str"), errReply(notHLL)},
		{c("PFMERGE h str"), errReply(notHLL)},
		{c("LPUSH l x"), integer(1)},
		{c("PFADD l a"), errReply(ErrWrongType)},
		{c("PFCOUNT l"), errReply(ErrWrongType)},
		{c("PFCOUNT h l"), errReply(ErrWrongType)},
		{c("PFMERGE l h"), errReply(ErrWrongType)},
		{c("PFMERGE h l"), errReply(ErrWrongType)},
		{c("SET num 12345678901234567890"), ok},
		{c("PFADD num a"), errReply(notHLL)},
		{[]string{"SET", "empty", ""}, ok},
		{c("PFCOUNT empty"), errReply(notHLL)},
		{[]string{"SET", "short", "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"}, ok}, // 15 bytes
		{c("PFCOUNT short"), errReply(notHLL)},
	})

	// Two XZERO:16384 appended to a sparse HLL: 32768 registers. PFADD
	// still finds its register in the first half; counting fails.
	tf.run([]step{
		{c("PFADD c1 e0 e1 e2"), integer(1)},
		{[]string{"APPEND", "c1", "\x7f\xff"}, integer(29)},
		{c("PFADD c1 zz"), integer(1)},
		{c("PFCOUNT c1"), errReply(corrupt)},
		{c("PFCOUNT c1 h"), errReply(corrupt)},
		{c("PFMERGE dd c1"), errReply(corrupt)},
		{c("EXISTS dd"), integer(0)},
	})
	if got, want := getBytes(tf, "c1"), unhex(t, "48594c4c01000000000000000000008045258045b280727b8440f48441b17fff"); got != want {
		t.Errorf("corrupted c1 after PFADD: got %x, want %x", got, want)
	}
	// Encoding 2 is unknown; encoding 0 (dense) needs 12304 bytes.
	tf.run([]step{
		{[]string{"SETRANGE", "h", "4", "\x02"}, integer(27)},
		{c("PFCOUNT h"), errReply(notHLL)},
		{[]string{"SETRANGE", "h", "4", "\x00"}, integer(27)},
		{c("PFCOUNT h"), errReply(notHLL)},
		{c("PFADD h x"), errReply(notHLL)},
	})

	// A sparse code cut short: its last XZERO loses its second byte, and
	// reads the NUL terminator (0) in its place, as in C; splitting it
	// drops the last byte of the new opcodes, as Redis does.
	tf.do("PFADD", "t", "e0")
	b := getBytes(tf, "t")
	tf.run([]step{
		{[]string{"SET", "t", b[:len(b)-1]}, ok},
		{c("STRLEN t"), integer(20)},
		{c("PFADD t e0"), integer(0)},
		{c("PFADD t e1 e2"), integer(1)},
		{c("PFCOUNT t"), errReply(corrupt)},
	})
	if got, want := getBytes(tf, "t"), unhex(t, "48594c4c010000000000000000000080452580782f8440f48440"); got != want {
		t.Errorf("truncated t after PFADD: got %x, want %x", got, want)
	}
	// A cut in the middle of the registers: nothing covers them.
	tf.run([]step{
		{[]string{"SET", "u", b[:hllHdrSize+2]}, ok},
		{c("PFADD u e0"), errReply(corrupt)},
	})
}

// A value copied with GET and SET is an HLL like any other, on both sides.
func TestHLLCopiedValue(t *testing.T) {
	tf := newTestFSM(t)
	// The bytes Redis stores after PFADD h e0 e1 e2 (cache stale).
	redisBytes := unhex(t, "48594c4c010000000000000000000080452580782f8440f48441b1")
	tf.run([]step{
		{[]string{"SET", "copy", redisBytes}, ok},
		{c("PFCOUNT copy"), integer(3)},
		{c("PFADD copy e0 e1 e2"), integer(0)},
	})
	if got, want := getBytes(tf, "copy"), unhex(t, "48594c4c010000000300000000000000452580782f8440f48441b1"); got != want {
		t.Errorf("got %x, want %x", got, want)
	}
	// A crafted cache is believed while it is marked valid, as in Redis.
	tf.run([]step{
		{[]string{"SETRANGE", "copy", "8", "\x2a"}, integer(27)},
		{c("PFCOUNT copy"), integer(42)},
		{c("PFADD copy e3"), integer(1)},
		{c("PFCOUNT copy"), integer(4)},
	})
}

// PFCOUNT stamps the key (WATCH fires) only when it stores a new cache;
// PFADD only when a register changes. Checked on redis-server: WATCH w;
// PFCOUNT w (stale) makes EXEC fail, a second PFCOUNT (cached) does not.
func TestHLLVersions(t *testing.T) {
	tf := newTestFSM(t)
	tf.run([]step{{c("PFADD w a"), integer(1)}})
	v := version(tf, "w")
	tf.run([]step{{c("PFCOUNT w"), integer(1)}})
	if nv := version(tf, "w"); nv == v {
		t.Errorf("PFCOUNT with a stale cache did not stamp the key (version %d)", nv)
	}
	v = version(tf, "w")
	tf.run([]step{
		{c("PFCOUNT w"), integer(1)},
		{c("PFCOUNT w w"), integer(1)},
		{c("PFADD w a"), integer(0)},
	})
	if nv := version(tf, "w"); nv != v {
		t.Errorf("PFCOUNT with a valid cache / PFADD of nothing new stamped the key: %d -> %d", v, nv)
	}
	watch := []Watch{{DB: 0, Key: []byte("w"), Index: tf.index}}
	if got := tf.exec(watch, c("PING")); got != array(status("PONG")) {
		t.Errorf("EXEC after unchanged key: %q", got)
	}
	tf.run([]step{{c("PFADD w b"), integer(1)}})
	if got := tf.exec(watch, c("PING")); got != nilArray {
		t.Errorf("EXEC after PFADD: %q", got)
	}
	// A PFADD that fails half way keeps what it changed but does not stamp
	// the key (redis-server: WATCH u; PFADD u e17 e0 answers INVALIDOBJ,
	// and a following MULTI/EXEC runs; GET u gives the bytes below). The
	// code covers registers 0..1317: e17 (register 566) goes in, e0
	// (register 1318) finds nothing to split.
	tf.do("PFADD", "t", "e0")
	b := getBytes(tf, "t")
	tf.do("SET", "u", b[:hllHdrSize+2])
	v = version(tf, "u")
	tf.run([]step{{c("PFADD u e17 e0"), errReply("INVALIDOBJ Corrupted HLL object detected")}})
	if nv := version(tf, "u"); nv != v {
		t.Errorf("failed PFADD stamped the key: %d -> %d", v, nv)
	}
	if got, want := getBytes(tf, "u"), unhex(t, "48594c4c01000000000000000000008042358842ee"); got != want {
		t.Errorf("u after the failed PFADD: got %x, want %x", got, want)
	}
}

// The snapshot of an HLL is its string: a round trip keeps the bytes.
func TestHLLSnapshot(t *testing.T) {
	tf := newTestFSM(t)
	pfaddRange(tf, "d", 0, 5000)
	tf.do("PFADD", "s", "a", "b")
	snap, err := tf.f.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := snap.(*fsmSnapshot).write(&buf); err != nil {
		t.Fatal(err)
	}
	tf2 := newTestFSM(t)
	if err := tf2.f.Restore(nopCloser{bytes.NewReader(buf.Bytes())}); err != nil {
		t.Fatal(err)
	}
	if tf.f.DigestAll() != tf2.f.DigestAll() {
		t.Error("digests differ after restore")
	}
	for _, k := range []string{"d", "s"} {
		if getBytes(tf, k) != getBytes(tf2, k) {
			t.Errorf("%s differs after restore", k)
		}
	}
	tf2.run([]step{{c("PFCOUNT d s"), integer(4970)}})
}

// Registers over hllQ+1 (a dense HLL written by hand) count for nothing,
// so the estimate can be +Inf, or finite but 2^63 or more. redis-server
// 7.0.15 on x86-64 rounds either with llroundl to LLONG_MIN: it replies
// -9223372036854775808 and caches 0x8000000000000000.
func TestPFCountHugeEstimate(t *testing.T) {
	dense := func(regs func(i int) uint8) string {
		b := make([]byte, hllDenseSize)
		copy(b, "HYLL")
		hllInvalidate(b)
		for i := 0; i < hllRegisters; i++ {
			denseSet(b[hllHdrSize:], i, regs(i))
		}
		return string(b)
	}
	cases := []struct {
		name string
		hll  string
	}{
		{"every register 63 (+Inf)", dense(func(int) uint8 { return 63 })},
		{"one register 36, the rest 63 (about 1.3e19)", dense(func(i int) uint8 { return 36 + 27*uint8(min(i, 1)) })},
	}
	for _, tc := range cases {
		tf := newTestFSM(t)
		tf.do("SET", "h", tc.hll)
		for _, cmd := range [][]string{c("PFCOUNT h"), c("PFCOUNT h nokey")} {
			if got, want := tf.do(cmd...), ":-9223372036854775808\r\n"; got != want {
				t.Errorf("%s: %s = %q, want %q", tc.name, strings.Join(cmd, " "), got, want)
			}
		}
		if got, want := getBytes(tf, "h")[8:16], "\x00\x00\x00\x00\x00\x00\x00\x80"; got != want {
			t.Errorf("%s: cached cardinality %x, want %x", tc.name, got, want)
		}
	}
}
