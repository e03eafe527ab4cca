package main

import (
	"context"
	"testing"
	"time"
)

// TestClusterWait: WAIT through any node counts the other members whose
// log holds the connection's last write. With all three up every node
// sees 2 quickly; with a follower killed, a new write reaches one other
// member, so WAIT 2 runs out its timeout and reports 1, and WAIT 1
// returns at once.
func TestClusterWait(t *testing.T) {
	c := startCluster(t, 3)
	ctx := context.Background()
	wait := func(nd *node, key string, want, ms int) (int, time.Duration) {
		t.Helper()
		conn := nd.Client(0).Conn() // WAIT is about this connection's writes
		defer conn.Close()
		if err := conn.Set(ctx, key, "v", 0).Err(); err != nil {
			t.Fatalf("%s: SET %s: %v", nd.name(), key, err)
		}
		start := time.Now()
		n, err := conn.Do(ctx, "WAIT", want, ms).Int()
		if err != nil {
			t.Fatalf("%s: WAIT %d %d: %v", nd.name(), want, ms, err)
		}
		return n, time.Since(start)
	}
	for _, nd := range c.Nodes {
		if n, d := wait(nd, "k-"+nd.name(), 2, 10000); n != 2 || d > 5*time.Second {
			t.Fatalf("%s, all up: WAIT 2 10000 = %d after %v; want 2, well before the timeout", nd.name(), n, d)
		}
	}

	leader := c.Leader()
	fs := c.Followers()
	dead, live := fs[0], fs[1]
	dead.Kill()
	for _, nd := range []*node{leader, live} {
		n, d := wait(nd, "after-"+nd.name(), 2, 500)
		if n != 1 || d < 500*time.Millisecond {
			t.Fatalf("%s, %s killed: WAIT 2 500 = %d after %v; want 1 after the timeout", nd.name(), dead.name(), n, d)
		}
		if n, d := wait(nd, "after1-"+nd.name(), 1, 10000); n != 1 || d > 5*time.Second {
			t.Fatalf("%s, %s killed: WAIT 1 10000 = %d after %v; want 1 at once", nd.name(), dead.name(), n, d)
		}
		t.Logf("%s with %s killed: WAIT 2 500 returned 1 after %v", nd.name(), dead.name(), d)
	}
}
