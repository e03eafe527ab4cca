package fsm

import (
	"strings"
	"testing"
)

// bulks is the array reply of bulk strings.
func bulks(items ...string) string {
	out := make([]string, len(items))
	for i, s := range items {
		out[i] = bulk(s)
	}
	return array(out...)
}

func ints(ns ...int) string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = integer(n)
	}
	return array(out...)
}

func TestListPushPop(t *testing.T) {
	tf := newTestFSM(t)
	tf.run([]step{
		{c("LPUSH l"), errReply("ERR wrong number of arguments for 'lpush' command")},
		{c("RPUSH l"), errReply("ERR wrong number of arguments for 'rpush' command")},
		{c("LPUSH l a b c"), integer(3)},
		{c("RPUSH l d e"), integer(5)},
		{c("LRANGE l 0 -1"), bulks("c", "b", "a", "d", "e")},
		{c("TYPE l"), status("list")},
		{c("LLEN l"), integer(5)},
		{c("LLEN nokey"), integer(0)},
		{c("LPUSHX nokey a"), integer(0)},
		{c("RPUSHX nokey a b"), integer(0)},
		{c("EXISTS nokey"), integer(0)},
		{c("LPUSHX l x y"), integer(7)},
		{c("RPUSHX l z"), integer(8)},
		{c("LRANGE l 0 -1"), bulks("y", "x", "c", "b", "a", "d", "e", "z")},
		{c("LPOP l"), bulk("y")},
		{c("RPOP l"), bulk("z")},
		{c("LPOP l 2"), bulks("x", "c")},
		{c("RPOP l 1"), bulks("e")},
		{c("LPOP l 0"), array()},
		{c("RPOP l 0"), array()},
		{c("LPOP l -1"), errReply(ErrNotPositive)},
		{c("LPOP l abc"), errReply(ErrNotPositive)},
		{c("RPOP l 1.5"), errReply(ErrNotPositive)},
		{c("LPOP l 1 2"), errReply("ERR wrong number of arguments for 'lpop' command")},
		{c("RPOP l 1 2"), errReply("ERR wrong number of arguments for 'rpop' command")},
		{c("LPOP nokey"), nilBulk},
		{c("RPOP nokey"), nilBulk},
		{c("LPOP nokey 3"), nilArray},
		{c("RPOP nokey 0"), nilArray},
		{c("LPOP nokey -1"), errReply(ErrNotPositive)},
		{c("RPOP l 100"), bulks("d", "a", "b")},
		{c("EXISTS l"), integer(0)},
		{c("RPUSH l a"), integer(1)},
		{c("LPOP l"), bulk("a")},
		{c("EXISTS l"), integer(0)},
		{c("RPUSH l a b"), integer(2)},
		{c("LPOP l 9223372036854775807"), bulks("a", "b")},
		{c("EXISTS l"), integer(0)},
		{[]string{"RPUSH", "sp", "", "a b", "bin\x00ary"}, integer(3)},
		{c("LRANGE sp 0 -1"), bulks("", "a b", "bin\x00ary")},
	})
}

func TestListRangeIndex(t *testing.T) {
	tf := newTestFSM(t)
	tf.run([]step{
		{c("RPUSH l a b c d e"), integer(5)},
		{c("LRANGE l 0 0"), bulks("a")},
		{c("LRANGE l 1 3"), bulks("b", "c", "d")},
		{c("LRANGE l -2 -1"), bulks("d", "e")},
		{c("LRANGE l -100 1"), bulks("a", "b")},
		{c("LRANGE l 3 100"), bulks("d", "e")},
		{c("LRANGE l 4 4"), bulks("e")},
		{c("LRANGE l 5 10"), array()},
		{c("LRANGE l 3 1"), array()},
		{c("LRANGE l -1 -2"), array()},
		{c("LRANGE l -100 -50"), array()},
		{c("LRANGE l -9223372036854775808 9223372036854775807"), bulks("a", "b", "c", "d", "e")},
		{c("LRANGE l 0 abc"), errReply(ErrNotInteger)},
		{c("LRANGE l 1.5 2"), errReply(ErrNotInteger)},
		{c("LRANGE nokey 0 -1"), array()},
		{c("LRANGE nokey a b"), errReply(ErrNotInteger)},
		{c("LINDEX l 0"), bulk("a")},
		{c("LINDEX l 4"), bulk("e")},
		{c("LINDEX l -1"), bulk("e")},
		{c("LINDEX l -5"), bulk("a")},
		{c("LINDEX l 5"), nilBulk},
		{c("LINDEX l -6"), nilBulk},
		{c("LINDEX l -9223372036854775808"), nilBulk},
		{c("LINDEX l abc"), errReply(ErrNotInteger)},
		{c("LINDEX nokey 0"), nilBulk},
		{c("LINDEX nokey abc"), nilBulk}, // as Redis: the key is looked up first
	})
}

func TestListSetInsert(t *testing.T) {
	tf := newTestFSM(t)
	tf.run([]step{
		{c("LSET nokey 0 x"), errReply(ErrNoSuchKey)},
		{c("LSET nokey abc x"), errReply(ErrNoSuchKey)},
		{c("RPUSH l a b c"), integer(3)},
		{c("LSET l 0 A"), ok},
		{c("LSET l -1 C"), ok},
		{c("LSET l 1 B"), ok},
		{c("LRANGE l 0 -1"), bulks("A", "B", "C")},
		{c("LSET l 3 x"), errReply("ERR index out of range")},
		{c("LSET l -4 x"), errReply("ERR index out of range")},
		{c("LSET l abc x"), errReply(ErrNotInteger)},
		{c("LINSERT l BEFORE A first"), integer(4)},
		{c("LINSERT l after C last"), integer(5)},
		{c("LINSERT l AFTER A a2"), integer(6)},
		{c("LINSERT l before C c0"), integer(7)},
		{c("LRANGE l 0 -1"), bulks("first", "A", "a2", "B", "c0", "C", "last")},
		{c("LINSERT l BEFORE zz x"), integer(-1)},
		{c("LINSERT l MIDDLE A x"), errReply(ErrSyntax)},
		{c("LINSERT nokey BEFORE a x"), integer(0)},
		{c("LINSERT nokey FOO a x"), errReply(ErrSyntax)},
		{c("EXISTS nokey"), integer(0)},
		{c("RPUSH d x x x"), integer(3)},
		{c("LINSERT d AFTER x y"), integer(4)},
		{c("LRANGE d 0 -1"), bulks("x", "y", "x", "x")},
	})
}

// TestListInsertRenumbers inserts many times at the same place, so that the
// positions between two neighbours run out and the list is renumbered.
func TestListInsertRenumbers(t *testing.T) {
	tf := newTestFSM(t)
	tf.do("RPUSH", "l", "head", "tail")
	want := []string{"head"}
	for i := 0; i < 100; i++ {
		e := "e" + itoa(i)
		// Always right before "tail": each lands between the last one and tail.
		tf.do("LINSERT", "l", "BEFORE", "tail", e)
		want = append(want, e)
	}
	for i := 0; i < 50; i++ {
		tf.do("LINSERT", "l", "AFTER", "head", "h"+itoa(i))
	}
	var full []string
	full = append(full, "head")
	for i := 49; i >= 0; i-- {
		full = append(full, "h"+itoa(i))
	}
	full = append(full, want[1:]...)
	full = append(full, "tail")
	if got, w := tf.do("LRANGE", "l", "0", "-1"), bulks(full...); got != w {
		t.Errorf("after 150 inserts: got %q, want %q", got, w)
	}
	for i, e := range full {
		if got := tf.do("LINDEX", "l", itoa(i)); got != bulk(e) {
			t.Errorf("LINDEX l %d: got %q, want %q", i, got, bulk(e))
		}
	}
}

func TestListRemTrim(t *testing.T) {
	tf := newTestFSM(t)
	tf.run([]step{
		{c("RPUSH l a b a c a d a"), integer(7)},
		{c("LREM l 2 a"), integer(2)},
		{c("LRANGE l 0 -1"), bulks("b", "c", "a", "d", "a")},
		{c("LREM l -1 a"), integer(1)},
		{c("LRANGE l 0 -1"), bulks("b", "c", "a", "d")},
		{c("LREM l 0 zz"), integer(0)},
		{c("LREM l abc a"), errReply(ErrNotInteger)},
		{c("LREM nokey 0 a"), integer(0)},
		{c("RPUSH m x y x y x"), integer(5)},
		{c("LREM m -9223372036854775808 x"), integer(3)},
		{c("LRANGE m 0 -1"), bulks("y", "y")},
		{c("LREM m 0 y"), integer(2)},
		{c("EXISTS m"), integer(0)},
		{c("RPUSH m x y x"), integer(3)},
		{c("LREM m -2 x"), integer(2)},
		{c("LRANGE m 0 -1"), bulks("y")},
		{c("LTRIM l 1 -1"), ok},
		{c("LRANGE l 0 -1"), bulks("c", "a", "d")},
		{c("LTRIM l 0 1"), ok},
		{c("LRANGE l 0 -1"), bulks("c", "a")},
		{c("LTRIM l -100 100"), ok},
		{c("LRANGE l 0 -1"), bulks("c", "a")},
		{c("LTRIM l -1 -1"), ok},
		{c("LRANGE l 0 -1"), bulks("a")},
		{c("LTRIM l abc 1"), errReply(ErrNotInteger)},
		{c("LTRIM nokey 0 1"), ok},
		{c("LTRIM nokey x 1"), errReply(ErrNotInteger)},
		{c("LTRIM l 1 0"), ok},
		{c("EXISTS l"), integer(0)},
		{c("RPUSH l a b c"), integer(3)},
		{c("LTRIM l 5 10"), ok},
		{c("EXISTS l"), integer(0)},
	})
	// A big list trimmed to a few elements (the rebuild path), then to more
	// than half (the pop path).
	for i := 0; i < 300; i++ {
		tf.do("RPUSH", "big", itoa(i))
	}
	tf.run([]step{
		{c("LTRIM big 100 249"), ok},
		{c("LLEN big"), integer(150)},
		{c("LTRIM big 10 -3"), ok},
		{c("LLEN big"), integer(138)},
		{c("LINDEX big 0"), bulk("110")},
		{c("LINDEX big -1"), bulk("247")},
		{c("LTRIM big 130 131"), ok},
		{c("LRANGE big 0 -1"), bulks("240", "241")},
		{c("LPUSH big x"), integer(3)},
		{c("RPUSH big y"), integer(4)},
		{c("LRANGE big 0 -1"), bulks("x", "240", "241", "y")},
	})
}

func TestListPos(t *testing.T) {
	tf := newTestFSM(t)
	tf.run([]step{
		{c("RPUSH l a b c 1 2 3 c c"), integer(8)},
		{c("LPOS l c"), integer(2)},
		{c("LPOS l zz"), nilBulk},
		{c("LPOS l c RANK 2"), integer(6)},
		{c("LPOS l c RANK -1"), integer(7)},
		{c("LPOS l c RANK -3"), integer(2)},
		{c("LPOS l c RANK 4"), nilBulk},
		{c("LPOS l c COUNT 0"), ints(2, 6, 7)},
		{c("LPOS l c COUNT 2"), ints(2, 6)},
		{c("LPOS l c COUNT 2 RANK -1"), ints(7, 6)},
		{c("LPOS l c RANK 2 COUNT 0"), ints(6, 7)},
		{c("LPOS l zz COUNT 0"), array()},
		{c("LPOS l c MAXLEN 3"), integer(2)},
		{c("LPOS l c MAXLEN 2"), nilBulk},
		{c("LPOS l c MAXLEN 2 COUNT 0"), array()},
		{c("LPOS l c RANK -1 MAXLEN 1"), integer(7)},
		{c("LPOS l c RANK -1 COUNT 0 MAXLEN 2"), ints(7, 6)},
		{c("LPOS l c rank 1 count 1 maxlen 0"), ints(2)},
		{c("LPOS l c RANK 1 RANK -1"), integer(7)},
		{c("LPOS nokey c"), nilBulk},
		{c("LPOS nokey c COUNT 1"), array()},
		{c("LPOS l c RANK 0"), errReply("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list")},
		{c("LPOS l c RANK abc"), errReply(ErrNotInteger)},
		// As redis-server 7.0 (its negation of LONG_MIN wraps): every match
		// from the tail, COUNT notwithstanding.
		{c("LPOS l c RANK -9223372036854775808"), integer(7)},
		{c("LPOS l c RANK -9223372036854775808 COUNT 1"), ints(7, 6, 2)},
		{c("LPOS l c RANK -9223372036854775808 COUNT 0"), ints(7, 6, 2)},
		{c("LPOS l c RANK -9223372036854775808 MAXLEN 1"), integer(7)},
		{c("LPOS l c RANK -9223372036854775807"), nilBulk},
		{c("LPOS l c RANK 9223372036854775807 COUNT 0"), array()},
		{c("LPOS l c RANK -2 COUNT 1"), ints(6)},
		{c("LPOS l c RANK 2 COUNT 2"), ints(6, 7)},
		{c("LPOS l c COUNT -1"), errReply("ERR COUNT can't be negative")},
		{c("LPOS l c COUNT abc"), errReply("ERR COUNT can't be negative")},
		{c("LPOS l c MAXLEN -1"), errReply("ERR MAXLEN can't be negative")},
		{c("LPOS l c MAXLEN"), errReply(ErrSyntax)},
		{c("LPOS l c FOO 1"), errReply(ErrSyntax)},
		{c("LPOS nokey c RANK 0"), errReply("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list")},
	})
}

func TestListMove(t *testing.T) {
	tf := newTestFSM(t)
	tf.run([]step{
		{c("RPUSH src a b c"), integer(3)},
		{c("LMOVE src dst LEFT RIGHT"), bulk("a")},
		{c("LMOVE src dst right left"), bulk("c")},
		{c("LRANGE dst 0 -1"), bulks("c", "a")},
		{c("LRANGE src 0 -1"), bulks("b")},
		{c("RPOPLPUSH src dst"), bulk("b")},
		{c("EXISTS src"), integer(0)},
		{c("LRANGE dst 0 -1"), bulks("b", "c", "a")},
		{c("LMOVE nokey dst LEFT LEFT"), nilBulk},
		{c("RPOPLPUSH nokey dst"), nilBulk},
		{c("LMOVE dst dst LEFT RIGHT"), bulk("b")}, // rotation
		{c("LRANGE dst 0 -1"), bulks("c", "a", "b")},
		{c("LMOVE dst dst RIGHT LEFT"), bulk("b")},
		{c("LRANGE dst 0 -1"), bulks("b", "c", "a")},
		{c("RPOPLPUSH dst dst"), bulk("a")},
		{c("LRANGE dst 0 -1"), bulks("a", "b", "c")},
		{c("LMOVE dst dst LEFT LEFT"), bulk("a")},
		{c("LRANGE dst 0 -1"), bulks("a", "b", "c")},
		{c("RPUSH one x"), integer(1)},
		{c("LMOVE one one LEFT RIGHT"), bulk("x")},
		{c("LRANGE one 0 -1"), bulks("x")},
		{c("LMOVE dst one UP LEFT"), errReply(ErrSyntax)},
		{c("LMOVE dst one LEFT DOWN"), errReply(ErrSyntax)},
		{c("LMOVE nokey one LEFT DOWN"), errReply(ErrSyntax)},
	})
}

func TestListMPop(t *testing.T) {
	tf := newTestFSM(t)
	tf.run([]step{
		{c("LMPOP 1 nokey LEFT"), nilArray},
		{c("RPUSH b 1 2 3"), integer(3)},
		{c("RPUSH c x"), integer(1)},
		{c("LMPOP 3 nokey b c LEFT"), array(bulk("b"), bulks("1"))},
		{c("LMPOP 2 b c RIGHT COUNT 5"), array(bulk("b"), bulks("3", "2"))},
		{c("EXISTS b"), integer(0)},
		{c("LMPOP 2 b c left count 1"), array(bulk("c"), bulks("x"))},
		{c("EXISTS c"), integer(0)},
		{c("LMPOP 2 b c LEFT"), nilArray},
		{c("LMPOP 0 b LEFT"), errReply("ERR numkeys should be greater than 0")},
		{c("LMPOP -1 b LEFT"), errReply("ERR numkeys should be greater than 0")},
		{c("LMPOP abc b LEFT"), errReply("ERR numkeys should be greater than 0")},
		{c("LMPOP 2 b LEFT"), errReply(ErrSyntax)},
		{c("LMPOP 9223372036854775807 b LEFT"), errReply(ErrSyntax)},
		{c("LMPOP 1 b UP"), errReply(ErrSyntax)},
		{c("LMPOP 1 b LEFT COUNT 0"), errReply("ERR count should be greater than 0")},
		{c("LMPOP 1 b LEFT COUNT -1"), errReply("ERR count should be greater than 0")},
		{c("LMPOP 1 b LEFT COUNT abc"), errReply("ERR count should be greater than 0")},
		{c("LMPOP 1 b LEFT COUNT 1 COUNT 1"), errReply(ErrSyntax)},
		{c("LMPOP 1 b LEFT COUNT"), errReply(ErrSyntax)},
		{c("LMPOP 1 b LEFT FOO"), errReply(ErrSyntax)},
		{c("LMPOP 1 b"), errReply("ERR wrong number of arguments for 'lmpop' command")},
	})
}

func TestListWrongType(t *testing.T) {
	tf := newTestFSM(t)
	wt := errReply(ErrWrongType)
	tf.run([]step{
		{c("SET str v"), ok},
		{c("RPUSH l a"), integer(1)},
		{c("LPUSH str a"), wt},
		{c("RPUSH str a"), wt},
		{c("LPUSHX str a"), wt},
		{c("RPUSHX str a"), wt},
		{c("LPOP str"), wt},
		{c("RPOP str 2"), wt},
		{c("LPOP str 0"), wt},
		{c("LLEN str"), wt},
		{c("LRANGE str 0 -1"), wt},
		{c("LINDEX str 0"), wt},
		{c("LINDEX str abc"), wt},
		{c("LSET str 0 x"), wt},
		{c("LSET str abc x"), wt},
		{c("LINSERT str BEFORE a x"), wt},
		{c("LREM str 0 a"), wt},
		{c("LTRIM str 0 1"), wt},
		{c("LPOS str a"), wt},
		{c("LMOVE str l LEFT LEFT"), wt},
		{c("LMOVE l str LEFT LEFT"), wt},
		{c("LMOVE nokey str LEFT LEFT"), nilBulk}, // the destination is not looked at
		{c("RPOPLPUSH l str"), wt},
		{c("RPOPLPUSH str l"), wt},
		{c("LMPOP 2 str l LEFT"), wt},
		{c("LMPOP 2 l str LEFT"), array(bulk("l"), bulks("a"))},
		{c("LMPOP 2 nokey str LEFT"), wt},
		{c("GET str"), bulk("v")},
		{c("HSET h f v"), integer(1)},
		{c("LPUSH h x"), wt},
		{c("SADD s m"), integer(1)},
		{c("RPUSH s x"), wt},
		{c("RPUSH l b"), integer(1)},
		{c("GET l"), wt},
		{c("HGET l f"), wt},
		{c("SADD l m"), wt},
	})
}

// TestListArgErrorsNeverReachTheLog: argument errors are found in the
// check phase; only LSET's index, which Redis parses after the key lookup,
// is judged at apply time.
func TestListArgErrorsNeverReachTheLog(t *testing.T) {
	tf := newTestFSM(t)
	tf.do("RPUSH", "l", "a")
	for _, argv := range [][]string{
		c("LPOP l abc"), c("RPOP l -1"), c("LPOP l 1 2"), c("LRANGE l a 1"), c("LTRIM l 0 x"),
		c("LREM l x a"), c("LINSERT l NEAR a b"), c("LPOS l a RANK 0"), c("LPOS l a COUNT -1"),
		c("LPOS l a MAXLEN x"), c("LPOS l a FOO"), c("LMOVE l m UP LEFT"), c("LMPOP 0 l LEFT"),
		c("LMPOP 2 l LEFT"), c("LMPOP 1 l LEFT COUNT 0"), c("LMPOP 1 l SIDEWAYS"),
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

// TestListVersions: a write that Redis does not signal leaves the key's
// version (what WATCH compares) alone; the others stamp it.
func TestListVersions(t *testing.T) {
	tf := newTestFSM(t)
	tf.do("RPUSH", "l", "a", "b", "c")
	for _, tc := range []struct {
		cmd     []string
		stamped bool
	}{
		{c("LREM l 0 zz"), false},
		{c("LINSERT l BEFORE zz x"), false},
		{c("LPOP l 0"), false},
		{c("RPOP l 0"), false},
		{c("LPUSHX l x"), true},
		{c("LREM l 1 x"), true},
		{c("LSET l 0 a"), true},
		{c("LSET l 5 a"), false},
		{c("LTRIM l 0 -1"), true},
		{c("LMOVE l l LEFT LEFT"), true},
		{c("LINSERT l AFTER a x"), true},
		{c("LRANGE l 0 -1"), false},
		{c("LPOS l a"), false},
	} {
		before := keyEntry(tf, "l").version
		tf.do(tc.cmd...)
		after := keyEntry(tf, "l").version
		if got := after != before; got != tc.stamped {
			t.Errorf("%v: stamped %v, want %v", tc.cmd, got, tc.stamped)
		}
	}
	tf.do("LPUSHX", "nokey", "x")
	tf.do("RPUSHX", "nokey", "x")
	tf.do("LREM", "nokey", "0", "x")
	if _, ok := tf.f.st.dbs[0].tombs["nokey"]; ok || keyEntry(tf, "nokey") != nil {
		t.Error("a write to an absent list touched the key")
	}
	tf.do("RPUSH", "w", "a")
	idx := tf.index
	if got := tf.exec([]Watch{{DB: 0, Key: []byte("w"), Index: idx}}, c("LREM w 0 zz"), c("LRANGE w 0 -1")); got != array(integer(0), bulks("a")) {
		t.Errorf("EXEC after an unwatched no-op: got %q", got)
	}
	tf.do("LTRIM", "w", "0", "-1")
	if got := tf.exec([]Watch{{DB: 0, Key: []byte("w"), Index: idx}}, c("LLEN w")); got != nilArray {
		t.Errorf("EXEC after LTRIM on a watched list: got %q, want a null array", got)
	}
}

func TestListExpiry(t *testing.T) {
	tf := newTestFSM(t)
	tf.do("RPUSH", "l", "a", "b")
	setExpireAt(tf, "l", tf.now+1000)
	tf.run([]step{
		{c("LLEN l"), integer(2)},
		{c("RPUSH l c"), integer(3)},
	})
	if e := keyEntry(tf, "l"); e == nil || e.expireAt != tf.now+1000 {
		t.Fatal("RPUSH dropped the TTL")
	}
	tf.now += 1000
	tf.run([]step{
		{c("LLEN l"), integer(0)},
		{c("LPUSHX l x"), integer(0)},
		{c("LMOVE l d LEFT LEFT"), nilBulk},
		{c("RPUSH l z"), integer(1)},
		{c("LRANGE l 0 -1"), bulks("z")},
		{c("TTL l"), integer(-1)},
	})
}

func TestListSnapshotRoundTrip(t *testing.T) {
	tf := newTestFSM(t)
	for i := 0; i < 500; i++ {
		tf.do("RPUSH", "big", "v"+itoa(i))
	}
	tf.do("LPUSH", "small", "c", "b", "a")
	tf.do("RPUSH", "odd", "", strings.Repeat("x", 1000), "bin\x00ary")
	tf.do("LINSERT", "big", "AFTER", "v10", "ins")
	snap, err := tf.f.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	want := tf.f.DigestAll()
	wantBig := tf.do("LRANGE", "big", "0", "-1")
	// Writes after Snapshot must not leak into it.
	tf.do("LPOP", "big", "100")
	tf.do("LSET", "small", "0", "changed")
	tf.do("DEL", "odd")
	g := restored(t, snap)
	if got := g.DigestAll(); got != want {
		t.Errorf("digest after restore: got %s, want %s", got, want)
	}
	read := func(args ...string) string {
		argv := argvOf(args...)
		return string(g.Read(0, Lookup(argv[0]), argv, nil))
	}
	if got := read("LRANGE", "big", "0", "-1"); got != wantBig {
		t.Errorf("restored LRANGE big differs")
	}
	if got := read("LRANGE", "small", "0", "-1"); got != bulks("a", "b", "c") {
		t.Errorf("restored small: got %q", got)
	}
	if got := read("LINDEX", "odd", "2"); got != bulk("bin\x00ary") {
		t.Errorf("restored odd: got %q", got)
	}
	if got := read("TYPE", "big"); got != status("list") {
		t.Errorf("restored TYPE big: got %q", got)
	}
}

func TestListDigestOrder(t *testing.T) {
	a, b, d, e := newTestFSM(t), newTestFSM(t), newTestFSM(t), newTestFSM(t)
	a.do("RPUSH", "l", "x", "y", "z")
	b.do("RPUSH", "l", "z", "y", "x")
	d.do("LPUSH", "l", "z", "y", "x") // the same list as a, built another way
	e.do("RPUSH", "l", "xy", "z")     // same bytes, other boundaries
	if a.f.DigestAll() == b.f.DigestAll() {
		t.Error("lists in different orders digest the same")
	}
	if a.f.DigestAll() != d.f.DigestAll() {
		t.Error("equal lists digest differently")
	}
	if a.f.DigestAll() == e.f.DigestAll() {
		t.Error("different element boundaries digest the same")
	}
	// Layout is not content: a renumbered list digests as before.
	d.do("LINSERT", "l", "AFTER", "x", "tmp")
	d.do("LREM", "l", "0", "tmp")
	if a.f.DigestAll() != d.f.DigestAll() {
		t.Error("an insert and its removal changed the digest")
	}
	s := newTestFSM(t)
	s.do("SADD", "l", "x", "y", "z")
	if s.f.DigestAll() == a.f.DigestAll() {
		t.Error("a set and a list with the same elements digest the same")
	}
}

func TestListDecodeRejectsCorruptInput(t *testing.T) {
	l := newList()
	l.push(false, argvOf("a", "", strings.Repeat("m", 200), "bin\x00ary"))
	for _, v := range []*listValue{l, newList()} {
		enc := v.encode(nil)
		got, err := decodeList(enc)
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		gd, wd := newDigester(), newDigester()
		got.digest(gd)
		v.digest(wd)
		if gd.Hex() != wd.Hex() || got.(*listValue).Len() != v.Len() {
			t.Errorf("round trip changed the list")
		}
		for n := 0; n < len(enc); n++ {
			if _, err := decodeList(enc[:n]); err == nil {
				t.Errorf("decode of %d of %d bytes succeeded", n, len(enc))
			}
		}
		if _, err := decodeList(append(append([]byte(nil), enc...), 0)); err == nil {
			t.Error("decode with a trailing byte succeeded")
		}
	}
	for _, b := range [][]byte{
		{0xff, 0xff, 0xff, 0xff, 0x0f},
		{1, 0xff, 0xff, 0x03, 'a'},
		{2, 1, 'a'},
		{0xff},
	} {
		if _, err := decodeList(b); err == nil {
			t.Errorf("decode of %v succeeded", b)
		}
	}
	if valueCodecs[typeList] == nil || typeList != 3 {
		t.Error("list codec not registered under type byte 3")
	}
}

// TestListCloneIsIndependent: a clone (what a snapshot holds) does not see
// later writes to the original, including a renumbering.
func TestListCloneIsIndependent(t *testing.T) {
	l := newList()
	for i := 0; i < 200; i++ {
		l.PushRight([]byte(itoa(i)))
	}
	cl := l.clone().(*listValue)
	l.PopLeft()
	l.Set(5, []byte("x"))
	for i := 0; i < 30; i++ {
		l.Insert(1, []byte("y"))
	}
	l.Trim(0, 3)
	if cl.Len() != 200 || string(cl.At(0)) != "0" || string(cl.At(6)) != "6" || string(cl.At(199)) != "199" {
		t.Errorf("the clone changed: len %d", cl.Len())
	}
	if l.Len() != 4 || string(l.At(0)) != "1" || string(l.At(1)) != "y" {
		t.Errorf("the original is wrong: len %d, %q %q", l.Len(), l.At(0), l.At(1))
	}
}

// TestListPushesNearTheLimits forces renumbering at both ends of the
// position range.
func TestListPushesNearTheLimits(t *testing.T) {
	l := newList()
	l.PushRight([]byte("m"))
	l.t.Clear()
	l.t.Set(listItem{pos: 1<<63 - 5, v: []byte("r")})
	l.t.Set(listItem{pos: -1 << 63, v: []byte("l")})
	l.PushRight([]byte("r2"))
	l.PushLeft([]byte("l2"))
	l.Insert(2, []byte("mid"))
	// The low end on its own.
	lo := newList()
	lo.t.Set(listItem{pos: -1<<63 + 5, v: []byte("b")})
	lo.PushLeft([]byte("a"))
	lo.PushRight([]byte("c"))
	if lo.Len() != 3 || string(lo.At(0)) != "a" || string(lo.At(1)) != "b" || string(lo.At(2)) != "c" {
		t.Errorf("push at the low end: len %d, %q %q %q", lo.Len(), lo.At(0), lo.At(1), lo.At(2))
	}
	// The widest gap there is: its midpoint must not overflow.
	w := newList()
	w.t.Set(listItem{pos: -1 << 63, v: []byte("a")})
	w.t.Set(listItem{pos: 1<<63 - 1, v: []byte("c")})
	w.Insert(1, []byte("b"))
	if w.Len() != 3 || string(w.At(0)) != "a" || string(w.At(1)) != "b" || string(w.At(2)) != "c" {
		t.Errorf("insert into the widest gap: len %d, %q %q %q", w.Len(), w.At(0), w.At(1), w.At(2))
	}
	want := []string{"l2", "l", "mid", "r", "r2"}
	if l.Len() != len(want) {
		t.Fatalf("len %d, want %d", l.Len(), len(want))
	}
	for i, w := range want {
		if got := string(l.At(i)); got != w {
			t.Errorf("At(%d) = %q, want %q", i, got, w)
		}
	}
}

// TestListReadsAreReadOnly runs the list reads concurrently (as resp does
// under the read lock); with -race any write they made would be reported,
// and the digest and version must not move.
func TestListReadsAreReadOnly(t *testing.T) {
	tf := newTestFSM(t)
	for i := 0; i < 300; i++ {
		tf.do("RPUSH", "l", "e"+itoa(i%7))
	}
	want := tf.f.DigestAll()
	version := keyEntry(tf, "l").version
	reads := [][]string{
		c("LRANGE l 0 -1"), c("LRANGE l -50 -10"), c("LINDEX l 150"), c("LINDEX l -1"), c("LLEN l"),
		c("LPOS l e3 RANK -2 COUNT 0"), c("LPOS l e5 MAXLEN 100 COUNT 3"), c("LPOS l nope"),
	}
	done := make(chan struct{})
	for g := 0; g < 4; g++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := 0; i < 20; i++ {
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
	if tf.f.DigestAll() != want || keyEntry(tf, "l").version != version {
		t.Error("a list read changed the state")
	}
}
