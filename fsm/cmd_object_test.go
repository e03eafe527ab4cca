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
