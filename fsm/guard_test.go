package fsm

import (
	"bytes"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/hashicorp/raft"
)

func TestMain(m *testing.M) {
	// A panic in a handler fails the test (or fuzz input) that caused it,
	// instead of becoming an error reply.
	recoverPanics = false
	os.Exit(m.Run())
}

// withRecovery runs fn with handler panics recovered, as in production,
// and returns what was logged.
func withRecovery(t *testing.T, f *FSM, fn func()) string {
	t.Helper()
	var logged bytes.Buffer
	f.log = slog.New(slog.NewTextHandler(&logged, nil))
	recoverPanics = true
	defer func() { recoverPanics = false }()
	fn()
	return logged.String()
}

// boom is a handler with a bug: it starts a reply, changes a key, then
// panics.
var boom = &Command{Name: "boom", Arity: 1, Flags: FlagWrite, Fn: func(c *Ctx, argv [][]byte) {
	if c.Checking() {
		return
	}
	c.Array(2)
	c.Bulk([]byte("half"))
	if c.st != nil && c.Index > 0 {
		c.setValue("touched", &strValue{b: []byte("yes")})
	}
	var s []int
	_ = s[len(argv)] // index out of range
}}

func TestHandlerPanicInApplyBecomesAnError(t *testing.T) {
	tf := newTestFSM(t)
	tf.do("SET", "a", "1")
	before := HandlerPanics()
	var res *Result
	logged := withRecovery(t, tf.f, func() {
		// An EXEC whose middle command panics: the other two run, the
		// array keeps its three replies, and the batch goes on.
		c := tf.f.applyCtx(2, 0)
		c.Array(3)
		c.run(argvOf("INCR", "a"))
		c.call(boom, argvOf("boom"))
		c.run(argvOf("INCR", "a"))
		res = &Result{Replies: [][]byte{c.out}}
	})
	want := "*3\r\n:2\r\n-ERR internal error in 'boom' command (see the server log)\r\n:3\r\n"
	if got := string(res.Replies[0]); got != want {
		t.Errorf("reply: got %q, want %q", got, want)
	}
	if got := HandlerPanics() - before; got != 1 {
		t.Errorf("HandlerPanics grew by %d, want 1", got)
	}
	for _, s := range []string{"level=ERROR", "command=boom", "phase=apply", "index out of range", "guard_test.go"} {
		if !strings.Contains(logged, s) {
			t.Errorf("log lacks %q:\n%s", s, logged)
		}
	}
	// The state machine is still usable, and what the handler did before
	// it panicked stays done.
	if got := tf.do("GET", "touched"); got != bulk("yes") {
		t.Errorf("GET touched: got %q, want %q", got, bulk("yes"))
	}
	if got := tf.do("INCR", "a"); got != integer(4) {
		t.Errorf("INCR a after the panic: got %q, want %q", got, integer(4))
	}
}

func TestHandlerPanicInReadAndCheckBecomesAnError(t *testing.T) {
	tf := newTestFSM(t)
	var read, check []byte
	logged := withRecovery(t, tf.f, func() {
		read = tf.f.Read(0, boom, argvOf("boom", "x"), []byte("+earlier\r\n"))
		panicky := &Command{Name: "boom", Fn: func(c *Ctx, argv [][]byte) { panic("in check") }}
		check = tf.f.Check(panicky, argvOf("boom"))
	})
	// A read keeps what the connection's buffer held before it.
	if want := "+earlier\r\n-ERR internal error in 'boom' command (see the server log)\r\n"; string(read) != want {
		t.Errorf("read: got %q, want %q", read, want)
	}
	if want := "-ERR internal error in 'boom' command (see the server log)\r\n"; string(check) != want {
		t.Errorf("check: got %q, want %q", check, want)
	}
	for _, s := range []string{"phase=read", "phase=check", "in check"} {
		if !strings.Contains(logged, s) {
			t.Errorf("log lacks %q:\n%s", s, logged)
		}
	}
}

// The replicas of one log agree after a recovered panic: it happens on
// each of them alike.
func TestHandlerPanicKeepsReplicasEqual(t *testing.T) {
	a, b := New(16, nil), New(16, nil)
	for _, f := range []*FSM{a, b} {
		withRecovery(t, f, func() {
			f.ApplyBatch([]*raft.Log{{Index: 1, Type: raft.LogCommand, Data: EncodeCommands(1, []Cmd{{Argv: argvOf("SET", "k", "v")}})}})
			c := f.applyCtx(2, 0)
			c.call(boom, argvOf("boom"))
		})
	}
	if da, db := a.DigestAll(), b.DigestAll(); da != db {
		t.Errorf("digests differ after a recovered panic: %s vs %s", da, db)
	}
}
