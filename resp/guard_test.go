package resp

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/respraft/respraft/fsm"
	"github.com/tidwall/redcon"
)

// panicConn records what recoverConn does to a connection.
type panicConn struct {
	redcon.Conn // nil: only the methods below are used
	errs        []string
	closed      bool
}

func (c *panicConn) RemoteAddr() string    { return "127.0.0.1:1234" }
func (c *panicConn) WriteError(msg string) { c.errs = append(c.errs, msg) }
func (c *panicConn) Close() error          { c.closed = true; return nil }

func TestConnPanicClosesOnlyThatConnection(t *testing.T) {
	var logged bytes.Buffer
	ts := newTestServer(t, Config{Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	pc := &panicConn{}
	func() {
		defer ts.s.recoverConn(pc)
		var m map[string]int
		m["x"]++ // a bug: assignment to a nil map
	}()
	if want := []string{"ERR internal error (see the server log)"}; len(pc.errs) != 1 || pc.errs[0] != want[0] {
		t.Errorf("errors written: got %q, want %q", pc.errs, want)
	}
	if !pc.closed {
		t.Error("the connection was not closed")
	}
	for _, s := range []string{"level=ERROR", "connection handler panicked", "nil map", "guard_test.go"} {
		if !strings.Contains(logged.String(), s) {
			t.Errorf("log lacks %q:\n%s", s, logged.String())
		}
	}
	// The server still serves others.
	if got := ts.dial().do("PING"); len(got) != 1 || got[0] != "+PONG\r\n" {
		t.Errorf("PING after the panic: got %q, want +PONG", got)
	}
}

// Without a panic recoverConn leaves the connection alone.
func TestConnWithoutPanicIsLeftAlone(t *testing.T) {
	ts := newTestServer(t, Config{})
	pc := &panicConn{}
	func() { defer ts.s.recoverConn(pc) }()
	if pc.closed || len(pc.errs) > 0 {
		t.Errorf("closed %v, errors %q: want neither", pc.closed, pc.errs)
	}
}

// A Shutdown that comes before Serve (a SIGTERM right at start) makes
// Serve return at once instead of serving forever.
func TestServeAfterShutdown(t *testing.T) {
	be := &fakeBackend{f: fsm.New(16, nil), leader: true}
	s := New(Config{FSM: be.f, Backend: be})
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(l) }()
	select {
	case err := <-done:
		if err != ErrServerClosed {
			t.Errorf("Serve: got %v, want ErrServerClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve still running 5s after Shutdown")
	}
	if c, err := net.Dial("tcp", l.Addr().String()); err == nil {
		c.Close()
		t.Error("the listener still accepts connections")
	}
}

// countConn counts the writes that reach the socket.
type countConn struct {
	net.Conn // nil: only Write is used
	writes   int
	data     []byte
}

func (c *countConn) Write(b []byte) (int, error) {
	c.writes++
	c.data = append(c.data, b...)
	return len(b), nil
}

// TestFlushTwiceWritesOnce: handle flushes a burst's replies and redcon
// flushes again after it returns; the second, empty flush must not cost a
// write system call.
func TestFlushTwiceWritesOnce(t *testing.T) {
	cc := &countConn{}
	w := redcon.NewWriter(&guardConn{Conn: cc})
	w.WriteString("OK")
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if cc.writes != 1 || string(cc.data) != "+OK\r\n" {
		t.Errorf("socket got %d writes, %q; want 1 write, %q", cc.writes, cc.data, "+OK\r\n")
	}
}
