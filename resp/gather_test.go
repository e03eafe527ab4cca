package resp

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/respraft/respraft/fsm"
)

func write(c *client) *pendingWrite {
	return &pendingWrite{owner: c, cmds: make([]fsm.Cmd, 1), done: make(chan struct{})}
}

// propose makes a group of one write per client and has ga take it as
// the previous group.
func propose(ga *gatherer, clients ...*client) *writeGroup {
	g := newWriteGroup(write(clients[0]))
	ga.add(nil, g.writes[0])
	for _, c := range clients[1:] {
		ga.add(g, write(c))
	}
	ga.proposed(g)
	return g
}

// answer does what commitGroup does once the entry is applied, with the
// writes of back arriving while the group's replies go out.
func answer(g *writeGroup, writes chan<- *pendingWrite, back ...*client) {
	g.answered.Store(time.Now().UnixNano())
	for _, c := range back {
		writes <- write(c)
	}
	close(g.done)
}

func owners(g *writeGroup) map[*client]bool {
	m := make(map[*client]bool)
	for _, pw := range g.writes {
		m[pw.owner] = true
	}
	return m
}

// retryTiming runs try until it succeeds, at most 5 times, and fails the
// test with its last complaint. Lingering waits a few milliseconds at
// most, and on a loaded machine (CI runs the end-to-end packages beside
// this one) a goroutine can be kept off the CPU longer than that; a
// lingering that is broken fails every time.
func retryTiming(t *testing.T, try func() string) {
	t.Helper()
	var why string
	for range 5 {
		if why = try(); why == "" {
			return
		}
	}
	t.Fatal(why)
}

func TestLingerTakesThePreviousGroupsClients(t *testing.T) {
	retryTiming(t, func() string {
		ga := newGatherer()
		a, b, c, d := &client{}, &client{}, &client{}, &client{}
		prev := propose(ga, a, b, c)
		writes := make(chan *pendingWrite, 8)

		// d was waiting while prev was stored; prev's clients come back
		// once it is answered.
		g := newWriteGroup(write(d))
		ga.add(nil, g.writes[0])
		if !ga.wanted(g) {
			t.Fatal("a group behind one of three clients does not wait for them")
		}
		go answer(prev, writes, a, b, c)
		start := time.Now()
		ga.linger(g, writes, nil)
		if got := owners(g); len(got) != 4 || !got[a] || !got[b] || !got[c] || !got[d] {
			return fmt.Sprintf("group has %d writes, want d's and those of a, b and c", len(g.writes))
		}
		if g.n != 4 {
			return fmt.Sprintf("group counts %d commands, want 4", g.n)
		}
		if !ga.pays {
			return "every client came back, yet the wait is not counted as paying"
		}
		if el := time.Since(start); el > time.Second {
			return fmt.Sprintf("linger took %v with every client back", el)
		}
		return ""
	})
}

// Two clients taking turns: b wrote while a's entry was being stored, so
// b's group is not the client that comes back, and it waits for a; from
// then on the two share entries instead of each paying a log write.
func TestLingerJoinsClientsTakingTurns(t *testing.T) {
	retryTiming(t, func() string {
		ga := newGatherer()
		a, b := &client{}, &client{}
		prev := propose(ga, a)
		writes := make(chan *pendingWrite, 8)
		g := newWriteGroup(write(b))
		ga.add(nil, g.writes[0])
		if !ga.wanted(g) {
			t.Fatal("b's group does not wait for a, the previous group's only client")
		}
		go answer(prev, writes, a)
		ga.linger(g, writes, nil)
		if got := owners(g); len(got) != 2 || !got[a] || !got[b] {
			return fmt.Sprintf("group has %d writes, want those of a and b", len(g.writes))
		}
		return ""
	})
}

func TestNoLingerForALoneClient(t *testing.T) {
	ga := newGatherer()
	a, b := &client{}, &client{}
	propose(ga, a)
	g := newWriteGroup(write(a))
	ga.add(nil, g.writes[0])
	if ga.wanted(g) {
		t.Error("a lone client waits for itself")
	}

	// Both clients of the previous group are back before the turn.
	propose(ga, a, b)
	g = newWriteGroup(write(b))
	ga.add(nil, g.writes[0])
	ga.add(g, write(a))
	if ga.wanted(g) {
		t.Error("a group waits with every client of the previous one in it")
	}
}

func TestLingerEndsWhenClientsStayAway(t *testing.T) {
	var ga *gatherer
	var g *writeGroup
	var writes chan *pendingWrite
	retryTiming(t, func() string {
		ga = newGatherer()
		a, b, c, e, d := &client{}, &client{}, &client{}, &client{}, &client{}
		prev := propose(ga, a, b, c, e)
		writes = make(chan *pendingWrite, 8)
		answer(prev, writes, a) // only a writes again

		g = newWriteGroup(write(d))
		ga.add(nil, g.writes[0])
		if !ga.wanted(g) {
			t.Fatal("no wait for the previous group's clients")
		}
		start := time.Now()
		ga.linger(g, writes, nil)
		el := time.Since(start)
		if got := owners(g); len(got) != 2 || !got[a] || !got[d] {
			return fmt.Sprintf("group has %d writes, want d's and a's", len(g.writes))
		}
		if el > time.Second {
			return fmt.Sprintf("linger took %v; it must end soon after the last client came back", el)
		}
		return ""
	})
	if ga.pays {
		t.Error("one client of four came back, yet the wait is counted as paying")
	}

	// Waiting is off now, but for a probe every probeMin groups, then
	// twice as far apart after a probe that does not pay either.
	for i := 0; i < probeMin; i++ {
		if ga.wanted(g) {
			t.Fatalf("group %d after a wait that did not pay waits again", i+1)
		}
	}
	if !ga.wanted(g) {
		t.Fatalf("no probe after %d groups", probeMin)
	}
	ga.linger(g, writes, nil) // nobody comes back
	if ga.pays || ga.probe != 2*probeMin {
		t.Errorf("after a probe that did not pay: pays %v, probe every %d groups, want false, %d", ga.pays, ga.probe, 2*probeMin)
	}
}

func TestLingerIsBoundedWhenThePreviousGroupHangs(t *testing.T) {
	ga := newGatherer()
	a, b, d := &client{}, &client{}, &client{}
	propose(ga, a, b) // never answered
	writes := make(chan *pendingWrite)
	g := newWriteGroup(write(d))
	ga.add(nil, g.writes[0])
	start := time.Now()
	ga.linger(g, writes, nil)
	if el := time.Since(start); el < lingerMax || el > time.Second {
		t.Errorf("linger behind an unanswered group took %v, want lingerMax (%v)", el, lingerMax)
	}
	if len(g.writes) != 1 {
		t.Errorf("group has %d writes, want 1", len(g.writes))
	}

	stop := make(chan struct{})
	close(stop)
	start = time.Now()
	ga.linger(g, writes, stop)
	if el := time.Since(start); el >= lingerMax {
		t.Errorf("linger with the committer stopping took %v", el)
	}
}

// countingBackend is a gatedBackend that also records how many Applies
// overlap and how many commands each entry carries.
type countingBackend struct {
	*gatedBackend
	mu       sync.Mutex
	inflight int
	most     int
	sizes    []int
}

func (b *countingBackend) Apply(ctx context.Context, data []byte) (*fsm.Result, error) {
	b.mu.Lock()
	b.inflight++
	b.most = max(b.most, b.inflight)
	b.mu.Unlock()
	res, err := b.gatedBackend.Apply(ctx, data)
	b.mu.Lock()
	b.inflight--
	if res != nil {
		b.sizes = append(b.sizes, len(res.Replies))
	}
	b.mu.Unlock()
	return res, err
}

// TestLeaderHasOneGroupInFlight: while the leader's group is being
// applied, the writes that arrive wait and then go together as the next
// entry, rather than each in an entry of its own beside it.
func TestLeaderHasOneGroupInFlight(t *testing.T) {
	var cb *countingBackend
	ts := newTestServerWith(t, Config{}, func(f *fakeBackend) Backend {
		cb = &countingBackend{gatedBackend: &gatedBackend{fakeBackend: f, gate: make(chan struct{}), entered: make(chan struct{}, 1)}}
		return cb
	})
	a, b, c := ts.dial(), ts.dial(), ts.dial()
	post := func(cn *conn, cmd string) {
		if _, err := cn.c.Write([]byte(encode(cmd))); err != nil {
			t.Fatal(err)
		}
	}
	var release sync.Once
	open := func() { release.Do(func() { close(cb.gate) }) }
	t.Cleanup(open) // a failed test must not leave the server waiting
	post(a, "SET a 1")
	<-cb.entered
	post(b, "SET b 1")
	post(c, "SET c 1")
	// Both writes have been read; give them the moment it takes to reach
	// the committer, which holds them while the first group is applied
	// (before, the first of them went out at once, beside it).
	waitFor(t, "three commands read", func() bool { return ts.s.stats.commands.Load() == 3 })
	time.Sleep(50 * time.Millisecond)
	open()
	for _, cn := range []*conn{a, b, c} {
		if got := cn.reply(); got != "+OK\r\n" {
			t.Fatalf("reply %q, want +OK", got)
		}
	}
	cb.mu.Lock()
	defer cb.mu.Unlock()
	if cb.most != 1 || !slices.Equal(cb.sizes, []int{1, 2}) {
		t.Errorf("at most %d entries in flight, commands per entry %v; want 1 in flight, [1 2]", cb.most, cb.sizes)
	}
}
