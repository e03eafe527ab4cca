package main

// The docker compose test: the three-node cluster of docker-compose.yml,
// brought up through the Makefile the way a developer does it, on free
// loopback ports and under a compose project and image tag of its own, so
// it never touches a developer's cluster.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
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

// requireDocker returns the compose command ($COMPOSE, else docker-compose,
// else `docker compose`), skipping the test when docker or compose is
// missing or the daemon does not answer; under CI=true that is a failure.
func requireDocker(t *testing.T) [][]string {
	t.Helper()
	resptest.RequireTool(t, "docker")
	missing := func(format string, args ...any) {
		t.Helper()
		msg := fmt.Sprintf(format, args...)
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s (required under CI=true)", msg)
		}
		t.Skip(msg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "docker", "info").CombinedOutput(); err != nil {
		missing("docker info failed, no usable docker daemon: %v\n%s", err, lastLines(string(out), 5))
	}
	if c := strings.Fields(os.Getenv("COMPOSE")); len(c) > 0 {
		return [][]string{c}
	}
	// Both compose implementations the Makefile supports, v1 and v2.
	var found [][]string
	if _, err := exec.LookPath("docker-compose"); err == nil {
		found = append(found, []string{"docker-compose"})
	}
	if exec.CommandContext(ctx, "docker", "compose", "version").Run() == nil {
		found = append(found, []string{"docker", "compose"})
	}
	switch {
	case len(found) == 0:
		missing("neither docker-compose (v1) nor `docker compose` (v2) is installed")
	case len(found) == 1 && os.Getenv("CI") == "true":
		t.Fatalf("only %q is installed; CI tests both docker-compose (v1) and `docker compose` (v2)", strings.Join(found[0], " "))
	case len(found) == 1:
		t.Logf("only %q is installed: the other compose is not tested", strings.Join(found[0], " "))
	}
	return found
}

// composeCluster is one test's compose project.
type composeCluster struct {
	t       *testing.T
	root    string   // the repository: Makefile, docker-compose.yml
	compose []string // e.g. docker-compose
	project string
	image   string
	ports   []int // published client ports of node1..node3
}

func (c *composeCluster) env() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case k == "MAKEFLAGS", k == "MFLAGS", k == "MAKELEVEL", k == "COMPOSE_PROJECT_NAME",
			k == "COMPOSE_FILE", strings.HasPrefix(k, "RESPRAFT_"):
			// ours to set; an outer make's flags or a developer's settings must not leak in
		default:
			env = append(env, kv)
		}
	}
	env = append(env, "COMPOSE_PROJECT_NAME="+c.project)
	for i, p := range c.ports {
		env = append(env, fmt.Sprintf("RESPRAFT_NODE%d_PORT=%d", i+1, p))
	}
	return env
}

// make runs a Makefile target with the project's environment and returns
// its output.
func (c *composeCluster) make(timeout time.Duration, target string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "make", "--no-print-directory", "-C", c.root,
		"COMPOSE="+strings.Join(c.compose, " "), "IMAGE="+c.image, target)
	cmd.Env = c.env()
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		err = fmt.Errorf("make %s: not done within %s: %w", target, timeout, err)
	} else if err != nil {
		err = fmt.Errorf("make %s: %w", target, err)
	}
	return string(out), err
}

// composeOut runs a compose command in the project and returns its output.
func (c *composeCluster) composeOut(args ...string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	argv := append(append([]string(nil), c.compose[1:]...), args...)
	cmd := exec.CommandContext(ctx, c.compose[0], argv...)
	cmd.Dir, cmd.Env = c.root, c.env()
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Sprintf("%s\n(%v)", out, err)
	}
	return string(out)
}

// cleanup runs `make cluster-clean`, then removes by label whatever of the
// project is still there (and fails the test if there was any), then the
// image tag.
func (c *composeCluster) cleanup() {
	t := c.t
	if t.Failed() {
		t.Logf("compose logs of %s:\n%s", c.project, c.composeOut("logs", "--no-color", "--tail", "25"))
	}
	if out, err := c.make(2*time.Minute, "cluster-clean"); err != nil {
		t.Errorf("%v\n%s", err, out)
	}
	label := "label=com.docker.compose.project=" + c.project
	for _, kind := range []struct{ list, rm []string }{
		{[]string{"ps", "-aq", "--filter", label}, []string{"rm", "-f"}},
		{[]string{"network", "ls", "-q", "--filter", label}, []string{"network", "rm"}},
		{[]string{"volume", "ls", "-q", "--filter", label}, []string{"volume", "rm", "-f"}},
	} {
		out, err := exec.Command("docker", kind.list...).Output()
		if err != nil {
			t.Errorf("docker %s: %v", strings.Join(kind.list, " "), err)
			continue
		}
		if left := strings.Fields(string(out)); len(left) > 0 {
			t.Errorf("make cluster-clean left %s %v of project %s; removing them", kind.list[0], left, c.project)
			if out, err := exec.Command("docker", append(kind.rm, left...)...).CombinedOutput(); err != nil {
				t.Errorf("docker %s: %v\n%s", strings.Join(kind.rm, " "), err, out)
			}
		}
	}
	if out, err := exec.Command("docker", "rmi", c.image).CombinedOutput(); err != nil &&
		!strings.Contains(string(out), "No such image") {
		t.Errorf("docker rmi %s: %v\n%s", c.image, err, out)
	}
}

// client is a go-redis client on a published port that does not retry by
// itself, so the caller sees every failure.
func (c *composeCluster) client(port int) *redis.Client {
	cl := redis.NewClient(&redis.Options{
		Addr:         "127.0.0.1:" + strconv.Itoa(port),
		Protocol:     2,
		MaxRetries:   -1,
		DialTimeout:  time.Second,
		ReadTimeout:  3 * time.Second,
		WriteTimeout: 3 * time.Second,
		PoolSize:     2,
	})
	c.t.Cleanup(func() { cl.Close() })
	return cl
}

// TestDockerCompose: `make cluster-up`, the tutorial through every node
// (compared with a real redis-server), then `make cluster-rolling-restart`
// under a write load through all three ports; every acknowledged write
// must be readable through every port afterwards.
//
// It runs once with each compose installed: docker-compose (v1) and
// `docker compose` (v2); COMPOSE="docker compose" picks one.
func TestDockerCompose(t *testing.T) {
	composes := requireDocker(t)
	resptest.RequireTool(t, "make")
	resptest.RequireTool(t, "redis-cli")
	resptest.RequireTool(t, "redis-server")
	for _, compose := range composes {
		t.Run(strings.Join(compose, " "), func(t *testing.T) { testCompose(t, compose) })
	}
}

func testCompose(t *testing.T, compose []string) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	suffix := fmt.Sprintf("%d-%d", os.Getpid(), time.Now().UnixNano()%1e6)
	c := &composeCluster{
		t:       t,
		root:    root,
		compose: compose,
		project: "respraft-test-" + suffix,
		image:   "respraft:test-" + suffix,
		ports:   []int{resptest.FreePort(t), resptest.FreePort(t), resptest.FreePort(t)},
	}
	t.Cleanup(c.cleanup) // registered first: also removes a half-started cluster

	start := time.Now()
	out, err := c.make(3*time.Minute, "cluster-up")
	if err != nil {
		t.Fatalf("%v\n%s", err, lastLines(out, 40))
	}
	t.Logf("make cluster-up: %s, project %s, client ports %v\n%s", time.Since(start).Round(time.Millisecond),
		c.project, c.ports, grepLines(out, "healthy"))

	clients := make([]*redis.Client, len(c.ports))
	for i, p := range c.ports {
		clients[i] = c.client(p)
		waitPing(t, clients[i], 30*time.Second)
	}

	// The tutorial, node after node (each session ends with FLUSHDB).
	redisPort := startRedis(t)
	want := cliSession(t, redisPort, 0, tutorial)
	for i, p := range c.ports {
		t.Run(fmt.Sprintf("tutorial/node%d", i+1), func(t *testing.T) {
			got := cliSession(t, p, 0, tutorial)
			for j := range tutorial {
				if got[j] != want[j] {
					t.Errorf("%s\n got: %q\nwant: %q", tutorial[j], got[j], want[j])
				}
			}
		})
	}

	// A rolling restart under write load.
	load := startLoad(c, 10)
	load.waitAcked(t, 200, 30*time.Second)
	start = time.Now()
	out, err = c.make(4*time.Minute, "cluster-rolling-restart")
	restartTook := time.Since(start)
	if err != nil {
		load.stop()
		t.Log(load.report())
		t.Fatalf("%v\n%s", err, lastLines(out, 40))
	}
	t.Logf("make cluster-rolling-restart: %s\n%s", restartTook.Round(time.Millisecond), grepLines(out, "ready", "stopped", "done"))
	load.waitAcked(t, load.acked.Load()+200, 30*time.Second) // writes flow again
	load.stop()
	report(t, "make cluster-rolling-restart took %s; %s", restartTook.Round(time.Millisecond), strings.TrimSpace(load.report()))

	// Every acknowledged write, through every port.
	keys := load.keys()
	if len(keys) == 0 {
		t.Fatal("no write was acknowledged")
	}
	for i, cl := range clients {
		missing := checkAcked(t, cl, keys, 30*time.Second)
		if len(missing) > 0 {
			t.Errorf("node%d (port %d): %d of %d acknowledged writes missing, e.g. %v",
				i+1, c.ports[i], len(missing), len(keys), missing[:min(5, len(missing))])
		}
	}

	// make cluster-down removes the containers and keeps the volumes: the
	// next make cluster-up starts from the same data.
	if out, err := c.make(2*time.Minute, "cluster-down"); err != nil {
		t.Fatalf("%v\n%s", err, lastLines(out, 40))
	}
	label := "label=com.docker.compose.project=" + c.project
	if out, err := exec.Command("docker", "ps", "-aq", "--filter", label).Output(); err != nil || len(strings.Fields(string(out))) > 0 {
		t.Errorf("containers left after make cluster-down: %q, %v", out, err)
	}
	if out, err := exec.Command("docker", "volume", "ls", "-q", "--filter", label).Output(); err != nil || len(strings.Fields(string(out))) != 3 {
		t.Errorf("volumes after make cluster-down: %q, %v; want the 3 data volumes", out, err)
	}
	start = time.Now()
	if out, err := c.make(3*time.Minute, "cluster-up"); err != nil {
		t.Fatalf("%v\n%s", err, lastLines(out, 40))
	}
	t.Logf("make cluster-up after cluster-down: %s", time.Since(start).Round(time.Millisecond))
	for i, p := range c.ports {
		cl := c.client(p)
		waitPing(t, cl, 30*time.Second)
		if missing := checkAcked(t, cl, keys, 30*time.Second); len(missing) > 0 {
			t.Errorf("after cluster-down and cluster-up, node%d (port %d): %d of %d acknowledged writes missing, e.g. %v",
				i+1, p, len(missing), len(keys), missing[:min(5, len(missing))])
		}
	}
}

func waitPing(t *testing.T, c *redis.Client, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := c.Ping(context.Background()).Err()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s does not answer PING after %s: %v", c.Options().Addr, timeout, err)
		}
		time.Sleep(100 * time.Millisecond) // polling, bounded by the deadline
	}
}

// writeLoad is a set of writers, each on one port, writing unique keys
// load:<writer>:<seq> (value = key) and retrying a failed key until it is
// acknowledged.
type writeLoad struct {
	ports   []int
	done    chan struct{}
	wg      sync.WaitGroup
	acked   atomic.Int64
	writers []*writer
	started time.Time
	stopped time.Time
}

type writer struct {
	port   int
	acked  []string
	ackAt  []time.Time
	errors map[string]int // error text (shortened) -> count
}

func startLoad(c *composeCluster, n int) *writeLoad {
	l := &writeLoad{ports: c.ports, done: make(chan struct{}), started: time.Now()}
	for i := 0; i < n; i++ {
		w := &writer{port: c.ports[i%len(c.ports)], errors: map[string]int{}}
		l.writers = append(l.writers, w)
		cl := c.client(w.port)
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			l.run(i, w, cl)
		}()
	}
	return l
}

func (l *writeLoad) run(id int, w *writer, cl *redis.Client) {
	ctx := context.Background()
	for seq := 0; ; {
		select {
		case <-l.done:
			return
		default:
		}
		key := fmt.Sprintf("load:%d:%d", id, seq)
		if err := cl.Set(ctx, key, key, 0).Err(); err != nil {
			w.errors[errorKind(err)]++
			select { // back off, then retry the same key
			case <-l.done:
				return
			case <-time.After(50 * time.Millisecond):
			}
			continue
		}
		w.acked = append(w.acked, key)
		w.ackAt = append(w.ackAt, time.Now())
		l.acked.Add(1)
		seq++
	}
}

// errorKind shortens an error for counting: no addresses, at most 60 bytes.
func errorKind(err error) string {
	msg := err.Error()
	for _, kind := range []string{"i/o timeout", "connection refused", "connection reset by peer"} {
		if strings.Contains(msg, kind) {
			return kind
		}
	}
	if len(msg) > 60 {
		msg = msg[:60] + "..."
	}
	return msg
}

// waitAcked waits until at least n writes are acknowledged in total.
func (l *writeLoad) waitAcked(t *testing.T, n int64, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for l.acked.Load() < n {
		if time.Now().After(deadline) {
			l.stop()
			t.Fatalf("only %d of %d writes acknowledged after %s\n%s", l.acked.Load(), n, timeout, l.report())
		}
		time.Sleep(50 * time.Millisecond) // polling, bounded by the deadline
	}
}

func (l *writeLoad) stop() {
	select {
	case <-l.done:
		return
	default:
	}
	close(l.done)
	l.wg.Wait()
	l.stopped = time.Now()
}

func (l *writeLoad) keys() []string {
	var keys []string
	for _, w := range l.writers {
		keys = append(keys, w.acked...)
	}
	return keys
}

// longestStall is the longest time within [from, to] with no
// acknowledgement in ts.
func longestStall(ts []time.Time, from, to time.Time) time.Duration {
	ts = slices.Clone(ts)
	slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
	var longest time.Duration
	prev := from
	for _, at := range append(ts, to) {
		longest = max(longest, at.Sub(prev))
		prev = at
	}
	return longest.Round(time.Millisecond)
}

// report (after stop) counts acknowledged and failed writes per port and
// the longest stalls.
func (l *writeLoad) report() string {
	end := l.stopped
	if end.IsZero() {
		end = time.Now()
	}
	var all []time.Time
	var b strings.Builder
	for _, p := range l.ports {
		var ts []time.Time
		errs := map[string]int{}
		for _, w := range l.writers {
			if w.port != p {
				continue
			}
			ts = append(ts, w.ackAt...)
			for m, n := range w.errors {
				errs[m] += n
			}
		}
		all = append(all, ts...)
		fmt.Fprintf(&b, "  port %d: %d acknowledged, longest stall %s", p, len(ts), longestStall(ts, l.started, end))
		var msgs []string
		for m, n := range errs {
			msgs = append(msgs, fmt.Sprintf("%dx %q", n, m))
		}
		sort.Strings(msgs)
		if len(msgs) > 0 {
			fmt.Fprintf(&b, ", failed attempts (retried): %s", strings.Join(msgs, "; "))
		}
		b.WriteString("\n")
	}
	return fmt.Sprintf("write load over %s: %d writes acknowledged, longest stall with no acknowledgement on any port %s\n%s",
		end.Sub(l.started).Round(time.Millisecond), len(all), longestStall(all, l.started, end), b.String())
}

// checkAcked reads keys (value = key) through c and returns those that are
// missing or wrong. A failed read is retried until timeout.
func checkAcked(t *testing.T, c *redis.Client, keys []string, timeout time.Duration) []string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var missing []string
	for i := 0; i < len(keys); i += 500 {
		batch := keys[i:min(i+500, len(keys))]
		vals, err := c.MGet(context.Background(), batch...).Result()
		if err != nil {
			if time.Now().After(deadline) {
				t.Errorf("%s: MGET: %v", c.Options().Addr, err)
				return nil
			}
			i -= 500
			time.Sleep(100 * time.Millisecond) // retrying a failed read, bounded by the deadline
			continue
		}
		for j, v := range vals {
			if v != batch[j] {
				missing = append(missing, batch[j])
			}
		}
	}
	return missing
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// grepLines keeps the lines of s that contain any of words.
func grepLines(s string, words ...string) string {
	var keep []string
	for _, line := range strings.Split(s, "\n") {
		for _, w := range words {
			if strings.Contains(line, w) {
				keep = append(keep, "  "+line)
				break
			}
		}
	}
	return strings.Join(keep, "\n")
}
