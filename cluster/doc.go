// Package cluster will hold membership (bootstrap from --peers, join,
// remove), leader discovery, and the forwarding of a follower's writes and
// read-index requests to the leader.
//
// A single node needs none of it: with no peers, cmd/respraft bootstraps a
// one-voter Raft cluster and the node is always its own leader. The package
// is intentionally empty until the multi-node work lands; nothing here
// pretends to forward anything yet.
package cluster
