package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/respraft/respraft/resp/resptest"
)

// runBinary runs respraft to completion with args and, added to an
// environment without any RESPRAFT_* variable, env; it returns the
// combined output and the exit status.
func runBinary(t *testing.T, env []string, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binPath, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "RESPRAFT_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("respraft %v did not exit within 30s; output:\n%s", args, out)
	}
	var ee *exec.ExitError
	switch {
	case err == nil:
		return string(out), 0
	case errors.As(err, &ee):
		return string(out), ee.ExitCode()
	}
	t.Fatalf("running respraft %v: %v", args, err)
	return "", 0
}

// TestStartupErrorsBeforeDataDir: a value that cannot work exits before
// the data dir is created: with status 2 naming the key for a bad value
// (also from the environment or the YAML file, and a bind address this
// machine does not have), with status 1 naming the port's flag for a port
// that is in use.
func TestStartupErrorsBeforeDataDir(t *testing.T) {
	// A port we hold for the in-use cases; closed at cleanup.
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { busy.Close() })
	busyPort := strconv.Itoa(busy.Addr().(*net.TCPAddr).Port)

	yamlFile := filepath.Join(t.TempDir(), "respraft.yaml")
	if err := os.WriteFile(yamlFile, []byte("databases: abc\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name   string
		args   []string
		env    []string
		code   int
		want   []string // substrings of the output
		reject []string // substrings the output must not have
		skip   func() string
	}{
		{
			name: "unbindable bind", args: []string{"--bind", "192.0.2.1"}, code: 2,
			want: []string{`invalid value for bind: "192.0.2.1"`}, reject: []string{"raft-port", "cluster port"},
			skip: func() string {
				// TEST-NET-1 is nobody's address; skip if this machine has it.
				if l, err := net.Listen("tcp", "192.0.2.1:0"); err == nil {
					l.Close()
					return "this machine can bind 192.0.2.1"
				}
				return ""
			},
		},
		{
			name: "unresolvable bind", args: []string{"--bind", "nosuch.invalid"}, code: 2,
			want: []string{`invalid value for bind: "nosuch.invalid"`}, reject: []string{"raft-port", "cluster port"},
			skip: func() string {
				if addrs, err := net.LookupHost("nosuch.invalid"); err == nil {
					return fmt.Sprintf("the resolver here answers for nosuch.invalid: %v", addrs)
				}
				return ""
			},
		},
		{
			name: "client port in use", args: []string{"--port", busyPort}, code: 1,
			want: []string{"port " + busyPort, "in use"}, reject: []string{"raft-port", "invalid value for bind"},
		},
		{
			name: "raft port in use", args: []string{"--raft-port", busyPort}, code: 1,
			want: []string{"raft-port " + busyPort, "in use"}, reject: []string{"invalid value for bind"},
		},
		{
			name: "databases from the environment", env: []string{"RESPRAFT_DATABASES=0"}, code: 2,
			want: []string{"invalid value for databases", "0"},
		},
		{
			name: "databases from the YAML file", args: []string{"--config", yamlFile}, code: 2,
			want: []string{"databases", "abc"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.skip != nil {
				if why := tc.skip(); why != "" {
					if os.Getenv("CI") == "true" {
						t.Fatalf("%s: this case cannot run here (fails instead of skipping under CI=true)", why)
					}
					t.Skip(why)
				}
			}
			dir := filepath.Join(t.TempDir(), "data")
			// Every case gets its own free ports; the flags of the case
			// come last, so they win.
			args := append([]string{"--port", strconv.Itoa(resptest.FreePort(t)), "--raft-port", strconv.Itoa(resptest.FreePort(t)),
				"--dir", dir}, tc.args...)
			out, code := runBinary(t, tc.env, args...)
			if code != tc.code {
				t.Errorf("exit status %d, want %d; output:\n%s", code, tc.code, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output does not contain %q:\n%s", w, out)
				}
			}
			for _, r := range tc.reject {
				if strings.Contains(out, r) {
					t.Errorf("output names %q, which is not the problem:\n%s", r, out)
				}
			}
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Errorf("data dir %s exists after a failed start (stat: %v)", dir, err)
			}
		})
	}
}

// TestShutdownVariants: SHUTDOWN and SHUTDOWN SAVE stop the process with
// status 0 and keep the data; SHUTDOWN ABORT, with no shutdown in
// progress, answers as Redis does and the node stays up.
func TestShutdownVariants(t *testing.T) {
	ctx := context.Background()
	for _, args := range [][]string{{"SHUTDOWN"}, {"SHUTDOWN", "SAVE"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			n := startNode(t, nodeOpts{})
			c := n.Client(0)
			if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
				t.Fatal(err)
			}
			rc := dialRaw(t, n)
			rc.send(cmdRESP(args...))
			// Like Redis: no reply, the connection just closes.
			if !rc.closed() {
				t.Errorf("%v: connection still open", args)
			}
			exited, err := n.Exited(20 * time.Second)
			if !exited {
				t.Fatalf("%v did not stop the process", args)
			}
			if err != nil {
				t.Fatalf("exit after %v: %v, want status 0", args, err)
			}
			logBefore := len(n.Log())
			n.Restart()
			c = n.Client(0)
			if v, err := c.Get(ctx, "k").Result(); err != nil || v != "v" {
				t.Errorf("after %v and restart: GET k = %q, %v", args, v, err)
			}
			loaded := infoField(t, c, "persistence", "raft_loaded_snapshot_index")
			restored := strings.Contains(n.Log()[logBefore:], "restored state from snapshot")
			if loaded != "0" && !restored {
				t.Errorf("raft_loaded_snapshot_index=%s but the log does not say a snapshot was restored", loaded)
			}
			if loaded == "0" && restored {
				t.Errorf("the log says a snapshot was restored but raft_loaded_snapshot_index=0")
			}
			// SAVE takes a snapshot before stopping (Redis forces a save);
			// plain SHUTDOWN leaves the log to replay.
			if save := len(args) > 1; save != (loaded != "0") {
				t.Errorf("%v: restart loaded snapshot index %s; want a snapshot loaded: %v", args, loaded, save)
			}
			t.Logf("%v: restart loaded snapshot index %s", args, loaded)
		})
	}

	t.Run("SHUTDOWN ABORT", func(t *testing.T) {
		n := startNode(t, nodeOpts{})
		rc := dialRaw(t, n)
		rc.send(cmdRESP("SHUTDOWN", "ABORT"))
		if got, want := rc.line(), "-ERR No shutdown in progress."; got != want {
			t.Errorf("SHUTDOWN ABORT: got %q, want %q", got, want)
		}
		rc.send(cmdRESP("PING"))
		if got := rc.line(); got != "+PONG" {
			t.Errorf("PING on the same connection after SHUTDOWN ABORT: %q", got)
		}
		// Redis's illegal combinations are syntax errors, checked before
		// anything happens.
		for _, args := range [][]string{{"SHUTDOWN", "NOSAVE", "ABORT"}, {"SHUTDOWN", "ABORT", "BOGUS"}, {"SHUTDOWN", "NOSAVE", "SAVE"}, {"SHUTDOWN", "NOW", "ABORT"}} {
			rc.send(cmdRESP(args...))
			if got, want := rc.line(), "-ERR syntax error"; got != want {
				t.Errorf("%v: got %q, want %q", args, got, want)
			}
		}
		// A shutdown would start at once; give it a second to show.
		if exited, err := n.Exited(time.Second); exited {
			t.Fatalf("the node exited after SHUTDOWN ABORT: %v", err)
		}
		if err := n.Client(0).Set(ctx, "still", "up", 0).Err(); err != nil {
			t.Errorf("SET after SHUTDOWN ABORT: %v", err)
		}
	})
}

// TestSaveAndLastsave: SAVE takes a snapshot (the last snapshot index goes
// up in INFO persistence and RAFT.INFO) and moves LASTSAVE to now; BGSAVE
// does the same in the background.
func TestSaveAndLastsave(t *testing.T) {
	ctx := context.Background()
	n := startNode(t, nodeOpts{})
	c := n.Client(0)
	snapIndex := func() (info, raft int) {
		t.Helper()
		info, err := strconv.Atoi(infoField(t, c, "persistence", "raft_last_snapshot_index"))
		if err != nil {
			t.Fatal(err)
		}
		raft, err = strconv.Atoi(raftField(t, c, "last_snapshot_index"))
		if err != nil {
			t.Fatal(err)
		}
		return info, raft
	}
	lastsave := func() int64 {
		t.Helper()
		v, err := c.LastSave(ctx).Result()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}

	// SAVE.
	if err := c.Set(ctx, "a", "1", 0).Err(); err != nil {
		t.Fatal(err)
	}
	infoBefore, raftBefore := snapIndex()
	before := lastsave()
	waitNextSecond(t, before)
	if s, err := c.Save(ctx).Result(); err != nil || s != "OK" {
		t.Fatalf("SAVE: %q, %v; want OK", s, err)
	}
	now := time.Now().Unix()
	infoAfter, raftAfter := snapIndex()
	if infoAfter <= infoBefore || raftAfter <= raftBefore {
		t.Errorf("SAVE did not move the last snapshot index: INFO %d -> %d, RAFT.INFO %d -> %d",
			infoBefore, infoAfter, raftBefore, raftAfter)
	}
	after := lastsave()
	if after <= before {
		t.Errorf("LASTSAVE after SAVE: %d, want > %d (the value before, at least a second earlier)", after, before)
	}
	if after > now+1 || after < now-5 {
		t.Errorf("LASTSAVE after SAVE: %d, not within a few seconds of now (%d)", after, now)
	}
	if v := infoField(t, c, "persistence", "rdb_last_save_time"); v != strconv.FormatInt(after, 10) {
		t.Errorf("INFO persistence rdb_last_save_time:%s, LASTSAVE %d", v, after)
	}

	// SAVE with nothing written since: Redis still saves and moves LASTSAVE.
	waitNextSecond(t, after)
	if s, err := c.Save(ctx).Result(); err != nil || s != "OK" {
		t.Fatalf("second SAVE: %q, %v; want OK", s, err)
	}
	now = time.Now().Unix()
	if again := lastsave(); again <= after || again > now+1 || again < now-5 {
		t.Errorf("LASTSAVE after a SAVE with no writes since the last: %d, want > %d and within a few seconds of now (%d)", again, after, now)
	}
	infoAfter, raftAfter = snapIndex()

	// BGSAVE.
	if err := c.Set(ctx, "b", "2", 0).Err(); err != nil {
		t.Fatal(err)
	}
	before = lastsave()
	waitNextSecond(t, before)
	if s, err := c.BgSave(ctx).Result(); err != nil || s != "Background saving started" {
		t.Fatalf("BGSAVE: %q, %v; want Background saving started", s, err)
	}
	if err := poll(20*time.Second, func() error {
		if p := infoField(t, c, "persistence", "rdb_bgsave_in_progress"); p != "0" {
			return fmt.Errorf("rdb_bgsave_in_progress:%s", p)
		}
		if i, r := snapIndex(); i <= infoAfter || r <= raftAfter {
			return fmt.Errorf("last snapshot index still INFO %d, RAFT.INFO %d (was %d, %d)", i, r, infoAfter, raftAfter)
		}
		return nil
	}); err != nil {
		t.Fatalf("BGSAVE did not take a snapshot: %v", err)
	}
	now = time.Now().Unix()
	if after := lastsave(); after <= before || after > now+1 || after < now-5 {
		t.Errorf("LASTSAVE after BGSAVE: %d, want > %d and within a few seconds of now (%d)", after, before, now)
	}
}

// waitNextSecond polls until the clock's Unix second is past sec, so that a
// save taken afterwards must have a strictly greater LASTSAVE.
func waitNextSecond(t *testing.T, sec int64) {
	t.Helper()
	if err := poll(3*time.Second, func() error {
		if time.Now().Unix() <= sec {
			return fmt.Errorf("clock still at second %d", sec)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestActiveExpiry: keys that expire are deleted by the leader's proposed
// deletions without ever being read, so the key count goes down and the
// commit index moves with no client writing.
func TestActiveExpiry(t *testing.T) {
	ctx := context.Background()
	n := startNode(t, nodeOpts{})
	c := n.Client(0)
	// The node announces its client address through the log once after
	// start; let that happen so it is not taken for an expiry.
	waitAnnounced(t, n)
	if err := c.Set(ctx, "keep", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	pipe := c.Pipeline()
	for i := 0; i < 20; i++ {
		pipe.Set(ctx, "tmp:"+strconv.Itoa(i), "v", 100*time.Millisecond)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	commitBefore, _ := strconv.Atoi(raftField(t, c, "commit_index"))

	// INFO keyspace counts the keys held, expired or not: only a deletion
	// brings the count down. Nothing below reads a tmp key.
	if err := poll(5*time.Second, func() error {
		if ks := infoField(t, c, "keyspace", "db0"); !strings.HasPrefix(ks, "keys=1,expires=0,") {
			return fmt.Errorf("INFO keyspace db0:%s", ks)
		}
		return nil
	}); err != nil {
		t.Fatalf("expired keys were not deleted within 5s: %v", err)
	}
	if commitAfter, _ := strconv.Atoi(raftField(t, c, "commit_index")); commitAfter <= commitBefore {
		t.Errorf("commit index %d -> %d: the deletions were not proposed through the log", commitBefore, commitAfter)
	}
	if v, err := c.Get(ctx, "keep").Result(); err != nil || v != "v" {
		t.Errorf("GET keep = %q, %v: a key without a TTL was touched", v, err)
	}
	// INFO stats counts the keys removed because they expired.
	if got := infoField(t, c, "stats", "expired_keys"); got != "20" {
		t.Errorf("INFO stats expired_keys:%s, want 20", got)
	}
}

// TestLogFormatAndLevel: with --log-format json every line is a JSON
// object with level, msg and component; with --log-level warn no INFO
// line is written. The ready line reports the procs in use (--procs).
func TestLogFormatAndLevel(t *testing.T) {
	t.Run("json", func(t *testing.T) {
		// A count this machine would not pick by itself, so that the
		// check below sees --procs at work.
		procs := runtime.NumCPU() + 1
		n := startNode(t, nodeOpts{Extra: []string{"--log-format", "json", "--procs", strconv.Itoa(procs)}})
		if err := n.Client(0).Set(context.Background(), "k", "v", 0).Err(); err != nil {
			t.Fatal(err)
		}
		if err := n.Stop(); err != nil {
			t.Fatalf("stop: %v", err)
		}
		lines := strings.Split(strings.TrimRight(n.Log(), "\n"), "\n")
		if len(lines) < 3 {
			t.Fatalf("only %d log lines:\n%s", len(lines), n.Log())
		}
		sawReady := false
		for i, line := range lines {
			var rec map[string]any
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Errorf("line %d is not JSON (%v): %s", i+1, err, line)
				continue
			}
			for _, key := range []string{"level", "msg", "component"} {
				if s, ok := rec[key].(string); !ok || s == "" {
					t.Errorf("line %d has no string %q: %s", i+1, key, line)
				}
			}
			if rec["msg"] == "respraft ready for clients" {
				sawReady = true
				if rec["procs"] != float64(procs) {
					t.Errorf("ready line says procs %v, want %d (--procs %d): %s", rec["procs"], procs, procs, line)
				}
			}
		}
		if !sawReady {
			t.Errorf("no \"respraft ready for clients\" line among %d", len(lines))
		}
	})

	t.Run("warn", func(t *testing.T) {
		n := startNode(t, nodeOpts{Extra: []string{"--log-level", "warn"}})
		if err := n.Client(0).Set(context.Background(), "k", "v", 0).Err(); err != nil {
			t.Fatal(err)
		}
		if err := n.Stop(); err != nil {
			t.Fatalf("stop: %v", err)
		}
		log := n.Log()
		for i, line := range strings.Split(log, "\n") {
			if strings.Contains(line, "level=INFO") || strings.Contains(line, "level=DEBUG") {
				t.Errorf("line %d below warn: %s", i+1, line)
			}
		}
	})
}

// TestDatabasesFlag: --databases 4 allows SELECT 0..3 only, and redis-cli
// -n 3 reads and writes database 3.
func TestDatabasesFlag(t *testing.T) {
	resptest.RequireTool(t, "redis-cli")
	n := startNode(t, nodeOpts{Extra: []string{"--databases", "4"}})
	rc := dialRaw(t, n)
	for _, tc := range []struct{ db, want string }{
		{"3", "+OK"},
		{"4", "-ERR DB index is out of range"},
		{"0", "+OK"},
		{"-1", "-ERR DB index is out of range"},
	} {
		rc.send(cmdRESP("SELECT", tc.db))
		if got := rc.line(); got != tc.want {
			t.Errorf("SELECT %s: got %q, want %q", tc.db, got, tc.want)
		}
	}
	if ks, err := n.Client(0).Info(context.Background(), "keyspace").Result(); err != nil || strings.Contains(ks, "db3:") {
		t.Errorf("INFO keyspace at start: %q, %v; want db3 empty", ks, err)
	}
	if out := strings.TrimSpace(redisCLI(t, n, "-n", "3", "SET", "a", "b")); out != "OK" {
		t.Errorf("redis-cli -n 3 SET a b: %q", out)
	}
	if out := strings.TrimSpace(redisCLI(t, n, "-n", "3", "GET", "a")); out != "b" {
		t.Errorf("redis-cli -n 3 GET a: %q", out)
	}
	if out := strings.TrimSpace(redisCLI(t, n, "-n", "0", "EXISTS", "a")); out != "0" {
		t.Errorf("redis-cli -n 0 EXISTS a: %q (the key went to db 0)", out)
	}
}

// TestHealthCommand runs `respraft health` against a node with no leader,
// a ready node and a closed port.
func TestHealthCommand(t *testing.T) {
	health := func(addr string, ready bool) (string, int) {
		t.Helper()
		args := []string{"health", "--addr", addr, "--timeout", "2s"}
		if ready {
			args = append(args, "--ready")
		}
		return runBinary(t, nil, args...)
	}

	t.Run("no leader", func(t *testing.T) {
		ports := freePorts(t, 4)
		peers := fmt.Sprintf("n1=127.0.0.1:%d,n2=127.0.0.1:%d,n3=127.0.0.1:%d", ports[1], ports[2], ports[3])
		n := startNode(t, nodeOpts{ID: "n1", RaftPort: ports[1], Extra: []string{"--peers", peers}, NoWait: true})
		// Alive: poll until PING answers.
		var out string
		var code int
		if err := poll(15*time.Second, func() error {
			if out, code = health(n.Addr(), false); code != 0 {
				return fmt.Errorf("exit %d: %s", code, out)
			}
			return nil
		}); err != nil {
			t.Fatalf("respraft health against a live node without a leader: %v", err)
		}
		// Not ready: one of three voters can never elect a leader.
		if out, code = health(n.Addr(), true); code != 1 {
			t.Errorf("respraft health --ready without a leader: exit %d, want 1; output: %s", code, out)
		}
		if info, err := n.RaftInfo(); err != nil || info["leader_id"] != "" {
			t.Errorf("the node knows a leader (%v, %v); the case is void", info, err)
		}
	})

	t.Run("ready", func(t *testing.T) {
		n := startNode(t, nodeOpts{})
		for _, ready := range []bool{false, true} {
			if out, code := health(n.Addr(), ready); code != 0 {
				t.Errorf("respraft health (ready=%v) against a ready node: exit %d; output: %s", ready, code, out)
			}
		}
	})

	t.Run("closed port", func(t *testing.T) {
		addr := "127.0.0.1:" + strconv.Itoa(resptest.FreePort(t))
		for _, ready := range []bool{false, true} {
			if out, code := health(addr, ready); code == 0 {
				t.Errorf("respraft health (ready=%v) against a closed port: exit 0; output: %s", ready, out)
			}
		}
	})
}
