package cluster

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// RPCByte is the first byte of every internal RPC connection on the
// cluster port (raft uses 1).
const RPCByte byte = 2

// Operations, one byte each; append-only.
const (
	opApply     byte = 1 // body: entry; reply: uvarint index, uvarint n, n x bytes
	opReadIndex byte = 2 // body: none;  reply: uvarint index
	opAddVoter  byte = 3 // body: bytes id, bytes addr
	opRemove    byte = 4 // body: bytes id
	opTransfer  byte = 5 // body: bytes id (may be empty)
	opPublish   byte = 6 // body: bytes channel, bytes message; reply: uvarint receivers (any member answers)
	opPubSub    byte = 7 // body: query kind and its arguments (pubsub.go; any member answers)
	opAcked     byte = 8 // body: uvarint index, bytes asker id; reply: uvarint members holding index, the asker left out
)

// Reply codes.
const (
	codeOK        byte = 0
	codeNotLeader byte = 1 // refused before proposing: retry is safe
	codeUnknown   byte = 2 // proposed, outcome unknown
	codeShutdown  byte = 3 // the leader is stopping; nothing was proposed
	codeError     byte = 4 // body: message
)

const maxFrame = 1 << 30

// writeFrame writes kind, a uvarint length and the body.
func writeFrame(w *bufio.Writer, kind byte, body []byte) error {
	var hdr [1 + binary.MaxVarintLen64]byte
	hdr[0] = kind
	n := binary.PutUvarint(hdr[1:], uint64(len(body)))
	if _, err := w.Write(hdr[:1+n]); err != nil {
		return err
	}
	if _, err := w.Write(body); err != nil {
		return err
	}
	return w.Flush()
}

func readFrame(r *bufio.Reader) (kind byte, body []byte, err error) {
	kind, err = r.ReadByte()
	if err != nil {
		return 0, nil, err
	}
	n, err := binary.ReadUvarint(r)
	if err != nil {
		return 0, nil, err
	}
	if n > maxFrame {
		return 0, nil, fmt.Errorf("cluster rpc: frame of %d bytes", n)
	}
	body = make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return 0, nil, err
	}
	return kind, body, nil
}

func appendBytes(b, s []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// parser reads uvarints and length-prefixed bytes; the first error sticks.
type parser struct {
	b   []byte
	err error
}

var errShort = errors.New("cluster rpc: truncated message")

func (p *parser) uvarint() uint64 {
	if p.err != nil {
		return 0
	}
	v, n := binary.Uvarint(p.b)
	if n <= 0 {
		p.err = errShort
		return 0
	}
	p.b = p.b[n:]
	return v
}

func (p *parser) bytes() []byte {
	n := p.uvarint()
	if p.err != nil {
		return nil
	}
	if n > uint64(len(p.b)) {
		p.err = errShort
		return nil
	}
	s := p.b[:n:n]
	p.b = p.b[n:]
	return s
}

// rpcConn is one pooled connection to a peer's cluster port.
type rpcConn struct {
	c net.Conn
	r *bufio.Reader
	w *bufio.Writer
}

// alive reports whether an idle connection is still open: the peer has
// not closed it (a restarted node has, and a request written into such a
// connection would be lost without any way to tell whether it was read).
func (c *rpcConn) alive() bool {
	if c.r.Buffered() > 0 {
		return false // nothing is expected on an idle connection
	}
	_ = c.c.SetReadDeadline(time.Now())
	_, err := c.r.Peek(1)
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// pool keeps idle connections per address.
type pool struct {
	mu      sync.Mutex
	idle    map[string][]*rpcConn
	timeout time.Duration
	closed  bool
}

const maxIdlePerAddr = 64

func (p *pool) get(addr string) (*rpcConn, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, net.ErrClosed
	}
	for len(p.idle[addr]) > 0 {
		cs := p.idle[addr]
		c := cs[len(cs)-1]
		p.idle[addr] = cs[:len(cs)-1]
		if c.alive() {
			p.mu.Unlock()
			return c, nil
		}
		c.c.Close()
	}
	p.mu.Unlock()
	c, err := net.DialTimeout("tcp", addr, p.timeout)
	if err != nil {
		return nil, err
	}
	_ = c.SetWriteDeadline(time.Now().Add(p.timeout))
	if _, err := c.Write([]byte{RPCByte}); err != nil {
		c.Close()
		return nil, err
	}
	return &rpcConn{c: c, r: bufio.NewReader(c), w: bufio.NewWriter(c)}, nil
}

func (p *pool) put(addr string, c *rpcConn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || len(p.idle[addr]) >= maxIdlePerAddr {
		c.c.Close()
		return
	}
	if p.idle == nil {
		p.idle = make(map[string][]*rpcConn)
	}
	p.idle[addr] = append(p.idle[addr], c)
}

func (p *pool) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for _, cs := range p.idle {
		for _, c := range cs {
			c.c.Close()
		}
	}
	p.idle = nil
}

// errNotSent marks a call whose request never fully left this node.
var errNotSent = errors.New("cluster rpc: request not sent")

// call sends one request and reads its reply. An error wrapping errNotSent
// means the peer cannot have acted on it.
func (p *pool) call(addr string, op byte, body []byte, deadline time.Time) (code byte, reply []byte, err error) {
	c, err := p.get(addr)
	if err != nil {
		return 0, nil, fmt.Errorf("%w: %v", errNotSent, err)
	}
	_ = c.c.SetDeadline(deadline)
	if err := writeFrame(c.w, op, body); err != nil {
		c.c.Close()
		// A stale pooled connection fails here; the peer saw at most a
		// partial frame, which it discards.
		return 0, nil, fmt.Errorf("%w: %v", errNotSent, err)
	}
	code, reply, err = readFrame(c.r)
	if err != nil {
		c.c.Close()
		return 0, nil, err
	}
	p.put(addr, c)
	return code, reply, nil
}
