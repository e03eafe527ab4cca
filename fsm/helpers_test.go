package fsm

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/hashicorp/raft"
)

// testFSM drives an FSM the way raftnode and resp do: writes are encoded
// as entries and applied at increasing indexes, reads go through Read, and
// every command is syntax-checked first, so a test sees exactly the reply a
// client would.
type testFSM struct {
	t     *testing.T
	f     *FSM
	index uint64
	now   int64 // ms, stamped on entries and used as the read clock
	db    int
}

func newTestFSM(t *testing.T) *testFSM {
	t.Helper()
	tf := &testFSM{t: t, f: New(16, nil), now: 1_700_000_000_000}
	tf.f.wallClock = func() int64 { return tf.now }
	return tf
}

func argvOf(args ...string) [][]byte {
	argv := make([][]byte, len(args))
	for i, a := range args {
		argv[i] = []byte(a)
	}
	return argv
}

func (tf *testFSM) applyData(data []byte) *Result {
	tf.t.Helper()
	tf.index++
	out := tf.f.ApplyBatch([]*raft.Log{{Index: tf.index, Type: raft.LogCommand, Data: data}})
	return out[0].(*Result)
}

// do runs one command and returns its raw RESP reply.
func (tf *testFSM) do(args ...string) string {
	tf.t.Helper()
	argv := argvOf(args...)
	cmd := Lookup(argv[0])
	if cmd == nil {
		return "-ERR unknown command '" + args[0] + "'\r\n"
	}
	if !cmd.ArityOK(len(argv)) {
		return "-" + ArityError(cmd.Name) + "\r\n"
	}
	if e := tf.f.Check(cmd, argv); e != nil {
		return string(e)
	}
	if cmd.Is(FlagWrite | FlagLogged) { // as resp routes them
		res := tf.applyData(EncodeCommands(tf.now, []Cmd{{DB: tf.db, Argv: argv}}))
		return string(res.Replies[0])
	}
	return string(tf.f.Read(tf.db, cmd, argv, nil))
}

// exec applies a MULTI/EXEC transaction and returns the EXEC reply.
func (tf *testFSM) exec(watches []Watch, cmds ...[]string) string {
	tf.t.Helper()
	x := Exec{DB: tf.db, Watches: watches}
	for _, c := range cmds {
		x.Cmds = append(x.Cmds, argvOf(c...))
	}
	return string(tf.applyData(EncodeExec(tf.now, x)).Replies[0])
}

// run executes a table of (command, want reply) steps, in order.
func (tf *testFSM) run(steps []step) {
	tf.t.Helper()
	for _, s := range steps {
		if got := tf.do(s.cmd...); got != s.want {
			tf.t.Errorf("%s: got %q, want %q", strings.Join(s.cmd, " "), got, s.want)
		}
	}
}

type step struct {
	cmd  []string
	want string
}

// c builds a step's command from a space-separated string.
func c(s string) []string { return strings.Fields(s) }

// Reply builders for expected values.
func bulk(s string) string   { return "$" + itoa(len(s)) + "\r\n" + s + "\r\n" }
func integer(n int) string   { return ":" + itoa(n) + "\r\n" }
func status(s string) string { return "+" + s + "\r\n" }
func errReply(s string) string {
	return "-" + s + "\r\n"
}
func array(items ...string) string { return "*" + itoa(len(items)) + "\r\n" + strings.Join(items, "") }

const (
	nilBulk  = "$-1\r\n"
	nilArray = "*-1\r\n"
	ok       = "+OK\r\n"
)

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	if neg {
		b = append([]byte{'-'}, b...)
	}
	return string(b)
}

// unhex decodes a hex test vector.
func unhex(t *testing.T, s string) string {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// restored writes snap out and restores it into a fresh FSM of 16
// databases, as a follower installing it would.
func restored(t *testing.T, snap raft.FSMSnapshot) *FSM {
	t.Helper()
	return restoredFrom(t, snapshotBytes(t, snap))
}

// snapshotBytes is what Persist would stream for snap.
func snapshotBytes(t *testing.T, snap raft.FSMSnapshot) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := snap.(*fsmSnapshot).write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// restoredFrom restores a fresh FSM of 16 databases from data.
func restoredFrom(t *testing.T, data []byte) *FSM {
	t.Helper()
	g := New(16, nil)
	if err := g.Restore(nopCloser{bytes.NewReader(data)}); err != nil {
		t.Fatal(err)
	}
	return g
}
