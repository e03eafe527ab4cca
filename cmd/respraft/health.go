package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// health is `respraft health [--addr host:port] [--ready] [--timeout d]`:
// exit 0 when the node answers PING; with --ready, only when it also knows
// a leader and has applied everything the leader had committed (the
// "ready:1" line of RAFT.INFO). Meant for compose health checks and rolling
// restarts, so it prints one line and never hangs past --timeout.
func health(args []string) int {
	fs := flag.NewFlagSet("respraft health", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:6379", "client address of the node to check")
	ready := fs.Bool("ready", false, "also require the node to be caught up with a known leader")
	timeout := fs.Duration("timeout", 2*time.Second, "give up after this long")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if err := checkHealth(*addr, *ready, *timeout); err != nil {
		fmt.Fprintf(os.Stderr, "respraft health %s: %v\n", *addr, err)
		return 1
	}
	fmt.Printf("respraft health %s: ok\n", *addr)
	return 0
}

func checkHealth(addr string, ready bool, timeout time.Duration) error {
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(timeout))
	r := bufio.NewReader(conn)
	pong, err := roundTrip(conn, r, "PING")
	if err != nil {
		return err
	}
	if pong != "PONG" {
		return fmt.Errorf("unexpected PING reply %q", pong)
	}
	if !ready {
		return nil
	}
	info, err := roundTrip(conn, r, "RAFT.INFO")
	if err != nil {
		return err
	}
	for _, line := range strings.Split(info, "\r\n") {
		if line == "ready:1" {
			return nil
		}
	}
	return errors.New("not ready (no leader known, or still catching up)")
}

// roundTrip sends one command and reads a simple, error or bulk reply.
func roundTrip(w io.Writer, r *bufio.Reader, args ...string) (string, error) {
	var sb strings.Builder
	fmt.Fprintf(&sb, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&sb, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := io.WriteString(w, sb.String()); err != nil {
		return "", err
	}
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("empty reply")
	}
	switch line[0] {
	case '+':
		return line[1:], nil
	case '-':
		return "", errors.New(line[1:])
	case '$':
		n, err := strconv.Atoi(line[1:])
		if err != nil || n < 0 {
			return "", fmt.Errorf("bad reply %q", line)
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	}
	return "", fmt.Errorf("unexpected reply %q", line)
}
