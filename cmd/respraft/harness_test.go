package main

// The end-to-end harness: tests start the real respraft binary as separate
// processes on free loopback ports, each with its own temp dir, and stop
// only the processes they started.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/respraft/respraft/resp/resptest"
)

var binPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "respraft-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binPath = filepath.Join(dir, "respraft")
	build := exec.Command("go", "build", "-o", binPath, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building respraft:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type nodeOpts struct {
	Dir   string   // reuse a data dir; default: a fresh t.TempDir()
	Extra []string // more flags

	ID       string // --node-id; default: none (the node picks its own)
	Port     int    // client port; default: a free one
	RaftPort int    // cluster port; default: a free one
	NoWait   bool   // return once started, without waiting until ready
}

type node struct {
	t        testing.TB
	ID       string
	Port     int
	RaftPort int
	Dir      string
	args     []string
	logPath  string

	mu    sync.Mutex
	cmd   *exec.Cmd
	done  chan struct{}
	err   error
	admin *redis.Client // see adminClient
}

func (n *node) Addr() string { return "127.0.0.1:" + strconv.Itoa(n.Port) }

// startNode starts one respraft process and, unless opts.NoWait, waits
// until it is ready.
func startNode(t testing.TB, opts nodeOpts) *node {
	t.Helper()
	n := &node{t: t, ID: opts.ID, Port: opts.Port, RaftPort: opts.RaftPort, Dir: opts.Dir}
	if n.Port == 0 {
		n.Port = resptest.FreePort(t)
	}
	if n.RaftPort == 0 {
		n.RaftPort = resptest.FreePort(t)
	}
	if n.Dir == "" {
		n.Dir = t.TempDir()
	}
	n.args = []string{
		"--port", strconv.Itoa(n.Port),
		"--raft-port", strconv.Itoa(n.RaftPort),
		"--dir", n.Dir,
		"--log-level", "info",
	}
	if n.ID != "" {
		n.args = append(n.args, "--node-id", n.ID)
	}
	n.args = append(n.args, opts.Extra...)
	n.logPath = filepath.Join(t.TempDir(), "respraft.log")
	n.start()
	t.Cleanup(func() {
		n.Kill()
		if t.Failed() {
			n.dumpLog()
		}
		n.mu.Lock()
		if n.admin != nil {
			n.admin.Close()
		}
		n.mu.Unlock()
	})
	if !opts.NoWait {
		n.WaitReady(15 * time.Second)
	}
	return n
}

func (n *node) start() {
	n.t.Helper()
	logf, err := os.OpenFile(n.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		n.t.Fatal(err)
	}
	cmd := exec.Command(binPath, n.args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		n.t.Fatal(err)
	}
	done := make(chan struct{})
	n.mu.Lock()
	n.cmd, n.done = cmd, done
	n.mu.Unlock()
	go func() {
		err := cmd.Wait()
		logf.Close()
		n.mu.Lock()
		n.err = err
		n.mu.Unlock()
		close(done)
	}()
}

// WaitReady polls `respraft health --ready`'s check until it passes.
func (n *node) WaitReady(timeout time.Duration) {
	n.t.Helper()
	deadline := time.Now().Add(timeout)
	var err error
	for time.Now().Before(deadline) {
		if err = checkHealth(n.Addr(), true, time.Second); err == nil {
			return
		}
		select {
		case <-n.done:
			n.dumpLog()
			n.t.Fatalf("respraft on %s exited before it was ready: %v", n.Addr(), n.err)
		case <-time.After(50 * time.Millisecond):
		}
	}
	n.dumpLog()
	n.t.Fatalf("respraft on %s not ready after %v: %v", n.Addr(), timeout, err)
}

// Kill sends SIGKILL and waits for the process to go.
func (n *node) Kill() { n.signal(syscall.SIGKILL) }

// Stop sends SIGTERM and waits for an orderly exit; it returns the exit
// error (nil for status 0).
func (n *node) Stop() error {
	n.signal(syscall.SIGTERM)
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.err
}

func (n *node) signal(sig syscall.Signal) {
	n.mu.Lock()
	cmd, done := n.cmd, n.done
	n.mu.Unlock()
	if cmd == nil {
		return
	}
	select {
	case <-done:
		return
	default:
	}
	_ = cmd.Process.Signal(sig)
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		n.t.Errorf("respraft on %s did not exit within 30s of %v", n.Addr(), sig)
	}
}

// Pause stops the process with SIGSTOP (it keeps its sockets and state,
// as a node stalled by its host would); Resume sends SIGCONT. Neither
// waits.
func (n *node) Pause()  { n.sendNoWait(syscall.SIGSTOP) }
func (n *node) Resume() { n.sendNoWait(syscall.SIGCONT) }

func (n *node) sendNoWait(sig syscall.Signal) {
	n.mu.Lock()
	cmd := n.cmd
	n.mu.Unlock()
	if cmd != nil {
		_ = cmd.Process.Signal(sig)
	}
}

// Exited waits up to d for the process to exit by itself.
func (n *node) Exited(d time.Duration) (bool, error) {
	select {
	case <-n.done:
		n.mu.Lock()
		defer n.mu.Unlock()
		return true, n.err
	case <-time.After(d):
		return false, nil
	}
}

// Restart starts the process again with the same flags and data dir.
func (n *node) Restart() {
	n.t.Helper()
	n.start()
	n.WaitReady(15 * time.Second)
}

// Log returns what the process has written so far.
func (n *node) Log() string {
	b, _ := os.ReadFile(n.logPath)
	return string(b)
}

func (n *node) dumpLog() {
	f, err := os.Open(n.logPath)
	if err != nil {
		return
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) > 60 {
		lines = lines[len(lines)-60:]
	}
	n.t.Logf("last log lines of respraft on %s:\n%s", n.Addr(), strings.Join(lines, "\n"))
}

// Client returns a go-redis client for the node, closed at cleanup.
func (n *node) Client(db int) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: n.Addr(), DB: db, Protocol: 2})
	n.t.Cleanup(func() { c.Close() })
	return c
}

// redisCLI runs redis-cli against the node and returns its output.
func redisCLI(t testing.TB, n *node, args ...string) string {
	t.Helper()
	cli := resptest.RequireTool(t, "redis-cli")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, cli, append([]string{"-p", strconv.Itoa(n.Port)}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("redis-cli %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// Running reports whether the process is up (started and not exited).
func (n *node) Running() bool {
	n.mu.Lock()
	done := n.done
	n.mu.Unlock()
	if done == nil {
		return false
	}
	select {
	case <-done:
		return false
	default:
		return true
	}
}

// name is how messages refer to the node: its id, else its address.
func (n *node) name() string {
	if n.ID != "" {
		return n.ID + "@" + n.Addr()
	}
	return n.Addr()
}

// adminClient is a client with short timeouts and no retries, for polling
// RAFT.INFO, RAFT.NODES and DEBUG DIGEST while nodes come and go.
func (n *node) adminClient() *redis.Client {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.admin == nil {
		n.admin = redis.NewClient(&redis.Options{
			Addr: n.Addr(), Protocol: 2, DisableIdentity: true, MaxRetries: -1,
			DialTimeout: time.Second, ReadTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second,
			PoolSize: 2,
		})
	}
	return n.admin
}

// RaftInfo returns RAFT.INFO as a map, or the error of asking for it.
func (n *node) RaftInfo() (map[string]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	s, err := n.adminClient().Do(ctx, "RAFT.INFO").Text()
	if err != nil {
		return nil, err
	}
	return parseFields(s), nil
}

// parseFields parses name:value lines (\n or \r\n), skipping # comments.
func parseFields(s string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if k, v, ok := strings.Cut(line, ":"); ok {
			m[k] = v
		}
	}
	return m
}

// Digest returns the node's DEBUG DIGEST.
func (n *node) Digest() (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return n.adminClient().Do(ctx, "DEBUG", "DIGEST").Text()
}

// raftMember is one line of RAFT.NODES.
type raftMember struct {
	ID, ClusterAddr, ClientAddr, Suffrage, Role string
}

// RaftNodes returns the node's RAFT.NODES, one entry per member.
func (n *node) RaftNodes() ([]raftMember, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	s, err := n.adminClient().Do(ctx, "RAFT.NODES").Text()
	if err != nil {
		return nil, err
	}
	var ms []raftMember
	for _, line := range strings.Split(s, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 5 {
			return nil, fmt.Errorf("RAFT.NODES line %q: want 5 fields <id> <cluster-addr> <client-addr> voter|nonvoter leader|follower", line)
		}
		ms = append(ms, raftMember{f[0], f[1], f[2], f[3], f[4]})
	}
	return ms, nil
}

// poll calls f every 50ms until it returns nil or timeout passes, and then
// returns f's last error (nil on success).
func poll(timeout time.Duration, f func() error) error {
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		err := f()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		<-tick.C
	}
}

// testCluster is a set of respraft processes forming one Raft cluster.
type testCluster struct {
	t     testing.TB
	Nodes []*node
	extra []string // flags every node got, reused for joiners
}

// freePorts returns count distinct loopback ports that were free a moment
// ago, all allocated before any process starts.
func freePorts(t testing.TB, count int) []int {
	t.Helper()
	seen := map[int]bool{}
	var ports []int
	for len(ports) < count {
		p := resptest.FreePort(t)
		if !seen[p] {
			seen[p] = true
			ports = append(ports, p)
		}
	}
	return ports
}

// startCluster starts n nodes n1..nN bootstrapped with the same --peers
// and waits until every one is ready. extra flags go to every node.
func startCluster(t testing.TB, n int, extra ...string) *testCluster {
	t.Helper()
	ports := freePorts(t, 2*n)
	peers := make([]string, n)
	for i := 0; i < n; i++ {
		peers[i] = fmt.Sprintf("n%d=127.0.0.1:%d", i+1, ports[n+i])
	}
	c := &testCluster{t: t, extra: extra}
	for i := 0; i < n; i++ {
		c.Nodes = append(c.Nodes, startNode(t, nodeOpts{
			ID:       fmt.Sprintf("n%d", i+1),
			Port:     ports[i],
			RaftPort: ports[n+i],
			Extra:    append([]string{"--peers", strings.Join(peers, ",")}, extra...),
			NoWait:   true,
		}))
	}
	for _, nd := range c.Nodes {
		nd.WaitReady(30 * time.Second)
	}
	return c
}

// Join starts a new node with an empty dir and --join via's client
// address, waits until it is ready, and adds it to c.Nodes.
func (c *testCluster) Join(id string, via *node, extra ...string) *node {
	c.t.Helper()
	flags := append([]string{"--join", via.Addr()}, c.extra...)
	nd := startNode(c.t, nodeOpts{ID: id, Extra: append(flags, extra...), NoWait: true})
	nd.WaitReady(30 * time.Second)
	c.Nodes = append(c.Nodes, nd)
	return nd
}

// Drop forgets a node that was removed from the cluster, so Leader,
// Followers and WaitConverged no longer look at it.
func (c *testCluster) Drop(nd *node) {
	for i, x := range c.Nodes {
		if x == nd {
			c.Nodes = append(c.Nodes[:i:i], c.Nodes[i+1:]...)
			return
		}
	}
}

// waitLeader polls until exactly one running node says role:Leader and
// ready:1, and returns it.
func (c *testCluster) waitLeader(timeout time.Duration) (*node, error) {
	var leader *node
	err := poll(timeout, func() error {
		leader = nil
		var leaders []string
		for _, nd := range c.Nodes {
			if !nd.Running() {
				continue
			}
			info, err := nd.RaftInfo()
			if err != nil || info["role"] != "Leader" {
				continue
			}
			leaders = append(leaders, nd.name())
			if info["ready"] == "1" {
				leader = nd
			}
		}
		switch {
		case len(leaders) > 1:
			return fmt.Errorf("more than one node says it leads: %v", leaders)
		case leader == nil:
			return errors.New("no running node is a ready leader")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return leader, nil
}

// Leader returns the current leader, polling for up to 15s.
func (c *testCluster) Leader() *node {
	c.t.Helper()
	l, err := c.waitLeader(15 * time.Second)
	if err != nil {
		c.t.Fatalf("no leader: %v", err)
	}
	return l
}

// Followers returns every running node but the leader.
func (c *testCluster) Followers() []*node {
	c.t.Helper()
	l := c.Leader()
	var fs []*node
	for _, nd := range c.Nodes {
		if nd != l && nd.Running() {
			fs = append(fs, nd)
		}
	}
	return fs
}

// WaitConverged polls until every node reports the same DEBUG DIGEST and
// the same applied index.
func (c *testCluster) WaitConverged(t testing.TB) {
	t.Helper()
	err := poll(30*time.Second, func() error {
		var digests, applied []string
		for _, nd := range c.Nodes {
			d, err := nd.Digest()
			if err != nil {
				return fmt.Errorf("%s: DEBUG DIGEST: %w", nd.name(), err)
			}
			info, err := nd.RaftInfo()
			if err != nil {
				return fmt.Errorf("%s: RAFT.INFO: %w", nd.name(), err)
			}
			digests = append(digests, nd.name()+"="+d)
			applied = append(applied, nd.name()+"="+info["applied_index"])
			if _, a, _ := strings.Cut(applied[0], "="); a != info["applied_index"] {
				return fmt.Errorf("applied indexes differ: %v", applied)
			}
			if _, d0, _ := strings.Cut(digests[0], "="); d0 != d {
				return fmt.Errorf("digests differ: %v (applied %v)", digests, applied)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("cluster did not converge in 30s: %v", err)
	}
}
