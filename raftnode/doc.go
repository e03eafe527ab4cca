// Package raftnode owns the hashicorp/raft instance of a respraft node: its
// transport on the cluster port, the bolt log and stable store (raft.db,
// fsync on), the file snapshot store (snapshots/, two retained), bootstrap,
// leader readiness, the batched read barrier and leadership transfer on
// shutdown. It imports nothing of this module; the state machine is the
// small FSM interface declared here.
//
// # Cluster port
//
// One TCP port carries raft and the cluster package's RPCs, told apart by
// the first byte of each connection (Mux). Raft uses RaftByte through
// raft.NetworkTransport; Dial(addr, b, timeout) is the client side for any
// byte. A connection that sends nothing within the handshake timeout, or an
// unregistered byte, is closed. New wraps Config.Listener in a Mux it owns;
// Node.Mux lets the cluster package Listen on other bytes of the same port.
//
// # Readiness
//
// hashicorp/raft appends a LogNoop entry when a node becomes leader, but it
// never hands LogNoop or LogBarrier entries to the FSM, so the FSM's
// applied index cannot be used to wait for them. The node therefore applies
// Config.NoopEntry, an FSM command that changes nothing, on every new term
// and is Ready as leader only once the FSM has applied it within that term.
// From then on raft's commit index is always the index of an entry the FSM
// sees (commands and configuration entries; BatchingFSM is required so
// that the latter reach it), which is what makes the read barrier's wait
// terminate. Nobody may call Barrier on Node.Raft().
//
// # Read barrier
//
// ReadBarrier is raft's read index: one goroutine (readLoop) runs rounds of
// {check term and readiness, take CommitIndex, VerifyLeader, check the term
// again}; every reader that arrived before a round started is released
// with that round's index, then waits for its own FSM to reach it. Readers
// arriving during a round join the next one, so concurrent readers share
// VerifyLeader calls (Stats.ReadRounds counts them). A leader that is the
// only voter of the latest configuration needs no round: nobody else can
// be elected or commit before a configuration naming another voter is in
// its own log, so it takes its commit index directly (Stats.SoleReads).
// ReadIndexFor serves a follower's request the same way when the latest
// configuration has at most three voters naming both: the follower is the
// second member of the quorum and accepts the index only if it is still in
// the leader's term once the answer arrives (Stats.PairReads; the argument
// is at pairReadIndex). A
// leader that is not yet Ready makes readers wait; a follower answers
// ErrNotLeader (forwarding is the cluster package's job).
//
// # Log turns
//
// The log store is wrapped so that LogTurn can tell a proposer when the
// leader's log writer is free: raft stores everything queued in its apply
// channel with one StoreLogs (a bbolt commit, two fdatasyncs), so a
// proposer that merges the writes queued while it waited for its turn
// shares each commit among many clients.
//
// # Errors
//
// Apply tells definite failures (ErrNotLeader, ErrNoLeader, ErrTimeout,
// ErrShutdown: the entry was never given an index) from ErrUnknownOutcome
// (the entry was handed to raft and then leadership was lost, raft or the
// node shut down, the log store failed, or the context ended). Where the
// two cannot be told apart, Apply says unknown. The context bounds the
// whole call; without a deadline, Config.ApplyTimeout bounds the hand-off.
//
// hashicorp/raft v1.7.3 can leave a future unresolved forever when it shuts
// down with the entry queued for the FSM, so the node never blocks on a
// future without also watching its own shutdown: the small goroutine that
// waits on the future ends when raft resolves it.
//
// # Shutdown
//
// Shutdown(ctx): a leader with other voters calls LeadershipTransfer and
// waits, bounded by ctx, until it has stepped down and sees the new leader
// (in a two-node cluster the new leader needs this node's vote). A failed
// transfer is logged and the shutdown goes on: raft (which closes the
// transport), the owned mux, this package's goroutines, then raft.db.
//
// # Bootstrap
//
// If the data dir holds no raft state, the node bootstraps Config.Peers
// (which must include it, and must be the same list on every node) or, with
// no peers, a single-node cluster of itself; Config.NoBootstrap leaves it
// waiting to be added by a leader instead. With existing state Peers are
// ignored: a restarted node recovers from its snapshot and log alone.
//
// # Logging
//
// raft's hclog output goes through an adapter onto the process's slog
// handler with component=raft (and name=net/snapshot for the transport and
// snapshot store); this package logs with component=raftnode. The handler's
// level decides: raft's DEBUG lines appear only at debug level.
package raftnode
