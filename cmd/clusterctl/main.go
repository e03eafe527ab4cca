// Command clusterctl drives the docker compose cluster of docker-compose.yml
// for the Makefile's cluster-* targets:
//
//	clusterctl [-compose cmd] wait-healthy [-timeout d] service...
//	clusterctl [-compose cmd] rolling-restart [-grace d] [-timeout d] service...
//
// wait-healthy waits until docker reports every service's container
// healthy (the compose health check, `respraft health --ready`).
//
// rolling-restart first checks that every service is ready, then, one
// service at a time: stops it gracefully (`stop -t grace`: SIGTERM, so a
// leader hands leadership over), starts it, and waits until
// `respraft health --ready` passes inside the container. It prints every
// step and how long it took, and fails if a node is not ready within
// -timeout of its start.
//
// -compose is the compose command, "docker-compose" (v1) or
// "docker compose" (v2); the project comes from COMPOSE_PROJECT_NAME as
// usual. clusterctl only runs compose and docker commands: it never
// touches containers outside the project.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

const usage = `usage:
  clusterctl [-compose cmd] wait-healthy [-timeout d] service...
  clusterctl [-compose cmd] rolling-restart [-grace d] [-timeout d] service...
`

func run(args []string) int {
	fs := flag.NewFlagSet("clusterctl", flag.ContinueOnError)
	composeCmd := fs.String("compose", "docker-compose", `compose command: "docker-compose" or "docker compose"`)
	fs.Usage = func() { fmt.Fprint(os.Stderr, usage) }
	if err := fs.Parse(args); err != nil {
		return 2
	}
	c := compose(strings.Fields(*composeCmd))
	if len(c) == 0 || fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	sub, rest := fs.Arg(0), fs.Args()[1:]
	var err error
	switch sub {
	case "wait-healthy":
		err = waitHealthyCmd(c, rest)
	case "rolling-restart":
		err = rollingRestartCmd(c, rest)
	default:
		fs.Usage()
		return 2
	}
	if errors.Is(err, errUsage) {
		fs.Usage()
		return 2
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "clusterctl %s: %v\n", sub, err)
		return 1
	}
	return 0
}

var errUsage = errors.New("usage")

// compose is the compose command line, e.g. ["docker", "compose"].
type compose []string

func (c compose) command(ctx context.Context, args ...string) *exec.Cmd {
	argv := append(append([]string(nil), c[1:]...), args...)
	return exec.CommandContext(ctx, c[0], argv...)
}

// run runs a compose command with its output passed through.
func (c compose) run(ctx context.Context, args ...string) error {
	cmd := c.command(ctx, args...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w", strings.Join(c, " "), strings.Join(args, " "), err)
	}
	return nil
}

// output runs a compose command and returns its trimmed stdout.
func (c compose) output(ctx context.Context, args ...string) (string, error) {
	var stderr strings.Builder
	cmd := c.command(ctx, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s %s: %w: %s", strings.Join(c, " "), strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

// id is the container id of the service; it stays the same across stop
// and start.
func (c compose) id(ctx context.Context, svc string) (string, error) {
	id, err := c.output(ctx, "ps", "-q", svc)
	if err != nil {
		return "", err
	}
	if id == "" {
		return "", fmt.Errorf("service %s has no container (is the cluster up?)", svc)
	}
	return id, nil
}

// docker runs a docker command and returns its trimmed stdout. Calls per
// container go to docker directly: docker-compose v1 takes about a second
// to start, which would blur the timings.
func docker(ctx context.Context, args ...string) (string, error) {
	var stderr strings.Builder
	cmd := exec.CommandContext(ctx, "docker", args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("docker %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

// ready runs `respraft health --ready` inside the container.
func ready(ctx context.Context, id string) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err := docker(ctx, "exec", id, "/respraft", "health", "--addr", "127.0.0.1:6379", "--ready", "--timeout", "1s")
	return err
}

// state is the container's docker state and health status, e.g.
// "running healthy", "running starting" or "exited".
func state(ctx context.Context, id string) (string, error) {
	return docker(ctx, "inspect", "-f", "{{.State.Status}}{{if .State.Health}} {{.State.Health.Status}}{{end}}", id)
}

// role asks the node, through its published client port, for the role
// line of RAFT.INFO; "" if it cannot tell. Only for the printout.
func role(ctx context.Context, id string) string {
	out, err := docker(ctx, "port", id, "6379/tcp")
	if err != nil || out == "" {
		return ""
	}
	addr, _, _ := strings.Cut(out, "\n")
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return ""
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := io.WriteString(conn, "*1\r\n$9\r\nRAFT.INFO\r\n"); err != nil {
		return ""
	}
	r := bufio.NewReader(conn)
	head, err := r.ReadString('\n')
	if err != nil || !strings.HasPrefix(head, "$") {
		return ""
	}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return ""
		}
		if v, ok := strings.CutPrefix(strings.TrimRight(line, "\r\n"), "role:"); ok {
			return strings.ToLower(v)
		}
	}
}

// poll calls f every interval until it returns nil or stop, or timeout
// passes; it returns the last error.
func poll(ctx context.Context, timeout, interval time.Duration, f func() (stop bool, err error)) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		stop, err := f()
		if err == nil || stop {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("not within %s: %w", timeout, err)
		case <-time.After(interval):
		}
	}
}

func since(t time.Time) time.Duration { return time.Since(t).Round(10 * time.Millisecond) }

func waitHealthyCmd(c compose, args []string) error {
	fs := flag.NewFlagSet("wait-healthy", flag.ContinueOnError)
	timeout := fs.Duration("timeout", 90*time.Second, "how long to wait for all services")
	if err := fs.Parse(args); err != nil || fs.NArg() == 0 {
		return errUsage
	}
	ctx := context.Background()
	start := time.Now()
	deadline := start.Add(*timeout)
	fmt.Printf("waiting up to %s for %s to be healthy\n", *timeout, strings.Join(fs.Args(), ", "))
	for _, svc := range fs.Args() {
		id, err := c.id(ctx, svc)
		if err != nil {
			return err
		}
		err = poll(ctx, time.Until(deadline), 250*time.Millisecond, func() (bool, error) {
			st, err := state(ctx, id)
			switch {
			case err != nil:
				return false, err
			case st == "running healthy":
				return false, nil
			case !strings.HasPrefix(st, "running") && !strings.HasPrefix(st, "restarting"):
				return true, fmt.Errorf("container is %s (see: %s logs %s)", st, strings.Join(c, " "), svc)
			}
			return false, fmt.Errorf("container is %s", st)
		})
		if err != nil {
			return fmt.Errorf("%s: %w", svc, err)
		}
		fmt.Printf("%s healthy after %s\n", svc, since(start))
	}
	fmt.Printf("all %d healthy after %s\n", fs.NArg(), since(start))
	return nil
}

func rollingRestartCmd(c compose, args []string) error {
	fs := flag.NewFlagSet("rolling-restart", flag.ContinueOnError)
	grace := fs.Duration("grace", 30*time.Second, "time between SIGTERM and SIGKILL when stopping")
	timeout := fs.Duration("timeout", 60*time.Second, "how long a started node may take to be ready")
	if err := fs.Parse(args); err != nil || fs.NArg() == 0 {
		return errUsage
	}
	ctx := context.Background()
	services := fs.Args()
	start := time.Now()

	// Restarting a node of a degraded cluster could cost the quorum.
	ids := make([]string, len(services))
	for i, svc := range services {
		id, err := c.id(ctx, svc)
		if err != nil {
			return err
		}
		if err := ready(ctx, id); err != nil {
			return fmt.Errorf("%s is not ready, refusing to start the restart: %w", svc, err)
		}
		ids[i] = id
	}
	fmt.Printf("rolling restart of %s: all ready (checked in %s)\n", strings.Join(services, ", "), since(start))

	var summary []string
	for i, svc := range services {
		step := fmt.Sprintf("[%d/%d] %s", i+1, len(services), svc)
		if r := role(ctx, ids[i]); r != "" {
			step += " (" + r + ")"
		}

		t := time.Now()
		fmt.Printf("%s: stopping (SIGTERM, grace %s)\n", step, *grace)
		stopCtx, cancel := context.WithTimeout(ctx, *grace+30*time.Second)
		err := c.run(stopCtx, "stop", "-t", fmt.Sprint(int(grace.Seconds())), svc)
		cancel()
		if err != nil {
			return fmt.Errorf("%s: stop: %w", svc, err)
		}
		stopped := since(t)
		fmt.Printf("%s: stopped in %s\n", step, stopped)

		t = time.Now()
		startCtx, cancel := context.WithTimeout(ctx, *timeout)
		err = c.run(startCtx, "start", svc)
		cancel()
		if err != nil {
			return fmt.Errorf("%s: start: %w", svc, err)
		}
		started := since(t)
		fmt.Printf("%s: started in %s, waiting up to %s for ready\n", step, started, *timeout)

		err = poll(ctx, *timeout-time.Since(t), 200*time.Millisecond, func() (bool, error) {
			return false, ready(ctx, ids[i])
		})
		if err != nil {
			return fmt.Errorf("%s: not ready after start: %w", svc, err)
		}
		readyAfter := since(t)
		fmt.Printf("%s: ready %s after start\n", step, readyAfter)
		summary = append(summary, fmt.Sprintf("%s: stop %s, start+ready %s", step, stopped, readyAfter))
	}
	fmt.Printf("rolling restart done in %s\n  %s\n", since(start), strings.Join(summary, "\n  "))
	return nil
}
