package fsm

import (
	"slices"
	"testing"
)

func TestSortNumericAndAlpha(t *testing.T) {
	tf := newTestFSM(t)
	tf.do("RPUSH", "l", "3", "1", "2", "10", "1.5", "-1", " 4", "1e1", "inf", "")
	tf.run([]step{
		// Ties on the score (10 and 1e1) are broken by the elements.
		{c("SORT l"), bulks("-1", "", "1", "1.5", "2", "3", " 4", "10", "1e1", "inf")},
		{c("SORT l DESC"), bulks("inf", "1e1", "10", " 4", "3", "2", "1.5", "1", "", "-1")},
		{c("SORT l LIMIT 1 3"), bulks("", "1", "1.5")},
		{c("SORT l LIMIT 8 100"), bulks("1e1", "inf")},
		{c("SORT l LIMIT -5 2"), bulks("-1", "")},
		{c("SORT l LIMIT 0 0"), array()},
		{c("SORT l LIMIT 100 5"), array()},
		{c("SORT l LIMIT 2 -1"), bulks("1", "1.5", "2", "3", " 4", "10", "1e1", "inf")},
		{c("SORT l ALPHA"), bulks("", " 4", "-1", "1", "1.5", "10", "1e1", "2", "3", "inf")},
		{c("SORT l ALPHA DESC LIMIT 0 2"), bulks("inf", "3")},
		{c("SORT l BY nosort"), bulks("3", "1", "2", "10", "1.5", "-1", " 4", "1e1", "inf", "")},
		{c("SORT l BY nosort DESC LIMIT 1 2"), bulks("inf", "1e1")},
		{c("SORT_RO l LIMIT 0 1"), bulks("-1")},
		{c("SORT nokey"), array()},
		{c("SORT nokey ALPHA LIMIT 0 5 DESC"), array()},
	})
	tf.do("RPUSH", "w", "1", "a", "2")
	tf.run([]step{
		{c("SORT w"), errReply(errSortScore)},
		{c("SORT w ALPHA"), bulks("1", "2", "a")},
		{c("SORT w BY nosort"), bulks("1", "a", "2")}, // no sorting: no scores
	})
	for _, bad := range []string{"nan", "1e400", "1e-320", "1 ", "0x", "-", "infx"} {
		tf.do("DEL", "b")
		tf.do("RPUSH", "b", "1", bad)
		if got := tf.do("SORT", "b"); got != errReply(errSortScore) {
			t.Errorf("SORT of %q: got %q, want the score error", bad, got)
		}
	}
	for _, good := range []string{"0x10", "+4", "\t5", "-inf", "Infinity", "1e+2", ".5", "5.", "0x1.8p1"} {
		tf.do("DEL", "b")
		tf.do("RPUSH", "b", good)
		if got := tf.do("SORT", "b"); got != bulks(good) {
			t.Errorf("SORT of %q: got %q", good, got)
		}
	}
}

func TestSortByGetStore(t *testing.T) {
	tf := newTestFSM(t)
	tf.do("RPUSH", "l", "a", "b", "c", "d")
	tf.do("MSET", "w_a", "3", "w_b", "1", "w_c", "2")
	tf.do("HSET", "h_a", "f", "z", "g", "10")
	tf.do("HSET", "h_b", "f", "y")
	tf.do("HSET", "h_c", "f", "y", "g", "-1")
	tf.run([]step{
		// A missing BY key scores 0.
		{c("SORT l BY w_*"), bulks("d", "b", "c", "a")},
		{c("SORT l BY w_* DESC"), bulks("a", "c", "b", "d")},
		{c("SORT l BY h_*->g"), bulks("c", "b", "d", "a")},
		// ALPHA BY: a missing value first, ties keep the input order.
		{c("SORT l BY h_*->f ALPHA"), bulks("d", "b", "c", "a")},
		{c("SORT l BY h_*->f ALPHA DESC"), bulks("a", "b", "c", "d")},
		{c("SORT l BY h_*->f ALPHA LIMIT 1 2"), bulks("b", "c")},
		{c("SORT l BY h_*->f"), errReply(errSortScore)},
		{c("SORT l ALPHA GET # GET w_* GET h_*->f"), array(
			bulk("a"), bulk("3"), bulk("z"), bulk("b"), bulk("1"), bulk("y"),
			bulk("c"), bulk("2"), bulk("y"), bulk("d"), nilBulk, nilBulk)},
		{c("SORT l BY w_* GET h_*->g LIMIT 0 2"), array(nilBulk, nilBulk)},
		{c("SORT l ALPHA GET nostar"), array(nilBulk, nilBulk, nilBulk, nilBulk)},
		{c("SORT l BY w_*-> ALPHA"), bulks("a", "b", "c", "d")}, // "->" with no field: a string key
		{c("SORT l BY w_* STORE dst"), integer(4)},
		{c("LRANGE dst 0 -1"), bulks("d", "b", "c", "a")},
		{c("SORT l BY w_* GET w_* STORE dst"), integer(4)},
		{c("LRANGE dst 0 -1"), bulks("", "1", "2", "3")}, // missing values stored as ""
		{c("SORT nokey STORE dst"), integer(0)},
		{c("EXISTS dst"), integer(0)},
		{c("SET s x"), ok},
		{c("SORT l ALPHA LIMIT 0 1 STORE s"), integer(1)},
		{c("TYPE s"), status("list")},
		{c("SORT l STORE l ALPHA DESC"), integer(4)}, // the source itself
		{c("LRANGE l 0 -1"), bulks("d", "c", "b", "a")},
	})
}

func TestSortSetsAndErrors(t *testing.T) {
	tf := newTestFSM(t)
	tf.do("SADD", "s", "5", "-2", "10", "7")
	tf.do("SADD", "w", "b", "a", "c")
	tf.run([]step{
		{c("SORT s"), bulks("-2", "5", "7", "10")},
		{c("SORT s DESC LIMIT 0 2"), bulks("10", "7")},
		{c("SORT w ALPHA"), bulks("a", "b", "c")},
		{c("SORT w"), errReply(errSortScore)},
		// BY nosort with STORE sorts a set ALPHA, so what is stored does
		// not depend on the set's internal order.
		{c("SORT s BY nosort STORE d"), integer(4)},
		{c("LRANGE d 0 -1"), bulks("-2", "10", "5", "7")},
		{c("SCARD s"), integer(4)},
		// Errors, all before the key is looked at.
		{c("SORT s FOO"), errReply(ErrSyntax)},
		{c("SORT s LIMIT 1"), errReply(ErrSyntax)},
		{c("SORT s LIMIT a 1"), errReply(ErrNotInteger)},
		{c("SORT s LIMIT 0 1.5"), errReply(ErrNotInteger)},
		{c("SORT s BY"), errReply(ErrSyntax)},
		{c("SORT s GET"), errReply(ErrSyntax)},
		{c("SORT s STORE"), errReply(ErrSyntax)},
		{c("SORT_RO s STORE d"), errReply(ErrSyntax)},
		{c("SORT"), errReply(ArityError("sort"))},
		{c("SET str x"), ok},
		{c("SORT str"), errReply(ErrWrongType)},
		{c("SORT str FOO"), errReply(ErrSyntax)},
		{c("HSET h f v"), integer(1)},
		{c("SORT_RO h"), errReply(ErrWrongType)},
	})
	if cmd := Lookup([]byte("sort")); !cmd.Is(FlagWrite) {
		t.Errorf("SORT flags: %v", cmd.Flags.Names())
	}
	if cmd := Lookup([]byte("sort_ro")); !cmd.Is(FlagReadOnly) || cmd.Is(FlagWrite) || !cmd.Is(FlagLogged) {
		t.Errorf("SORT_RO flags: %v (want readonly, and through the log)", cmd.Flags.Names())
	}
	if got := Lookup([]byte("sort_ro")).Flags.Names(); !slices.Equal(got, []string{"readonly"}) {
		t.Errorf("COMMAND INFO flags of SORT_RO: %v, want [readonly] as redis-server 7.0.15", got)
	}
}

// SORT_RO, like SORT, turns a listpack sorted set into a skiplist for
// good (redis-server 7.0.15 does); it goes through the log to do so.
// PFCOUNT is the other readonly command that does (it caches its count).
func TestSortROConvertsSortedSet(t *testing.T) {
	if got := Lookup([]byte("pfcount")).Flags.Names(); !slices.Equal(got, []string{"readonly"}) || !Lookup([]byte("pfcount")).Is(FlagLogged) {
		t.Errorf("PFCOUNT flags %v, logged %v; want [readonly] as redis-server 7.0.15, through the log", got, Lookup([]byte("pfcount")).Is(FlagLogged))
	}
	tf := newTestFSM(t)
	tf.run([]step{
		{c("ZADD zz 1 a 2 b"), integer(2)},
		{c("OBJECT ENCODING zz"), bulk("listpack")},
		{c("SORT_RO zz ALPHA"), bulks("a", "b")},
		{c("OBJECT ENCODING zz"), bulk("skiplist")},
	})
}

// TestSortStoreWatch: STORE stamps its destination, and an empty result
// deletes it (stamping it only if it existed).
func TestSortStoreWatch(t *testing.T) {
	tf := newTestFSM(t)
	tf.do("RPUSH", "l", "2", "1")
	for _, tc := range []struct {
		cmd     []string
		changed bool
	}{
		{c("SORT l STORE d"), true},
		{c("SORT l"), false},
		{c("SORT l STORE d"), true}, // the same content, still stored
		{c("SORT nokey STORE d"), true},
		{c("SORT nokey STORE d"), false},
		{c("SORT l BY x_* STORE d LIMIT 0 0"), false},
	} {
		obs := tf.index
		tf.do(tc.cmd...)
		got := tf.exec([]Watch{{DB: 0, Key: []byte("d"), Index: obs}}, c("PING"))
		want := array(status("PONG"))
		if tc.changed {
			want = nilArray
		}
		if got != want {
			t.Errorf("%v: EXEC watching d: got %q, want %q", tc.cmd, got, want)
		}
	}
}

// TestPqsortRanges checks the partial sort against a full sort on the
// range it promises, for every range of a list with many ties.
func TestPqsortRanges(t *testing.T) {
	base := make([]sortItem, 50)
	for i := range base {
		base[i] = sortItem{elem: []byte{byte(i)}, cmp: []byte{byte((i * 7) % 5)}, hasCmp: true}
	}
	cmp := sortCompare(sortOpts{alpha: true, by: []byte("w_*")})
	for l := 0; l < len(base); l += 3 {
		for r := l; r < len(base); r += 4 {
			v := append([]sortItem(nil), base...)
			pqsort(v, cmp, l, r)
			for i := l; i <= r; i++ {
				if want := byte((i / 10) % 5); v[i].cmp[0] != want {
					t.Fatalf("pqsort range [%d, %d]: position %d holds key %d, want %d", l, r, i, v[i].cmp[0], want)
				}
			}
		}
	}
}
