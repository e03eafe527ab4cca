package raftnode

import "errors"

// Sentinel errors. Each says whether the operation that returned it
// definitely had no effect, which is what lets the RESP layer tell a client
// "try again" (-TRYAGAIN, -CLUSTERDOWN) apart from "the outcome is unknown".
// Errors are wrapped (test them with errors.Is); a timeout wraps the
// context's error as well.
var (
	// ErrNotLeader: this node is not the leader, or is handing leadership
	// over (raft.ErrNotLeader, raft.ErrLeadershipTransferInProgress). Leader
	// tells where to send the request instead. The write was never
	// proposed: it definitely did not happen.
	ErrNotLeader = errors.New("raftnode: not the leader")

	// ErrNoLeader: this node is not the leader and knows no leader (an
	// election is under way, or the node has no quorum). The write was
	// never proposed: it definitely did not happen.
	ErrNoLeader = errors.New("raftnode: no leader")

	// ErrTimeout: the context ended, or raft's apply queue stayed full
	// (raft.ErrEnqueueTimeout), before the entry was handed to raft; or a
	// read barrier did not complete in time. Nothing was proposed: the write
	// definitely did not happen.
	ErrTimeout = errors.New("raftnode: timed out before proposing")

	// ErrUnknownOutcome: the entry was handed to raft, and then leadership
	// was lost (raft.ErrLeadershipLost), raft shut down
	// (raft.ErrRaftShutdown), the node shut down, the context ended, or the
	// log store failed. The write may or may not have been committed and
	// applied; a client must be told so, never that it failed.
	ErrUnknownOutcome = errors.New("raftnode: outcome unknown")

	// ErrShutdown: the node (or its raft instance) was already shut down
	// when the call was made. Nothing was proposed: the write definitely did
	// not happen.
	ErrShutdown = errors.New("raftnode: node is shut down")
)

// errRetry tells a read barrier waiter that the round it joined could not
// confirm leadership for the term it started in (not ready yet, or the term
// moved on); it goes back to waiting for readiness. Never returned.
var errRetry = errors.New("raftnode: read round must be retried")

// errStopped is returned by waitFuture when the node shuts down while a
// raft future is still pending. Never returned to callers as is.
var errStopped = errors.New("raftnode: stopped while waiting")
