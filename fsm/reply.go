package fsm

import (
	"strconv"
)

// The reply helpers below append RESP2 to c.out. Replies are kept as
// encoded bytes from the state machine all the way to the client socket, so a
// reply produced on the leader can be relayed by a follower unchanged and an
// EXEC reply is just an array header followed by the queued replies.

// Status appends a simple string reply (+OK).
func (c *Ctx) Status(s string) {
	c.out = append(c.out, '+')
	c.out = append(c.out, s...)
	c.out = append(c.out, '\r', '\n')
}

// OK appends +OK.
func (c *Ctx) OK() { c.out = append(c.out, "+OK\r\n"...) }

// Error appends an error reply. msg must start with the error code, as in
// Redis: "ERR syntax error", "WRONGTYPE ...".
func (c *Ctx) Error(msg string) {
	c.out = AppendError(c.out, msg)
}

// Int appends an integer reply.
func (c *Ctx) Int(n int64) {
	c.out = append(c.out, ':')
	c.out = strconv.AppendInt(c.out, n, 10)
	c.out = append(c.out, '\r', '\n')
}

// Bool appends :1 for true and :0 for false.
func (c *Ctx) Bool(b bool) {
	if b {
		c.out = append(c.out, ":1\r\n"...)
	} else {
		c.out = append(c.out, ":0\r\n"...)
	}
}

// Bulk appends a bulk string reply.
func (c *Ctx) Bulk(b []byte) { c.out = AppendBulk(c.out, b) }

// BulkString appends a bulk string reply.
func (c *Ctx) BulkString(s string) {
	c.out = append(c.out, '$')
	c.out = strconv.AppendInt(c.out, int64(len(s)), 10)
	c.out = append(c.out, '\r', '\n')
	c.out = append(c.out, s...)
	c.out = append(c.out, '\r', '\n')
}

// BulkInt appends an integer formatted as a bulk string.
func (c *Ctx) BulkInt(n int64) {
	var tmp [24]byte
	c.Bulk(strconv.AppendInt(tmp[:0], n, 10))
}

// Null appends the RESP2 null bulk string ($-1).
func (c *Ctx) Null() { c.out = append(c.out, "$-1\r\n"...) }

// NullArray appends the RESP2 null array (*-1).
func (c *Ctx) NullArray() { c.out = append(c.out, "*-1\r\n"...) }

// Array appends an array header of n elements; the caller appends them.
func (c *Ctx) Array(n int) { c.out = AppendArray(c.out, n) }

// Raw appends already encoded RESP.
func (c *Ctx) Raw(b []byte) { c.out = append(c.out, b...) }

// AppendError appends -msg\r\n, replacing any CR/LF in msg with spaces so a
// user-supplied string can never break the framing.
func AppendError(b []byte, msg string) []byte {
	b = append(b, '-')
	for i := 0; i < len(msg); i++ {
		ch := msg[i]
		if ch == '\r' || ch == '\n' {
			ch = ' '
		}
		b = append(b, ch)
	}
	return append(b, '\r', '\n')
}

// AppendBulk appends a bulk string.
func AppendBulk(b, s []byte) []byte {
	b = append(b, '$')
	b = strconv.AppendInt(b, int64(len(s)), 10)
	b = append(b, '\r', '\n')
	b = append(b, s...)
	return append(b, '\r', '\n')
}

// AppendArray appends an array header.
func AppendArray(b []byte, n int) []byte {
	b = append(b, '*')
	b = strconv.AppendInt(b, int64(n), 10)
	return append(b, '\r', '\n')
}

// IsError reports whether an encoded reply is an error reply.
func IsError(reply []byte) bool { return len(reply) > 0 && reply[0] == '-' }
