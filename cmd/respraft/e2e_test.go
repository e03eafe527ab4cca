package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/respraft/respraft/resp/resptest"
)

// tutorial is the Redis tutorial session of the single-node issue, one
// redis-cli line per command.
var tutorial = []string{
	"SET Bahamas Nassau",
	"SET Croatia Zagreb",
	"GET Croatia",
	"GET Japan",
	"MSET Lebanon Beirut Norway Oslo France Paris",
	"MGET Lebanon Norway Bahamas",
	"EXISTS Norway",
	"EXISTS Sweden",
	`HSET realpython url "https://realpython.com/"`,
	"HSET realpython github realpython",
	`HSET realpython fullname "Real Python"`,
	`HMSET pypa url "https://www.pypa.io/" github pypa fullname "Python Packaging Authority"`,
	"HGETALL pypa",
	"SADD 20211204 1.2.3.4 5.6.7.8 9.10.11.12",
	"SMEMBERS 20211204",
	"SCARD 20211204",
	"HSET hat:1 color black price 49.99 style fitted quantity 1000 npurchased 0",
	"HINCRBY hat:1 quantity -1",
	"HINCRBY hat:1 npurchased 1",
	"KEYS *",
	"BGSAVE",
	"FLUSHDB",
	"QUIT",
}

// cliSession feeds lines to `redis-cli --no-raw` on stdin and returns the
// replies, one output block per command. Multi-line replies whose order
// Redis leaves unspecified (SMEMBERS, KEYS) are sorted so two servers can
// be compared.
func cliSession(t *testing.T, port int, db int, lines []string) []string {
	t.Helper()
	cli := resptest.RequireTool(t, "redis-cli")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out []string
	for _, line := range lines {
		// One redis-cli call per command keeps reply boundaries exact.
		args := append([]string{"-p", strconv.Itoa(port), "-n", strconv.Itoa(db), "--no-raw"}, splitCLI(line)...)
		b, err := exec.CommandContext(ctx, cli, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("redis-cli %s: %v\n%s", line, err, b)
		}
		reply := strings.TrimRight(string(b), "\n")
		verb := strings.ToUpper(strings.Fields(line)[0])
		if verb == "SMEMBERS" || verb == "KEYS" {
			rows := strings.Split(reply, "\n")
			for i, r := range rows {
				if _, rest, ok := strings.Cut(r, ") "); ok {
					rows[i] = rest
				}
			}
			sort.Strings(rows)
			reply = strings.Join(rows, "\n")
		}
		out = append(out, reply)
	}
	return out
}

// splitCLI splits a line the way redis-cli does: spaces, double quotes.
func splitCLI(line string) []string {
	var args []string
	var cur strings.Builder
	inQuote, have := false, false
	for _, r := range line {
		switch {
		case r == '"':
			inQuote = !inQuote
			have = true
		case r == ' ' && !inQuote:
			if have {
				args = append(args, cur.String())
				cur.Reset()
				have = false
			}
		default:
			cur.WriteRune(r)
			have = true
		}
	}
	if have {
		args = append(args, cur.String())
	}
	return args
}

// startRedis starts a real redis-server on a free port for comparison.
func startRedis(t *testing.T) int {
	t.Helper()
	_, port, _ := net.SplitHostPort(resptest.StartRedis(t))
	n, _ := strconv.Atoi(port)
	return n
}

func TestTutorialWithRedisCLI(t *testing.T) {
	resptest.RequireTool(t, "redis-cli")
	n := startNode(t, nodeOpts{})
	redisPort := startRedis(t)
	for _, db := range []int{0, 5} {
		t.Run("db"+strconv.Itoa(db), func(t *testing.T) {
			got := cliSession(t, n.Port, db, tutorial)
			want := cliSession(t, redisPort, db, tutorial)
			for i := range tutorial {
				if got[i] != want[i] {
					t.Errorf("%s\n got: %q\nwant: %q", tutorial[i], got[i], want[i])
				}
			}
			// Spot checks that do not depend on the reference server.
			checks := map[int]string{2: `"Zagreb"`, 3: "(nil)", 5: "1) \"Beirut\"\n2) \"Oslo\"\n3) \"Nassau\"", 6: "(integer) 1", 7: "(integer) 0", 15: "(integer) 3"}
			for i, w := range checks {
				if got[i] != w {
					t.Errorf("%s: got %q, want %q", tutorial[i], got[i], w)
				}
			}
		})
	}
	// -n 5 really used database 5: FLUSHDB in the db5 run left db 0 empty
	// too, so write to 5 and read back from 0 and 5.
	redisCLI(t, n, "-n", "5", "SET", "only5", "x")
	if out := redisCLI(t, n, "-n", "0", "EXISTS", "only5"); strings.TrimSpace(out) != "0" {
		t.Errorf("db 0 sees a key set in db 5: %q", out)
	}
	if out := redisCLI(t, n, "-n", "5", "GET", "only5"); strings.TrimSpace(out) != "x" {
		t.Errorf("db 5 GET: %q", out)
	}
}

// TestCheckAndSetShop: 50 buyers race WATCH/MULTI/EXEC on three hats until
// they are sold out; no hat is oversold and no purchase is lost.
func TestCheckAndSetShop(t *testing.T) {
	n := startNode(t, nodeOpts{})
	runShop(t, []*node{n})
}

func runShop(t *testing.T, nodes []*node) {
	ctx := context.Background()
	stock := map[string]int{"hat:1": 1000, "hat:2": 500, "hat:3": 200}
	seed := nodes[0].Client(0)
	pipe := seed.Pipeline()
	for id, q := range stock {
		pipe.HSet(ctx, id, "color", "black", "price", "49.99", "style", "fitted", "quantity", q, "npurchased", 0)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var bought, retries atomic.Int64
	errs := make(chan error, 50)
	for i := 0; i < 50; i++ {
		c := nodes[i%len(nodes)].Client(0)
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(i), 7))
			soldOut := map[string]bool{}
			for len(soldOut) < len(stock) {
				id := fmt.Sprintf("hat:%d", 1+r.IntN(3))
				if soldOut[id] {
					continue
				}
				err := c.Watch(ctx, func(tx *redis.Tx) error {
					q, err := tx.HGet(ctx, id, "quantity").Int()
					if err != nil {
						return err
					}
					if q <= 0 {
						soldOut[id] = true
						return nil
					}
					_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
						p.HIncrBy(ctx, id, "quantity", -1)
						p.HIncrBy(ctx, id, "npurchased", 1)
						return nil
					})
					if err == nil {
						bought.Add(1)
					}
					return err
				}, id)
				if errors.Is(err, redis.TxFailedErr) {
					retries.Add(1)
					continue
				}
				if err != nil {
					errs <- fmt.Errorf("buyer %d: %w", i, err)
					return
				}
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	total := 0
	for id, q := range stock {
		total += q
		for _, n := range nodes {
			vals, err := n.Client(0).HMGet(ctx, id, "quantity", "npurchased").Result()
			if err != nil {
				t.Fatal(err)
			}
			if vals[0] != "0" || vals[1] != strconv.Itoa(q) {
				t.Errorf("node %s %s: quantity=%v npurchased=%v, want 0 and %d", n.Addr(), id, vals[0], vals[1], q)
			}
		}
	}
	if int(bought.Load()) != total {
		t.Errorf("successful EXECs: %d, want %d", bought.Load(), total)
	}
	t.Logf("sold %d hats in %d successful transactions, %d aborted by WATCH and retried", total, bought.Load(), retries.Load())
}

func infoField(t *testing.T, c *redis.Client, section, field string) string {
	t.Helper()
	info, err := c.Info(context.Background(), section).Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return v
		}
	}
	t.Fatalf("INFO %s has no %s:\n%s", section, field, info)
	return ""
}

// writeKeys writes count keys prefix:0..count-1 from 20 concurrent clients
// and returns only once every write was acknowledged.
func writeKeys(t *testing.T, c *redis.Client, prefix string, count int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for w := 0; w < 20; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < count; i += 20 {
				if err := c.Set(context.Background(), prefix+":"+strconv.Itoa(i), i, 0).Err(); err != nil {
					errs <- err
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func checkKeys(t *testing.T, c *redis.Client, prefix string, count int) {
	t.Helper()
	ctx := context.Background()
	missing := 0
	for i := 0; i < count; i += 500 {
		keys := make([]string, 0, 500)
		for j := i; j < i+500 && j < count; j++ {
			keys = append(keys, prefix+":"+strconv.Itoa(j))
		}
		vals, err := c.MGet(ctx, keys...).Result()
		if err != nil {
			t.Fatal(err)
		}
		for j, v := range vals {
			if v != strconv.Itoa(i+j) {
				missing++
			}
		}
	}
	if missing > 0 {
		t.Errorf("%d of %d acknowledged %s writes lost", missing, count, prefix)
	}
}

func TestDurabilityKill9(t *testing.T) {
	n := startNode(t, nodeOpts{})
	c := n.Client(0)
	const N = 3000
	writeKeys(t, c, "a", N)
	n.Kill()
	n.Restart()
	checkKeys(t, n.Client(0), "a", N)

	// BGSAVE, more writes, kill -9: the restart loads the snapshot and
	// replays the log after it.
	c = n.Client(0)
	before, _ := c.LastSave(context.Background()).Result()
	if s, err := c.BgSave(context.Background()).Result(); err != nil || s != "Background saving started" {
		t.Fatalf("BGSAVE: %q %v", s, err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for infoField(t, c, "persistence", "rdb_bgsave_in_progress") != "0" || infoField(t, c, "persistence", "raft_last_snapshot_index") == "0" {
		if time.Now().After(deadline) {
			t.Fatal("BGSAVE did not finish")
		}
		time.Sleep(50 * time.Millisecond) // polling, bounded by the deadline
	}
	if after, _ := c.LastSave(context.Background()).Result(); after < before {
		t.Errorf("LASTSAVE went back: %d -> %d", before, after)
	}
	writeKeys(t, c, "b", 1000)
	n.Kill()
	n.Restart()
	c = n.Client(0)
	checkKeys(t, c, "a", N)
	checkKeys(t, c, "b", 1000)
	if idx := infoField(t, c, "persistence", "raft_loaded_snapshot_index"); idx == "0" {
		t.Errorf("restart after BGSAVE did not load a snapshot (raft_loaded_snapshot_index=0)")
	}
	if !strings.Contains(n.Log(), "restored state from snapshot") {
		t.Errorf("log does not say the snapshot was loaded")
	}
}

// rawConn is a bare TCP connection for sending malformed input.
type rawConn struct {
	t *testing.T
	c net.Conn
	r *bufio.Reader
}

func dialRaw(t *testing.T, n *node) *rawConn {
	c, err := net.Dial("tcp", n.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	return &rawConn{t: t, c: c, r: bufio.NewReader(c)}
}

func (rc *rawConn) send(s string) {
	if _, err := rc.c.Write([]byte(s)); err != nil {
		rc.t.Fatal(err)
	}
}

func (rc *rawConn) line() string {
	l, err := rc.r.ReadString('\n')
	if err != nil {
		rc.t.Fatalf("reading reply: %v (got %q)", err, l)
	}
	return strings.TrimRight(l, "\r\n")
}

func (rc *rawConn) closed() bool {
	_, err := rc.r.ReadByte()
	return err != nil
}

func cmdRESP(args ...string) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&sb, "$%d\r\n%s\r\n", len(a), a)
	}
	return sb.String()
}

func TestBadInput(t *testing.T) {
	n := startNode(t, nodeOpts{})
	c := n.Client(0)
	ctx := context.Background()
	if err := c.Set(ctx, "str", "hello", 0).Err(); err != nil {
		t.Fatal(err)
	}
	// The node announces its client address once after start (one log
	// entry); let that happen before counting entries.
	waitAnnounced(t, n)
	commitBefore := raftField(t, c, "commit_index")

	// Errors that keep the connection usable.
	rc := dialRaw(t, n)
	cases := []struct{ send, want string }{
		{cmdRESP("NOSUCH", "a", "b"), "-ERR unknown command 'NOSUCH', with args beginning with: 'a' 'b' "},
		{cmdRESP("GET"), "-ERR wrong number of arguments for 'get' command"},
		{cmdRESP("INCR", "str"), "-ERR value is not an integer or out of range"},
		{cmdRESP("INCRBY", "str", "abc"), "-ERR value is not an integer or out of range"},
		{cmdRESP("SET", "str", "v", "EX", "notanumber"), "-ERR value is not an integer or out of range"},
		{cmdRESP("SET", "str", "v", "BOGUS"), "-ERR syntax error"},
		{cmdRESP("HSET", "str", "f", "v"), "-WRONGTYPE Operation against a key holding the wrong kind of value"},
		{cmdRESP("SADD", "str", "m"), "-WRONGTYPE Operation against a key holding the wrong kind of value"},
		{cmdRESP("GET", "str"), "$5"},
	}
	for _, tc := range cases {
		rc.send(tc.send)
		if got := rc.line(); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.send, got, tc.want)
		}
	}
	if got := rc.line(); got != "hello" {
		t.Errorf("value changed by failed commands: %q", got)
	}

	// Framing errors: Redis's protocol error, then the connection closes.
	framing := []struct{ send, want string }{
		{"*1\r\n$1000000000\r\n", "-ERR Protocol error: invalid bulk length"},
		{"*1\r\n$x\r\n", "-ERR Protocol error: invalid bulk length"},
		{"*1\r\n+foo\r\n", "-ERR Protocol error: expected '$', got '+'"},
		{"*abc\r\n", "-ERR Protocol error: invalid multibulk length"},
	}
	for _, tc := range framing {
		rc := dialRaw(t, n)
		rc.send(tc.send)
		if got := rc.line(); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.send, got, tc.want)
		}
		if !rc.closed() {
			t.Errorf("%q: connection still open after a protocol error", tc.send)
		}
	}

	// The server is still up, the value unchanged, and none of the
	// refused commands reached the log (only INCR and HSET/SADD, which fail
	// on the key's state, are applied, as entries that change nothing).
	if v, err := c.Get(ctx, "str").Result(); err != nil || v != "hello" {
		t.Errorf("after bad input: GET str = %q, %v", v, err)
	}
	commitAfter := raftField(t, c, "commit_index")
	b, _ := strconv.Atoi(commitBefore)
	a, _ := strconv.Atoi(commitAfter)
	if a-b > 3 {
		t.Errorf("commit index moved by %d for bad input; only the 3 state-dependent failures may be logged", a-b)
	}
}

func raftField(t *testing.T, c *redis.Client, field string) string {
	t.Helper()
	info, err := c.Do(context.Background(), "RAFT.INFO").Text()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return v
		}
	}
	t.Fatalf("RAFT.INFO has no %s:\n%s", field, info)
	return ""
}

func TestShutdownCommandExitsZero(t *testing.T) {
	n := startNode(t, nodeOpts{})
	c := n.Client(0)
	if err := c.Set(context.Background(), "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	_ = c.Do(context.Background(), "SHUTDOWN", "NOSAVE").Err() // no reply on success, as in Redis
	exited, err := n.Exited(20 * time.Second)
	if !exited {
		t.Fatal("SHUTDOWN did not stop the process")
	}
	if err != nil {
		t.Fatalf("exit after SHUTDOWN: %v, want status 0", err)
	}
	n.Restart()
	if v, err := n.Client(0).Get(context.Background(), "k").Result(); err != nil || v != "v" {
		t.Errorf("after restart: %q %v", v, err)
	}
}

func TestBadConfigExitsTwo(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(binPath, "--port", "70000", "--dir", filepath.Join(dir, "data"))
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Fatalf("exit: %v, want status 2; output:\n%s", err, out)
	}
	if !strings.Contains(string(out), "port") {
		t.Errorf("error does not name the key: %s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "data")); !os.IsNotExist(err) {
		t.Errorf("data dir was created for a bad config")
	}
}

// cliPane is an interactive redis-cli in a tmux pane, on a tmux server of
// its own (its socket in a temp dir), so a test reads the hints redis-cli
// draws as a user sees them. redis-cli 7 builds those hints from COMMAND
// DOCS when it starts.
type cliPane struct {
	t      *testing.T
	tmux   string
	sock   string
	addr   string
	prompt string // as capture-pane shows it: trailing space trimmed
	start  string // the screen once the prompt appeared
}

func startCLIPane(t *testing.T, port int) *cliPane {
	t.Helper()
	tmux := resptest.RequireTool(t, "tmux")
	cli := resptest.RequireTool(t, "redis-cli")
	dir := t.TempDir()
	addr := "127.0.0.1:" + strconv.Itoa(port)
	p := &cliPane{t: t, tmux: tmux, sock: filepath.Join(dir, "tmux.sock"), addr: addr, prompt: addr + ">"}
	// A clean environment: no ~/.redisclirc or tmux.conf, no history file.
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "TERM=xterm", "LANG=C",
		"REDISCLI_HISTFILE=/dev/null", "REDISCLI_RCFILE=/dev/null"}
	if out, err := p.cmd(env, "new-session", "-d", "-s", "cli", "-x", "300", "-y", "12",
		cli+" -p "+strconv.Itoa(port)).CombinedOutput(); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	// Stops only this tmux server (and the redis-cli in it): the socket is ours.
	t.Cleanup(func() { _ = p.cmd(nil, "kill-server").Run() })
	p.start = p.waitScreen("the redis-cli prompt", func(screen string) bool {
		return strings.Contains(screen, p.prompt)
	})
	return p
}

func (p *cliPane) cmd(env []string, args ...string) *exec.Cmd {
	c := exec.Command(p.tmux, append([]string{"-S", p.sock, "-f", "/dev/null"}, args...)...)
	c.Env = env
	return c
}

func (p *cliPane) capture() string {
	p.t.Helper()
	out, err := p.cmd(nil, "capture-pane", "-p", "-t", "cli").Output()
	if err != nil {
		p.t.Fatalf("tmux capture-pane: %v (%s)", err, out)
	}
	return string(out)
}

func (p *cliPane) send(args ...string) {
	p.t.Helper()
	if out, err := p.cmd(nil, append([]string{"send-keys", "-t", "cli"}, args...)...).CombinedOutput(); err != nil {
		p.t.Fatalf("tmux send-keys: %v\n%s", err, out)
	}
}

// waitScreen polls the pane until ok holds for two captures in a row (so a
// redraw in progress is not taken for the result) and returns the screen.
func (p *cliPane) waitScreen(what string, ok func(screen string) bool) string {
	p.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	prev := ""
	for {
		screen := p.capture()
		if ok(screen) && screen == prev {
			return screen
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("waiting for %s in redis-cli's pane; the screen:\n%s", what, screen)
		}
		prev = screen
		time.Sleep(20 * time.Millisecond) // polling the pane, bounded by the deadline
	}
}

// promptLine returns the line of the screen that holds the prompt.
func (p *cliPane) promptLine(screen string) string {
	for _, line := range strings.Split(screen, "\n") {
		if strings.HasPrefix(line, p.prompt) {
			return strings.TrimRight(line, " ")
		}
	}
	return ""
}

// hint types input at the prompt and returns the hint redis-cli draws
// after it, then clears the line.
func (p *cliPane) hint(input string) string {
	p.t.Helper()
	typed := strings.TrimRight(p.prompt+" "+input, " ")
	p.send("-l", input)
	line := p.promptLine(p.waitScreen("the input "+strconv.Quote(input), func(screen string) bool {
		return strings.HasPrefix(p.promptLine(screen), typed)
	}))
	p.send("C-u")
	p.waitScreen("a cleared line", func(screen string) bool { return p.promptLine(screen) == p.prompt })
	return strings.TrimSpace(strings.TrimPrefix(line, typed))
}

// TestRedisCLIHints: redis-cli shows the same argument hints against
// respraft as against redis-server, from respraft's COMMAND DOCS, and
// starts without a warning.
func TestRedisCLIHints(t *testing.T) {
	resptest.RequireTool(t, "tmux")
	resptest.RequireTool(t, "redis-cli")
	n := startNode(t, nodeOpts{})
	ours := startCLIPane(t, n.Port)
	theirs := startCLIPane(t, startRedis(t))
	for _, p := range []*cliPane{ours, theirs} {
		var extra []string
		for _, line := range strings.Split(p.start, "\n") {
			if line = strings.TrimSpace(line); line != "" && line != p.prompt {
				extra = append(extra, line)
			}
		}
		if len(extra) > 0 {
			t.Errorf("redis-cli printed at start, before %q:\n%s", p.prompt, strings.Join(extra, "\n"))
		}
	}

	for _, tt := range []struct{ input, want string }{
		{"SET foo", "value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]"},
		{"HSET h", "field value [field value ...]"},
		{"EXPIRE k", "seconds [NX|XX|GT|LT]"},
		{"SCAN ", "cursor [MATCH pattern] [COUNT count] [TYPE type]"},
		{"SINTERCARD 2", "key [key ...] [LIMIT limit]"},
		{"GETEX k", "[EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|PERSIST]"},
		{"CLIENT SETNAME ", "connection-name"},
	} {
		got, redisGot := ours.hint(tt.input), theirs.hint(tt.input)
		if got != tt.want || redisGot != tt.want {
			t.Errorf("hint after %q: respraft %q, redis-server %q, want %q", tt.input, got, redisGot, tt.want)
		}
	}

	// Every command both servers have is documented with redis-server's
	// arguments: the same types, tokens, flags and names (but the names of
	// one-ofs and blocks, which no hint shows). The containers differ, and
	// DEBUG, whose subcommands respraft lists (OBJECT and MEMORY are one
	// command each here); so do the subcommands whose options respraft does
	// not take, and CONFIG GET and PSUBSCRIBE, whose argument Redis 7.0
	// wraps in a block of one (the hint is the same). GEOHASH, GEOPOS and
	// PFMERGE take no member (source) at all by their arity, which
	// respraft's syntax must match; Redis's docs say one or more.
	ctx := context.Background()
	docs := func(c *redis.Client) map[string]string {
		v, err := c.Do(ctx, "COMMAND", "DOCS").Slice()
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for i := 0; i+1 < len(v); i += 2 {
			name, _ := v[i].(string)
			doc := replyMap(v[i+1])
			out[name] = argsShape(doc["arguments"])
			for sub, sd := range replyMap(doc["subcommands"]) {
				out[sub] = argsShape(replyMap(sd)["arguments"])
			}
		}
		return out
	}
	redisClient := redis.NewClient(&redis.Options{Addr: theirs.addr, Protocol: 2})
	defer redisClient.Close()
	got, want := docs(n.Client(0)), docs(redisClient)
	differs := map[string]bool{"client": true, "config": true, "command": true, "debug": true, "pubsub": true,
		"object": true, "memory": true, "client|list": true, "command|list": true, "command|getkeys": true,
		"config|get": true, "psubscribe": true, "geohash": true, "geopos": true, "pfmerge": true}
	compared := 0
	for name, shape := range got {
		if differs[name] || strings.HasPrefix(name, "raft.") || name == "client|setinfo" { // SETINFO is Redis 7.2
			continue
		}
		compared++
		if redisShape, ok := want[name]; !ok {
			t.Errorf("COMMAND DOCS %s: redis-server has no such command", name)
		} else if shape != redisShape {
			t.Errorf("COMMAND DOCS %s arguments:\n respraft     %s\n redis-server %s", name, shape, redisShape)
		}
	}
	if compared < 80 {
		t.Errorf("compared the docs of only %d commands", compared)
	}
}

// replyMap reads a RESP2 map (a flat array of keys and values).
func replyMap(v any) map[string]any {
	arr, _ := v.([]any)
	out := map[string]any{}
	for i := 0; i+1 < len(arr); i += 2 {
		if k, ok := arr[i].(string); ok {
			out[k] = arr[i+1]
		}
	}
	return out
}

// argsShape renders COMMAND DOCS arguments as
// name:type(TOKEN){flags}<arguments>, leaving out the names of one-ofs
// and blocks.
func argsShape(v any) string {
	arr, _ := v.([]any)
	parts := make([]string, len(arr))
	for i, a := range arr {
		m := replyMap(a)
		typ, _ := m["type"].(string)
		s := typ
		if typ != "oneof" && typ != "block" {
			name, _ := m["name"].(string)
			s = name + ":" + typ
		}
		if tok, ok := m["token"].(string); ok {
			s += "(" + tok + ")"
		}
		if flags, ok := m["flags"].([]any); ok {
			fs := make([]string, len(flags))
			for j, f := range flags {
				fs[j], _ = f.(string)
			}
			sort.Strings(fs)
			s += "{" + strings.Join(fs, ",") + "}"
		}
		if sub, ok := m["arguments"]; ok {
			s += "<" + argsShape(sub) + ">"
		}
		parts[i] = s
	}
	return strings.Join(parts, " ")
}

// waitAnnounced waits until a single node has announced its client
// address, the one log entry it writes by itself after start.
func waitAnnounced(t *testing.T, n *node) {
	t.Helper()
	if err := poll(10*time.Second, func() error {
		ms, err := n.RaftNodes()
		if err != nil {
			return err
		}
		if len(ms) != 1 || ms[0].ClientAddr != n.Addr() {
			return fmt.Errorf("client address not announced yet: %+v", ms)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
