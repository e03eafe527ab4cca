package raftnode

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/hashicorp/raft"
)

// RaftByte is the first byte of every raft transport connection on the
// cluster port. Other bytes are free for the cluster package's RPCs.
const RaftByte byte = 1

// DefaultHandshakeTimeout bounds how long the mux waits for a new
// connection's first byte.
const DefaultHandshakeTimeout = 5 * time.Second

// Mux splits one listener (the cluster port) into several by the first
// byte of each connection. The byte is consumed: a connection handed out by
// a sub-listener starts with the protocol's own bytes. A connection whose
// first byte nobody listens for, or that sends nothing within
// HandshakeTimeout, is closed.
//
// The owner of a Mux runs Serve in a goroutine and calls Close; Listen may
// be called before or after Serve starts (connections for a byte that is
// not yet registered are dropped, and their dialers retry).
type Mux struct {
	// HandshakeTimeout bounds reading the first byte; zero means
	// DefaultHandshakeTimeout. Set it before Serve.
	HandshakeTimeout time.Duration

	ln   net.Listener
	done chan struct{} // closed by Close

	mu      sync.Mutex
	closed  bool
	subs    map[byte]*muxListener
	pending map[net.Conn]struct{} // connections whose first byte is being read
	wg      sync.WaitGroup        // one per handshake goroutine
}

// NewMux returns a mux over l. It takes ownership of l: Close closes it.
func NewMux(l net.Listener) *Mux {
	return &Mux{
		ln:      l,
		done:    make(chan struct{}),
		subs:    make(map[byte]*muxListener),
		pending: make(map[net.Conn]struct{}),
	}
}

// Addr is the address of the underlying listener.
func (m *Mux) Addr() net.Addr { return m.ln.Addr() }

// Listen returns a listener that accepts the connections whose first byte
// is b. It panics if b already has a listener (a wiring bug). Closing the
// returned listener unregisters b.
func (m *Mux) Listen(b byte) net.Listener {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.subs[b]; ok {
		panic(fmt.Sprintf("raftnode: mux byte %d registered twice", b))
	}
	l := &muxListener{m: m, b: b, ch: make(chan net.Conn), done: make(chan struct{})}
	m.subs[b] = l
	return l
}

// Serve accepts connections until Close is called, then returns nil.
// Accept errors other than the listener being closed are retried with a
// growing pause (as net/http does), so that running out of file
// descriptors does not stop the cluster port for good.
func (m *Mux) Serve() error {
	var pause time.Duration
	for {
		c, err := m.ln.Accept()
		if err != nil {
			select {
			case <-m.done:
				return nil
			default:
			}
			if errors.Is(err, net.ErrClosed) {
				return err
			}
			pause = min(max(2*pause, 5*time.Millisecond), time.Second)
			t := time.NewTimer(pause)
			select {
			case <-t.C:
			case <-m.done:
				t.Stop()
				return nil
			}
			continue
		}
		pause = 0
		m.mu.Lock()
		if m.closed {
			m.mu.Unlock()
			c.Close()
			return nil
		}
		m.pending[c] = struct{}{}
		m.wg.Add(1)
		m.mu.Unlock()
		go m.handshake(c)
	}
}

// handshake reads c's first byte and hands c to its sub-listener. It
// returns when the byte is unknown or late, when the sub-listener accepts
// c, or when the sub-listener or the mux closes.
func (m *Mux) handshake(c net.Conn) {
	defer m.wg.Done()
	timeout := m.HandshakeTimeout
	if timeout <= 0 {
		timeout = DefaultHandshakeTimeout
	}
	var b [1]byte
	err := c.SetReadDeadline(time.Now().Add(timeout))
	if err == nil {
		_, err = io.ReadFull(c, b[:])
	}
	if err == nil {
		err = c.SetReadDeadline(time.Time{})
	}
	m.mu.Lock()
	delete(m.pending, c)
	sub := m.subs[b[0]]
	m.mu.Unlock()
	if err != nil || sub == nil {
		c.Close()
		return
	}
	select {
	case sub.ch <- c:
	case <-sub.done:
		c.Close()
	case <-m.done:
		c.Close()
	}
}

// Close stops Serve, closes the underlying listener, every connection still
// in its handshake and every sub-listener, and waits for the handshake
// goroutines to end. Connections already handed out are their owners' to
// close.
func (m *Mux) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	close(m.done)
	for c := range m.pending {
		c.Close()
	}
	m.mu.Unlock()
	err := m.ln.Close()
	m.wg.Wait()
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

// muxListener is the net.Listener for one first byte.
type muxListener struct {
	m    *Mux
	b    byte
	ch   chan net.Conn
	done chan struct{}
	once sync.Once
}

func (l *muxListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.done:
	case <-l.m.done:
	}
	return nil, &net.OpError{Op: "accept", Net: "mux", Addr: l.m.ln.Addr(), Err: net.ErrClosed}
}

func (l *muxListener) Close() error {
	l.once.Do(func() {
		close(l.done)
		l.m.mu.Lock()
		if l.m.subs[l.b] == l {
			delete(l.m.subs, l.b)
		}
		l.m.mu.Unlock()
	})
	return nil
}

func (l *muxListener) Addr() net.Addr { return l.m.ln.Addr() }

// Dial connects to a cluster port at addr and sends b, the first byte that
// selects the protocol on the far side's Mux. timeout bounds the dial and
// the write of b.
func Dial(addr string, b byte, timeout time.Duration) (net.Conn, error) {
	d := net.Dialer{Timeout: timeout}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	if timeout > 0 {
		if err := c.SetWriteDeadline(time.Now().Add(timeout)); err != nil {
			c.Close()
			return nil, err
		}
	}
	if _, err := c.Write([]byte{b}); err != nil {
		c.Close()
		return nil, err
	}
	if err := c.SetWriteDeadline(time.Time{}); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// streamLayer is raft's transport over the mux: it accepts RaftByte
// connections and dials with RaftByte. Addr is the advertised address,
// which raft uses as this node's address in RPC headers.
type streamLayer struct {
	net.Listener
	advertise net.Addr
}

func (s *streamLayer) Addr() net.Addr { return s.advertise }

func (s *streamLayer) Dial(address raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	return Dial(string(address), RaftByte, timeout)
}

// advertiseAddr is a net.Addr for an address that may be a host name.
type advertiseAddr string

func (a advertiseAddr) Network() string { return "tcp" }
func (a advertiseAddr) String() string  { return string(a) }
