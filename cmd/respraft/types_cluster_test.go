package main

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestClusterPubSub: subscribers on every node, by channel and by pattern,
// receive what is published through any node, and PUBLISH counts them all.
func TestClusterPubSub(t *testing.T) {
	c := startCluster(t, 3)
	ctx := context.Background()

	type listener struct {
		name string
		ps   *redis.PubSub
	}
	var ls []listener
	for _, nd := range c.Nodes {
		sub := nd.Client(0).Subscribe(ctx, "news")
		psub := nd.Client(0).PSubscribe(ctx, "n*")
		for _, ps := range []*redis.PubSub{sub, psub} {
			if _, err := ps.Receive(ctx); err != nil { // the subscription's confirmation
				t.Fatalf("subscribe on %s: %v", nd.name(), err)
			}
			t.Cleanup(func() { ps.Close() })
		}
		ls = append(ls, listener{nd.name() + " news", sub}, listener{nd.name() + " n*", psub})
	}

	// Every node sees the whole cluster's subscriptions.
	for _, nd := range c.Nodes {
		cl := nd.Client(0)
		if got, err := cl.PubSubNumSub(ctx, "news", "none").Result(); err != nil || got["news"] != 3 || got["none"] != 0 {
			t.Errorf("PUBSUB NUMSUB on %s: %v, %v; want news=3 none=0", nd.name(), got, err)
		}
		if got, err := cl.PubSubNumPat(ctx).Result(); err != nil || got != 1 {
			t.Errorf("PUBSUB NUMPAT on %s: %d, %v; want 1 (one distinct pattern)", nd.name(), got, err)
		}
		if got, err := cl.PubSubChannels(ctx, "n*").Result(); err != nil || len(got) != 1 || got[0] != "news" {
			t.Errorf("PUBSUB CHANNELS n* on %s: %v, %v; want [news]", nd.name(), got, err)
		}
	}

	const perNode = 20
	for i, nd := range c.Nodes {
		for j := range perNode {
			msg := fmt.Sprintf("%d:%d", i, j)
			n, err := nd.Client(0).Publish(ctx, "news", msg).Result()
			if err != nil || n != 6 {
				t.Fatalf("PUBLISH through %s: %d, %v; want 6 receivers (3 channel + 3 pattern subscribers)", nd.name(), n, err)
			}
		}
		if n, err := nd.Client(0).Publish(ctx, "sport", "x").Result(); err != nil || n != 0 {
			t.Errorf("PUBLISH sport through %s: %d, %v; want 0", nd.name(), n, err)
		}
	}

	// Each listener gets every message once, in each publisher's order.
	for _, l := range ls {
		next := make([]int, len(c.Nodes))
		deadline := time.After(10 * time.Second)
		for got := 0; got < perNode*len(c.Nodes); got++ {
			var m *redis.Message
			select {
			case m = <-l.ps.Channel():
			case <-deadline:
				t.Fatalf("%s: %d of %d messages", l.name, got, perNode*len(c.Nodes))
			}
			var from, seq int
			if _, err := fmt.Sscanf(m.Payload, "%d:%d", &from, &seq); err != nil || m.Channel != "news" {
				t.Fatalf("%s: unexpected message %+v", l.name, m)
			}
			if seq != next[from] {
				t.Fatalf("%s: message %d from node %d arrived when %d was due", l.name, seq, from, next[from])
			}
			next[from]++
		}
	}
	t.Logf("%d listeners on %d nodes each received %d messages in order", len(ls), len(c.Nodes), perNode*len(c.Nodes))

	// A node that stops takes its subscribers with it; the rest still count.
	stopped := c.Nodes[2]
	if err := stopped.Stop(); err != nil {
		t.Fatal(err)
	}
	if n, err := c.Nodes[0].Client(0).Publish(ctx, "news", "after").Result(); err != nil || n != 4 {
		t.Errorf("PUBLISH with %s stopped: %d, %v; want 4", stopped.name(), n, err)
	}
}

// TestClusterBlockingPops: clients blocked in BLPOP on every node are
// served by pushes made through any node, every element is popped exactly
// once, and a leader killed while clients are blocked loses nothing.
func TestClusterBlockingPops(t *testing.T) {
	c := startCluster(t, 3)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	client := func(nd *node) *redis.Client {
		cl := redis.NewClient(&redis.Options{Addr: nd.Addr(), Protocol: 2, MaxRetries: -1})
		t.Cleanup(func() { cl.Close() })
		return cl
	}

	// Four poppers per node, each looping BLPOP on two keys.
	type pop struct{ key, elem string }
	pops := make(chan pop, 10000)
	var popErrs sync.Map // error text -> count, for the log
	var wg sync.WaitGroup
	for _, nd := range c.Nodes {
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cl := client(nd)
				for ctx.Err() == nil {
					res, err := cl.BLPop(ctx, time.Second, "jobs:a", "jobs:b").Result()
					switch {
					case err == redis.Nil:
					case err != nil:
						if ctx.Err() == nil {
							n, _ := popErrs.LoadOrStore(err.Error(), new(atomic.Int64))
							n.(*atomic.Int64).Add(1)
							time.Sleep(20 * time.Millisecond)
						}
					default:
						pops <- pop{res[0], res[1]}
					}
				}
			}()
		}
	}

	// Pushes through every node, in two rounds; between them, with every
	// popper blocked on empty lists, the leader is killed and restarted.
	pushed := map[string]bool{}
	var mu sync.Mutex
	push := func(round int, nodes []*node) {
		var pw sync.WaitGroup
		for i, nd := range nodes {
			pw.Add(1)
			go func() {
				defer pw.Done()
				cl := client(nd)
				for j := range 150 {
					elem := fmt.Sprintf("r%d-n%d-%d", round, i, j)
					key := []string{"jobs:a", "jobs:b"}[j%2]
					if err := cl.RPush(ctx, key, elem).Err(); err != nil {
						t.Errorf("RPUSH %s through %s: %v", elem, nd.name(), err)
						continue
					}
					mu.Lock()
					pushed[elem] = true
					mu.Unlock()
				}
			}()
		}
		pw.Wait()
	}
	got := map[string]int{}
	collect := func(want int, within time.Duration) {
		deadline := time.After(within)
		for len(got) < want {
			select {
			case p := <-pops:
				got[p.elem]++
			case <-deadline:
				// What was left, and who waited for it.
				for _, nd := range c.Nodes {
					info, err := nd.Client(0).Info(context.Background(), "clients").Result()
					la, _ := nd.Client(0).LLen(context.Background(), "jobs:a").Result()
					lb, _ := nd.Client(0).LLen(context.Background(), "jobs:b").Result()
					t.Logf("%s: %d and %d elements left; %q (%v)", nd.name(), la, lb, info, err)
				}
				popErrs.Range(func(k, v any) bool {
					t.Logf("poppers saw %d x %v", v.(*atomic.Int64).Load(), k)
					return true
				})
				t.Fatalf("%d of %d pushed elements popped", len(got), want)
			}
		}
	}

	push(1, c.Nodes)
	collect(len(pushed), 30*time.Second)
	time.Sleep(300 * time.Millisecond) // every popper is blocked again

	old := c.Leader()
	start := time.Now()
	old.Kill()
	var rest []*node
	for _, nd := range c.Nodes {
		if nd != old {
			rest = append(rest, nd)
		}
	}
	if _, err := c.waitLeader(10 * time.Second); err != nil {
		t.Fatalf("no new leader after killing %s: %v", old.name(), err)
	}
	t.Logf("killed leader %s; new leader after %v", old.name(), time.Since(start).Round(time.Millisecond))
	push(2, rest)
	old.Restart()
	old.WaitReady(30 * time.Second)
	push(3, c.Nodes)
	collect(len(pushed), 30*time.Second)
	cancel()
	wg.Wait()
	close(pops)
	for p := range pops {
		got[p.elem]++
	}

	for elem, n := range got {
		if n != 1 {
			t.Errorf("%s popped %d times", elem, n)
		}
		if !pushed[elem] {
			t.Errorf("%s popped but never pushed", elem)
		}
	}
	for _, nd := range c.Nodes {
		if n, err := nd.Client(0).Exists(context.Background(), "jobs:a", "jobs:b").Result(); err != nil || n != 0 {
			t.Errorf("lists left on %s: %d, %v", nd.name(), n, err)
		}
	}
	popErrs.Range(func(k, v any) bool {
		t.Logf("poppers saw %d x %v", v.(*atomic.Int64).Load(), k)
		return true
	})
	t.Logf("%d elements pushed through 3 nodes, each popped exactly once by 12 clients on 3 nodes", len(pushed))
	c.WaitConverged(t)
}

// TestClusterGeoAndHyperLogLogEveryNode: a GEOSEARCH and a PFCOUNT give
// the same answer on every node after the writes went through one.
func TestClusterGeoAndHyperLogLogEveryNode(t *testing.T) {
	c := startCluster(t, 3)
	ctx := context.Background()
	w := c.Followers()[0].Client(0)
	if err := w.GeoAdd(ctx, "Sicily",
		&redis.GeoLocation{Name: "Palermo", Longitude: 13.361389, Latitude: 38.115556},
		&redis.GeoLocation{Name: "Catania", Longitude: 15.087269, Latitude: 37.502669},
		&redis.GeoLocation{Name: "Agrigento", Longitude: 13.583333, Latitude: 37.316667}).Err(); err != nil {
		t.Fatalf("GEOADD: %v", err)
	}
	elems := make([]interface{}, 5000)
	for i := range elems {
		elems[i] = "visitor:" + strconv.Itoa(i)
	}
	if err := w.PFAdd(ctx, "visitors", elems...).Err(); err != nil {
		t.Fatalf("PFADD: %v", err)
	}
	var want []string
	var wantCount int64
	for i, nd := range c.Nodes {
		cl := nd.Client(0)
		res, err := cl.Do(ctx, "GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "ASC", "WITHDIST").Slice()
		if err != nil {
			t.Fatalf("GEOSEARCH on %s: %v", nd.name(), err)
		}
		got := fmt.Sprint(res)
		n, err := cl.PFCount(ctx, "visitors").Result()
		if err != nil {
			t.Fatalf("PFCOUNT on %s: %v", nd.name(), err)
		}
		if i == 0 {
			want, wantCount = []string{got}, n
			continue
		}
		if got != want[0] || n != wantCount {
			t.Errorf("%s: GEOSEARCH %s PFCOUNT %d; %s had %s and %d", nd.name(), got, n, c.Nodes[0].name(), want[0], wantCount)
		}
	}
	// The values redis-server 7.0.15 gives for the same input (checked by
	// hand with redis-cli).
	if want[0] != "[[Catania 56.4413] [Agrigento 130.4235] [Palermo 190.4424]]" {
		t.Errorf("GEOSEARCH: %s", want[0])
	}
	if wantCount != 5016 {
		t.Errorf("PFCOUNT of visitor:0..visitor:4999: %d, redis-server says 5016", wantCount)
	}
	t.Logf("every node: GEOSEARCH %s, PFCOUNT %d", want[0], wantCount)
}

// TestClusterBlockingMovesAndZpops: BLMOVE, BZPOPMIN and BZMPOP clients
// blocked on one node are served by pushes through another, and the
// result is the same on every node; a client that hangs up while blocked
// on a follower consumes nothing.
func TestClusterBlockingMovesAndZpops(t *testing.T) {
	c := startCluster(t, 3)
	ctx := context.Background()
	leader, fs := c.Leader(), c.Followers()
	f1, f2 := fs[0], fs[1]

	// blocked waits until nd reports n blocked clients.
	blocked := func(nd *node, n int) {
		t.Helper()
		err := poll(10*time.Second, func() error {
			info, err := nd.Client(0).Info(ctx, "clients").Result()
			if err != nil {
				return err
			}
			if got := parseFields(info)["blocked_clients"]; got != strconv.Itoa(n) {
				return fmt.Errorf("blocked_clients:%s, want %d", got, n)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v", nd.name(), err)
		}
	}
	// async runs a blocking call and hands over its result.
	type result struct {
		val any
		err error
	}
	async := func(f func() (any, error)) <-chan result {
		ch := make(chan result, 1)
		go func() { v, err := f(); ch <- result{v, err} }()
		return ch
	}
	await := func(what string, ch <-chan result) any {
		t.Helper()
		select {
		case r := <-ch:
			if r.err != nil {
				t.Fatalf("%s: %v", what, r.err)
			}
			return r.val
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: still blocked 10s after the push", what)
		}
		return nil
	}
	sameOnEvery := func(cmd []any, want string) {
		t.Helper()
		err := poll(10*time.Second, func() error {
			for _, nd := range c.Nodes {
				v, err := nd.Client(0).Do(ctx, cmd...).Result()
				if err != nil && err != redis.Nil {
					return fmt.Errorf("%s: %v", nd.name(), err)
				}
				if got := fmt.Sprint(v); got != want {
					return fmt.Errorf("%v on %s: got %s, want %s", cmd, nd.name(), got, want)
				}
			}
			return nil
		})
		if err != nil {
			t.Error(err)
		}
	}

	// A client blocked in BLMOVE on a follower hangs up; a push afterwards
	// stays in the list.
	raw, err := net.Dial("tcp", f1.Addr())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Write([]byte("*6\r\n$6\r\nBLMOVE\r\n$3\r\nsrc\r\n$3\r\ndst\r\n$4\r\nLEFT\r\n$5\r\nRIGHT\r\n$1\r\n0\r\n")); err != nil {
		t.Fatal(err)
	}
	blocked(f1, 1)
	raw.Close()
	blocked(f1, 0) // the node noticed the hang-up
	if err := leader.Client(0).RPush(ctx, "src", "kept").Err(); err != nil {
		t.Fatal(err)
	}
	sameOnEvery([]any{"LRANGE", "src", 0, -1}, "[kept]")
	sameOnEvery([]any{"EXISTS", "dst"}, "0")

	// BLMOVE blocked on one follower, served by a push through the other.
	moved := async(func() (any, error) {
		return f2.Client(0).BLMove(ctx, "src2", "dst2", "RIGHT", "LEFT", 0).Result()
	})
	blocked(f2, 1)
	if err := f1.Client(0).RPush(ctx, "src2", "a", "b").Err(); err != nil {
		t.Fatal(err)
	}
	if got := await("BLMOVE on "+f2.name(), moved); got != "b" {
		t.Errorf("BLMOVE: got %v, want b", got)
	}
	sameOnEvery([]any{"LRANGE", "src2", 0, -1}, "[a]")
	sameOnEvery([]any{"LRANGE", "dst2", 0, -1}, "[b]")

	// BZPOPMIN blocked on the leader, served by ZADD through a follower.
	zpop := async(func() (any, error) {
		return leader.Client(0).BZPopMin(ctx, 0, "z1", "z2").Result()
	})
	blocked(leader, 1)
	if err := f1.Client(0).ZAdd(ctx, "z2", redis.Z{Score: 2, Member: "two"}, redis.Z{Score: 1.5, Member: "one"}).Err(); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(await("BZPOPMIN on "+leader.name(), zpop)); got != "&{{1.5 one} z2}" {
		t.Errorf("BZPOPMIN: got %s, want z2 one 1.5", got)
	}
	sameOnEvery([]any{"ZRANGE", "z2", 0, -1, "WITHSCORES"}, "[two 2]")

	// BZMPOP with COUNT blocked on a follower, served through the leader.
	zm := async(func() (any, error) {
		return f1.Client(0).Do(ctx, "BZMPOP", 0, 2, "z3", "z4", "MIN", "COUNT", 2).Result()
	})
	blocked(f1, 1)
	if err := leader.Client(0).ZAdd(ctx, "z4", redis.Z{Score: 3, Member: "c"}, redis.Z{Score: 1, Member: "a"}, redis.Z{Score: 2, Member: "b"}).Err(); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(await("BZMPOP on "+f1.name(), zm)); got != "[z4 [[a 1] [b 2]]]" {
		t.Errorf("BZMPOP: got %s, want [z4 [[a 1] [b 2]]]", got)
	}
	sameOnEvery([]any{"ZRANGE", "z4", 0, -1}, "[c]")
	c.WaitConverged(t)
}

// TestClusterBlockedClientsInOrder: clients blocked on one key from
// different nodes are served in the order they blocked, whichever node
// takes the push and whichever node leads; a node stopped in order
// withdraws its clients' registrations; and the registration of a client
// whose node died lapses, so the clients behind it are served.
func TestClusterBlockedClientsInOrder(t *testing.T) {
	c := startCluster(t, 3)
	ctx := context.Background()
	admin := map[*node]*redis.Client{}
	for _, nd := range c.Nodes {
		admin[nd] = nd.Client(0)
	}
	queued := func(nd *node, n int) {
		t.Helper()
		want := fmt.Sprintf("cluster_blocked_clients:%d\r\n", n)
		deadline := time.Now().Add(10 * time.Second)
		for {
			info, err := admin[nd].Info(ctx, "clients").Result()
			if err == nil && strings.Contains(info, want) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s never reported %q: %q, %v", nd.name(), strings.TrimSpace(want), info, err)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	type popped struct {
		res []string
		err error
	}
	block := func(nd *node, key string, timeout time.Duration) <-chan popped {
		ch := make(chan popped, 1)
		cl := redis.NewClient(&redis.Options{Addr: nd.Addr(), Protocol: 2, MaxRetries: -1, ReadTimeout: -1})
		go func() {
			defer cl.Close()
			res, err := cl.BLPop(ctx, timeout, key).Result()
			ch <- popped{res, err}
		}()
		return ch
	}
	wait := func(ch <-chan popped, within time.Duration) popped {
		t.Helper()
		select {
		case p := <-ch:
			return p
		case <-time.After(within):
			t.Fatalf("no reply within %v", within)
			return popped{}
		}
	}

	// Every pair of nodes, both ways round; the third node takes the
	// pushes. The second client's attempts are often applied first (its
	// node may lead, or just be quicker), yet the first client is served
	// first.
	round := 0
	for i := range c.Nodes {
		for _, swap := range []bool{false, true} {
			first, second, pusher := c.Nodes[(i+1)%3], c.Nodes[(i+2)%3], c.Nodes[i]
			if swap {
				first, second = second, first
			}
			key := fmt.Sprintf("fifo:%d", round)
			a := block(first, key, 20*time.Second)
			queued(second, 1)
			b := block(second, key, 20*time.Second)
			queued(pusher, 2)
			for _, elem := range []string{"x", "y"} {
				if err := pusher.Client(0).RPush(ctx, key, elem).Err(); err != nil {
					t.Fatal(err)
				}
			}
			pa, pb := wait(a, 10*time.Second), wait(b, 10*time.Second)
			if pa.err != nil || pb.err != nil || pa.res[1] != "x" || pb.res[1] != "y" {
				t.Fatalf("round %d: blocked on %s first, then on %s; pushed x, y through %s: first got %v (%v), second %v (%v)",
					round, first.name(), second.name(), pusher.name(), pa.res, pa.err, pb.res, pb.err)
			}
			round++
		}
	}
	queued(c.Nodes[0], 0)

	// A node stopped in order (SIGTERM) withdraws its clients' places at
	// once, well before their leases would end.
	stopped := c.Followers()[0]
	block(stopped, "fifo:stop", 0)
	queued(c.Leader(), 1)
	start := time.Now()
	if err := stopped.Stop(); err != nil {
		t.Fatalf("stopping %s: %v", stopped.name(), err)
	}
	queued(c.Leader(), 0)
	if d := time.Since(start); d >= 2*time.Second {
		t.Errorf("a stopped node's blocked client held its place for %v", d)
	}
	stopped.Restart()
	stopped.WaitReady(30 * time.Second)

	// A client blocked on a node that is then killed keeps its place only
	// until its lease ends: the client behind it is served meanwhile.
	dead, live := c.Followers()[0], c.Leader()
	block(dead, "fifo:dead", 0)
	queued(live, 1)
	dead.Kill()
	b := block(live, "fifo:dead", 0)
	queued(live, 2)
	start = time.Now()
	if err := live.Client(0).RPush(ctx, "fifo:dead", "z").Err(); err != nil {
		t.Fatal(err)
	}
	p := wait(b, 15*time.Second)
	if p.err != nil || p.res[1] != "z" {
		t.Fatalf("client behind a dead node's client: %v, %v", p.res, p.err)
	}
	t.Logf("served %v after the push, behind a dead node's client", time.Since(start).Round(time.Millisecond))
	dead.Restart()
	dead.WaitReady(30 * time.Second)
	c.WaitConverged(t)
}
