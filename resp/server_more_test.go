package resp

// More in-process tests of the RESP server against the fake backend: the
// connection and server commands clients and Redis tools rely on (HELLO,
// CLIENT, COMMAND, INFO, TIME, CONFIG), graceful shutdown, read
// consistency, waiting for a leader, the replies for the backend's
// sentinel errors, and the precision of blocking timeouts. Where a reply
// must match Redis, the same command goes to a real redis-server started
// by the test.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/respraft/respraft/fsm"
	"github.com/respraft/respraft/resp/resptest"
)

// ---- helpers ----

// dialAddr connects a test conn to any RESP server (respraft or Redis).
func dialAddr(t *testing.T, addr string) *conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	return &conn{t: t, c: c, r: bufio.NewReader(c)}
}

// encodeArgv encodes one command whose arguments may hold spaces.
func encodeArgv(argv ...string) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "*%d\r\n", len(argv))
	for _, a := range argv {
		fmt.Fprintf(&sb, "$%d\r\n%s\r\n", len(a), a)
	}
	return sb.String()
}

// send sends one command, arguments taken as they are, and returns its
// raw reply.
func (c *conn) send(argv ...string) string {
	c.t.Helper()
	if _, err := c.c.Write([]byte(encodeArgv(argv...))); err != nil {
		c.t.Fatal(err)
	}
	return c.reply()
}

// elements splits a raw RESP array reply into its elements, each raw.
func elements(t *testing.T, raw string) []string {
	t.Helper()
	if !strings.HasPrefix(raw, "*") {
		t.Fatalf("not an array: %q", raw)
	}
	c := &conn{t: t, r: bufio.NewReader(strings.NewReader(raw))}
	head, err := c.r.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(strings.TrimSuffix(head[1:], "\r\n"))
	if err != nil {
		t.Fatalf("array header %q: %v", head, err)
	}
	out := make([]string, 0, max(n, 0))
	for i := 0; i < n; i++ {
		out = append(out, c.reply())
	}
	if rest, _ := c.r.Peek(1); len(rest) > 0 {
		t.Fatalf("bytes after the array in %q", raw)
	}
	return out
}

// bulkText returns the text of a raw bulk string reply.
func bulkText(t *testing.T, raw string) string {
	t.Helper()
	head, body, ok := strings.Cut(raw, "\r\n")
	if !ok || !strings.HasPrefix(head, "$") || !strings.HasSuffix(body, "\r\n") {
		t.Fatalf("not a bulk string: %q", raw)
	}
	body = strings.TrimSuffix(body, "\r\n")
	if n, err := strconv.Atoi(head[1:]); err != nil || n != len(body) {
		t.Fatalf("bulk length %q does not match %d bytes", head, len(body))
	}
	return body
}

// infoSectionsOf parses an INFO reply into sections of fields, in order.
func infoSectionsOf(t *testing.T, raw string) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	var cur map[string]string
	for _, line := range strings.Split(bulkText(t, raw), "\r\n") {
		switch {
		case line == "":
		case strings.HasPrefix(line, "# "):
			cur = map[string]string{}
			out[line[2:]] = cur
		default:
			k, v, ok := strings.Cut(line, ":")
			if !ok || cur == nil {
				t.Fatalf("INFO line %q outside a section or without ':'", line)
			}
			cur[k] = v
		}
	}
	return out
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// newTestServerWith is newTestServer with the fake backend wrapped by
// wrap (to inject errors or delays); ts.be is still the fake underneath.
func newTestServerWith(t *testing.T, cfg Config, wrap func(*fakeBackend) Backend) *testServer {
	t.Helper()
	be := &fakeBackend{f: fsm.New(16, nil), leader: true}
	cfg.FSM, cfg.Backend = be.f, wrap(be)
	s, addr := serveTest(t, cfg)
	return &testServer{t: t, s: s, be: be, addr: addr}
}

// serveTest starts a server with cfg on a loopback port and shuts it down
// (checking that it stops cleanly) when tb ends.
func serveTest(tb testing.TB, cfg Config) (*Server, string) {
	tb.Helper()
	s := New(cfg)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(l) }()
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			tb.Errorf("shutdown: %v", err)
		}
		if err := <-done; err != ErrServerClosed {
			tb.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
	return s, l.Addr().String()
}

// errBackend answers every Apply with err, counting the calls.
type errBackend struct {
	*fakeBackend
	err   error
	calls atomic.Int64
}

func (b *errBackend) Apply(ctx context.Context, data []byte) (*fsm.Result, error) {
	b.calls.Add(1)
	return nil, b.err
}

// barrierCounter counts the read barriers the server takes.
type barrierCounter struct {
	*fakeBackend
	barriers atomic.Int64
}

func (b *barrierCounter) ReadBarrier(ctx context.Context) error {
	b.barriers.Add(1)
	return b.fakeBackend.ReadBarrier(ctx)
}

// gatedBackend holds every Apply until gate is closed, and reports on
// entered that one is waiting.
type gatedBackend struct {
	*fakeBackend
	entered chan struct{} // capacity 1
	gate    chan struct{}
}

func (b *gatedBackend) Apply(ctx context.Context, data []byte) (*fsm.Result, error) {
	select {
	case b.entered <- struct{}{}:
	default:
	}
	select {
	case <-b.gate:
	case <-ctx.Done():
		return nil, ErrUnknownOutcome
	}
	return b.fakeBackend.Apply(ctx, data)
}

// ---- 1. HELLO ----

func helloReply(id int64, role string) string {
	return "*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n" + bulkOf(Version) +
		"$5\r\nproto\r\n:2\r\n$2\r\nid\r\n:" + strconv.FormatInt(id, 10) + "\r\n" +
		"$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n" + bulkOf(role) + "$7\r\nmodules\r\n*0\r\n"
}

func TestHello(t *testing.T) {
	ts := newTestServer(t, Config{})
	c := ts.dial()
	id := c.send("CLIENT", "ID")
	cid, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(id, ":"), "\r\n"), 10, 64)
	if err != nil {
		t.Fatalf("CLIENT ID: %q", id)
	}
	tests := []struct {
		argv []string
		want string
	}{
		{[]string{"HELLO"}, helloReply(cid, "master")},
		{[]string{"HELLO", "2"}, helloReply(cid, "master")},
		{[]string{"HELLO", "2", "SETNAME", "hn"}, helloReply(cid, "master")},
		{[]string{"CLIENT", "GETNAME"}, "$2\r\nhn\r\n"},
		{[]string{"HELLO", "3"}, "-NOPROTO unsupported protocol version\r\n"},
		{[]string{"HELLO", "4"}, "-NOPROTO unsupported protocol version\r\n"},
		{[]string{"HELLO", "1"}, "-NOPROTO unsupported protocol version\r\n"},
		{[]string{"HELLO", "3x"}, "-ERR Protocol version is not an integer or out of range\r\n"},
		{[]string{"HELLO", "2", "SETNAME", "a b"}, "-ERR Client names cannot contain spaces, newlines or special characters.\r\n"},
		{[]string{"HELLO", "2", "SETNAME"}, "-ERR Syntax error in HELLO option 'setname'\r\n"},
		{[]string{"HELLO", "2", "BOGUS"}, "-ERR Syntax error in HELLO option 'BOGUS'\r\n"},
	}
	for _, tc := range tests {
		if got := c.send(tc.argv...); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.argv, got, tc.want)
		}
	}
	// A follower says it is a replica, as a Redis replica does.
	ts.be.setLeader(false)
	if got, want := c.send("HELLO", "2"), helloReply(cid, "replica"); got != want {
		t.Errorf("HELLO 2 on a follower: got %q, want %q", got, want)
	}
}

// TestHelloMatchesRedis sends the same HELLOs to redis-server: the replies
// must be identical apart from the version and the connection id.
func TestHelloMatchesRedis(t *testing.T) {
	raddr := resptest.StartRedis(t)
	ts := newTestServer(t, Config{})
	rc, sc := dialAddr(t, raddr), ts.dial()
	norm := func(raw string) string {
		if !strings.HasPrefix(raw, "*") {
			return raw
		}
		el := elements(t, raw)
		if len(el) != 14 {
			t.Fatalf("HELLO map has %d elements, want 14: %q", len(el), raw)
		}
		el[3] = "<version>"
		el[7] = "<id>"
		return strings.Join(el, "")
	}
	for _, argv := range [][]string{
		{"HELLO"}, {"HELLO", "2"}, {"HELLO", "4"}, {"HELLO", "0"}, {"HELLO", "3x"},
		{"HELLO", "2", "SETNAME", "a b"}, {"HELLO", "2", "BOGUS"},
	} {
		want, got := norm(rc.send(argv...)), norm(sc.send(argv...))
		if got != want {
			t.Errorf("%q: respraft %q, redis %q", argv, got, want)
		}
	}
	// HELLO 3 is where the two differ on purpose: Redis switches to RESP3,
	// respraft answers as Redis does for a version it does not speak.
	if got := sc.send("HELLO", "3"); got != rc.send("HELLO", "4") {
		t.Errorf("HELLO 3: got %q, want Redis's reply to an unsupported version", got)
	}
}

// TestHelloGoRedisDefaults: go-redis v9 with default options tries HELLO 3
// first; it must fall back to RESP2 and work.
func TestHelloGoRedisDefaults(t *testing.T) {
	ts := newTestServer(t, Config{})
	rdb := redis.NewClient(&redis.Options{Addr: ts.addr, MaxRetries: -1})
	defer rdb.Close()
	if rdb.Options().Protocol != 3 {
		t.Fatalf("go-redis default protocol %d, want 3 (the case under test)", rdb.Options().Protocol)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := rdb.Set(ctx, "gr", "v1", 0).Err(); err != nil {
		t.Fatalf("SET through go-redis: %v", err)
	}
	got, err := rdb.Get(ctx, "gr").Result()
	if err != nil || got != "v1" {
		t.Fatalf("GET through go-redis: got %q, %v; want \"v1\"", got, err)
	}
	// go-redis parses CLIENT INFO, refusing any key Redis does not send.
	ci, err := rdb.ClientInfo(ctx).Result()
	if err != nil {
		t.Fatalf("CLIENT INFO through go-redis's ClientInfo: %v", err)
	}
	if ci.Resp != 2 || ci.ID == 0 {
		t.Errorf("go-redis ClientInfo: resp %d, id %d; want resp 2 and an id", ci.Resp, ci.ID)
	}
}

// ---- 2. CLIENT ID / SETNAME / GETNAME ----

func TestClientNameAndID(t *testing.T) {
	ts := newTestServer(t, Config{})
	c := ts.dial()
	tests := []struct {
		argv []string
		want string
	}{
		{[]string{"CLIENT", "GETNAME"}, "$-1\r\n"},
		{[]string{"CLIENT", "SETNAME", "a b"}, "-ERR Client names cannot contain spaces, newlines or special characters.\r\n"},
		{[]string{"CLIENT", "SETNAME", "a\nb"}, "-ERR Client names cannot contain spaces, newlines or special characters.\r\n"},
		{[]string{"CLIENT", "SETNAME", "é"}, "-ERR Client names cannot contain spaces, newlines or special characters.\r\n"},
		{[]string{"CLIENT", "GETNAME"}, "$-1\r\n"},
		{[]string{"CLIENT", "SETNAME", "worker-1"}, "+OK\r\n"},
		{[]string{"CLIENT", "GETNAME"}, "$8\r\nworker-1\r\n"},
		{[]string{"CLIENT", "SETNAME", "bad name"}, "-ERR Client names cannot contain spaces, newlines or special characters.\r\n"},
		{[]string{"CLIENT", "GETNAME"}, "$8\r\nworker-1\r\n"}, // a refused name changes nothing
		{[]string{"CLIENT", "SETNAME", ""}, "+OK\r\n"},        // an empty name clears it
		{[]string{"CLIENT", "GETNAME"}, "$-1\r\n"},
		{[]string{"CLIENT", "SETNAME"}, "-ERR wrong number of arguments for 'client|setname' command\r\n"},
		{[]string{"CLIENT", "SETNAME", "x", "y"}, "-ERR wrong number of arguments for 'client|setname' command\r\n"},
		{[]string{"CLIENT", "GETNAME", "x"}, "-ERR wrong number of arguments for 'client|getname' command\r\n"},
		{[]string{"CLIENT", "ID", "x"}, "-ERR wrong number of arguments for 'client|id' command\r\n"},
		{[]string{"CLIENT", "SETNAME", "again"}, "+OK\r\n"},
		{[]string{"RESET"}, "+RESET\r\n"},
		{[]string{"CLIENT", "GETNAME"}, "$-1\r\n"}, // RESET forgets the name
	}
	for i, tc := range tests {
		if got := c.send(tc.argv...); got != tc.want {
			t.Errorf("step %d %q: got %q, want %q", i, tc.argv, got, tc.want)
		}
	}
	if line := c.send("CLIENT", "SETNAME", "listed"); line != "+OK\r\n" {
		t.Fatalf("CLIENT SETNAME listed: %q", line)
	}
	if info := bulkText(t, c.send("CLIENT", "INFO")); !strings.Contains(info, " name=listed ") {
		t.Errorf("CLIENT INFO does not show the name: %q", info)
	}

	// Ids grow with each connection, and stay what they were.
	clientID := func(c *conn) int64 {
		t.Helper()
		raw := c.send("CLIENT", "ID")
		n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(raw, ":"), "\r\n"), 10, 64)
		if err != nil || !strings.HasPrefix(raw, ":") {
			t.Fatalf("CLIENT ID: %q", raw)
		}
		return n
	}
	first := clientID(c)
	second := clientID(ts.dial())
	if second <= first {
		t.Errorf("CLIENT ID of a later connection %d, want more than %d", second, first)
	}
	if again := clientID(c); again != first {
		t.Errorf("CLIENT ID changed on the same connection: %d then %d", first, again)
	}
}

// ---- 3. COMMAND COUNT / INFO ----

func TestCommandCountAndInfo(t *testing.T) {
	ts := newTestServer(t, Config{})
	c := ts.dial()
	count := c.send("COMMAND", "COUNT")
	n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(count, ":"), "\r\n"))
	if err != nil || !strings.HasPrefix(count, ":") {
		t.Fatalf("COMMAND COUNT: %q", count)
	}
	all := elements(t, c.send("COMMAND"))
	if len(all) != n {
		t.Errorf("COMMAND COUNT is %d, COMMAND lists %d", n, len(all))
	}
	if list := elements(t, c.send("COMMAND", "LIST")); len(list) != n {
		t.Errorf("COMMAND COUNT is %d, COMMAND LIST has %d", n, len(list))
	}
	names := map[string]bool{}
	for _, e := range all {
		el := elements(t, e)
		if len(el) != 10 {
			t.Fatalf("COMMAND entry with %d fields, want 10: %q", len(el), e)
		}
		name := bulkText(t, el[0])
		if names[name] {
			t.Errorf("COMMAND lists %q twice", name)
		}
		names[name] = true
	}
	for _, want := range []string{"get", "set", "raft.info", "raft.consistency", "hello", "client"} {
		if !names[want] {
			t.Errorf("COMMAND does not list %q", want)
		}
	}
	expect(t, c.do("COMMAND COUNT x"), "-ERR wrong number of arguments for 'command|count' command\r\n")
}

// commandInfoGaps are the fields of a COMMAND INFO entry where respraft
// knowingly differs from Redis 7: it reports no ACL categories (field 6)
// and no key specs (field 8), only the legacy first/last/step. The test
// asserts respraft sends exactly an empty array there; everything else
// must equal Redis byte for byte.
var commandInfoGaps = map[int]string{6: "ACL categories", 8: "key specs"}

func TestCommandInfoMatchesRedis(t *testing.T) {
	raddr := resptest.StartRedis(t)
	ts := newTestServer(t, Config{})
	rc, sc := dialAddr(t, raddr), ts.dial()

	// Unknown commands: byte for byte.
	for _, argv := range [][]string{
		{"COMMAND", "INFO", "nosuchcmd"},
		{"COMMAND", "INFO", "nosuchcmd", "alsonot"},
		{"COMMAND", "COUNT", "x"},
	} {
		if got, want := sc.send(argv...), rc.send(argv...); got != want {
			t.Errorf("%q: respraft %q, redis %q", argv, got, want)
		}
	}

	got := elements(t, sc.send("COMMAND", "INFO", "get", "set"))
	want := elements(t, rc.send("COMMAND", "INFO", "get", "set"))
	if len(got) != len(want) {
		t.Fatalf("COMMAND INFO get set: %d entries, redis %d", len(got), len(want))
	}
	for i := range want {
		g, w := elements(t, got[i]), elements(t, want[i])
		if len(g) != len(w) {
			t.Fatalf("entry %d: %d fields, redis %d", i, len(g), len(w))
		}
		for f := range w {
			if gap, ok := commandInfoGaps[f]; ok {
				if g[f] != "*0\r\n" {
					t.Errorf("entry %s field %d (%s): respraft now sends %q; redis %q: compare them and drop the gap",
						bulkText(t, w[0]), f, gap, g[f], w[f])
				} else if g[f] != w[f] {
					t.Logf("known gap, %s field %d (%s): respraft %q, redis %q", bulkText(t, w[0]), f, gap, g[f], w[f])
				}
				continue
			}
			if g[f] != w[f] {
				t.Errorf("entry %d field %d: respraft %q, redis %q", i, f, g[f], w[f])
			}
		}
	}
}

// ---- 4. INFO ----

func TestInfoFieldsToolsRead(t *testing.T) {
	ts := newTestServer(t, Config{NodeID: "n1"})
	c := ts.dial()
	_, port, err := net.SplitHostPort(ts.addr)
	if err != nil {
		t.Fatal(err)
	}

	// Only the sections asked for, with the fields tools parse.
	secs := infoSectionsOf(t, c.send("INFO", "server", "memory", "stats", "keyspace", "raft"))
	var names []string
	for name := range secs {
		names = append(names, name)
	}
	sort.Strings(names)
	if got, want := strings.Join(names, ","), "Keyspace,Memory,Raft,Server,Stats"; got != want {
		t.Errorf("INFO server memory stats keyspace raft: sections %s, want %s", got, want)
	}
	if got := secs["Server"]["redis_version"]; got != Version {
		t.Errorf("redis_version: got %q, want %q", got, Version)
	}
	if got := secs["Server"]["tcp_port"]; got != port {
		t.Errorf("tcp_port: got %q, want %q", got, port)
	}
	if n, err := strconv.ParseInt(secs["Memory"]["used_memory"], 10, 64); err != nil || n <= 0 {
		t.Errorf("used_memory: got %q, want a positive integer", secs["Memory"]["used_memory"])
	}
	if len(secs["Keyspace"]) != 0 {
		t.Errorf("Keyspace of an empty node: got %v, want no fields", secs["Keyspace"])
	}
	// The Raft section: node id, default consistency, then the backend's
	// own fields (the fake's Info gives role:leader).
	raft := bulkText(t, c.send("INFO", "raft"))
	if want := "# Raft\r\nnode_id:n1\r\nread_consistency_default:linearizable\r\nrole:leader\r\n"; raft != want {
		t.Errorf("INFO raft: got %q, want %q", raft, want)
	}

	// total_commands_processed counts every command, INFO included.
	processed := func() int64 {
		t.Helper()
		v := infoSectionsOf(t, c.send("INFO", "stats"))["Stats"]["total_commands_processed"]
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			t.Fatalf("total_commands_processed: %q", v)
		}
		return n
	}
	before := processed()
	expect(t, c.do("PING", "SET a 1", "SET b 2 EX 100", "SET c 3 PX 100000", "GET a"),
		"+PONG\r\n", "+OK\r\n", "+OK\r\n", "+OK\r\n", "$1\r\n1\r\n")
	if got, want := processed(), before+6; got != want {
		t.Errorf("total_commands_processed after 5 commands and INFO: got %d, want %d", got, want)
	}

	ks := bulkText(t, c.send("INFO", "keyspace"))
	if !strings.HasPrefix(ks, "# Keyspace\r\ndb0:keys=3,expires=2,avg_ttl=") || !strings.HasSuffix(ks, "\r\n") {
		t.Errorf("INFO keyspace after 3 SETs, 2 with a TTL: %q", ks)
	}
	expect(t, c.do("SELECT 5", "SET x 1", "SELECT 0"), "+OK\r\n", "+OK\r\n", "+OK\r\n")
	db5 := infoSectionsOf(t, c.send("INFO", "keyspace"))["Keyspace"]["db5"]
	if !strings.HasPrefix(db5, "keys=1,expires=0,avg_ttl=") {
		t.Errorf("INFO keyspace db5: %q", db5)
	}

	// An unknown section: an empty bulk string, as Redis answers.
	for _, argv := range [][]string{{"INFO", "nosuch"}, {"INFO", "NOSUCH", "other"}} {
		if got := c.send(argv...); got != "$0\r\n\r\n" {
			t.Errorf("%q: got %q, want an empty bulk string", argv, got)
		}
	}
}

// ---- 5. TIME ----

func TestTime(t *testing.T) {
	ts := newTestServer(t, Config{})
	c := ts.dial()
	raw := c.send("TIME")
	el := elements(t, raw)
	if len(el) != 2 {
		t.Fatalf("TIME: %q, want 2 elements", raw)
	}
	for i, e := range el {
		if !strings.HasPrefix(e, "$") {
			t.Errorf("TIME element %d is not a bulk string: %q", i, e)
		}
	}
	sec, err1 := strconv.ParseInt(bulkText(t, el[0]), 10, 64)
	usec, err2 := strconv.ParseInt(bulkText(t, el[1]), 10, 64)
	if err1 != nil || err2 != nil {
		t.Fatalf("TIME: %q: not integers", raw)
	}
	if d := time.Since(time.Unix(sec, usec*1000)); d < -2*time.Second || d > 2*time.Second {
		t.Errorf("TIME is %v away from the clock", d)
	}
	if usec < 0 || usec >= 1_000_000 {
		t.Errorf("TIME microseconds %d, want 0 <= us < 1000000", usec)
	}
}

// ---- 6. Shutdown drains ----

func TestShutdownDrainsPipelinedWrites(t *testing.T) {
	var gb *gatedBackend
	ts := newTestServerWith(t, Config{}, func(f *fakeBackend) Backend {
		gb = &gatedBackend{fakeBackend: f, entered: make(chan struct{}, 1), gate: make(chan struct{})}
		return gb
	})
	c := ts.dial()
	const n = 200
	var cmds []string
	for i := 0; i < n; i++ {
		cmds = append(cmds, fmt.Sprintf("SET key:%d %d", i, i))
	}
	if _, err := c.c.Write([]byte(encode(cmds...))); err != nil {
		t.Fatal(err)
	}
	select {
	case <-gb.entered: // the first group is proposed and held
	case <-time.After(5 * time.Second):
		t.Fatal("the SETs never reached the backend")
	}

	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		shut <- ts.s.Shutdown(ctx)
	}()
	waitFor(t, "Shutdown to start draining", ts.s.draining.Load)
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned %v while a write was in flight", err)
	default:
	}
	refused := func(when string) {
		t.Helper()
		nc, err := net.DialTimeout("tcp", ts.addr, time.Second)
		if err == nil {
			nc.Close()
			t.Errorf("%s: a new connection was accepted", when)
		} else if !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("%s: dial: %v, want connection refused", when, err)
		}
	}
	refused("while draining")
	close(gb.gate)

	// Every reply that arrives is +OK; then the connection ends.
	replies := 0
	for {
		line, err := c.r.ReadString('\n')
		if err != nil {
			break
		}
		if line != "+OK\r\n" {
			t.Fatalf("reply %d: got %q, want +OK", replies, line)
		}
		replies++
	}
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	refused("after Shutdown")
	keys := ts.s.fsm.DBSize(0)
	t.Logf("%d of %d pipelined SETs acknowledged, %d keys", replies, n, keys)
	if replies == 0 {
		t.Errorf("no reply for the write that was in flight when Shutdown began")
	}
	if replies != keys {
		t.Errorf("%d SETs acknowledged but the FSM holds %d keys", replies, keys)
	}
	for i := 0; i < keys; i++ {
		// Acknowledged writes are a prefix of the pipeline: replies come
		// in order, so the first `replies` keys must all be there.
		if got := ts.s.fsm.Read(0, lookup([]byte("exists")).Command, [][]byte{[]byte("EXISTS"), []byte("key:" + strconv.Itoa(i))}, nil); string(got) != ":1\r\n" {
			t.Errorf("acknowledged key:%d is missing (EXISTS %q)", i, got)
			break
		}
	}
}

// ---- 7. Read consistency "leader" ----

func TestLeaderReadConsistency(t *testing.T) {
	var bc *barrierCounter
	ts := newTestServerWith(t, Config{ReadConsistency: ConsistencyLeader, LeaderWait: 150 * time.Millisecond, NodeID: "n1"},
		func(f *fakeBackend) Backend {
			bc = &barrierCounter{fakeBackend: f}
			return bc
		})
	c := ts.dial()
	expect(t, c.do("RAFT.CONSISTENCY"), "$6\r\nleader\r\n")
	// CLIENT INFO keeps Redis's fields only: go-redis's ClientInfo refuses
	// a line with any other key.
	if info := bulkText(t, c.send("CLIENT", "INFO")); strings.Contains(info, "consistency") {
		t.Errorf("CLIENT INFO has a field Redis does not send: %q", info)
	}
	secs := infoSectionsOf(t, c.send("INFO", "clients", "raft"))
	if got := secs["Raft"]["read_consistency_default"]; got != ConsistencyLeader {
		t.Errorf("INFO raft read_consistency_default: got %q, want leader", got)
	}
	if got := secs["Clients"]["read_consistency"]; got != ConsistencyLeader {
		t.Errorf("INFO clients read_consistency: got %q, want leader", got)
	}

	// On the leader reads are served from local state: no read barrier.
	expect(t, c.do("SET k v", "GET k", "EXISTS k"), "+OK\r\n", "$1\r\nv\r\n", ":1\r\n")
	if n := bc.barriers.Load(); n != 0 {
		t.Errorf("leader-level reads took %d read barriers, want 0", n)
	}
	// (A linearizable connection does take one, so the count above means
	// something.)
	lin := ts.dial()
	expect(t, lin.do("RAFT.CONSISTENCY linearizable", "GET k"), "+OK\r\n", "$1\r\nv\r\n")
	if n := bc.barriers.Load(); n != 1 {
		t.Errorf("a linearizable read took %d read barriers, want 1", n)
	}

	// Not the leader: a leader-level read takes the leader's read index,
	// as a linearizable one does (the fake has no leader to ask, so it
	// waits LeaderWait and answers -CLUSTERDOWN).
	ts.be.setLeader(false)
	before := bc.barriers.Load()
	start := time.Now()
	expect(t, c.do("GET k"), "-CLUSTERDOWN No leader is available to serve this request, try again later\r\n")
	if d := time.Since(start); d < 150*time.Millisecond || d > 2*time.Second {
		t.Errorf("leader-level read on a follower answered after %v, want about LeaderWait (150ms)", d)
	}
	if bc.barriers.Load() == before {
		t.Error("a leader-level read on a follower took no read barrier")
	}

	// The level is per connection; a bad one is refused with the code's text.
	tests := []struct {
		cmd, want string
	}{
		{"RAFT.CONSISTENCY bogus", "-ERR read consistency must be linearizable, leader or stale\r\n"},
		{"RAFT.CONSISTENCY leader stale", "-ERR wrong number of arguments for 'raft.consistency' command\r\n"},
		{"RAFT.CONSISTENCY", "$6\r\nleader\r\n"},
		{"RAFT.CONSISTENCY STALE", "+OK\r\n"},
		{"RAFT.CONSISTENCY", "$5\r\nstale\r\n"},
		{"GET k", "$1\r\nv\r\n"}, // stale: served by a follower
		{"RESET", "+RESET\r\n"},
		{"RAFT.CONSISTENCY", "$6\r\nleader\r\n"}, // RESET: back to the node's default
	}
	for _, tc := range tests {
		expect(t, c.do(tc.cmd), tc.want)
	}
}

// ---- 8. Waiting for a leader; the replies of the backend's errors ----

func TestWriteWaitsForLeader(t *testing.T) {
	const leaderWait = 2 * time.Second
	tests := []struct {
		name, cmd, want string
	}{
		{"write", "SET k v", "+OK\r\n"},
		{"linearizable read", "EXISTS k", ":0\r\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t, Config{LeaderWait: leaderWait})
			ts.be.setLeader(false)
			c := ts.dial()
			start := time.Now()
			flip := time.AfterFunc(200*time.Millisecond, func() { ts.be.setLeader(true) })
			defer flip.Stop()
			expect(t, c.do(tc.cmd), tc.want)
			d := time.Since(start)
			if d < 200*time.Millisecond || d >= leaderWait {
				t.Errorf("%s answered after %v, want between 200ms (the leader appears) and LeaderWait (%v)", tc.cmd, d, leaderWait)
			}
		})
	}
}

// TestBackendErrorReplies extends TestNoLeaderGivesClusterDown: the exact
// texts clients see for each sentinel the backend returns, wrapped or not,
// and that an unknown outcome is never retried.
func TestBackendErrorReplies(t *testing.T) {
	const (
		clusterDown = "-CLUSTERDOWN No leader is available to serve this request, try again later\r\n"
		unknown     = "-UNKNOWN The write was proposed but its outcome is unknown; it may or may not have been applied"
	)
	tests := []struct {
		name      string
		err       error
		want      string
		maxCalls  int64 // Apply calls for one SET; 0: more than one allowed
		minWaited time.Duration
	}{
		{"unknown outcome", ErrUnknownOutcome, unknown + " (outcome unknown)\r\n", 1, 0},
		{"wrapped unknown outcome", fmt.Errorf("apply timed out: %w", ErrUnknownOutcome), unknown + " (apply timed out: outcome unknown)\r\n", 1, 0},
		{"shutting down", ErrShuttingDown, "-TRYAGAIN The node is shutting down, the command was not executed\r\n", 1, 0},
		{"not leader", ErrNotLeader, clusterDown, 0, 100 * time.Millisecond},
		{"wrapped not leader", fmt.Errorf("forward: %w", ErrNotLeader), clusterDown, 0, 100 * time.Millisecond},
		{"other error", errors.New("disk full"), "-ERR disk full\r\n", 1, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var eb *errBackend
			ts := newTestServerWith(t, Config{LeaderWait: 100 * time.Millisecond}, func(f *fakeBackend) Backend {
				eb = &errBackend{fakeBackend: f, err: tc.err}
				return eb
			})
			c := ts.dial()
			start := time.Now()
			expect(t, c.do("SET k v"), tc.want)
			if d := time.Since(start); d < tc.minWaited || d > tc.minWaited+2*time.Second {
				t.Errorf("answered after %v, want %v or a little more", d, tc.minWaited)
			}
			if calls := eb.calls.Load(); tc.maxCalls > 0 && calls != tc.maxCalls {
				t.Errorf("Apply called %d times, want %d (not retried)", calls, tc.maxCalls)
			}
			// The connection goes on; nothing was applied.
			expect(t, c.do("PING"), "+PONG\r\n")
			if n := ts.s.fsm.DBSize(0); n != 0 {
				t.Errorf("%d keys after a failed write", n)
			}
		})
	}
}

// ---- 9. CONFIG SET / GET of the tunable parameters ----

func TestConfigParamsRoundTrip(t *testing.T) {
	ts := newTestServer(t, Config{})
	c := ts.dial()
	// The ones the encodings of Redis read, then every other integer
	// parameter params.go lists, each set and read back under both names.
	tests := []struct{ name, value string }{
		{"list-max-listpack-size", "-3"},
		{"set-max-intset-entries", "100"},
		{"zset-max-listpack-entries", "64"},
		{"zset-max-listpack-value", "32"},
		{"hash-max-listpack-value", "48"},
	}
	seen := map[string]bool{}
	for _, tc := range tests {
		seen[tc.name] = true
	}
	for i, p := range params {
		if (p.kind == paramInt || p.kind == paramMemory) && !seen[p.name] {
			tests = append(tests, struct{ name, value string }{p.name, strconv.Itoa(100 + i)}) // within hz's clamp too
		}
	}
	for _, tc := range tests {
		p := paramTable[tc.name]
		if p == nil {
			t.Errorf("%s is not in params.go", tc.name)
			continue
		}
		if tc.value == p.def {
			t.Fatalf("%s: test value %s is the default; pick another", tc.name, tc.value)
		}
		expect(t, c.do("CONFIG SET "+tc.name+" "+tc.value), "+OK\r\n")
		for _, name := range []string{p.name, p.alias} {
			if name == "" {
				continue
			}
			want := "*2\r\n" + bulkOf(name) + bulkOf(tc.value)
			expect(t, c.do("CONFIG GET "+name), want)
		}
	}
	// Through the alias, read under the canonical name; the value is per
	// server, seen by another connection.
	expect(t, c.do("CONFIG SET zset-max-ziplist-value 16"), "+OK\r\n")
	expect(t, ts.dial().do("CONFIG GET zset-max-listpack-value"), "*2\r\n$23\r\nzset-max-listpack-value\r\n$2\r\n16\r\n")
}

func TestConfigMatchesRedis(t *testing.T) {
	raddr := resptest.StartRedis(t)
	ts := newTestServer(t, Config{})
	rc, sc := dialAddr(t, raddr), ts.dial()
	// sortPairs orders a CONFIG GET reply's pairs by name (Redis answers
	// in its dict's order), after replacing the values in fix.
	sortPairs := func(raw string, fix map[string]string) string {
		if !strings.HasPrefix(raw, "*") {
			return raw
		}
		el := elements(t, raw)
		var pairs []string
		for i := 0; i+1 < len(el); i += 2 {
			name, value := bulkText(t, el[i]), el[i+1]
			if v, ok := fix[name]; ok {
				value = bulkOf(v)
			}
			pairs = append(pairs, bulkOf(name)+value)
		}
		sort.Strings(pairs)
		return raw[:strings.Index(raw, "\r\n")+2] + strings.Join(pairs, "")
	}
	cmds := []string{
		"CONFIG SET nosuch 1",
		"CONFIG GET *max-*-entries*",
		"CONFIG GET hash-max-listpack-entries",
		"CONFIG GET set-max-intset-entries list-max-listpack-size zset-max-listpack-value hash-max-listpack-value",
		"CONFIG SET set-max-intset-entries 100 list-max-listpack-size 5 zset-max-listpack-entries 64 zset-max-listpack-value 32 hash-max-listpack-value 32",
		"CONFIG GET set-max-intset-entries list-max-listpack-size zset-max-listpack-entries zset-max-listpack-value hash-max-listpack-value",
		"CONFIG SET set-max-intset-entries 7 hash-max-listpack-value abc", // all or nothing
		"CONFIG GET set-max-intset-entries",
		"CONFIG GET nosuch*",
		// Names before values, duplicates, the name as typed.
		"CONFIG SET hz abc foo 1",
		"CONFIG SET hz 10 HZ 11",
		"CONFIG SET hash-max-listpack-entries 5 hash-max-ziplist-entries 6",
		"CONFIG SET hash-max-ziplist-entries 1 HASH-MAX-ziplist-entries 2",
		"CONFIG SET HASH-max-ziplist-entries abc",
		"CONFIG SET Hz abc",
		"CONFIG SET daTabases 3",
		"CONFIG SET hz 10 hz",
		"CONFIG SET hz",
		"CONFIG RESETSTAT x",
		"CONFIG GET HZ",
		"CONFIG GET Hz hash-max-ZIPLIST-entries",
		"CONFIG GET H?",
	}
	// Every integer and memory parameter with values each kind of check
	// sees: ranges, Redis's strict integers, memory units, overflow and
	// wrap-around, hz's clamp. Then back to the default.
	for _, p := range params {
		if p.kind != paramInt && p.kind != paramMemory {
			continue
		}
		for _, v := range []string{"-1", "0", "1kb", "1KB", "2g", "1gb", "3mb", "5k", "7b", "kb", "abc", "1.5", "+5", "007", "-0",
			"99999999999999999999", "18446744073709551616", "20000000000gb", "9223372036854775808", "-9999999999", "-2147483649",
			"2147483648", "501", "1000000"} {
			cmds = append(cmds, "CONFIG SET "+p.name+" "+v, "CONFIG GET "+p.name)
		}
		cmds = append(cmds, "CONFIG SET "+p.name+" "+p.def)
	}
	for _, cmd := range cmds {
		gotRaw, wantRaw := sc.do(cmd)[0], rc.do(cmd)[0]
		if got, want := sortPairs(gotRaw, nil), sortPairs(wantRaw, nil); got != want {
			t.Errorf("%s:\nrespraft %q\nredis    %q", cmd, got, want)
		}
	}
}

// ---- 10. Blocking timeouts are kept to within the timer's tick ----

func TestBlockingTimeoutPrecision(t *testing.T) {
	const slack = 100 * time.Millisecond
	ts := newTestServer(t, Config{})
	var mu sync.Mutex
	var worst time.Duration
	for _, timeout := range []string{"0.1", "0.3", "1"} {
		t.Run(timeout, func(t *testing.T) {
			secs, err := strconv.ParseFloat(timeout, 64)
			if err != nil {
				t.Fatal(err)
			}
			want := time.Duration(secs * float64(time.Second))
			c := ts.dial()
			start := time.Now()
			expect(t, c.do("BLPOP empty:"+timeout+" "+timeout), "*-1\r\n")
			d := time.Since(start)
			mu.Lock()
			worst = max(worst, d-want)
			mu.Unlock()
			if d < want || d > want+slack {
				t.Errorf("BLPOP with timeout %ss answered after %v, want between %v and %v", timeout, d, want, want+slack)
			}
		})
	}
	t.Logf("largest overshoot %v", worst)
}

// nodesBackend reports a fixed membership.
type nodesBackend struct {
	*fakeBackend
	nodes []Node
}

func (b *nodesBackend) Nodes() []Node { return b.nodes }

// TestInfoReplicationLeavesOutUnknownReplicas: a member that has not yet
// announced its client address gets no slaveN line (ip= and port=0 would
// mislead Redis tools) and is not counted.
func TestInfoReplicationLeavesOutUnknownReplicas(t *testing.T) {
	nodes := []Node{
		{ID: "n1", Addr: "127.0.0.1:16379", ClientAddr: "127.0.0.1:6379", Voter: true, Leader: true},
		{ID: "n2", Addr: "127.0.0.1:16380", ClientAddr: "", Voter: true},
		{ID: "n3", Addr: "127.0.0.1:16381", ClientAddr: "127.0.0.1:6381", Voter: true},
	}
	ts := newTestServerWith(t, Config{}, func(f *fakeBackend) Backend { return &nodesBackend{fakeBackend: f, nodes: nodes} })
	repl := infoSectionsOf(t, ts.dial().send("INFO", "replication"))["Replication"]
	if got := repl["connected_slaves"]; got != "1" {
		t.Errorf("connected_slaves: got %q, want 1", got)
	}
	if got, want := repl["slave0"], "ip=127.0.0.1,port=6381,state=online,offset=0,lag=0"; got != want {
		t.Errorf("slave0: got %q, want %q", got, want)
	}
	if got, ok := repl["slave1"]; ok {
		t.Errorf("slave1: got %q, want no such line", got)
	}
}

// TestExecRunsLocalCommands: PUBLISH, PUBSUB, INFO, CONFIG, CLIENT and
// the like are queued inside MULTI and run by EXEC in their place, as in
// Redis (compared byte for byte); a fired WATCH runs none of them.
func TestExecRunsLocalCommands(t *testing.T) {
	raddr := resptest.StartRedis(t)
	ts := newTestServer(t, Config{})
	for _, tx := range [][]string{
		{"MULTI", "SET a 1", "PUBLISH ch x", "INCR a", "PUBSUB NUMSUB ch", "CONFIG SET hz 20", "CONFIG GET hz", "GET a", "EXEC"},
		{"MULTI", "PUBLISH ch y", "EXEC"},
		{"MULTI", "CLIENT SETNAME tx", "CLIENT GETNAME", "EXEC", "CLIENT GETNAME"},
		{"MULTI", "SUBSCRIBE ch", "EXEC"}, // still refused: a difference, below
	} {
		want := dialAddr(t, raddr).do(tx...)
		got := ts.dial().do(tx...)
		if tx[1] == "SUBSCRIBE ch" {
			// Redis queues it and EXEC subscribes; respraft refuses it.
			expect(t, got, "+OK\r\n", "-ERR Command not allowed inside a transaction\r\n",
				"-EXECABORT Transaction discarded because of previous errors.\r\n")
			continue
		}
		for i := range tx {
			if got[i] != want[i] {
				t.Errorf("%v, reply %d (%s): got %q, want %q", tx, i, tx[i], got[i], want[i])
			}
		}
	}

	// The message reaches a subscriber; with a fired WATCH it does not.
	sub := ts.dial()
	expect(t, sub.do("SUBSCRIBE ch"), "*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n")
	c, other := ts.dial(), ts.dial()
	expect(t, c.do("WATCH w"), "+OK\r\n")
	expect(t, other.do("SET w changed"), "+OK\r\n")
	expect(t, c.do("MULTI", "PUBLISH ch lost", "EXEC", "MULTI", "PUBLISH ch sent", "INFO nosuch", "EXEC"),
		"+OK\r\n", "+QUEUED\r\n", "*-1\r\n", "+OK\r\n", "+QUEUED\r\n", "+QUEUED\r\n", "*2\r\n:1\r\n$0\r\n\r\n")
	if got, want := sub.reply(), "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$4\r\nsent\r\n"; got != want {
		t.Errorf("subscriber got %q, want %q", got, want)
	}
}
