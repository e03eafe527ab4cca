package raftnode

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"

	"github.com/hashicorp/raft"
)

// readRound is one leadership verification shared by every reader that
// joined it before it started.
type readRound struct {
	done    chan struct{} // closed when idx and err are set
	idx     uint64        // commit index taken at the start of the round
	err     error
	waiters int // readers that joined, under readMu
}

// ReadBarrier returns once a linearizable read may run against the local
// FSM: this node was the leader, Ready, at some moment after the call
// started, and the FSM has applied everything committed at that moment.
// Concurrent callers share one raft.VerifyLeader round.
//
// A leader that has not yet applied its own term's noop makes callers wait
// (until ctx ends). Errors: ErrNotLeader or ErrNoLeader (on a follower or a
// candidate, or if leadership is lost), ErrShutdown, and ErrTimeout
// wrapping the context's error.
func (n *Node) ReadBarrier(ctx context.Context) error {
	idx, err := n.ReadIndex(ctx)
	if err != nil {
		return err
	}
	return n.waitApplied(ctx, idx)
}

// ReadIndex is the leader's half of a linearizable read: it returns a
// commit index taken while this node was the Ready leader, confirmed by a
// quorum, without waiting for any FSM to reach it. A follower that obtains
// it from the leader waits for its own FSM with WaitApplied. Errors are
// those of ReadBarrier.
func (n *Node) ReadIndex(ctx context.Context) (uint64, error) {
	for {
		if err := n.waitLeaderReady(ctx); err != nil {
			return 0, err
		}
		if idx, ok := n.soleVoterReadIndex(); ok {
			return idx, nil
		}
		r := n.joinRound()
		select {
		case <-r.done:
		case <-ctx.Done():
			return 0, fmt.Errorf("%w: %w", ErrTimeout, ctx.Err())
		case <-n.ctx.Done():
			return 0, ErrShutdown
		}
		if errors.Is(r.err, errRetry) {
			continue
		}
		if r.err != nil {
			return 0, r.err
		}
		return r.idx, nil
	}
}

// WaitApplied blocks until this node's FSM has applied idx (ErrTimeout
// when ctx ends first, ErrShutdown when the node stops).
func (n *Node) WaitApplied(ctx context.Context, idx uint64) error { return n.waitApplied(ctx, idx) }

// waitLeaderReady returns nil once this node is the leader and Ready, a
// definite error if it is not the leader, or ErrTimeout when ctx ends.
func (n *Node) waitLeaderReady(ctx context.Context) error {
	if n.raft.State() == raft.Leader && n.leaderReady() && n.ctx.Err() == nil {
		return nil // the common case, without touching stateMu
	}
	for {
		ch := n.stateChanged()
		if n.ctx.Err() != nil {
			return ErrShutdown
		}
		if n.raft.State() != raft.Leader {
			return n.notLeaderErr()
		}
		if n.leaderReady() {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("%w: %w", ErrTimeout, ctx.Err())
		case <-n.ctx.Done():
			return ErrShutdown
		}
	}
}

// joinRound adds the caller to the pending round, creating it if needed,
// and wakes readLoop.
func (n *Node) joinRound() *readRound {
	n.readMu.Lock()
	r := n.readPending
	if r == nil {
		r = &readRound{done: make(chan struct{})}
		n.readPending = r
	}
	r.waiters++
	n.readMu.Unlock()
	select {
	case n.readKick <- struct{}{}:
	default: // a wake-up is already pending; it will see this round
	}
	return r
}

func (n *Node) waitApplied(ctx context.Context, idx uint64) error {
	if n.fsm.AppliedIndex() >= idx {
		return nil
	}
	// Do not outlive the node: after Shutdown the FSM may never get there.
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(n.ctx, cancel)
	defer stop()
	if err := n.fsm.WaitApplied(wctx, idx); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("%w: %w", ErrTimeout, ctx.Err())
		}
		if n.ctx.Err() != nil {
			return ErrShutdown
		}
		return err
	}
	return nil
}

// readLoop runs the read rounds one at a time: readers who arrive while a
// round is in flight join the next one.
func (n *Node) readLoop() {
	defer n.wg.Done()
	for {
		select {
		case <-n.ctx.Done():
			return
		case <-n.readKick:
		}
		n.letReadersJoin()
		n.readMu.Lock()
		r := n.readPending
		n.readPending = nil
		n.readMu.Unlock()
		if r == nil {
			continue
		}
		r.idx, r.err = n.readRound()
		close(r.done)
	}
}

// maxJoinYields bounds how often readLoop yields before a round starts.
const maxJoinYields = 8

// letReadersJoin lets the reads that are already runnable join the pending
// round before it starts, as cluster's read loop does for a follower's
// requests: the first reader's kick runs readLoop ahead of the readers
// behind it. It yields until two yields in a row bring no new reader.
func (n *Node) letReadersJoin() {
	quiet := 0
	for range maxJoinYields {
		before := n.pendingReaders()
		runtime.Gosched()
		if n.pendingReaders() != before {
			quiet = 0
		} else if quiet++; quiet == 2 {
			return
		}
	}
}

func (n *Node) pendingReaders() int {
	n.readMu.Lock()
	defer n.readMu.Unlock()
	if n.readPending == nil {
		return 0
	}
	return n.readPending.waiters
}

// soleVoterReadIndex is the read index of a Ready leader that is the only
// voter of the latest configuration, taken without a round: no other node
// can be elected or commit anything until a configuration that makes it a
// voter is appended to this node's log, and the leader sees such a
// configuration as soon as it appends it. ok is false when a round is
// needed.
func (n *Node) soleVoterReadIndex() (idx uint64, ok bool) {
	term := n.raft.CurrentTerm()
	if t := n.readyTerm.Load(); t == 0 || t != term {
		return 0, false
	}
	if !n.soleVoter() {
		return 0, false
	}
	idx = n.raft.CommitIndex()
	if n.raft.State() != raft.Leader || n.raft.CurrentTerm() != term {
		return 0, false
	}
	n.soleReads.Add(1)
	return idx, true
}

// soleVoter reports whether this node is the only voter of the latest
// configuration.
func (n *Node) soleVoter() bool {
	v := n.latestVoters()
	return len(v) == 1 && string(v[0].ID) == n.id
}

// latestVoters returns the voters of the latest configuration.
// raft hands out the configuration as a fresh copy, so the answer is kept
// for as long as the last log index stays put: a change of configuration
// is a log entry. raft stores that entry (moving the last index) a moment
// before it publishes the configuration, so a reader in between may keep
// the previous voters until the next entry. That is safe for the two
// uses here (soleVoterReadIndex, pairReadIndex), because raft changes one
// server at a time: see pairReadIndex.
func (n *Node) latestVoters() []raft.Server {
	last := n.raft.LastIndex()
	if c := n.votersCache.Load(); c != nil && c.last == last {
		return c.voters
	}
	fut := n.raft.GetConfiguration()
	if fut.Error() != nil {
		return nil
	}
	var voters []raft.Server
	for _, srv := range fut.Configuration().Servers {
		if srv.Suffrage == raft.Voter {
			voters = append(voters, srv)
		}
	}
	n.votersCache.Store(&votersAnswer{last: last, voters: voters})
	return voters
}

// votersAnswer is latestVoters' answer for one last log index.
type votersAnswer struct {
	last   uint64
	voters []raft.Server
}

// ReadIndexFor is ReadIndex for a read that the voter with id peer and
// cluster address peerAddr will serve (both must match the configuration:
// a stale process still using a replaced member's id is not that voter).
// When the latest configuration has at most three voters and names
// both this leader and peer, the leader skips its VerifyLeader round and
// returns its term with the index (term != 0): the peer itself is the
// second member of the quorum, and the index holds only if the peer is
// still in that term when it receives the answer (it checks; see
// pairReadIndex). Otherwise term is 0 and the index was confirmed by a
// round, as ReadIndex's.
func (n *Node) ReadIndexFor(ctx context.Context, peer, peerAddr string) (idx, term uint64, err error) {
	if err := n.waitLeaderReady(ctx); err != nil {
		return 0, 0, err
	}
	if idx, term, ok := n.pairReadIndex(peer, peerAddr); ok {
		return idx, term, nil
	}
	idx, err = n.ReadIndex(ctx)
	return idx, 0, err
}

// pairReadIndex takes the commit index for a read served by peer without
// a round, when this leader and peer together are a quorum of every
// configuration a candidate could be elected with.
//
// Why that is linearizable: the leader takes its commit index at moment
// t, then checks that it is still the Ready leader of term T; the peer
// checks, after the answer arrives (so after t), that its own term is
// still T. A write acknowledged before the read began was committed by the
// leader of some term. If that term was later than T, its leader was
// elected before t by a majority that, in a configuration of at most three
// voters naming both of us, includes this leader or the peer, and that
// member would have moved past T before t. So it was committed in T (by
// this leader, inside the index) or earlier (inside the index too, since
// a Ready leader has committed its own noop after everything before it).
//
// Configurations a candidate could use: raft changes one server at a time
// and only once the previous change is committed, so besides the latest
// (at most three voters, naming both) there is the one before it, which
// differs by one server: a fourth voter (two others are not a majority of
// four), or one fewer (this leader and at most one other, the peer if it
// was just added: no majority without this leader). latestVoters may
// still show the configuration before the newest one for an instant (see
// there); that one is the other case above.
func (n *Node) pairReadIndex(peer, peerAddr string) (idx, term uint64, ok bool) {
	if peer == "" || peer == n.id || peerAddr == "" {
		return 0, 0, false
	}
	term = n.raft.CurrentTerm()
	if t := n.readyTerm.Load(); t == 0 || t != term {
		return 0, 0, false
	}
	voters := n.latestVoters()
	isSelf := func(s raft.Server) bool { return string(s.ID) == n.id }
	isPeer := func(s raft.Server) bool { return string(s.ID) == peer && string(s.Address) == peerAddr }
	if len(voters) > 3 || !slices.ContainsFunc(voters, isSelf) || !slices.ContainsFunc(voters, isPeer) {
		return 0, 0, false
	}
	idx = n.raft.CommitIndex()
	if n.raft.State() != raft.Leader || n.raft.CurrentTerm() != term {
		return 0, 0, false
	}
	n.pairReads.Add(1)
	return idx, term, true
}

// Term is this node's current Raft term.
func (n *Node) Term() uint64 { return n.raft.CurrentTerm() }

// ReadNow reports whether a linearizable read may run against the local
// FSM at once: this node is the Ready leader, the only voter, and has
// applied its commit index. It never blocks; when it says false, callers
// take the full ReadBarrier.
func (n *Node) ReadNow() bool {
	if n.raft.State() != raft.Leader || !n.leaderReady() || n.ctx.Err() != nil {
		return false
	}
	idx, ok := n.soleVoterReadIndex()
	return ok && n.fsm.AppliedIndex() >= idx
}

// readRound takes the commit index, then confirms with a quorum that this
// node is still the leader of the term in which it applied its own noop.
// Because that noop (an FSM entry) is committed, the commit index is the
// index of an entry the FSM sees, so waiting for it terminates.
func (n *Node) readRound() (uint64, error) {
	n.readRounds.Add(1)
	if n.roundHook != nil {
		n.roundHook()
	}
	term := n.raft.CurrentTerm()
	if n.raft.State() != raft.Leader {
		return 0, n.notLeaderErr()
	}
	if t := n.readyTerm.Load(); t == 0 || t != term {
		return 0, errRetry
	}
	idx := n.raft.CommitIndex()
	switch err := n.waitFuture(context.Background(), n.raft.VerifyLeader()); {
	case err == nil:
	case errors.Is(err, errStopped), errors.Is(err, raft.ErrRaftShutdown):
		return 0, ErrShutdown
	case errors.Is(err, raft.ErrNotLeader), errors.Is(err, raft.ErrLeadershipLost):
		return 0, n.notLeaderErr()
	default:
		return 0, fmt.Errorf("raftnode: verify leader: %w", err)
	}
	if n.raft.CurrentTerm() != term {
		return 0, errRetry
	}
	return idx, nil
}
