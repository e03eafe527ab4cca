package resp

import (
	"io"
	"net"
	"strconv"
	"sync"
)

// Limits Redis enforces on the request framing before it buffers anything.
const (
	maxBulkLen      = 512 << 20 // proto-max-bulk-len
	maxMultibulkLen = 1<<31 - 1 // INT_MAX
	maxInlineLen    = 64 << 10  // PROTO_INLINE_MAX_SIZE
)

// guardConn watches the request stream as it is read and refuses framing
// that Redis refuses, before redcon would buffer it: a bulk length over
// 512 MB, a multibulk length over INT_MAX, or an inline request over 64 KB.
// It answers with Redis's protocol error and closes the connection, as
// Redis does, so a client that announces a 1 GB argument costs nothing.
//
// redcon reads and writes a connection from one goroutine, and flushes its
// replies before it reads again, so the error written here lands after
// every reply to the requests before it.
type guardConn struct {
	net.Conn
	once sync.Once
	p    frameParser
}

func (g *guardConn) Read(b []byte) (int, error) {
	n, err := g.Conn.Read(b)
	if n > 0 {
		if msg := g.p.feed(b[:n]); msg != "" {
			g.once.Do(func() {
				_, _ = g.Conn.Write([]byte("-ERR Protocol error: " + msg + "\r\n"))
				_ = g.Conn.Close()
			})
			return 0, io.EOF
		}
	}
	return n, err
}

// Write skips empty writes. redcon flushes its reply buffer after every
// burst even when handle has already flushed it, and an empty write is
// still a write(2) system call: one per request, as many as the replies.
func (g *guardConn) Write(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	return g.Conn.Write(b)
}

// frameParser is a byte-at-a-time RESP request framing tracker. It keeps
// only counters, never the data.
type frameParser struct {
	state   int
	line    []byte // the header line being read (bounded)
	inline  int    // length of the inline request so far
	args    int64  // bulk arguments left in the current multibulk
	skip    int64  // payload bytes (+CRLF) left to skip
	started bool
}

const (
	fpStart = iota // at the start of a request
	fpMultiHeader
	fpBulkHeader
	fpBulkBody
	fpInline
)

// feed consumes data and returns a protocol error message, or "".
func (p *frameParser) feed(data []byte) string {
	for i := 0; i < len(data); i++ {
		ch := data[i]
		switch p.state {
		case fpStart:
			switch ch {
			case '*':
				p.state, p.line = fpMultiHeader, p.line[:0]
			case '\r', '\n':
			default:
				p.state, p.inline = fpInline, 1
			}
		case fpInline:
			if ch == '\n' {
				p.state = fpStart
				continue
			}
			p.inline++
			if p.inline > maxInlineLen {
				return "too big inline request"
			}
		case fpMultiHeader, fpBulkHeader:
			if ch != '\n' {
				if len(p.line) < 32 {
					p.line = append(p.line, ch)
				}
				continue
			}
			line := p.line
			if len(line) > 0 && line[len(line)-1] == '\r' {
				line = line[:len(line)-1]
			}
			if p.state == fpMultiHeader {
				n, err := strconv.ParseInt(string(line), 10, 64)
				if err != nil || n > maxMultibulkLen {
					return "invalid multibulk length"
				}
				p.args = n
				if n <= 0 {
					p.state = fpStart
				} else {
					p.state, p.line = fpBulkHeader, p.line[:0]
				}
				continue
			}
			if len(line) == 0 || line[0] != '$' {
				// redcon reports the exact complaint; let it.
				p.state = fpStart
				continue
			}
			n, err := strconv.ParseInt(string(line[1:]), 10, 64)
			if err != nil || n < 0 || n > maxBulkLen {
				return "invalid bulk length"
			}
			p.skip = n + 2
			p.state = fpBulkBody
		case fpBulkBody:
			// Skip as much of the payload as this buffer holds.
			take := int64(len(data) - i)
			if take > p.skip {
				take = p.skip
			}
			p.skip -= take
			i += int(take) - 1
			if p.skip == 0 {
				p.args--
				if p.args == 0 {
					p.state = fpStart
				} else {
					p.state, p.line = fpBulkHeader, p.line[:0]
				}
			}
		}
	}
	return ""
}

// guardListener wraps every accepted connection in a guardConn.
type guardListener struct{ net.Listener }

func (l guardListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &guardConn{Conn: c}, nil
}
