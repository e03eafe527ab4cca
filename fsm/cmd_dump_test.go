package fsm

import (
	"strconv"
	"testing"
)

// helloPayload is redis-server 7.0.15's DUMP of the string "hello".
const helloHex = "000568656c6c6f0a006372df766534200a"

func TestDump(t *testing.T) {
	tf := newTestFSM(t)
	tf.run([]step{
		{c("DUMP nokey"), nilBulk},
		{c("DUMP"), errReply(ArityError("dump"))},
		{c("DUMP a b"), errReply(ArityError("dump"))},
		{c("SET k hello"), ok},
		{c("DUMP k"), bulk(unhex(t, helloHex))},
		{c("PEXPIRE k 1"), integer(1)},
	})
	tf.now += 2
	tf.run([]step{{c("DUMP k"), nilBulk}})
}

func TestRestoreErrors(t *testing.T) {
	hello := unhex(t, helloHex)
	badCRC := hello[:len(hello)-1] + "\x00"
	// Version 11 (Redis 7.2) with a correct checksum is refused too.
	newer := withFooter([]byte(hello[:len(hello)-10]), 11)
	tf := newTestFSM(t)
	tf.run([]step{
		{c("RESTORE k 0"), errReply(ArityError("restore"))},
		{[]string{"RESTORE", "k", "0", hello, "FOO"}, errReply(ErrSyntax)},
		{[]string{"RESTORE", "k", "0", hello, "IDLETIME"}, errReply(ErrSyntax)},
		{[]string{"RESTORE", "k", "0", hello, "IDLETIME", "-1"}, errReply(errIdleTimeNeg)},
		{[]string{"RESTORE", "k", "0", hello, "IDLETIME", "abc"}, errReply(ErrNotInteger)},
		{[]string{"RESTORE", "k", "0", hello, "FREQ", "256"}, errReply(errFreqRange)},
		{[]string{"RESTORE", "k", "0", hello, "FREQ", "-1"}, errReply(errFreqRange)},
		{[]string{"RESTORE", "k", "0", hello, "FREQ", "1", "IDLETIME", "1"}, errReply(ErrSyntax)},
		{[]string{"RESTORE", "k", "0", hello, "IDLETIME", "1", "FREQ", "1"}, errReply(ErrSyntax)},
		{[]string{"RESTORE", "k", "-1", hello}, errReply(errRestoreTTL)},
		{[]string{"RESTORE", "k", "1.5", hello}, errReply(ErrNotInteger)},
		{[]string{"RESTORE", "k", "0", "garbage"}, errReply(errBadPayload)},
		{[]string{"RESTORE", "k", "0", ""}, errReply(errBadPayload)},
		{[]string{"RESTORE", "k", "0", badCRC}, errReply(errBadPayload)},
		{[]string{"RESTORE", "k", "0", newer}, errReply(errBadPayload)},
		{c("EXISTS k"), integer(0)},
		{[]string{"RESTORE", "k", "0", hello, "IDLETIME", "5", "replace", "absttl"}, ok},
		{[]string{"RESTORE", "k", "0", hello, "FREQ", "255"}, errReply(errBusyKey)},
		// BUSYKEY comes before the TTL and the payload, as in Redis...
		{[]string{"RESTORE", "k", "-1", "garbage"}, errReply(errBusyKey)},
		// ...but not with REPLACE.
		{[]string{"RESTORE", "k", "-1", "garbage", "REPLACE"}, errReply(errRestoreTTL)},
		{[]string{"RESTORE", "k", "0", "garbage", "REPLACE"}, errReply(errBadPayload)},
		{c("GET k"), bulk("hello")},
	})
}

// With REPLACE a bad payload is refused before anything is proposed;
// without it the key decides (BUSYKEY first), so the check lets it through.
func TestRestoreCheckPhase(t *testing.T) {
	tf := newTestFSM(t)
	cmd := Lookup([]byte("restore"))
	for _, tc := range []struct {
		argv []string
		want string
	}{
		{[]string{"RESTORE", "k", "0", "garbage", "REPLACE"}, errReply(errBadPayload)},
		{[]string{"RESTORE", "k", "x", "garbage", "REPLACE"}, errReply(ErrNotInteger)},
		{[]string{"RESTORE", "k", "0", withFooter([]byte{99}, 10), "REPLACE"}, errReply(errBadFormat)},
		{[]string{"RESTORE", "k", "0", unhex(t, helloHex), "REPLACE"}, ""},
		{[]string{"RESTORE", "k", "0", "garbage"}, ""},
		{[]string{"RESTORE", "k", "0", "garbage", "BAD"}, errReply(ErrSyntax)},
	} {
		if got := string(tf.f.Check(cmd, argvOf(tc.argv...))); got != tc.want {
			t.Errorf("Check(%q) = %q, want %q", tc.argv[4:], got, tc.want)
		}
	}
}

func TestRestoreTTL(t *testing.T) {
	hello := unhex(t, helloHex)
	tf := newTestFSM(t)
	now := tf.now
	tf.run([]step{
		{[]string{"RESTORE", "a", "5000", hello}, ok},
		{c("PTTL a"), integer(5000)},
		{[]string{"RESTORE", "b", strconv.FormatInt(now+9000, 10), hello, "ABSTTL"}, ok},
		{c("PEXPIRETIME b"), integer(int(now + 9000))},
		{[]string{"RESTORE", "c", "0", hello}, ok},
		{c("TTL c"), integer(-1)},
		// An expiry already past: nothing is created, the reply is OK...
		{[]string{"RESTORE", "d", "1", hello, "ABSTTL"}, ok},
		{c("EXISTS d"), integer(0)},
		{[]string{"RESTORE", "d", "9223372036854775807", hello}, ok},
		{c("EXISTS d"), integer(0)},
		// ...and with REPLACE the old key is gone.
		{[]string{"RESTORE", "c", strconv.FormatInt(now, 10), hello, "ABSTTL", "REPLACE"}, ok},
		{c("EXISTS c"), integer(0)},
		// REPLACE of another type, with a TTL.
		{c("RPUSH l x"), integer(1)},
		{[]string{"RESTORE", "l", "100", hello, "REPLACE"}, ok},
		{c("GET l"), bulk("hello")},
		{c("PTTL l"), integer(100)},
	})
	tf.now += 100
	tf.run([]step{{c("EXISTS l"), integer(0)}})
}

// A key's version changes when RESTORE writes or deletes it, not when it
// refuses (BUSYKEY) or when it restores nothing onto an absent key.
func TestRestoreVersion(t *testing.T) {
	hello := unhex(t, helloHex)
	tf := newTestFSM(t)
	tf.do("SET", "k", "v")
	watched := func(key string) string {
		w := []Watch{{DB: 0, Key: []byte(key), Index: tf.index}}
		return tf.exec(w, []string{"PING"})
	}
	pong := array(status("PONG"))
	// Observed at the current index, then an unrelated or refused command.
	idx := tf.index
	tf.do("RESTORE", "k", "0", hello)
	tf.do("RESTORE", "absent", "1", hello, "ABSTTL")
	if got := tf.exec([]Watch{{Key: []byte("k"), Index: idx}, {Key: []byte("absent"), Index: idx}}, []string{"PING"}); got != pong {
		t.Errorf("EXEC after a refused RESTORE = %q, want it to run", got)
	}
	idx = tf.index
	tf.do("RESTORE", "k", "0", hello, "REPLACE")
	if got := tf.exec([]Watch{{Key: []byte("k"), Index: idx}}, []string{"PING"}); got != nilArray {
		t.Errorf("EXEC after RESTORE REPLACE = %q, want nil", got)
	}
	if got := watched("k"); got != pong {
		t.Errorf("EXEC with a fresh WATCH = %q", got)
	}
}

func TestTouch(t *testing.T) {
	tf := newTestFSM(t)
	tf.run([]step{
		{c("TOUCH"), errReply(ArityError("touch"))},
		{c("TOUCH a"), integer(0)},
		{c("SET a 1"), ok},
		{c("RPUSH l x"), integer(1)},
		{c("TOUCH a l nokey a"), integer(3)},
	})
	if Lookup([]byte("touch")).Is(FlagWrite) {
		t.Error("TOUCH is a write: it changes nothing here")
	}
}
