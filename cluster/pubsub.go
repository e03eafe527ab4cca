package cluster

import (
	"context"
	"encoding/binary"
	"sort"
	"sync"
	"time"
)

// Pub/Sub across the cluster. Messages are not replicated state: PUBLISH
// is delivered to the node's own subscribers and sent to every other
// member over the cluster port, each of which delivers to its own and
// answers with how many received it. As in Redis, delivery is at most
// once: a member that cannot be reached in time misses the message and
// counts as zero receivers. The PUBSUB introspection calls are answered
// the same way, so CHANNELS, NUMSUB and NUMPAT cover the whole cluster.

// PubSub is a node's local subscribers, which peers reach through the
// cluster port.
type PubSub interface {
	// Publish delivers message to the local subscribers of channel
	// (including pattern subscribers) and returns how many received it.
	Publish(channel, message []byte) int
	// Channels lists the local channels with at least one subscriber that
	// match pattern (all of them when pattern is nil).
	Channels(pattern []byte) []string
	// NumSub returns the local subscriber count of each channel.
	NumSub(channels [][]byte) []int
	// Patterns lists the distinct patterns subscribed to locally.
	Patterns() []string
}

// Query kinds of opPubSub.
const (
	psChannels byte = 1 // body: byte, bytes pattern (empty: all) ; reply: uvarint n, n x bytes
	psNumSub   byte = 2 // body: byte, uvarint n, n x bytes       ; reply: uvarint n, n x uvarint
	psPatterns byte = 3 // body: byte                              ; reply: uvarint n, n x bytes
)

// peerTimeout bounds one fan-out call to a member: a publisher waits at
// most this long for a member that has stopped answering.
const peerTimeout = 500 * time.Millisecond

// SetPubSub registers the local subscribers that peers' PUBLISH and PUBSUB
// calls reach. Until it is called, peers see no subscribers here.
func (s *Service) SetPubSub(p PubSub) { s.ps.Store(&p) }

func (s *Service) localPubSub() PubSub {
	if p := s.ps.Load(); p != nil {
		return *p
	}
	return nil
}

// handlePubSub answers a peer's opPublish or opPubSub; any member may.
func (s *Service) handlePubSub(op byte, body []byte) (byte, []byte) {
	ps := s.localPubSub()
	p := parser{b: body}
	if op == opPublish {
		ch, msg := p.bytes(), p.bytes()
		if p.err != nil {
			return codeError, []byte(p.err.Error())
		}
		n := 0
		if ps != nil {
			n = ps.Publish(ch, msg)
		}
		return codeOK, binary.AppendUvarint(nil, uint64(n))
	}
	if len(body) == 0 {
		return codeError, []byte("empty pubsub query")
	}
	p.b = body[1:]
	switch body[0] {
	case psChannels, psPatterns:
		var names []string
		if body[0] == psChannels {
			pat := p.bytes()
			if p.err != nil {
				return codeError, []byte(p.err.Error())
			}
			if len(pat) == 0 {
				pat = nil
			}
			if ps != nil {
				names = ps.Channels(pat)
			}
		} else if ps != nil {
			names = ps.Patterns()
		}
		return codeOK, appendNames(nil, names)
	case psNumSub:
		n := p.uvarint()
		if p.err == nil && n > uint64(len(p.b)) {
			p.err = errShort
		}
		chans := make([][]byte, 0, n)
		for i := uint64(0); i < n && p.err == nil; i++ {
			chans = append(chans, p.bytes())
		}
		if p.err != nil {
			return codeError, []byte(p.err.Error())
		}
		counts := make([]int, len(chans))
		if ps != nil {
			counts = ps.NumSub(chans)
		}
		b := binary.AppendUvarint(nil, uint64(len(counts)))
		for _, c := range counts {
			b = binary.AppendUvarint(b, uint64(c))
		}
		return codeOK, b
	}
	return codeError, []byte("unknown pubsub query")
}

// fanOut calls every other member concurrently with the same request and
// hands each successful reply to each (serialised). Members that fail or
// time out are left out and logged at debug level.
func (s *Service) fanOut(ctx context.Context, op byte, body []byte, each func(reply []byte)) {
	if s.peers == nil {
		return
	}
	deadline := time.Now().Add(peerTimeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, addr := range s.peers() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, reply, err := s.pool.call(addr, op, body, deadline)
			if err != nil || code != codeOK {
				s.log.Debug("pubsub call to a member failed", "peer", addr, "code", code, "err", err)
				return
			}
			mu.Lock()
			each(reply)
			mu.Unlock()
		}()
	}
	wg.Wait()
}

// PublishPeers sends message to every other member and returns how many
// of their subscribers received it.
func (s *Service) PublishPeers(ctx context.Context, channel, message []byte) int {
	body := appendBytes(appendBytes(nil, channel), message)
	total := 0
	s.fanOut(ctx, opPublish, body, func(reply []byte) {
		p := parser{b: reply}
		if n := p.uvarint(); p.err == nil {
			total += int(n)
		}
	})
	return total
}

// ChannelsPeers returns the channels matching pattern (all when nil) that
// have subscribers on other members, sorted and without duplicates.
func (s *Service) ChannelsPeers(ctx context.Context, pattern []byte) []string {
	return s.namesPeers(ctx, appendBytes([]byte{psChannels}, pattern))
}

// PatternsPeers returns the distinct patterns subscribed to on other
// members, sorted.
func (s *Service) PatternsPeers(ctx context.Context) []string {
	return s.namesPeers(ctx, []byte{psPatterns})
}

func appendNames(b []byte, names []string) []byte {
	b = binary.AppendUvarint(b, uint64(len(names)))
	for _, n := range names {
		b = appendBytes(b, []byte(n))
	}
	return b
}

// namesPeers sends a query whose replies are name lists and returns their
// sorted union.
func (s *Service) namesPeers(ctx context.Context, body []byte) []string {
	seen := map[string]bool{}
	s.fanOut(ctx, opPubSub, body, func(reply []byte) {
		p := parser{b: reply}
		n := p.uvarint()
		for i := uint64(0); i < n && p.err == nil; i++ {
			if b := p.bytes(); p.err == nil {
				seen[string(b)] = true
			}
		}
	})
	out := make([]string, 0, len(seen))
	for name := range seen {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// NumSubPeers returns, per channel, the subscribers on other members.
func (s *Service) NumSubPeers(ctx context.Context, channels [][]byte) []int {
	body := binary.AppendUvarint([]byte{psNumSub}, uint64(len(channels)))
	for _, c := range channels {
		body = appendBytes(body, c)
	}
	sums := make([]int, len(channels))
	s.fanOut(ctx, opPubSub, body, func(reply []byte) {
		p := parser{b: reply}
		if n := p.uvarint(); p.err != nil || n != uint64(len(channels)) {
			return
		}
		for i := range sums {
			if c := p.uvarint(); p.err == nil {
				sums[i] += int(c)
			}
		}
	})
	return sums
}
