package fsm

import (
	"bytes"
	"fmt"
	"log/slog"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

// fuzzArgs is the pool most fuzz arguments are drawn from: small key
// names, small and extreme integers, floats, the keywords Redis commands
// take, and range tokens.
var fuzzArgs = []string{
	"k1", "k2", "k3", "k1", "k2", "k3",
	"0", "-1", "1", "2", "3", "10", "9223372036854775807", "-9223372036854775808", "4294967296",
	"inf", "-inf", "+inf", "nan", "1.5", "1e308", "-0", "0.5",
	"NX", "XX", "GT", "LT", "CH", "INCR", "EX", "PX", "EXAT", "PXAT", "KEEPTTL", "GET",
	"WITHSCORES", "LIMIT", "BYSCORE", "BYLEX", "REV", "COUNT", "MATCH", "TYPE", "LEFT", "RIGHT",
	"BEFORE", "AFTER", "MIN", "MAX", "WEIGHTS", "AGGREGATE", "SUM", "STORE", "ALPHA", "DESC",
	"ASC", "BY", "FIELDS", "REPLACE", "DB", "RANK", "MAXLEN", "WITHVALUES", "IDLETIME", "FREQ",
	"ABSTTL", "ENCODING", "REFCOUNT", "USAGE", "SAMPLES", "DIGEST", "DIGEST-VALUE",
	"FROMMEMBER", "FROMLONLAT", "BYRADIUS", "BYBOX", "M", "KM", "WITHCOORD", "WITHDIST",
	"WITHHASH", "STOREDIST", "ANY", "PERSIST", "string", "list", "set", "zset", "hash",
	"(1", "[a", "-", "+", "(a", "[", "(", "*", "#", "k*", "f", "a", "b",
}

// fuzzReader hands out the fuzz input a byte at a time, zeros once it is
// used up.
type fuzzReader struct{ b []byte }

func (r *fuzzReader) byte() byte {
	if len(r.b) == 0 {
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *fuzzReader) take(n int) []byte {
	if n > len(r.b) {
		n = len(r.b)
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

// fuzzCommands is every command of the table, in name order so that a
// saved input keeps meaning the same command.
func fuzzCommands() []*Command {
	tableOnce.Do(buildTable)
	cmds := make([]*Command, 0, len(table))
	for _, cmd := range table {
		cmds = append(cmds, cmd)
	}
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].Name < cmds[j].Name })
	return cmds
}

// fuzzSetups give a key a value of some type before the fuzzed commands
// run, so that they find data to work on.
var fuzzSetups = []string{
	"",
	"set %s 10",
	"set %s abc PX 1000",
	"rpush %s a b c 1 2",
	"sadd %s a b c 1",
	"sadd %s 1 2 3",
	"hset %s f 1 a b",
	"zadd %s 1 a 2 b 3 c",
	"geoadd %s 1.5 1.5 a 2.5 2.5 b",
	"pfadd %s a b c",
}

// decodeFuzzCommands turns fuzz input into a value for each of k1, k2 and
// k3 (the first nsetup commands) and up to 12 commands, each with the
// milliseconds to advance the clock by before it, and whether those
// commands are to run as one MULTI/EXEC transaction.
func decodeFuzzCommands(data []byte, cmds []*Command) (argvs [][]string, steps []int64, nsetup int, multi bool) {
	r := &fuzzReader{b: data}
	b := r.byte()
	n, multi := 1+int(b&0x7f)%12, b&0x80 != 0
	for _, key := range []string{"k1", "k2", "k3"} {
		if setup := fuzzSetups[int(r.byte())%len(fuzzSetups)]; setup != "" {
			argvs = append(argvs, strings.Fields(fmt.Sprintf(setup, key)))
			steps = append(steps, 0)
		}
	}
	nsetup = len(argvs)
	for i := 0; i < n && len(r.b) > 0; i++ {
		cmd := cmds[(int(r.byte())<<8|int(r.byte()))%len(cmds)]
		argv := []string{cmd.Name}
		nargs := int(r.byte()) % 12
		for j := 0; j < nargs; j++ {
			// Three in four arguments come from the pool.
			if sel := r.byte(); sel%4 != 3 {
				argv = append(argv, fuzzArgs[int(sel)%len(fuzzArgs)])
				continue
			}
			argv = append(argv, string(r.take(int(r.byte())%24)))
		}
		argvs = append(argvs, argv)
		steps = append(steps, int64(r.byte()%8)*300)
	}
	return argvs, steps, nsetup, multi
}

// respEnd returns the end of the one RESP2 reply starting at b[i:].
func respEnd(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, fmt.Errorf("truncated at %d", i)
	}
	nl := bytes.Index(b[i:], []byte("\r\n"))
	if nl < 0 {
		return 0, fmt.Errorf("no CRLF after %d", i)
	}
	line := string(b[i+1 : i+nl])
	next := i + nl + 2
	switch b[i] {
	case '+', '-':
		if strings.ContainsAny(line, "\r\n") {
			return 0, fmt.Errorf("CR or LF in a status line at %d", i)
		}
		return next, nil
	case ':':
		var n int64
		if _, err := fmt.Sscanf(line, "%d", &n); err != nil || fmt.Sprint(n) != line {
			return 0, fmt.Errorf("bad integer %q at %d", line, i)
		}
		return next, nil
	case '$', '*':
		var n int
		if _, err := fmt.Sscanf(line, "%d", &n); err != nil || fmt.Sprint(n) != line || n < -1 {
			return 0, fmt.Errorf("bad length %q at %d", line, i)
		}
		if n == -1 {
			return next, nil
		}
		if b[i] == '$' {
			if next+n+2 > len(b) || string(b[next+n:next+n+2]) != "\r\n" {
				return 0, fmt.Errorf("bulk of %d at %d not followed by CRLF", n, i)
			}
			return next + n + 2, nil
		}
		for ; n > 0; n-- {
			var err error
			if next, err = respEnd(b, next); err != nil {
				return 0, err
			}
		}
		return next, nil
	}
	return 0, fmt.Errorf("bad type byte %q at %d", b[i], i)
}

func checkReply(t *testing.T, argv any, reply []byte) {
	t.Helper()
	end, err := respEnd(reply, 0)
	if err == nil && end != len(reply) {
		err = fmt.Errorf("%d trailing bytes", len(reply)-end)
	}
	if err != nil {
		t.Fatalf("%q: reply %q is not one RESP reply: %v", argv, reply, err)
	}
}

// FuzzCommands runs short sequences of arbitrary commands, with arbitrary
// arguments, against a fresh FSM the way resp would: no command may panic
// or hang the state machine, every reply must be one well-formed RESP
// reply, the state must survive a snapshot round trip, and replaying the
// same entries into another FSM must give the same replies and state.
func FuzzCommands(f *testing.F) {
	cmds := fuzzCommands()
	index := func(name string) (byte, byte) {
		for i, cmd := range cmds {
			if cmd.Name == name {
				return byte(i >> 8), byte(i)
			}
		}
		panic(name)
	}
	arg := func(s string) byte {
		for i, a := range fuzzArgs {
			for sel := i; a == s && sel < 256; sel += len(fuzzArgs) {
				if sel%4 != 3 {
					return byte(sel)
				}
			}
		}
		panic(s)
	}
	// seed builds an input from commands whose arguments all come from
	// the pool.
	seed := func(cmdlines ...string) []byte {
		b := []byte{byte(len(cmdlines) - 1), 0, 0, 0}
		for _, line := range cmdlines {
			fields := strings.Fields(line)
			hi, lo := index(fields[0])
			b = append(b, hi, lo, byte(len(fields)-1))
			for _, a := range fields[1:] {
				b = append(b, arg(a))
			}
			b = append(b, 1)
		}
		return b
	}
	add := func(b []byte) {
		f.Add(b)
		// The same with k1 a list, k2 a sorted set and k3 a hash.
		b = bytes.Clone(b)
		b[1], b[2], b[3] = 3, 7, 6
		f.Add(b)
	}
	add(seed("set k1 1", "incrby k1 10", "get k1"))
	add(seed("set k1 a EX 10 GET", "getex k1 PERSIST", "append k1 b", "setrange k1 4294967296 a"))
	add(seed("lpush k1 a b", "lpos k1 a RANK -9223372036854775808", "linsert k1 BEFORE a b", "lmove k1 k2 LEFT RIGHT"))
	add(seed("zadd k1 1 a 2 b", "zrange k1 (1 +inf BYSCORE LIMIT 0 -1", "zrangebylex k1 - + LIMIT 1 9223372036854775807", "zunionstore k2 2 k1 k1 WEIGHTS inf -inf"))
	add(seed("hset k1 f 1", "hincrbyfloat k1 f 1e308", "hrandfield k1 -9223372036854775808 WITHVALUES", "hscan k1 0 MATCH * COUNT 10"))
	add(seed("sadd k1 a b", "spop k1 2", "srandmember k1 -1", "sintercard 2 k1 k2 LIMIT 1", "smove k1 k2 a"))
	add(seed("rpush k1 3 1 2", "sort k1 BY k* DESC LIMIT 0 2 STORE k2", "sort_ro k2 ALPHA"))
	add(seed("set k1 1", "expire k1 9223372036854775807", "pexpireat k1 -9223372036854775808", "ttl k1", "copy k1 k2 DB 1 REPLACE", "swapdb 0 1"))
	add(seed("geoadd k1 1.5 1.5 a", "geosearch k1 FROMMEMBER a BYRADIUS 1e308 M ASC COUNT 1 ANY", "georadius k1 0 0 10 KM WITHDIST STORE k2"))
	add(seed("zadd k1 GT CH INCR 1 a", "zrandmember k1 -9223372036854775808 WITHSCORES", "zmpop 1 k1 MIN COUNT 4294967296"))
	multi := seed("set k1 1", "select 1", "set k1 2", "move k1 0", "swapdb 0 1", "blpop k2 0", "get k1")
	multi[0] |= 0x80
	add(multi)
	add(seed("object ENCODING k1", "debug DIGEST-VALUE k1", "memory USAGE k1 SAMPLES 0", "dump k1", "scan 0 TYPE string COUNT 1"))

	quiet := slog.New(slog.DiscardHandler)
	f.Fuzz(func(t *testing.T, data []byte) {
		argvs, steps, nsetup, multi := decodeFuzzCommands(data, cmds)
		if testing.Verbose() {
			t.Logf("%q", argvs)
		}
		// A hang must show up as a crash with the stacks, not as a
		// stuck fuzzer.
		done := make(chan struct{})
		defer close(done)
		go func() {
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				buf := make([]byte, 1<<20)
				buf = buf[:runtime.Stack(buf, true)]
				panic(fmt.Sprintf("FuzzCommands: %q still running after 20s\n%s", argvs, buf))
			}
		}()

		tf := newTestFSM(t)
		var entries [][]byte
		var replies [][]byte
		x := Exec{DB: tf.db}
		for i, args := range argvs {
			tf.now += steps[i]
			argv := argvOf(args...)
			cmd := Lookup(argv[0])
			if !cmd.ArityOK(len(argv)) {
				continue
			}
			if e := tf.f.Check(cmd, argv); e != nil {
				checkReply(t, args, e)
				continue
			}
			if multi && i >= nsetup {
				x.Cmds = append(x.Cmds, argv) // EXEC runs reads too
				continue
			}
			if !cmd.Is(FlagWrite | FlagLogged) {
				checkReply(t, args, tf.f.Read(tf.db, cmd, argv, nil))
				continue
			}
			data := EncodeCommands(tf.now, []Cmd{{DB: tf.db, Argv: argv}})
			reply := tf.applyData(data).Replies[0]
			checkReply(t, args, reply)
			entries = append(entries, data)
			replies = append(replies, reply)
		}
		if len(x.Cmds) > 0 {
			data := EncodeExec(tf.now, x)
			reply := tf.applyData(data).Replies[0]
			checkReply(t, argvs, reply)
			if want := fmt.Sprintf("*%d\r\n", len(x.Cmds)); !bytes.HasPrefix(reply, []byte(want)) {
				t.Fatalf("%q: EXEC of %d commands replied %q", argvs, len(x.Cmds), reply)
			}
			entries = append(entries, data)
			replies = append(replies, reply)
		}

		snap, err := tf.f.Snapshot()
		if err != nil {
			t.Fatal(err)
		}
		r := New(16, quiet)
		if err := r.Restore(nopCloser{bytes.NewReader(snapshotBytes(t, snap))}); err != nil {
			t.Fatalf("%q: restore: %v", argvs, err)
		}
		if got, want := r.DigestAll(), tf.f.DigestAll(); got != want {
			t.Fatalf("%q: digest after a snapshot round trip: got %s, want %s", argvs, got, want)
		}

		g := New(16, quiet)
		for i, data := range entries {
			out := g.ApplyBatch([]*raft.Log{{Index: uint64(i + 1), Type: raft.LogCommand, Data: data}})
			if got := out[0].(*Result).Replies[0]; !bytes.Equal(got, replies[i]) {
				t.Fatalf("%q: replayed entry %d: got reply %q, want %q", argvs, i, got, replies[i])
			}
		}
		if got, want := g.DigestAll(), tf.f.DigestAll(); got != want {
			t.Fatalf("%q: digest after replaying the entries: got %s, want %s", argvs, got, want)
		}
	})
}
