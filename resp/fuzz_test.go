package resp

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/respraft/respraft/fsm"
	"github.com/respraft/respraft/resp/resptest"
)

// panicLog records the log lines that report a recovered panic, which
// would otherwise hide a bug from the fuzzer behind an error reply.
type panicLog struct {
	mu    sync.Mutex
	lines []string
}

func (h *panicLog) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelError }
func (h *panicLog) Handle(_ context.Context, r slog.Record) error {
	if !strings.Contains(r.Message, "panicked") {
		return nil
	}
	var sb strings.Builder
	sb.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&sb, "\n%s=%v", a.Key, a.Value)
		return true
	})
	h.mu.Lock()
	h.lines = append(h.lines, sb.String())
	h.mu.Unlock()
	return nil
}
func (h *panicLog) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *panicLog) WithGroup(string) slog.Handler      { return h }

func (h *panicLog) take() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := h.lines
	h.lines = nil
	return out
}

// startFuzzServer starts one server for a whole fuzz run.
func startFuzzServer(f *testing.F, log *slog.Logger) string {
	be := &fakeBackend{f: fsm.New(16, log), leader: true}
	_, addr := serveTest(f, Config{FSM: be.f, Backend: be, Logger: log, LeaderWait: 100 * time.Millisecond})
	return addr
}

// FuzzWire writes arbitrary bytes to a connection of a live server and
// reads whatever comes back. Whatever the bytes, the server must go on
// answering other connections, must not panic (not even a panic it
// recovers from), and must not keep goroutines for connections that are
// gone.
func FuzzWire(f *testing.F) {
	plog := &panicLog{}
	addr := startFuzzServer(f, slog.New(plog))
	if err := resptest.Ping(addr); err != nil {
		f.Fatal(err)
	}
	baseline := runtime.NumGoroutine()

	for _, s := range []string{
		encode("PING"),
		encode("SET k v", "GET k", "DEL k"),
		"PING\r\n",
		"SET k v\nGET k\r\n",
		"  \r\n\r\n\n",
		"SET \"k\" 'v w'\r\nGET \"unterminated\r\n",
		encode("SET a 1", "INCR a", "LPUSH l x y", "LRANGE l 0 -1", "ZADD z 1 m", "ZRANGE z 0 -1 WITHSCORES"),
		strings.Repeat(encode("INCR c"), 50),
		"*1\r\n$1000000000\r\n",
		"*2\r\n$3\r\nGET\r\n$-5\r\n",
		"*-1\r\n*-100\r\n",
		"*0\r\n",
		"*3000000000\r\n",
		"*1\r\n*1\r\n$4\r\nPING\r\n",
		"*2\r\n$3\r\nGET\r\n:1\r\n",
		"*1\r\n$4\r\nPINGxx\r\n",
		"*1\r\n$4\r\nPI",
		"$4\r\nPING\r\n",
		"*abc\r\n",
		"*1\r\n$\r\n\r\n",
		encode("MULTI", "SET k v", "NOSUCH", "GET", "EXEC"),
		encode("MULTI", "MULTI", "WATCH k", "BLPOP l 0", "EXEC", "DISCARD"),
		encode("WATCH k", "MULTI", "INCR k", "SUBSCRIBE ch", "EXEC"),
		encode("SUBSCRIBE a b", "PSUBSCRIBE *", "PING", "GET k", "UNSUBSCRIBE", "PUNSUBSCRIBE"),
		encode("BLPOP l1 l2 0.01", "BZPOPMIN z 0.01", "BLMOVE a b LEFT RIGHT 0.01"),
		encode("CLIENT SETNAME x", "CLIENT LIST", "CLIENT KILL ID 1", "CLIENT PAUSE 1", "CLIENT REPLY OFF", "PING"),
		encode("HELLO 3", "HELLO 2 AUTH a b", "RESET", "QUIT"),
		encode("SELECT 15", "SET k v", "SELECT 16", "SWAPDB 0 15", "FLUSHALL"),
		encode("COMMAND INFO get", "COMMAND DOCS set", "COMMAND GETKEYS SORT k STORE d", "COMMAND COUNT"),
		encode("CONFIG GET *", "INFO all", "DEBUG DIGEST", "RAFT.INFO", "RAFT.NODES", "OBJECT FREQ k"),
		encode("SET k v EX 9223372036854775807", "SETRANGE k 4294967296 x", "EXPIRE k -9223372036854775808"),
		"*2\r\n$4\r\nECHO\r\n$3\r\na\x00b\r\n",
		"\x00\xff\xfe*\r\n",
	} {
		f.Add([]byte(s))
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		_ = c.SetDeadline(time.Now().Add(300 * time.Millisecond))
		_, _ = c.Write(data)
		// The half close ends the request stream: the server answers what
		// it got and closes, unless a command blocks; the deadline covers
		// that.
		_ = c.(*net.TCPConn).CloseWrite()
		_, _ = io.Copy(io.Discard, c)
		c.Close()

		if err := resptest.Ping(addr); err != nil {
			t.Fatalf("%q: the server no longer answers: %v", data, err)
		}
		if p := plog.take(); len(p) > 0 {
			t.Fatalf("%q: the server recovered from a panic:\n%s", data, strings.Join(p, "\n\n"))
		}
		// Connections end asynchronously: wait a while for the
		// goroutines of this one to go before calling it a leak.
		if runtime.NumGoroutine() > baseline+50 {
			deadline := time.Now().Add(5 * time.Second)
			for runtime.NumGoroutine() > baseline+20 && time.Now().Before(deadline) {
				<-time.After(10 * time.Millisecond)
			}
			if n := runtime.NumGoroutine(); n > baseline+20 {
				buf := make([]byte, 1<<20)
				t.Fatalf("%q: %d goroutines, %d when the run started:\n%s", data, n, baseline, buf[:runtime.Stack(buf, true)])
			}
		}
	})
}
