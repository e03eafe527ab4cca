package main

// More multi-node end-to-end tests, on one shared three-node cluster:
// INFO replication and RAFT.INFO, leadership transfer and snapshots,
// read-your-writes on a follower, re-joining with a changed address, a
// node whose default read consistency is "leader", and leader stops
// (SIGTERM and SHUTDOWN) under load.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// gracefulStallBound is the longest a client writing through every node
// may go without a successful write while the leader stops in order (the
// election timeout is 500ms; a graceful stop hands leadership over first).
const gracefulStallBound = 2 * time.Second

// handoverBound is how soon after a leader's orderly exit another node must
// say it leads. A leader that stops without handing over leaves the others
// to notice its silence first (heartbeat timeout 500ms, randomized up to
// 1s), so a new leader known sooner than that was handed leadership.
const handoverBound = 400 * time.Millisecond

// leaderKnownAfterExit polls the running nodes for one (not old) that says
// role:Leader, for up to handoverBound, then for up to 1s more for a ready
// leader, and returns it with how long after exited it was first known.
func leaderKnownAfterExit(t *testing.T, c *testCluster, old *node, exited time.Time, how string) *node {
	t.Helper()
	var first *node
	err := poll(handoverBound, func() error {
		for _, nd := range c.Nodes {
			if nd == old || !nd.Running() {
				continue
			}
			if info, err := nd.RaftInfo(); err == nil && info["role"] == "Leader" {
				first = nd
				return nil
			}
		}
		return errors.New("no running node says role:Leader")
	})
	known := time.Since(exited)
	if err != nil {
		t.Errorf("%s: no other node leads %v after the old leader %s exited, want within %v (leadership handed over before the exit): %v",
			how, known.Round(time.Millisecond), old.name(), handoverBound, err)
		return nil
	}
	nl, err := c.waitLeader(time.Second)
	if err != nil {
		t.Errorf("%s: %s leads but no ready leader within 1s more: %v", how, first.name(), err)
		return nil
	}
	t.Logf("%s: %s said role:Leader %v after the old leader %s exited; ready leader %s %v after the exit",
		how, first.name(), known.Round(time.Millisecond), old.name(), nl.name(), time.Since(exited).Round(time.Millisecond))
	return nl
}

// on returns a view of c whose helpers report to t (a subtest), so that
// their Fatal calls happen on the subtest's goroutine.
func (c *testCluster) on(t testing.TB) *testCluster {
	return &testCluster{t: t, Nodes: c.Nodes, extra: c.extra}
}

// countLogLines counts the lines of the given nodes' logs whose msg is msg
// and that have every attr (key=value, compared as whole fields).
func countLogLines(nodes []*node, msg string, attrs ...string) int {
	n := 0
	for _, nd := range nodes {
	line:
		for _, l := range strings.Split(nd.Log(), "\n") {
			if !strings.Contains(l, `msg="`+msg+`"`) && !strings.Contains(l, "msg="+msg+" ") {
				continue
			}
			fields := strings.Fields(l)
			for _, a := range attrs {
				found := false
				for _, f := range fields {
					found = found || f == a
				}
				if !found {
					continue line
				}
			}
			n++
		}
	}
	return n
}

// checkRaftInfo asserts that every node's RAFT.INFO names itself, agrees on
// the term and names want as the leader, with its cluster and client
// addresses.
func checkRaftInfo(t *testing.T, nodes []*node, want *node) {
	t.Helper()
	err := poll(5*time.Second, func() error {
		var terms []string
		for _, nd := range nodes {
			info, err := nd.RaftInfo()
			if err != nil {
				return fmt.Errorf("%s: RAFT.INFO: %w", nd.name(), err)
			}
			wantRole := "Follower"
			if nd == want {
				wantRole = "Leader"
			}
			checks := []struct{ field, want string }{
				{"node_id", nd.ID},
				{"role", wantRole},
				{"leader_id", want.ID},
				{"leader_addr", "127.0.0.1:" + strconv.Itoa(want.RaftPort)},
				{"leader_client_addr", want.Addr()},
			}
			for _, ch := range checks {
				if info[ch.field] != ch.want {
					return fmt.Errorf("%s: RAFT.INFO %s:%s, want %s", nd.name(), ch.field, info[ch.field], ch.want)
				}
			}
			terms = append(terms, info["term"])
			if info["term"] != terms[0] {
				return fmt.Errorf("terms differ: %v", terms)
			}
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
}

// transferTo sends RAFT.TRANSFER-LEADER [id] to via and waits until a node
// other than old (and, with an id, the node with that id) leads. It
// returns the new leader.
func transferTo(t *testing.T, c *testCluster, via, old *node, id string) *node {
	t.Helper()
	args := []any{"RAFT.TRANSFER-LEADER"}
	if id != "" {
		args = append(args, id)
	}
	start := time.Now()
	if err := via.Client(0).Do(context.Background(), args...).Err(); err != nil {
		t.Fatalf("%v through %s: %v", args, via.name(), err)
	}
	var nl *node
	err := poll(5*time.Second, func() error {
		l, err := c.waitLeader(time.Second)
		if err != nil {
			return err
		}
		if l == old || (id != "" && l.ID != id) {
			return fmt.Errorf("%s still leads", l.name())
		}
		nl = l
		return nil
	})
	if err != nil {
		t.Fatalf("%v through %s: no new leader within 5s: %v", args, via.name(), err)
	}
	t.Logf("%v through %s: %s -> %s in %v", args, via.name(), old.name(), nl.name(), time.Since(start).Round(time.Millisecond))
	if info, err := old.RaftInfo(); err != nil || info["role"] != "Follower" {
		t.Errorf("old leader %s after the transfer: role %q, %v; want Follower", old.name(), info["role"], err)
	}
	return nl
}

// removeMember removes id through via and waits until every node in nodes
// lists exactly the members ids.
func removeMember(t *testing.T, via *node, id string, nodes []*node, ids ...string) {
	t.Helper()
	if err := via.Client(0).Do(context.Background(), "RAFT.NODE", "REMOVE", id).Err(); err != nil {
		t.Fatalf("RAFT.NODE REMOVE %s through %s: %v", id, via.name(), err)
	}
	want := strings.Join(ids, ",")
	err := poll(10*time.Second, func() error {
		for _, nd := range nodes {
			ms, err := nd.RaftNodes()
			if err != nil {
				return err
			}
			var got []string
			for _, m := range ms {
				got = append(got, m.ID)
			}
			if strings.Join(got, ",") != want {
				return fmt.Errorf("%s: RAFT.NODES lists %v, want %s", nd.name(), got, want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestClusterMore runs on one three-node cluster, in order: INFO
// replication, RAFT.INFO, leadership transfer, RAFT.SNAPSHOT,
// read-your-writes with stale reads on a follower, pipelined order through
// a follower, a re-join with a changed and then an unchanged address, a
// member whose default read consistency is "leader", and a SIGTERM and a
// SHUTDOWN of the leader under load.
func TestClusterMore(t *testing.T) {
	c := startCluster(t, 3)
	ctx := context.Background()
	if t.Failed() {
		return
	}

	t.Run("InfoReplication", func(t *testing.T) {
		c := c.on(t)
		leader := c.Leader()
		lc := leader.Client(0)
		if role := infoField(t, lc, "replication", "role"); role != "master" {
			t.Errorf("leader %s: role:%s, want master", leader.name(), role)
		}
		// A follower's client address is known once it has announced it,
		// which may be a little after every node is ready: until then the
		// leader leaves it out.
		fs := c.Followers()
		var info string
		err := poll(5*time.Second, func() error {
			var err error
			if info, err = lc.Info(ctx, "replication").Result(); err != nil {
				return err
			}
			for _, f := range fs {
				if want := "ip=127.0.0.1,port=" + strconv.Itoa(f.Port) + ",state=online"; !strings.Contains(info, want) {
					return fmt.Errorf("leader's INFO replication does not list follower %s as a slave (%q)", f.name(), want)
				}
			}
			if !strings.Contains(info, "connected_slaves:2\r\n") {
				return fmt.Errorf("leader %s: want connected_slaves:2", leader.name())
			}
			return nil
		})
		if err != nil {
			t.Errorf("%v:\n%s", err, info)
		}
		for _, f := range fs {
			fc := f.Client(0)
			for _, ch := range []struct{ field, want string }{
				{"role", "slave"},
				{"master_host", "127.0.0.1"},
				{"master_port", strconv.Itoa(leader.Port)},
				{"master_link_status", "up"},
				{"master_sync_in_progress", "0"},
				// One replication ID per leader and term, the same on every node.
				{"master_replid", infoField(t, lc, "replication", "master_replid")},
			} {
				if got := infoField(t, fc, "replication", ch.field); got != ch.want {
					t.Errorf("follower %s: %s:%s, want %s", f.name(), ch.field, got, ch.want)
				}
			}
			// Heartbeats come every ~50 ms.
			if got := infoField(t, fc, "replication", "master_last_io_seconds_ago"); got != "0" && got != "1" {
				t.Errorf("follower %s: master_last_io_seconds_ago:%s, want 0 or 1", f.name(), got)
			}
		}
		if id := infoField(t, lc, "replication", "master_replid"); len(id) != 40 {
			t.Errorf("leader %s: master_replid:%q, want 40 hex digits", leader.name(), id)
		}

		// ROLE says the same in Redis's shape: master, offset, and a
		// [host, port, offset] per replica; slave, host, port, state, offset.
		role, err := lc.Do(ctx, "ROLE").Slice()
		if err != nil || len(role) != 3 || role[0] != "master" {
			t.Fatalf("leader %s: ROLE = %v, %v", leader.name(), role, err)
		}
		if _, ok := role[1].(int64); !ok {
			t.Errorf("leader %s: ROLE offset %#v, want an integer", leader.name(), role[1])
		}
		var replicas []string
		rs, _ := role[2].([]any)
		for _, r := range rs {
			if r, ok := r.([]any); ok && len(r) == 3 {
				replicas = append(replicas, fmt.Sprint(r[0], ":", r[1]))
			}
		}
		slices.Sort(replicas)
		var want []string
		for _, f := range fs {
			want = append(want, "127.0.0.1:"+strconv.Itoa(f.Port))
		}
		slices.Sort(want)
		if !slices.Equal(replicas, want) {
			t.Errorf("leader %s: ROLE replicas %v, want %v", leader.name(), rs, want)
		}
		for _, f := range fs {
			got, err := f.Client(0).Do(ctx, "ROLE").Slice()
			if err != nil || len(got) != 5 || got[0] != "slave" || got[1] != "127.0.0.1" ||
				got[2] != int64(leader.Port) || got[3] != "connected" {
				t.Errorf("follower %s: ROLE = %#v, %v; want slave 127.0.0.1 %d connected <offset>", f.name(), got, err, leader.Port)
			}
		}
	})

	t.Run("RaftInfo", func(t *testing.T) {
		c := c.on(t)
		checkRaftInfo(t, c.Nodes, c.Leader())
	})

	t.Run("TransferLeader", func(t *testing.T) {
		c := c.on(t)
		old := c.Leader()
		// No argument: to some follower.
		nl := transferTo(t, c, old, old, "")
		checkRaftInfo(t, c.Nodes, nl)
		// With an id: that node.
		var target *node
		for _, f := range c.Followers() {
			if f != old {
				target = f
			}
		}
		nl2 := transferTo(t, c, nl, nl, target.ID)
		checkRaftInfo(t, c.Nodes, nl2)
		// Sent to a follower, it is forwarded to the leader.
		f := c.Followers()[0]
		nl3 := transferTo(t, c, f, nl2, f.ID)
		checkRaftInfo(t, c.Nodes, nl3)
		// An unknown id is refused, through the leader and a follower.
		for _, via := range []*node{nl3, c.Followers()[0]} {
			err := via.Client(0).Do(ctx, "RAFT.TRANSFER-LEADER", "nosuch").Err()
			if err == nil || !strings.Contains(err.Error(), `no member with id "nosuch"`) {
				t.Errorf("RAFT.TRANSFER-LEADER nosuch through %s: %v, want an error naming the id", via.name(), err)
			}
		}
		if l := c.Leader(); l != nl3 {
			t.Errorf("leader after refused transfers: %s, want %s", l.name(), nl3.name())
		}
	})

	t.Run("Snapshot", func(t *testing.T) {
		c := c.on(t)
		for _, nd := range []*node{c.Leader(), c.Followers()[0]} {
			if err := nd.Client(0).Set(ctx, "snap:"+nd.ID, "x", 0).Err(); err != nil {
				t.Fatal(err)
			}
			before, err := nd.RaftInfo()
			if err != nil {
				t.Fatal(err)
			}
			if err := nd.Client(0).Do(ctx, "RAFT.SNAPSHOT").Err(); err != nil {
				t.Errorf("RAFT.SNAPSHOT on %s: %v", nd.name(), err)
				continue
			}
			after, err := nd.RaftInfo()
			if err != nil {
				t.Fatal(err)
			}
			b, _ := strconv.ParseUint(before["last_snapshot_index"], 10, 64)
			a, _ := strconv.ParseUint(after["last_snapshot_index"], 10, 64)
			applied, _ := strconv.ParseUint(before["applied_index"], 10, 64)
			if a <= b || a < applied {
				t.Errorf("%s: last_snapshot_index %d before RAFT.SNAPSHOT, %d after (applied index %d before); want it raised to at least the applied index",
					nd.name(), b, a, applied)
			}
		}
	})

	t.Run("StaleReadYourWrites", func(t *testing.T) {
		c := c.on(t)
		f := c.Followers()[0]
		conn := f.Client(0).Conn()
		defer conn.Close()
		if err := conn.Do(ctx, "RAFT.CONSISTENCY", "stale").Err(); err != nil {
			t.Fatal(err)
		}
		if got, _ := conn.Do(ctx, "RAFT.CONSISTENCY").Text(); got != "stale" {
			t.Fatalf("RAFT.CONSISTENCY after setting stale: %q", got)
		}
		for i := 0; i < 200; i++ {
			k, v := "ryw:"+strconv.Itoa(i), "v"+strconv.Itoa(i)
			if err := conn.Set(ctx, k, v, 0).Err(); err != nil {
				t.Fatalf("SET %s through follower %s: %v", k, f.name(), err)
			}
			if got, err := conn.Get(ctx, k).Result(); got != v {
				t.Fatalf("stale GET %s on follower %s right after its SET on the same connection (%d of 200): %q, %v; want %q",
					k, f.name(), i+1, got, err, v)
			}
		}
	})

	t.Run("PipelineOrderThroughFollower", func(t *testing.T) {
		c := c.on(t)
		f := c.Followers()[0]
		p := f.Client(0).Pipeline()
		var want strings.Builder
		for i := 0; i < 100; i++ {
			p.Append(ctx, "pipe:order", strconv.Itoa(i)+",")
			want.WriteString(strconv.Itoa(i) + ",")
		}
		cmds, err := p.Exec(ctx)
		if err != nil {
			t.Fatalf("pipeline of 100 APPEND through %s: %v", f.name(), err)
		}
		// Each APPEND's reply is the length after it, in pipeline order.
		length := 0
		for i, cmd := range cmds {
			length += len(strconv.Itoa(i)) + 1
			if n := cmd.(*redis.IntCmd).Val(); n != int64(length) {
				t.Errorf("APPEND #%d in the pipeline replied %d, want %d", i, n, length)
				break
			}
		}
		for _, nd := range c.Nodes {
			if got, err := nd.Client(0).Get(ctx, "pipe:order").Result(); got != want.String() {
				t.Errorf("%s: pipe:order=%q, %v; want %q", nd.name(), got, err, want.String())
			}
		}
	})

	t.Run("RejoinWithNewAddress", func(t *testing.T) {
		c := c.on(t)
		orig := c.Nodes
		via := c.Followers()[0]
		n4 := c.Join("n4", via)
		if got := countLogLines(orig, "adding voter", "id=n4"); got != 1 {
			t.Errorf(`"adding voter" lines for n4 after its first join: %d, want 1`, got)
		}
		if err := n4.Stop(); err != nil {
			t.Errorf("n4: exit after SIGTERM: %v, want status 0", err)
		}
		// Same id and data dir, new cluster and client ports.
		ports := freePorts(t, 2)
		n4b := startNode(t, nodeOpts{
			ID: "n4", Dir: n4.Dir, Port: ports[0], RaftPort: ports[1],
			Extra: append([]string{"--join", via.Addr()}, c.extra...),
		})
		c.Drop(n4)
		c.Nodes = append(c.Nodes, n4b)
		wantN4 := raftMember{ID: "n4", ClusterAddr: "127.0.0.1:" + strconv.Itoa(ports[1]), ClientAddr: n4b.Addr()}
		checkN4 := func() {
			t.Helper()
			err := poll(10*time.Second, func() error {
				for _, nd := range c.Nodes {
					ms, err := nd.RaftNodes()
					if err != nil {
						return fmt.Errorf("%s: RAFT.NODES: %w", nd.name(), err)
					}
					var n4s []raftMember
					for _, m := range ms {
						if m.ID == "n4" {
							n4s = append(n4s, m)
						}
					}
					if len(ms) != 4 || len(n4s) != 1 || n4s[0].ClusterAddr != wantN4.ClusterAddr || n4s[0].ClientAddr != wantN4.ClientAddr {
						return fmt.Errorf("%s: RAFT.NODES %+v; want 4 members, n4 once with cluster %s client %s",
							nd.name(), ms, wantN4.ClusterAddr, wantN4.ClientAddr)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		checkN4()
		if got := countLogLines(orig, "adding voter", "id=n4", "addr="+wantN4.ClusterAddr); got != 1 {
			t.Errorf(`"adding voter" lines for n4 with its new address: %d, want 1`, got)
		}
		// n4 gets new writes (MGET on n4 reads its own state after a read
		// barrier), and its own writes reach everyone.
		leader := c.Leader()
		if err := leader.Client(0).Set(ctx, "moved:1", "a", 0).Err(); err != nil {
			t.Fatal(err)
		}
		if err := n4b.Client(0).Set(ctx, "moved:2", "b", 0).Err(); err != nil {
			t.Fatalf("SET through n4 at its new address: %v", err)
		}
		for _, nd := range c.Nodes {
			if got, err := nd.Client(0).MGet(ctx, "moved:1", "moved:2").Result(); err != nil || fmt.Sprint(got) != "[a b]" {
				t.Errorf("%s: MGET moved:1 moved:2: %v, %v; want [a b]", nd.name(), got, err)
			}
		}

		// Joining again with the same id and address changes nothing.
		configChanges := countLogLines(orig, "updating configuration")
		joined := strings.Count(n4b.Log(), `msg="joined the cluster"`)
		if err := n4b.Stop(); err != nil {
			t.Errorf("n4: exit after SIGTERM: %v, want status 0", err)
		}
		n4b.Restart()
		if err := poll(10*time.Second, func() error {
			if got := strings.Count(n4b.Log(), `msg="joined the cluster"`); got <= joined {
				return fmt.Errorf("n4 logged %d \"joined the cluster\" lines, want %d", got, joined+1)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		checkN4()
		if got := countLogLines(orig, "adding voter", "id=n4"); got != 2 {
			t.Errorf(`"adding voter" lines for n4 after joining again with the same address: %d, want still 2`, got)
		}
		if got := countLogLines(orig, "updating configuration"); got != configChanges {
			t.Errorf(`raft "updating configuration" lines after n4 joined again with the same address: %d, want still %d`, got, configChanges)
		}
		if err := n4b.Client(0).Set(ctx, "moved:3", "c", 0).Err(); err != nil {
			t.Errorf("SET through n4 after joining again: %v", err)
		}

		removeMember(t, c.Leader(), "n4", orig, "n1", "n2", "n3")
		n4b.Kill()
		c.Drop(n4b)
	})

	t.Run("LeaderConsistencyDefault", func(t *testing.T) {
		c := c.on(t)
		orig := c.Nodes
		n5 := c.Join("n5", c.Leader(), "--read-consistency", "leader", "--leader-wait", "1s")
		cl := n5.Client(0)
		if s, err := cl.Info(ctx, "clients").Result(); err != nil || !strings.Contains(s, "read_consistency:leader\r\n") {
			t.Errorf("INFO clients on n5: %q, %v; want read_consistency:leader", s, err)
		}
		if s, err := cl.Do(ctx, "RAFT.CONSISTENCY").Text(); err != nil || s != "leader" {
			t.Errorf("RAFT.CONSISTENCY on n5: %q, %v; want leader", s, err)
		}
		if info, err := n5.RaftInfo(); err != nil || info["read_consistency_default"] != "leader" {
			t.Errorf("RAFT.INFO on n5: read_consistency_default:%q, %v; want leader", info["read_consistency_default"], err)
		}
		if err := cl.Set(ctx, "lc:k", "v", 0).Err(); err != nil {
			t.Fatalf("SET through n5: %v", err)
		}
		// On a follower a "leader" read takes the leader's read index, as a
		// linearizable one does, and is served at once. (No client retries:
		// go-redis would retry a -CLUSTERDOWN by itself.)
		once := redis.NewClient(&redis.Options{Addr: n5.Addr(), Protocol: 2, DisableIdentity: true, MaxRetries: -1})
		defer once.Close()
		start := time.Now()
		v, err := once.Get(ctx, "lc:k").Result()
		if took := time.Since(start); err != nil || v != "v" || took > 500*time.Millisecond {
			t.Errorf("GET on n5 (follower, read consistency leader): %q, %v after %v; want v at once", v, err, took.Round(time.Millisecond))
		}
		// The same connection with RAFT.CONSISTENCY linearizable reads.
		conn := cl.Conn()
		defer conn.Close()
		if err := conn.Do(ctx, "RAFT.CONSISTENCY", "linearizable").Err(); err != nil {
			t.Fatal(err)
		}
		if v, err := conn.Get(ctx, "lc:k").Result(); err != nil || v != "v" {
			t.Errorf("linearizable GET on n5: %q, %v", v, err)
		}
		// Once n5 leads, its "leader" reads are served.
		old := c.Leader()
		transferTo(t, c, old, old, "n5")
		if v, err := cl.Get(ctx, "lc:k").Result(); err != nil || v != "v" {
			t.Errorf("GET on n5 (leader, read consistency leader): %q, %v; want v", v, err)
		}
		transferTo(t, c, n5, n5, old.ID)
		removeMember(t, c.Leader(), "n5", orig, "n1", "n2", "n3")
		n5.Kill()
		c.Drop(n5)
	})

	t.Run("LeaderStopUnderLoad", func(t *testing.T) {
		c := c.on(t)
		load := startClusterLoad(t, c.Nodes, 10, "gs")
		if err := load.WaitAcks(300, 20*time.Second); err != nil {
			t.Fatalf("load did not get going: %v", err)
		}
		old := c.Leader()
		start := time.Now()
		if err := old.Stop(); err != nil {
			t.Errorf("leader %s: exit after SIGTERM: %v, want status 0", old.name(), err)
		}
		exitedAt := time.Now()
		t.Logf("SIGTERM to leader %s: exited after %v", old.name(), exitedAt.Sub(start).Round(time.Millisecond))
		leaderKnownAfterExit(t, c, old, exitedAt, "SIGTERM")
		if log := old.Log(); !strings.Contains(log, `msg="transferring leadership before shutdown"`) || !strings.Contains(log, `msg="leadership transferred"`) {
			t.Errorf(`old leader %s's log lacks "transferring leadership before shutdown" / "leadership transferred"`, old.name())
		}
		if err := load.WaitAcks(load.Acks()+200, 10*time.Second); err != nil {
			t.Errorf("writes did not go on after the leader's SIGTERM: %v", err)
		}
		old.Restart()
		if err := load.WaitAcks(load.Acks()+200, 10*time.Second); err != nil {
			t.Errorf("writes stalled after the old leader came back: %v", err)
		}
		load.Stop()
		worst := load.Report(t)
		t.Logf("longest client-visible stall during the leader's SIGTERM: %v", worst.Round(time.Millisecond))
		if worst >= gracefulStallBound {
			t.Errorf("a client went %v without a successful write during a graceful leader stop, want < %v",
				worst.Round(time.Millisecond), gracefulStallBound)
		}
		c.WaitConverged(t)
		checkAckedOnNodes(t, c.Nodes, load.Acked())
	})

	t.Run("ShutdownCommandOnLeader", func(t *testing.T) {
		c := c.on(t)
		old := c.Leader()
		start := time.Now()
		if out := redisCLI(t, old, "SHUTDOWN"); strings.TrimSpace(out) != "" {
			t.Logf("redis-cli SHUTDOWN printed %q", out)
		}
		exited, err := old.Exited(20 * time.Second)
		if !exited {
			t.Fatalf("SHUTDOWN did not stop leader %s", old.name())
		}
		if err != nil {
			t.Errorf("leader %s: exit after SHUTDOWN: %v, want status 0", old.name(), err)
		}
		exitedAt := time.Now()
		t.Logf("SHUTDOWN to leader %s: exited after %v", old.name(), exitedAt.Sub(start).Round(time.Millisecond))
		leaderKnownAfterExit(t, c, old, exitedAt, "SHUTDOWN")
		if !strings.Contains(old.Log(), `msg="leadership transferred"`) {
			t.Errorf(`leader %s's log lacks "leadership transferred" after SHUTDOWN`, old.name())
		}
	})
}
