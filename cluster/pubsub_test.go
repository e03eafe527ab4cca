package cluster

import (
	"context"
	"net"
	"slices"
	"sync"
	"testing"
)

// fakePubSub is one member's local subscribers.
type fakePubSub struct {
	mu        sync.Mutex
	published []string
	channels  map[string]int // subscribers per channel
	patterns  []string
}

func (f *fakePubSub) Publish(channel, message []byte) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.published = append(f.published, string(channel)+"="+string(message))
	return f.channels[string(channel)]
}

func (f *fakePubSub) Channels(pattern []byte) []string {
	var out []string
	for ch := range f.channels {
		if pattern == nil || string(pattern) == ch {
			out = append(out, ch)
		}
	}
	slices.Sort(out)
	return out
}

func (f *fakePubSub) NumSub(channels [][]byte) []int {
	out := make([]int, len(channels))
	for i, ch := range channels {
		out[i] = f.channels[string(ch)]
	}
	return out
}

func (f *fakePubSub) Patterns() []string { return f.patterns }

func TestPubSubFansOutToEveryMember(t *testing.T) {
	// Two followers with subscribers and one member that is down: pub/sub
	// calls are answered by any member, and the unreachable one counts as
	// having nobody.
	b, addrB := startService(t, &fakeRaft{})
	c, addrC := startService(t, &fakeRaft{})
	psB := &fakePubSub{channels: map[string]int{"news": 2, "b-only": 1}, patterns: []string{"n*"}}
	psC := &fakePubSub{channels: map[string]int{"news": 1}, patterns: []string{"n*", "x?"}}
	b.SetPubSub(psB)
	c.SetPubSub(psC)
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := dead.Addr().String()
	dead.Close()

	la, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := New(Config{Raft: &fakeRaft{}, Listener: rpcListener{la}, Peers: func() []string { return []string{addrB, deadAddr, addrC} }})
	defer a.Close()
	ctx := context.Background()

	if n := a.PublishPeers(ctx, []byte("news"), []byte("hello")); n != 3 {
		t.Errorf("PublishPeers(news) = %d, want 3 (2 on b, 1 on c)", n)
	}
	if n := a.PublishPeers(ctx, []byte("none"), []byte("x")); n != 0 {
		t.Errorf("PublishPeers(none) = %d, want 0", n)
	}
	for _, ps := range []*fakePubSub{psB, psC} {
		ps.mu.Lock()
		got := slices.Clone(ps.published)
		ps.mu.Unlock()
		if want := []string{"news=hello", "none=x"}; !slices.Equal(got, want) {
			t.Errorf("a member received %v, want %v", got, want)
		}
	}
	if got, want := a.ChannelsPeers(ctx, nil), []string{"b-only", "news"}; !slices.Equal(got, want) {
		t.Errorf("ChannelsPeers = %v, want %v", got, want)
	}
	if got, want := a.ChannelsPeers(ctx, []byte("news")), []string{"news"}; !slices.Equal(got, want) {
		t.Errorf("ChannelsPeers(news) = %v, want %v", got, want)
	}
	if got, want := a.NumSubPeers(ctx, [][]byte{[]byte("news"), []byte("b-only"), []byte("z")}), []int{3, 1, 0}; !slices.Equal(got, want) {
		t.Errorf("NumSubPeers = %v, want %v", got, want)
	}
	if got, want := a.PatternsPeers(ctx), []string{"n*", "x?"}; !slices.Equal(got, want) {
		t.Errorf("PatternsPeers = %v, want %v (distinct)", got, want)
	}
}
