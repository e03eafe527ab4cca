package fsm

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// unorderedMark prefixes a want built by unordered: the reply must be a
// flat array holding these elements in any order (SMEMBERS, HGETALL, ...
// whose order is the omap's, not Redis's).
const unorderedMark = "\x00unordered"

// unordered is the want for an array reply whose element order does not
// matter. With pairs, elements are compared two by two (HGETALL).
func unordered(items ...string) string { return unorderedMark + array(items...) }

func unorderedPairs(items ...string) string {
	return unorderedMark + "2" + array(items...)
}

// runColl is tf.run that also accepts unordered wants.
func runColl(t *testing.T, tf *testFSM, steps []step) {
	t.Helper()
	for _, s := range steps {
		got := tf.do(s.cmd...)
		if !replyMatches(got, s.want) {
			t.Errorf("%s: got %q, want %q", strings.Join(s.cmd, " "), got, strings.TrimPrefix(s.want, unorderedMark))
		}
	}
}

func replyMatches(got, want string) bool {
	if !strings.HasPrefix(want, unorderedMark) {
		return got == want
	}
	want = strings.TrimPrefix(want, unorderedMark)
	group := 1
	if strings.HasPrefix(want, "2") {
		want, group = want[1:], 2
	}
	g, err1 := splitArray(got, group)
	w, err2 := splitArray(want, group)
	if err1 != nil || err2 != nil || len(g) != len(w) {
		return false
	}
	sort.Strings(g)
	sort.Strings(w)
	for i := range g {
		if g[i] != w[i] {
			return false
		}
	}
	return true
}

// splitArray splits a flat RESP array into its encoded elements, joined
// by groups of n.
func splitArray(s string, n int) ([]string, error) {
	if !strings.HasPrefix(s, "*") {
		return nil, fmt.Errorf("not an array: %q", s)
	}
	i := strings.Index(s, "\r\n")
	count, err := strconv.Atoi(s[1:i])
	if err != nil {
		return nil, err
	}
	s = s[i+2:]
	var elems []string
	for k := 0; k < count; k++ {
		e, rest, err := nextElem(s)
		if err != nil {
			return nil, err
		}
		if k%n == 0 {
			elems = append(elems, e)
		} else {
			elems[len(elems)-1] += e
		}
		s = rest
	}
	if s != "" {
		return nil, fmt.Errorf("trailing %q", s)
	}
	return elems, nil
}

// nextElem splits one non-array RESP element off s.
func nextElem(s string) (elem, rest string, err error) {
	i := strings.Index(s, "\r\n")
	if i < 1 {
		return "", "", fmt.Errorf("bad element %q", s)
	}
	if s[0] != '$' || s[1:i] == "-1" {
		return s[:i+2], s[i+2:], nil
	}
	n, err := strconv.Atoi(s[1:i])
	if err != nil || len(s) < i+2+n+2 {
		return "", "", fmt.Errorf("bad bulk %q", s)
	}
	end := i + 2 + n + 2
	return s[:end], s[end:], nil
}

// arrayElems returns the elements of a flat array reply, decoded (bulk
// strings as their text, nils as "<nil>", integers as ":n").
func arrayElems(t *testing.T, reply string) []string {
	t.Helper()
	raw, err := splitArray(reply, 1)
	if err != nil {
		t.Fatalf("reply %q: %v", reply, err)
	}
	out := make([]string, len(raw))
	for i, e := range raw {
		switch {
		case e == nilBulk:
			out[i] = "<nil>"
		case e[0] == '$':
			out[i] = e[strings.Index(e, "\r\n")+2 : len(e)-2]
		default:
			out[i] = strings.TrimSuffix(e, "\r\n")
		}
	}
	return out
}

// scanReply splits an HSCAN/SSCAN reply into its cursor and elements.
func scanReply(t *testing.T, reply string) (string, []string) {
	t.Helper()
	if !strings.HasPrefix(reply, "*2\r\n$") {
		t.Fatalf("not a scan reply: %q", reply)
	}
	cur, rest, err := nextElem(reply[4:])
	if err != nil {
		t.Fatal(err)
	}
	cur = cur[strings.Index(cur, "\r\n")+2 : len(cur)-2]
	return cur, arrayElems(t, rest)
}

// keyEntry returns the raw entry of key in database 0, or nil.
func keyEntry(tf *testFSM, key string) *entry {
	e, _ := tf.f.st.dbs[0].keys.Get(key)
	return e
}

// setExpireAt gives key an absolute expiry, as PEXPIREAT would.
func setExpireAt(tf *testFSM, key string, at int64) {
	tf.index++
	c := tf.f.applyCtx(tf.index, 0)
	c.setExpire(key, at)
}

func TestHashCommands(t *testing.T) {
	tf := newTestFSM(t)
	runColl(t, tf, []step{
		{c("HSET h"), errReply("ERR wrong number of arguments for 'hset' command")},
		{c("HSET h a"), errReply("ERR wrong number of arguments for 'hset' command")},
		{c("HSET h a 1 b"), errReply("ERR wrong number of arguments for 'hset' command")},
		{c("HMSET h a 1 b"), errReply("ERR wrong number of arguments for 'hmset' command")},
		{c("HSET h a 1 b 2"), integer(2)},
		{c("HSET h a 10 c 3"), integer(1)},
		{c("HMSET h d 4"), ok},
		{c("HMSET h d 5 e 6"), ok},
		{c("HGET h a"), bulk("10")},
		{c("HGET h zz"), nilBulk},
		{c("HGET nokey a"), nilBulk},
		{c("HMGET h a zz d"), array(bulk("10"), nilBulk, bulk("5"))},
		{c("HMGET nokey a b"), array(nilBulk, nilBulk)},
		{c("HLEN h"), integer(5)},
		{c("HLEN nokey"), integer(0)},
		{c("HEXISTS h a"), integer(1)},
		{c("HEXISTS h zz"), integer(0)},
		{c("HEXISTS nokey a"), integer(0)},
		{c("HSTRLEN h a"), integer(2)},
		{c("HSTRLEN h zz"), integer(0)},
		{c("HSTRLEN nokey a"), integer(0)},
		{c("HSETNX h a x"), integer(0)},
		{c("HSETNX h f x"), integer(1)},
		{c("HSETNX h2 f x"), integer(1)},
		{c("HGET h f"), bulk("x")},
		{c("HKEYS h"), unordered(bulk("a"), bulk("b"), bulk("c"), bulk("d"), bulk("e"), bulk("f"))},
		{c("HVALS h"), unordered(bulk("10"), bulk("2"), bulk("3"), bulk("5"), bulk("6"), bulk("x"))},
		{c("HGETALL h2"), array(bulk("f"), bulk("x"))},
		{c("HGETALL h"), unorderedPairs(bulk("a"), bulk("10"), bulk("b"), bulk("2"), bulk("c"), bulk("3"),
			bulk("d"), bulk("5"), bulk("e"), bulk("6"), bulk("f"), bulk("x"))},
		{c("HGETALL nokey"), array()},
		{c("HKEYS nokey"), array()},
		{c("HVALS nokey"), array()},
		{c("HDEL h zz"), integer(0)},
		{c("HDEL h a a zz b"), integer(2)},
		{c("HDEL nokey a"), integer(0)},
		{c("HLEN h"), integer(4)},
		{c("HDEL h c d e f"), integer(4)},
		{c("HLEN h"), integer(0)},
		{c("HGETALL h"), array()},
		{[]string{"HSET", "sp", "a b", "", "", "v"}, integer(2)},
		{[]string{"HGET", "sp", "a b"}, bulk("")},
		{[]string{"HGET", "sp", ""}, bulk("v")},
	})
	if e := keyEntry(tf, "h"); e != nil {
		t.Errorf("hash h still present after its last field was deleted")
	}
}

func TestHashWrongType(t *testing.T) {
	tf := newTestFSM(t)
	wt := errReply(ErrWrongType)
	runColl(t, tf, []step{
		{c("SET str v"), ok},
		{c("HSET str a 1"), wt},
		{c("HMSET str a 1"), wt},
		{c("HSETNX str a 1"), wt},
		{c("HGET str a"), wt},
		{c("HMGET str a"), wt},
		{c("HGETALL str"), wt},
		{c("HKEYS str"), wt},
		{c("HVALS str"), wt},
		{c("HDEL str a"), wt},
		{c("HEXISTS str a"), wt},
		{c("HLEN str"), wt},
		{c("HSTRLEN str a"), wt},
		{c("HINCRBY str a 1"), wt},
		{c("HRANDFIELD str"), wt},
		{c("HRANDFIELD str 0"), wt},
		{c("HRANDFIELD str -3 WITHVALUES"), wt},
		{c("HSCAN str 0"), wt},
		{c("HSCAN str 0 COUNT abc"), wt},
		{c("GET str"), bulk("v")},
	})
}

func TestHIncrBy(t *testing.T) {
	tf := newTestFSM(t)
	runColl(t, tf, []step{
		{c("HINCRBY h f 5"), integer(5)},
		{c("HINCRBY h f -7"), integer(-2)},
		{c("HGET h f"), bulk("-2")},
		{c("HINCRBY h f 0"), integer(-2)},
		{c("HINCRBY h f abc"), errReply(ErrNotInteger)},
		{c("HINCRBY h f +1"), errReply(ErrNotInteger)},
		{c("HINCRBY h f 01"), errReply(ErrNotInteger)},
		{c("HINCRBY h f -0"), errReply(ErrNotInteger)},
		{c("HINCRBY h f 1.5"), errReply(ErrNotInteger)},
		{c("HINCRBY h f 9223372036854775808"), errReply(ErrNotInteger)},
		{[]string{"HINCRBY", "h", "f", " 1"}, errReply(ErrNotInteger)},
		{[]string{"HINCRBY", "h", "f", ""}, errReply(ErrNotInteger)},
		{c("HINCRBY nokey f 1e3"), errReply(ErrNotInteger)},
		{c("HSET h s foo p +5 z 01 sp 1.0 big 9223372036854775807 small -9223372036854775808"), integer(6)},
		{c("HINCRBY h s 1"), errReply(ErrHashNotInt)},
		{c("HINCRBY h p 1"), errReply(ErrHashNotInt)},
		{c("HINCRBY h z 1"), errReply(ErrHashNotInt)},
		{c("HINCRBY h sp 1"), errReply(ErrHashNotInt)},
		{c("HINCRBY h big 1"), errReply(ErrOverflow)},
		{c("HINCRBY h big -1"), integer(9223372036854775806)},
		{c("HINCRBY h small -1"), errReply(ErrOverflow)},
		{c("HINCRBY h small 9223372036854775807"), integer(-1)},
		{c("HINCRBY h f 9223372036854775807"), integer(9223372036854775805)},
		{c("HINCRBY h f 9223372036854775807"), errReply(ErrOverflow)},
		{c("HGET h f"), bulk("9223372036854775805")},
		{c("HINCRBY h n -9223372036854775808"), ":-9223372036854775808\r\n"}, // (itoa cannot negate MinInt)
	})
	if e := keyEntry(tf, "nokey"); e != nil {
		t.Errorf("a failed HINCRBY created the key")
	}
}

// TestHashArgErrorsNeverReachTheLog: argument errors are found in the
// check phase, so nothing is applied; state errors are found at apply time.
func TestHashArgErrorsNeverReachTheLog(t *testing.T) {
	tf := newTestFSM(t)
	for _, argv := range [][]string{
		c("HINCRBY h f abc"), c("HSET h a"), c("HRANDFIELD h x"), c("HRANDFIELD h 1 VALUES"),
		c("HRANDFIELD h 4611686018427387904 WITHVALUES"), c("HSCAN h x"),
	} {
		before := tf.f.AppliedIndex()
		if got := tf.do(argv...); !IsError([]byte(got)) {
			t.Errorf("%v: got %q, want an error", argv, got)
		}
		if tf.f.AppliedIndex() != before {
			t.Errorf("%v reached the log", argv)
		}
	}
	// State-dependent errors pass the check.
	tf.do("SET", "str", "v")
	for _, argv := range [][]string{c("HSET str a 1"), c("HINCRBY str f 1")} {
		if e := New(16, nil).Check(Lookup([]byte(argv[0])), argvOf(argv...)); e != nil {
			t.Errorf("check %v: got %q, want nil", argv, e)
		}
	}
}

func TestHRandField(t *testing.T) {
	tf := newTestFSM(t)
	runColl(t, tf, []step{
		{c("HRANDFIELD nokey"), nilBulk},
		{c("HRANDFIELD nokey 5"), array()},
		{c("HRANDFIELD nokey -5 WITHVALUES"), array()},
		{c("HRANDFIELD nokey abc"), errReply(ErrNotInteger)},
		{c("HRANDFIELD h abc"), errReply(ErrNotInteger)},
		{c("HRANDFIELD h abc WITHVALUES x"), errReply(ErrNotInteger)},
		{c("HRANDFIELD h 1 WITHVALUESX"), errReply(ErrSyntax)},
		{c("HRANDFIELD h 1 WITHVALUES x"), errReply(ErrSyntax)},
		{c("HRANDFIELD h -9223372036854775808"), errReply("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")},
		{c("HRANDFIELD h 4611686018427387904 WITHVALUES"), errReply("ERR value is out of range")},
		{c("HRANDFIELD h -4611686018427387904 WITHVALUES"), errReply("ERR value is out of range")},
		{c("HSET one f v"), integer(1)},
		{c("HRANDFIELD one"), bulk("f")},
		{c("HRANDFIELD one 0"), array()},
		{c("HRANDFIELD one 0 WITHVALUES"), array()},
		{c("HRANDFIELD one 1 withvalues"), array(bulk("f"), bulk("v"))},
		{c("HRANDFIELD one 9223372036854775807"), array(bulk("f"))},
		{c("HRANDFIELD one -3"), array(bulk("f"), bulk("f"), bulk("f"))},
		{c("HRANDFIELD one -2 WITHVALUES"), array(bulk("f"), bulk("v"), bulk("f"), bulk("v"))},
	})

	const size = 50
	for i := 0; i < size; i++ {
		tf.do("HSET", "h", "f"+itoa(i), "v"+itoa(i))
	}
	for _, tc := range []struct {
		count    int
		want     int
		distinct bool
	}{
		{1, 1, true}, {10, 10, true}, {26, 26, true}, {49, 49, true}, {50, 50, true}, {51, 50, true}, {1000, 50, true},
		{-1, 1, false}, {-10, 10, false}, {-50, 50, false}, {-200, 200, false},
	} {
		for _, wv := range []bool{false, true} {
			args := []string{"HRANDFIELD", "h", itoa(tc.count)}
			if wv {
				args = append(args, "WITHVALUES")
			}
			got := arrayElems(t, tf.do(args...))
			var fields []string
			if wv {
				if len(got)%2 != 0 {
					t.Fatalf("%v: odd reply length %d", args, len(got))
				}
				for i := 0; i < len(got); i += 2 {
					if "v"+strings.TrimPrefix(got[i], "f") != got[i+1] {
						t.Errorf("%v: field %s paired with %s", args, got[i], got[i+1])
					}
					fields = append(fields, got[i])
				}
			} else {
				fields = got
			}
			if len(fields) != tc.want {
				t.Errorf("%v: got %d fields, want %d", args, len(fields), tc.want)
			}
			seen := map[string]bool{}
			for _, f := range fields {
				if n, err := strconv.Atoi(strings.TrimPrefix(f, "f")); err != nil || n < 0 || n >= size {
					t.Errorf("%v: unknown field %q", args, f)
				}
				if tc.distinct && seen[f] {
					t.Errorf("%v: field %s returned twice", args, f)
				}
				seen[f] = true
			}
		}
	}
	// A large negative count must eventually produce every field.
	seen := map[string]bool{}
	for _, f := range arrayElems(t, tf.do("HRANDFIELD", "h", "-2000")) {
		seen[f] = true
	}
	if len(seen) != size {
		t.Errorf("HRANDFIELD h -2000 covered %d fields, want %d", len(seen), size)
	}
}

func TestHScan(t *testing.T) {
	tf := newTestFSM(t)
	runColl(t, tf, []step{
		{c("SET str v"), ok},
		{c("HSCAN nokey 0"), array(bulk("0"), array())},
		{c("HSCAN nokey 0 COUNT abc"), array(bulk("0"), array())},
		{c("HSCAN nokey abc"), errReply("ERR invalid cursor")},
		{c("HSET h a 1"), integer(1)},
		{c("HSCAN h 0"), array(bulk("0"), array(bulk("a"), bulk("1")))},
		{c("HSCAN h +0"), array(bulk("0"), array(bulk("a"), bulk("1")))},
		{[]string{"HSCAN", "h", ""}, array(bulk("0"), array(bulk("a"), bulk("1")))},
		{c("HSCAN h abc"), errReply("ERR invalid cursor")},
		{c("HSCAN h -"), errReply("ERR invalid cursor")},
		{c("HSCAN h 18446744073709551616"), errReply("ERR invalid cursor")},
		{[]string{"HSCAN", "h", " 1"}, errReply("ERR invalid cursor")},
		{c("HSCAN h 0 COUNT 0"), errReply(ErrSyntax)},
		{c("HSCAN h 0 COUNT -1"), errReply(ErrSyntax)},
		{c("HSCAN h 0 COUNT abc"), errReply(ErrNotInteger)},
		{c("HSCAN h 0 COUNT"), errReply(ErrSyntax)},
		{c("HSCAN h 0 MATCH"), errReply(ErrSyntax)},
		{c("HSCAN h 0 foo bar"), errReply(ErrSyntax)},
		{c("HSCAN h 0 TYPE string"), errReply(ErrSyntax)},
		{c("HSCAN h 0 NOVALUES"), errReply(ErrSyntax)},
		{c("HSCAN h 0 count 5 match * COUNT 1"), array(bulk("0"), array(bulk("a"), bulk("1")))},
	})
	testScanCompleteness(t, tf, "HSCAN", "HSET", "HDEL", true)
}

// testScanCompleteness scans a container of 500 elements with small
// COUNTs while elements are added and removed between calls, and checks
// SCAN's guarantee: every element present for the whole scan is returned.
func testScanCompleteness(t *testing.T, tf *testFSM, scan, add, del string, pairs bool) {
	t.Helper()
	key := "big" + scan
	addArgs := func(e string) []string {
		if pairs {
			return []string{add, key, e, "v"}
		}
		return []string{add, key, e}
	}
	for i := 0; i < 500; i++ {
		tf.do(addArgs("e" + itoa(i))...)
	}
	stable := map[string]bool{}
	for i := 0; i < 500; i++ {
		if i%5 != 0 {
			stable["e"+itoa(i)] = true
		}
	}
	got := map[string]bool{}
	cursor := "0"
	for round := 0; ; round++ {
		if round > 1000 {
			t.Fatalf("%s did not finish", scan)
		}
		next, elems := scanReply(t, tf.do(scan, key, cursor, "COUNT", "7"))
		step := 1
		if pairs {
			step = 2
		}
		for i := 0; i < len(elems); i += step {
			got[elems[i]] = true
		}
		// Concurrent changes: new elements come, every fifth old one goes.
		tf.do(addArgs("new" + itoa(round))...)
		if round*5 < 500 {
			tf.do(del, key, "e"+itoa(round*5))
		}
		cursor = next
		if cursor == "0" {
			break
		}
	}
	for e := range stable {
		if !got[e] {
			t.Errorf("%s missed %s, present for the whole scan", scan, e)
		}
	}
}

func TestHIncrByFloat(t *testing.T) {
	tf := newTestFSM(t)
	big308 := "99999999999999999996685879655845645660560099847415567207797047994921734868838061872100126921888539320446747225054013223152134749593960583597420814430196418767959100019603190778663109604507106667939153395788938914560543563061268364901618630217086589253444881623791300855757318142424510452728255046343928578048"
	runColl(t, tf, []step{
		{c("SET str v"), ok},
		{c("HINCRBYFLOAT h f 10.5"), bulk("10.5")},
		{c("HINCRBYFLOAT h f 0.1"), bulk("10.6")},
		{c("HINCRBYFLOAT h f -5.6"), bulk("5")},
		{c("HINCRBYFLOAT h f 5.0e3"), bulk("5005")},
		{c("HINCRBYFLOAT h f +1"), bulk("5006")},
		{c("HGET h f"), bulk("5006")},
		{c("HINCRBYFLOAT h g 5010.6"), bulk("5010.60000000000000009")},
		{c("HINCRBYFLOAT h big 1e308"), bulk(big308)},
		{c("HINCRBYFLOAT nokey f -0"), bulk("0")},
		{c("HINCRBYFLOAT h z 3"), bulk("3")},
		{c("HINCRBYFLOAT h z -3"), bulk("0")},
		{c("HSET h i inf x 0x10 n 7"), integer(3)},
		{[]string{"HSET", "h", "e", "", "sp", " 1"}, integer(2)},
		{c("HINCRBYFLOAT h x 1"), bulk("17")},
		{c("HINCRBYFLOAT h n 1"), bulk("8")},
		{c("HINCRBYFLOAT h i 1"), errReply(ErrIncrNaNOrInf)},
		{c("HINCRBYFLOAT h e 1"), errReply(ErrHashNotFloat)},
		{c("HINCRBYFLOAT h sp 1"), errReply(ErrHashNotFloat)},
		{c("HINCRBYFLOAT h f abc"), errReply(ErrNotFloat)},
		{c("HINCRBYFLOAT h f nan"), errReply(ErrNotFloat)},
		{c("HINCRBYFLOAT h f 1e5000"), errReply(ErrNotFloat)},
		{[]string{"HINCRBYFLOAT", "h", "f", " 1"}, errReply(ErrNotFloat)},
		{[]string{"HINCRBYFLOAT", "h", "f", ""}, errReply(ErrNotFloat)},
		{c("HINCRBYFLOAT h f inf"), errReply("ERR value is NaN or Infinity")},
		{c("HINCRBYFLOAT h f -inf"), errReply("ERR value is NaN or Infinity")},
		{c("HINCRBYFLOAT str f 1"), errReply(ErrWrongType)},
		{c("HINCRBYFLOAT str f abc"), errReply(ErrNotFloat)},
		{c("HGET h f"), bulk("5006")},
		{c("HGET h e"), bulk("")},
	})
	if keyEntry(tf, "nokey") == nil {
		t.Error("HINCRBYFLOAT on an absent key did not create it")
	}
	before := tf.f.AppliedIndex()
	tf.do("HINCRBYFLOAT", "h", "f", "inf")
	tf.do("HINCRBYFLOAT", "h", "f", "x")
	if tf.f.AppliedIndex() != before {
		t.Error("an invalid HINCRBYFLOAT increment reached the log")
	}
}
