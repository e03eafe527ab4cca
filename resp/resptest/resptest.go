// Package resptest holds what the tests of several packages need to run
// against external programs: finding a tool (and failing instead of
// skipping under CI=true), a free loopback port, and a redis-server of the
// test's own. Only tests import it.
package resptest

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// RequireTool returns the path of an external program. When it is
// missing the test is skipped, except under CI=true, where it fails: CI
// installs every tool the tests use (.ci/run installs the Debian packages,
// docker is on the machine).
func RequireTool(tb testing.TB, name string) string {
	tb.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		tb.Fatalf("%s is required under CI=true but not installed: %v", name, err)
	}
	tb.Skipf("%s not installed (%v); CI has it (.ci/run installs the Debian packages, docker is on the machine)", name, err)
	return ""
}

// FreePort returns a loopback port that was free a moment ago.
func FreePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// StartRedis starts a redis-server of the test's own on a free loopback
// port, with its own temp dir and no persistence, and returns its address once it answers PING. At cleanup it stops that
// process (and only that one), and shows its log if the test failed.
func StartRedis(tb testing.TB) string {
	tb.Helper()
	bin := RequireTool(tb, "redis-server")
	dir := tb.TempDir()
	port := FreePort(tb)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	logPath := filepath.Join(dir, "redis-server.log")
	logf, err := os.Create(logPath)
	if err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", dir)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		tb.Fatalf("starting redis-server: %v", err)
	}
	done := make(chan struct{})
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		logf.Close()
		close(done)
	}()
	dumpLog := func() {
		b, _ := os.ReadFile(logPath)
		tb.Logf("redis-server log:\n%s", b)
	}
	tb.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if tb.Failed() {
			dumpLog()
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		err := Ping(addr)
		if err == nil {
			return addr
		}
		if time.Now().After(deadline) {
			dumpLog()
			tb.Fatalf("redis-server on %s not ready after 15s: %v", addr, err)
		}
		select {
		case <-done:
			dumpLog()
			tb.Fatalf("redis-server on %s exited before it was ready: %v", addr, waitErr)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Ping sends PING on a new connection to addr and expects +PONG within
// five seconds: the server is up and still answering.
func Ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte("*1\r\n$4\r\nPING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		return fmt.Errorf("PING: got %q, want %q", line, "+PONG\r\n")
	}
	return nil
}
