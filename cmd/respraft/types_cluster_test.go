package main

import (
	"context"
	"fmt"
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
