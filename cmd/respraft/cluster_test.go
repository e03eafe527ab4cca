package main

// Multi-node end-to-end tests: three (or four) real respraft processes on
// loopback, talked to with go-redis through every node.

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// electionBound is how long the cluster may go without a leader (and a
// client without a successful write) when one node goes away.
const electionBound = 5 * time.Second

// clusterLoad is a set of clients each writing unique keys (value = key) as
// fast as a modest pace allows, recording which writes were acknowledged.
// A client that gets an error moves on to the next node, as a client with
// a list of servers would.
type clusterLoad struct {
	t       *testing.T
	stop    chan struct{}
	wg      sync.WaitGroup
	acks    atomic.Int64
	start   time.Time
	clients []*clusterLoadClient
}

type clusterLoadClient struct {
	id    int
	conns []*redis.Client // one per node, in the order of the nodes given

	mu       sync.Mutex
	acked    []string
	unknown  []string // keys whose write got -UNKNOWN
	lastOK   time.Time
	maxStall time.Duration
	stallAt  time.Time // when the longest stall ended
	errs     int
	errSeen  map[string]int // error text (up to 140 chars) -> count
}

// clusterLoadPace is the pause between two writes of one client: 20 clients at
// 50 writes/s each is about 1000 writes/s, modest for a 2-core machine.
const clusterLoadPace = 20 * time.Millisecond

func startClusterLoad(t *testing.T, nodes []*node, clients int, prefix string) *clusterLoad {
	w := &clusterLoad{t: t, stop: make(chan struct{}), start: time.Now()}
	for i := 0; i < clients; i++ {
		lc := &clusterLoadClient{id: i, lastOK: w.start, errSeen: map[string]int{}}
		// Client i prefers node i%len, then the others in order.
		for j := range nodes {
			nd := nodes[(i+j)%len(nodes)]
			c := redis.NewClient(&redis.Options{
				Addr: nd.Addr(), Protocol: 2, DisableIdentity: true,
				MaxRetries: -1, PoolSize: 1,
				DialTimeout: time.Second, ReadTimeout: 6 * time.Second, WriteTimeout: 2 * time.Second,
			})
			lc.conns = append(lc.conns, c)
		}
		w.clients = append(w.clients, lc)
		w.wg.Add(1)
		go w.run(lc, prefix)
	}
	t.Cleanup(w.Stop)
	return w
}

func (w *clusterLoad) run(lc *clusterLoadClient, prefix string) {
	defer w.wg.Done()
	tick := time.NewTicker(clusterLoadPace)
	defer tick.Stop()
	cur := 0
	for seq := 0; ; seq++ {
		select {
		case <-w.stop:
			return
		case <-tick.C:
		}
		key := fmt.Sprintf("%s:%d:%d", prefix, lc.id, seq)
		ctx, cancel := context.WithTimeout(context.Background(), 8*time.Second)
		err := lc.conns[cur].Set(ctx, key, key, 0).Err()
		cancel()
		now := time.Now()
		lc.mu.Lock()
		if err == nil {
			lc.acked = append(lc.acked, key)
			if s := now.Sub(lc.lastOK); s > lc.maxStall {
				lc.maxStall, lc.stallAt = s, now
			}
			lc.lastOK = now
			w.acks.Add(1)
		} else {
			lc.errs++
			msg := err.Error()
			if len(msg) > 400 {
				msg = msg[:400]
			}
			lc.errSeen[msg]++
			if strings.HasPrefix(msg, "UNKNOWN") {
				lc.unknown = append(lc.unknown, key)
			}
			cur = (cur + 1) % len(lc.conns)
		}
		lc.mu.Unlock()
	}
}

// Acks is the number of acknowledged writes so far.
func (w *clusterLoad) Acks() int64 { return w.acks.Load() }

// WaitAcks polls until more than n writes were acknowledged.
func (w *clusterLoad) WaitAcks(n int64, timeout time.Duration) error {
	return poll(timeout, func() error {
		if got := w.Acks(); got <= n {
			return fmt.Errorf("%d writes acknowledged, waiting for more than %d", got, n)
		}
		return nil
	})
}

// Stop stops the clients (idempotent). The time from a client's last
// success to the stop counts as a stall too.
func (w *clusterLoad) Stop() {
	select {
	case <-w.stop:
		return
	default:
	}
	close(w.stop)
	w.wg.Wait()
	now := time.Now()
	for _, lc := range w.clients {
		lc.mu.Lock()
		if s := now.Sub(lc.lastOK); s > lc.maxStall {
			lc.maxStall, lc.stallAt = s, now
		}
		lc.mu.Unlock()
		for _, c := range lc.conns {
			c.Close()
		}
	}
}

// Acked returns every acknowledged key (call after Stop).
func (w *clusterLoad) Acked() []string {
	var keys []string
	for _, lc := range w.clients {
		keys = append(keys, lc.acked...)
	}
	return keys
}

// Unknown returns the keys whose write was answered -UNKNOWN (after Stop).
func (w *clusterLoad) Unknown() []string {
	var keys []string
	for _, lc := range w.clients {
		keys = append(keys, lc.unknown...)
	}
	return keys
}

// logUnknown logs how many of the writes answered -UNKNOWN were in fact
// applied: an orderly stop should leave few of those.
func logUnknown(t *testing.T, nd *node, keys []string) {
	t.Helper()
	if len(keys) == 0 {
		return
	}
	n, err := nd.Client(0).Exists(context.Background(), keys...).Result()
	if err != nil {
		t.Fatalf("%s: EXISTS: %v", nd.name(), err)
	}
	t.Logf("%d writes were answered -UNKNOWN; %d of them were applied", len(keys), n)
}

// Report logs per-client stalls and errors and returns the longest stall.
func (w *clusterLoad) Report(t *testing.T) time.Duration {
	t.Helper()
	var worst time.Duration
	var lines []string
	errTotals := map[string]int{}
	totalErrs := 0
	for _, lc := range w.clients {
		if lc.maxStall > worst {
			worst = lc.maxStall
		}
		lines = append(lines, fmt.Sprintf("client %2d: %5d acked, %3d errors, longest stall %v (ended at +%v)",
			lc.id, len(lc.acked), lc.errs, lc.maxStall.Round(time.Millisecond), lc.stallAt.Sub(w.start).Round(time.Millisecond)))
		totalErrs += lc.errs
		for m, c := range lc.errSeen {
			errTotals[m] += c
		}
	}
	var errLines []string
	for m, c := range errTotals {
		errLines = append(errLines, fmt.Sprintf("%5d x %s", c, m))
	}
	sort.Strings(errLines)
	t.Logf("load: %d writes acknowledged, %d errors, longest stall %v\n%s\nerrors seen:\n%s",
		w.Acks(), totalErrs, worst.Round(time.Millisecond), strings.Join(lines, "\n"), strings.Join(errLines, "\n"))
	return worst
}

// checkAckedOnNodes reads every key on every node (value = key) and fails for
// each node that lost any.
func checkAckedOnNodes(t *testing.T, nodes []*node, keys []string) {
	t.Helper()
	ctx := context.Background()
	for _, nd := range nodes {
		c := nd.Client(0)
		var missing []string
		for i := 0; i < len(keys); i += 500 {
			batch := keys[i:min(i+500, len(keys))]
			vals, err := c.MGet(ctx, batch...).Result()
			if err != nil {
				t.Fatalf("%s: MGET: %v", nd.name(), err)
			}
			for j, v := range vals {
				if v != batch[j] {
					missing = append(missing, batch[j])
				}
			}
		}
		if len(missing) > 0 {
			t.Errorf("%s: %d of %d acknowledged writes lost, e.g. %v", nd.name(), len(missing), len(keys), missing[:min(5, len(missing))])
		}
	}
}

// TestClusterAnyNode: every node serves every command, with linearizable
// reads, transactions and WATCH across nodes.
func TestClusterAnyNode(t *testing.T) {
	c := startCluster(t, 3)
	ctx := context.Background()

	// A write through each node is read back through every other node at
	// once: reads are linearizable by default.
	for i, w := range c.Nodes {
		key, val := "any:"+strconv.Itoa(i), "via-"+w.ID
		if err := w.Client(0).Set(ctx, key, val, 0).Err(); err != nil {
			t.Fatalf("SET through %s: %v", w.name(), err)
		}
		for _, r := range c.Nodes {
			if got, err := r.Client(0).Get(ctx, key).Result(); err != nil || got != val {
				t.Errorf("GET %s through %s right after SET through %s: %q, %v; want %q", key, r.name(), w.name(), got, err, val)
			}
		}
	}

	leader := c.Leader()
	fs := c.Followers()
	if len(fs) != 2 {
		t.Fatalf("followers: %d, want 2", len(fs))
	}

	// INFO replication tells a follower where the master is.
	if role := infoField(t, leader.Client(0), "replication", "role"); role != "master" {
		t.Errorf("leader %s: INFO replication role:%s, want master", leader.name(), role)
	}
	for _, f := range fs {
		fc := f.Client(0)
		if role := infoField(t, fc, "replication", "role"); role != "slave" {
			t.Errorf("follower %s: INFO replication role:%s, want slave", f.name(), role)
			continue
		}
		if p := infoField(t, fc, "replication", "master_port"); p != strconv.Itoa(leader.Port) {
			t.Errorf("follower %s: master_port:%s, want the leader's client port %d", f.name(), p, leader.Port)
		}
	}

	// MULTI/EXEC on a follower.
	f0 := fs[0].Client(0)
	var incr *redis.IntCmd
	var get *redis.StringCmd
	cmds, err := f0.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, "tx:a", "1", 0)
		incr = p.IncrBy(ctx, "tx:ctr", 5)
		p.SAdd(ctx, "tx:set", "x", "y")
		get = p.Get(ctx, "tx:a")
		return nil
	})
	if err != nil {
		t.Fatalf("MULTI/EXEC on follower %s: %v (%v)", fs[0].name(), err, cmds)
	}
	if incr.Val() != 5 || get.Val() != "1" {
		t.Errorf("EXEC on follower: INCRBY=%d GET=%q, want 5 and \"1\"", incr.Val(), get.Val())
	}
	for _, nd := range c.Nodes {
		cl := nd.Client(0)
		if v, _ := cl.Get(ctx, "tx:ctr").Result(); v != "5" {
			t.Errorf("%s: tx:ctr=%q after EXEC on a follower, want 5", nd.name(), v)
		}
		if n, _ := cl.SCard(ctx, "tx:set").Result(); n != 2 {
			t.Errorf("%s: SCARD tx:set=%d, want 2", nd.name(), n)
		}
	}

	// WATCH conflict across nodes: A watches on follower X, B writes the
	// key through Y, A's EXEC on X aborts.
	x, y := fs[0], fs[1]
	a, b := x.Client(0), y.Client(0)
	if err := a.Set(ctx, "w:k", "0", 0).Err(); err != nil {
		t.Fatal(err)
	}
	err = a.Watch(ctx, func(tx *redis.Tx) error {
		v, err := tx.Get(ctx, "w:k").Result()
		if err != nil {
			return err
		}
		if err := b.Set(ctx, "w:k", "B", 0).Err(); err != nil {
			return fmt.Errorf("B's SET through %s: %w", y.name(), err)
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, "w:k", "A-saw-"+v, 0)
			return nil
		})
		return err
	}, "w:k")
	if !errors.Is(err, redis.TxFailedErr) {
		t.Errorf("EXEC on %s after a write to the watched key through %s: %v, want redis.TxFailedErr", x.name(), y.name(), err)
	}
	for _, nd := range c.Nodes {
		if v, _ := nd.Client(0).Get(ctx, "w:k").Result(); v != "B" {
			t.Errorf("%s: w:k=%q, want B (A's transaction must not run)", nd.name(), v)
		}
	}
	// And the same WATCH without interference commits.
	err = a.Watch(ctx, func(tx *redis.Tx) error {
		_, err := tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, "w:k", "A", 0)
			return nil
		})
		return err
	}, "w:k")
	if err != nil {
		t.Errorf("uncontended WATCH/EXEC on %s: %v", x.name(), err)
	}
	if v, _ := b.Get(ctx, "w:k").Result(); v != "A" {
		t.Errorf("w:k through %s after uncontended EXEC: %q, want A", y.name(), v)
	}

	// The check-and-set shop, 50 buyers spread over the three nodes.
	start := time.Now()
	runShop(t, c.Nodes)
	t.Logf("shop over 3 nodes took %v", time.Since(start).Round(time.Millisecond))

	c.WaitConverged(t)
}

// TestClusterLeaderKill: kill -9 the leader under load; a new leader within
// electionBound, writes resume, and after the old node is back every
// acknowledged write is on every node.
func TestClusterLeaderKill(t *testing.T) {
	c := startCluster(t, 3)
	load := startClusterLoad(t, c.Nodes, 20, "lk")
	if err := load.WaitAcks(2000, 20*time.Second); err != nil {
		t.Fatalf("load did not get going: %v", err)
	}

	old := c.Leader()
	acksAtKill := load.Acks()
	killedAt := time.Now()
	old.Kill()
	t.Logf("killed leader %s with %d writes acknowledged", old.name(), acksAtKill)

	nl, err := c.waitLeader(20 * time.Second)
	election := time.Since(killedAt)
	if err != nil {
		load.Stop()
		load.Report(t)
		t.Fatalf("no new leader %v after killing %s: %v", election.Round(time.Millisecond), old.name(), err)
	}
	report(t, "leader killed with kill -9 under a write load; new leader %s after %v", nl.name(), election.Round(time.Millisecond))
	if election > electionBound {
		t.Errorf("new leader after %v, want < %v", election.Round(time.Millisecond), electionBound)
	}

	afterElection := load.Acks()
	if err := load.WaitAcks(afterElection+1000, 20*time.Second); err != nil {
		t.Errorf("writes did not resume after the election: %v", err)
	}
	t.Logf("%d writes acknowledged between the kill and the election, %d more since", afterElection-acksAtKill, load.Acks()-afterElection)

	old.Restart()
	if err := load.WaitAcks(load.Acks()+1000, 20*time.Second); err != nil {
		t.Errorf("writes stalled after the old leader came back: %v", err)
	}
	load.Stop()
	load.Report(t)

	c.WaitConverged(t)
	checkAckedOnNodes(t, c.Nodes, load.Acked())
	logUnknown(t, c.Nodes[0], load.Unknown())
}

// TestClusterRollingRestart: SIGTERM each node in turn under load, restart
// it; nothing acknowledged is lost and no client stalls longer than one
// election.
func TestClusterRollingRestart(t *testing.T) {
	c := startCluster(t, 3)
	load := startClusterLoad(t, c.Nodes, 20, "rr")
	if err := load.WaitAcks(1000, 20*time.Second); err != nil {
		t.Fatalf("load did not get going: %v", err)
	}
	for _, nd := range c.Nodes {
		info, _ := nd.RaftInfo()
		role := info["role"]
		start := time.Now()
		if err := nd.Stop(); err != nil {
			t.Errorf("%s (%s): exit after SIGTERM: %v, want status 0", nd.name(), role, err)
		}
		stopped := time.Since(start)
		nd.Restart()
		t.Logf("%s (was %s): stopped in %v, ready again %v after SIGTERM", nd.name(), role,
			stopped.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
		if err := load.WaitAcks(load.Acks()+1000, 20*time.Second); err != nil {
			t.Errorf("writes stalled after restarting %s: %v", nd.name(), err)
		}
	}
	load.Stop()
	worst := load.Report(t)
	report(t, "rolling restart (SIGTERM, restart, ready; one node at a time) under a write load: longest client-visible stall %v, %d writes acknowledged",
		worst.Round(time.Millisecond), load.Acks())
	if worst >= gracefulStallBound {
		t.Errorf("a client went %v without a successful write, want < %v", worst.Round(time.Millisecond), gracefulStallBound)
	}
	c.WaitConverged(t)
	checkAckedOnNodes(t, c.Nodes, load.Acked())
	logUnknown(t, c.Nodes[0], load.Unknown())
}

// TestClusterSnapshotCatchUp: a follower that was down while the log moved
// far past its last entry and was compacted catches up by snapshot.
func TestClusterSnapshotCatchUp(t *testing.T) {
	const trailing = 200
	c := startCluster(t, 3, "--snapshot-threshold", "1000", "--trailing-logs", strconv.Itoa(trailing), "--snapshot-interval", "1s")
	ctx := context.Background()
	leader := c.Leader()
	writeKeys(t, leader.Client(0), "pre", 500)
	c.WaitConverged(t)

	f := c.Followers()[0]
	info, err := f.RaftInfo()
	if err != nil {
		t.Fatal(err)
	}
	fLast, _ := strconv.ParseUint(info["last_log_index"], 10, 64)
	if fLast == 0 {
		fLast, _ = strconv.ParseUint(info["applied_index"], 10, 64)
	}
	if err := f.Stop(); err != nil {
		t.Errorf("%s: exit after SIGTERM: %v, want status 0", f.name(), err)
	}
	logBefore := len(f.Log())
	leader = c.Leader()
	t.Logf("stopped follower %s at log index %d; leader is %s", f.name(), fLast, leader.name())

	// 20,000 pipelined writes through the leader and the other follower,
	// then more if batching kept the log short, until the leader's log no
	// longer holds the entry after the follower's last one.
	var live []*node
	for _, nd := range c.Nodes {
		if nd != f {
			live = append(live, nd)
		}
	}
	written := 0
	pipelined := func(count int) {
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				cl := live[w%len(live)].Client(0)
				for i := written + w*100; i < written+count; i += 400 {
					p := cl.Pipeline()
					for j := i; j < i+100 && j < written+count; j++ {
						k := "snap:" + strconv.Itoa(j)
						p.Set(ctx, k, k, 0)
					}
					if _, err := p.Exec(ctx); err != nil {
						errs <- err
						return
					}
				}
			}(w)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("pipelined writes: %v", err)
		}
		written += count
	}
	start := time.Now()
	pipelined(20000)
	t.Logf("20000 pipelined writes in %v", time.Since(start).Round(time.Millisecond))
	var snapIdx, lastIdx uint64
	err = poll(60*time.Second, func() error {
		info, err := leader.RaftInfo()
		if err != nil {
			return err
		}
		snapIdx, _ = strconv.ParseUint(info["last_snapshot_index"], 10, 64)
		lastIdx, _ = strconv.ParseUint(info["last_log_index"], 10, 64)
		if snapIdx > fLast+trailing+100 {
			return nil
		}
		if lastIdx < fLast+trailing+1100 {
			pipelined(2000) // entries were batched: move the log further
		}
		return fmt.Errorf("leader's last snapshot at %d (last log index %d), want > %d", snapIdx, lastIdx, fLast+trailing+100)
	})
	if err != nil {
		t.Fatalf("leader never compacted past the stopped follower: %v", err)
	}
	t.Logf("%d keys written while %s was down; leader's log at %d, last snapshot at %d", written, f.name(), lastIdx, snapIdx)

	start = time.Now()
	f.Restart()
	report(t, "follower %s down past log truncation: ready %v after restart", f.name(), time.Since(start).Round(time.Millisecond))
	newLog := f.Log()[logBefore:]
	if !strings.Contains(newLog, "Installed remote snapshot") {
		t.Errorf("%s's log does not say it installed a snapshot from the leader (\"Installed remote snapshot\")", f.name())
	}
	for _, line := range strings.Split(newLog, "\n") {
		if strings.Contains(line, "snapshot") {
			t.Logf("%s: %s", f.name(), line)
		}
	}
	c.WaitConverged(t)
	fc := f.Client(0)
	checkKeys(t, fc, "pre", 500)
	keys := make([]string, written)
	for i := range keys {
		keys[i] = "snap:" + strconv.Itoa(i)
	}
	checkAckedOnNodes(t, []*node{f}, keys)
}

// TestClusterJoinRemove: a fourth node joins through any member, gets the
// data, shows in RAFT.NODES everywhere, survives a restart with the same
// flags, and is removed again through a follower.
func TestClusterJoinRemove(t *testing.T) {
	c := startCluster(t, 3)
	ctx := context.Background()
	writeKeys(t, c.Leader().Client(0), "pre", 1000)

	via := c.Followers()[0]
	n4 := c.Join("n4", via)
	t.Logf("n4 (%s) joined through %s", n4.Addr(), via.name())
	checkKeys(t, n4.Client(0), "pre", 1000)

	wantMembers := func(ids ...string) {
		t.Helper()
		sort.Strings(ids)
		err := poll(15*time.Second, func() error {
			for _, nd := range c.Nodes {
				ms, err := nd.RaftNodes()
				if err != nil {
					return fmt.Errorf("%s: RAFT.NODES: %w", nd.name(), err)
				}
				var got []string
				for _, m := range ms {
					got = append(got, m.ID)
				}
				sort.Strings(got)
				if strings.Join(got, ",") != strings.Join(ids, ",") {
					return fmt.Errorf("%s: RAFT.NODES lists %v, want %v", nd.name(), got, ids)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	wantMembers("n1", "n2", "n3", "n4")
	// Every node learns n4's addresses (the client address is announced
	// after the join, so poll for it).
	var n4Seen raftMember
	err := poll(10*time.Second, func() error {
		for _, nd := range c.Nodes {
			ms, err := nd.RaftNodes()
			if err != nil {
				return err
			}
			for _, m := range ms {
				if m.ID == "n4" {
					n4Seen = m
					if m.ClusterAddr != "127.0.0.1:"+strconv.Itoa(n4.RaftPort) || m.ClientAddr != n4.Addr() {
						return fmt.Errorf("%s lists n4 with cluster %s client %s, want 127.0.0.1:%d and %s",
							nd.name(), m.ClusterAddr, m.ClientAddr, n4.RaftPort, n4.Addr())
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
	t.Logf("n4 in RAFT.NODES: %+v", n4Seen)

	// Joining again (a restart with the same flags) is harmless.
	if err := n4.Stop(); err != nil {
		t.Errorf("n4: exit after SIGTERM: %v, want status 0", err)
	}
	n4.Restart()
	wantMembers("n1", "n2", "n3", "n4")
	if err := n4.Client(0).Set(ctx, "after-rejoin", "yes", 0).Err(); err != nil {
		t.Errorf("SET through n4 after its restart: %v", err)
	}
	for _, nd := range c.Nodes {
		if v, err := nd.Client(0).Get(ctx, "after-rejoin").Result(); v != "yes" {
			t.Errorf("%s: after-rejoin=%q, %v", nd.name(), v, err)
		}
	}
	c.WaitConverged(t)

	// Remove n4 through a follower (one of the original three).
	var remover *node
	for _, f := range c.Followers() {
		if f != n4 {
			remover = f
			break
		}
	}
	if err := remover.Client(0).Do(ctx, "RAFT.NODE", "REMOVE", "n4").Err(); err != nil {
		t.Fatalf("RAFT.NODE REMOVE n4 through %s: %v", remover.name(), err)
	}
	c.Drop(n4)
	wantMembers("n1", "n2", "n3")

	// The three keep serving writes and reads (n4 still running, removed).
	for _, nd := range c.Nodes {
		writeKeys(t, nd.Client(0), "post-"+nd.ID, 300)
	}
	for _, nd := range c.Nodes {
		for _, w := range c.Nodes {
			checkKeys(t, nd.Client(0), "post-"+w.ID, 300)
		}
		checkKeys(t, nd.Client(0), "pre", 1000)
	}
	c.WaitConverged(t)
	if info, err := c.Leader().RaftInfo(); err == nil && info["num_peers"] != "2" {
		t.Errorf("leader's num_peers after removing n4: %s, want 2", info["num_peers"])
	}
	n4.Kill()
}
