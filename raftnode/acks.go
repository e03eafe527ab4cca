package raftnode

import (
	"sync"
	"time"

	"github.com/hashicorp/raft"
)

// Acknowledged writes (Redis's WAIT). hashicorp/raft keeps each follower's
// match index to itself, so the leader's transport notes it on the way
// out: an AppendEntries a follower accepts means its log now equals the
// leader's up to the request's last entry (Raft's log matching), so it
// holds every entry up to there, whichever term wrote them. Only answers
// to requests of the current term count: a record from an earlier
// leadership may describe a log that has since been cut back.
//
// Within a term a follower's log only grows, unless the follower lost it:
// a wiped disk, or a node removed and added again under its old id. So
// any answer to a request sent after the mark was set, heartbeats
// included, that reports a last log index below the mark lowers it. A
// mark lowered by a race (a heartbeat overtaking an append) only
// under-reports until the leader's next append or probe, which raft sends
// at least every CommitTimeout.

// ackBook is the highest index each follower is known to hold, by the
// term of the request that showed it.
type ackBook struct {
	mu    sync.Mutex
	match map[raft.ServerID]ackMark
}

type ackMark struct {
	term, index uint64
	sent        time.Time // when the request that showed index was sent
}

func newAckBook() *ackBook { return &ackBook{match: make(map[raft.ServerID]ackMark)} }

// note records what the answer to an AppendEntries sent to id at sent
// shows (see the comment at the top).
func (b *ackBook) note(id raft.ServerID, sent time.Time, req *raft.AppendEntriesRequest, resp *raft.AppendEntriesResponse) {
	if req == nil || resp == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	m, ok := b.match[id]
	if ok && m.term == req.Term && sent.After(m.sent) && resp.LastLog < m.index {
		m.index = resp.LastLog
		b.match[id] = m
	}
	if !resp.Success {
		return
	}
	idx := req.PrevLogEntry
	if n := len(req.Entries); n > 0 {
		idx = req.Entries[n-1].Index
	}
	if idx == 0 {
		return // a heartbeat: it checks no log
	}
	if req.Term > m.term || (req.Term == m.term && idx > m.index) {
		b.match[id] = ackMark{term: req.Term, index: idx, sent: sent}
	}
}

// forget drops what is known of id, a member being removed or added.
func (b *ackBook) forget(id raft.ServerID) {
	b.mu.Lock()
	delete(b.match, id)
	b.mu.Unlock()
}

// holding reports whether id is known, in term, to hold index.
func (b *ackBook) holding(id raft.ServerID, term, index uint64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	m, ok := b.match[id]
	return ok && m.term == term && m.index >= index
}

// AppendEntries implements raft.Transport, noting what the answer shows.
func (g *heartbeatGate) AppendEntries(id raft.ServerID, target raft.ServerAddress, args *raft.AppendEntriesRequest, resp *raft.AppendEntriesResponse) error {
	sent := time.Now()
	err := g.NetworkTransport.AppendEntries(id, target, args, resp)
	if err == nil {
		g.acks.note(id, sent, args, resp)
	}
	return err
}

// AppendEntriesPipeline implements raft.Transport: the pipeline's answers
// are noted as raft takes them.
func (g *heartbeatGate) AppendEntriesPipeline(id raft.ServerID, target raft.ServerAddress) (raft.AppendPipeline, error) {
	p, err := g.NetworkTransport.AppendEntriesPipeline(id, target)
	if err != nil {
		return nil, err
	}
	np := &notedPipeline{AppendPipeline: p, id: id, acks: g.acks, out: make(chan raft.AppendFuture), closed: make(chan struct{})}
	go np.relay()
	return np, nil
}

// notedPipeline passes the futures of a pipeline on to raft, noting each
// answer first.
type notedPipeline struct {
	raft.AppendPipeline
	id        raft.ServerID
	acks      *ackBook
	out       chan raft.AppendFuture
	closed    chan struct{}
	closeOnce sync.Once
}

func (p *notedPipeline) relay() {
	in := p.AppendPipeline.Consumer()
	for {
		select {
		case f := <-in:
			if f.Error() == nil {
				p.acks.note(p.id, f.Start(), f.Request(), f.Response())
			}
			select {
			case p.out <- f:
			case <-p.closed:
				return
			}
		case <-p.closed:
			return
		}
	}
}

func (p *notedPipeline) Consumer() <-chan raft.AppendFuture { return p.out }

func (p *notedPipeline) Close() error {
	p.closeOnce.Do(func() { close(p.closed) })
	return p.AppendPipeline.Close()
}

// Acknowledged counts the members, other than the one with id except,
// known to hold the log entry at index: the leader itself (it holds every
// entry it acknowledged) and the followers whose log it has seen reach
// index in its current term. ok is false on a node that is not the leader,
// which knows nothing of the others' logs.
func (n *Node) Acknowledged(index uint64, except string) (count int, ok bool) {
	if n.raft.State() != raft.Leader {
		return 0, false
	}
	term := n.raft.CurrentTerm()
	fut := n.raft.GetConfiguration()
	if fut.Error() != nil {
		return 0, false
	}
	for _, srv := range fut.Configuration().Servers {
		id := string(srv.ID)
		switch {
		case id == except:
		case id == n.id:
			count++
		case n.trans.acks.holding(srv.ID, term, index):
			count++
		}
	}
	return count, true
}
