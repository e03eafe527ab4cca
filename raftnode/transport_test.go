package raftnode

import (
	"errors"
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

// Shutdown closes the bolt store only after the heartbeats being answered
// are done, and no heartbeat reaches raft after that.
func TestHeartbeatGateWaitsThenRefuses(t *testing.T) {
	g := &heartbeatGate{}
	entered, release := make(chan struct{}), make(chan struct{})
	calls := 0
	h := g.guard(func(rpc raft.RPC) {
		calls++
		close(entered)
		<-release
		rpc.Respond(&raft.AppendEntriesResponse{Success: true}, nil)
	})
	heartbeat := func() (raft.RPC, <-chan raft.RPCResponse) {
		ch := make(chan raft.RPCResponse, 1)
		return raft.RPC{Command: &raft.AppendEntriesRequest{}, RespChan: ch}, ch
	}

	inFlight, inFlightResp := heartbeat()
	go h(inFlight)
	<-entered
	closed := make(chan struct{})
	go func() {
		g.close()
		close(closed)
	}()
	select {
	case <-closed:
		t.Fatal("close returned while a heartbeat was being answered")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("close did not return after the heartbeat was answered")
	}
	if resp := <-inFlightResp; resp.Error != nil {
		t.Errorf("the heartbeat in flight was answered %v, want its own answer", resp.Error)
	}

	late, lateResp := heartbeat()
	h(late)
	if calls != 1 {
		t.Errorf("raft saw %d heartbeats, want only the one before close", calls)
	}
	if resp := <-lateResp; !errors.Is(resp.Error, raft.ErrRaftShutdown) {
		t.Errorf("a heartbeat after close was answered %v, want %v", resp.Error, raft.ErrRaftShutdown)
	}
	if g.guard(nil) != nil {
		t.Error("guard(nil) is not nil: the transport would call an empty handler")
	}
}
