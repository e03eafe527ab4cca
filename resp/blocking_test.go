package resp

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestBlockingPopWaitsForAPush(t *testing.T) {
	ts := newTestServer(t, Config{})
	waiter, pusher := ts.dial(), ts.dial()

	// Served by a push from another connection.
	if _, err := waiter.c.Write([]byte(encode("BLPOP q 5"))); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if info := pusher.do("INFO clients")[0]; !strings.Contains(info, "blocked_clients:1\r\n") {
		t.Fatalf("INFO clients while one client is blocked:\n%s", info)
	}
	expect(t, pusher.do("RPUSH q a b"), ":2\r\n")
	if got := waiter.reply(); got != "*2\r\n$1\r\nq\r\n$1\r\na\r\n" {
		t.Fatalf("BLPOP after RPUSH: %q", got)
	}
	expect(t, pusher.do("LRANGE q 0 -1"), "*1\r\n$1\r\nb\r\n")

	// Data already there: no wait; a timeout ends in a null array, for
	// BLMOVE too; inside MULTI nothing blocks.
	start := time.Now()
	expect(t, waiter.do("BRPOP q 5", "BLPOP none 0.2", "BLMOVE none d LEFT RIGHT 0.1"),
		"*2\r\n$1\r\nq\r\n$1\r\nb\r\n", "*-1\r\n", "*-1\r\n")
	if d := time.Since(start); d < 300*time.Millisecond || d > 2*time.Second {
		t.Errorf("two timeouts of 0.2s and 0.1s took %v", d)
	}
	expect(t, waiter.do("MULTI", "BLPOP none 0", "BLMOVE none d LEFT RIGHT 0", "EXEC"),
		"+OK\r\n", "+QUEUED\r\n", "+QUEUED\r\n", "*2\r\n*-1\r\n$-1\r\n")
	expect(t, waiter.do("BLPOP q -1", "BLPOP q abc"), "-ERR timeout is negative\r\n", "-ERR timeout is not a float or out of range\r\n")

	// Sorted sets: BZPOPMIN waits for a ZADD; a list client is not served
	// by a sorted set under its key (it times out), as in Redis.
	if _, err := waiter.c.Write([]byte(encode("BZPOPMIN zq 5"))); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	expect(t, pusher.do("ZADD zq 2 b 1 a"), ":2\r\n")
	if got := waiter.reply(); got != "*3\r\n$2\r\nzq\r\n$1\r\na\r\n$1\r\n1\r\n" {
		t.Fatalf("BZPOPMIN after ZADD: %q", got)
	}
	if _, err := waiter.c.Write([]byte(encode("BLPOP zl 0.3"))); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	expect(t, pusher.do("ZADD zl 1 a"), ":1\r\n")
	if got := waiter.reply(); got != "*-1\r\n" {
		t.Fatalf("BLPOP on a key that became a sorted set: %q, want a timeout", got)
	}

	// A client that hangs up while blocked consumes nothing.
	gone := ts.dial()
	if _, err := gone.c.Write([]byte(encode("BLPOP q2 0"))); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if n := ts.s.blocked.count(); n != 1 {
		t.Fatalf("%d blocked clients, want 1", n)
	}
	gone.c.Close()
	deadline := time.Now().Add(5 * time.Second)
	for ts.s.blocked.count() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("a client that hung up is still blocked")
		}
		time.Sleep(10 * time.Millisecond)
	}
	expect(t, pusher.do("RPUSH q2 x", "LRANGE q2 0 -1"), ":1\r\n", "*1\r\n$1\r\nx\r\n")

	// Also when it sent more commands while blocked, then hung up: they
	// stay unread on the socket, and the hang-up is still seen.
	gone = ts.dial()
	if _, err := gone.c.Write([]byte(encode("BLPOP q3 0"))); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if n := ts.s.blocked.count(); n != 1 {
		t.Fatalf("%d blocked clients, want 1", n)
	}
	if _, err := gone.c.Write([]byte(encode("PING"))); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	gone.c.Close()
	deadline = time.Now().Add(5 * time.Second)
	for ts.s.blocked.count() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("a client that hung up after pipelining a command is still blocked")
		}
		time.Sleep(10 * time.Millisecond)
	}
	expect(t, pusher.do("RPUSH q3 x", "LRANGE q3 0 -1"), ":1\r\n", "*1\r\n$1\r\nx\r\n")

	// A blocked client's pipelined commands are answered after it.
	waiter = ts.dial()
	if _, err := waiter.c.Write([]byte(encode("BLPOP q4 0"))); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if _, err := waiter.c.Write([]byte(encode("PING"))); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	expect(t, pusher.do("RPUSH q4 y"), ":1\r\n")
	if got := waiter.reply(); got != "*2\r\n$2\r\nq4\r\n$1\r\ny\r\n" {
		t.Fatalf("BLPOP q4: %q", got)
	}
	if got := waiter.reply(); got != "+PONG\r\n" {
		t.Fatalf("the PING behind BLPOP: %q", got)
	}
}

// TestBlockedClientsInOrder: clients blocked on a key are served in the
// order they blocked, and a client that stops waiting (timeout, hang-up)
// withdraws its place in the state machine's queue.
func TestBlockedClientsInOrder(t *testing.T) {
	ts := newTestServer(t, Config{})
	pusher := ts.dial()
	queued := func(n int) {
		t.Helper()
		waitFor(t, "cluster_blocked_clients:"+strconv.Itoa(n), func() bool {
			return strings.Contains(pusher.do("INFO clients")[0], "cluster_blocked_clients:"+strconv.Itoa(n)+"\r\n")
		})
	}
	var waiters []*conn
	for range 3 {
		w := ts.dial()
		if _, err := w.c.Write([]byte(encode("BLPOP q 10"))); err != nil {
			t.Fatal(err)
		}
		waiters = append(waiters, w)
		queued(len(waiters))
	}
	for i, w := range waiters {
		expect(t, pusher.do("RPUSH q e"+strconv.Itoa(i)), ":1\r\n")
		if got, want := w.reply(), "*2\r\n$1\r\nq\r\n$2\r\ne"+strconv.Itoa(i)+"\r\n"; got != want {
			t.Fatalf("client %d that blocked got %q, want %q", i, got, want)
		}
	}
	queued(0)

	// A timeout and a hang-up withdraw their registrations.
	timeout, gone := ts.dial(), ts.dial()
	for _, c := range []*conn{timeout, gone} {
		if _, err := c.c.Write([]byte(encode("BLPOP q 0.3"))); err != nil {
			t.Fatal(err)
		}
	}
	queued(2)
	gone.c.Close()
	if got := timeout.reply(); got != "*-1\r\n" {
		t.Fatalf("BLPOP with a timeout: %q", got)
	}
	queued(0)
}
