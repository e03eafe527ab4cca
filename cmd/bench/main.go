// Command bench is `make bench`: it runs redis-benchmark against respraft
// and against a real redis-server (appendfsync always and everysec) in one
// go, on this machine, and prints one table with the ratios.
//
// It builds respraft, starts every server itself on free loopback ports
// with its own temp dir, and stops only what it started.
package main

import (
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

type target struct {
	name string
	port int
	stop func()
}

type result struct {
	rps, p50 float64
}

func main() {
	n := flag.Int("n", 200000, "requests per test (redis-benchmark -n)")
	c := flag.Int("c", 50, "parallel clients (redis-benchmark -c)")
	tests := flag.String("t", "set,get,incr,sadd,hset,mset", "tests (redis-benchmark -t)")
	flag.Parse()
	if err := run(*n, *c, *tests); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(n, c int, tests string) error {
	for _, tool := range []string{"redis-server", "redis-benchmark"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s is needed (apt-get install redis-server redis-tools): %w", tool, err)
		}
	}
	tmp, err := os.MkdirTemp("", "respraft-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	bin := filepath.Join(tmp, "respraft")
	build := exec.Command("go", "build", "-trimpath", "-o", bin, "./cmd/respraft")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("build respraft: %w", err)
	}

	targets := []struct {
		name  string
		start func() (*target, error)
	}{
		{"redis always", func() (*target, error) { return startRedis(tmp, "always") }},
		{"redis everysec", func() (*target, error) { return startRedis(tmp, "everysec") }},
		{"respraft 1 node", func() (*target, error) { return startRespraft(tmp, bin) }},
	}
	names := strings.Split(tests, ",")
	pipelines := []int{1, 16}
	results := map[string]map[string]result{} // target -> "test/P" -> result
	for _, tg := range targets {
		t, err := tg.start()
		if err != nil {
			return fmt.Errorf("start %s: %w", tg.name, err)
		}
		t.name = tg.name
		results[t.name] = map[string]result{}
		for _, p := range pipelines {
			fmt.Fprintf(os.Stderr, "bench: %s -P %d ...\n", t.name, p)
			rs, err := benchmark(t.port, n, c, p, tests)
			if err != nil {
				t.stop()
				return fmt.Errorf("%s: %w", t.name, err)
			}
			for name, r := range rs {
				results[t.name][name+"/"+strconv.Itoa(p)] = r
			}
		}
		t.stop()
	}

	fmt.Printf("\nredis-benchmark -n %d -c %d, same machine, one run (%s)\n\n", n, c, time.Now().Format(time.RFC3339))
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "test\tP\tredis always rps\tp50 ms\tredis everysec rps\tp50 ms\trespraft rps\tp50 ms\trespraft/always\t")
	for _, p := range pipelines {
		for _, name := range names {
			key := strings.ToUpper(name) + "/" + strconv.Itoa(p)
			if name == "mset" {
				key = "MSET (10 KEYS)/" + strconv.Itoa(p)
			}
			a, e, r := results["redis always"][key], results["redis everysec"][key], results["respraft 1 node"][key]
			ratio := "-"
			if a.rps > 0 {
				ratio = fmt.Sprintf("%.2fx", r.rps/a.rps)
			}
			fmt.Fprintf(w, "%s\t%d\t%.0f\t%.3f\t%.0f\t%.3f\t%.0f\t%.3f\t%s\t\n", name, p, a.rps, a.p50, e.rps, e.p50, r.rps, r.p50, ratio)
		}
	}
	return w.Flush()
}

// benchmark runs redis-benchmark --csv and returns rps and p50 per test.
func benchmark(port, n, c, p int, tests string) (map[string]result, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "redis-benchmark", "-h", "127.0.0.1", "-p", strconv.Itoa(port),
		"-t", tests, "-n", strconv.Itoa(n), "-c", strconv.Itoa(c), "-P", strconv.Itoa(p), "--csv")
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("redis-benchmark: %w", err)
	}
	rows, err := csv.NewReader(strings.NewReader(string(out))).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("parse redis-benchmark csv: %w\n%s", err, out)
	}
	res := map[string]result{}
	for _, row := range rows {
		if len(row) < 5 || row[0] == "test" {
			continue
		}
		rps, _ := strconv.ParseFloat(row[1], 64)
		p50, _ := strconv.ParseFloat(row[4], 64)
		res[row[0]] = result{rps: rps, p50: p50}
	}
	if len(res) == 0 {
		return nil, fmt.Errorf("no results from redis-benchmark:\n%s", out)
	}
	return res, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func startRedis(tmp, fsync string) (*target, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(tmp, "redis-")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("redis-server", "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir,
		"--save", "", "--appendonly", "yes", "--appendfsync", fsync, "--daemonize", "no")
	return startProcess(cmd, port)
}

func startRespraft(tmp, bin string) (*target, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	raftPort, err := freePort()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(tmp, "respraft-")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--raft-port", strconv.Itoa(raftPort), "--dir", dir, "--log-level", "warn")
	return startProcess(cmd, port)
}

// startProcess starts cmd and waits until it answers PING on port.
func startProcess(cmd *exec.Cmd, port int) (*target, error) {
	logf, err := os.CreateTemp("", "bench-server-*.log")
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	stop := func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		logf.Close()
		os.Remove(logf.Name())
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if ping(port) == nil {
			return &target{port: port, stop: stop}, nil
		}
		select {
		case <-done:
			b, _ := os.ReadFile(logf.Name())
			return nil, fmt.Errorf("%s exited:\n%s", cmd.Path, b)
		case <-time.After(50 * time.Millisecond):
		}
	}
	stop()
	return nil, errors.New("server did not answer PING in 20s")
}

func ping(port int) error {
	c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	// A node that is still electing answers a write with an error: wait
	// until a write works.
	buf := make([]byte, 64)
	if _, err := c.Write([]byte("*3\r\n$3\r\nSET\r\n$15\r\n__bench_probe__\r\n$1\r\n1\r\n")); err != nil {
		return err
	}
	n, err := c.Read(buf)
	if err != nil {
		return err
	}
	if !strings.HasPrefix(string(buf[:n]), "+OK") {
		return fmt.Errorf("not ready: %q", buf[:n])
	}
	return nil
}
