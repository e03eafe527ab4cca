package raftnode

import (
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

func TestMuxRoutesByFirstByte(t *testing.T) {
	m := NewMux(mustListen(t))
	m.HandshakeTimeout = 200 * time.Millisecond
	l1, l2 := m.Listen(1), m.Listen(2)
	served := make(chan error, 1)
	go func() { served <- m.Serve() }()
	defer func() {
		if err := m.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if err := <-served; err != nil {
			t.Errorf("Serve returned %v after Close, want nil", err)
		}
		if _, err := l1.Accept(); !errors.Is(err, net.ErrClosed) {
			t.Errorf("Accept after Close: %v, want net.ErrClosed", err)
		}
	}()

	for _, tc := range []struct {
		b   byte
		l   net.Listener
		msg string
	}{{2, l2, "two"}, {1, l1, "one"}} {
		c, err := Dial(m.Addr().String(), tc.b, time.Second)
		if err != nil {
			t.Fatalf("Dial: %v", err)
		}
		defer c.Close()
		if _, err := c.Write([]byte(tc.msg)); err != nil {
			t.Fatalf("Write: %v", err)
		}
		s, err := tc.l.Accept()
		if err != nil {
			t.Fatalf("Accept(%d): %v", tc.b, err)
		}
		defer s.Close()
		s.SetReadDeadline(time.Now().Add(5 * time.Second))
		got := make([]byte, len(tc.msg))
		if _, err := io.ReadFull(s, got); err != nil || string(got) != tc.msg {
			t.Fatalf("byte %d: read %q, %v; want %q (first byte consumed)", tc.b, got, err, tc.msg)
		}
	}

	closedByPeer := func(c net.Conn) bool {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, err := c.Read(make([]byte, 1))
		return errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || isReset(err)
	}

	// Unknown first byte: dropped.
	c, err := Dial(m.Addr().String(), 9, time.Second)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	defer c.Close()
	if !closedByPeer(c) {
		t.Fatal("connection with unknown first byte was not closed")
	}

	// Silent client: dropped after the handshake timeout, and it does not
	// hold up other connections meanwhile.
	silent, err := net.Dial("tcp", m.Addr().String())
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	defer silent.Close()
	c2, err := Dial(m.Addr().String(), 1, time.Second)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	defer c2.Close()
	if s, err := l1.Accept(); err != nil {
		t.Fatalf("Accept behind a silent client: %v", err)
	} else {
		s.Close()
	}
	if !closedByPeer(silent) {
		t.Fatal("silent connection was not closed")
	}

	// A closed sub-listener refuses Accept and drops its byte.
	l2.Close()
	if _, err := l2.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Accept on closed listener: %v, want net.ErrClosed", err)
	}
	c3, err := Dial(m.Addr().String(), 2, time.Second)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	defer c3.Close()
	if !closedByPeer(c3) {
		t.Fatal("connection for a closed byte was not closed")
	}
}

func isReset(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && !op.Timeout()
}
