package main

// The end-to-end harness: tests start the real respraft binary as separate
// processes on free loopback ports, each with its own temp dir, and stop
// only the processes they started.

import (
	"bufio"
	"context"
	"fmt"
	"net"
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

// requireTool skips the test when an external program is missing, except
// under CI=true, where a missing tool is a failure: CI installs them.
func requireTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is required under CI=true but not installed: %v", name, err)
	}
	t.Skipf("%s not installed (%v); .ci/run installs it", name, err)
	return ""
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

type nodeOpts struct {
	Dir   string   // reuse a data dir; default: a fresh t.TempDir()
	Extra []string // more flags
}

type node struct {
	t        testing.TB
	Port     int
	RaftPort int
	Dir      string
	args     []string
	logPath  string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

func (n *node) Addr() string { return "127.0.0.1:" + strconv.Itoa(n.Port) }

// startNode starts one respraft process and waits until it is ready.
func startNode(t testing.TB, opts nodeOpts) *node {
	t.Helper()
	n := &node{t: t, Port: freePort(t), RaftPort: freePort(t), Dir: opts.Dir}
	if n.Dir == "" {
		n.Dir = t.TempDir()
	}
	n.args = append([]string{
		"--port", strconv.Itoa(n.Port),
		"--raft-port", strconv.Itoa(n.RaftPort),
		"--dir", n.Dir,
		"--log-level", "info",
	}, opts.Extra...)
	n.logPath = filepath.Join(t.TempDir(), "respraft.log")
	n.start()
	t.Cleanup(func() {
		n.Kill()
		if t.Failed() {
			n.dumpLog()
		}
	})
	n.WaitReady(15 * time.Second)
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
	cli := requireTool(t, "redis-cli")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, cli, append([]string{"-p", strconv.Itoa(n.Port)}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("redis-cli %v: %v\n%s", args, err, out)
	}
	return string(out)
}
