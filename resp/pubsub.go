package resp

import (
	"bytes"
	"context"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/respraft/respraft/fsm"
	"github.com/tidwall/redcon"
)

// Pub/Sub. Subscriptions live on the node the subscriber is connected
// to; PUBLISH delivers to this node's subscribers and, through the
// backend, to every other member's (at most once, as in Redis), and
// replies with the total. Nothing of it goes through the Raft log:
// messages are not data.
//
// A connection that subscribes gets an output queue with a writer
// goroutine of its own, and from then on everything written to it, its
// command replies and the messages published by other connections, goes
// through that queue in order: a message published after SUBSCRIBE's
// reply was queued is written after it. A subscriber that cannot keep up
// is disconnected once its queue holds pubsubOutputLimit bytes (Redis's
// client-output-buffer-limit for pubsub clients is 32mb).

const pubsubOutputLimit = 32 << 20

var pubsubCommands = []command{
	local("subscribe", "channel [channel ...]", -2, fsm.FlagPubSub|fsm.FlagNoScript|fsm.FlagLoading|fsm.FlagStale|fsm.FlagNoMulti, "pubsub", "Listens for messages published to channels.", cmdSubscribe),
	local("unsubscribe", "[channel [channel ...]]", -1, fsm.FlagPubSub|fsm.FlagNoScript|fsm.FlagLoading|fsm.FlagStale|fsm.FlagNoMulti, "pubsub", "Stops listening to channels (all of them when none is named).", cmdUnsubscribe),
	local("psubscribe", "pattern [pattern ...]", -2, fsm.FlagPubSub|fsm.FlagNoScript|fsm.FlagLoading|fsm.FlagStale|fsm.FlagNoMulti, "pubsub", "Listens for messages published to channels matching glob patterns.", cmdPSubscribe),
	local("punsubscribe", "[pattern [pattern ...]]", -1, fsm.FlagPubSub|fsm.FlagNoScript|fsm.FlagLoading|fsm.FlagStale|fsm.FlagNoMulti, "pubsub", "Stops listening to patterns (all of them when none is named).", cmdPUnsubscribe),
	local("publish", "channel message", 3, fsm.FlagPubSub|fsm.FlagLoading|fsm.FlagStale|fsm.FlagFast, "pubsub", "Posts a message to a channel on every node; returns how many subscribers received it.", cmdPublish),
	local("pubsub", "subcommand [argument ...]", -2, fsm.FlagLoading|fsm.FlagStale, "pubsub", "A container for Pub/Sub introspection commands.", cmdPubSub),
}

// subscribedOK are the commands a RESP2 connection with subscriptions may
// still send.
var subscribedOK = map[string]bool{
	"subscribe": true, "unsubscribe": true, "psubscribe": true, "punsubscribe": true,
	"ssubscribe": true, "sunsubscribe": true, "ping": true, "quit": true, "reset": true,
}

// errSubscribedContext is the error for a command other than those; like
// Redis it names a known subcommand as "container|sub" (pubsub|numpat).
func errSubscribedContext(name string, argv [][]byte) string {
	if len(argv) > 1 {
		full := name + "|" + strings.ToLower(string(argv[1]))
		for _, sc := range subcommands[name] {
			if sc.name == full {
				name = full
				break
			}
		}
	}
	return "ERR Can't execute '" + name + "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
}

// hub is this node's subscriptions.
type hub struct {
	mu       sync.RWMutex
	channels map[string]map[*client]struct{}
	patterns map[string]map[*client]struct{}
}

func newHub() *hub {
	return &hub{channels: map[string]map[*client]struct{}{}, patterns: map[string]map[*client]struct{}{}}
}

// of is the channel subscriptions, or the pattern ones if pat.
func (h *hub) of(pat bool) map[string]map[*client]struct{} {
	if pat {
		return h.patterns
	}
	return h.channels
}

// add subscribes cl to name (a channel, or a pattern if pat); false if it
// already was.
func (h *hub) add(cl *client, name string, pat bool) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	m := h.of(pat)
	subs := m[name]
	if subs == nil {
		subs = map[*client]struct{}{}
		m[name] = subs
	}
	if _, ok := subs[cl]; ok {
		return false
	}
	subs[cl] = struct{}{}
	return true
}

func (h *hub) remove(cl *client, name string, pat bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	m := h.of(pat)
	if subs := m[name]; subs != nil {
		delete(subs, cl)
		if len(subs) == 0 {
			delete(m, name)
		}
	}
}

// Publish delivers message to the local subscribers of channel and to the
// local pattern subscribers whose pattern matches it; it returns the
// number of deliveries (a client subscribed both ways receives twice).
func (h *hub) Publish(channel, message []byte) int {
	ch := string(channel)
	h.mu.RLock()
	defer h.mu.RUnlock()
	n := 0
	if subs := h.channels[ch]; len(subs) > 0 {
		msg := appendPush(nil, "message", channel, message)
		for cl := range subs {
			if cl.out.push(msg, true) {
				n++
			}
		}
	}
	for pat, subs := range h.patterns {
		if !fsm.GlobMatch(pat, ch) {
			continue
		}
		msg := appendPush(nil, "pmessage", []byte(pat), channel, message)
		for cl := range subs {
			if cl.out.push(msg, true) {
				n++
			}
		}
	}
	return n
}

// Channels lists the channels with subscribers here, matching pattern
// when it is not nil.
func (h *hub) Channels(pattern []byte) []string {
	h.mu.RLock()
	defer h.mu.RUnlock()
	out := []string{}
	for ch := range h.channels {
		if pattern == nil || fsm.GlobMatch(string(pattern), ch) {
			out = append(out, ch)
		}
	}
	slices.Sort(out)
	return out
}

// NumSub is the local subscriber count of each channel.
func (h *hub) NumSub(channels [][]byte) []int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	out := make([]int, len(channels))
	for i, ch := range channels {
		out[i] = len(h.channels[string(ch)])
	}
	return out
}

// Patterns lists the distinct patterns subscribed to here.
func (h *hub) Patterns() []string {
	h.mu.RLock()
	defer h.mu.RUnlock()
	out := make([]string, 0, len(h.patterns))
	for p := range h.patterns {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// PubSub is the node's local subscribers, for the cluster service that
// answers other members' PUBLISH and PUBSUB calls.
func (s *Server) PubSub() interface {
	Publish(channel, message []byte) int
	Channels(pattern []byte) []string
	NumSub(channels [][]byte) []int
	Patterns() []string
} {
	return s.hub
}

// appendPush encodes a push message: an array of the kind and the parts.
func appendPush(b []byte, kind string, parts ...[]byte) []byte {
	b = append(b, '*')
	b = strconv.AppendInt(b, int64(1+len(parts)), 10)
	b = append(b, "\r\n"...)
	b = appendBulk(b, []byte(kind))
	for _, p := range parts {
		b = appendBulk(b, p)
	}
	return b
}

func appendBulk(b, p []byte) []byte {
	b = append(b, '$')
	b = strconv.AppendInt(b, int64(len(p)), 10)
	b = append(b, "\r\n"...)
	b = append(b, p...)
	return append(b, "\r\n"...)
}

// outQueue is a subscribed connection's output: bytes appended by its own
// goroutine (replies) and by publishers (messages), written in order by
// one writer goroutine.
type outQueue struct {
	nc   net.Conn
	mu   sync.Mutex
	buf  []byte
	busy bool // the writer holds bytes taken from buf and not yet written
	dead bool
	wake chan struct{} // capacity 1
	idle chan struct{} // closed and replaced whenever buf empties and the writer is done
	stop chan struct{}
}

func newOutQueue(nc net.Conn) *outQueue {
	q := &outQueue{nc: nc, wake: make(chan struct{}, 1), idle: make(chan struct{}), stop: make(chan struct{})}
	go q.run()
	return q
}

// push appends b; a message that would take the queue past
// pubsubOutputLimit disconnects the client instead. It reports whether b
// was queued.
func (q *outQueue) push(b []byte, message bool) bool {
	if q == nil || len(b) == 0 {
		return false
	}
	q.mu.Lock()
	if q.dead {
		q.mu.Unlock()
		return false
	}
	if message && len(q.buf)+len(b) > pubsubOutputLimit {
		q.dead = true
		q.mu.Unlock()
		_ = q.nc.Close()
		return false
	}
	q.buf = append(q.buf, b...)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
	return true
}

func (q *outQueue) run() {
	var spare []byte
	for {
		select {
		case <-q.wake:
		case <-q.stop:
			return
		}
		for {
			q.mu.Lock()
			b := q.buf
			if len(b) == 0 || q.dead {
				q.busy = false
				close(q.idle)
				q.idle = make(chan struct{})
				q.mu.Unlock()
				break
			}
			q.buf, q.busy = spare[:0], true
			q.mu.Unlock()
			if _, err := q.nc.Write(b); err != nil {
				q.mu.Lock()
				q.dead = true
				q.mu.Unlock()
				_ = q.nc.Close()
			}
			spare = b
		}
	}
}

// drain waits until everything queued so far was written, or d passed.
func (q *outQueue) drain(d time.Duration) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		q.mu.Lock()
		done := q.dead || (len(q.buf) == 0 && !q.busy)
		idle := q.idle
		q.mu.Unlock()
		if done {
			return
		}
		select {
		case <-idle:
		case <-timer.C:
			return
		}
	}
}

func (q *outQueue) close() {
	q.mu.Lock()
	q.dead = true
	q.mu.Unlock()
	close(q.stop)
}

// queueOutput moves what the burst wrote into the connection's queue, once
// the connection has one.
func (b *burst) queueOutput() {
	if b.cl.out == nil {
		return
	}
	w := redcon.BaseWriter(b.conn)
	if w == nil {
		return
	}
	if buf := w.Buffer(); len(buf) > 0 {
		b.cl.out.push(buf, false)
		w.SetBuffer(buf[:0])
	}
}

// subscriptions is the connection's subscription count, as (P)SUBSCRIBE
// replies report it.
func (cl *client) subscriptions() int { return len(cl.subChans) + len(cl.subPats) }

func (b *burst) subscribe(argv [][]byte, pat bool) {
	cl := b.cl
	if cl.out == nil {
		if nc := b.conn.NetConn(); nc != nil {
			cl.out = newOutQueue(nc)
		}
		cl.subChans, cl.subPats = map[string]struct{}{}, map[string]struct{}{}
	}
	kind, set := "subscribe", cl.subChans
	if pat {
		kind, set = "psubscribe", cl.subPats
	}
	for _, name := range argv[1:] {
		n := string(name)
		if _, ok := set[n]; !ok {
			set[n] = struct{}{}
			b.s.hub.add(cl, n, pat)
		}
		b.pushReply(kind, name, cl.subscriptions())
	}
	cl.countSubs()
	// Queue this reply before any message a publisher may now send.
	b.queueOutput()
}

func (b *burst) unsubscribe(argv [][]byte, pat bool) {
	cl := b.cl
	kind, set := "unsubscribe", cl.subChans
	if pat {
		kind, set = "punsubscribe", cl.subPats
	}
	names := argv[1:]
	if len(names) == 0 {
		for n := range set {
			names = append(names, []byte(n))
		}
		slices.SortFunc(names, bytes.Compare)
		if len(names) == 0 {
			b.pushReply(kind, nil, cl.subscriptions())
			return
		}
	}
	for _, name := range names {
		n := string(name)
		if _, ok := set[n]; ok {
			delete(set, n)
			b.s.hub.remove(cl, n, pat)
		}
		b.pushReply(kind, name, cl.subscriptions())
	}
	cl.countSubs()
}

// pushReply writes a (P)(UN)SUBSCRIBE confirmation: kind, name (nil for
// "none"), and the connection's subscription count.
func (b *burst) pushReply(kind string, name []byte, count int) {
	b.arrayLen(3)
	b.bulk(kind)
	if name == nil {
		b.null()
	} else {
		b.bulkBytes(name)
	}
	b.integer(int64(count))
}

// dropSubscriptions removes every subscription of a closing or RESET
// connection.
func (s *Server) dropSubscriptions(cl *client) {
	for n := range cl.subChans {
		s.hub.remove(cl, n, false)
	}
	for n := range cl.subPats {
		s.hub.remove(cl, n, true)
	}
	clear(cl.subChans)
	clear(cl.subPats)
	cl.countSubs()
}

func (cl *client) countSubs() {
	cl.nsub.Store(int32(len(cl.subChans)))
	cl.npsub.Store(int32(len(cl.subPats)))
}

// subscribedPing is PING on a RESP2 connection with subscriptions: a
// push-shaped ["pong", message] instead of +PONG.
func (b *burst) subscribedPing(argv [][]byte) {
	if len(argv) > 2 {
		b.error(fsm.ArityError("ping"))
		return
	}
	msg := []byte{}
	if len(argv) == 2 {
		msg = argv[1]
	}
	b.arrayLen(2)
	b.bulk("pong")
	b.bulkBytes(msg)
}

// SUBSCRIBE channel [channel ...]
func cmdSubscribe(b *burst, argv [][]byte) { b.subscribe(argv, false) }

// PSUBSCRIBE pattern [pattern ...]
func cmdPSubscribe(b *burst, argv [][]byte) { b.subscribe(argv, true) }

// UNSUBSCRIBE [channel [channel ...]]
func cmdUnsubscribe(b *burst, argv [][]byte) { b.unsubscribe(argv, false) }

// PUNSUBSCRIBE [pattern [pattern ...]]
func cmdPUnsubscribe(b *burst, argv [][]byte) { b.unsubscribe(argv, true) }

// pubsubPeerWait bounds how long PUBLISH and PUBSUB wait for the other
// members.
const pubsubPeerWait = time.Second

// PUBLISH channel message
func cmdPublish(b *burst, argv [][]byte) {
	n := b.s.hub.Publish(argv[1], argv[2])
	ctx, cancel := context.WithTimeout(context.Background(), pubsubPeerWait)
	defer cancel()
	n += b.s.be.PublishPeers(ctx, argv[1], argv[2])
	b.integer(int64(n))
}

var pubsubHelp = []string{
	"PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"CHANNELS [<pattern>]",
	"    Return the currently active channels matching a <pattern> (default: '*').",
	"NUMPAT",
	"    Return number of subscriptions to patterns.",
	"NUMSUB [<channel> ...]",
	"    Return the number of subscribers for the specified channels, excluding",
	"    pattern subscriptions(default: no channels).",
	"SHARDCHANNELS [<pattern>]",
	"    Return the currently active shard level channels matching a <pattern> (default: '*').",
	"SHARDNUMSUB [<shardchannel> ...]",
	"    Return the number of subscribers for the specified shard level channel(s)",
	"HELP",
	"    Prints this help.",
}

// PUBSUB CHANNELS [pattern] | NUMSUB [channel ...] | NUMPAT | HELP, over
// the whole cluster.
func cmdPubSub(b *burst, argv [][]byte) {
	ctx, cancel := context.WithTimeout(context.Background(), pubsubPeerWait)
	defer cancel()
	sub := strings.ToLower(string(argv[1]))
	switch {
	case (sub == "help" || sub == "numpat") && len(argv) != 2:
		b.error(fsm.ArityError("pubsub|" + sub))
	case (sub == "channels" || sub == "shardchannels") && len(argv) > 3:
		b.error("ERR unknown subcommand or wrong number of arguments for '" + trunc(argv[1], 128) + "'. Try PUBSUB HELP.")
	case sub == "help":
		b.arrayLen(len(pubsubHelp))
		for _, l := range pubsubHelp {
			b.status(l)
		}
	case sub == "channels":
		var pat []byte
		if len(argv) == 3 {
			pat = argv[2]
		}
		names := b.s.hub.Channels(pat)
		for _, n := range b.s.be.ChannelsPeers(ctx, pat) {
			if !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
		b.arrayLen(len(names))
		for _, n := range names {
			b.bulk(n)
		}
	case sub == "numsub":
		counts := b.s.hub.NumSub(argv[2:])
		for i, c := range b.s.be.NumSubPeers(ctx, argv[2:]) {
			if i < len(counts) {
				counts[i] += c
			}
		}
		b.arrayLen(2 * len(counts))
		for i, c := range counts {
			b.bulkBytes(argv[2+i])
			b.integer(int64(c))
		}
	case sub == "numpat":
		pats := b.s.hub.Patterns()
		for _, p := range b.s.be.PatternsPeers(ctx) {
			if !slices.Contains(pats, p) {
				pats = append(pats, p)
			}
		}
		b.integer(int64(len(pats)))
	case sub == "shardchannels":
		// No shard channels: respraft is one shard and does not serve
		// SSUBSCRIBE.
		b.arrayLen(0)
	case sub == "shardnumsub":
		b.arrayLen(2 * (len(argv) - 2))
		for _, ch := range argv[2:] {
			b.bulkBytes(ch)
			b.integer(0)
		}
	default:
		b.error(unknownSubcommand(argv))
	}
}
