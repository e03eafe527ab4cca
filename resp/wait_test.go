package resp

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestWait: WAIT asks about the log index of the connection's latest
// write, returns as soon as enough members hold it, reports the count at
// the timeout otherwise, never waits inside MULTI, and checks its
// arguments as Redis 7.0 does.
func TestWait(t *testing.T) {
	ts := newTestServer(t, Config{})
	c := ts.dial()

	const notInt, badTimeout = "-ERR value is not an integer or out of range\r\n", "-ERR timeout is not an integer or out of range\r\n"
	expect(t, c.do("WAIT x 0", "WAIT +1 0", "WAIT 01 0", "WAIT 1 x", "WAIT 1 1.5", "WAIT 1 +0", "WAIT 1 -0", "WAIT 1 00", "WAIT 1 -1", "WAIT 1"),
		notInt, notInt, notInt, badTimeout, badTimeout, badTimeout, badTimeout, badTimeout,
		"-ERR timeout is negative\r\n",
		"-ERR wrong number of arguments for 'wait' command\r\n")

	// Nothing written yet: index 0. No member to count: 0 at once.
	expect(t, c.do("WAIT 0 0", "WAIT -1 0"), ":0\r\n", ":0\r\n")
	if got := ts.be.asked.Load(); got != 0 {
		t.Fatalf("before any write WAIT asked about index %d", got)
	}

	// After a write, about that write's entry.
	expect(t, c.do("SET k v"), "+OK\r\n")
	written := ts.be.lastIndex()
	start := time.Now()
	expect(t, c.do("WAIT 1 150"), ":0\r\n")
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Fatalf("WAIT 1 150 with no member holding the write returned after %v", d)
	}
	if got := ts.be.asked.Load(); got != written {
		t.Fatalf("WAIT asked about index %d, the write is at %d", got, written)
	}

	// A count that comes while it waits ends the wait (timeout 0: none).
	go func() {
		time.Sleep(100 * time.Millisecond)
		ts.be.acks.Store(2)
	}()
	start = time.Now()
	expect(t, c.do("WAIT 2 0"), ":2\r\n")
	if d := time.Since(start); d < 100*time.Millisecond || d > 5*time.Second {
		t.Fatalf("WAIT 2 0 returned after %v, want soon after the count reached 2 (100ms)", d)
	}
	expect(t, c.do("WAIT 1 0"), ":2\r\n") // more than asked for: the count itself

	// A timeout too long for a time.Duration waits for good, as in Redis
	// (whose clock plus the timeout wraps), not for a wrapped instant.
	ts.be.acks.Store(0)
	go func() {
		time.Sleep(200 * time.Millisecond)
		ts.be.acks.Store(1)
	}()
	start = time.Now()
	expect(t, c.do("WAIT 1 4611686018427387904"), ":1\r\n")
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Fatalf("WAIT 1 2^62 returned after %v, before the count reached 1", d)
	}

	// A client that hangs up while waiting, even behind a command it sent
	// meanwhile, is let go (connected_clients drops back to 1).
	gone := ts.dial()
	if _, err := gone.c.Write([]byte(encode("WAIT 5 0"))); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if _, err := gone.c.Write([]byte(encode("PING"))); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	gone.c.Close()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(c.do("INFO clients")[0], "connected_clients:1\r\n") {
		if time.Now().After(deadline) {
			t.Fatal("a client that hung up during WAIT is still connected")
		}
		time.Sleep(20 * time.Millisecond)
	}

	// Inside MULTI it answers at once, after the transaction's writes.
	ts.be.acks.Store(0)
	start = time.Now()
	expect(t, c.do("MULTI", "SET k v2", "WAIT 3 0", "EXEC"),
		"+OK\r\n", "+QUEUED\r\n", "+QUEUED\r\n", "*2\r\n+OK\r\n:0\r\n")
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("WAIT inside MULTI waited %v", d)
	}
	if got := ts.be.asked.Load(); got != ts.be.lastIndex() {
		t.Fatalf("WAIT in EXEC asked about index %d, the transaction is at %d", got, ts.be.lastIndex())
	}
}

// TestRole: ROLE in Redis's shapes, for the leader (master, offset, no
// replica with a known address here) and for a follower (slave of the
// leader's client address, connected).
func TestRole(t *testing.T) {
	ts := newTestServer(t, Config{})
	c := ts.dial()
	expect(t, c.do("SET k v"), "+OK\r\n")
	applied := strconv.FormatUint(ts.be.lastIndex(), 10)
	expect(t, c.do("ROLE"), "*3\r\n$6\r\nmaster\r\n:"+applied+"\r\n*0\r\n")
	ts.be.setLeader(false)
	expect(t, c.do("ROLE"), "*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:6379\r\n$9\r\nconnected\r\n:"+applied+"\r\n")
	expect(t, c.do("ROLE x"), "-ERR wrong number of arguments for 'role' command\r\n")
}
