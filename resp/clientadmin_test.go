package resp

import (
	"io"
	"strconv"
	"strings"
	"testing"
	"time"
)

// closedByServer reports whether the server closed c (a read ends with
// EOF or a reset within a second, with nothing sent first).
func closedByServer(c *conn) bool {
	_ = c.c.SetReadDeadline(time.Now().Add(time.Second))
	var buf [64]byte
	n, err := c.c.Read(buf[:])
	return n == 0 && err != nil && (err == io.EOF || strings.Contains(err.Error(), "reset"))
}

func clientID(t *testing.T, c *conn) string {
	t.Helper()
	r := c.do("CLIENT ID")[0]
	return strings.TrimSuffix(strings.TrimPrefix(r, ":"), "\r\n")
}

func TestClientKill(t *testing.T) {
	ts := newTestServer(t, Config{})
	admin := ts.dial()

	const syntax = "-ERR syntax error\r\n"
	expect(t, admin.do("CLIENT KILL", "CLIENT KILL 1.2.3.4:5", "CLIENT KILL ID", "CLIENT KILL ID x", "CLIENT KILL ID 0",
		"CLIENT KILL ID 999", "CLIENT KILL TYPE foo", "CLIENT KILL USER bob", "CLIENT KILL USER default SKIPME maybe",
		"CLIENT KILL FOO bar", "CLIENT KILL ID 5 TYPE", "CLIENT KILL TYPE master", "CLIENT KILL MAXAGE 5"),
		"-ERR wrong number of arguments for 'client|kill' command\r\n",
		"-ERR No such client\r\n", "-ERR No such client\r\n",
		"-ERR client-id should be greater than 0\r\n", "-ERR client-id should be greater than 0\r\n",
		":0\r\n", "-ERR Unknown client type 'foo'\r\n", "-ERR No such user 'bob'\r\n", syntax,
		syntax, syntax, ":0\r\n", syntax)

	// By id, and by address (the old form). A killed client is gone at
	// once, even before its connection's goroutine has wound up.
	byID, byAddr := ts.dial(), ts.dial()
	expect(t, byAddr.do("PING"), "+PONG\r\n") // the server has taken the connection
	idOf := clientID(t, byID)
	expect(t, admin.do("CLIENT KILL ID "+idOf, "CLIENT KILL ID "+idOf), ":1\r\n", ":0\r\n")
	if !closedByServer(byID) {
		t.Fatal("CLIENT KILL ID: the connection is still open")
	}
	expect(t, admin.do("CLIENT KILL "+byAddr.c.LocalAddr().String()), "+OK\r\n")
	if !closedByServer(byAddr) {
		t.Fatal("CLIENT KILL ip:port: the connection is still open")
	}

	// A blocked client killed consumes nothing.
	blocked := ts.dial()
	if _, err := blocked.c.Write([]byte(encode("BLPOP q 0"))); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for ts.s.blocked.count() != 1 {
		if time.Now().After(deadline) {
			t.Fatal("BLPOP never blocked")
		}
		time.Sleep(10 * time.Millisecond)
	}
	expect(t, admin.do("CLIENT KILL ID "+strconv.FormatInt(ts.s.nextID.Load(), 10)), ":1\r\n")
	for ts.s.blocked.count() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("a killed client is still blocked")
		}
		time.Sleep(10 * time.Millisecond)
	}
	expect(t, admin.do("RPUSH q x", "LRANGE q 0 -1"), ":1\r\n", "*1\r\n$1\r\nx\r\n")

	// TYPE: a subscriber is pubsub, the others normal; SKIPME yes (the
	// default) spares the caller, SKIPME no does not, after its reply.
	sub, other := ts.dial(), ts.dial()
	expect(t, other.do("PING"), "+PONG\r\n")
	expect(t, sub.do("SUBSCRIBE ch"), "*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n")
	expect(t, admin.do("CLIENT KILL TYPE pubsub"), ":1\r\n")
	if !closedByServer(sub) {
		t.Fatal("CLIENT KILL TYPE pubsub: the subscriber is still connected")
	}
	expect(t, admin.do("CLIENT KILL TYPE normal"), ":1\r\n")
	if !closedByServer(other) {
		t.Fatal("CLIENT KILL TYPE normal: the other client is still connected")
	}
	expect(t, admin.do("CLIENT KILL USER default SKIPME no"), ":1\r\n")
	if !closedByServer(admin) {
		t.Fatal("CLIENT KILL ... SKIPME no: the caller is still connected after its reply")
	}
}

// TestClientUnblock: CLIENT UNBLOCK ends a BLPOP or a WAIT as its timeout
// would, or with -UNBLOCKED; nothing is consumed; a client that is not
// blocked is not touched.
func TestClientUnblock(t *testing.T) {
	ts := newTestServer(t, Config{})
	admin := ts.dial()
	expect(t, admin.do("CLIENT UNBLOCK x FOO"), "-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR\r\n") // the reason first
	expect(t, admin.do("CLIENT UNBLOCK", "CLIENT UNBLOCK x", "CLIENT UNBLOCK 1 FOO", "CLIENT UNBLOCK 999",
		"CLIENT UNBLOCK 999 error", "CLIENT UNBLOCK 1 2 3", "CLIENT UNBLOCK "+clientID(t, admin)),
		"-ERR wrong number of arguments for 'client|unblock' command\r\n",
		"-ERR value is not an integer or out of range\r\n",
		"-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR\r\n",
		":0\r\n", ":0\r\n",
		"-ERR unknown subcommand or wrong number of arguments for 'UNBLOCK'. Try CLIENT HELP.\r\n",
		":0\r\n")

	c := ts.dial()
	id := clientID(t, c)
	unblock := func(cmd, how, want string) {
		t.Helper()
		if _, err := c.c.Write([]byte(encode(cmd))); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(5 * time.Second)
		for {
			r := admin.do("CLIENT UNBLOCK " + id + how)[0]
			if r == ":1\r\n" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: CLIENT UNBLOCK%s never found it blocked (%q)", cmd, how, r)
			}
			time.Sleep(10 * time.Millisecond)
		}
		if got := c.reply(); got != want {
			t.Fatalf("%s unblocked%s: %q, want %q", cmd, how, got, want)
		}
	}
	unblock("BLPOP q 0", "", "*-1\r\n")
	unblock("BLPOP q 0", " TIMEOUT", "*-1\r\n")
	unblock("BLPOP q 0", " error", "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n")
	unblock("WAIT 1 0", "", ":0\r\n")
	unblock("WAIT 1 0", " ERROR", "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n")
	expect(t, c.do("PING"), "+PONG\r\n") // the connection goes on
	expect(t, admin.do("CLIENT UNBLOCK "+id), ":0\r\n")
	expect(t, admin.do("RPUSH q x", "LRANGE q 0 -1"), ":1\r\n", "*1\r\n$1\r\nx\r\n")
	if n := ts.s.blocked.count(); n != 0 {
		t.Fatalf("%d blocked clients after the unblocks", n)
	}
}

// TestUnblockHandshake: CLIENT UNBLOCK answers 1 exactly when the wait it
// ends is a wait: it holds off while the command is busy (a pop attempt),
// ends the wait once there is one, and says 0 when the command ended
// meanwhile. The command sees an UNBLOCK that got in while it was about
// to look again.
func TestUnblockHandshake(t *testing.T) {
	cl := &client{unblock: make(chan bool, 1)}
	if cl.tryUnblock(false, 10*time.Millisecond) {
		t.Fatal("unblocked a client in no blocking command")
	}

	bs := cl.beginBlocking() // busy: its first attempt
	res := make(chan bool, 1)
	go func() { res <- cl.tryUnblock(true, 5*time.Second) }()
	select {
	case r := <-res:
		t.Fatalf("UNBLOCK answered %v while the command was busy", r)
	case <-time.After(100 * time.Millisecond):
	}
	ch := bs.wait()
	if !<-res {
		t.Fatal("UNBLOCK did not end the wait that followed")
	}
	if withError := <-ch; !withError {
		t.Fatal("the ERROR reason was lost")
	}
	bs.received()
	bs.end()

	// An UNBLOCK that lands just as the wait ends for another reason is
	// seen by busy, before the command looks again.
	bs = cl.beginBlocking()
	bs.wait()
	if !cl.tryUnblock(false, time.Second) {
		t.Fatal("UNBLOCK of a waiting client failed")
	}
	if withError, ok := bs.busy(); ok || withError {
		t.Fatalf("busy after an UNBLOCK: ok %v, withError %v; want the unblock, without error", ok, withError)
	}
	bs.end()

	// A command that ends while busy: UNBLOCK says 0.
	bs = cl.beginBlocking()
	go func() { res <- cl.tryUnblock(false, 5*time.Second) }()
	time.Sleep(50 * time.Millisecond)
	bs.end()
	if <-res {
		t.Fatal("UNBLOCK answered 1 for a command that ended without waiting again")
	}
	select {
	case <-cl.unblock:
		t.Fatal("a stale signal was left for the next blocking command")
	default:
	}
}

// TestClientListFilters: CLIENT LIST TYPE and ID as Redis 7.0 takes them.
func TestClientListFilters(t *testing.T) {
	ts := newTestServer(t, Config{})
	admin, sub := ts.dial(), ts.dial()
	expect(t, sub.do("SUBSCRIBE ch"), "*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n")
	adminID, subID := clientID(t, admin), ""
	for _, line := range strings.Split(admin.do("CLIENT LIST")[0], "\n") {
		if strings.Contains(line, " sub=1 ") {
			subID = strings.TrimPrefix(strings.Fields(line)[0], "id=")
		}
	}
	if subID == "" {
		t.Fatal("CLIENT LIST shows no subscriber")
	}
	ids := func(reply string) []string {
		var out []string
		for _, f := range strings.Fields(reply) {
			if strings.HasPrefix(f, "id=") {
				out = append(out, strings.TrimPrefix(f, "id="))
			}
		}
		return out
	}
	for _, tc := range []struct {
		cmd  string
		want []string
	}{
		{"CLIENT LIST TYPE normal", []string{adminID}},
		{"CLIENT LIST TYPE PUBSUB", []string{subID}},
		{"CLIENT LIST TYPE replica", nil},
		{"CLIENT LIST ID " + subID + " 999 " + adminID + " " + subID, []string{subID, adminID, subID}},
	} {
		if got := ids(admin.do(tc.cmd)[0]); strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%s: ids %v, want %v", tc.cmd, got, tc.want)
		}
	}
	expect(t, admin.do("CLIENT LIST TYPE foo", "CLIENT LIST ID x", "CLIENT LIST ID", "CLIENT LIST FOO", "CLIENT LIST TYPE normal x"),
		"-ERR Unknown client type 'foo'\r\n", "-ERR Invalid client ID\r\n",
		"-ERR syntax error\r\n", "-ERR syntax error\r\n", "-ERR syntax error\r\n")
}
