package fsm

import (
	"strconv"
	"strings"
	"testing"
)

// Expected replies checked against redis-server 7.0.15 with its defaults.
func TestObjectEncoding(t *testing.T) {
	tf := newTestFSM(t)
	var many []string
	for i := 0; i < 513; i++ {
		many = append(many, strconv.Itoa(i))
	}
	tf.run([]step{
		{c("SET i 12345"), ok},
		{c("OBJECT ENCODING i"), bulk("int")},
		{c("SET i -9223372036854775808"), ok},
		{c("OBJECT encoding i"), bulk("int")},
		{c("SET e 0123"), ok},
		{c("OBJECT ENCODING e"), bulk("embstr")},
		{[]string{"SET", "e", strings.Repeat("x", 44)}, ok},
		{c("OBJECT ENCODING e"), bulk("embstr")},
		{[]string{"SET", "r", strings.Repeat("x", 45)}, ok},
		{c("OBJECT ENCODING r"), bulk("raw")},
		{c("RPUSH l a"), integer(1)},
		{c("OBJECT ENCODING l"), bulk("quicklist")},
		{c("SADD s 1 -2 3"), integer(3)},
		{c("OBJECT ENCODING s"), bulk("intset")},
		{c("SADD s 01"), integer(1)},
		{c("OBJECT ENCODING s"), bulk("hashtable")},
		{append([]string{"SADD", "big"}, many...), integer(513)},
		{c("OBJECT ENCODING big"), bulk("hashtable")},
		{c("HSET h f v"), integer(1)},
		{c("OBJECT ENCODING h"), bulk("listpack")},
		{[]string{"HSET", "h", "f", strings.Repeat("x", 65)}, integer(0)},
		{c("OBJECT ENCODING h"), bulk("hashtable")},
		{c("ZADD z 1 a 2 b"), integer(2)},
		{c("OBJECT ENCODING z"), bulk("listpack")},
		{[]string{"ZADD", "z", "3", strings.Repeat("x", 64)}, integer(1)},
		{c("OBJECT ENCODING z"), bulk("listpack")},
		{[]string{"ZADD", "z", "3", strings.Repeat("x", 65)}, integer(1)},
		{c("OBJECT ENCODING z"), bulk("skiplist")},
		{append([]string{"ZADD", "zbig"}, zaddPairs(128)...), integer(128)},
		{c("OBJECT ENCODING zbig"), bulk("listpack")},
		{c("ZADD zbig 0 new"), integer(1)},
		{c("OBJECT ENCODING zbig"), bulk("skiplist")},
		{c("OBJECT ENCODING nokey"), nilBulk},
	})
}

// zaddPairs is n score-member pairs: 0 m0 1 m1 ...
func zaddPairs(n int) []string {
	var out []string
	for i := 0; i < n; i++ {
		out = append(out, strconv.Itoa(i), "m"+strconv.Itoa(i))
	}
	return out
}

func TestObjectOther(t *testing.T) {
	tf := newTestFSM(t)
	tf.run([]step{
		{c("SET zero 0"), ok},
		{c("SET n 9999"), ok},
		{c("SET m 10000"), ok},
		{c("SET neg -1"), ok},
		{c("RPUSH l 1"), integer(1)},
		{c("OBJECT REFCOUNT zero"), integer(2147483647)},
		{c("OBJECT REFCOUNT n"), integer(2147483647)},
		{c("OBJECT REFCOUNT m"), integer(1)},
		{c("OBJECT REFCOUNT neg"), integer(1)},
		{c("OBJECT REFCOUNT l"), integer(1)},
		{c("OBJECT REFCOUNT nokey"), nilBulk},
		{c("OBJECT IDLETIME l"), integer(0)},
		{c("OBJECT IDLETIME nokey"), nilBulk},
		{c("OBJECT FREQ l"), errReply(errFreqPolicy)},
		{c("OBJECT FREQ nokey"), nilBulk},
		{c("OBJECT"), errReply(ArityError("object"))},
		{c("OBJECT ENCODING"), errReply(ArityError("object|encoding"))},
		{c("OBJECT ENCODING a b"), errReply(ArityError("object|encoding"))},
		{c("OBJECT HELP x"), errReply(ArityError("object|help"))},
		{c("OBJECT foo l"), errReply("ERR unknown subcommand 'foo'. Try OBJECT HELP.")},
	})
	help := tf.do("OBJECT", "HELP")
	if !strings.HasPrefix(help, "*15\r\n+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n") ||
		!strings.HasSuffix(help, "+HELP\r\n+    Prints this help.\r\n") {
		t.Errorf("OBJECT HELP = %q", help)
	}
}

func TestMemoryUsage(t *testing.T) {
	tf := newTestFSM(t)
	tf.run([]step{
		{c("MEMORY USAGE nokey"), nilBulk},
		{c("MEMORY USAGE"), errReply(ArityError("memory|usage"))},
		{c("MEMORY"), errReply(ArityError("memory"))},
		{c("MEMORY HELP x"), errReply(ArityError("memory|help"))},
		{c("MEMORY foo"), errReply("ERR unknown subcommand 'foo'. Try MEMORY HELP.")},
		{c("MEMORY USAGE k SAMPLES"), errReply(ErrSyntax)},
		{c("MEMORY USAGE k SAMPLES x"), errReply(ErrNotInteger)},
		{c("MEMORY USAGE k SAMPLES -1"), errReply(ErrSyntax)},
		{c("MEMORY USAGE k FOO 1"), errReply(ErrSyntax)},
		{c("SET k hello"), ok},
		{c("MEMORY USAGE k SAMPLES 0"), integer(memKeyOverhead + 1 + 5)},
		{c("RPUSH l a bb"), integer(2)},
		{c("MEMORY USAGE l"), integer(memKeyOverhead + 1 + 2*memElemOverhead + 3)},
		{c("ZADD z 1 a 2 bb"), integer(2)},
		{c("MEMORY USAGE z"), integer(memKeyOverhead + 1 + 2*(2*memElemOverhead+8) + 3)},
	})
	if help := tf.do("MEMORY", "HELP"); !strings.HasPrefix(help, "*6\r\n+MEMORY <subcommand>") {
		t.Errorf("MEMORY HELP = %q", help)
	}
}

// OBJECT ENCODING depends on the command that made the value, as in
// Redis: strings changed in place are raw, INCRBYFLOAT never gives int,
// and a set that became a hashtable stays one. Expected replies checked
// against redis-server 7.0.15.
func TestObjectEncodingFollowsTheCommand(t *testing.T) {
	tf := newTestFSM(t)
	tf.run([]step{
		{c("SET s1 123"), ok},
		{c("APPEND s1 4"), integer(4)},
		{c("OBJECT ENCODING s1"), bulk("raw")},
		{c("OBJECT REFCOUNT s1"), integer(1)},
		{c("INCR s1"), integer(1235)},
		{c("OBJECT ENCODING s1"), bulk("int")},
		{c("APPEND new 12"), integer(2)},
		{c("OBJECT ENCODING new"), bulk("int")},
		{c("SET f 1.5"), ok},
		{c("INCRBYFLOAT f 1.5"), bulk("3")},
		{c("OBJECT ENCODING f"), bulk("embstr")},
		{c("SETRANGE r 0 abc"), integer(3)},
		{c("OBJECT ENCODING r"), bulk("raw")},
		{c("SET r2 abc"), ok},
		{[]string{"SETRANGE", "r2", "1", ""}, integer(3)},
		{c("OBJECT ENCODING r2"), bulk("embstr")},
		{c("SETRANGE r2 1 x"), integer(3)},
		{c("OBJECT ENCODING r2"), bulk("raw")},
		{c("SET b1 abc"), ok},
		{c("SETBIT b1 1 1"), integer(1)}, // already set: Redis unshares anyway
		{c("OBJECT ENCODING b1"), bulk("raw")},
		{c("SET b2 7"), ok},
		{c("GETBIT b2 0"), integer(0)},
		{c("OBJECT ENCODING b2"), bulk("int")},
		{c("SETBIT b3 5 1"), integer(0)},
		{c("OBJECT ENCODING b3"), bulk("raw")},
		{c("SET b4 5"), ok},
		{c("BITFIELD b4 GET u8 0"), "*1\r\n:53\r\n"},
		{c("OBJECT ENCODING b4"), bulk("int")},
		{c("BITFIELD b4 SET u8 0 53"), "*1\r\n:53\r\n"},
		{c("OBJECT ENCODING b4"), bulk("raw")},
		{c("BITOP AND d b2 b2"), integer(1)},
		{c("OBJECT ENCODING d"), bulk("raw")},
		{c("PFADD h a"), integer(1)},
		{c("OBJECT ENCODING h"), bulk("raw")},
		// An HLL restored from a DUMP (redis-server's, of PFADD hx a) is
		// embstr; PFCOUNT unshares it.
		{[]string{"RESTORE", "h2", "0", "\x00\x15\x48\x59\x4c\x4c\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x71\xa6\x84\x4e\x57\x0a\x00\x66\x31\xff\x02\x36\x8d\x32\x34"}, ok},
		{c("OBJECT ENCODING h2"), bulk("embstr")},
		{c("PFCOUNT h2"), integer(1)},
		{c("OBJECT ENCODING h2"), bulk("raw")},
		{c("SET i5 5"), ok},
		{c("OBJECT REFCOUNT i5"), integer(2147483647)},
		{[]string{"APPEND", "i5", ""}, integer(1)},
		{c("OBJECT REFCOUNT i5"), integer(1)},
		{c("OBJECT ENCODING i5"), bulk("raw")},

		{c("SADD set1 1 2 3 x"), integer(4)},
		{c("SREM set1 x"), integer(1)},
		{c("OBJECT ENCODING set1"), bulk("hashtable")},
		{c("COPY set1 set1c"), integer(1)},
		{c("OBJECT ENCODING set1c"), bulk("hashtable")},
		{c("SMOVE set1 mv 1"), integer(1)},
		{c("OBJECT ENCODING mv"), bulk("intset")},
		{c("SDIFFSTORE dd set1 nokey"), integer(2)}, // built by adds only
		{c("OBJECT ENCODING dd"), bulk("intset")},
		// SDIFFSTORE's second algorithm (the other sets small next to the
		// first) copies the first set, then removes.
		{c("SADD big a 1 2 3 4 5 6 7 8 9 10"), integer(11)},
		{c("SADD small a"), integer(1)},
		{c("SADD small3 b"), integer(1)},
		{c("SDIFFSTORE dd2 big small"), integer(10)}, // first algorithm
		{c("OBJECT ENCODING dd2"), bulk("intset")},
		{c("SDIFFSTORE dd4 big small small3"), integer(10)},
		{c("OBJECT ENCODING dd4"), bulk("hashtable")},
		{c("SADD big2 1 2 3 4 5 6 7 8 9 10"), integer(10)},
		{c("SDIFFSTORE dd5 big2 small small3"), integer(10)},
		{c("OBJECT ENCODING dd5"), bulk("intset")},
		// SPOP leaving fewer than count/5 members builds a new set.
		{c("SADD set3 a 1 2 3 4 5 6 7 8 9 10 11 12"), integer(13)},
		{c("SREM set3 a"), integer(1)},
		{c("SADD set4 a 1 2 3 4 5 6 7 8 9 10 11 12"), integer(13)},
		{c("SREM set4 a"), integer(1)},
	})
	tf.do("SPOP", "set3", "10")
	tf.do("SPOP", "set4", "2")
	tf.run([]step{
		{c("OBJECT ENCODING set3"), bulk("intset")},
		{c("OBJECT ENCODING set4"), bulk("hashtable")},
	})

	// The encodings survive a snapshot.
	snap, err := tf.f.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	g := restored(t, snap)
	for key, want := range map[string]string{"s1": "int", "f": "embstr", "r": "raw", "b1": "raw", "h": "raw", "i5": "raw", "set1": "hashtable", "set1c": "hashtable", "mv": "intset", "dd4": "hashtable", "set4": "hashtable"} {
		argv := argvOf("OBJECT", "ENCODING", key)
		if got := string(g.Read(0, Lookup(argv[0]), argv, nil)); got != bulk(want) {
			t.Errorf("restored OBJECT ENCODING %s = %q, want %q", key, got, want)
		}
	}
	if got, want := g.DigestAll(), tf.f.DigestAll(); got != want {
		t.Errorf("digest after restore: %s, want %s", got, want)
	}
}

// An intset never narrows: after the wide member goes, Redis still dumps
// 8-byte integers (payload checked against redis-server 7.0.15), and the
// width survives a snapshot.
func TestIntsetKeepsItsWidth(t *testing.T) {
	tf := newTestFSM(t)
	tf.do("SADD", "w", "1", "99999999999", "70000")
	tf.do("SREM", "w", "99999999999")
	want := bulk("\x0b\x18\x08\x00\x00\x00\x02\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00p\x11\x01\x00\x00\x00\x00\x00\n\x00\xc9~y\xb4K\xa8H5")
	if got := tf.do("DUMP", "w"); got != want {
		t.Errorf("DUMP w = %q, want %q", got, want)
	}
	snap, err := tf.f.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	g := restored(t, snap)
	argv := argvOf("DUMP", "w")
	if got := string(g.Read(0, Lookup(argv[0]), argv, nil)); got != want {
		t.Errorf("restored DUMP w = %q, want %q", got, want)
	}
}

// OBJECT IDLETIME counts the seconds since the key was last looked up;
// OBJECT, TYPE, EXISTS, TTL, SCAN and KEYS do not count as lookups, as in
// Redis, and RESTORE ... IDLETIME sets it.
func TestObjectIdletime(t *testing.T) {
	tf := newTestFSM(t)
	last := ""
	idle := func(key string, want int) {
		t.Helper()
		if got := tf.do("OBJECT", "IDLETIME", key); got != integer(want) {
			t.Errorf("after %s: OBJECT IDLETIME %s = %q, want %d", last, key, got, want)
		}
	}
	last = "SET"
	tf.do("SET", "k", "v")
	tf.now += 5500
	idle("k", 5)
	for _, read := range [][]string{{"TYPE", "k"}, {"EXISTS", "k"}, {"TTL", "k"}, {"PTTL", "k"}, {"SCAN", "0"}, {"KEYS", "*"}, {"OBJECT", "ENCODING", "k"}, {"MEMORY", "USAGE", "k"}} {
		last = strings.Join(read, " ")
		tf.do(read...)
		idle("k", 5)
	}
	last = "GET"
	tf.do("GET", "k")
	idle("k", 0)
	tf.now += 2000
	last = "TOUCH"
	tf.do("TOUCH", "k")
	idle("k", 0)
	tf.now += 3000
	last = "APPEND"
	tf.do("APPEND", "k", "w")
	idle("k", 0)

	payload := tf.do("DUMP", "k")
	p := payload[strings.Index(payload, "\r\n")+2 : len(payload)-2]
	last = "RESTORE IDLETIME 100"
	tf.do("RESTORE", "r", "0", p, "IDLETIME", "100")
	idle("r", 100)
	tf.now += 1000
	idle("r", 101)
}
