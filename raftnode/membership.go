package raftnode

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/raft"
)

// membershipErr maps a failed configuration change. These changes are
// idempotent (adding a server that is there with the same address, or
// removing one that is gone, changes nothing), so callers may simply retry
// an unknown outcome.
func (n *Node) membershipErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, raft.ErrNotLeader), errors.Is(err, raft.ErrLeadershipTransferInProgress):
		return n.notLeaderErr()
	case errors.Is(err, raft.ErrEnqueueTimeout):
		return fmt.Errorf("%w: %w", ErrTimeout, err)
	case errors.Is(err, errStopped):
		return ErrShutdown
	}
	return fmt.Errorf("%w: %w", ErrUnknownOutcome, err)
}

// AddVoter adds (or, for a known id with a new address, updates) a voting
// member. Adding a member that is already there with the same address is a
// no-op. Leader only.
func (n *Node) AddVoter(ctx context.Context, id, addr string) error {
	if n.raft.State() != raft.Leader {
		return n.notLeaderErr()
	}
	cf := n.raft.GetConfiguration()
	if err := n.waitFuture(ctx, cf); err != nil {
		return n.membershipErr(err)
	}
	for _, s := range cf.Configuration().Servers {
		if string(s.ID) == id && string(s.Address) == addr && s.Suffrage == raft.Voter {
			return nil
		}
	}
	n.log.Info("adding voter", "id", id, "addr", addr)
	n.trans.acks.forget(raft.ServerID(id)) // a new log, or the old one under a new address
	return n.membershipErr(n.waitFuture(ctx, n.raft.AddVoter(raft.ServerID(id), raft.ServerAddress(addr), 0, n.applyTimeout)))
}

// RemoveServer removes a member; removing an unknown id is a no-op.
// Leader only.
func (n *Node) RemoveServer(ctx context.Context, id string) error {
	if n.raft.State() != raft.Leader {
		return n.notLeaderErr()
	}
	cf := n.raft.GetConfiguration()
	if err := n.waitFuture(ctx, cf); err != nil {
		return n.membershipErr(err)
	}
	found := false
	for _, s := range cf.Configuration().Servers {
		found = found || string(s.ID) == id
	}
	if !found {
		return nil
	}
	n.log.Info("removing server", "id", id)
	n.trans.acks.forget(raft.ServerID(id))
	return n.membershipErr(n.waitFuture(ctx, n.raft.RemoveServer(raft.ServerID(id), 0, n.applyTimeout)))
}

// TransferLeadership hands leadership to id, or to the most up-to-date
// voter when id is empty, and waits until raft reports the transfer done.
// Leader only.
func (n *Node) TransferLeadership(ctx context.Context, id string) error {
	if n.raft.State() != raft.Leader {
		return n.notLeaderErr()
	}
	var f raft.Future
	if id == "" {
		f = n.raft.LeadershipTransfer()
	} else {
		cf := n.raft.GetConfiguration()
		if err := n.waitFuture(ctx, cf); err != nil {
			return n.membershipErr(err)
		}
		var addr raft.ServerAddress
		for _, s := range cf.Configuration().Servers {
			if string(s.ID) == id {
				addr = s.Address
			}
		}
		if addr == "" {
			return fmt.Errorf("no member with id %q", id)
		}
		f = n.raft.LeadershipTransferToServer(raft.ServerID(id), addr)
	}
	if err := n.waitFuture(ctx, f); err != nil {
		if errors.Is(err, raft.ErrNotLeader) {
			return n.notLeaderErr()
		}
		return fmt.Errorf("leadership transfer: %w", err)
	}
	return nil
}

// PeerAddrs returns the cluster address of every member of the latest
// configuration but this node (voters and non-voters). It is cheap: raft
// keeps the configuration in an atomic value.
func (n *Node) PeerAddrs() []string {
	fut := n.raft.GetConfiguration()
	if fut.Error() != nil {
		return nil
	}
	var out []string
	for _, srv := range fut.Configuration().Servers {
		if string(srv.ID) != n.id {
			out = append(out, string(srv.Address))
		}
	}
	return out
}
