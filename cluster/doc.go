// Package cluster makes every node serve every command. It carries a
// follower's writes and read-index requests to the leader over the cluster
// port (the connections whose first byte is RPCByte; raft has the others),
// and it forwards membership changes the same way.
//
// A forwarded write is re-stamped with the leader's clock (the leader
// stamps now_ms, DESIGN.md) and applied there; the follower then waits
// until its own state machine has applied that index before it answers, so
// a client reads its own writes on the node it talks to. A follower's
// linearizable read asks the leader for a read index (the leader confirms
// its leadership with a quorum, batched across readers) and waits until it
// has applied that index locally.
//
// Errors keep "definitely not done" apart from "outcome unknown": a
// request that could not be sent, or that the leader refused before
// proposing, is ErrNotLeader (the caller may retry, possibly elsewhere); a
// request that was sent but whose answer was lost is ErrUnknownOutcome.
//
// The package declares the small Raft interface it needs; it does not
// import raftnode.
package cluster
