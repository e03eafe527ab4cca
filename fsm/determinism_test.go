package fsm

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/hashicorp/raft"
)

// randomWrite returns a random write command over a small key space,
// mixing every family, relative expiries and random-choice commands;
// payloads are DUMP payloads for RESTORE.
func randomWrite(r *rand.Rand, payloads []string) []string {
	k := func(p string) string { return fmt.Sprintf("%s%d", p, r.IntN(6)) }
	n := func() string { return fmt.Sprint(r.IntN(20) - 5) }
	switch r.IntN(54) {
	case 0:
		return []string{"SET", k("s"), n()}
	case 1:
		return []string{"SET", k("s"), "v" + n(), "EX", fmt.Sprint(1 + r.IntN(5))}
	case 2:
		return []string{"INCRBY", k("s"), n()}
	case 3:
		return []string{"APPEND", k("s"), "x"}
	case 4:
		return []string{"EXPIRE", k("s"), fmt.Sprint(r.IntN(4))}
	case 5:
		return []string{"PEXPIRE", oneOfKeys(r, k("h"), k("l"), k("z")), fmt.Sprint(r.IntN(3000))}
	case 6:
		return []string{"DEL", k("s"), k("h"), k("l")}
	case 7:
		return []string{"HSET", k("h"), k("f"), n()}
	case 8:
		return []string{"HINCRBY", k("h"), k("f"), n()}
	case 9:
		return []string{"HDEL", k("h"), k("f")}
	case 10:
		return []string{"SADD", k("t"), k("m"), k("m")}
	case 11:
		return []string{"SPOP", k("t")}
	case 12:
		return []string{"SPOP", k("t"), "2"}
	case 13:
		return []string{"SREM", k("t"), k("m")}
	case 14:
		return []string{"SUNIONSTORE", k("t"), k("t"), k("t")}
	case 15:
		return []string{"RENAME", k("s"), k("s")}
	case 16:
		return []string{"COPY", k("h"), k("h"), "REPLACE"}
	case 17:
		return []string{"MOVE", k("s"), "1"}
	case 18:
		return []string{"PERSIST", k("s")}
	case 19:
		return []string{"INCRBYFLOAT", k("s"), "0.1"}
	case 20:
		return []string{"GETEX", k("s"), "PX", "1500"}
	case 21:
		return []string{"LPUSH", k("l"), n(), n()}
	case 22:
		return []string{"RPUSH", k("l"), n()}
	case 23:
		return []string{"RPOP", k("l")}
	case 24:
		return []string{"LPOP", k("l"), fmt.Sprint(r.IntN(3))}
	case 25:
		return []string{"LMOVE", k("l"), k("l"), "LEFT", "RIGHT"}
	case 26:
		return []string{"LINSERT", k("l"), "BEFORE", n(), n()}
	case 27:
		return []string{"LREM", k("l"), fmt.Sprint(r.IntN(5) - 2), n()}
	case 28:
		return []string{"LTRIM", k("l"), fmt.Sprint(r.IntN(4)), fmt.Sprint(r.IntN(8) - 3)}
	case 29:
		return []string{"LSET", k("l"), fmt.Sprint(r.IntN(6) - 3), n()}
	case 30:
		return []string{"LMPOP", "2", k("l"), k("l"), "RIGHT", "COUNT", "2"}
	case 32:
		return []string{"ZADD", k("z"), n(), k("m"), oneOfKeys(r, "-0", "0.1", "inf", n()), k("m")}
	case 33:
		return []string{"ZADD", k("z"), "GT", "CH", n(), oneOfKeys(r, k("m"), strings.Repeat("long", 20))}
	case 34:
		return []string{"ZINCRBY", k("z"), oneOfKeys(r, "0.5", "-1", "-0"), k("m")}
	case 35:
		return []string{"ZPOPMIN", k("z"), fmt.Sprint(r.IntN(3))}
	case 36:
		return []string{"ZREM", k("z"), k("m"), k("m")}
	case 37:
		return []string{"ZUNIONSTORE", k("z"), "2", k("z"), k("t"), "WEIGHTS", "2", "-1"}
	case 38:
		return []string{"ZRANGESTORE", k("z"), k("z"), "(0", "+inf", "BYSCORE", "LIMIT", "0", fmt.Sprint(r.IntN(4))}
	case 39:
		return []string{"ZMPOP", "2", k("z"), k("z"), "MAX", "COUNT", "2"}
	case 40:
		return []string{"ZRANDMEMBER", k("z"), fmt.Sprint(r.IntN(7) - 3), "WITHSCORES"}
	case 41:
		return []string{"PFADD", k("p"), k("e"), k("e"), n()}
	case 42:
		return []string{"PFMERGE", k("p"), k("p"), k("p")}
	case 43:
		return []string{"PFCOUNT", k("p"), k("p")} // logged: it rewrites the cached count
	case 44:
		return []string{"SETBIT", k("b"), fmt.Sprint(r.IntN(40)), fmt.Sprint(r.IntN(2))}
	case 45:
		return []string{"BITFIELD", k("b"), "INCRBY", oneOfKeys(r, "u4", "i8", "u2"), fmt.Sprint(r.IntN(30)), n(), "OVERFLOW", oneOfKeys(r, "WRAP", "SAT", "FAIL"), "SET", "i5", "#1", n()}
	case 46:
		return []string{"BITOP", oneOfKeys(r, "AND", "OR", "XOR", "NOT"), k("b"), k("b")}
	case 47:
		return []string{"GEOADD", k("g"), fmt.Sprintf("%d.%d", r.IntN(40)-20, r.IntN(100)), fmt.Sprintf("%d.%d", r.IntN(40)-20, r.IntN(100)), k("m")}
	case 48:
		return []string{"GEOSEARCHSTORE", k("g"), k("g"), "FROMLONLAT", "0", "0", "BYRADIUS", fmt.Sprint(500 + r.IntN(3000)), "km", "ASC", "COUNT", fmt.Sprint(1 + r.IntN(3)), "STOREDIST"}
	case 49:
		return []string{"RESTORE", k("r"), oneOfKeys(r, "0", "5000"), payloads[r.IntN(len(payloads))], "REPLACE"}
	case 50:
		return []string{"SORT", k("l"), "ALPHA", "DESC", "LIMIT", "0", "3", "STORE", k("l")}
	case 51:
		return []string{"SINTERSTORE", k("t"), k("t"), k("t")}
	case 52:
		return []string{"HINCRBYFLOAT", k("h"), k("f"), "1.5"}
	default:
		return []string{"SETRANGE", k("s"), fmt.Sprint(r.IntN(4)), "ab"}
	}
}

func oneOfKeys(r *rand.Rand, keys ...string) string { return keys[r.IntN(len(keys))] }

// dumpOf returns the DUMP payload of the value that cmd leaves at key src.
func dumpOf(t *testing.T, cmd string) string {
	t.Helper()
	tf := newTestFSM(t)
	tf.do(strings.Fields(cmd)...)
	_, body, ok := strings.Cut(tf.do("DUMP", "src"), "\r\n")
	if !ok || len(body) < 12 {
		t.Fatalf("DUMP after %s: got %q", cmd, body)
	}
	return strings.TrimSuffix(body, "\r\n")
}

// TestDeterminism applies one random entry sequence to two FSMs whose wall
// clocks are a year apart, restoring the second from a snapshot half way,
// and requires equal digests throughout.
func TestDeterminism(t *testing.T) {
	r := rand.New(rand.NewPCG(42, 1))
	payloads := []string{
		dumpOf(t, "SET src 12"),
		dumpOf(t, "RPUSH src a b 3"),
		dumpOf(t, "SADD src 1 2 x"),
		dumpOf(t, "HSET src f 1 g v"),
		dumpOf(t, "ZADD src 1 a 2.5 b"),
		dumpOf(t, "PFADD src a b c"),
	}
	a := New(16, nil)
	b := New(16, nil)
	a.wallClock = func() int64 { return 1_700_000_000_000 }
	b.wallClock = func() int64 { return 1_700_000_000_000 + 365*24*3600*1000 }
	now := int64(1_700_000_000_000)
	var index uint64
	for step := 0; step < 3000; step++ {
		now += int64(r.IntN(400)) // entries a few hundred ms apart, so keys expire mid-run
		var data []byte
		switch r.IntN(10) {
		case 0:
			// A transaction with a watch that may or may not fire.
			x := Exec{DB: 0, Watches: []Watch{{DB: 0, Key: []byte(fmt.Sprintf("s%d", r.IntN(6))), Index: index - uint64(r.IntN(3))}}}
			for i := 0; i < 3; i++ {
				x.Cmds = append(x.Cmds, argvOf(randomWrite(r, payloads)...))
			}
			data = EncodeExec(now, x)
		case 1:
			// Active expiry as the leader would propose it.
			data = EncodeExpire(now, 0, []string{"s0", "s1", "h2", "t3", "l4", "z5"})
		case 2:
			// A blocking pop's attempt, as resp proposes it; ids repeat,
			// as a retry after an unknown outcome does.
			id := []byte(fmt.Sprintf("n1/%d", r.IntN(40)))
			argv := oneOfKeys(r, "BLPOP l1 l2 0", "BRPOPLPUSH l3 l4 1", "BZPOPMIN z1 z2 0.5", "BLMPOP 0 2 l0 l5 LEFT COUNT 2")
			data = EncodeOnce(now, id, r.IntN(2), argvOf(strings.Fields(argv)...))
		default:
			cmds := make([]Cmd, 1+r.IntN(3))
			for i := range cmds {
				cmds[i] = Cmd{DB: r.IntN(2), Argv: argvOf(randomWrite(r, payloads)...)}
			}
			data = EncodeCommands(now, cmds)
		}
		index++
		l := []*raft.Log{{Index: index, Type: raft.LogCommand, Data: data}}
		ra := a.ApplyBatch(l)[0].(*Result)
		rb := b.ApplyBatch(l)[0].(*Result)
		for i := range ra.Replies {
			if !bytes.Equal(ra.Replies[i], rb.Replies[i]) {
				t.Fatalf("step %d: replies differ: %q vs %q", step, ra.Replies[i], rb.Replies[i])
			}
		}
		if step == 1500 {
			snap, err := b.Snapshot()
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := snap.(*fsmSnapshot).write(&buf); err != nil {
				t.Fatal(err)
			}
			b = New(16, nil)
			b.wallClock = func() int64 { return 1_700_000_000_000 + 365*24*3600*1000 }
			if err := b.Restore(nopCloser{bytes.NewReader(buf.Bytes())}); err != nil {
				t.Fatal(err)
			}
		}
		if step%100 == 0 {
			if da, db := a.DigestAll(), b.DigestAll(); da != db {
				t.Fatalf("step %d: digests differ: %s vs %s", step, da, db)
			}
		}
	}
	if da, db := a.DigestAll(), b.DigestAll(); da != db {
		t.Fatalf("final digests differ: %s vs %s", da, db)
	}
	if a.DigestAll() == New(16, nil).DigestAll() {
		t.Fatal("the random history left every database empty; the test proves nothing")
	}
}
