package fsm

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// lcsRun is one run of an LCS IDX reply: [[a0 a1] [b0 b1]], with its
// length when n > 0 (WITHMATCHLEN).
func lcsRun(a0, a1, b0, b1, n int) string {
	parts := []string{ints(a0, a1), ints(b0, b1)}
	if n > 0 {
		parts = append(parts, integer(n))
	}
	return array(parts...)
}

func lcsIdx(n int, runs ...string) string {
	return array(bulk("matches"), array(runs...), bulk("len"), integer(n))
}

func TestLCS(t *testing.T) {
	tf := newTestFSM(t)
	tf.run([]step{
		// The example of Redis's documentation.
		{c("MSET key1 ohmytext key2 mynewtext"), ok},
		{c("LCS key1 key2"), bulk("mytext")},
		{c("LCS key1 key2 LEN"), integer(6)},
		{c("LCS key1 key2 IDX"), lcsIdx(6, lcsRun(4, 7, 5, 8, 0), lcsRun(2, 3, 0, 1, 0))},
		{c("lcs key1 key2 idx minmatchlen 4 withmatchlen"), lcsIdx(6, lcsRun(4, 7, 5, 8, 4))},
		{c("LCS key1 key2 IDX MINMATCHLEN -5 WITHMATCHLEN"), lcsIdx(6, lcsRun(4, 7, 5, 8, 4), lcsRun(2, 3, 0, 1, 2))},
		{c("LCS key2 key1"), bulk("mytext")},

		// A missing key is an empty string; integers are their digits.
		{c("LCS key1 nokey"), bulk("")},
		{c("LCS nokey nokey IDX"), lcsIdx(0)},
		{c("SET n 12345"), ok},
		{c("SET m 9234"), ok},
		{c("LCS n m"), bulk("234")},
		{c("LCS n m IDX"), lcsIdx(3, lcsRun(1, 3, 1, 3, 0))},

		// Ties: on a mismatch the walk steps back in b unless a keeps a
		// strictly longer LCS, so "ab" and "ba" have "b" in common, not "a".
		{c("MSET p ab q ba"), ok},
		{c("LCS p q"), bulk("b")},
		{c("LCS p q IDX"), lcsIdx(1, lcsRun(1, 1, 0, 0, 0))},

		// A run that reaches the first byte of either string is closed there.
		{c("MSET x abcabc y abc"), ok},
		{c("LCS x y IDX WITHMATCHLEN"), lcsIdx(3, lcsRun(3, 5, 0, 2, 3))},
		{c("LCS y x IDX WITHMATCHLEN"), lcsIdx(3, lcsRun(0, 2, 3, 5, 3))},

		// Errors, in Redis's order: types, options, LEN with IDX.
		{c("RPUSH l a"), integer(1)},
		{c("LCS key1 l"), errReply(errLCSType)},
		{c("LCS l key1 FOO"), errReply(errLCSType)},
		{c("LCS key1 key2 FOO"), errReply(ErrSyntax)},
		{c("LCS key1 key2 MINMATCHLEN"), errReply(ErrSyntax)},
		{c("LCS key1 key2 MINMATCHLEN x LEN IDX"), errReply(ErrNotInteger)},
		{c("LCS key1 key2 LEN IDX"), errReply(errLCSLenIdx)},
		{c("LCS key1"), errReply("ERR wrong number of arguments for 'lcs' command")},

		// SUBSTR is GETRANGE.
		{c("SUBSTR key1 0 3"), bulk("ohmy")},
		{c("SUBSTR key1 -4 -1"), bulk("text")},
		{c("SUBSTR nokey 0 1"), bulk("")},
		{c("SUBSTR l 0 1"), errReply(ErrWrongType)},
		{c("SUBSTR key1 a 1"), errReply(ErrNotInteger)},
	})
}

// TestLCSTableLimit: a table over proto-max-bulk-len (4 bytes a cell) is
// refused before it is allocated.
func TestLCSTableLimit(t *testing.T) {
	tf := newTestFSM(t)
	big := strings.Repeat("a", 12000) // 12001*12001*4 > 512 MB
	tf.run([]step{
		{[]string{"SET", "a", big}, ok},
		{[]string{"SET", "b", big}, ok},
		{c("LCS a b LEN"), errReply(errLCSTooLong)},
		{[]string{"SET", "b", big[:100]}, ok},
		{c("LCS a b LEN"), integer(100)},
	})
}

// TestLCSMatchesAreTheSubsequence: for random strings, the runs IDX
// reports, read from a and from b, spell the LCS backwards, and their
// lengths add up to it.
func TestLCSMatchesAreTheSubsequence(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 3))
	for n := 0; n < 500; n++ {
		a, b := make([]byte, r.IntN(20)), make([]byte, r.IntN(20))
		for i := range a {
			a[i] = "abc"[r.IntN(3)]
		}
		for i := range b {
			b[i] = "abc"[r.IntN(3)]
		}
		table := lcsTable(a, b)
		common, matches := lcsWalk(a, b, table, 0)
		if len(common) != int(table[len(table)-1]) {
			t.Fatalf("%q %q: LCS %q of length %d, table says %d", a, b, common, len(common), table[len(table)-1])
		}
		var spelled []byte
		for i := len(matches) - 1; i >= 0; i-- {
			m := matches[i]
			fromA, fromB := a[m.aStart:m.aEnd+1], b[m.bStart:m.bEnd+1]
			if string(fromA) != string(fromB) {
				t.Fatalf("%q %q: run %+v reads %q in a and %q in b", a, b, m, fromA, fromB)
			}
			spelled = append(spelled, fromA...)
		}
		if string(spelled) != string(common) {
			t.Fatalf("%q %q: runs spell %q, LCS is %q", a, b, spelled, common)
		}
	}
}

// TestLCSBigTablesOneAtATime: an LCS whose table passes lcsSmall waits
// while another big one is being built.
func TestLCSBigTablesOneAtATime(t *testing.T) {
	tf := newTestFSM(t)
	long := strings.Repeat("ab", 1100) // (2201*2201*4 bytes) > 16 MB
	tf.run([]step{{[]string{"SET", "a", long}, ok}, {[]string{"SET", "b", long[1:]}, ok}})
	cmd := Lookup([]byte("lcs"))
	done := make(chan string, 1)
	lcsBig <- struct{}{} // another client's table
	go func() { done <- string(tf.f.Read(0, cmd, argvOf("LCS", "a", "b", "LEN"), nil)) }()
	select {
	case r := <-done:
		t.Fatalf("LCS answered %q while another big table was being built", r)
	case <-time.After(200 * time.Millisecond):
	}
	<-lcsBig
	select {
	case r := <-done:
		if r != integer(2199) {
			t.Fatalf("LCS LEN = %q, want 2199", r)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("LCS still waiting after the other table was done")
	}
	// A small table never waits.
	lcsBig <- struct{}{}
	defer func() { <-lcsBig }()
	if r := tf.do("LCS", "a", "nokey", "LEN"); r != integer(0) {
		t.Fatalf("small LCS: %q", r)
	}
}
