package raftnode

import (
	"context"
	"sync"
	"time"

	"github.com/hashicorp/raft"
)

// maxTurnWait bounds LogTurn's wait: longer than one log write takes on a
// healthy disk, so under load it only ends early when a handed-off entry
// was never stored (the proposal failed) or the disk is stalling, and then
// the cost is one more entry in a batch, never a lost or stuck write.
const maxTurnWait = 3 * time.Millisecond

// turnStore wraps the log store to tell proposers when the leader's log
// writer is free. hashicorp/raft stores everything waiting in its apply
// channel with one StoreLogs (one bbolt commit, two fdatasyncs), so the
// cheapest way to share that cost is to hand the next entry over just as
// a write ends, with every write that queued meanwhile merged into it.
type turnStore struct {
	raft.LogStore

	mu      sync.Mutex
	storing bool
	starts  uint64        // StoreLogs calls begun
	granted uint64        // starts when the last turn was granted
	pending bool          // a turn was granted and its write not yet begun
	ended   chan struct{} // closed when the current StoreLogs returns
}

func newTurnStore(s raft.LogStore) *turnStore {
	return &turnStore{LogStore: s, ended: make(chan struct{})}
}

func (t *turnStore) StoreLogs(logs []*raft.Log) error {
	t.mu.Lock()
	t.storing = true
	t.starts++
	t.mu.Unlock()
	err := t.LogStore.StoreLogs(logs)
	t.mu.Lock()
	t.storing = false
	close(t.ended)
	t.ended = make(chan struct{})
	t.mu.Unlock()
	return err
}

// StoreLog is used for single entries (raft's noop, configuration); it is
// a write like any other.
func (t *turnStore) StoreLog(l *raft.Log) error {
	return t.StoreLogs([]*raft.Log{l})
}

// wait returns once the log writer is idle and has begun a write since
// the previous turn was granted, or after maxTurnWait, or when ctx ends,
// and grants the caller the next turn.
func (t *turnStore) wait(ctx context.Context) {
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		t.mu.Lock()
		if t.pending && t.starts > t.granted {
			t.pending = false // the previous turn's entry is being stored
		}
		if !t.storing && !t.pending {
			t.grantLocked()
			t.mu.Unlock()
			return
		}
		ended := t.ended
		t.mu.Unlock()
		if timer == nil {
			timer = time.NewTimer(maxTurnWait)
		}
		select {
		case <-ended:
			continue
		case <-timer.C:
		case <-ctx.Done():
		}
		t.mu.Lock()
		t.grantLocked()
		t.mu.Unlock()
		return
	}
}

func (t *turnStore) grantLocked() { t.pending, t.granted = true, t.starts }

// LogTurn blocks, on the leader, until an entry proposed right after it
// returns would go into the next log write together with everything else
// waiting, rather than into a write of its own: it waits while the log
// writer is busy or has not yet taken the entry of the previous turn. A
// proposer that merges whatever queued while it waited (the RESP group
// committer) so pays one fsync for many clients. It returns at once on a
// follower, and never waits longer than a few milliseconds.
func (n *Node) LogTurn(ctx context.Context) {
	if n.raft.State() != raft.Leader {
		return
	}
	n.turns.wait(ctx)
}
