package resp

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/respraft/respraft/fsm"
	"github.com/tidwall/redcon"
)

// command is one row of the server's single command table: the state
// machine's rows (fsm.Commands) plus the connection and server commands
// that resp answers itself (local != nil). A command may have both: SELECT
// and PING are answered locally but run in the state machine when queued
// inside MULTI.
type command struct {
	*fsm.Command
	local func(b *burst, argv [][]byte)
}

var table = map[string]*command{}

func init() {
	for _, c := range fsm.Commands() {
		table[c.Name] = &command{Command: c}
	}
	for i := range localCommands {
		lc := &localCommands[i]
		if row, ok := table[lc.Name]; ok {
			row.local = lc.local
			continue
		}
		table[lc.Name] = lc
	}
}

func lookup(name []byte) *command {
	var buf [32]byte
	if len(name) > len(buf) {
		return table[strings.ToLower(string(name))]
	}
	lower := buf[:len(name)]
	for i, ch := range name {
		if ch >= 'A' && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		lower[i] = ch
	}
	return table[string(lower)]
}

// maxBatch bounds how many pipelined writes share one Raft entry.
const maxBatch = 256

// burst serves one pipelined burst of commands from one connection, in
// order. Consecutive writes are proposed as one entry; reads pass the read
// barrier once per burst (every command of a burst was sent before any of
// its replies, so one barrier taken after our own writes were applied
// serves them all).
type burst struct {
	s    *Server
	cl   *client
	conn redcon.Conn

	pending []fsm.Cmd
	scratch []byte // reply buffer of local reads, reused across the burst
	barrier bool
	quit    bool
	inExec  bool // running EXEC's local commands: WAIT must not block
}

// maxKeep is the largest buffer a connection keeps between bursts.
const maxKeep = 64 << 10

// newBurst readies the connection's burst for the next run, keeping its
// buffers unless they grew past maxKeep.
func (cl *client) newBurst(s *Server, conn redcon.Conn) *burst {
	b := &cl.burst
	pending, scratch := b.pending[:0], b.scratch[:0]
	if cap(pending) > maxBatch {
		pending = nil
	}
	if cap(scratch) > maxKeep {
		scratch = nil
	}
	*b = burst{s: s, cl: cl, conn: conn, pending: pending, scratch: scratch}
	return b
}

// run serves first and the rest of its pipelined burst.
func (b *burst) run(first redcon.Command, rest []redcon.Command) {
	b.one(first.Args)
	b.queueOutput()
	for _, rc := range rest {
		if b.quit {
			break
		}
		b.one(rc.Args)
		b.queueOutput()
	}
	b.flush()
	b.queueOutput()
	if b.quit {
		if b.cl.out != nil {
			b.cl.out.drain(time.Second) // QUIT's +OK is in the queue
		}
		_ = b.conn.Close()
	}
}

func (b *burst) reply(raw []byte)   { b.conn.WriteRaw(raw) }
func (b *burst) error(msg string)   { b.conn.WriteRaw(fsm.AppendError(nil, msg)) }
func (b *burst) status(msg string)  { b.conn.WriteString(msg) }
func (b *burst) integer(n int64)    { b.conn.WriteInt64(n) }
func (b *burst) bulk(s string)      { b.conn.WriteBulkString(s) }
func (b *burst) ok()                { b.conn.WriteString("OK") }
func (b *burst) arrayLen(n int)     { b.conn.WriteArray(n) }
func (b *burst) null()              { b.conn.WriteNull() }
func (b *burst) bulkBytes(p []byte) { b.conn.WriteBulk(p) }

// one serves a single command.
func (b *burst) one(argv [][]byte) {
	s, cl := b.s, b.cl
	s.stats.commands.Add(1)
	cmd := lookup(argv[0])
	if cmd == nil {
		b.flush()
		if cl.multi {
			cl.dirty = true
		}
		b.error(unknownCommand(argv))
		return
	}
	cl.mu.Lock()
	cl.lastCmd = cmd.Name
	cl.mu.Unlock()
	if !cmd.ArityOK(len(argv)) {
		b.flush()
		if cl.multi {
			cl.dirty = true
		}
		b.error(fsm.ArityError(cmd.Name))
		return
	}
	if cl.subscriptions() > 0 {
		switch {
		case !subscribedOK[cmd.Name]:
			b.flush()
			b.error(errSubscribedContext(cmd.Name, argv))
			return
		case cmd.Name == "ping":
			b.flush()
			b.subscribedPing(argv)
			return
		}
	}
	if cl.multi && !txControl[cmd.Name] {
		b.queue(cmd, argv)
		return
	}
	if cmd.local != nil {
		b.flush()
		cmd.local(b, argv)
		return
	}
	if e := s.fsm.Check(cmd.Command, argv); e != nil {
		b.flush()
		b.reply(e)
		return
	}
	if cmd.Is(fsm.FlagBlocking) {
		b.flush()
		b.block(cmd, argv)
		return
	}
	if cmd.Is(fsm.FlagWrite | fsm.FlagLogged) {
		b.pending = append(b.pending, fsm.Cmd{DB: cl.getDB(), Argv: argv})
		if len(b.pending) >= maxBatch {
			b.flush()
		}
		return
	}
	b.flush()
	if cmd.Is(fsm.FlagReadOnly) {
		if err := b.readBarrier(); err != nil {
			b.error(errorReply(err))
			return
		}
	}
	b.scratch = s.fsm.Read(cl.getDB(), cmd.Command, argv, b.scratch[:0])
	b.reply(b.scratch) // copied into the connection's write buffer
}

// localInExec are the commands of this node (no state machine handler)
// that MULTI queues as Redis does: EXEC runs them in their place, after
// the transaction's entry is applied (tx.go). Each writes one reply.
// SUBSCRIBE and the like, which would switch the connection to pub/sub
// in the middle of EXEC's reply, are still refused.
var localInExec = map[string]bool{
	"publish": true, "pubsub": true, "info": true, "config": true, "client": true, "command": true,
	"lastsave": true, "raft.info": true, "raft.nodes": true, "wait": true, "role": true,
}

// txControl are the commands that act at once even inside MULTI.
var txControl = map[string]bool{"exec": true, "discard": true, "multi": true, "watch": true, "quit": true, "reset": true}

// queue adds a command to the open transaction. Only unknown commands and
// arity errors are caught here, as in Redis; anything else is reported by
// the command itself when EXEC runs.
func (b *burst) queue(cmd *command, argv [][]byte) {
	b.flush()
	if (cmd.Fn == nil && !localInExec[cmd.Name]) || cmd.Is(fsm.FlagNoMulti) {
		b.cl.dirty = true
		b.error("ERR Command not allowed inside a transaction")
		return
	}
	b.cl.queue = append(b.cl.queue, argv)
	b.status("QUEUED")
}

// flush hands the pending writes to the group committer, which proposes
// them (with other connections' writes) as one entry, and writes their
// replies.
func (b *burst) flush() {
	if len(b.pending) == 0 {
		return
	}
	pw := &pendingWrite{owner: b.cl, cmds: b.pending, done: make(chan struct{})}
	b.s.writes <- pw
	<-pw.done
	for i := range b.pending {
		switch {
		case pw.err != nil:
			b.error(errorReply(pw.err))
		case i < len(pw.replies):
			b.reply(pw.replies[i])
		default:
			b.error("ERR internal error: missing reply")
		}
	}
	clear(b.pending) // keep no arguments alive past the burst
	b.pending = b.pending[:0]
}

// pendingWrite is one connection's run of writes waiting for a group
// commit.
type pendingWrite struct {
	owner   *client
	cmds    []fsm.Cmd
	replies [][]byte
	err     error
	done    chan struct{}
}

// Group commit: the writes of every connection that are waiting at the
// same moment go to the log as one EntryCommands, so the cost of a Raft
// entry (future, log encoding, store, apply) is paid once per group, not
// once per command. The committer waits for its log turn (Backend.LogTurn:
// on the leader, until the log writer is free), then takes everything
// queued meanwhile as one group, which its own goroutine proposes; so each
// log write (one bbolt commit) carries the writes of all clients that
// arrived during the previous one, and, when they are about to write
// again, of the clients whose replies that write was waiting for
// (gather.go: lingering).
//
// The leader has one group of its own clients in flight at a time: the
// next gathers while it is stored, replicated and applied. Every group
// costs a log write (one bbolt commit, two fdatasyncs) on every member,
// whatever its size, so letting groups overlap only splits the same
// clients into more, smaller writes that queue for the same disks. On
// this repo's two-core VM (three nodes, one disk) the leader took
// 8.7k-13.2k SET/s from 50 clients with one group in flight, against
// 5.7k-10.9k with up to 64 (four alternating runs of two benchmarks
// each; 35 against 13-22 commands per entry); one node alone was the same
// either way, as its log turn already keeps groups from overlapping.
const (
	maxLeading  = 1    // the leader's own groups in flight
	maxForwards = 2    // groups in flight to the leader, on a follower
	maxGroup    = 1024 // commands per entry
)

func (s *Server) commitLoop() {
	defer s.bgWG.Done()
	var proposals sync.WaitGroup
	defer proposals.Wait()
	leading := make(chan struct{}, maxLeading)
	forwards := make(chan struct{}, maxForwards)
	ga := newGatherer()
	for {
		var first *pendingWrite
		select {
		case first = <-s.writes:
		case <-s.commitStop:
			return
		}
		// A follower forwards each group to the leader: few groups in
		// flight, so that the writes queued meanwhile travel together.
		forwarding := !s.be.IsLeader()
		inflight := leading
		if forwarding {
			inflight = forwards
		}
		inflight <- struct{}{}
		ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ApplyTimeout)
		s.be.LogTurn(ctx)
		cancel()
		group := newWriteGroup(first)
		ga.add(nil, first)
	fill:
		for group.n < maxGroup {
			select {
			case pw := <-s.writes:
				ga.add(group, pw)
			default:
				break fill
			}
		}
		// Lingering (gather.go) is for the leader's log writes; a follower
		// has its forwards in flight instead.
		if !forwarding && ga.wanted(group) {
			ga.linger(group, s.writes, s.commitStop)
		}
		ga.proposed(group)
		proposals.Add(1)
		go func() {
			defer proposals.Done()
			s.commitGroup(group)
			<-inflight
		}()
	}
}

// commitGroup proposes the writes of g as one entry and hands each
// connection its replies.
func (s *Server) commitGroup(g *writeGroup) {
	cmds := make([]fsm.Cmd, 0, g.n)
	for _, pw := range g.writes {
		cmds = append(cmds, pw.cmds...)
	}
	res, err := s.propose(fsm.EncodeCommands(time.Now().UnixMilli(), cmds))
	g.answered.Store(time.Now().UnixNano())
	off := 0
	for _, pw := range g.writes {
		k := len(pw.cmds)
		switch {
		case err != nil:
			pw.err = err
		case off+k <= len(res.Replies):
			pw.replies = res.Replies[off : off+k]
			pw.owner.noteWrite(res.Index)
		default:
			pw.err = ErrUnknownOutcome
		}
		off += k
		close(pw.done)
	}
	close(g.done)
}

func (b *burst) readBarrier() error {
	if b.barrier {
		return nil
	}
	b.cl.mu.Lock()
	level := b.cl.consistency
	b.cl.mu.Unlock()
	if level == ConsistencyStale || (level == ConsistencyLinearizable && b.s.be.ReadNow()) {
		b.barrier = true
		return nil
	}
	err := b.s.retryNoLeader(func(ctx context.Context) error {
		switch level {
		case ConsistencyLeader:
			if b.s.be.IsLeader() {
				return nil
			}
			// A follower has no leader state of its own: it takes the
			// leader's read index, as a linearizable read does.
			return b.s.be.ReadBarrier(ctx)
		default:
			return b.s.be.ReadBarrier(ctx)
		}
	})
	if err == nil {
		b.barrier = true
	}
	return err
}

// propose applies one entry, retrying while there is no leader for up to
// LeaderWait. An error is never returned for an entry that was applied.
func (s *Server) propose(data []byte) (*fsm.Result, error) {
	var res *fsm.Result
	err := s.retryNoLeader(func(ctx context.Context) error {
		var err error
		res, err = s.be.Apply(ctx, data)
		return err
	})
	if err == nil && res == nil {
		return nil, ErrUnknownOutcome
	}
	return res, err
}

// retryNoLeader runs fn until it succeeds, fails with anything but
// ErrNotLeader, or LeaderWait has passed.
func (s *Server) retryNoLeader(fn func(ctx context.Context) error) error {
	deadline := time.Now().Add(s.cfg.LeaderWait)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ApplyTimeout)
		err := fn(ctx)
		cancel()
		if !errors.Is(err, ErrNotLeader) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-s.stop:
			return ErrShuttingDown
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// unknownCommand is Redis's text for a command it does not know.
func unknownCommand(argv [][]byte) string {
	var args strings.Builder
	for _, a := range argv[1:] {
		if args.Len() >= 128 {
			break
		}
		n := 128 - args.Len()
		args.WriteString("'")
		args.WriteString(trunc(a, n))
		args.WriteString("' ")
	}
	return "ERR unknown command '" + trunc(argv[0], 128) + "', with args beginning with: " + args.String()
}

func trunc(b []byte, n int) string {
	if n < 0 {
		n = 0
	}
	if len(b) > n {
		b = b[:n]
	}
	return string(b)
}

// unknownSubcommand is Redis's text for CLIENT FOO and the like.
func unknownSubcommand(argv [][]byte) string {
	return "ERR unknown subcommand '" + trunc(argv[1], 128) + "'. Try " + strings.ToUpper(string(argv[0])) + " HELP."
}

func atoi(b []byte) (int64, bool) {
	n, err := strconv.ParseInt(string(b), 10, 64)
	return n, err == nil
}
