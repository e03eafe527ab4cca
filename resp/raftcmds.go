package resp

import (
	"context"
	"strings"
	"time"

	"github.com/respraft/respraft/fsm"
)

// RAFT.NODES
//
// One bulk string, one line per member:
// <id> <cluster-addr> <client-addr> voter|nonvoter leader|follower
// (client-addr is "-" until the member has announced it).
func cmdRaftNodes(b *burst, argv [][]byte) {
	var sb strings.Builder
	for _, n := range b.s.be.Nodes() {
		client := n.ClientAddr
		if client == "" {
			client = "-"
		}
		voter, role := "voter", "follower"
		if !n.Voter {
			voter = "nonvoter"
		}
		if n.Leader {
			role = "leader"
		}
		sb.WriteString(n.ID + " " + n.Addr + " " + client + " " + voter + " " + role + "\n")
	}
	b.bulk(sb.String())
}

// RAFT.NODE ADD id cluster-addr | RAFT.NODE REMOVE id
//
// Sent to any member; forwarded to the leader. Adding a member again with
// the same address is a no-op; with a new address it replaces the old one.
func cmdRaftNode(b *burst, argv [][]byte) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var err error
	switch sub := strings.ToLower(string(argv[1])); {
	case sub == "add" && len(argv) == 4:
		err = b.s.retryNoLeader(func(context.Context) error { return b.s.be.AddNode(ctx, string(argv[2]), string(argv[3])) })
	case sub == "remove" && len(argv) == 3:
		err = b.s.retryNoLeader(func(context.Context) error { return b.s.be.RemoveNode(ctx, string(argv[2])) })
	case sub == "add" || sub == "remove":
		b.error(fsm.ArityError("raft.node|" + sub))
		return
	default:
		b.error(unknownSubcommand(argv))
		return
	}
	if err != nil {
		b.error(errorReply(err))
		return
	}
	b.ok()
}

// RAFT.TRANSFER-LEADER [id]
func cmdTransferLeader(b *burst, argv [][]byte) {
	if len(argv) > 2 {
		b.error(fsm.ArityError("raft.transfer-leader"))
		return
	}
	id := ""
	if len(argv) == 2 {
		id = string(argv[1])
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := b.s.retryNoLeader(func(context.Context) error { return b.s.be.TransferLeader(ctx, id) }); err != nil {
		b.error(errorReply(err))
		return
	}
	b.ok()
}
