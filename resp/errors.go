package resp

import (
	"errors"
)

// Errors a Backend returns, so the server can tell a client whether a write
// happened. The backend adapter in cmd/respraft maps raftnode's errors to
// these.
var (
	// ErrNotLeader: this node cannot propose or serve a linearizable read
	// right now; the write was not proposed. Retried inside the node for up
	// to LeaderWait, then answered with -CLUSTERDOWN.
	ErrNotLeader = errors.New("not the leader")
	// ErrUnknownOutcome: the write was handed to Raft but its fate is not
	// known (timeout after proposing, leadership lost in flight). It may or
	// may not have been applied; never retried by the server.
	ErrUnknownOutcome = errors.New("outcome unknown")
	// ErrShuttingDown: the node is stopping; the write was not proposed.
	ErrShuttingDown = errors.New("shutting down")
)

// Reply texts for the errors above. -CLUSTERDOWN and -TRYAGAIN are the codes
// Redis Cluster clients already treat as "retry later"; -UNKNOWN is ours
// and deliberately not -ERR, so a client cannot mistake it for a refusal.
const (
	replyClusterDown    = "CLUSTERDOWN No leader is available to serve this request, try again later"
	replyTryAgain       = "TRYAGAIN The node is shutting down, the command was not executed"
	replyUnknownOutcome = "UNKNOWN The write was proposed but its outcome is unknown; it may or may not have been applied"
)

func errorReply(err error) string {
	switch {
	case errors.Is(err, ErrNotLeader):
		return replyClusterDown
	case errors.Is(err, ErrShuttingDown):
		return replyTryAgain
	case errors.Is(err, ErrUnknownOutcome):
		return replyUnknownOutcome + " (" + err.Error() + ")"
	}
	return "ERR " + err.Error()
}
