package fsm

import (
	"sort"
	"strings"
	"testing"
)

func TestSetCommands(t *testing.T) {
	tf := newTestFSM(t)
	runColl(t, tf, []step{
		{c("SADD s a b c"), integer(3)},
		{c("SADD s a d d"), integer(1)},
		{c("SADD s a"), integer(0)},
		{c("SCARD s"), integer(4)},
		{c("SCARD nokey"), integer(0)},
		{c("SISMEMBER s a"), integer(1)},
		{c("SISMEMBER s zz"), integer(0)},
		{c("SISMEMBER nokey a"), integer(0)},
		{c("SMISMEMBER s a zz d"), array(integer(1), integer(0), integer(1))},
		{c("SMISMEMBER nokey a"), array(integer(0))},
		{c("SMEMBERS s"), unordered(bulk("a"), bulk("b"), bulk("c"), bulk("d"))},
		{c("SMEMBERS nokey"), array()},
		{c("SREM s zz"), integer(0)},
		{c("SREM s a a zz b"), integer(2)},
		{c("SREM nokey a"), integer(0)},
		{c("SMEMBERS s"), unordered(bulk("c"), bulk("d"))},
		{c("SREM s c d"), integer(2)},
		{c("SCARD s"), integer(0)},
		{c("SMEMBERS s"), array()},
		{[]string{"SADD", "sp", "a b", ""}, integer(2)},
		{[]string{"SISMEMBER", "sp", ""}, integer(1)},
		{[]string{"SISMEMBER", "sp", "a b"}, integer(1)},
	})
	if keyEntry(tf, "s") != nil {
		t.Error("set s still present after its last member was removed")
	}
}

func TestSetWrongType(t *testing.T) {
	tf := newTestFSM(t)
	wt := errReply(ErrWrongType)
	runColl(t, tf, []step{
		{c("SET str v"), ok},
		{c("SADD s a"), integer(1)},
		{c("SADD str a"), wt},
		{c("SREM str a"), wt},
		{c("SMEMBERS str"), wt},
		{c("SISMEMBER str a"), wt},
		{c("SMISMEMBER str a"), wt},
		{c("SCARD str"), wt},
		{c("SPOP str"), wt},
		{c("SPOP str 0"), wt},
		{c("SPOP str 1"), wt},
		{c("SRANDMEMBER str"), wt},
		{c("SRANDMEMBER str 0"), wt},
		{c("SMOVE str s a"), wt},
		{c("SMOVE s str a"), wt},
		{c("SMOVE nokey str a"), integer(0)},
		{c("SINTER s nokey str"), wt},
		{c("SUNION s str"), wt},
		{c("SDIFF nokey str"), wt},
		{c("SINTERSTORE d nokey str"), wt},
		{c("SUNIONSTORE d s str"), wt},
		{c("SDIFFSTORE d nokey str"), wt},
		{c("SINTERCARD 2 s str"), wt},
		{c("SINTERCARD 2 nokey str"), wt},
		{c("SSCAN str 0"), wt},
		{c("SSCAN str 0 COUNT abc"), wt},
		{c("HSET s f v"), wt},
		{c("SADD h x"), integer(1)},
		{c("GET str"), bulk("v")},
		{c("SCARD s"), integer(1)},
	})
}

func TestSPopAndSRandMemberArgs(t *testing.T) {
	tf := newTestFSM(t)
	runColl(t, tf, []step{
		{c("SPOP nokey"), nilBulk},
		{c("SPOP nokey 0"), array()},
		{c("SPOP nokey 1"), array()},
		{c("SPOP nokey abc"), errReply(ErrNotPositive)},
		{c("SPOP s abc"), errReply(ErrNotPositive)},
		{c("SPOP s -1"), errReply(ErrNotPositive)},
		{c("SPOP s 1.5"), errReply(ErrNotPositive)},
		{c("SPOP s 1 2"), errReply(ErrSyntax)},
		{c("SRANDMEMBER nokey"), nilBulk},
		{c("SRANDMEMBER nokey 5"), array()},
		{c("SRANDMEMBER nokey -5"), array()},
		{c("SRANDMEMBER nokey abc"), errReply(ErrNotInteger)},
		{c("SRANDMEMBER s abc"), errReply(ErrNotInteger)},
		{c("SRANDMEMBER s 1 2"), errReply(ErrSyntax)},
		{c("SRANDMEMBER s abc 2"), errReply(ErrSyntax)},
		{c("SRANDMEMBER s -9223372036854775808"), errReply("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")},
		{c("SADD one m"), integer(1)},
		{c("SRANDMEMBER one"), bulk("m")},
		{c("SRANDMEMBER one 0"), array()},
		{c("SRANDMEMBER one 5"), array(bulk("m"))},
		{c("SRANDMEMBER one -3"), array(bulk("m"), bulk("m"), bulk("m"))},
		{c("SPOP one 0"), array()},
		{c("SCARD one"), integer(1)},
		{c("SPOP one"), bulk("m")},
		{c("SPOP one"), nilBulk},
		{c("SADD all 1 2 3 4 5 6 7 8 9 10"), integer(10)},
		{c("SPOP all 100"), unordered(bulk("1"), bulk("2"), bulk("3"), bulk("4"), bulk("5"),
			bulk("6"), bulk("7"), bulk("8"), bulk("9"), bulk("10"))},
		{c("SCARD all"), integer(0)},
	})
	if keyEntry(tf, "one") != nil || keyEntry(tf, "all") != nil {
		t.Error("a set emptied by SPOP is still present")
	}
}

func TestSPopCount(t *testing.T) {
	tf := newTestFSM(t)
	for i := 0; i < 40; i++ {
		tf.do("SADD", "s", "m"+itoa(i))
	}
	left := 40
	seen := map[string]bool{}
	for _, n := range []int{1, 3, 10, 15, 5, 6} {
		got := arrayElems(t, tf.do("SPOP", "s", itoa(n)))
		want := min(n, left)
		if len(got) != want {
			t.Fatalf("SPOP s %d: got %d members, want %d", n, len(got), want)
		}
		for _, m := range got {
			if seen[m] {
				t.Errorf("SPOP s %d: %s popped twice", n, m)
			}
			seen[m] = true
			if tf.do("SISMEMBER", "s", m) != integer(0) {
				t.Errorf("SPOP s %d: %s still in the set", n, m)
			}
		}
		left -= want
		if got := tf.do("SCARD", "s"); got != integer(left) {
			t.Errorf("SCARD after SPOP s %d: got %q, want %d", n, got, left)
		}
	}
	if len(seen) != 40 || keyEntry(tf, "s") != nil {
		t.Errorf("after popping everything: %d distinct members popped, key present %v", len(seen), keyEntry(tf, "s") != nil)
	}
}

// TestSPopDeterministic: two replicas with the same history pop the same
// members, with and without count, directly and inside EXEC.
func TestSPopDeterministic(t *testing.T) {
	build := func() *testFSM {
		tf := newTestFSM(t)
		for i := 0; i < 300; i++ {
			tf.do("SADD", "s", "m"+itoa(i))
			tf.do("HSET", "h", "f"+itoa(i), "v")
		}
		return tf
	}
	a, b := build(), build()
	for _, cmd := range [][]string{
		c("SPOP s"), c("SPOP s 7"), c("SPOP s 150"), c("SPOP s"), c("SPOP s 1"),
	} {
		ra, rb := a.do(cmd...), b.do(cmd...)
		if ra != rb {
			t.Errorf("%v: replicas differ: %q vs %q", cmd, ra, rb)
		}
	}
	xa := a.exec(nil, c("SRANDMEMBER s 5"), c("SRANDMEMBER s -5"), c("SPOP s 3"), c("HRANDFIELD h 4 WITHVALUES"), c("HRANDFIELD h"))
	xb := b.exec(nil, c("SRANDMEMBER s 5"), c("SRANDMEMBER s -5"), c("SPOP s 3"), c("HRANDFIELD h 4 WITHVALUES"), c("HRANDFIELD h"))
	if xa != xb {
		t.Errorf("EXEC replies differ: %q vs %q", xa, xb)
	}
	if a.f.DigestAll() != b.f.DigestAll() {
		t.Error("replicas diverged")
	}
	// A different log index picks differently (with overwhelming odds).
	b.index += 100
	if a.do("SPOP", "s", "20") == b.do("SPOP", "s", "20") {
		t.Error("SPOP at different indexes popped the same 20 members")
	}
}

func TestSRandMemberCount(t *testing.T) {
	tf := newTestFSM(t)
	const size = 30
	for i := 0; i < size; i++ {
		tf.do("SADD", "s", "m"+itoa(i))
	}
	for _, tc := range []struct {
		count    int
		want     int
		distinct bool
	}{
		{1, 1, true}, {5, 5, true}, {15, 15, true}, {16, 16, true}, {29, 29, true}, {30, 30, true}, {31, 30, true},
		{-1, 1, false}, {-30, 30, false}, {-100, 100, false},
	} {
		got := arrayElems(t, tf.do("SRANDMEMBER", "s", itoa(tc.count)))
		if len(got) != tc.want {
			t.Errorf("SRANDMEMBER s %d: got %d members, want %d", tc.count, len(got), tc.want)
		}
		seen := map[string]bool{}
		for _, m := range got {
			if tf.do("SISMEMBER", "s", m) != integer(1) {
				t.Errorf("SRANDMEMBER s %d: %q is not a member", tc.count, m)
			}
			if tc.distinct && seen[m] {
				t.Errorf("SRANDMEMBER s %d: %s returned twice", tc.count, m)
			}
			seen[m] = true
		}
	}
	if got := tf.do("SCARD", "s"); got != integer(size) {
		t.Errorf("SRANDMEMBER changed the set: SCARD %q", got)
	}
}

func TestSMove(t *testing.T) {
	tf := newTestFSM(t)
	runColl(t, tf, []step{
		{c("SADD src a b"), integer(2)},
		{c("SADD dst c"), integer(1)},
		{c("SMOVE nokey dst a"), integer(0)},
		{c("SMOVE src dst zz"), integer(0)},
		{c("SMOVE src src a"), integer(1)},
		{c("SMOVE src src zz"), integer(0)},
		{c("SMOVE src dst a"), integer(1)},
		{c("SMEMBERS dst"), unordered(bulk("a"), bulk("c"))},
		{c("SMOVE src dst c"), integer(0)},
		{c("SADD src c"), integer(1)},
		{c("SMOVE src dst c"), integer(1)},
		{c("SMEMBERS src"), array(bulk("b"))},
		{c("SMOVE src fresh b"), integer(1)},
		{c("SMEMBERS fresh"), array(bulk("b"))},
		{c("SCARD src"), integer(0)},
		{c("SCARD dst"), integer(2)},
	})
	if keyEntry(tf, "src") != nil {
		t.Error("SMOVE left an empty source set")
	}
}

func TestSetAlgebra(t *testing.T) {
	tf := newTestFSM(t)
	runColl(t, tf, []step{
		{c("SADD a 1 2 3 4"), integer(4)},
		{c("SADD b 3 4 5"), integer(3)},
		{c("SADD c 4 5 6"), integer(3)},
		{c("SINTER a"), unordered(bulk("1"), bulk("2"), bulk("3"), bulk("4"))},
		{c("SINTER a b"), unordered(bulk("3"), bulk("4"))},
		{c("SINTER a b c"), array(bulk("4"))},
		{c("SINTER a b nokey"), array()},
		{c("SINTER nokey"), array()},
		{c("SINTER a a"), unordered(bulk("1"), bulk("2"), bulk("3"), bulk("4"))},
		{c("SUNION a b"), unordered(bulk("1"), bulk("2"), bulk("3"), bulk("4"), bulk("5"))},
		{c("SUNION nokey c"), unordered(bulk("4"), bulk("5"), bulk("6"))},
		{c("SUNION nokey"), array()},
		{c("SDIFF a b"), unordered(bulk("1"), bulk("2"))},
		{c("SDIFF a b c"), unordered(bulk("1"), bulk("2"))},
		{c("SDIFF a nokey"), unordered(bulk("1"), bulk("2"), bulk("3"), bulk("4"))},
		{c("SDIFF nokey a"), array()},
		{c("SDIFF a a"), array()},
		{c("SINTERSTORE d a b"), integer(2)},
		{c("SMEMBERS d"), unordered(bulk("3"), bulk("4"))},
		{c("SUNIONSTORE d a b c"), integer(6)},
		{c("SCARD d"), integer(6)},
		{c("SDIFFSTORE d a c"), integer(3)},
		{c("SMEMBERS d"), unordered(bulk("1"), bulk("2"), bulk("3"))},
		// The destination may be a source.
		{c("SINTERSTORE a a b"), integer(2)},
		{c("SMEMBERS a"), unordered(bulk("3"), bulk("4"))},
		{c("SUNIONSTORE b b c"), integer(4)},
		{c("SMEMBERS b"), unordered(bulk("3"), bulk("4"), bulk("5"), bulk("6"))},
		// An empty result deletes the destination.
		{c("SINTERSTORE d a nokey"), integer(0)},
		{c("SCARD d"), integer(0)},
		{c("SDIFFSTORE d a a"), integer(0)},
		{c("SUNIONSTORE d nokey"), integer(0)},
		// A destination of another type is replaced.
		{c("SET str v"), ok},
		{c("SUNIONSTORE str a"), integer(2)},
		{c("SMEMBERS str"), unordered(bulk("3"), bulk("4"))},
		{c("SET str v"), ok},
		{c("SDIFFSTORE str nokey"), integer(0)},
		{c("GET str"), nilBulk},
	})
	if keyEntry(tf, "d") != nil || keyEntry(tf, "str") != nil {
		t.Error("an empty STORE result left its destination")
	}
}

func TestSetStoreClearsTTL(t *testing.T) {
	tf := newTestFSM(t)
	tf.do("SADD", "a", "x")
	tf.do("SADD", "d", "old")
	setExpireAt(tf, "d", tf.now+100_000)
	if got := tf.do("SUNIONSTORE", "d", "a"); got != integer(1) {
		t.Fatalf("SUNIONSTORE: got %q", got)
	}
	if e := keyEntry(tf, "d"); e == nil || e.expireAt != 0 {
		t.Errorf("SUNIONSTORE kept the destination's TTL: %+v", e)
	}
	// A TTL survives writes to the set itself.
	setExpireAt(tf, "a", tf.now+100_000)
	tf.do("SADD", "a", "y")
	tf.do("SREM", "a", "x")
	if e := keyEntry(tf, "a"); e == nil || e.expireAt != tf.now+100_000 {
		t.Errorf("SADD/SREM changed the TTL: %+v", e)
	}
}

// TestCollectionExpiry: a key whose expiry has passed is absent for
// writes and reads, and a write creates a fresh value without TTL.
func TestCollectionExpiry(t *testing.T) {
	tf := newTestFSM(t)
	tf.do("SADD", "s", "a", "b")
	tf.do("HSET", "h", "f", "1")
	setExpireAt(tf, "s", tf.now+1000)
	setExpireAt(tf, "h", tf.now+1000)
	tf.now += 1000
	runColl(t, tf, []step{
		{c("SCARD s"), integer(0)},
		{c("SMEMBERS s"), array()},
		{c("SPOP s"), nilBulk},
		{c("SMOVE s d a"), integer(0)},
		{c("HGET h f"), nilBulk},
		{c("HINCRBY h f 1"), integer(1)},
		{c("SADD s c"), integer(1)},
		{c("SMEMBERS s"), array(bulk("c"))},
	})
	for _, k := range []string{"s", "h"} {
		if e := keyEntry(tf, k); e == nil || e.expireAt != 0 {
			t.Errorf("%s: recreated key kept the old expiry: %+v", k, e)
		}
	}
}

func TestSInterCard(t *testing.T) {
	tf := newTestFSM(t)
	runColl(t, tf, []step{
		{c("SINTERCARD 0 s"), errReply("ERR numkeys should be greater than 0")},
		{c("SINTERCARD abc s"), errReply("ERR numkeys should be greater than 0")},
		{c("SINTERCARD -1 s"), errReply("ERR numkeys should be greater than 0")},
		{c("SINTERCARD 2 s"), errReply("ERR Number of keys can't be greater than number of args")},
		{c("SINTERCARD 3 s t"), errReply("ERR Number of keys can't be greater than number of args")},
		{c("SINTERCARD 1 s LIMIT"), errReply(ErrSyntax)},
		{c("SINTERCARD 1 s LIMIT -1"), errReply("ERR LIMIT can't be negative")},
		{c("SINTERCARD 1 s LIMIT abc"), errReply("ERR LIMIT can't be negative")},
		{c("SINTERCARD 1 s foo 1"), errReply(ErrSyntax)},
		{c("SINTERCARD 1 nokey"), integer(0)},
		{c("SADD s a b c d"), integer(4)},
		{c("SADD t b c d e"), integer(4)},
		{c("SINTERCARD 1 s"), integer(4)},
		{c("SINTERCARD 2 s t"), integer(3)},
		{c("SINTERCARD 2 s nokey"), integer(0)},
		{c("SINTERCARD 2 s t LIMIT 0"), integer(3)},
		{c("SINTERCARD 2 s t LIMIT 2"), integer(2)},
		{c("SINTERCARD 2 s t limit 10"), integer(3)},
		{c("SINTERCARD 1 s LIMIT 1 LIMIT 3"), integer(3)},
		// Keys after numkeys are not keys: "t" here would be a syntax error.
		{c("SINTERCARD 1 s t"), errReply(ErrSyntax)},
	})
}

func TestSScan(t *testing.T) {
	tf := newTestFSM(t)
	runColl(t, tf, []step{
		{c("SSCAN nokey 0"), array(bulk("0"), array())},
		{c("SSCAN nokey 0 COUNT abc"), array(bulk("0"), array())},
		{c("SSCAN nokey abc"), errReply("ERR invalid cursor")},
		{c("SADD s a"), integer(1)},
		{c("SSCAN s 0"), array(bulk("0"), array(bulk("a")))},
		{c("SSCAN s abc"), errReply("ERR invalid cursor")},
		{c("SSCAN s 0 COUNT 0"), errReply(ErrSyntax)},
		{c("SSCAN s 0 COUNT abc"), errReply(ErrNotInteger)},
		{c("SSCAN s 0 MATCH"), errReply(ErrSyntax)},
		{c("SSCAN s 0 TYPE string"), errReply(ErrSyntax)},
		{c("SSCAN s 0 COUNT 100 MATCH *"), array(bulk("0"), array(bulk("a")))},
	})
	testScanCompleteness(t, tf, "SSCAN", "SADD", "SREM", false)
}

// TestCollectionNoopWritesKeepVersion: writes that change nothing leave
// the key's version alone, so a WATCH on it does not fire (as in Redis).
func TestCollectionNoopWritesKeepVersion(t *testing.T) {
	tf := newTestFSM(t)
	tf.do("SADD", "s", "a")
	tf.do("HSET", "h", "f", "v")
	tf.do("SADD", "other", "x")
	watches := []Watch{{DB: 0, Key: []byte("s"), Index: tf.index}, {DB: 0, Key: []byte("h"), Index: tf.index}}
	for _, cmd := range [][]string{
		c("SADD s a"), c("SREM s zz"), c("SMOVE s other zz"), c("SMOVE s s a"), c("SPOP s 0"),
		c("HSETNX h f w"), c("HDEL h zz"), c("HINCRBY h f 1"), c("SINTERSTORE nokey s nothing"),
	} {
		tf.do(cmd...)
	}
	if got := tf.exec(watches, c("SCARD s")); got != array(integer(1)) {
		t.Errorf("EXEC after no-op writes: got %q, want it to run", got)
	}
	tf.do("SADD", "s", "b")
	if got := tf.exec(watches, c("SCARD s")); got != nilArray {
		t.Errorf("EXEC after SADD of a new member: got %q, want null", got)
	}
}

func TestCollectionSnapshotRoundTrip(t *testing.T) {
	tf := newTestFSM(t)
	for i := 0; i < 100; i++ {
		tf.db = i % 2
		tf.do("HSET", "h"+itoa(i%10), "f"+itoa(i), "v"+itoa(i))
		tf.do("SADD", "s"+itoa(i%7), "m"+itoa(i), "")
		tf.do("SADD", "s"+itoa(i%7)+"b", "m"+itoa(i))
	}
	tf.db = 0
	tf.do("HSET", "empty", "", "")
	snap, err := tf.f.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	want := tf.f.DigestAll()
	// Changes after Snapshot, in place on shared hashes and sets, must not
	// leak into it.
	tf.do("HSET", "h0", "f0", "changed", "new", "x")
	tf.do("HDEL", "h2", "f2")
	tf.do("SADD", "s0", "late")
	tf.do("SPOP", "s1", "3")
	tf.do("SINTERSTORE", "s2", "s3", "s3b")
	if tf.f.DigestAll() == want {
		t.Fatal("writes after the snapshot did not change the digest")
	}
	g := restored(t, snap)
	if got := g.DigestAll(); got != want {
		t.Errorf("digest after restore: got %s, want %s", got, want)
	}
	out := g.Read(0, Lookup([]byte("hget")), argvOf("HGET", "h0", "f0"), nil)
	if string(out) != bulk("v0") {
		t.Errorf("restored HGET h0 f0: got %q", out)
	}
}

func TestCollectionDigest(t *testing.T) {
	// The same content built in different orders digests the same;
	// different content (even moving a value to another field) differs.
	a, b, d := newTestFSM(t), newTestFSM(t), newTestFSM(t)
	a.do("HSET", "h", "x", "1", "y", "2")
	b.do("HSET", "h", "y", "2")
	b.do("HSET", "h", "x", "1")
	d.do("HSET", "h", "x", "2", "y", "1")
	a.do("SADD", "s", "p", "q", "r")
	b.do("SADD", "s", "r", "zz", "q", "p")
	b.do("SREM", "s", "zz")
	d.do("SADD", "s", "p", "q", "r")
	if a.f.DigestAll() != b.f.DigestAll() {
		t.Error("same hashes and sets, different digests")
	}
	if a.f.DigestAll() == d.f.DigestAll() {
		t.Error("different hashes, same digest")
	}
	e := newTestFSM(t)
	e.do("SADD", "h", "x", "1", "y", "2")
	e.do("HSET", "s", "p", "q")
	if e.f.Digest(0) == a.f.Digest(0) {
		t.Error("types are not part of the digest")
	}
}

func TestCollectionDecodeRejectsCorruptInput(t *testing.T) {
	h := newHash()
	h.m.Set("field", []byte("value"))
	h.m.Set("", []byte(""))
	h.m.Set("f2", []byte(strings.Repeat("x", 300)))
	s := newSet()
	for _, m := range []string{"a", "", strings.Repeat("m", 200)} {
		s.m.Set(m, struct{}{})
	}
	for _, v := range []value{h, s, newHash(), newSet()} {
		enc := v.encode(nil)
		dec := valueCodecs[v.typeByte()]
		got, err := dec(enc)
		if err != nil {
			t.Fatalf("%s: decode: %v", v.Type(), err)
		}
		gd, wd := newDigester(), newDigester()
		got.digest(gd)
		v.digest(wd)
		if gd.Hex() != wd.Hex() || got.Type() != v.Type() {
			t.Errorf("%s: round trip changed the value", v.Type())
		}
		for n := 0; n < len(enc); n++ {
			if _, err := dec(enc[:n]); err == nil {
				t.Errorf("%s: decode of %d of %d bytes succeeded", v.Type(), n, len(enc))
			}
		}
		if _, err := dec(append(append([]byte(nil), enc...), 0)); err == nil {
			t.Errorf("%s: decode with a trailing byte succeeded", v.Type())
		}
	}
	// Duplicates and absurd counts are refused, not trusted.
	for _, tc := range []struct {
		name string
		dec  func([]byte) (value, error)
		b    []byte
	}{
		{"set with a duplicate member", decodeSet, []byte{2, 1, 'a', 1, 'a'}},
		{"hash with a duplicate field", decodeHash, []byte{2, 1, 'a', 0, 1, 'a', 0}},
		{"set with a huge count", decodeSet, []byte{0xff, 0xff, 0xff, 0xff, 0x0f}},
		{"hash with a huge count", decodeHash, []byte{0xff, 0xff, 0xff, 0xff, 0x0f}},
		{"hash with a missing value", decodeHash, []byte{1, 1, 'a'}},
		{"set with a huge length", decodeSet, []byte{1, 0xff, 0xff, 0x03, 'a'}},
	} {
		if _, err := tc.dec(tc.b); err == nil {
			t.Errorf("decode of a %s succeeded", tc.name)
		}
	}
}

// TestCollectionReadsAreReadOnly runs the read commands concurrently (as
// resp does under the read lock); with -race any write they made would be
// reported, and the digest and versions must not move.
func TestCollectionReadsAreReadOnly(t *testing.T) {
	tf := newTestFSM(t)
	for i := 0; i < 200; i++ {
		tf.do("HSET", "h", "f"+itoa(i), "v")
		tf.do("SADD", "s", "m"+itoa(i))
		tf.do("SADD", "t", "m"+itoa(i*2))
	}
	want := tf.f.DigestAll()
	versions := map[string]uint64{}
	for _, k := range []string{"h", "s", "t"} {
		versions[k] = keyEntry(tf, k).version
	}
	reads := [][]string{
		c("HGETALL h"), c("HRANDFIELD h -50 WITHVALUES"), c("HRANDFIELD h 20"), c("HSCAN h 0 COUNT 50"),
		c("SMEMBERS s"), c("SRANDMEMBER s 30"), c("SRANDMEMBER s -30"), c("SINTER s t"), c("SUNION s t"),
		c("SDIFF s t"), c("SINTERCARD 2 s t LIMIT 5"), c("SSCAN s 0"), c("HRANDFIELD h"), c("SRANDMEMBER s"),
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
	if tf.f.DigestAll() != want {
		t.Error("reads changed the state")
	}
	for k, v := range versions {
		if keyEntry(tf, k).version != v {
			t.Errorf("reads changed the version of %s", k)
		}
	}
	for _, cmd := range reads {
		if !Lookup([]byte(cmd[0])).Is(FlagReadOnly) {
			t.Errorf("%s is not registered read-only", cmd[0])
		}
	}
}

func TestCollectionCommandTable(t *testing.T) {
	for _, tc := range []struct {
		name                 string
		arity                int
		first, last, step    int
		write, denyoom, fast bool
	}{
		{"hset", -4, 1, 1, 1, true, true, true},
		{"hsetnx", 4, 1, 1, 1, true, true, true},
		{"hmset", -4, 1, 1, 1, true, true, true},
		{"hget", 3, 1, 1, 1, false, false, true},
		{"hmget", -3, 1, 1, 1, false, false, true},
		{"hgetall", 2, 1, 1, 1, false, false, false},
		{"hdel", -3, 1, 1, 1, true, false, true},
		{"hexists", 3, 1, 1, 1, false, false, true},
		{"hlen", 2, 1, 1, 1, false, false, true},
		{"hkeys", 2, 1, 1, 1, false, false, false},
		{"hvals", 2, 1, 1, 1, false, false, false},
		{"hincrby", 4, 1, 1, 1, true, true, true},
		{"hincrbyfloat", 4, 1, 1, 1, true, true, true},
		{"hstrlen", 3, 1, 1, 1, false, false, true},
		{"hrandfield", -2, 1, 1, 1, false, false, false},
		{"hscan", -3, 1, 1, 1, false, false, false},
		{"sadd", -3, 1, 1, 1, true, true, true},
		{"srem", -3, 1, 1, 1, true, false, true},
		{"smembers", 2, 1, 1, 1, false, false, false},
		{"sismember", 3, 1, 1, 1, false, false, true},
		{"smismember", -3, 1, 1, 1, false, false, true},
		{"scard", 2, 1, 1, 1, false, false, true},
		{"spop", -2, 1, 1, 1, true, false, true},
		{"srandmember", -2, 1, 1, 1, false, false, false},
		{"smove", 4, 1, 2, 1, true, false, true},
		{"sinter", -2, 1, -1, 1, false, false, false},
		{"sunion", -2, 1, -1, 1, false, false, false},
		{"sdiff", -2, 1, -1, 1, false, false, false},
		{"sinterstore", -3, 1, -1, 1, true, true, false},
		{"sunionstore", -3, 1, -1, 1, true, true, false},
		{"sdiffstore", -3, 1, -1, 1, true, true, false},
		{"sintercard", -3, 0, 0, 0, false, false, false},
		{"sscan", -3, 1, 1, 1, false, false, false},
	} {
		cmd := Lookup([]byte(tc.name))
		if cmd == nil {
			t.Errorf("%s is not registered", tc.name)
			continue
		}
		if cmd.Arity != tc.arity || cmd.FirstKey != tc.first || cmd.LastKey != tc.last || cmd.Step != tc.step {
			t.Errorf("%s: arity/keys %d %d,%d,%d, want %d %d,%d,%d", tc.name, cmd.Arity, cmd.FirstKey, cmd.LastKey, cmd.Step, tc.arity, tc.first, tc.last, tc.step)
		}
		if cmd.Is(FlagWrite) != tc.write || cmd.Is(FlagReadOnly) == tc.write || cmd.Is(FlagDenyOOM) != tc.denyoom || cmd.Is(FlagFast) != tc.fast {
			t.Errorf("%s: flags %v", tc.name, cmd.Flags.Names())
		}
		if cmd.Group != "hash" && cmd.Group != "set" || cmd.Summary == "" {
			t.Errorf("%s: group %q summary %q", tc.name, cmd.Group, cmd.Summary)
		}
	}
	keys := Lookup([]byte("smove")).Keys(argvOf("SMOVE", "a", "b", "m"))
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = string(k)
	}
	sort.Strings(names)
	if strings.Join(names, ",") != "a,b" {
		t.Errorf("SMOVE keys: %v", names)
	}
}

// scanAll runs a full HSCAN/SSCAN with extra options and returns what it
// saw, each element once (fields only for HSCAN, checked against values).
func scanAll(t *testing.T, tf *testFSM, scan, key string, opts ...string) []string {
	t.Helper()
	var out []string
	cursor := "0"
	for round := 0; round < 10000; round++ {
		next, elems := scanReply(t, tf.do(append([]string{scan, key, cursor}, opts...)...))
		if scan == "HSCAN" {
			for i := 0; i < len(elems); i += 2 {
				if elems[i+1] != "v:"+elems[i] {
					t.Errorf("%s: field %q came with value %q", scan, elems[i], elems[i+1])
				}
				out = append(out, elems[i])
			}
		} else {
			out = append(out, elems...)
		}
		if cursor = next; cursor == "0" {
			sort.Strings(out)
			return out
		}
	}
	t.Fatalf("%s %s did not finish", scan, key)
	return nil
}

func TestScanMatch(t *testing.T) {
	tf := newTestFSM(t)
	elems := []string{"", "foo", "foo1", "foo22", "bar", "Foo3", "f[x]", "a*b"}
	for i := 0; i < 100; i++ {
		elems = append(elems, "k"+itoa(i))
	}
	for _, e := range elems {
		tf.do("HSET", "h", e, "v:"+e)
		tf.do("SADD", "s", e)
	}
	for _, tc := range []struct {
		opts []string
		want []string
	}{
		{[]string{"MATCH", "foo*"}, []string{"foo", "foo1", "foo22"}},
		{[]string{"MATCH", "foo?", "COUNT", "3"}, []string{"foo1"}},
		{[]string{"MATCH", "[fF]oo[0-9]"}, []string{"Foo3", "foo1"}},
		{[]string{"MATCH", `f\[x]`}, []string{"f[x]"}},
		{[]string{"MATCH", `a\*b`}, []string{"a*b"}},
		{[]string{"MATCH", ""}, []string{""}},
		{[]string{"MATCH", "nothing*"}, nil},
		{[]string{"MATCH", "k9*", "COUNT", "5"}, []string{"k9", "k90", "k91", "k92", "k93", "k94", "k95", "k96", "k97", "k98", "k99"}},
		{[]string{"MATCH", "foo*", "MATCH", "*", "COUNT", "1000"}, append([]string(nil), elems...)},
	} {
		want := append([]string(nil), tc.want...)
		sort.Strings(want)
		for _, scan := range []string{"HSCAN", "SSCAN"} {
			key := map[string]string{"HSCAN": "h", "SSCAN": "s"}[scan]
			got := scanAll(t, tf, scan, key, tc.opts...)
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("%s %v: got %q, want %q", scan, tc.opts, got, want)
			}
		}
	}
}
