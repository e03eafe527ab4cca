package raftnode

import (
	"sync"

	"github.com/hashicorp/raft"
)

// heartbeatGate is the network transport with its heartbeat fast path
// under a lock that Shutdown takes before it closes the bolt store.
// hashicorp/raft answers heartbeats on the transport's connection
// goroutines, outside the goroutines raft.Shutdown waits for: one that
// arrived just before the shutdown can still be running after it, and the
// term it persists would then hit a closed raft.db, which raft answers
// with a panic. A node joining a cluster and stopped at once (its first
// heartbeat brings a new term) showed it: TestReadIndexForPeerOfThree
// alone panicked in 2 of 10 runs, and in 7 of 15 with both CPUs busy.
type heartbeatGate struct {
	*raft.NetworkTransport
	acks *ackBook // what followers hold, for WAIT (acks.go)

	mu     sync.RWMutex
	closed bool
}

// SetHeartbeatHandler implements raft.Transport.
func (g *heartbeatGate) SetHeartbeatHandler(fn func(rpc raft.RPC)) {
	g.NetworkTransport.SetHeartbeatHandler(g.guard(fn))
}

// guard runs fn under the gate: after close, a heartbeat gets
// raft.ErrRaftShutdown without reaching raft.
func (g *heartbeatGate) guard(fn func(rpc raft.RPC)) func(rpc raft.RPC) {
	if fn == nil {
		return nil
	}
	return func(rpc raft.RPC) {
		g.mu.RLock()
		defer g.mu.RUnlock()
		if g.closed {
			rpc.Respond(nil, raft.ErrRaftShutdown)
			return
		}
		fn(rpc)
	}
}

// close waits for the heartbeats being answered and refuses later ones.
func (g *heartbeatGate) close() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
}
