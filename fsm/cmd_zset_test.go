package fsm

import (
	"math"
	"strings"
	"testing"
)

// zpairs builds the flat member, score array reply.
func zpairs(ms ...string) string { return bulks(ms...) }

func TestZAddOptions(t *testing.T) {
	tf := newTestFSM(t)
	tf.run([]step{
		{c("ZADD z"), errReply("ERR wrong number of arguments for 'zadd' command")},
		{c("ZADD z 1"), errReply("ERR wrong number of arguments for 'zadd' command")},
		{c("ZADD z NX 1"), errReply(ErrSyntax)},
		{c("ZADD z 1 a 2"), errReply(ErrSyntax)},
		{c("ZADD z NX XX 1 a"), errReply(errZAddXXNX)},
		{c("ZADD z GT LT 1 a"), errReply(errZAddGTLTNX)},
		{c("ZADD z NX GT 1 a"), errReply(errZAddGTLTNX)},
		{c("ZADD z NX LT 1 a"), errReply(errZAddGTLTNX)},
		{c("ZADD z INCR 1 a 2 b"), errReply(errZAddIncrPair)},
		{c("ZADD z abc a"), errReply(ErrNotFloat)},
		{c("ZADD z nan a"), errReply(ErrNotFloat)},
		{c("ZADD z 1 a abc b"), errReply(ErrNotFloat)},
		{c("EXISTS z"), integer(0)},
		{c("ZADD z XX 1 a"), integer(0)},
		{c("ZADD z XX INCR 1 a"), nilBulk},
		{c("EXISTS z"), integer(0)},
		{c("ZADD z 1 a 2 b 3 c"), integer(3)},
		{c("ZADD z 1 a 2 b 3 c"), integer(0)},
		{c("ZADD z CH 1 a 5 b 4 d"), integer(2)},
		{c("ZADD z NX 9 a 9 e"), integer(1)},
		{c("ZSCORE z a"), bulk("1")},
		{c("ZADD z XX CH 7 a 7 f"), integer(1)},
		{c("ZSCORE z f"), nilBulk},
		{c("ZADD z GT CH 1 a 8 b"), integer(1)},
		{c("ZADD z LT CH 100 a 0 b"), integer(1)},
		{c("ZADD z GT 1 new"), integer(1)},
		{c("ZADD z INCR 2.5 a"), bulk("9.5")},
		{c("ZADD z NX INCR 1 a"), nilBulk},
		{c("ZADD z GT INCR -1 a"), nilBulk},
		{c("ZADD z LT INCR -1 a"), bulk("8.5")},
		{c("ZINCRBY z 1.5 a"), bulk("10")},
		{c("ZINCRBY z 1 fresh"), bulk("1")},
		{c("ZINCRBY z abc a"), errReply(ErrNotFloat)},
		{c("ZINCRBY z NX a"), errReply(ErrSyntax)},
		{c("ZADD z inf q"), integer(1)},
		{c("ZADD z INCR -inf q"), errReply(errZScoreNaN)},
		{c("ZINCRBY z -inf q"), errReply(errZScoreNaN)},
		{c("ZSCORE z q"), bulk("inf")},
		{c("ZINCRBY z 1 q"), bulk("inf")},
		{c("TYPE z"), status("zset")},
		{c("ZCARD z"), integer(8)},
		{c("ZCARD nokey"), integer(0)},
		{c("SET s x"), ok},
		{c("ZADD s 1 a"), errReply(ErrWrongType)},
		{c("ZADD s abc a"), errReply(ErrNotFloat)},
		{c("ZINCRBY s 1 a"), errReply(ErrWrongType)},
	})
}

// TestZScoreFormat: scores as Redis 7.0 formats them (%.17g), and what a
// listpack or a skiplist keeps of -0.
func TestZScoreFormat(t *testing.T) {
	tf := newTestFSM(t)
	for _, tc := range []struct{ in, want string }{
		{"0.1", "0.10000000000000001"}, {"1e+20", "1e+20"}, {"3.0", "3"}, {"inf", "inf"},
		{"-inf", "-inf"}, {"+inf", "inf"}, {"-Infinity", "-inf"}, {"1e-5", "1.0000000000000001e-05"},
		{"123456789012345678", "1.2345678901234568e+17"}, {"0x10", "16"}, {"0x1.8p1", "3"},
		{".5", "0.5"}, {"5.", "5"}, {"+5", "5"}, {"4.9e-324", "4.9406564584124654e-324"},
		{"-0.0", "0"}, {"1e16", "10000000000000000"},
	} {
		tf.do("DEL", "z")
		if got := tf.do("ZADD", "z", tc.in, "m"); got != integer(1) {
			t.Errorf("ZADD z %s m: got %q", tc.in, got)
			continue
		}
		if got := tf.do("ZSCORE", "z", "m"); got != bulk(tc.want) {
			t.Errorf("ZSCORE after ZADD %s: got %q, want %q", tc.in, got, bulk(tc.want))
		}
	}
	for _, bad := range []string{"", " 1", "1 ", "1e400", "1e-400", "nan", "-nan", "1e", "1e+", "0x", "abc", "inf1", "--1"} {
		if got := tf.do("ZADD", "z", bad, "m"); got != errReply(ErrNotFloat) {
			t.Errorf("ZADD z %q m: got %q, want not a valid float", bad, got)
		}
	}
	// ZINCRBY replies the computed score even where the listpack drops
	// the sign of zero.
	tf.do("DEL", "z")
	tf.run([]step{
		{c("ZINCRBY z -0.0 c"), bulk("-0")},
		{c("ZSCORE z c"), bulk("0")},
	})
	// A skiplist (a member longer than 64 bytes) keeps -0.
	long := strings.Repeat("x", 65)
	tf.do("ZADD", "big", "1", long)
	tf.run([]step{
		{c("ZADD big -0 m"), integer(1)},
		{c("ZSCORE big m"), bulk("-0")},
	})
}

func TestZRangeByRank(t *testing.T) {
	tf := newTestFSM(t)
	tf.do("ZADD", "z", "1", "a", "2", "b", "3", "c", "3", "d", "-1", "e")
	tf.run([]step{
		{c("ZRANGE z 0 -1"), bulks("e", "a", "b", "c", "d")},
		{c("ZRANGE z 0 -1 WITHSCORES"), zpairs("e", "-1", "a", "1", "b", "2", "c", "3", "d", "3")},
		{c("ZRANGE z 1 2"), bulks("a", "b")},
		{c("ZRANGE z -2 -1"), bulks("c", "d")},
		{c("ZRANGE z -100 0"), bulks("e")},
		{c("ZRANGE z 3 100"), bulks("c", "d")},
		{c("ZRANGE z 3 1"), array()},
		{c("ZRANGE z 5 10"), array()},
		{c("ZRANGE z 0 1 REV"), bulks("d", "c")},
		{c("ZRANGE z -1 -1 REV WITHSCORES"), zpairs("e", "-1")},
		{c("ZREVRANGE z 0 1 WITHSCORES"), zpairs("d", "3", "c", "3")},
		{c("ZREVRANGE z 0 -1"), bulks("d", "c", "b", "a", "e")},
		{c("ZRANGE nokey 0 -1"), array()},
		{c("ZRANGE z a 1"), errReply(ErrNotInteger)},
		{c("ZRANGE z 0 1 LIMIT 0 1"), errReply(errZLimitRank)},
		{c("ZRANGE z 0 -1 LIMIT 0 -1"), bulks("e", "a", "b", "c", "d")},
		{c("ZRANGE z 0 1 REV REV"), errReply(ErrSyntax)},
		{c("ZRANGE z 0 1 FOO"), errReply(ErrSyntax)},
		{c("ZREVRANGE z 0 1 REV"), errReply(ErrSyntax)},
		{c("ZREVRANGE z 0 1 LIMIT 0 1"), errReply(errZLimitRank)},
		{c("ZRANK z a"), integer(1)},
		{c("ZRANK z d"), integer(4)},
		{c("ZREVRANK z d"), integer(0)},
		{c("ZREVRANK z e"), integer(4)},
		{c("ZRANK z nope"), nilBulk},
		{c("ZRANK nokey a"), nilBulk},
		{c("SET s x"), ok},
		{c("ZRANGE s 0 -1"), errReply(ErrWrongType)},
		{c("ZRANK s a"), errReply(ErrWrongType)},
	})
}

func TestZRangeByScore(t *testing.T) {
	tf := newTestFSM(t)
	tf.do("ZADD", "z", "1", "a", "2", "b", "3", "c", "3", "d", "-inf", "n", "inf", "p")
	tf.run([]step{
		{c("ZRANGEBYSCORE z 1 3"), bulks("a", "b", "c", "d")},
		{c("ZRANGEBYSCORE z (1 3"), bulks("b", "c", "d")},
		{c("ZRANGEBYSCORE z (1 (3"), bulks("b")},
		{c("ZRANGEBYSCORE z -inf +inf"), bulks("n", "a", "b", "c", "d", "p")},
		{c("ZRANGEBYSCORE z (-inf (inf"), bulks("a", "b", "c", "d")},
		{c("ZRANGEBYSCORE z 3 1"), array()},
		{c("ZRANGEBYSCORE z (2 (2"), array()},
		{c("ZRANGEBYSCORE z 2 2 WITHSCORES"), zpairs("b", "2")},
		{c("ZRANGEBYSCORE z 1 3 LIMIT 1 2"), bulks("b", "c")},
		{c("ZRANGEBYSCORE z 1 3 LIMIT 1 -1"), bulks("b", "c", "d")},
		{c("ZRANGEBYSCORE z 1 3 LIMIT -1 2"), array()},
		{c("ZRANGEBYSCORE z 1 3 LIMIT 10 2"), array()},
		{c("ZRANGEBYSCORE z 1 3 LIMIT 0 0"), array()},
		{c("ZREVRANGEBYSCORE z 3 1"), bulks("d", "c", "b", "a")},
		{c("ZREVRANGEBYSCORE z (3 -inf WITHSCORES LIMIT 1 5"), zpairs("a", "1", "n", "-inf")},
		{c("ZRANGE z (1 3 BYSCORE REV"), array()},
		{c("ZRANGE z 3 (1 BYSCORE REV LIMIT 0 2"), bulks("d", "c")},
		{c("ZRANGE z 1 2 BYSCORE WITHSCORES"), zpairs("a", "1", "b", "2")},
		{c("ZRANGEBYSCORE z 1 a"), errReply(errMinMaxFloat)},
		{c("ZRANGEBYSCORE z [1 2"), errReply(errMinMaxFloat)},
		{c("ZRANGEBYSCORE z 1 2 REV"), errReply(ErrSyntax)},
		{c("ZRANGEBYSCORE z 1 2 LIMIT 0"), errReply(ErrSyntax)},
		{c("ZRANGEBYSCORE z 1 2 LIMIT a 1"), errReply(ErrNotInteger)},
		{c("ZRANGEBYSCORE z 1e400 inf"), bulks("p")},
		{c("ZCOUNT z 1 3"), integer(4)},
		{c("ZCOUNT z (1 (3"), integer(1)},
		{c("ZCOUNT z -inf +inf"), integer(6)},
		{c("ZCOUNT z 5 1"), integer(0)},
		{c("ZCOUNT nokey 1 2"), integer(0)},
		{c("ZCOUNT z a b"), errReply(errMinMaxFloat)},
		{c("ZCOUNT z nan 1"), errReply(errMinMaxFloat)},
		{[]string{"ZCOUNT", "z", "", "1"}, integer(1)},
		{[]string{"ZCOUNT", "z", "(", "1"}, integer(1)},
		{[]string{"ZCOUNT", "z", " 1", "(3"}, integer(2)},
		{[]string{"ZCOUNT", "z", "1 ", "3"}, errReply(errMinMaxFloat)},
		{[]string{"ZCOUNT", "z", " ", "3"}, errReply(errMinMaxFloat)},
	})
}

func TestZRangeByLex(t *testing.T) {
	tf := newTestFSM(t)
	tf.do("ZADD", "z", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e")
	tf.run([]step{
		{c("ZRANGEBYLEX z - +"), bulks("a", "b", "c", "d", "e")},
		{c("ZRANGEBYLEX z [b (d"), bulks("b", "c")},
		{c("ZRANGEBYLEX z (b [d"), bulks("c", "d")},
		{c("ZRANGEBYLEX z - [c LIMIT 1 1"), bulks("b")},
		{c("ZRANGEBYLEX z + -"), array()},
		{c("ZRANGEBYLEX z - -"), array()},
		{c("ZREVRANGEBYLEX z + [c"), bulks("e", "d", "c")},
		{c("ZREVRANGEBYLEX z (d - LIMIT 1 5"), bulks("b", "a")},
		{c("ZRANGE z [c + BYLEX"), bulks("c", "d", "e")},
		{c("ZRANGE z + [c BYLEX REV LIMIT 0 2"), bulks("e", "d")},
		{c("ZRANGEBYLEX z a b"), errReply(errMinMaxLex)},
		{c("ZRANGEBYLEX z [a +x"), errReply(errMinMaxLex)},
		{c("ZRANGEBYLEX z [a [b WITHSCORES"), errReply(errZWithLex)},
		{c("ZRANGE z [a [b BYLEX WITHSCORES"), errReply(errZWithLex)},
		{c("ZRANGE z [a [b BYLEX BYSCORE"), errReply(ErrSyntax)},
		{c("ZLEXCOUNT z - +"), integer(5)},
		{c("ZLEXCOUNT z [b (e"), integer(3)},
		{c("ZLEXCOUNT z ( +"), integer(5)},
		{c("ZLEXCOUNT z [ [c"), integer(3)},
		{c("ZLEXCOUNT nokey - +"), integer(0)},
		{[]string{"ZLEXCOUNT", "z", "", "+"}, errReply(errMinMaxLex)},
	})
	// Mixed scores: Redis walks its listpack from the head to the first
	// member >= min, then on while members are <= max.
	tf.do("ZADD", "m", "1", "b", "2", "a", "3", "c", "4", "e", "5", "d")
	tf.run([]step{
		{c("ZRANGEBYLEX m [b [c"), bulks("b", "a", "c")},
		{c("ZRANGEBYLEX m [c +"), bulks("c", "e", "d")},
		{c("ZREVRANGEBYLEX m [d [a"), bulks("d", "e", "c", "a", "b")},
		{c("ZREVRANGEBYLEX m [c -"), bulks("c", "a", "b")},
		{c("ZLEXCOUNT m [b [c"), integer(3)},
		{c("ZRANGEBYLEX m [a [a"), array()},
	})
	tf.do("ZADD", "tail", "1", "c", "2", "a")
	tf.run([]step{
		// The last member is < min: nothing, though c >= b.
		{c("ZRANGEBYLEX tail [b +"), array()},
	})
}

func TestZRangeStore(t *testing.T) {
	tf := newTestFSM(t)
	tf.do("ZADD", "z", "1", "a", "2", "b", "3", "c")
	tf.do("SET", "s", "x")
	tf.run([]step{
		{c("ZRANGESTORE d z 0 1"), integer(2)},
		{c("ZRANGE d 0 -1 WITHSCORES"), zpairs("a", "1", "b", "2")},
		{c("ZRANGESTORE d z (1 +inf BYSCORE LIMIT 0 1"), integer(1)},
		{c("ZRANGE d 0 -1"), bulks("b")},
		{c("ZRANGESTORE d z - + BYLEX REV"), integer(0)},
		{c("ZRANGESTORE d z + - BYLEX REV"), integer(3)},
		{c("ZRANGE d 0 -1"), bulks("a", "b", "c")},
		{c("ZRANGESTORE d z 0 -1 WITHSCORES"), errReply(ErrSyntax)},
		{c("ZRANGESTORE d z 5 10"), integer(0)},
		{c("EXISTS d"), integer(0)},
		{c("ZRANGESTORE s z 0 0"), integer(1)},
		{c("TYPE s"), status("zset")},
		{c("ZRANGESTORE d nokey 0 -1"), integer(0)},
		{c("SET str x"), ok},
		{c("ZRANGESTORE d str 0 -1"), errReply(ErrWrongType)},
	})
}

func TestZRem(t *testing.T) {
	tf := newTestFSM(t)
	tf.do("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "6", "f")
	tf.run([]step{
		{c("ZREM z a x a"), integer(1)},
		{c("ZREM z x"), integer(0)},
		{c("ZREM nokey a"), integer(0)},
		{c("ZREMRANGEBYRANK z 0 0"), integer(1)},
		{c("ZREMRANGEBYRANK z 10 20"), integer(0)},
		{c("ZREMRANGEBYRANK z a 1"), errReply(ErrNotInteger)},
		{c("ZREMRANGEBYSCORE z (3 5"), integer(2)},
		{c("ZREMRANGEBYSCORE z a 1"), errReply(errMinMaxFloat)},
		{c("ZRANGE z 0 -1"), bulks("c", "f")},
		{c("ZADD z 0 x 0 y"), integer(2)},
		{c("ZREMRANGEBYLEX z a b"), errReply(errMinMaxLex)},
		// Mixed scores, and the last member (f) is < [x: nothing, as Redis.
		{c("ZREMRANGEBYLEX z [x [x"), integer(0)},
		{c("ZREMRANGEBYLEX z [x [y"), integer(0)},
		{c("ZREMRANGEBYLEX z - [x"), integer(1)},
		{c("ZREMRANGEBYRANK z 0 -1"), integer(3)},
		{c("EXISTS z"), integer(0)},
		{c("ZADD z 1 a"), integer(1)},
		{c("ZREM z a"), integer(1)},
		{c("EXISTS z"), integer(0)},
	})
}

func TestZPop(t *testing.T) {
	tf := newTestFSM(t)
	tf.do("ZADD", "z", "1", "a", "2", "b", "3", "c", "3", "d")
	tf.run([]step{
		{c("ZPOPMIN z"), zpairs("a", "1")},
		{c("ZPOPMAX z"), zpairs("d", "3")},
		{c("ZPOPMIN z 0"), array()},
		{c("ZPOPMIN z -1"), errReply(ErrNotPositive)},
		{c("ZPOPMIN z abc"), errReply(ErrNotPositive)},
		{c("ZPOPMIN z 1 2"), errReply(ErrSyntax)},
		{c("ZPOPMIN nokey"), array()},
		{c("ZPOPMAX nokey 3"), array()},
		{c("ZPOPMAX z 10"), zpairs("c", "3", "b", "2")},
		{c("EXISTS z"), integer(0)},
		{c("ZADD z 1 a 2 b 3 c"), integer(3)},
		{c("ZADD y 5 q"), integer(1)},
		{c("ZMPOP 2 nokey z MIN"), array(bulk("z"), array(bulks("a", "1")))},
		{c("ZMPOP 2 z y MAX COUNT 5"), array(bulk("z"), array(bulks("c", "3"), bulks("b", "2")))},
		{c("ZMPOP 2 z y MAX COUNT 5"), array(bulk("y"), array(bulks("q", "5")))},
		{c("ZMPOP 1 nokey MIN"), nilArray},
		{c("ZMPOP 0 z MIN"), errReply(errNumKeys)},
		{c("ZMPOP 1 z FOO"), errReply(ErrSyntax)},
		{c("ZMPOP 5 z MIN"), errReply(ErrSyntax)},
		{c("ZMPOP 1 z MIN COUNT 0"), errReply(errCountNotPos)},
		{c("ZMPOP 1 z MIN COUNT 1 COUNT 1"), errReply(ErrSyntax)},
		{c("SET s x"), ok},
		{c("ZMPOP 2 nokey s MIN"), errReply(ErrWrongType)},
		{c("ZPOPMIN s"), errReply(ErrWrongType)},
	})
}

func TestZSetAlgebra(t *testing.T) {
	tf := newTestFSM(t)
	tf.do("ZADD", "a", "1", "x", "2", "y")
	tf.do("ZADD", "b", "10", "y", "20", "z")
	tf.do("SADD", "s", "x", "z", "w")
	tf.do("SET", "str", "v")
	tf.run([]step{
		{c("ZUNION 2 a b WITHSCORES"), zpairs("x", "1", "y", "12", "z", "20")},
		{c("ZUNION 2 a b WEIGHTS 2 1 WITHSCORES"), zpairs("x", "2", "y", "14", "z", "20")},
		{c("ZUNION 2 a b AGGREGATE MIN WITHSCORES"), zpairs("x", "1", "y", "2", "z", "20")},
		{c("ZUNION 2 a b AGGREGATE max"), bulks("x", "y", "z")},
		{c("ZINTER 2 a b WITHSCORES"), zpairs("y", "12")},
		{c("ZINTER 2 a s WITHSCORES"), zpairs("x", "2")},
		{c("ZUNION 2 s nokey WITHSCORES"), zpairs("w", "1", "x", "1", "z", "1")},
		{c("ZDIFF 2 a b WITHSCORES"), zpairs("x", "1")},
		{c("ZDIFF 2 s a"), bulks("w", "z")},
		{c("ZINTER 2 a nokey"), array()},
		{c("ZUNION 1 a WEIGHTS inf WITHSCORES"), zpairs("x", "inf", "y", "inf")},
		{c("ZUNION 2 a a WEIGHTS inf -inf WITHSCORES"), zpairs("x", "0", "y", "0")},
		{c("ZUNION 1 a WEIGHTS 0 WITHSCORES"), zpairs("x", "0", "y", "0")},
		{c("ZUNION 1 a WEIGHTS -1 WITHSCORES"), zpairs("y", "-2", "x", "-1")},
		{c("ZINTERCARD 2 a b"), integer(1)},
		{c("ZINTERCARD 2 a s LIMIT 0"), integer(1)},
		{c("ZINTERCARD 1 a LIMIT 1"), integer(1)},
		{c("ZINTERCARD 1 a LIMIT -1"), errReply(errZLimitNeg)},
		{c("ZINTERCARD 0 a"), errReply("ERR at least 1 input key is needed for 'zintercard' command")},
		{c("ZUNION 0 a"), errReply("ERR at least 1 input key is needed for 'zunion' command")},
		{c("ZUNIONSTORE d 0 a"), errReply("ERR at least 1 input key is needed for 'zunionstore' command")},
		{c("ZUNION abc a"), errReply(ErrNotInteger)},
		{c("ZUNION 3 a b"), errReply(ErrSyntax)},
		{c("ZUNION 1 a WEIGHTS abc"), errReply(errZWeight)},
		{c("ZUNION 1 a WEIGHTS 1 2"), errReply(ErrSyntax)},
		{c("ZUNION 1 a AGGREGATE AVG"), errReply(ErrSyntax)},
		{c("ZDIFF 1 a WEIGHTS 1"), errReply(ErrSyntax)},
		{c("ZUNIONSTORE d 1 a WITHSCORES"), errReply(ErrSyntax)},
		// The keys are looked up before the options are parsed.
		{c("ZUNION 1 str WEIGHTS abc"), errReply(ErrWrongType)},
		{c("ZUNIONSTORE d 1 str WEIGHTS abc"), errReply(ErrWrongType)},
		{c("ZUNIONSTORE d 2 a b"), integer(3)},
		{c("ZRANGE d 0 -1 WITHSCORES"), zpairs("x", "1", "y", "12", "z", "20")},
		{c("ZINTERSTORE d 2 a b AGGREGATE MAX"), integer(1)},
		{c("ZRANGE d 0 -1 WITHSCORES"), zpairs("y", "10")},
		{c("ZDIFFSTORE d 2 a a"), integer(0)},
		{c("EXISTS d"), integer(0)},
		{c("ZDIFFSTORE str 1 a"), integer(2)},
		{c("TYPE str"), status("zset")},
	})
	// Sums depend on their order: inputs go smallest first, and equal
	// sizes keep their order, as Redis's stable qsort leaves them.
	tf.do("ZADD", "p", "0.3", "x")
	tf.do("ZADD", "q", "0.2", "x")
	tf.do("ZADD", "r", "0.1", "x")
	tf.run([]step{
		{c("ZUNION 3 p q r WITHSCORES"), zpairs("x", "0.59999999999999998")},
		{c("ZUNION 3 r q p WITHSCORES"), zpairs("x", "0.60000000000000009")},
	})
	// ZUNION replies -0 from its skiplist; ZUNIONSTORE's listpack drops it.
	tf.do("ZADD", "zero", "0", "m")
	tf.run([]step{
		{c("ZUNION 1 zero WEIGHTS -1 WITHSCORES"), zpairs("m", "-0")},
		{c("ZUNIONSTORE d 1 zero WEIGHTS -1"), integer(1)},
		{c("ZSCORE d m"), bulk("0")},
	})
}

func TestZMScoreAndRandMember(t *testing.T) {
	tf := newTestFSM(t)
	tf.do("ZADD", "z", "1", "a", "2", "b", "3", "c")
	tf.run([]step{
		{c("ZMSCORE z a x c"), array(bulk("1"), nilBulk, bulk("3"))},
		{c("ZMSCORE nokey a b"), array(nilBulk, nilBulk)},
		{c("ZSCORE nokey a"), nilBulk},
		{c("ZRANDMEMBER nokey"), nilBulk},
		{c("ZRANDMEMBER nokey 3"), array()},
		{c("ZRANDMEMBER z 0"), array()},
		{c("ZRANDMEMBER z abc"), errReply(ErrNotInteger)},
		{c("ZRANDMEMBER z 1 FOO"), errReply(ErrSyntax)},
		{c("ZRANDMEMBER z 1 WITHSCORES x"), errReply(ErrSyntax)},
		{c("ZRANDMEMBER z -9223372036854775808"), errReply("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")},
		{c("ZRANDMEMBER z 5000000000000000000 WITHSCORES"), errReply("ERR value is out of range")},
	})
	scores := map[string]string{"a": "1", "b": "2", "c": "3"}
	for _, tc := range []struct {
		count    string
		n        int
		distinct bool
	}{{"2", 2, true}, {"10", 3, true}, {"-5", 5, false}} {
		reply := tf.do("ZRANDMEMBER", "z", tc.count, "WITHSCORES")
		elems := parseBulks(t, reply)
		if len(elems) != 2*tc.n {
			t.Fatalf("ZRANDMEMBER z %s WITHSCORES: %d elements, want %d", tc.count, len(elems), 2*tc.n)
		}
		seen := map[string]bool{}
		for i := 0; i < len(elems); i += 2 {
			if scores[elems[i]] != elems[i+1] {
				t.Errorf("ZRANDMEMBER pair %q %q is not in the set", elems[i], elems[i+1])
			}
			if tc.distinct && seen[elems[i]] {
				t.Errorf("ZRANDMEMBER z %s repeats %q", tc.count, elems[i])
			}
			seen[elems[i]] = true
		}
	}
	if got := tf.do("ZRANDMEMBER", "z"); scores[strings.TrimSuffix(strings.SplitN(got, "\r\n", 3)[1], "\r\n")] == "" {
		t.Errorf("ZRANDMEMBER z: got %q", got)
	}
}

// parseBulks splits an array-of-bulks reply into its strings.
func parseBulks(t *testing.T, reply string) []string {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(reply, "\r\n"), "\r\n")
	if len(lines) == 0 || lines[0][0] != '*' {
		t.Fatalf("not an array: %q", reply)
	}
	var out []string
	for i := 2; i < len(lines); i += 2 {
		out = append(out, lines[i])
	}
	return out
}

// TestZScan: a listpack-sized set comes whole with cursor 0 and its scores
// in listpack text; a big one pages through every member exactly once.
func TestZScan(t *testing.T) {
	tf := newTestFSM(t)
	tf.do("ZADD", "z", "1e18", "a", "0.5", "b", "1e20", "c")
	tf.run([]step{
		{c("ZSCAN z 0"), array(bulk("0"), bulks("b", "0.5", "a", "1000000000000000000", "c", "1e+20"))},
		{c("ZSCAN z 0 MATCH a*"), array(bulk("0"), bulks("a", "1000000000000000000"))},
		{c("ZSCAN z 0 COUNT 0"), errReply(ErrSyntax)},
		{c("ZSCAN z abc"), errReply(errInvalidCursor)},
		{c("ZSCAN nokey 0 COUNT 0"), array(bulk("0"), array())},
	})
	for i := 0; i < 300; i++ {
		tf.do("ZADD", "big", itoa(i), "m"+itoa(i))
	}
	tf.do("ZADD", "big", "1e18", "huge")
	seen := map[string]string{}
	cursor := "0"
	for calls := 0; ; calls++ {
		if calls > 1000 {
			t.Fatal("ZSCAN did not end")
		}
		reply := tf.do("ZSCAN", "big", cursor, "COUNT", "7")
		lines := strings.Split(reply, "\r\n")
		cursor = lines[2]
		elems := parseBulks(t, strings.Join(lines[3:], "\r\n"))
		for i := 0; i+1 < len(elems); i += 2 {
			if _, dup := seen[elems[i]]; dup {
				t.Errorf("ZSCAN returned %q twice", elems[i])
			}
			seen[elems[i]] = elems[i+1]
		}
		if cursor == "0" {
			break
		}
	}
	if len(seen) != 301 || seen["m42"] != "42" || seen["huge"] != "1e+18" {
		t.Errorf("ZSCAN of big: %d members, m42=%q huge=%q", len(seen), seen["m42"], seen["huge"])
	}
}

// TestZSetKeyCommands: COPY, RENAME, MOVE, DEL and EXPIRE work on sorted
// sets through the generic value interface.
func TestZSetKeyCommands(t *testing.T) {
	tf := newTestFSM(t)
	tf.do("ZADD", "z", "1", "a", "2", "b")
	tf.run([]step{
		{c("COPY z z2"), integer(1)},
		{c("ZADD z 3 c"), integer(1)},
		{c("ZRANGE z2 0 -1 WITHSCORES"), zpairs("a", "1", "b", "2")},
		{c("RENAME z2 z3"), ok},
		{c("ZCARD z3"), integer(2)},
		{c("EXISTS z2"), integer(0)},
		{c("MOVE z3 1"), integer(1)},
		{c("DEL z"), integer(1)},
		{c("ZCARD z"), integer(0)},
		{c("ZADD e 1 a"), integer(1)},
		{c("EXPIRE e 10"), integer(1)},
		{c("ZADD e 2 b"), integer(1)},
		{c("TTL e"), integer(10)},
	})
	tf.now += 10_000
	tf.run([]step{
		{c("ZCARD e"), integer(0)},
		{c("ZADD e XX 1 a"), integer(0)},
		{c("EXISTS e"), integer(0)},
	})
	tf.db = 1
	tf.run([]step{{c("ZRANGE z3 0 -1"), bulks("a", "b")}})
}

// TestZSetVersions: a write that Redis does not signal leaves the key's
// version (what WATCH compares) alone; the others stamp it.
func TestZSetVersions(t *testing.T) {
	tf := newTestFSM(t)
	tf.do("ZADD", "z", "1", "a", "2", "b", "3", "c")
	for _, tc := range []struct {
		cmd     []string
		stamped bool
	}{
		{c("ZADD z 1 a 2 b"), false},
		{c("ZADD z -0 zero"), true},
		{c("ZADD z 0 zero"), false},
		{c("ZADD z NX 5 a"), false},
		{c("ZADD z XX 5 nope"), false},
		{c("ZADD z GT 0 a"), false},
		{c("ZADD z INCR 0 a"), false},
		{c("ZINCRBY z 0 a"), false},
		{c("ZADD z 1 a 9 a"), true},
		{c("ZADD z 1 a"), true},
		{c("ZREM z nope"), false},
		{c("ZREMRANGEBYSCORE z 100 200"), false},
		{c("ZREMRANGEBYLEX z [x [y"), false},
		{c("ZREMRANGEBYRANK z 10 20"), false},
		{c("ZPOPMIN z 0"), false},
		{c("ZRANGE z 0 -1"), false},
		{c("ZINCRBY z 1 a"), true},
		{c("ZPOPMAX z"), true},
		{c("ZREM z a"), true},
	} {
		before := keyEntry(tf, "z").version
		tf.do(tc.cmd...)
		after := keyEntry(tf, "z").version
		if got := after != before; got != tc.stamped {
			t.Errorf("%v: stamped %v, want %v", tc.cmd, got, tc.stamped)
		}
	}
	tf.do("ZADD", "w", "1", "a")
	idx := tf.index
	if got := tf.exec([]Watch{{DB: 0, Key: []byte("w"), Index: idx}}, c("ZADD w 1 a"), c("ZCARD w")); got != array(integer(0), integer(1)) {
		t.Errorf("EXEC after an unwatched no-op: got %q", got)
	}
	tf.do("ZINCRBY", "w", "1", "a")
	if got := tf.exec([]Watch{{DB: 0, Key: []byte("w"), Index: idx}}, c("ZCARD w")); got != nilArray {
		t.Errorf("EXEC after ZINCRBY on a watched set: got %q, want a null array", got)
	}
	tf.do("ZRANGESTORE", "nodst", "nokey", "0", "-1")
	tf.do("ZUNIONSTORE", "nodst", "1", "nokey")
	if _, ok := tf.f.st.dbs[0].tombs["nodst"]; ok || keyEntry(tf, "nodst") != nil {
		t.Error("a STORE of nothing into an absent key touched it")
	}
}

func TestZSetArgErrorsNeverReachTheLog(t *testing.T) {
	tf := newTestFSM(t)
	tf.do("ZADD", "z", "1", "a")
	for _, argv := range [][]string{
		c("ZADD z abc a"), c("ZADD z NX XX 1 a"), c("ZADD z 1"), c("ZINCRBY z x a"),
		c("ZREMRANGEBYRANK z a 1"), c("ZREMRANGEBYSCORE z a 1"), c("ZREMRANGEBYLEX z a b"),
		c("ZPOPMIN z -1"), c("ZPOPMAX z 1 2"), c("ZMPOP 0 z MIN"), c("ZMPOP 1 z UP"),
		c("ZRANGESTORE d z 0 1 LIMIT 0 1"), c("ZRANGESTORE d z a b BYSCORE"), c("ZUNIONSTORE d 0 z"),
		c("ZINTERSTORE d x z"), c("ZDIFFSTORE d 3 z"),
	} {
		before := tf.f.AppliedIndex()
		if got := tf.do(argv...); !IsError([]byte(got)) {
			t.Errorf("%v: got %q, want an error", argv, got)
		}
		if tf.f.AppliedIndex() != before {
			t.Errorf("%v reached the log", argv)
		}
	}
}

func TestZSetSnapshotRoundTrip(t *testing.T) {
	tf := newTestFSM(t)
	for i := 0; i < 300; i++ {
		tf.do("ZADD", "big", itoa(i%17), "m"+itoa(i))
	}
	tf.do("ZADD", "big", "-0", "negzero", "inf", "top", "-inf", "bottom")
	tf.do("ZADD", "small", "1.5", "a", "0.1", "b", "-0", "c")
	tf.do("ZADD", "odd", "1", "", "2", strings.Repeat("x", 100), "3", "bin\x00ary")
	snap, err := tf.f.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	want := tf.f.DigestAll()
	wantBig := tf.do("ZRANGE", "big", "0", "-1", "WITHSCORES")
	wantScan := tf.do("ZSCAN", "small", "0")
	tf.do("ZPOPMIN", "big", "100")
	tf.do("ZADD", "small", "9", "a")
	tf.do("DEL", "odd")
	g := restored(t, snap)
	if got := g.DigestAll(); got != want {
		t.Errorf("digest after restore: got %s, want %s", got, want)
	}
	read := func(args ...string) string {
		argv := argvOf(args...)
		return string(g.Read(0, Lookup(argv[0]), argv, nil))
	}
	if got := read("ZRANGE", "big", "0", "-1", "WITHSCORES"); got != wantBig {
		t.Error("restored ZRANGE big differs")
	}
	if got := read("ZSCORE", "big", "negzero"); got != bulk("-0") {
		t.Errorf("restored skiplist lost -0: got %q", got)
	}
	if got := read("ZSCAN", "small", "0"); got != wantScan {
		t.Errorf("restored ZSCAN small: got %q, want %q", got, wantScan)
	}
	if got := read("ZSCORE", "odd", "bin\x00ary"); got != bulk("3") {
		t.Errorf("restored odd: got %q", got)
	}
}

func TestZSetDigestAndDecode(t *testing.T) {
	a, b := newZset(), newZset()
	a.Set("x", 1)
	a.Set("y", 2)
	b.Set("y", 2)
	b.Set("x", 1)
	da, db := newDigester(), newDigester()
	a.digest(da)
	b.digest(db)
	if da.Hex() != db.Hex() {
		t.Error("digest depends on insertion order")
	}
	b.Set("x", 3)
	db = newDigester()
	b.digest(db)
	if da.Hex() == db.Hex() {
		t.Error("digest ignores scores")
	}
	big := newZset()
	big.Set(strings.Repeat("m", 65), -1)
	big.Set("neg", math.Copysign(0, -1))
	for _, v := range []*zsetValue{a, big, newZset()} {
		enc := v.encode(nil)
		got, err := decodeZset(enc)
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		gd, wd := newDigester(), newDigester()
		got.digest(gd)
		v.digest(wd)
		if gd.Hex() != wd.Hex() || got.(*zsetValue).listpack != v.listpack {
			t.Error("round trip changed the sorted set")
		}
		for n := 0; n < len(enc); n++ {
			if _, err := decodeZset(enc[:n]); err == nil {
				t.Errorf("decode of %d of %d bytes succeeded", n, len(enc))
			}
		}
		if _, err := decodeZset(append(append([]byte(nil), enc...), 0)); err == nil {
			t.Error("decode with a trailing byte succeeded")
		}
	}
	nan := append([]byte{0, 1}, 0, 0, 0, 0, 0, 0, 0xf8, 0x7f, 1, 'a')
	dup := append([]byte{0, 2}, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 1, 'a', 0, 0, 0, 0, 0, 0, 0, 0x40, 1, 'a')
	for _, bad := range [][]byte{{}, {2, 0}, nan, dup} {
		if _, err := decodeZset(bad); err == nil {
			t.Errorf("decode of %v succeeded", bad)
		}
	}
	if valueCodecs[typeZset] == nil || typeZset != 4 {
		t.Error("zset codec not registered under type byte 4")
	}
}

// TestZSetValueAPI covers the methods the GEO commands will build on.
func TestZSetValueAPI(t *testing.T) {
	z := newZset()
	for i, m := range []string{"e", "d", "c", "b", "a"} {
		if added, _ := z.Set(m, float64(i%3)); !added {
			t.Errorf("Set(%q) did not add", m)
		}
	}
	// Scores: e0 d1 c2 b0 a1 -> order b e a d c.
	if added, changed := z.Set("a", 1); added || changed {
		t.Error("Set with the same score changed something")
	}
	if _, changed := z.Set("a", 5); !changed {
		t.Error("Set with a new score reported no change")
	}
	if s, ok := z.Score("a"); !ok || s != 5 {
		t.Errorf("Score(a) = %v %v", s, ok)
	}
	for m, want := range map[string]int{"b": 0, "e": 1, "d": 2, "c": 3, "a": 4} {
		if r, ok := z.Rank(m); !ok || r != want {
			t.Errorf("Rank(%q) = %d %v, want %d", m, r, ok, want)
		}
	}
	var got []string
	z.RangeByScore(0, 2, true, false, func(m string, _ float64) bool {
		got = append(got, m)
		return true
	})
	if strings.Join(got, ",") != "d,c" {
		t.Errorf("RangeByScore (0 2] = %v", got)
	}
	got = nil
	z.RangeByScore(math.Inf(-1), math.Inf(1), false, false, func(m string, _ float64) bool {
		got = append(got, m)
		return len(got) < 2
	})
	if strings.Join(got, ",") != "b,e" {
		t.Errorf("RangeByScore stopped early = %v", got)
	}
	if !z.Remove("e") || z.Remove("e") || z.Len() != 4 {
		t.Error("Remove")
	}
	if _, ok := z.Rank("e"); ok {
		t.Error("Rank of a removed member")
	}
	cl := z.clone().(*zsetValue)
	z.Set("new", -1)
	z.Remove("a")
	if cl.Len() != 4 || z.Len() != 4 {
		t.Errorf("clone not independent: %d %d", cl.Len(), z.Len())
	}
	if _, ok := cl.Score("a"); !ok {
		t.Error("the clone lost a")
	}
	var nilZ *zsetValue
	if nilZ.Len() != 0 {
		t.Error("nil sorted set not empty")
	}
	if _, ok := nilZ.Score("a"); ok {
		t.Error("nil sorted set has a member")
	}
}

func TestParseScore(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    float64
		ok      bool
		inRange bool // parseRangeScore's verdict
		rangeV  float64
	}{
		{"1", 1, true, true, 1},
		{"-1.5", -1.5, true, true, -1.5},
		{"inf", math.Inf(1), true, true, math.Inf(1)},
		{"-INFINITY", math.Inf(-1), true, true, math.Inf(-1)},
		{"0x1p4", 16, true, true, 16},
		{"1e400", 0, false, true, math.Inf(1)},
		{"1e-400", 0, false, true, 0},
		{"", 0, false, true, 0},
		{" 1", 0, false, true, 1},
		{"1 ", 0, false, false, 0},
		{"nan", 0, false, false, 0},
		{"1e", 0, false, false, 0},
		{"+", 0, false, false, 0},
		{"1\x00x", 0, false, true, 1},
	} {
		got, ok := parseScore([]byte(tc.in))
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("parseScore(%q) = %v %v, want %v %v", tc.in, got, ok, tc.want, tc.ok)
		}
		rv, rok := parseRangeScore([]byte(tc.in))
		if rok != tc.inRange || (rok && rv != tc.rangeV) {
			t.Errorf("parseRangeScore(%q) = %v %v, want %v %v", tc.in, rv, rok, tc.rangeV, tc.inRange)
		}
	}
}

// TestZSetReadsAreReadOnly runs the sorted-set reads concurrently (as resp
// does under the read lock); with -race any write they made would be
// reported, and the digest and version must not move.
func TestZSetReadsAreReadOnly(t *testing.T) {
	tf := newTestFSM(t)
	for i := 0; i < 300; i++ {
		tf.do("ZADD", "z", itoa(i%11), "m"+itoa(i))
	}
	tf.do("ZADD", "u", "0", "a", "0", "b", "0", "c")
	want := tf.f.DigestAll()
	version := keyEntry(tf, "z").version
	reads := [][]string{
		c("ZRANGE z 0 -1 WITHSCORES"), c("ZRANGE z 5 (9 BYSCORE REV LIMIT 3 20"), c("ZRANGEBYLEX z [m1 (m5"),
		c("ZREVRANGEBYLEX u + -"), c("ZLEXCOUNT u [b +"), c("ZCOUNT z (2 8"), c("ZRANK z m77"),
		c("ZREVRANK z m3"), c("ZSCORE z m9"), c("ZMSCORE z m1 nope"), c("ZCARD z"),
		c("ZUNION 2 z u WITHSCORES"), c("ZINTER 2 z z AGGREGATE MAX"), c("ZDIFF 2 z u"), c("ZINTERCARD 2 z u"),
		c("ZRANDMEMBER z -5 WITHSCORES"), c("ZSCAN z 0 COUNT 20"), c("ZSCAN u 0"),
	}
	done := make(chan struct{})
	for g := 0; g < 4; g++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := 0; i < 10; i++ {
				for _, r := range reads {
					argv := argvOf(r...)
					if out := tf.f.Read(0, Lookup(argv[0]), argv, nil); IsError(out) {
						t.Errorf("%v: %q", r, out)
						return
					}
				}
			}
		}()
	}
	for g := 0; g < 4; g++ {
		<-done
	}
	if tf.f.DigestAll() != want || keyEntry(tf, "z").version != version {
		t.Error("a sorted-set read changed the state")
	}
}
