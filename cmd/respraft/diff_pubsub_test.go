package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// The pubsub family: (P)SUBSCRIBE and (P)UNSUBSCRIBE on two subscriber
// connections per server, PUBLISH, PUBSUB CHANNELS/NUMSUB/NUMPAT and the
// wrong commands from the differ's own connection (the publisher), and
// PING, RESET, other commands and wrong arity on the subscriber
// connections, subscribed or not.
//
// After every step each subscriber connection is synced: it is sent
// PING <marker> and read up to the marker's reply (["pong", marker] when
// subscribed, the bulk marker otherwise), so that everything it received
// for that step, confirmations and message / pmessage frames, is compared,
// in order, and nothing arrives late unseen. Both servers write a
// published message to a subscriber before they read its next command.
//
// Compared exactly except where Redis leaves the order open: UNSUBSCRIBE
// and PUNSUBSCRIBE without arguments confirm the names in its dictionary's
// order (the kinds and counts are compared in order, the names as a
// multiset), the pmessage frames of one PUBLISH to one connection come in
// the order of Redis's pattern dictionary (compared as a multiset, after
// the message frame), and PUBSUB CHANNELS is a set.
//
// Not sent: QUIT (it closes the connection), MULTI on a subscriber
// connection (respraft refuses SUBSCRIBE inside MULTI, Redis 7.0 queues it),
// SSUBSCRIBE and friends (respraft has no shard channels).
var pubsubFamilyCommands = []string{
	"SUBSCRIBE", "UNSUBSCRIBE", "PSUBSCRIBE", "PUNSUBSCRIBE", "PUBLISH",
	"PUBSUB CHANNELS", "PUBSUB NUMSUB", "PUBSUB NUMPAT", "PUBSUB (other)",
	"PING", "PING (subscribed)", "RESET", "(subscribed) other command", "(subscribed) wrong arity",
}

var (
	pubsubChannels = []string{"ch1", "ch2", "ch3", "ch4", "news.a", "news.b"}
	pubsubPatterns = []string{"ch*", "news.*", "n?ws.[ab]", "*"}
	pubsubMessages = []string{"hello", "", "bin\x00ary", "x y", "42"}
)

// pubsubConns are a family run's subscriber connections, dialled on the
// first step: subs[i] is connection i on Redis and on respraft.
type pubsubConns struct {
	subs       [][2]*respConn
	subscribed []bool // Redis's connection i was in subscribed mode after the last step
	marker     int
}

const pubsubSubscribers = 2

func (ps *pubsubConns) open(d *differ) {
	if ps.subs != nil {
		return
	}
	for i := 0; i < pubsubSubscribers; i++ {
		ps.subs = append(ps.subs, [2]*respConn{
			dialRESP(d.t, fmt.Sprintf("redis sub%d", i+1), d.redis.c.RemoteAddr().String()),
			dialRESP(d.t, fmt.Sprintf("respraft sub%d", i+1), d.rr.c.RemoteAddr().String()),
		})
	}
	ps.subscribed = make([]bool, pubsubSubscribers)
}

// exchange writes argv (if any) and then PING marker to c, and reads the
// frames up to the marker's reply, and whether that reply was subscribed
// mode's ["pong", marker].
func (ps *pubsubConns) exchange(d *differ, c *respConn, argv []string, marker string) ([]*reply, bool) {
	d.t.Helper()
	var frames []*reply
	if argv != nil {
		v := d.do(c, argv) // the first frame; do flushes and sets the deadline
		frames = append(frames, v)
	}
	v := d.do(c, []string{"PING", marker})
	for !isMarker(v, marker) {
		frames = append(frames, v)
		var err error
		if v, err = readReply(c.r); err != nil {
			d.t.Fatalf("%s: waiting for the reply to PING %s: %v\nlast commands:\n%s", c.name, marker, err, d.recent())
		}
	}
	return frames, v.isArray()
}

func isMarker(v *reply, marker string) bool {
	if v.isBulk() {
		return v.str == marker
	}
	return v.isArray() && len(v.elems) == 2 && v.elems[0].str == "pong" && v.elems[1].str == marker
}

// step sends argv on subscriber connection i (nil: none), syncs every
// subscriber connection, and compares what each received. label counts the
// command for the coverage check.
func (ps *pubsubConns) step(d *differ, i int, argv []string, label string) {
	d.t.Helper()
	ps.open(d)
	if argv != nil {
		d.sent++
		d.counts[label]++
		d.hist = append(d.hist, fmt.Sprintf("%6d  [sub%d] %s", d.sent, i+1, fmtArgs(argv)))
	}
	ps.sync(d, i, argv)
}

// sync reads every subscriber connection up to a marker, with argv sent
// first on connection i, and compares.
func (ps *pubsubConns) sync(d *differ, i int, argv []string) {
	d.t.Helper()
	for j, pair := range ps.subs {
		ps.marker++
		marker := "sync-" + strconv.Itoa(ps.marker)
		var send []string
		if j == i {
			send = argv
		}
		a, subscribed := ps.exchange(d, pair[0], send, marker)
		b, _ := ps.exchange(d, pair[1], send, marker)
		ps.subscribed[j] = subscribed
		what := fmt.Sprintf("sub%d received", j+1)
		if send != nil {
			what = fmt.Sprintf("sub%d, %s", j+1, fmtArgs(send))
		}
		unordered := send != nil && len(send) == 1 &&
			(strings.EqualFold(send[0], "UNSUBSCRIBE") || strings.EqualFold(send[0], "PUNSUBSCRIBE"))
		if ok, how := sameFrames(a, b, unordered); !ok {
			d.mismatch("%s%s\n    redis:    %s\n    respraft: %s", what, how, fmtFrames(a), fmtFrames(b))
		}
	}
}

func fmtFrames(fs []*reply) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = f.String()
	}
	return "{" + strings.Join(parts, "; ") + "}"
}

// sameFrames compares two connections' frames in order. With unordered
// (UNSUBSCRIBE or PUNSUBSCRIBE without arguments) the confirmations'
// names are compared as a multiset, their kinds and counts in order, and
// the frames between them (messages published before the command) as
// usual; a run of pmessage frames is always compared as a multiset.
func sameFrames(a, b []*reply, unordered bool) (bool, string) {
	if len(a) != len(b) {
		return false, " (a different number of frames)"
	}
	exact := true
	for k := range a {
		if !equalReply(a[k], b[k]) {
			exact = false
		}
	}
	if exact {
		return true, ""
	}
	if unordered {
		const why = " (kinds and counts compared in order, names as a multiset)"
		var na, nb, ra, rb []*reply
		for k := range a {
			ca, cb := unsubscribed(a[k]), unsubscribed(b[k])
			switch {
			case ca == nil && cb == nil:
				ra, rb = append(ra, a[k]), append(rb, b[k])
				continue
			case ca == nil || cb == nil || !equalReply(ca[0], cb[0]) || !equalReply(ca[2], cb[2]):
				return false, why
			}
			na, nb = append(na, ca[1]), append(nb, cb[1])
		}
		if !sameMultiset(na, nb, 1) {
			return false, why
		}
		ok, more := sameFrames(ra, rb, false)
		return ok, why + more
	}
	// Runs of pmessage frames as multisets.
	for k := 0; k < len(a); {
		if !isPMessage(a[k]) || !isPMessage(b[k]) {
			if !equalReply(a[k], b[k]) {
				return false, ""
			}
			k++
			continue
		}
		e := k
		for e < len(a) && isPMessage(a[e]) && isPMessage(b[e]) {
			e++
		}
		if !sameMultiset(a[k:e], b[k:e], 1) {
			return false, " (pmessage frames compared as a multiset)"
		}
		k = e
	}
	return true, " (pmessage frames compared as a multiset)"
}

// unsubscribed returns the elements of an unsubscribe or punsubscribe
// confirmation, nil for any other frame.
func unsubscribed(v *reply) []*reply {
	if !v.isArray() || len(v.elems) != 3 {
		return nil
	}
	if kind := v.elems[0].str; kind != "unsubscribe" && kind != "punsubscribe" {
		return nil
	}
	return v.elems
}

func isPMessage(v *reply) bool {
	return v.isArray() && len(v.elems) == 4 && v.elems[0].str == "pmessage"
}

// names picks lo..hi channels or patterns.
func pickNames(g *gen, from []string, lo, hi int) []string {
	out := make([]string, lo+g.n(hi-lo+1))
	for i := range out {
		out[i] = oneOf(g, from...)
	}
	return out
}

func (g *gen) pubsubChannel() string {
	if g.p(0.05) {
		return oneOf(g, "other", "CH1", "news.c")
	}
	return oneOf(g, pubsubChannels...)
}

// subCommand sends a command on a random subscriber connection.
func (ps *pubsubConns) subCommand(d *differ, name string, args []string, label string) {
	i := d.g.n(pubsubSubscribers)
	ps.open(d)
	argv := append([]string{d.g.name(name)}, args...)
	if label == "" {
		label = strings.ToUpper(name)
	}
	ps.step(d, i, argv, label)
}

// other sends a command that is not a pub/sub one on a subscriber
// connection: an error when subscribed, a normal reply otherwise.
func (ps *pubsubConns) other(d *differ) {
	ps.onSubscriber(d, oneOf(d.g, []string{"GET", "s1"}, []string{"SET", "s1", "v"}, []string{"PUBLISH", "ch1", "from-sub"},
		[]string{"PUBSUB", "NUMPAT"}, []string{"ECHO", "hi"}, []string{"DBSIZE"}, []string{"get", "nokey"},
		[]string{"FOO"}, []string{"MGET", "s1", "s2"}), "", "(subscribed) other command")
}

// arity sends a wrong number of arguments on a subscriber connection.
func (ps *pubsubConns) arity(d *differ) {
	ps.onSubscriber(d, oneOf(d.g, []string{"SUBSCRIBE"}, []string{"PSUBSCRIBE"}, []string{"PUBLISH", "ch1"},
		[]string{"PUBSUB"}, []string{"GET"}, []string{"PING", "a", "b"}, []string{"RESET", "x"},
		[]string{"PUBLISH", "ch1", "a", "b"}), "", "(subscribed) wrong arity")
}

// ping sends PING [message] on a subscriber connection.
func (ps *pubsubConns) ping(d *differ) {
	argv := append([]string{d.g.name("PING")}, oneOf(d.g, []string{}, []string{"hello"}, []string{""})...)
	ps.onSubscriber(d, argv, "PING", "PING (subscribed)")
}

// onSubscriber sends argv on a random subscriber connection, counted under
// label (the command's name when empty), or under subscribedLabel when
// that connection is subscribed.
func (ps *pubsubConns) onSubscriber(d *differ, argv []string, label, subscribedLabel string) {
	i := d.g.n(pubsubSubscribers)
	ps.open(d)
	switch {
	case ps.subscribed[i]:
		label = subscribedLabel
	case label == "":
		label = strings.ToUpper(argv[0])
	}
	ps.step(d, i, argv, label)
}

// publish sends PUBLISH from the differ's connection, compares the
// receiver counts, then what each subscriber received.
func (ps *pubsubConns) publish(d *differ) {
	g := d.g
	ps.open(d)
	d.simple(g.cmd("PUBLISH", g.pubsubChannel(), oneOf(g, pubsubMessages...)))
	ps.sync(d, -1, nil)
}

// pubsub sends PUBSUB CHANNELS, NUMSUB, NUMPAT or a wrong form from the
// differ's connection.
func (ps *pubsubConns) pubsub(d *differ) {
	g := d.g
	ps.open(d)
	var st step
	var label string
	switch x := g.n(100); {
	case x < 40:
		args := []string{g.word("CHANNELS")}
		if g.p(0.6) {
			args = append(args, oneOf(g, append(slices.Clone(pubsubPatterns), "ch[12]", "nomatch*", "ch1")...))
		}
		st, label = g.cmd("PUBSUB", args...), "PUBSUB CHANNELS"
		st.mode = cmpUnordered
	case x < 70:
		st, label = g.cmd("PUBSUB", append([]string{g.word("NUMSUB")}, pickNames(g, pubsubChannels, 0, 3)...)...), "PUBSUB NUMSUB"
	case x < 92:
		st, label = g.cmd("PUBSUB", g.word("NUMPAT")), "PUBSUB NUMPAT"
	default:
		st, label = g.cmd("PUBSUB", oneOf(g, []string{"FOO"}, []string{"NUMPAT", "x"}, []string{"CHANNELS", "a", "b"},
			[]string{"HELP"}, []string{"HELP", "x"}, []string{""})...), "PUBSUB (other)"
	}
	d.simple(st)
	d.counts["PUBSUB"]--
	d.counts[label]++
	ps.sync(d, -1, nil)
}

func init() {
	diffFamilies = append(diffFamilies, diffFamily{
		name: "pubsub",
		keys: []string{"s1", "s2"},
		gens: func() []genEntry {
			ps := &pubsubConns{}
			sub := func(name string, from []string, lo, hi int, noArgs float64) func(*differ) {
				return func(d *differ) {
					var args []string
					if !d.g.p(noArgs) {
						args = pickNames(d.g, from, lo, hi)
					}
					ps.subCommand(d, name, args, "")
				}
			}
			return []genEntry{
				{name: "SUBSCRIBE", weight: 14, special: sub("SUBSCRIBE", pubsubChannels, 1, 3, 0)},
				{name: "PSUBSCRIBE", weight: 9, special: sub("PSUBSCRIBE", pubsubPatterns, 1, 2, 0)},
				{name: "UNSUBSCRIBE", weight: 9, special: sub("UNSUBSCRIBE", pubsubChannels, 1, 3, 0.3)},
				{name: "PUNSUBSCRIBE", weight: 6, special: sub("PUNSUBSCRIBE", pubsubPatterns, 1, 2, 0.3)},
				{name: "PUBLISH", weight: 25, special: ps.publish},
				{name: "PUBSUB", weight: 12, special: ps.pubsub},
				{name: "PING", weight: 5, special: ps.ping},
				{name: "RESET", weight: 1, special: func(d *differ) { ps.subCommand(d, "RESET", nil, "") }},
				{name: "other", weight: 5, special: ps.other},
				{name: "arity", weight: 3, special: ps.arity},
			}
		},
		commands: pubsubFamilyCommands,
	})
}
