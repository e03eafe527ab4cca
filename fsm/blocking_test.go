package fsm

import (
	"bytes"
	"slices"
	"testing"
)

// Inside the state machine a blocking command answers at once, as Redis
// does inside MULTI; the waiting is resp's.
func TestBlockingCommandsApplyWithoutWaiting(t *testing.T) {
	tf := newTestFSM(t)
	tf.run([]step{
		{c("BLPOP k abc"), errReply("ERR timeout is not a float or out of range")},
		{c("BLPOP k -1"), errReply("ERR timeout is negative")},
		{c("BLPOP k 1e20"), errReply("ERR timeout is negative")},
		{c("BLPOP k inf"), errReply("ERR timeout is negative")},
		{c("BLPOP k 9223372036854775807"), errReply("ERR timeout is negative")},
		{c("BLPOP k"), errReply("ERR wrong number of arguments for 'blpop' command")},
		{c("BLPOP k 0"), nilArray},
		{c("BRPOP a b 0.5"), nilArray},
		{c("RPUSH b 1 2 3"), integer(3)},
		{c("BLPOP a b 0"), bulks("b", "1")},
		{c("BRPOP a b 0"), bulks("b", "3")},
		{c("SET s x"), ok},
		{c("BLPOP s b 0"), errReply("WRONGTYPE Operation against a key holding the wrong kind of value")},
		{c("BLPOP nokey b 0"), bulks("b", "2")},
		{c("EXISTS b"), integer(0)},

		{c("BLMOVE a b LEFT UP 0"), errReply("ERR syntax error")},
		{c("BLMOVE a b LEFT RIGHT x"), errReply("ERR timeout is not a float or out of range")},
		{c("BLMOVE a b LEFT RIGHT 0"), nilBulk},
		{c("RPUSH a x y"), integer(2)},
		{c("BLMOVE a b LEFT RIGHT 0"), bulk("x")},
		{c("BRPOPLPUSH a b 0"), bulk("y")},
		{c("LRANGE b 0 -1"), bulks("y", "x")},
		{c("EXISTS a"), integer(0)},
		{c("BRPOPLPUSH a b 0"), nilBulk},
		{c("BRPOPLPUSH b s 0"), errReply("WRONGTYPE Operation against a key holding the wrong kind of value")},

		{c("BLMPOP 0 0 k LEFT"), errReply("ERR numkeys should be greater than 0")},
		{c("BLMPOP x 1 k LEFT"), errReply("ERR timeout is not a float or out of range")},
		{c("BLMPOP 0 1 k LEFT COUNT 0"), errReply("ERR count should be greater than 0")},
		{c("BLMPOP 0 1 k LEFT"), nilArray},
		{c("BLMPOP 0 2 k b RIGHT COUNT 5"), array(bulk("b"), bulks("x", "y"))},
	})
	tf.run([]step{
		{c("BZPOPMIN z abc"), errReply("ERR timeout is not a float or out of range")},
		{c("BZPOPMIN z 0"), nilArray},
		{c("ZADD z 1 a 2 b 3 c"), integer(3)},
		{c("BZPOPMIN none z 0"), array(bulk("z"), bulk("a"), bulk("1"))},
		{c("BZPOPMAX z 0"), array(bulk("z"), bulk("c"), bulk("3"))},
		{c("BZPOPMIN s z 0"), errReply("WRONGTYPE Operation against a key holding the wrong kind of value")},
		{c("BZMPOP abc 1 z UP"), errReply("ERR syntax error")},
		{c("BZMPOP abc 1 z MIN COUNT 0"), errReply("ERR count should be greater than 0")},
		{c("BZMPOP abc 1 z MIN"), errReply("ERR timeout is not a float or out of range")},
		{c("BZMPOP 0 1 z MIN COUNT 5"), array(bulk("z"), array(array(bulk("b"), bulk("2"))))},
		{c("EXISTS z"), integer(0)},
		{c("BZMPOP 0 1 z MAX"), nilArray},
	})
	// Inside EXEC the same replies.
	if got := tf.exec(nil, c("BLPOP k 0"), c("BLMOVE a b LEFT RIGHT 0"), c("BLMPOP 0 1 k LEFT")); got != array(nilArray, nilBulk, nilArray) {
		t.Errorf("EXEC of blocking commands on empty keys: %q", got)
	}
}

func TestBlockingTimeout(t *testing.T) {
	for _, tc := range []struct {
		argv string
		ms   int64
		keys []string
		ok   bool
	}{
		{"BLPOP a b 1.5", 1500, []string{"a", "b"}, true},
		{"BRPOP a 0", 0, []string{"a"}, true},
		{"BLPOP a 0.0000001", 1, []string{"a"}, true}, // rounded up, as Redis's ceill
		{"BLMOVE s d LEFT RIGHT 2", 2000, []string{"s"}, true},
		{"BRPOPLPUSH s d 0.25", 250, []string{"s"}, true},
		{"BLMPOP 3 2 a b LEFT", 3000, []string{"a", "b"}, true},
		{"BLMPOP 3 5 a b LEFT", 0, nil, false},
		{"BLPOP a -1", 0, nil, false},
	} {
		argv := argvOf(splitWords(tc.argv)...)
		ms, keys, ok := BlockingTimeout(Lookup(argv[0]), argv)
		var got []string
		for _, k := range keys {
			got = append(got, string(k))
		}
		if ok != tc.ok || (ok && (ms != tc.ms || !slices.Equal(got, tc.keys))) {
			t.Errorf("%s: %d %v %v, want %d %v %v", tc.argv, ms, got, ok, tc.ms, tc.keys, tc.ok)
		}
	}
}

func splitWords(s string) []string { return c(s) }

func TestEntryOnceAppliesOnce(t *testing.T) {
	tf := newTestFSM(t)
	tf.do(c("RPUSH l a b c")...)
	once := func(id string) string {
		return string(tf.applyData(EncodeOnce(tf.now, []byte(id), 0, argvOf("BLPOP", "l", "0"))).Replies[0])
	}
	first := once("n1/7/1")
	if first != bulks("l", "a") {
		t.Fatalf("first pop: %q", first)
	}
	// The same id again (a retry whose first attempt was applied) pops
	// nothing more and gets the first reply.
	if again := once("n1/7/1"); again != first {
		t.Fatalf("repeated id: %q, want %q", again, first)
	}
	if got := tf.do("LRANGE", "l", "0", "-1"); got != bulks("b", "c") {
		t.Fatalf("list after a repeated pop: %q", got)
	}
	if got := once("n1/7/2"); got != bulks("l", "b") {
		t.Fatalf("new id: %q", got)
	}

	// The records survive a snapshot.
	snap, err := tf.f.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	tf2 := newTestFSM(t)
	if err := tf2.f.Restore(nopCloser{bytes.NewReader(snapshotBytes(t, snap))}); err != nil {
		t.Fatal(err)
	}
	tf2.index = tf.index
	if got := string(tf2.applyData(EncodeOnce(tf.now, []byte("n1/7/2"), 0, argvOf("BLPOP", "l", "0"))).Replies[0]); got != bulks("l", "b") {
		t.Fatalf("repeated id after restore: %q", got)
	}
	if got := tf2.do("LRANGE", "l", "0", "-1"); got != bulks("c") {
		t.Fatalf("list after restore and a repeated pop: %q", got)
	}

	// Old records go: by age, and beyond onceMax.
	tbl := newOnceTable()
	tbl.add("old", 0, nil)
	tbl.add("new", onceKeepMs+1, nil)
	if _, ok := tbl.replies["old"]; ok || len(tbl.order) != 1 {
		t.Errorf("a record older than onceKeepMs was kept: %v", tbl.order)
	}
	for i := range onceMax + 10 {
		tbl.add(itoa(i), onceKeepMs+1, nil)
	}
	if len(tbl.replies) != onceMax || len(tbl.order) != onceMax {
		t.Errorf("table holds %d records, want %d", len(tbl.replies), onceMax)
	}
}

func TestReadyHook(t *testing.T) {
	tf := newTestFSM(t)
	type call struct {
		all  bool
		keys []DBKey
	}
	var calls []call
	tf.f.SetReadyHook(func(all bool, keys []DBKey) { calls = append(calls, call{all, slices.Clone(keys)}) })

	tf.do("RPUSH", "l", "a")
	if len(calls) != 0 {
		t.Fatalf("hook called with no waiters: %v", calls)
	}
	tf.f.AddWaiters(1)
	tf.do("RPUSH", "l", "b")
	tf.db = 3
	tf.do("SET", "s", "x")
	tf.do("GET", "s") // a read: no call
	tf.do("SWAPDB", "0", "1")
	tf.f.AddWaiters(-1)
	tf.do("RPUSH", "l", "c")
	want := []call{
		{false, []DBKey{{0, "l"}}},
		{false, []DBKey{{3, "s"}}},
		{true, nil},
	}
	if len(calls) != len(want) {
		t.Fatalf("hook calls %v, want %v", calls, want)
	}
	for i := range want {
		if calls[i].all != want[i].all || !slices.Equal(calls[i].keys, want[i].keys) {
			t.Errorf("call %d: %v, want %v", i, calls[i], want[i])
		}
	}
}
