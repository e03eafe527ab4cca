package main

import (
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// customTest is a benchmark redis-benchmark has no -t name for: one
// command line run as redis-benchmark's custom command, after a setup.
type customTest struct {
	name  string
	args  []string // the command; __rand_int__ is redis-benchmark's random placeholder
	setup func(ctx context.Context, c *redis.Client) error
}

var customTests = []customTest{
	{
		name: "zrange",
		args: []string{"ZRANGE", "bench:zset", "0", "99"},
		setup: func(ctx context.Context, c *redis.Client) error {
			// ZRANGE 0 99 of a 1,000-member sorted set.
			members := make([]redis.Z, 1000)
			for i := range members {
				members[i] = redis.Z{Score: float64(i), Member: "member:" + strconv.Itoa(i)}
			}
			return c.ZAdd(ctx, "bench:zset", members...).Err()
		},
	},
	{name: "pfadd", args: []string{"PFADD", "bench:hll", "element:__rand_int__"}},
}

func customByName(name string) (customTest, bool) {
	for _, t := range customTests {
		if t.name == name {
			return t, true
		}
	}
	return customTest{}, false
}

// benchmarkCustom runs one custom command with redis-benchmark --csv.
func benchmarkCustom(port, n, c, p int, t customTest) (result, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	if t.setup != nil {
		cl := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(port), Protocol: 2})
		err := t.setup(ctx, cl)
		cl.Close()
		if err != nil {
			return result{}, fmt.Errorf("%s setup: %w", t.name, err)
		}
	}
	args := []string{"-h", "127.0.0.1", "-p", strconv.Itoa(port), "-n", strconv.Itoa(n), "-c", strconv.Itoa(c),
		"-P", strconv.Itoa(p), "-r", "1000000", "--csv"}
	out, err := exec.CommandContext(ctx, "redis-benchmark", append(args, t.args...)...).Output()
	if err != nil {
		return result{}, fmt.Errorf("redis-benchmark %s: %w", t.name, err)
	}
	res, err := parseCSV(out)
	if err != nil {
		return result{}, fmt.Errorf("%s: %w", t.name, err)
	}
	for _, r := range res { // one command, one row
		return r, nil
	}
	return result{}, nil // not reached: parseCSV refuses an empty result
}

// fanout is the pub/sub benchmark: subscribers connected round-robin to
// ports, one publisher on ports[0] sending msgs messages one after the
// other. It reports publishes per second, counted until every subscriber
// has received every message, and checks that each PUBLISH counted all
// subscribers.
func fanout(ports []int, subscribers, msgs int) (float64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	const channel = "bench:fanout"
	var received atomic.Int64
	var subs []*redis.PubSub
	var clients []*redis.Client
	defer func() {
		for _, s := range subs {
			s.Close()
		}
		for _, c := range clients {
			c.Close()
		}
	}()
	var wg sync.WaitGroup
	for i := range subscribers {
		c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(ports[i%len(ports)]), Protocol: 2})
		clients = append(clients, c)
		s := c.Subscribe(ctx, channel)
		if _, err := s.Receive(ctx); err != nil {
			return 0, fmt.Errorf("subscribe: %w", err)
		}
		subs = append(subs, s)
		ch := s.Channel(redis.WithChannelSize(msgs))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; n < msgs; n++ {
				select {
				case <-ch:
					received.Add(1)
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	pub := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(ports[0]), Protocol: 2})
	clients = append(clients, pub)
	start := time.Now()
	for i := range msgs {
		n, err := pub.Publish(ctx, channel, "message "+strconv.Itoa(i)).Result()
		if err != nil {
			return 0, fmt.Errorf("publish: %w", err)
		}
		if n != int64(subscribers) {
			return 0, fmt.Errorf("PUBLISH reached %d subscribers, want %d", n, subscribers)
		}
	}
	wg.Wait()
	elapsed := time.Since(start)
	if got, want := received.Load(), int64(subscribers*msgs); got != want {
		return 0, fmt.Errorf("subscribers received %d messages, want %d", got, want)
	}
	return float64(msgs) / elapsed.Seconds(), nil
}
