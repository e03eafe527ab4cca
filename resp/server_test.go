package resp

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"github.com/respraft/respraft/fsm"
)

// fakeBackend applies entries straight to an FSM, as a one-node Raft would,
// and counts them.
type fakeBackend struct {
	f       *fsm.FSM
	mu      sync.Mutex
	index   uint64
	entries int
	leader  bool
	acks    atomic.Int64  // what Acknowledged answers
	asked   atomic.Uint64 // the index Acknowledged was last asked about
}

func (b *fakeBackend) Apply(ctx context.Context, data []byte) (*fsm.Result, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.leader {
		return nil, ErrNotLeader
	}
	b.index++
	b.entries++
	out := b.f.ApplyBatch([]*raft.Log{{Index: b.index, Type: raft.LogCommand, Data: data}})
	return out[0].(*fsm.Result), nil
}

func (b *fakeBackend) LogTurn(ctx context.Context) {}

// lastIndex is the index of the latest entry applied.
func (b *fakeBackend) lastIndex() uint64 { b.mu.Lock(); defer b.mu.Unlock(); return b.index }

// Acknowledged answers acks (0 unless a test sets it: a cluster of one)
// and records the index asked in asked.
func (b *fakeBackend) Acknowledged(ctx context.Context, index uint64) (int, error) {
	b.asked.Store(index)
	return int(b.acks.Load()), nil
}

func (b *fakeBackend) PublishPeers(ctx context.Context, channel, message []byte) int { return 0 }
func (b *fakeBackend) ChannelsPeers(ctx context.Context, pattern []byte) []string    { return nil }
func (b *fakeBackend) NumSubPeers(ctx context.Context, channels [][]byte) []int      { return nil }
func (b *fakeBackend) PatternsPeers(ctx context.Context) []string                    { return nil }

func (b *fakeBackend) ReadBarrier(ctx context.Context) error {
	if !b.IsLeader() {
		return ErrNotLeader
	}
	return nil
}

// ReadNow is false so that tests take the full barrier.
func (b *fakeBackend) ReadNow() bool { return false }

func (b *fakeBackend) IsLeader() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.leader
}
func (b *fakeBackend) Snapshot(ctx context.Context) error      { return nil }
func (b *fakeBackend) LastSnapshot() (uint64, time.Time, bool) { return 0, time.Time{}, false }
func (b *fakeBackend) Nodes() []Node {
	return []Node{{ID: "n1", Addr: "127.0.0.1:16379", ClientAddr: "127.0.0.1:6379", Voter: true, Leader: true}}
}
func (b *fakeBackend) AddNode(ctx context.Context, id, addr string) error { return nil }
func (b *fakeBackend) RemoveNode(ctx context.Context, id string) error    { return nil }
func (b *fakeBackend) TransferLeader(ctx context.Context, id string) error {
	return nil
}
func (b *fakeBackend) Info() []Field    { return []Field{{"role", "leader"}} }
func (b *fakeBackend) count() int       { b.mu.Lock(); defer b.mu.Unlock(); return b.entries }
func (b *fakeBackend) setLeader(v bool) { b.mu.Lock(); b.leader = v; b.mu.Unlock() }

type testServer struct {
	t    *testing.T
	addr string
	s    *Server
	be   *fakeBackend
}

func newTestServer(t *testing.T, cfg Config) *testServer {
	t.Helper()
	return newTestServerWith(t, cfg, func(f *fakeBackend) Backend { return f })
}

type conn struct {
	t *testing.T
	c net.Conn
	r *bufio.Reader
}

func (ts *testServer) dial() *conn {
	c, err := net.Dial("tcp", ts.addr)
	if err != nil {
		ts.t.Fatal(err)
	}
	ts.t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	return &conn{t: ts.t, c: c, r: bufio.NewReader(c)}
}

func encode(cmds ...string) string {
	var sb strings.Builder
	for _, cmd := range cmds {
		args := strings.Fields(cmd)
		fmt.Fprintf(&sb, "*%d\r\n", len(args))
		for _, a := range args {
			fmt.Fprintf(&sb, "$%d\r\n%s\r\n", len(a), a)
		}
	}
	return sb.String()
}

// reply reads one whole reply and returns it as raw RESP.
func (c *conn) reply() string {
	c.t.Helper()
	line, err := c.r.ReadString('\n')
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	switch line[0] {
	case '$':
		var n int
		fmt.Sscanf(line[1:], "%d", &n)
		if n < 0 {
			return line
		}
		buf := make([]byte, n+2)
		if _, err := ioReadFull(c.r, buf); err != nil {
			c.t.Fatal(err)
		}
		return line + string(buf)
	case '*':
		var n int
		fmt.Sscanf(line[1:], "%d", &n)
		out := line
		for i := 0; i < n; i++ {
			out += c.reply()
		}
		return out
	}
	return line
}

func ioReadFull(r *bufio.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func (c *conn) do(cmds ...string) []string {
	c.t.Helper()
	if _, err := c.c.Write([]byte(encode(cmds...))); err != nil {
		c.t.Fatal(err)
	}
	out := make([]string, len(cmds))
	for i := range cmds {
		out[i] = c.reply()
	}
	return out
}

func expect(t *testing.T, got []string, want ...string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d replies %q, want %d", len(got), got, len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("reply %d: got %q, want %q", i, got[i], want[i])
		}
	}
}

func TestPipelinedWritesShareOneEntry(t *testing.T) {
	ts := newTestServer(t, Config{})
	c := ts.dial()
	before := ts.be.count()
	var cmds, want []string
	for i := 0; i < 16; i++ {
		cmds = append(cmds, fmt.Sprintf("SET k%d v%d", i, i))
		want = append(want, "+OK\r\n")
	}
	cmds = append(cmds, "GET k15")
	want = append(want, "$3\r\nv15\r\n")
	expect(t, c.do(cmds...), want...)
	if n := ts.be.count() - before; n != 1 {
		t.Errorf("16 pipelined SETs used %d entries, want 1", n)
	}
}

func TestMultiExecAndErrors(t *testing.T) {
	ts := newTestServer(t, Config{})
	c := ts.dial()
	expect(t, c.do("MULTI", "SET a 1", "INCR a", "HSET a f v", "GET a", "EXEC"),
		"+OK\r\n", "+QUEUED\r\n", "+QUEUED\r\n", "+QUEUED\r\n", "+QUEUED\r\n",
		"*4\r\n+OK\r\n:2\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n$1\r\n2\r\n")
	expect(t, c.do("MULTI", "SET a 5", "NOSUCH x", "GET", "EXEC", "GET a"),
		"+OK\r\n", "+QUEUED\r\n",
		"-ERR unknown command 'NOSUCH', with args beginning with: 'x' \r\n",
		"-ERR wrong number of arguments for 'get' command\r\n",
		"-EXECABORT Transaction discarded because of previous errors.\r\n",
		"$1\r\n2\r\n")
	expect(t, c.do("EXEC", "DISCARD", "MULTI", "MULTI", "WATCH x", "DISCARD"),
		"-ERR EXEC without MULTI\r\n", "-ERR DISCARD without MULTI\r\n", "+OK\r\n",
		"-ERR MULTI calls can not be nested\r\n", "-ERR WATCH inside MULTI is not allowed\r\n", "+OK\r\n")
	// SELECT inside MULTI moves the connection after EXEC.
	expect(t, c.do("MULTI", "SELECT 3", "SET in3 x", "EXEC", "GET in3", "SELECT 0", "GET in3"),
		"+OK\r\n", "+QUEUED\r\n", "+QUEUED\r\n", "*2\r\n+OK\r\n+OK\r\n", "$1\r\nx\r\n", "+OK\r\n", "$-1\r\n")
}

func TestWatchConflictAcrossConnections(t *testing.T) {
	ts := newTestServer(t, Config{})
	a, b := ts.dial(), ts.dial()
	expect(t, a.do("SET w 1", "WATCH w"), "+OK\r\n", "+OK\r\n")
	expect(t, b.do("SET w 2"), "+OK\r\n")
	expect(t, a.do("MULTI", "SET w 3", "EXEC", "GET w"), "+OK\r\n", "+QUEUED\r\n", "*-1\r\n", "$1\r\n2\r\n")
	// Untouched watch: EXEC runs.
	expect(t, a.do("WATCH w", "MULTI", "SET w 4", "EXEC"), "+OK\r\n", "+OK\r\n", "+QUEUED\r\n", "*1\r\n+OK\r\n")
}

func TestSyntaxErrorsNeverReachTheLog(t *testing.T) {
	ts := newTestServer(t, Config{})
	c := ts.dial()
	before := ts.be.count()
	expect(t, c.do("SET k v EX abc", "INCRBY k x", "GET", "NOSUCH"),
		"-ERR value is not an integer or out of range\r\n",
		"-ERR value is not an integer or out of range\r\n",
		"-ERR wrong number of arguments for 'get' command\r\n",
		"-ERR unknown command 'NOSUCH', with args beginning with: \r\n")
	if n := ts.be.count() - before; n != 0 {
		t.Errorf("%d entries proposed for commands with syntax errors", n)
	}
}

func TestNoLeaderGivesClusterDown(t *testing.T) {
	ts := newTestServer(t, Config{LeaderWait: 100 * time.Millisecond})
	ts.be.setLeader(false)
	c := ts.dial()
	start := time.Now()
	expect(t, c.do("SET k v", "GET k"), "-"+replyClusterDown+"\r\n", "-"+replyClusterDown+"\r\n")
	if waited := time.Since(start); waited < 100*time.Millisecond {
		t.Errorf("answered after %v, before leader-wait ran out", waited)
	}
	ts.be.setLeader(true)
	expect(t, c.do("SET k v", "GET k"), "+OK\r\n", "$1\r\nv\r\n")
}

func TestStaleConsistencyPerConnection(t *testing.T) {
	ts := newTestServer(t, Config{LeaderWait: 50 * time.Millisecond})
	c := ts.dial()
	expect(t, c.do("SET k v", "RAFT.CONSISTENCY", "RAFT.CONSISTENCY stale", "RAFT.CONSISTENCY bogus"),
		"+OK\r\n", "$12\r\nlinearizable\r\n", "+OK\r\n", "-ERR read consistency must be linearizable, leader or stale\r\n")
	ts.be.setLeader(false)
	expect(t, c.do("GET k"), "$1\r\nv\r\n")
	if !strings.Contains(c.do("INFO clients")[0], "read_consistency:stale\r\n") {
		t.Error("INFO clients does not show the connection's read consistency")
	}
}

func TestHugeBulkIsRefused(t *testing.T) {
	ts := newTestServer(t, Config{})
	c := ts.dial()
	if _, err := c.c.Write([]byte("*2\r\n$3\r\nGET\r\n$1000000000\r\n")); err != nil {
		t.Fatal(err)
	}
	if got := c.reply(); got != "-ERR Protocol error: invalid bulk length\r\n" {
		t.Errorf("got %q", got)
	}
	// Another connection is served.
	expect(t, ts.dial().do("PING"), "+PONG\r\n")
}

func TestFrameParserSplitsAnywhere(t *testing.T) {
	// A valid pipeline cut at every byte boundary never trips the guard.
	stream := encode("SET k "+strings.Repeat("x", 300), "GET k", "PING")
	for cut := 0; cut < len(stream); cut++ {
		var p frameParser
		if msg := p.feed([]byte(stream[:cut])); msg != "" {
			t.Fatalf("cut %d: %s", cut, msg)
		}
		if msg := p.feed([]byte(stream[cut:])); msg != "" {
			t.Fatalf("cut %d: %s", cut, msg)
		}
		if p.state != fpStart {
			t.Fatalf("cut %d: parser not back at a request boundary", cut)
		}
	}
}

func TestConfigSetAndGet(t *testing.T) {
	ts := newTestServer(t, Config{Settings: []Field{{"port", "6379"}}})
	c := ts.dial()
	expect(t, c.do("CONFIG SET hash-max-listpack-entries 64", "CONFIG GET hash-max-*"),
		"+OK\r\n",
		"*8\r\n$25\r\nhash-max-listpack-entries\r\n$2\r\n64\r\n$24\r\nhash-max-ziplist-entries\r\n$2\r\n64\r\n"+
			"$23\r\nhash-max-listpack-value\r\n$2\r\n64\r\n$22\r\nhash-max-ziplist-value\r\n$2\r\n64\r\n")
	expect(t, c.do("CONFIG SET foo 1", "CONFIG SET hz abc", "CONFIG SET databases 3", "CONFIG SET port 1",
		"CONFIG SET activerehashing maybe", "CONFIG SET hz"),
		"-ERR Unknown option or number of arguments for CONFIG SET - 'foo'\r\n",
		"-ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be parsed into an integer\r\n",
		"-ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config\r\n",
		"-ERR CONFIG SET failed (possibly related to argument 'port') - can't set immutable config\r\n",
		"-ERR CONFIG SET failed (possibly related to argument 'activerehashing') - argument must be 'yes' or 'no'\r\n",
		"-ERR wrong number of arguments for 'config|set' command\r\n")
	// All or nothing: a bad pair leaves the good one unset.
	expect(t, c.do("CONFIG SET hz 20 timeout x", "CONFIG GET hz", "CONFIG SET hz 20 maxmemory-policy ALLKEYS-LRU", "CONFIG GET hz maxmemory-policy"),
		"-ERR CONFIG SET failed (possibly related to argument 'timeout') - argument couldn't be parsed into an integer\r\n",
		"*2\r\n$2\r\nhz\r\n$2\r\n10\r\n",
		"+OK\r\n",
		"*4\r\n$2\r\nhz\r\n$2\r\n20\r\n$16\r\nmaxmemory-policy\r\n$11\r\nallkeys-lru\r\n")
}
