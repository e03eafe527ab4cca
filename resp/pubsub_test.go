package resp

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func push(kind string, parts ...string) string {
	out := "*" + strconv.Itoa(1+len(parts)) + "\r\n" + bulkOf(kind)
	for _, p := range parts {
		out += bulkOf(p)
	}
	return out
}

func bulkOf(s string) string { return "$" + strconv.Itoa(len(s)) + "\r\n" + s + "\r\n" }

// doN sends one command and reads n replies (SUBSCRIBE a b answers twice).
func (c *conn) doN(cmd string, n int) []string {
	c.t.Helper()
	if _, err := c.c.Write([]byte(encode(cmd))); err != nil {
		c.t.Fatal(err)
	}
	out := make([]string, n)
	for i := range out {
		out[i] = c.reply()
	}
	return out
}

func TestPubSubLocal(t *testing.T) {
	ts := newTestServer(t, Config{})
	sub, psub, pub := ts.dial(), ts.dial(), ts.dial()

	expect(t, sub.doN("SUBSCRIBE news sport", 2),
		"*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n",
		"*3\r\n$9\r\nsubscribe\r\n$5\r\nsport\r\n:2\r\n")
	expect(t, psub.do("PSUBSCRIBE n*"), "*3\r\n$10\r\npsubscribe\r\n$2\r\nn*\r\n:1\r\n")

	// news reaches the channel subscriber and the pattern subscriber.
	expect(t, pub.do("PUBLISH news hello", "PUBLISH sport goal", "PUBLISH other x"), ":2\r\n", ":1\r\n", ":0\r\n")
	if got, want := sub.reply(), push("message", "news", "hello"); got != want {
		t.Fatalf("subscriber got %q, want %q", got, want)
	}
	if got, want := sub.reply(), push("message", "sport", "goal"); got != want {
		t.Fatalf("subscriber got %q, want %q", got, want)
	}
	if got, want := psub.reply(), push("pmessage", "n*", "news", "hello"); got != want {
		t.Fatalf("pattern subscriber got %q, want %q", got, want)
	}

	// Introspection.
	expect(t, pub.do("PUBSUB CHANNELS", "PUBSUB CHANNELS n*", "PUBSUB NUMSUB news nobody", "PUBSUB NUMPAT"),
		"*2\r\n$4\r\nnews\r\n$5\r\nsport\r\n",
		"*1\r\n$4\r\nnews\r\n",
		"*4\r\n$4\r\nnews\r\n:1\r\n$6\r\nnobody\r\n:0\r\n",
		":1\r\n")
	if line := pub.do("CLIENT LIST")[0]; !strings.Contains(line, "flags=P db=0 sub=2 psub=0") {
		t.Errorf("CLIENT LIST does not show the subscriber: %q", line)
	}

	// A subscribed connection refuses other commands, keeps PING, and
	// leaves the mode when its last subscription goes.
	expect(t, sub.do("GET k", "PING", "PING hi"),
		"-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n",
		"*2\r\n$4\r\npong\r\n$0\r\n\r\n",
		"*2\r\n$4\r\npong\r\n$2\r\nhi\r\n")
	expect(t, sub.doN("UNSUBSCRIBE", 2),
		"*3\r\n$11\r\nunsubscribe\r\n$4\r\nnews\r\n:1\r\n",
		"*3\r\n$11\r\nunsubscribe\r\n$5\r\nsport\r\n:0\r\n")
	expect(t, sub.do("UNSUBSCRIBE", "GET k", "PING"),
		"*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n",
		"$-1\r\n", "+PONG\r\n")
	expect(t, pub.do("PUBLISH news again"), ":1\r\n")
	expect(t, psub.do("RESET"), push("pmessage", "n*", "news", "again"))
	if got := psub.reply(); got != "+RESET\r\n" {
		t.Fatalf("RESET: %q", got)
	}
	expect(t, pub.do("PUBSUB NUMPAT", "PUBLISH news gone"), ":0\r\n", ":0\r\n")

	// A subscriber that disconnects is forgotten.
	gone := ts.dial()
	expect(t, gone.do("SUBSCRIBE bye"), "*3\r\n$9\r\nsubscribe\r\n$3\r\nbye\r\n:1\r\n")
	gone.c.Close()
	deadline := time.Now().Add(5 * time.Second)
	for pub.do("PUBSUB NUMSUB bye")[0] != "*2\r\n$3\r\nbye\r\n:0\r\n" {
		if time.Now().After(deadline) {
			t.Fatal("a closed subscriber is still counted")
		}
		time.Sleep(10 * time.Millisecond)
	}

	// QUIT on a connection that has subscribed still gets its +OK.
	q := ts.dial()
	expect(t, q.do("SUBSCRIBE x", "QUIT"), "*3\r\n$9\r\nsubscribe\r\n$1\r\nx\r\n:1\r\n", "+OK\r\n")
}

func TestPubSubSlowSubscriberIsDisconnected(t *testing.T) {
	ts := newTestServer(t, Config{})
	slow, pub := ts.dial(), ts.dial()
	expect(t, slow.do("SUBSCRIBE firehose"), "*3\r\n$9\r\nsubscribe\r\n$8\r\nfirehose\r\n:1\r\n")
	// The slow subscriber never reads: once its queue would pass the
	// limit it is dropped, and PUBLISH counts nobody.
	big := strings.Repeat("x", 1<<20)
	dropped := false
	for i := 0; i < 3*pubsubOutputLimit/len(big) && !dropped; i++ {
		if _, err := pub.c.Write([]byte("*3\r\n$7\r\nPUBLISH\r\n$8\r\nfirehose\r\n$" + strconv.Itoa(len(big)) + "\r\n" + big + "\r\n")); err != nil {
			t.Fatal(err)
		}
		dropped = pub.reply() == ":0\r\n"
	}
	if !dropped {
		t.Fatalf("a subscriber that reads nothing was never disconnected")
	}
}

// A subscribed connection's error names a subcommand as Redis 7.0 does,
// "container|sub", and a plain command by its name.
func TestPubSubSubscribedContextNames(t *testing.T) {
	ts := newTestServer(t, Config{})
	sub := ts.dial()
	expect(t, sub.do("SUBSCRIBE ch"), "*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n")
	const rest = "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n"
	tests := []struct{ cmd, name string }{
		{"PUBSUB NUMPAT", "pubsub|numpat"},
		{"pubsub Channels", "pubsub|channels"},
		{"CONFIG GET hz", "config|get"},
		{"GET k", "get"},
		{"PUBLISH ch x", "publish"},
	}
	for _, tc := range tests {
		if got, want := sub.do(tc.cmd)[0], "-ERR Can't execute '"+tc.name+rest; got != want {
			t.Errorf("%s: got %q, want %q", tc.cmd, got, want)
		}
	}
}
