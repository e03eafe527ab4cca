package fsm

import (
	"bufio"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// keysFakeValue stands in for a non-string type (WRONGTYPE, TYPE, SCAN
// TYPE) without depending on another family's implementation.
type keysFakeValue struct{ n int }

func (v *keysFakeValue) Type() string           { return "fake" }
func (v *keysFakeValue) clone() value           { return &keysFakeValue{n: v.n} }
func (v *keysFakeValue) digest(d *digester)     { d.addString("fake", strconv.Itoa(v.n)) }
func (v *keysFakeValue) encode(b []byte) []byte { return b }
func (v *keysFakeValue) typeByte() byte         { return 250 }

// keysPutFake stores a non-string value under key in the test's current db,
// as an applied write would (new version at a new index).
func keysPutFake(tf *testFSM, key string) {
	tf.index++
	c := tf.f.applyCtx(tf.index, tf.db)
	c.setValue(key, &keysFakeValue{n: 1})
	tf.f.setApplied(tf.index)
}

// keysElems parses a RESP reply made of nested arrays, bulk strings,
// statuses and integers, returning the top-level elements as text (bulk
// contents, status text, integers as digits, "<nil>" for nil).
func keysElems(t *testing.T, reply string) []string {
	t.Helper()
	r := bufio.NewReader(strings.NewReader(reply))
	line, _ := r.ReadString('\n')
	if !strings.HasPrefix(line, "*") {
		t.Fatalf("not an array: %q", reply)
	}
	n, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
	out := make([]string, 0, n)
	for i := 0; i < n; i++ {
		out = append(out, keysReadElem(t, r))
	}
	return out
}

func keysReadElem(t *testing.T, r *bufio.Reader) string {
	t.Helper()
	line, err := r.ReadString('\n')
	if err != nil {
		t.Fatalf("short reply: %v", err)
	}
	body := strings.TrimSuffix(line[1:], "\r\n")
	switch line[0] {
	case '$':
		n, _ := strconv.Atoi(body)
		if n < 0 {
			return "<nil>"
		}
		buf := make([]byte, n+2)
		for got := 0; got < len(buf); {
			m, err := r.Read(buf[got:])
			if err != nil {
				t.Fatalf("short bulk: %v", err)
			}
			got += m
		}
		return string(buf[:n])
	case '*':
		n, _ := strconv.Atoi(body)
		items := make([]string, n)
		for i := range items {
			items[i] = keysReadElem(t, r)
		}
		return "[" + strings.Join(items, " ") + "]"
	default:
		return body
	}
}

// keysSorted is keysElems, sorted.
func keysSorted(t *testing.T, reply string) []string {
	t.Helper()
	e := keysElems(t, reply)
	sort.Strings(e)
	return e
}

// keysScanStep parses a SCAN reply into its cursor and keys.
func keysScanStep(t *testing.T, reply string) (uint64, []string) {
	t.Helper()
	r := bufio.NewReader(strings.NewReader(reply))
	if line, _ := r.ReadString('\n'); line != "*2\r\n" {
		t.Fatalf("SCAN reply is not a pair: %q", reply)
	}
	cur, err := strconv.ParseUint(keysReadElem(t, r), 10, 64)
	if err != nil {
		t.Fatalf("SCAN cursor: %v in %q", err, reply)
	}
	line, _ := r.ReadString('\n')
	n, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
	keys := make([]string, n)
	for i := range keys {
		keys[i] = keysReadElem(t, r)
	}
	return cur, keys
}

func TestKeysDelExistsType(t *testing.T) {
	tf := newTestFSM(t)
	keysPutFake(tf, "h")
	tf.run([]step{
		{c("MSET a 1 b 2 c 3"), ok},
		{c("EXISTS a b nokey a"), integer(3)},
		{c("EXISTS nokey"), integer(0)},
		{c("TYPE a"), status("string")},
		{c("TYPE h"), status("fake")},
		{c("TYPE nokey"), status("none")},
		{c("DEL a nokey a"), integer(1)},
		{c("EXISTS a"), integer(0)},
		{c("UNLINK b c h"), integer(3)},
		{c("DBSIZE"), integer(0)},
		{c("DEL"), errReply("ERR wrong number of arguments for 'del' command")},
		{c("EXISTS"), errReply("ERR wrong number of arguments for 'exists' command")},
		{c("TYPE a b"), errReply("ERR wrong number of arguments for 'type' command")},
	})
}

func TestKeysPatterns(t *testing.T) {
	tf := newTestFSM(t)
	tf.do("MSET", "k1", "a", "k2", "b", "k10", "c", "x1", "d", "k*", "e", "", "f", "K1", "g")
	for _, tc := range []struct {
		pattern string
		want    []string
	}{
		{"*", []string{"", "K1", "k*", "k1", "k10", "k2", "x1"}},
		{"k?", []string{"k*", "k1", "k2"}},
		{"k*", []string{"k*", "k1", "k10", "k2"}},
		{"*1", []string{"K1", "k1", "x1"}},
		{"[kx]1", []string{"k1", "x1"}},
		{"[^k]1", []string{"K1", "x1"}},
		{"[a-k]?", []string{"k*", "k1", "k2"}},
		{"[k-a]?", []string{"k*", "k1", "k2"}}, // reversed range
		{`k\*`, []string{"k*"}},
		{`k[\*]`, []string{"k*"}},
		{"k1?", []string{"k10"}},
		{"", []string{""}},
		{"**", []string{"K1", "k*", "k1", "k10", "k2", "x1"}}, // not "": as Redis
		{"nomatch", nil},
	} {
		got := keysSorted(t, tf.do("KEYS", tc.pattern))
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("KEYS %q: got %q, want %q", tc.pattern, got, tc.want)
		}
	}
	// Expired keys are hidden.
	tf.do("PEXPIRE", "k1", "10")
	tf.now += 10
	if got := keysSorted(t, tf.do("KEYS", "k?")); strings.Join(got, ",") != "k*,k2" {
		t.Errorf("KEYS k? after k1 expired: got %q", got)
	}
}

func TestGlobMatch(t *testing.T) {
	for _, tc := range []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", false}, // Redis's quirk: KEYS * and MATCH * short-cut it
		{"**", "", false},
		{"*", "anything", true},
		{"**a", "xa", true},
		{"a*b*c", "aXbYc", true},
		{"a*b*c", "aXbY", false},
		{"?", "", false},
		{"??", "ab", true},
		{"[abc]", "b", true},
		{"[abc]", "d", false},
		{"[^abc]", "d", true},
		{"[^abc]", "a", false},
		{"[a-c]x", "bx", true},
		{"[c-a]x", "bx", true},
		{`[\]]`, "]", true},
		{`\?`, "?", true},
		{`\?`, "a", false},
		{`a\`, `a\`, true},  // a trailing backslash is literal
		{"[a-]", "]", true}, // "a-]" is a range up to ']'
		{"[a-]", "-", false},
		{"[abc", "b", true}, // unterminated class
		{"[", "a", false},
		{"h[ae]llo", "hello", true},
		{"h[ae]llo", "hillo", false},
		{"*a*a*a*a*a*a*a*a*a*b", strings.Repeat("a", 60), false},
		{"a*", "a", true},
		{"a**", "a", true},
		{"\xff", "\xff", true},
		{"[\x01-\xff]", "a", false}, // bounds are signed chars: [-1, 1]
		{"[\x01-\xff]", "\x01", true},
	} {
		if got := globMatch(tc.pattern, tc.s); got != tc.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", tc.pattern, tc.s, got, tc.want)
		}
	}
}

func TestKeysScanArgs(t *testing.T) {
	tf := newTestFSM(t)
	keysPutFake(tf, "h")
	tf.do("SET", "a", "1")
	tf.run([]step{
		{c("SCAN x"), errReply("ERR invalid cursor")},
		{[]string{"SCAN", " 0"}, errReply("ERR invalid cursor")},
		{c("SCAN 18446744073709551616"), errReply("ERR invalid cursor")},
		{c("SCAN 1.5"), errReply("ERR invalid cursor")},
		{c("SCAN 0 COUNT 0"), errReply(ErrSyntax)},
		{c("SCAN 0 COUNT -1"), errReply(ErrSyntax)},
		{c("SCAN 0 COUNT x"), errReply(ErrNotInteger)},
		{c("SCAN 0 MATCH"), errReply(ErrSyntax)},
		{c("SCAN 0 FOO bar"), errReply(ErrSyntax)},
		{c("SCAN 0 TYPE nosuchtype"), array(bulk("0"), array())},
		{c("SCAN 0 TYPE STRING"), array(bulk("0"), array(bulk("a")))},
		{c("SCAN 0 type fake"), array(bulk("0"), array(bulk("h")))},
		{c("SCAN 0 MATCH a* COUNT 100"), array(bulk("0"), array(bulk("a")))},
		{c("SCAN 0 MATCH zz*"), array(bulk("0"), array())},
		{c("SCAN 18446744073709551615"), array(bulk("0"), array())},
		{c("SCAN -1"), array(bulk("0"), array())}, // strtoul wraps, as in Redis
	})
	for _, cur := range []string{"", "+0", "0"} {
		if got := keysSorted(t, tf.do("SCAN", cur, "COUNT", "10")); strings.Join(got, " ") != "0 [h a]" && strings.Join(got, " ") != "0 [a h]" {
			t.Errorf("SCAN %q: got %q", cur, got)
		}
	}
}

func TestKeysScanCompleteness(t *testing.T) {
	tf := newTestFSM(t)
	const n = 500
	for i := 0; i < n; i++ {
		tf.do("SET", "stable"+itoa(i), "v")
		tf.do("SET", "doomed"+itoa(i), "v")
	}
	seen := map[string]int{}
	var cursor uint64
	calls := 0
	for {
		reply := tf.do("SCAN", strconv.FormatUint(cursor, 10), "COUNT", "7")
		next, keys := keysScanStep(t, reply)
		for _, k := range keys {
			seen[k]++
		}
		// Churn between calls: delete some keys, add others.
		tf.do("DEL", "doomed"+itoa(calls))
		tf.do("SET", "added"+itoa(calls), "v")
		calls++
		if next == 0 {
			break
		}
		cursor = next
		if calls > 10*n {
			t.Fatal("SCAN does not terminate")
		}
	}
	for i := 0; i < n; i++ {
		if seen["stable"+itoa(i)] == 0 {
			t.Errorf("stable%d present for the whole scan but never returned", i)
		}
	}
	for k, times := range seen {
		if times > 1 {
			t.Errorf("%s returned %d times by a scan without rehashing", k, times)
		}
	}
	if calls < 2*n/7 {
		t.Errorf("COUNT 7 over %d keys took only %d calls", 2*n, calls)
	}
	// MATCH filters after visiting: still complete.
	cursor = 0
	matched := 0
	for {
		next, keys := keysScanStep(t, tf.do("SCAN", strconv.FormatUint(cursor, 10), "MATCH", "stable1*"))
		matched += len(keys)
		if cursor = next; cursor == 0 {
			break
		}
	}
	if want := 111; matched != want { // stable1, stable10-19, stable100-199
		t.Errorf("SCAN MATCH stable1*: %d keys, want %d", matched, want)
	}
}

func TestKeysRenameCopyMove(t *testing.T) {
	tf := newTestFSM(t)
	tf.run([]step{
		{c("SET x 1 EX 100"), ok},
		{c("RENAME x y"), ok},
		{c("TTL y"), integer(100)},
		{c("EXISTS x"), integer(0)},
		{c("RENAME nokey x"), errReply("ERR no such key")},
		{c("RENAMENX nokey x"), errReply("ERR no such key")},
		{c("RENAME y y"), ok},
		{c("RENAMENX y y"), integer(0)},
		{c("SET z 2"), ok},
		{c("RENAMENX y z"), integer(0)},
		{c("RENAMENX y w"), integer(1)},
		{c("SET z 2 EX 5"), ok},
		{c("RENAME w z"), ok}, // the destination's TTL is replaced by the source's
		{c("GET z"), bulk("1")},
		{c("TTL z"), integer(100)},
		{c("SET p 3"), ok},
		{c("RENAME p z"), ok},
		{c("TTL z"), integer(-1)},

		{c("SET src v PX 50000"), ok},
		{c("COPY src dst"), integer(1)},
		{c("PTTL dst"), integer(50000)},
		{c("COPY src dst"), integer(0)},
		{c("SET src v2"), ok},
		{c("COPY src dst REPLACE"), integer(1)},
		{c("GET dst"), bulk("v2")},
		{c("COPY src dst DB 1"), integer(1)},
		{c("COPY src dst db 1"), integer(0)},
		{c("COPY src dst DB 1 REPLACE"), integer(1)},
		{c("COPY src src"), errReply(ErrSameObject)},
		{c("COPY src src DB 0"), errReply(ErrSameObject)},
		{c("COPY src src DB 2"), integer(1)},
		{c("COPY src x DB 16"), errReply(ErrDBIndex)},
		{c("COPY src x DB -1"), errReply(ErrDBIndex)},
		{c("COPY src x DB abc"), errReply(ErrNotInteger)},
		{c("COPY src x DB 99999999999"), errReply(errIntRange)},
		{c("COPY src x FOO"), errReply(ErrSyntax)},
		{c("COPY src x DB"), errReply(ErrSyntax)},
		{c("COPY nokey x"), integer(0)},
		{c("APPEND dst !"), integer(3)}, // the copy is independent
		{c("GET src"), bulk("v2")},

		{c("MOVE src 0"), errReply(ErrSameObject)},
		{c("MOVE src 16"), errReply(ErrDBIndex)},
		{c("MOVE src -1"), errReply(ErrDBIndex)},
		{c("MOVE src x"), errReply(ErrNotInteger)},
		{c("MOVE src 2147483648"), errReply(errIntRange)},
		{c("MOVE nokey 1"), integer(0)},
		{c("MOVE dst 1"), integer(0)}, // exists in db 1 already
		{c("SET mv m EX 100"), ok},
		{c("MOVE mv 3"), integer(1)},
		{c("EXISTS mv"), integer(0)},
	})
	tf.db = 1
	tf.run([]step{{c("GET dst"), bulk("v2")}})
	tf.db = 2
	tf.run([]step{{c("GET src"), bulk("v2")}})
	tf.db = 3
	tf.run([]step{{c("GET mv"), bulk("m")}, {c("TTL mv"), integer(100)}})
	if got := tf.f.DBSize(0); got != 3 { // z, src, dst
		t.Errorf("db 0 size: got %d, want 3", got)
	}
	if got := tf.f.st.dbs[3].Expires(); got != 1 {
		t.Errorf("db 3 ttl index: got %d, want 1 (MOVE carries the expiry)", got)
	}
	if got := tf.f.st.dbs[0].Expires(); got != 0 {
		t.Errorf("db 0 ttl index: got %d, want 0", got)
	}
}

func TestKeysSwapFlush(t *testing.T) {
	tf := newTestFSM(t)
	tf.do("SET", "a", "0")
	tf.db = 1
	tf.do("MSET", "b", "1", "c", "1")
	tf.do("EXPIRE", "c", "100")
	tf.db = 0
	tf.run([]step{
		{c("SWAPDB 0 x"), errReply("ERR invalid second DB index")},
		{c("SWAPDB x 0"), errReply("ERR invalid first DB index")},
		{c("SWAPDB 0 99999999999"), errReply("ERR invalid second DB index")},
		{c("SWAPDB 0 16"), errReply(ErrDBIndex)},
		{c("SWAPDB -1 0"), errReply(ErrDBIndex)},
		{c("SWAPDB 0 0"), ok},
		{c("SWAPDB 0 1"), ok},
		{c("GET b"), bulk("1")},
		{c("TTL c"), integer(100)},
		{c("EXISTS a"), integer(0)},
		{c("DBSIZE"), integer(2)},
	})
	if tf.f.st.dbs[0].Expires() != 1 || tf.f.st.dbs[1].Expires() != 0 {
		t.Error("SWAPDB did not swap the ttl indexes")
	}
	// Inside EXEC, SWAPDB changes what the selected database holds.
	if got := tf.exec(nil, c("SWAPDB 0 1"), c("GET a")); got != array(ok, bulk("0")) {
		t.Errorf("EXEC SWAPDB; GET: got %q", got)
	}
	tf.run([]step{
		{c("FLUSHDB x"), errReply(ErrSyntax)},
		{c("FLUSHDB ASYNC x"), errReply(ErrSyntax)},
		{c("FLUSHALL foo"), errReply(ErrSyntax)},
		{c("FLUSHDB SYNC"), ok},
		{c("DBSIZE"), integer(0)},
	})
	tf.db = 1
	tf.run([]step{
		{c("DBSIZE"), integer(2)},
		{c("FLUSHDB async"), ok},
		{c("DBSIZE"), integer(0)},
		{c("SET z 1"), ok},
	})
	tf.db = 5
	tf.run([]step{
		{c("SET y 1 EX 10"), ok},
		{c("FLUSHALL"), ok},
		{c("DBSIZE"), integer(0)},
	})
	for i, db := range tf.f.st.dbs {
		if db.Len() != 0 || db.Expires() != 0 {
			t.Errorf("db %d after FLUSHALL: %d keys, %d expires", i, db.Len(), db.Expires())
		}
	}
	// The flushed keys are remembered for WATCH, stamped with FLUSHALL's index.
	if v := tf.f.st.dbs[5].tombs["y"]; v != tf.index {
		t.Errorf("tombstone of y after FLUSHALL: %d, want %d", v, tf.index)
	}
}

func TestKeysExpire(t *testing.T) {
	tf := newTestFSM(t)
	tf.do("SET", "a", "1")
	tf.run([]step{
		{c("EXPIRE a x"), errReply(ErrNotInteger)},
		{c("EXPIRE a 10 foo"), errReply("ERR Unsupported option foo")},
		{c("EXPIRE a x foo"), errReply("ERR Unsupported option foo")},
		{c("EXPIRE a 10 NX XX"), errReply("ERR NX and XX, GT or LT options at the same time are not compatible")},
		{c("EXPIRE a 10 nx gt"), errReply("ERR NX and XX, GT or LT options at the same time are not compatible")},
		{c("EXPIRE a 10 GT LT"), errReply("ERR GT and LT options at the same time are not compatible")},
		{c("EXPIRE a 9223372036854775807"), errReply("ERR invalid expire time in 'expire' command")},
		{c("EXPIREAT a 9223372036854775807"), errReply("ERR invalid expire time in 'expireat' command")},
		{c("PEXPIRE a 9223372036854775807"), errReply("ERR invalid expire time in 'pexpire' command")},
		{c("EXPIRE a"), errReply("ERR wrong number of arguments for 'expire' command")},
		{c("EXPIRE nokey 10"), integer(0)},
		{c("TTL a"), integer(-1)},
		{c("PTTL a"), integer(-1)},
		{c("EXPIRETIME a"), integer(-1)},
		{c("TTL nokey"), integer(-2)},
		{c("PTTL nokey"), integer(-2)},
		{c("EXPIRETIME nokey"), integer(-2)},
		{c("PEXPIRETIME nokey"), integer(-2)},
		{c("EXPIRE a 10 XX"), integer(0)},
		{c("EXPIRE a 10 GT"), integer(0)}, // no TTL counts as infinite
		{c("EXPIRE a 10 LT"), integer(1)},
		{c("TTL a"), integer(10)},
		{c("EXPIRE a 20 NX"), integer(0)},
		{c("EXPIRE a 20 GT"), integer(1)},
		{c("EXPIRE a 15 GT"), integer(0)},
		{c("EXPIRE a 30 LT"), integer(0)},
		{c("EXPIRE a 5 xx lt"), integer(1)},
		{c("PTTL a"), integer(5000)},
		{c("PEXPIRE a 1500"), integer(1)},
		{c("TTL a"), integer(2)}, // rounded to nearest
		{c("PEXPIRE a 1499"), integer(1)},
		{c("TTL a"), integer(1)},
		{c("PEXPIREAT a 9223372036854775807"), integer(1)},
		{c("PEXPIRETIME a"), ":9223372036854775807\r\n"},
		{c("EXPIRETIME a"), ":9223372036854776\r\n"},
		{c("EXPIREAT a 4000000000"), integer(1)},
		{c("EXPIRETIME a"), ":4000000000\r\n"},
		{c("PEXPIRETIME a"), ":4000000000000\r\n"},
		{c("PERSIST a"), integer(1)},
		{c("PERSIST a"), integer(0)},
		{c("PERSIST nokey"), integer(0)},
		{c("TTL a"), integer(-1)},
		// A time in the past deletes the key and answers 1.
		{c("EXPIRE a -1"), integer(1)},
		{c("EXISTS a"), integer(0)},
		{c("SET b 1"), ok},
		{c("PEXPIREAT b 1"), integer(1)},
		{c("EXISTS b"), integer(0)},
		{c("SET b 1"), ok},
		{c("PEXPIRE b 0"), integer(1)},
		{c("EXISTS b"), integer(0)},
	})
	if tf.f.st.dbs[0].Len() != 0 || tf.f.st.dbs[0].Expires() != 0 {
		t.Errorf("keys deleted by a past expiry left %d keys, %d expires", tf.f.st.dbs[0].Len(), tf.f.st.dbs[0].Expires())
	}
	// Relative times are resolved against the entry's clock.
	tf.do("SET", "c", "1")
	tf.do("EXPIRE", "c", "10")
	if e := keyEntryDB(tf, 0, "c"); e == nil || e.expireAt != tf.now+10_000 {
		t.Errorf("EXPIRE c 10 at now=%d: entry %+v", tf.now, e)
	}
	tf.now += 5000
	tf.run([]step{{c("TTL c"), integer(5)}, {c("PTTL c"), integer(5000)}})
	tf.now += 5000
	tf.run([]step{
		{c("TTL c"), integer(-2)},
		{c("EXISTS c"), integer(0)},
		{c("GET c"), nilBulk},
		{c("EXPIRE c 100"), integer(0)},
		{c("PERSIST c"), integer(0)},
	})
}

// keyEntryDB returns the stored entry of key in database db, or nil.
func keyEntryDB(tf *testFSM, db int, key string) *entry {
	e, _ := tf.f.st.dbs[db].keys.Get(key)
	return e
}

func TestKeysExpiredAreAbsent(t *testing.T) {
	tf := newTestFSM(t)
	tf.do("SET", "k", "v", "PX", "100")
	tf.do("SET", "other", "o")
	tf.now += 100
	tf.run([]step{
		{c("EXISTS k"), integer(0)},
		{c("TYPE k"), status("none")},
		{c("TTL k"), integer(-2)},
		{c("RENAME k x"), errReply(ErrNoSuchKey)},
		{c("COPY k x"), integer(0)},
		{c("MOVE k 1"), integer(0)},
		{c("DBSIZE"), integer(2)}, // not reclaimed yet, as in Redis
		{c("SCAN 0"), array(bulk("0"), array(bulk("other")))},
		{c("KEYS *"), array(bulk("other"))},
		{c("RENAMENX other k"), integer(1)}, // the expired k counts as absent
		{c("GET k"), bulk("o")},
		{c("TTL k"), integer(-1)},
	})
	tf.do("SET", "gone", "v", "PX", "1")
	tf.now++
	before := tf.f.st.dbs[0].Len()
	for _, cmd := range [][]string{c("GET gone"), c("EXISTS gone"), c("TTL gone"), c("KEYS *"), c("SCAN 0"), c("RANDOMKEY"), c("STRLEN gone"), c("MGET gone"), c("DEBUG DIGEST-VALUE gone")} {
		tf.do(cmd...)
	}
	if tf.f.st.dbs[0].Len() != before {
		t.Error("a read removed an expired key (reads must not mutate)")
	}
	if got := tf.do("DEL", "gone"); got != integer(0) {
		t.Errorf("DEL of an expired key: got %q, want :0", got)
	}
	if tf.f.st.dbs[0].Len() != before-1 {
		t.Error("DEL did not reclaim the expired key")
	}
}

func TestKeysRandomKey(t *testing.T) {
	tf := newTestFSM(t)
	tf.run([]step{{c("RANDOMKEY"), nilBulk}})
	tf.do("MSET", "a", "1", "b", "2", "c", "3")
	seen := map[string]bool{}
	for i := 0; i < 200; i++ {
		r := tf.do("RANDOMKEY")
		seen[r] = true
	}
	if len(seen) != 3 || !seen[bulk("a")] || !seen[bulk("b")] || !seen[bulk("c")] {
		t.Errorf("RANDOMKEY over 200 draws saw %v", seen)
	}
	// All but one expired: always that one.
	for i := 0; i < 50; i++ {
		tf.do("SET", "e"+itoa(i), "v", "PX", "10")
	}
	tf.do("DEL", "a", "b")
	tf.now += 10
	for i := 0; i < 20; i++ {
		if got := tf.do("RANDOMKEY"); got != bulk("c") {
			t.Fatalf("RANDOMKEY with only c live: got %q", got)
		}
	}
	tf.do("PEXPIRE", "c", "1")
	tf.now++
	tf.run([]step{{c("RANDOMKEY"), nilBulk}})
	// Inside EXEC the pick is the entry's: two replicas agree.
	r1, r2 := newTestFSM(t), newTestFSM(t)
	for _, x := range []*testFSM{r1, r2} {
		for i := 0; i < 100; i++ {
			x.do("SET", "k"+itoa(i), "v")
		}
	}
	for i := 0; i < 10; i++ {
		a := r1.exec(nil, c("RANDOMKEY"), c("RANDOMKEY"))
		b := r2.exec(nil, c("RANDOMKEY"), c("RANDOMKEY"))
		if a != b {
			t.Fatalf("RANDOMKEY in EXEC differs between replicas: %q vs %q", a, b)
		}
	}
}

func TestKeysDebugDigest(t *testing.T) {
	tf := newTestFSM(t)
	zeros := strings.Repeat("0", 40)
	tf.run([]step{
		{c("DEBUG DIGEST"), status(zeros)},
		{c("DEBUG DIGEST-VALUE"), array()},
		{c("DEBUG DIGEST-VALUE nokey"), array(status(zeros))},
		{c("DEBUG foo"), errReply("ERR unknown subcommand or wrong number of arguments for 'foo'. Try DEBUG HELP.")},
		{c("debug DIGEST x"), errReply("ERR unknown subcommand or wrong number of arguments for 'DIGEST'. Try DEBUG HELP.")},
	})
	tf.do("SET", "a", "1")
	tf.db = 3
	tf.do("SET", "b", "2")
	d1 := tf.do("DEBUG", "DIGEST")
	if len(d1) != 43 || d1 == status(zeros) {
		t.Fatalf("DEBUG DIGEST of a non-empty state: %q", d1)
	}
	if want := status(tf.f.DigestAll()); d1 != want {
		t.Errorf("DEBUG DIGEST %q != DigestAll %q", d1, want)
	}
	// Same contents written in another order, on another FSM: same digest.
	g := newTestFSM(t)
	g.db = 3
	g.do("SET", "b", "x")
	g.do("SET", "b", "2")
	g.db = 0
	g.do("SET", "a", "1")
	if d2 := g.do("DEBUG", "DIGEST"); d2 != d1 {
		t.Errorf("equal states, different digests: %q vs %q", d1, d2)
	}
	// The digest covers the database number and the expiry.
	g.do("MOVE", "a", "1")
	if d3 := g.do("DEBUG", "DIGEST"); d3 == d1 {
		t.Error("moving a key to another database did not change the digest")
	}
	g.db = 1
	g.do("MOVE", "a", "0")
	g.db = 0
	g.do("EXPIRE", "a", "100")
	if d4 := g.do("DEBUG", "DIGEST"); d4 == d1 {
		t.Error("an expiry did not change the digest")
	}
	va := keysElems(t, tf.do("DEBUG", "DIGEST-VALUE", "b", "nokey"))
	if len(va) != 2 || len(va[0]) != 40 || va[0] == zeros || va[1] != zeros {
		t.Errorf("DEBUG DIGEST-VALUE b nokey: %q", va)
	}
	tf.db = 0
	tf.do("SET", "c", "2")
	vc := keysElems(t, tf.do("DEBUG", "DIGEST-VALUE", "c"))
	if vc[0] != va[0] {
		t.Errorf("equal values, different value digests: %q vs %q", vc[0], va[0])
	}
	if cmd := Lookup([]byte("debug")); !cmd.Is(FlagAdmin) || !cmd.Is(FlagReadOnly) || cmd.Is(FlagWrite) {
		t.Errorf("DEBUG flags: %v", cmd.Flags.Names())
	}
}

func TestKeysWatch(t *testing.T) {
	tf := newTestFSM(t)
	tf.do("MSET", "w", "1", "u", "1")
	obs := tf.index
	// Untouched key: runs.
	if got := tf.exec([]Watch{{DB: 0, Key: []byte("u"), Index: obs}}, c("INCR u")); got != array(integer(2)) {
		t.Errorf("watch on untouched key: got %q", got)
	}
	obs = tf.index
	tf.do("SET", "w", "2")
	if got := tf.exec([]Watch{{DB: 0, Key: []byte("w"), Index: obs}}, c("INCR w")); got != nilArray {
		t.Errorf("watch on a key written after observation: got %q, want nil array", got)
	}
	// A write that changes nothing does not stamp the key.
	obs = tf.index
	for _, cmd := range [][]string{c("SET w x NX"), c("SET nokey x XX"), c("EXPIRE w 10 XX"), c("PERSIST w"), c("RENAMENX u w"), c("MSETNX w 1 z 2"), c("COPY u w"), c("MOVE nokey 1"), c("INCR u2x"), c("DEL u2x")} {
		tf.do(cmd...)
	}
	tf.do("DEL", "u2x")
	if got := tf.exec([]Watch{{DB: 0, Key: []byte("w"), Index: obs}}, c("GET w")); got != array(bulk("2")) {
		t.Errorf("watch after no-op writes: got %q", got)
	}
	// Every changing command stamps the key it changes.
	for _, tc := range []struct {
		setup, cmd string
		key        string
	}{
		{"SET k 1", "DEL k", "k"},
		{"SET k 1", "EXPIRE k 100", "k"},
		{"SET k 1 EX 100", "PERSIST k", "k"},
		{"SET k 1", "RENAME k k2", "k"},
		{"SET k 1", "RENAME k k2", "k2"},
		{"SET k 1", "COPY k k3", "k3"},
		{"SET k 1", "MOVE k 1", "k"},
		{"SET k 1", "APPEND k x", "k"},
		{"SET k 1", "SETRANGE k 0 x", "k"},
		{"SET k 1", "INCRBYFLOAT k 1", "k"},
		{"SET k 1", "GETDEL k", "k"},
		{"SET k 1", "GETEX k EX 100", "k"},
		{"SET k 1", "EXPIRE k -1", "k"},
		{"SET k 1", "FLUSHDB", "k"},
		{"SET k 1", "FLUSHALL", "k"},
		{"SET k 1", "SWAPDB 0 7", "k"},
	} {
		tf.do(c(tc.setup)...)
		obs := tf.index
		tf.do(c(tc.cmd)...)
		if got := tf.exec([]Watch{{DB: 0, Key: []byte(tc.key), Index: obs}}, c("PING")); got != nilArray {
			t.Errorf("%s; %s: watch on %s did not fire: %q", tc.setup, tc.cmd, tc.key, got)
		}
		tf.do("FLUSHALL")
	}
	// As in Redis, FLUSHDB, FLUSHALL and SWAPDB leave a WATCH on a key that
	// exists in neither database alone.
	for _, cmd := range []string{"FLUSHDB", "FLUSHALL", "SWAPDB 0 7"} {
		tf.do("SET", "k", "1")
		obs := tf.index
		tf.do(c(cmd)...)
		if got := tf.exec([]Watch{{DB: 0, Key: []byte("nokey"), Index: obs}}, c("PING")); got != array(status("PONG")) {
			t.Errorf("%s: watch on an absent key fired: %q", cmd, got)
		}
		tf.do("FLUSHALL")
	}
	// SWAPDB marks a key that moved into the watched database.
	tf.db = 7
	tf.do("SET", "moved", "1")
	tf.db = 0
	obs = tf.index
	tf.do("SWAPDB", "0", "7")
	if got := tf.exec([]Watch{{DB: 0, Key: []byte("moved"), Index: obs}}, c("PING")); got != nilArray {
		t.Errorf("SWAPDB: watch on a key swapped in did not fire: %q", got)
	}
	tf.do("FLUSHALL")
	// MOVE stamps the destination database's key too.
	tf.do("SET", "m", "1")
	obs = tf.index
	tf.do("MOVE", "m", "2")
	if got := tf.exec([]Watch{{DB: 2, Key: []byte("m"), Index: obs}}, c("PING")); got != nilArray {
		t.Errorf("watch on MOVE's destination did not fire: %q", got)
	}
	// A watched key that expired aborts.
	tf.do("SET", "e", "1", "PX", "100")
	obs = tf.index
	tf.now += 100
	if got := tf.exec([]Watch{{DB: 0, Key: []byte("e"), Index: obs}}, c("PING")); got != nilArray {
		t.Errorf("watch on an expired key: got %q, want nil array", got)
	}
	// Other databases' flushes do not matter to FLUSHDB.
	tf.do("SET", "q", "1")
	obs = tf.index
	tf.db = 4
	tf.do("FLUSHDB")
	tf.db = 0
	if got := tf.exec([]Watch{{DB: 0, Key: []byte("q"), Index: obs}}, c("GET q")); got != array(bulk("1")) {
		t.Errorf("FLUSHDB of db 4 aborted a watch on db 0: %q", got)
	}
}

// TestKeysCheckPhase: argument errors are found by the syntax check, so
// they never reach the log.
func TestKeysCheckPhase(t *testing.T) {
	for _, line := range []string{
		"EXPIRE k abc", "PEXPIRE k 1 foo", "EXPIRE k 1 NX XX", "EXPIREAT k 9223372036854775807",
		"SCAN abc", "SCAN 0 COUNT 0", "SCAN 0 MATCH", "MOVE k x", "MOVE k -1", "SWAPDB a 1",
		"COPY a b DB x", "COPY a b FOO", "FLUSHDB now", "FLUSHALL now", "DEBUG nosuch",
	} {
		argv := argvOf(strings.Fields(line)...)
		cmd := Lookup(argv[0])
		if New(16, nil).Check(cmd, argv) == nil {
			t.Errorf("%s: passed the syntax check", line)
		}
	}
	for _, line := range []string{"EXPIRE k 10 GT", "SCAN 0 MATCH * COUNT 5 TYPE string", "MOVE k 99", "COPY a b DB 1 REPLACE", "FLUSHALL ASYNC", "DEBUG DIGEST"} {
		argv := argvOf(strings.Fields(line)...)
		if e := New(16, nil).Check(Lookup(argv[0]), argv); e != nil {
			t.Errorf("%s: refused by the syntax check: %q", line, e)
		}
	}
}

func TestKeysCommandTable(t *testing.T) {
	for _, tc := range []struct {
		name                  string
		arity                 int
		write                 bool
		first, last, stepKeys int
	}{
		{"del", -2, true, 1, -1, 1},
		{"unlink", -2, true, 1, -1, 1},
		{"exists", -2, false, 1, -1, 1},
		{"keys", 2, false, 0, 0, 0},
		{"scan", -2, false, 0, 0, 0},
		{"rename", 3, true, 1, 2, 1},
		{"copy", -3, true, 1, 2, 1},
		{"move", 3, true, 1, 1, 1},
		{"swapdb", 3, true, 0, 0, 0},
		{"flushall", -1, true, 0, 0, 0},
		{"expire", -3, true, 1, 1, 1},
		{"pexpiretime", 2, false, 1, 1, 1},
		{"mset", -3, true, 1, -1, 2},
		{"msetnx", -3, true, 1, -1, 2},
		{"mget", -2, false, 1, -1, 1},
		{"getex", -2, true, 1, 1, 1},
		{"getrange", 4, false, 1, 1, 1},
	} {
		cmd := Lookup([]byte(tc.name))
		if cmd == nil {
			t.Errorf("%s: not registered", tc.name)
			continue
		}
		if cmd.Arity != tc.arity || cmd.Is(FlagWrite) != tc.write || cmd.Is(FlagReadOnly) == tc.write ||
			cmd.FirstKey != tc.first || cmd.LastKey != tc.last || cmd.Step != tc.stepKeys {
			t.Errorf("%s: got arity %d flags %v keys %d,%d,%d", tc.name, cmd.Arity, cmd.Flags.Names(), cmd.FirstKey, cmd.LastKey, cmd.Step)
		}
		if cmd.Summary == "" || cmd.Group == "" {
			t.Errorf("%s: missing group or summary", tc.name)
		}
	}
	keys := Lookup([]byte("mset")).Keys(argvOf("MSET", "a", "1", "b", "2"))
	if len(keys) != 2 || string(keys[0]) != "a" || string(keys[1]) != "b" {
		t.Errorf("MSET keys: %q", keys)
	}
}

// TestExpiredCount: keys removed because they expired are counted (INFO
// stats expired_keys), whether the leader's expiry entry, a write over
// the key or a DEL removes them; keys removed while live are not.
func TestExpiredCount(t *testing.T) {
	tf := newTestFSM(t)
	for _, k := range []string{"a", "b", "c", "d"} {
		tf.do("SET", k, "v", "PX", "100")
	}
	tf.do("SET", "live", "v", "PX", "100000")
	tf.do("DEL", "d") // live: not an expiry
	tf.now += 100
	steps := []struct {
		what string
		data []byte // an entry, or nil for cmd
		cmd  []string
		want int64
	}{
		{"the leader's expiry entry for a and live", EncodeExpire(tf.now, 0, []string{"a", "live"}), nil, 1},
		{"SET over the expired b", nil, c("SET b w"), 2},
		{"DEL of the expired c", nil, c("DEL c"), 3},
		{"DEL of the live key", nil, c("DEL live"), 3},
		{"SET over the now plain b", nil, c("SET b x"), 3},
	}
	for _, s := range steps {
		if s.data != nil {
			tf.applyData(s.data)
		} else {
			tf.do(s.cmd...)
		}
		if got := tf.f.ExpiredCount(); got != s.want {
			t.Errorf("after %s: ExpiredCount %d, want %d", s.what, got, s.want)
		}
	}
}
