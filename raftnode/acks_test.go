package raftnode

import (
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

func TestAckBookNotesOnlyWhatAnAnswerShows(t *testing.T) {
	b := newAckBook()
	t0 := time.Now()
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	ok := func(last uint64) *raft.AppendEntriesResponse {
		return &raft.AppendEntriesResponse{Success: true, LastLog: last}
	}
	entries := func(term uint64, idx ...uint64) *raft.AppendEntriesRequest {
		req := &raft.AppendEntriesRequest{Term: term}
		for _, i := range idx {
			req.Entries = append(req.Entries, &raft.Log{Index: i, Term: term})
		}
		return req
	}
	b.note("f", at(1), entries(2, 5, 6, 7), &raft.AppendEntriesResponse{Success: false, LastLog: 3})
	if b.holding("f", 2, 1) {
		t.Fatal("a refused append counted")
	}
	b.note("f", at(2), entries(2), ok(3)) // a heartbeat
	if b.holding("f", 2, 0) {
		t.Fatal("a heartbeat counted")
	}
	b.note("f", at(3), entries(2, 4, 5, 6, 7), ok(3)) // LastLog is from before the append
	if !b.holding("f", 2, 7) || b.holding("f", 2, 8) {
		t.Fatal("entries 4-7 in term 2: want index 7 held, 8 not")
	}
	probe := &raft.AppendEntriesRequest{Term: 2, PrevLogEntry: 9} // no entries, but a log check
	b.note("f", at(4), probe, ok(9))
	if !b.holding("f", 2, 9) {
		t.Fatal("a successful probe at 9 should count")
	}
	b.note("f", at(5), entries(2, 3), ok(9)) // a late answer to an older request
	if !b.holding("f", 2, 9) {
		t.Fatal("an older answer lowered the mark")
	}

	// A heartbeat sent before the probe that set the mark says nothing
	// of the log since; one sent after it, from a follower that lost its
	// log, lowers the mark.
	b.note("f", at(3), entries(2), ok(0))
	if !b.holding("f", 2, 9) {
		t.Fatal("a heartbeat sent before the mark was set lowered it")
	}
	b.note("f", at(6), entries(2), ok(0))
	if b.holding("f", 2, 1) {
		t.Fatal("a follower reporting an empty log still counts")
	}
	b.note("f", at(7), &raft.AppendEntriesRequest{Term: 2, PrevLogEntry: 4}, ok(4))
	if !b.holding("f", 2, 4) || b.holding("f", 2, 5) {
		t.Fatal("after the loss, a probe at 4 should count up to 4 only")
	}

	if b.holding("f", 3, 1) {
		t.Fatal("a mark of term 2 counted in term 3")
	}
	b.note("f", at(8), entries(3, 5), ok(4))
	if !b.holding("f", 3, 5) || b.holding("f", 2, 5) {
		t.Fatal("a new term replaces the mark")
	}
	b.forget("f")
	if b.holding("f", 3, 0) {
		t.Fatal("a forgotten member still counts")
	}
}

// TestAcknowledgedCountsFollowerLogs: the leader counts the members whose
// log holds an entry, leaving out the one asking; a stopped follower keeps
// counting for what it stored, not for what came after.
func TestAcknowledgedCountsFollowerLogs(t *testing.T) {
	nodes, _, li := startThree(t)
	leader := nodes[li]
	f1, f2 := nodes[(li+1)%3], nodes[(li+2)%3]
	_, idx := mustApply(t, leader, "set x 1")
	if n, ok := f1.Acknowledged(idx, f1.ID()); ok {
		t.Fatalf("a follower answered %d", n)
	}
	n, ok := leader.Acknowledged(idx, leader.ID())
	if !ok || n < 1 {
		t.Fatalf("committed entry: %d members hold it, ok %v; want at least 1 (a quorum has it)", n, ok)
	}
	waitFor(t, 5*time.Second, "both followers hold the entry", func() bool {
		n, _ := leader.Acknowledged(idx, leader.ID())
		return n == 2
	})
	if n, _ := leader.Acknowledged(idx, f1.ID()); n != 2 {
		t.Fatalf("asked for %s: %d, want 2 (the leader and %s)", f1.ID(), n, f2.ID())
	}

	if err := f2.Shutdown(ctxT(t, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
	_, idx2 := mustApply(t, leader, "set x 2")
	waitFor(t, 5*time.Second, "the live follower holds the second entry", func() bool {
		n, _ := leader.Acknowledged(idx2, leader.ID())
		return n == 1
	})
	time.Sleep(300 * time.Millisecond)
	if n, _ := leader.Acknowledged(idx2, leader.ID()); n != 1 {
		t.Fatalf("second entry with %s stopped: %d hold it, want 1", f2.ID(), n)
	}
	if n, _ := leader.Acknowledged(idx, leader.ID()); n != 2 {
		t.Fatalf("first entry: %d hold it, want 2 (%s stored it before it stopped)", n, f2.ID())
	}
}
