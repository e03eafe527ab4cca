package fsm

import (
	"bytes"
	"strings"
	"testing"
)

func TestStringSetOptions(t *testing.T) {
	tf := newTestFSM(t)
	exp := func(name string) string { return errReply("ERR invalid expire time in '" + name + "' command") }
	tf.run([]step{
		{c("SET k v NX XX"), errReply(ErrSyntax)},
		{c("SET k v XX NX"), errReply(ErrSyntax)},
		{c("SET k v EX 10 PX 100"), errReply(ErrSyntax)},
		{c("SET k v EX 10 KEEPTTL"), errReply(ErrSyntax)},
		{c("SET k v KEEPTTL EXAT 10"), errReply(ErrSyntax)},
		{c("SET k v PXAT 10 EXAT 10"), errReply(ErrSyntax)},
		{c("SET k v EX"), errReply(ErrSyntax)},
		{c("SET k v PERSIST"), errReply(ErrSyntax)},
		{c("SET k v FOO"), errReply(ErrSyntax)},
		{c("SET k v EX x"), errReply(ErrNotInteger)},
		{c("SET k v EX 0"), exp("set")},
		{c("SET k v EX -1"), exp("set")},
		{c("SET k v PX 0"), exp("set")},
		{c("SET k v EXAT 0"), exp("set")},
		{c("SET k v EX 9223372036854776"), exp("set")},
		{c("SET k v EX 9223372036854775"), exp("set")}, // fits in ms, overflows when added to now
		{c("SET k v PX 9223372036854775807"), exp("set")},
		{c("SET k"), errReply("ERR wrong number of arguments for 'set' command")},
		{c("EXISTS k"), integer(0)},

		{c("SET k v NX NX"), ok}, // repeating an option is fine, as in Redis
		{c("SET k v2 NX"), nilBulk},
		{c("GET k"), bulk("v")},
		{c("SET k v2 XX"), ok},
		{c("SET nk v XX"), nilBulk},
		{c("EXISTS nk"), integer(0)},
		{c("SET k v3 GET"), bulk("v2")},
		{c("SET k v4 NX GET"), bulk("v3")}, // NX fails: old value, nothing set
		{c("GET k"), bulk("v3")},
		{c("SET nk v XX GET"), nilBulk},
		{c("SET nk v NX GET"), nilBulk},
		{c("GET nk"), bulk("v")},

		{c("SET k v EX 10 EX 20"), ok}, // the last one wins
		{c("TTL k"), integer(20)},
		{c("SET k v PX 1500"), ok},
		{c("PTTL k"), integer(1500)},
		{c("SET k v KEEPTTL"), ok},
		{c("PTTL k"), integer(1500)},
		{c("SET k v GET KEEPTTL"), bulk("v")},
		{c("PTTL k"), integer(1500)},
		{c("SET k v"), ok}, // a plain SET clears the TTL
		{c("TTL k"), integer(-1)},
		{c("SET k v exat 4000000000"), ok},
		{c("EXPIRETIME k"), integer(4000000000)},
		{c("SET k v pxat 4000000000123"), ok},
		{c("PEXPIRETIME k"), ":4000000000123\r\n"},
		{c("SET k v PXAT 9223372036854775807"), ok},
		{c("SET k v PXAT 1"), ok}, // in the past: set, and gone at once
		{c("EXISTS k"), integer(0)},
		{c("SET k v EX 100 NX"), ok},
		{c("SET k v GeT eX 50"), bulk("v")},
		{c("TTL k"), integer(50)},
	})
}

func TestStringSetExpiryClock(t *testing.T) {
	tf := newTestFSM(t)
	start := tf.now
	tf.run([]step{
		{c("SET k v EX 5"), ok},
		{c("SETEX s 5 v"), ok},
		{c("PSETEX p 5000 v"), ok},
	})
	for _, k := range []string{"k", "s", "p"} {
		if e := keyEntryDB(tf, 0, k); e == nil || e.expireAt != start+5000 {
			t.Errorf("%s: expiry %+v, want %d (the entry's clock + 5s)", k, e, start+5000)
		}
	}
	tf.now += 4999
	tf.run([]step{{c("PTTL k"), integer(1)}, {c("GET s"), bulk("v")}})
	tf.now++
	tf.run([]step{
		{c("GET k"), nilBulk},
		{c("GET s"), nilBulk},
		{c("GET p"), nilBulk},
		{c("SET k v KEEPTTL"), ok}, // the expired key's TTL is not kept
		{c("TTL k"), integer(-1)},
	})
}

func TestStringSetExGetSetGetDel(t *testing.T) {
	tf := newTestFSM(t)
	tf.run([]step{
		{c("SETEX k 0 v"), errReply("ERR invalid expire time in 'setex' command")},
		{c("SETEX k x v"), errReply(ErrNotInteger)},
		{c("PSETEX k 0 v"), errReply("ERR invalid expire time in 'psetex' command")},
		{c("PSETEX k -5 v"), errReply("ERR invalid expire time in 'psetex' command")},
		{c("PSETEX k x v"), errReply(ErrNotInteger)},
		{c("SETEX k 100 v"), ok},
		{c("TTL k"), integer(100)},
		{c("PSETEX k 100000 v"), ok},
		{c("TTL k"), integer(100)},
		{c("SETNX k x"), integer(0)},
		{c("SETNX k2 x"), integer(1)},
		{c("GET k2"), bulk("x")},
		{c("GETSET k new"), bulk("v")},
		{c("TTL k"), integer(-1)}, // GETSET clears the TTL
		{c("GETSET nokey x"), nilBulk},
		{c("GET nokey"), bulk("x")},
		{c("GETDEL k"), bulk("new")},
		{c("GETDEL k"), nilBulk},
		{c("EXISTS k"), integer(0)},
	})
}

func TestStringGetEx(t *testing.T) {
	tf := newTestFSM(t)
	tf.run([]step{
		{c("SET k v"), ok},
		{c("GETEX k PERSIST EX 10"), errReply(ErrSyntax)},
		{c("GETEX k EX 10 PERSIST"), errReply(ErrSyntax)},
		{c("GETEX k EX 10 PX 10"), errReply(ErrSyntax)},
		{c("GETEX k KEEPTTL"), errReply(ErrSyntax)},
		{c("GETEX k NX"), errReply(ErrSyntax)},
		{c("GETEX k GET"), errReply(ErrSyntax)},
		{c("GETEX k EX"), errReply(ErrSyntax)},
		{c("GETEX nokey EX abc"), nilBulk}, // as Redis: the number is only read for a string
		{c("GETEX k EX abc"), errReply(ErrNotInteger)},
		{c("GETEX k EX 0"), errReply("ERR invalid expire time in 'getex' command")},
		{c("GETEX k"), bulk("v")},
		{c("TTL k"), integer(-1)},
		{c("GETEX k EX 100"), bulk("v")},
		{c("TTL k"), integer(100)},
		{c("GETEX k PERSIST"), bulk("v")},
		{c("TTL k"), integer(-1)},
		{c("GETEX k PX 5000"), bulk("v")},
		{c("PTTL k"), integer(5000)},
		{c("GETEX k EXAT 4000000000"), bulk("v")},
		{c("EXPIRETIME k"), integer(4000000000)},
		{c("GETEX k PXAT 1"), bulk("v")}, // in the past: answered, then deleted
		{c("EXISTS k"), integer(0)},
		{c("SET k v"), ok},
		{c("GETEX k EXAT 1"), bulk("v")},
		{c("EXISTS k"), integer(0)},
		{c("GETEX nokey2"), nilBulk},
	})
	if tf.f.st.dbs[0].Expires() != 0 {
		t.Errorf("ttl index has %d items, want 0", tf.f.st.dbs[0].Expires())
	}
}

func TestStringMSetMGet(t *testing.T) {
	tf := newTestFSM(t)
	keysPutFake(tf, "h")
	tf.run([]step{
		{c("MSET a"), errReply("ERR wrong number of arguments for 'mset' command")},
		{c("MSET a 1 b"), errReply("ERR wrong number of arguments for 'mset' command")},
		{c("MSETNX a 1 b"), errReply("ERR wrong number of arguments for 'msetnx' command")},
		{c("MSET a 1 b 2 a 3"), ok}, // the last value wins
		{c("MGET a b c h"), array(bulk("3"), bulk("2"), nilBulk, nilBulk)},
		{c("MSETNX a 1 c 3"), integer(0)},
		{c("EXISTS c"), integer(0)},
		{c("MSETNX c 3 d 4"), integer(1)},
		{c("MGET c d"), array(bulk("3"), bulk("4"))},
		{c("SET e 1 EX 100"), ok},
		{c("MSET e 2"), ok},
		{c("TTL e"), integer(-1)},
		{c("MSET h x"), ok}, // MSET overwrites any type
		{c("GET h"), bulk("x")},
	})
}

func TestStringIncrDecr(t *testing.T) {
	tf := newTestFSM(t)
	tf.run([]step{
		{c("INCR n"), integer(1)},
		{c("INCRBY n 10"), integer(11)},
		{c("DECR n"), integer(10)},
		{c("DECRBY n 20"), integer(-10)},
		{c("INCRBY n -5"), integer(-15)},
		{c("GET n"), bulk("-15")},
		{c("INCRBY n x"), errReply(ErrNotInteger)},
		{c("INCRBY n 01"), errReply(ErrNotInteger)},
		{c("INCRBY n +1"), errReply(ErrNotInteger)},
		{c("INCRBY n -0"), errReply(ErrNotInteger)},
		{c("INCRBY n 1.5"), errReply(ErrNotInteger)},
		{c("INCRBY n 9223372036854775808"), errReply(ErrNotInteger)},
		{c("DECRBY n -9223372036854775808"), errReply("ERR decrement would overflow")},
		{c("SET n 9223372036854775807"), ok},
		{c("INCR n"), errReply(ErrOverflow)},
		{c("DECRBY n 1"), ":9223372036854775806\r\n"},
		{c("SET n -9223372036854775808"), ok},
		{c("DECR n"), errReply(ErrOverflow)},
		{c("INCRBY n 9223372036854775807"), integer(-1)},
		{c("SET n 5"), ok},
		{c("INCRBY n 9223372036854775807"), errReply(ErrOverflow)},
		{c("SET n abc"), ok},
		{c("INCR n"), errReply(ErrNotInteger)},
		{c("SET n 05"), ok},
		{c("INCR n"), errReply(ErrNotInteger)},
		{[]string{"SET", "n", " 5"}, ok},
		{c("INCR n"), errReply(ErrNotInteger)},
		{[]string{"SET", "n", ""}, ok},
		{c("INCR n"), errReply(ErrNotInteger)},
		{c("SET n 10 EX 100"), ok},
		{c("INCR n"), integer(11)},
		{c("TTL n"), integer(100)}, // INCR keeps the TTL
	})
}

func TestStringParseInt(t *testing.T) {
	for _, tc := range []struct {
		s  string
		n  int64
		ok bool
	}{
		{"0", 0, true}, {"1", 1, true}, {"-1", -1, true}, {"123", 123, true},
		{"9223372036854775807", 9223372036854775807, true},
		{"-9223372036854775808", -9223372036854775808, true},
		{"9223372036854775808", 0, false}, {"-9223372036854775809", 0, false},
		{"18446744073709551616", 0, false}, {"123456789012345678901", 0, false},
		{"", 0, false}, {"-", 0, false}, {"-0", 0, false}, {"00", 0, false}, {"01", 0, false},
		{"+1", 0, false}, {" 1", 0, false}, {"1 ", 0, false}, {"1a", 0, false}, {"0x1", 0, false},
	} {
		n, ok := parseInt([]byte(tc.s))
		if n != tc.n || ok != tc.ok {
			t.Errorf("parseInt(%q) = %d, %v; want %d, %v", tc.s, n, ok, tc.n, tc.ok)
		}
	}
}

// TestStringIncrByFloat compares with replies recorded from redis-server
// 7.0.15 on x86-64 (long double arithmetic).
func TestStringIncrByFloat(t *testing.T) {
	for _, tc := range []struct {
		cur  string // "" for an absent key; "''" for an empty string
		incr string
		want string // result, or an error text
	}{
		{"0.1", "0.2", "0.3"},
		{"10.50", "0.1", "10.6"},
		{"10.6", "5.0e3", "5010.60000000000000009"},
		{"0.3", "1e20", "100000000000000000000"},
		{"3.0", "1", "4"},
		{"1", "0.1", "1.1"},
		{"1.1", "1.23456789012345678901234", "2.33456789012345679"},
		{"7", "-7", "0"},
		{"123456789012345678", "1", "123456789012345679"},
		{"123456789012345679", "0.3333333333333333333333", "123456789012345679.3359375"},
		{"", ".5", "0.5"},
		{"0.5", "5.", "5.5"},
		{"", "0x1p-3", "0.125"},
		{"", "0X1P3", "8"},
		{"8", "0x.8", "8.5"},
		{"8.5", "+5", "13.5"},
		{"13.5", "1E+2", "113.5"},
		{"113.5", "0e99999999999999", "113.5"},
		{"", "-0.0000000000000000001", "0"},
		{"", "1e-4940", "0"},
		{"", "-0", "0"},
		{"", "abc", ErrNotFloat},
		{"", "", ErrNotFloat},
		{"", " 1", ErrNotFloat},
		{"", "1 ", ErrNotFloat},
		{"", "1e", ErrNotFloat},
		{"", "0x", ErrNotFloat},
		{"", "1_0", ErrNotFloat},
		{"", "0b1", ErrNotFloat},
		{"", "nan", ErrNotFloat},
		{"", "1e5000", ErrNotFloat},
		{"", "1e-5000", ErrNotFloat},
		{"", "1e-99999999999999", ErrNotFloat},
		{"", "inf", ErrIncrNaNOrInf},
		{"", "-INF", ErrIncrNaNOrInf},
		{"", "infinity", ErrIncrNaNOrInf},
		{"inf", "-1", ErrIncrNaNOrInf},
		{"1e4932", "1e4932", ErrIncrNaNOrInf},
		{"abc", "1", ErrNotFloat},
		{"''", "1", ErrNotFloat},
		{strings.Repeat("1", 5120), "1", ErrNotFloat}, // longer than Redis's buffer
	} {
		tf := newTestFSM(t)
		switch tc.cur {
		case "":
		case "''":
			tf.do("SET", "k", "")
		default:
			tf.do("SET", "k", tc.cur)
		}
		want := bulk(tc.want)
		if strings.HasPrefix(tc.want, "ERR") {
			want = errReply(tc.want)
		}
		if got := tf.do("INCRBYFLOAT", "k", tc.incr); got != want {
			t.Errorf("%q INCRBYFLOAT %q: got %q, want %q", tc.cur, tc.incr, got, want)
		}
	}
	// A huge result is printed in full, as "%.17Lf" does.
	res, msg := incrFloat(nil, []byte("1e4932"))
	if msg != "" || len(res) != 4933 || !bytes.HasPrefix(res, []byte("1000000000000000000006018949387963891323837774254533114773785041352533019486608722407533327779433142773666525563666277682061860906440460336623416164931097542108653623739947237824273607755646282077337746770628281083461244709457643633409272844851420914666765408339856497738306756454137037618")) {
		t.Errorf("incrFloat(nil, 1e4932) = %.60q (%d bytes), %q", res, len(res), msg)
	}
	res, msg = incrFloat(nil, []byte("1.5e300"))
	if msg != "" || !bytes.HasPrefix(res, []byte("15000000000000000000498001098614721663623792391186739285512197182489735299298127087928543105758309306865306445660502294069266467393110176069842582883774341439376027781967106612346559441957708385132688468261502054186329955472718748270729362305949200132411903639944718860805673366159116945090")) || len(res) != 301 {
		t.Errorf("incrFloat(nil, 1.5e300) = %.60q (%d bytes), %q", res, len(res), msg)
	}
	tf := newTestFSM(t)
	keysPutFake(tf, "h")
	tf.run([]step{
		{c("INCRBYFLOAT h 1"), errReply(ErrWrongType)},
		{c("SET f 1 EX 100"), ok},
		{c("INCRBYFLOAT f 0.5"), bulk("1.5")},
		{c("TTL f"), integer(100)}, // INCRBYFLOAT keeps the TTL
		{c("GET f"), bulk("1.5")},
	})
	if got := string(AppendFloat(nil, 0.1)); got != "0.10000000000000001" {
		t.Errorf("AppendFloat(0.1) = %q", got)
	}
	if got := string(AppendFloat(nil, -2.5)); got != "-2.5" {
		t.Errorf("AppendFloat(-2.5) = %q", got)
	}
}

func TestStringAppendStrlenRange(t *testing.T) {
	tf := newTestFSM(t)
	tf.run([]step{
		{c("APPEND a abc"), integer(3)},
		{[]string{"APPEND", "a", ""}, integer(3)},
		{c("APPEND a def"), integer(6)},
		{c("GET a"), bulk("abcdef")},
		{c("STRLEN a"), integer(6)},
		{c("STRLEN nokey"), integer(0)},
		{c("SET t x EX 100"), ok},
		{c("APPEND t y"), integer(2)},
		{c("TTL t"), integer(100)},

		{[]string{"SET", "g", "Hello World"}, ok},
		{c("GETRANGE g 0 4"), bulk("Hello")},
		{c("GETRANGE g -5 -1"), bulk("World")},
		{c("GETRANGE g 0 -100"), bulk("H")},
		{c("GETRANGE g -1 -5"), bulk("")},
		{c("GETRANGE g 5 3"), bulk("")},
		{c("GETRANGE g 0 100"), bulk("Hello World")},
		{c("GETRANGE g -100 100"), bulk("Hello World")},
		{c("GETRANGE g 9223372036854775807 -9223372036854775808"), bulk("")},
		{c("GETRANGE g x 1"), errReply(ErrNotInteger)},
		{c("GETRANGE g 0 y"), errReply(ErrNotInteger)},
		{c("GETRANGE nokey 0 -1"), bulk("")},

		{c("SETRANGE s -1 x"), errReply(ErrOffsetRange)},
		{c("SETRANGE s x x"), errReply(ErrNotInteger)},
		{c("SETRANGE s 536870912 x"), errReply(ErrStringTooLong)},
		{c("SETRANGE s 536870911 xy"), errReply(ErrStringTooLong)},
		{c("SETRANGE s 9223372036854775807 x"), errReply(ErrStringTooLong)},
		{[]string{"SETRANGE", "s", "536870912", ""}, integer(0)},
		{[]string{"SETRANGE", "s", "5", ""}, integer(0)},
		{c("EXISTS s"), integer(0)},
		{c("SETRANGE s 5 abc"), integer(8)},
		{c("GET s"), bulk("\x00\x00\x00\x00\x00abc")},
		{c("SETRANGE s 1 Z"), integer(8)},
		{c("GET s"), bulk("\x00Z\x00\x00\x00abc")},
		{c("SETRANGE s 10 end"), integer(13)},
		{c("GET s"), bulk("\x00Z\x00\x00\x00abc\x00\x00end")},
		{[]string{"SETRANGE", "s", "100", ""}, integer(13)},
		{c("SETRANGE t 0 Q"), integer(2)},
		{c("TTL t"), integer(100)},
	})
}

func TestStringWrongType(t *testing.T) {
	tf := newTestFSM(t)
	keysPutFake(tf, "h")
	wrong := errReply(ErrWrongType)
	tf.run([]step{
		{c("GET h"), wrong},
		{c("SET h v GET"), wrong},
		{c("GETSET h v"), wrong},
		{c("GETDEL h"), wrong},
		{c("GETEX h"), wrong},
		{c("GETEX h EX abc"), wrong}, // the type is checked first, as in Redis
		{c("INCR h"), wrong},
		{c("DECRBY h 2"), wrong},
		{c("APPEND h x"), wrong},
		{c("STRLEN h"), wrong},
		{c("GETRANGE h 0 1"), wrong},
		{c("SETRANGE h 0 x"), wrong},
		{c("SETRANGE h 536870912 x"), wrong},
		{c("TYPE h"), status("fake")},
		{c("SETNX h v"), integer(0)},
		{c("SET h v NX"), nilBulk},
	})
	if e := keyEntryDB(tf, 0, "h"); e == nil || e.val.Type() != "fake" {
		t.Fatal("a refused string command changed a non-string key")
	}
	tf.run([]step{
		{c("SET h v"), ok}, // a plain SET replaces any type
		{c("GET h"), bulk("v")},
	})
}

// TestStringCheckPhase: argument errors are found by the syntax check, so
// they never reach the log.
func TestStringCheckPhase(t *testing.T) {
	tf := newTestFSM(t)
	before := tf.index
	for _, line := range []string{
		"SET k v EX abc", "SET k v EX 0", "SET k v NX XX", "SET k v FOO", "SETEX k abc v", "PSETEX k 0 v",
		"INCRBY k abc", "DECRBY k -9223372036854775808",
		"GETRANGE k a 1", "SETRANGE k -1 x", "SETRANGE k a x", "MSET a", "MSETNX a 1 b", "GETEX k PERSIST EX 1",
	} {
		if got := tf.do(strings.Fields(line)...); !strings.HasPrefix(got, "-") {
			t.Errorf("%s: got %q, want an error", line, got)
		}
	}
	if tf.index != before {
		t.Errorf("%d erroneous commands reached the log", tf.index-before)
	}
	// INCRBYFLOAT's increment is parsed after the key's type is checked, as
	// in Redis, so its errors come from the state machine, in Redis's order.
	tf.do("HSET", "h", "f", "v")
	for _, tc := range []struct{ cmd, want string }{
		{"INCRBYFLOAT h abc", errReply(ErrWrongType)},
		{"INCRBYFLOAT k abc", errReply(ErrNotFloat)},
		{"INCRBYFLOAT k nan", errReply(ErrNotFloat)},
	} {
		if got := tf.do(strings.Fields(tc.cmd)...); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.cmd, got, tc.want)
		}
	}
}

// TestStringCopyOnWrite: in-place changes (APPEND, SETRANGE) after a
// snapshot must not show in the snapshot.
func TestStringCopyOnWrite(t *testing.T) {
	tf := newTestFSM(t)
	tf.do("SET", "a", "abc")
	tf.do("SET", "b", "xyz")
	tf.do("SET", "r", "moved")
	want := tf.f.DigestAll()
	snap, err := tf.f.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	tf.do("APPEND", "a", "def")
	tf.do("SETRANGE", "b", "1", "Q")
	tf.do("RENAME", "r", "r2")
	tf.do("APPEND", "r2", "!")
	tf.do("COPY", "a", "a2")
	tf.do("APPEND", "a2", "?")
	g := restored(t, snap)
	if got := g.DigestAll(); got != want {
		t.Errorf("snapshot changed by later in-place writes: digest %s, want %s", got, want)
	}
	tf.run([]step{
		{c("GET a"), bulk("abcdef")},
		{c("GET a2"), bulk("abcdef?")},
		{c("GET b"), bulk("xQz")},
		{c("GET r2"), bulk("moved!")},
	})
}
