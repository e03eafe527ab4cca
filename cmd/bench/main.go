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
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

type target struct {
	name  string
	port  int
	stop  func()
	ports []int // every node of the target's cluster, for the pub/sub fan-out (nil: just port)
}

type result struct {
	rps, p50 float64
}

func main() {
	n := flag.Int("n", 200000, "requests per test (redis-benchmark -n)")
	c := flag.Int("c", 50, "parallel clients (redis-benchmark -c)")
	tests := flag.String("t", "set,get,incr,sadd,hset,mset,lpush,lpop,zadd,zrange,pfadd",
		"tests: redis-benchmark -t names, and zrange (ZRANGE 0 99 of 1,000 members) and pfadd")
	fan := flag.Int("fanout", 20000, "messages of the pub/sub fan-out benchmark (1 publisher, 50 subscribers); 0 skips it")
	cluster := flag.Bool("cluster", true, "also benchmark a three-node cluster (leader and follower)")
	rounds := flag.Int("rounds", 3, "rounds over all targets; each cell is the median of its rounds")
	flag.IntVar(&procs, "procs", 1, "respraft's --procs (GOMAXPROCS) for every node; 0 is Go's default, one per CPU")
	flag.Parse()
	if err := run(*n, *c, *tests, *cluster, *fan, *rounds); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// procs is passed to every respraft node as --procs. One thread running
// Go code per node, as redis-server runs its event loop on one thread:
// on this two-core machine, where redis-benchmark takes a core of its
// own, more leave the nodes' threads handing work to each other across
// the cores (README.md, "Benchmarks").
var procs int

func run(n, c int, tests string, withCluster bool, fanMsgs, rounds int) error {
	if rounds < 1 {
		return fmt.Errorf("-rounds must be at least 1, got %d", rounds)
	}
	for _, tool := range []string{"redis-server", "redis-benchmark", "redis-cli"} {
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
		start func() ([]*target, error)
	}{
		{"redis always", func() ([]*target, error) { return one(startRedis(tmp, "always")) }},
		{"redis everysec", func() ([]*target, error) { return one(startRedis(tmp, "everysec")) }},
		{"respraft 1 node", func() ([]*target, error) { return one(startRespraft(tmp, bin, "", nil)) }},
		{"3 nodes", func() ([]*target, error) { return startCluster(tmp, bin) }},
	}
	if !withCluster {
		targets = targets[:3]
	}
	names := strings.Split(tests, ",")
	var builtin []string
	for _, name := range names {
		if _, ok := customByName(name); !ok {
			builtin = append(builtin, name)
		}
	}
	pipelines := []int{1, 16}
	results := map[string]map[string][]result{} // column -> "test/P" -> one per round
	var columns []string
	fanRates := map[string][]float64{} // target -> publishes/s, one per round
	var fanColumns []string
	// Rounds go over every target in turn, so that a slow spell of this
	// machine hits them all alike rather than one column.
	for round := 1; round <= rounds; round++ {
		for _, tg := range targets {
			ts, err := tg.start()
			if err != nil {
				return fmt.Errorf("start %s: %w", tg.name, err)
			}
			for _, t := range ts {
				col := tg.name
				if t.name != "" {
					col += " " + t.name
				}
				if results[col] == nil {
					columns = append(columns, col)
					results[col] = map[string][]result{}
				}
				for _, p := range pipelines {
					fmt.Fprintf(os.Stderr, "bench: round %d/%d: %s -P %d ...\n", round, rounds, col, p)
					if len(builtin) > 0 {
						rs, err := benchmark(t.port, n, c, p, strings.Join(builtin, ","))
						if err != nil {
							stopAll(ts)
							return fmt.Errorf("%s: %w", col, err)
						}
						for name, r := range rs {
							key := name + "/" + strconv.Itoa(p)
							results[col][key] = append(results[col][key], r)
						}
					}
					for _, name := range names {
						ct, ok := customByName(name)
						if !ok {
							continue
						}
						r, err := benchmarkCustom(t.port, n, c, p, ct)
						if err != nil {
							stopAll(ts)
							return fmt.Errorf("%s: %w", col, err)
						}
						key := csvName(name) + "/" + strconv.Itoa(p)
						results[col][key] = append(results[col][key], r)
					}
				}
			}
			if fanMsgs > 0 {
				ports := ts[0].ports
				if ports == nil {
					ports = []int{ts[0].port}
				}
				fmt.Fprintf(os.Stderr, "bench: %s pub/sub fan-out ...\n", tg.name)
				rate, err := fanout(ports, 50, fanMsgs)
				if err != nil {
					stopAll(ts)
					return fmt.Errorf("%s fan-out: %w", tg.name, err)
				}
				if fanRates[tg.name] == nil {
					fanColumns = append(fanColumns, tg.name)
				}
				fanRates[tg.name] = append(fanRates[tg.name], rate)
			}
			stopAll(ts)
		}
	}

	fmt.Printf("\nredis-benchmark -n %d -c %d, same machine, median of %d rounds (%s)\n", n, c, rounds, time.Now().Format(time.RFC3339))
	fmt.Printf("requests/s and p50 latency (ms); ratio = median requests/s over that of redis-server with appendonly yes, appendfsync always\n")
	fmt.Printf("respraft nodes run with --procs %d (GOMAXPROCS; 0 = one per CPU); redis-server serves from one thread\n\n", procs)
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(w, "test\tP\t")
	for _, col := range columns {
		fmt.Fprintf(w, "%s\tp50\t", col)
	}
	for _, col := range columns[2:] {
		fmt.Fprintf(w, "%s/always\t", col)
	}
	fmt.Fprintln(w)
	for _, p := range pipelines {
		for _, name := range names {
			key := csvName(name) + "/" + strconv.Itoa(p)
			fmt.Fprintf(w, "%s\t%d\t", name, p)
			for _, col := range columns {
				r := medianResult(results[col][key])
				fmt.Fprintf(w, "%.0f\t%.3f\t", r.rps, r.p50)
			}
			always := medianResult(results["redis always"][key]).rps
			for _, col := range columns[2:] {
				if always > 0 {
					fmt.Fprintf(w, "%.2fx\t", medianResult(results[col][key]).rps/always)
				} else {
					fmt.Fprint(w, "-\t")
				}
			}
			fmt.Fprintln(w)
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if len(fanColumns) == 0 {
		return nil
	}
	fmt.Printf("\npub/sub fan-out: 1 publisher, 50 subscribers (spread over the nodes of a cluster), %d messages;\n", fanMsgs)
	fmt.Printf("publishes/s until every subscriber had every message, and the ratio over redis always\n\n")
	w = tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	for _, col := range fanColumns {
		fmt.Fprintf(w, "%s\t", col)
	}
	for _, col := range fanColumns[2:] {
		fmt.Fprintf(w, "%s/always\t", col)
	}
	fmt.Fprintln(w)
	for _, col := range fanColumns {
		fmt.Fprintf(w, "%.0f\t", median(fanRates[col]))
	}
	for _, col := range fanColumns[2:] {
		if always := median(fanRates["redis always"]); always > 0 {
			fmt.Fprintf(w, "%.2fx\t", median(fanRates[col])/always)
		}
	}
	fmt.Fprintln(w)
	return w.Flush()
}

// median is the middle value of xs (the mean of the middle two for an
// even count), 0 for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// medianResult takes the median of the rounds' requests/s and, apart, of
// their p50 latencies.
func medianResult(rs []result) result {
	rps := make([]float64, len(rs))
	p50 := make([]float64, len(rs))
	for i, r := range rs {
		rps[i], p50[i] = r.rps, r.p50
	}
	return result{rps: median(rps), p50: median(p50)}
}

func one(t *target, err error) ([]*target, error) {
	if err != nil {
		return nil, err
	}
	return []*target{t}, nil
}

func stopAll(ts []*target) {
	for _, t := range ts {
		t.stop()
	}
}

// csvName is the test's name in redis-benchmark's CSV output.
func csvName(test string) string {
	switch test {
	case "mset":
		return "MSET (10 keys)"
	case "lpush", "lpop":
		return strings.ToUpper(test)
	}
	return strings.ToUpper(test)
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
	return parseCSV(out)
}

// parseCSV reads redis-benchmark --csv output: requests/s and p50 by test
// name.
func parseCSV(out []byte) (map[string]result, error) {
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

// startRespraft starts one node; with peers it is node id of that cluster
// (ports[id] = client and raft port).
func startRespraft(tmp, bin, id string, ports map[string][2]int) (*target, error) {
	var port, raftPort int
	var err error
	var extra []string
	if ports == nil {
		if port, err = freePort(); err != nil {
			return nil, err
		}
		if raftPort, err = freePort(); err != nil {
			return nil, err
		}
	} else {
		port, raftPort = ports[id][0], ports[id][1]
		var peers []string
		for pid, p := range ports {
			peers = append(peers, pid+"=127.0.0.1:"+strconv.Itoa(p[1]))
		}
		sort.Strings(peers)
		extra = []string{"--node-id", id, "--peers", strings.Join(peers, ",")}
	}
	dir, err := os.MkdirTemp(tmp, "respraft-")
	if err != nil {
		return nil, err
	}
	args := append([]string{"--port", strconv.Itoa(port), "--raft-port", strconv.Itoa(raftPort), "--dir", dir,
		"--log-level", "warn", "--procs", strconv.Itoa(procs)}, extra...)
	return startProcess(exec.Command(bin, args...), port)
}

// startCluster starts three nodes and returns the leader and one follower
// as targets named "leader" and "follower" (all three are stopped by
// either's stop, so stop both).
func startCluster(tmp, bin string) ([]*target, error) {
	ports := map[string][2]int{}
	for _, id := range []string{"n1", "n2", "n3"} {
		p1, err := freePort()
		if err != nil {
			return nil, err
		}
		p2, err := freePort()
		if err != nil {
			return nil, err
		}
		ports[id] = [2]int{p1, p2}
	}
	type started struct {
		t   *target
		err error
	}
	ch := make(chan started, 3)
	for id := range ports {
		go func(id string) {
			t, err := startRespraft(tmp, bin, id, ports)
			ch <- started{t, err}
		}(id)
	}
	var all []*target
	var firstErr error
	for range ports {
		s := <-ch
		if s.err != nil && firstErr == nil {
			firstErr = s.err
		}
		if s.t != nil {
			all = append(all, s.t)
		}
	}
	if firstErr != nil {
		stopAll(all)
		return nil, firstErr
	}
	var leader, follower *target
	for _, t := range all {
		if isLeader(t.port) {
			leader = t
		} else if follower == nil {
			follower = t
		}
	}
	if leader == nil || follower == nil {
		stopAll(all)
		return nil, errors.New("cluster has no leader")
	}
	stop := func() { stopAll(all) }
	nodes := []int{leader.port}
	for _, t := range all {
		if t != leader {
			nodes = append(nodes, t.port)
		}
	}
	return []*target{
		{name: "leader", port: leader.port, stop: func() {}, ports: nodes},
		{name: "follower", port: follower.port, stop: stop},
	}, nil
}

func isLeader(port int) bool {
	out, err := exec.Command("redis-cli", "-p", strconv.Itoa(port), "RAFT.INFO").Output()
	return err == nil && strings.Contains(string(out), "role:Leader")
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
