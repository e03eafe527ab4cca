package fsm

import (
	"encoding/hex"
	"strconv"
	"strings"
	"testing"
)

// FuzzRestore feeds RESTORE an arbitrary RDB object behind a valid
// footer (version and CRC), so that the fuzzer reaches the decoders
// rather than the checksum. A committed RESTORE that panics takes down
// every replica for good, so whatever the payload, RESTORE must answer
// OK or "Bad data format", every command that walks the value must
// answer a well-formed reply, DUMP must restore to the same value, and a
// snapshot must restore to the same digest.
func FuzzRestore(f *testing.F) {
	for _, v := range redisVectors {
		f.Add(fuzzRDBObject(f, v.hex))
	}
	for _, h := range []string{helloHex, zsetListpack129Hex, zsetLongListpackHex, zsetSmallSkiplistHex, zsetSmallSkiplistRedumpHex} {
		f.Add(fuzzRDBObject(f, h))
	}
	var lp listpackWriter
	for _, e := range []string{"plain", "-5", "1.5", "x"} {
		lp.append([]byte(e))
	}
	ql2 := appendRDBLen([]byte{rdbTypeListQuicklist2}, 2)
	ql2 = appendRDBString(appendRDBLen(ql2, quicklistNodePlain), []byte("plain"))
	f.Add(appendRDBString(appendRDBLen(ql2, quicklistNodePacked), lp.bytes()))
	zl := testZiplist([]byte("a"), 2, []byte("b"), []byte("2.5"), []byte("c"), 300)
	f.Add(appendRDBString([]byte{rdbTypeZsetZiplist}, zl))
	f.Add(appendRDBString([]byte{rdbTypeHashZiplist}, zl))
	f.Add(appendRDBString([]byte{rdbTypeListZiplist}, zl))
	f.Add(appendRDBString(appendRDBLen([]byte{rdbTypeListQuicklist}, 1), zl))
	f.Add(appendRDBString(appendRDBString(appendRDBLen([]byte{rdbTypeList}, 2), []byte("x")), []byte("42")))
	f.Add(appendRDBString(appendRDBString(appendRDBLen([]byte{rdbTypeSet}, 2), []byte("x")), []byte("42")))
	f.Add(appendRDBString(appendRDBString(appendRDBLen([]byte{rdbTypeHash}, 1), []byte("f")), []byte("v")))
	f.Add([]byte{rdbTypeZset, 2, 1, 'a', 3, '1', '.', '5', 1, 'b', 254})
	f.Add([]byte{rdbTypeString, 0xC3, 4, 10, 1, 'a', 'b', 0xE0, 3, 1})

	f.Fuzz(func(t *testing.T, obj []byte) {
		if len(obj) > 1<<14 {
			return
		}
		tf := newTestFSM(t)
		before := heapAllocBytes()
		got := tf.do("RESTORE", "k", "0", withFooter(obj, rdbVersion))
		if a := heapAllocBytes() - before; a > 32<<20 {
			t.Fatalf("RESTORE of a %d-byte object allocated %d bytes", len(obj), a)
		}
		checkWellFormedReply(t, "RESTORE", got)
		if got != ok {
			if got != errReply(errBadFormat) {
				t.Fatalf("RESTORE = %q, want OK or %q", got, errBadFormat)
			}
			if got := tf.do("EXISTS", "k"); got != integer(0) {
				t.Fatalf("EXISTS after a refused RESTORE = %q, want 0", got)
			}
			return
		}

		do := checkedDo(t, tf)
		typ := do("TYPE", "k")
		do("OBJECT", "ENCODING", "k")
		do("MEMORY", "USAGE", "k")
		// DUMP must give a payload that restores to the same value.
		dump := do("DUMP", "k")
		payload, okBulk := fuzzBulkBody(dump)
		if !okBulk {
			t.Fatalf("DUMP = %q, want a bulk string", dump)
		}
		if got := do("RESTORE", "k2", "0", payload); got != ok {
			t.Fatalf("RESTORE of DUMP = %q, want OK", got)
		}
		if a, b := do("DEBUG", "DIGEST-VALUE", "k"), do("DEBUG", "DIGEST-VALUE", "k2"); a != b {
			t.Fatalf("DUMP/RESTORE changed the value: digest %q, want %q", b, a)
		}

		switch typ {
		case status("string"):
			do("GET", "k")
			do("STRLEN", "k")
			do("APPEND", "k", "x")
		case status("list"):
			do("LRANGE", "k", "0", "-1")
			do("LINDEX", "k", "-1")
			do("LPUSH", "k", "x", "12")
			do("RPOP", "k")
		case status("set"):
			do("SMEMBERS", "k")
			do("SADD", "k", "x", "7")
			do("SREM", "k", "7")
		case status("hash"):
			do("HGETALL", "k")
			do("HSET", "k", "f", "v", "12", "13")
			do("HDEL", "k", "12")
		case status("zset"):
			do("ZRANGE", "k", "0", "-1", "WITHSCORES")
			do("ZRANGEBYSCORE", "k", "-inf", "+inf")
			do("ZADD", "k", "1.5", "m", "2", "n")
			do("ZINCRBY", "k", "1", "m")
			do("ZREM", "k", "n")
		default:
			t.Fatalf("TYPE of a restored key = %q", typ)
		}
		do("DUMP", "k")
		do("OBJECT", "ENCODING", "k")

		snap, err := tf.f.Snapshot()
		if err != nil {
			t.Fatal(err)
		}
		if got, want := restored(t, snap).DigestAll(), tf.f.DigestAll(); got != want {
			t.Fatalf("digest after a snapshot round trip: got %s, want %s", got, want)
		}
	})
}

// fuzzRDBObject is the RDB object of a DUMP payload in hex: the payload
// without its version and CRC.
func fuzzRDBObject(f *testing.F, payloadHex string) []byte {
	f.Helper()
	b, err := hex.DecodeString(payloadHex)
	if err != nil || len(b) < 10 {
		f.Fatalf("bad seed payload %q: %v", payloadHex, err)
	}
	return b[:len(b)-10]
}

// fuzzBulkBody returns the body of a bulk string reply.
func fuzzBulkBody(r string) (string, bool) {
	n, rest, ok := fuzzRESPLine(r, '$')
	if !ok || n < 0 || len(rest) != n+2 || rest[n:] != "\r\n" {
		return "", false
	}
	return rest[:n], true
}

// checkedDo returns tf.do with every reply checked by
// checkWellFormedReply.
func checkedDo(t *testing.T, tf *testFSM) func(args ...string) string {
	return func(args ...string) string {
		t.Helper()
		r := tf.do(args...)
		checkWellFormedReply(t, strings.Join(args, " "), r)
		return r
	}
}

// checkWellFormedReply fails the test unless reply is exactly one
// well-formed RESP2 reply.
func checkWellFormedReply(t *testing.T, cmd, reply string) {
	t.Helper()
	rest, ok := fuzzParseReply(reply, 0)
	if !ok || rest != "" {
		t.Fatalf("%s: malformed reply %q", cmd, reply)
	}
}

// fuzzParseReply parses one RESP2 reply at the start of r and returns
// what follows it.
func fuzzParseReply(r string, depth int) (string, bool) {
	if r == "" || depth > 32 {
		return "", false
	}
	switch r[0] {
	case '+', '-':
		i := strings.Index(r, "\r\n")
		if i < 0 || strings.ContainsAny(r[1:i], "\r\n") {
			return "", false
		}
		return r[i+2:], true
	case ':':
		_, rest, ok := fuzzRESPLine(r, ':')
		return rest, ok
	case '$':
		n, rest, ok := fuzzRESPLine(r, '$')
		switch {
		case !ok || n < -1:
			return "", false
		case n == -1:
			return rest, true
		case len(rest) < n+2 || rest[n:n+2] != "\r\n":
			return "", false
		}
		return rest[n+2:], true
	case '*':
		n, rest, ok := fuzzRESPLine(r, '*')
		if !ok || n < -1 {
			return "", false
		}
		for i := 0; i < n; i++ {
			if rest, ok = fuzzParseReply(rest, depth+1); !ok {
				return "", false
			}
		}
		return rest, true
	}
	return "", false
}

// fuzzRESPLine parses a type byte and an integer line.
func fuzzRESPLine(r string, typ byte) (int, string, bool) {
	i := strings.Index(r, "\r\n")
	if i < 1 || r[0] != typ {
		return 0, "", false
	}
	n, err := strconv.Atoi(r[1:i])
	if err != nil {
		return 0, "", false
	}
	return n, r[i+2:], true
}
