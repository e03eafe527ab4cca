package resp

import (
	"sync/atomic"
	"time"
)

// Lingering. Once the group committer has its log turn it could propose
// at once whatever is queued, but under load that splits the clients into
// groups that take turns: while one group's entry is being stored (and on
// a cluster, replicated), the clients of the previous group are still
// getting their replies and cannot yet be in the next entry. Each log
// write then carries a fraction of the clients, and every client waits
// for several writes. So when the clients of the previous group have not
// all sent their next write yet, the committer waits a little for them:
// until the previous group has its replies, then until the first of its
// clients comes back (twice the usual delay for that, measured), then
// while they keep coming back less than lingerGap apart, never longer
// than lingerMax from the turn. Nobody waits when every client of the
// previous group is in the group already (a lone client writing again is
// the one that came back), nor for long behind a group answered long ago.
// A group of one is waited for when another client's write is next: two
// clients taking turns then share entries instead of each paying a log
// write. With 2 redis-benchmark clients one node took 3.2k-3.5k SET/s
// against 1.8k-2.3k when nobody waited behind a group of one, and a
// three-node leader 1.2k-1.3k against 0.66k-0.75k (alternating runs, all
// ahead; 50 clients unchanged).
//
// Clients that write now and then would make groups wait for nothing, so
// the committer stops waiting when fewer than lingerPays percent of the
// previous group's clients came back while it waited, and tries again
// after probeMin groups, then after twice as many each time that does
// not pay either, up to probeMax.
//
// lingerGap must outlast the pauses a busy node itself puts between the
// clients coming back: their replies and their next writes are handled one
// goroutine after another, so the committer can see nothing new for a
// while although the clients have long replied. At 150µs, linger ended
// with 1-5 of 50 redis-benchmark clients still on their way, which also
// made it look as if waiting did not pay, so half the groups did not wait.
// At 400µs, entries carried 43-45 writes instead of 34-36. Alternating
// runs of the two builds, 50 clients: the three-node leader took
// 14.0k-15.7k SET/s against 12.6k-14.1k (four runs each, every one
// ahead), one node 26.2k-28.7k against 24.7k-27.0k (six each, every one
// ahead). On an idle node the longer gap costs nothing: Go's timers fire
// about a millisecond late there anyway (measured on Linux, go1.26).
const (
	lingerMax  = 3 * time.Millisecond
	lingerGap  = 400 * time.Microsecond
	lingerPays = 75 // percent of the previous group's clients that came back
	probeMin   = 8
	probeMax   = 128

	// The wait for the first client to come back is twice its running
	// average delay, within these bounds.
	firstMin, firstMax, firstStart = 200 * time.Microsecond, 2 * time.Millisecond, time.Millisecond
)

// writeGroup is the writes of one or more connections proposed as one
// entry.
type writeGroup struct {
	writes   []*pendingWrite
	n        int           // commands, in all
	answered atomic.Int64  // when its writes began to get their replies, in Unix nanoseconds
	done     chan struct{} // closed once every write has its replies
}

func newWriteGroup(first *pendingWrite) *writeGroup {
	return &writeGroup{writes: []*pendingWrite{first}, n: len(first.cmds), done: make(chan struct{})}
}

// gatherer is the group committer's memory of the previous group: whose
// next write to wait for, and whether waiting has been paying. It belongs
// to the committer's goroutine.
type gatherer struct {
	prev    *writeGroup
	expect  map[*client]struct{} // prev's clients that have not written since
	pays    bool                 // the last wait was worth it
	probe   int                  // groups to propose without waiting, once a wait was not worth it
	first   time.Duration        // running average of the delay from a group's replies to the first of its clients writing again
	back    bool                 // a client of prev has written since
	last    time.Time            // when the latest of them did
	skipped int                  // groups proposed without waiting since the last wait
}

func newGatherer() *gatherer {
	return &gatherer{expect: make(map[*client]struct{}), pays: true, probe: probeMin, first: firstStart / 2}
}

// add puts pw in g (unless g is nil: pw started it) and, when pw is the
// first write from a client of the previous group since that group was
// answered, takes note of how long that took.
func (ga *gatherer) add(g *writeGroup, pw *pendingWrite) {
	if g != nil {
		g.writes = append(g.writes, pw)
		g.n += len(pw.cmds)
	}
	if _, ok := ga.expect[pw.owner]; !ok {
		return
	}
	delete(ga.expect, pw.owner)
	now := time.Now()
	if !ga.back {
		ga.back = true
		ga.first = (3*ga.first + now.Sub(time.Unix(0, ga.prev.answered.Load()))) / 4
	}
	ga.last = now
}

// wanted reports whether g should wait for the previous group's clients,
// counting the groups that do not.
func (ga *gatherer) wanted(g *writeGroup) bool {
	if len(ga.expect) == 0 || g.n >= maxGroup {
		return false
	}
	if !ga.pays && ga.skipped < ga.probe {
		ga.skipped++
		return false
	}
	ga.skipped = 0
	return true
}

// linger adds to g the writes arriving from writes while it is worth
// waiting for the previous group's clients (see the comment above), and
// notes whether that paid. It returns early when stop is closed.
func (ga *gatherer) linger(g *writeGroup, writes <-chan *pendingWrite, stop <-chan struct{}) {
	end := time.Now().Add(lingerMax)
	answered := ga.back // a client of prev is back, so prev has its replies
	timer := time.NewTimer(lingerMax)
	defer timer.Stop()
	for len(ga.expect) > 0 && g.n < maxGroup {
		var done <-chan struct{}
		if !answered {
			select {
			case <-ga.prev.done:
				answered = true
			default:
				done = ga.prev.done
			}
		}
		until := end
		switch {
		case ga.back:
			until = minTime(until, ga.last.Add(lingerGap))
		case answered:
			first := min(max(2*ga.first, firstMin), firstMax)
			until = minTime(until, time.Unix(0, ga.prev.answered.Load()).Add(first))
		}
		wait := time.Until(until)
		if wait <= 0 {
			break
		}
		timer.Reset(wait)
		select {
		case pw := <-writes:
			ga.add(g, pw)
		case <-done:
		case <-timer.C:
		case <-stop:
			return
		}
	}
	wasProbe := !ga.pays
	sent := len(ga.prev.writes) // one per client: a client waits for its write
	ga.pays = 100*(sent-len(ga.expect)) >= lingerPays*sent
	switch {
	case ga.pays:
		ga.probe = probeMin
	case wasProbe:
		ga.probe = min(2*ga.probe, probeMax)
	}
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// proposed makes g the previous group.
func (ga *gatherer) proposed(g *writeGroup) {
	clear(ga.expect)
	for _, pw := range g.writes {
		ga.expect[pw.owner] = struct{}{}
	}
	ga.prev = g
	ga.back = false
}
