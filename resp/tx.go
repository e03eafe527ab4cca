package resp

import (
	"bytes"
	"strconv"
	"time"

	"github.com/respraft/respraft/fsm"
)

// MULTI
func cmdMulti(b *burst, argv [][]byte) {
	if b.cl.multi {
		b.error("ERR MULTI calls can not be nested")
		return
	}
	b.cl.multi = true
	b.cl.dirty = false
	b.cl.queue = nil
	b.ok()
}

// DISCARD
func cmdDiscard(b *burst, argv [][]byte) {
	if !b.cl.multi {
		b.error("ERR DISCARD without MULTI")
		return
	}
	b.cl.resetMulti()
	b.ok()
}

// WATCH key [key ...]
//
// Each key is recorded with this node's applied index; EXEC carries them in
// its log entry and the state machine aborts the transaction if any of them
// changed after that index.
func cmdWatch(b *burst, argv [][]byte) {
	if b.cl.multi {
		b.error("ERR WATCH inside MULTI is not allowed")
		return
	}
	idx := b.s.fsm.AppliedIndex()
	db := b.cl.getDB()
	for _, k := range argv[1:] {
		b.cl.watches = append(b.cl.watches, fsm.Watch{DB: db, Key: k, Index: idx})
	}
	b.ok()
}

// UNWATCH
func cmdUnwatch(b *burst, argv [][]byte) {
	b.cl.watches = nil
	b.ok()
}

// EXEC
//
// The whole queue goes to the log as one entry with the watched keys; the
// state machine runs all of it or, if a watch fired, none (null reply).
func cmdExec(b *burst, argv [][]byte) {
	cl := b.cl
	if !cl.multi {
		b.error("ERR EXEC without MULTI")
		return
	}
	defer cl.resetMulti()
	if cl.dirty {
		b.error("EXECABORT Transaction discarded because of previous errors.")
		return
	}
	db := cl.getDB()
	x := fsm.Exec{DB: db, Watches: cl.watches}
	// The connection's database after EXEC is the last SELECT that will
	// succeed inside it (SELECT's argument is validated the same way).
	finalDB := db
	for _, q := range cl.queue {
		if lookup(q[0]).Name == "select" {
			if n, ok := atoi(q[1]); ok && n >= 0 && int(n) < b.s.fsm.Databases() {
				finalDB = int(n)
			}
		}
	}
	// Commands of this node (PUBLISH, INFO...) are not in the entry: they
	// run here, in their place in the reply, once it is applied.
	local := make([]*command, len(cl.queue)) // nil: the command is in the entry
	hasLocal := false
	for i, q := range cl.queue {
		if c := lookup(q[0]); c.Fn == nil {
			local[i], hasLocal = c, true
		} else {
			x.Cmds = append(x.Cmds, q)
		}
	}
	reply := []byte("*0\r\n")
	if len(x.Cmds) > 0 || len(x.Watches) > 0 || !hasLocal {
		res, err := b.s.propose(fsm.EncodeExec(time.Now().UnixMilli(), x))
		if err != nil {
			b.error(errorReply(err))
			return
		}
		reply = res.Replies[0]
		if len(x.Cmds) > 0 {
			cl.noteWrite(res.Index)
		}
	}
	if string(reply) != "*-1\r\n" {
		cl.setDB(finalDB)
	}
	if !hasLocal || string(reply) == "*-1\r\n" {
		b.reply(reply)
		return
	}
	// The entry's replies, one per command it ran, after its array header.
	elems := reply[bytes.IndexByte(reply, '\n')+1:]
	b.arrayLen(len(cl.queue))
	b.inExec = true
	defer func() { b.inExec = false }()
	for i, c := range local {
		if c != nil {
			c.local(b, cl.queue[i])
			continue
		}
		n := replyLen(elems)
		b.reply(elems[:n])
		elems = elems[n:]
	}
}

// replyLen is the length of the first RESP2 reply in p, which the state
// machine wrote whole.
func replyLen(p []byte) int {
	eol := bytes.IndexByte(p, '\n') + 1
	switch p[0] {
	case '$':
		n, _ := strconv.Atoi(string(p[1 : eol-2]))
		if n < 0 {
			return eol
		}
		return eol + n + 2
	case '*':
		n, _ := strconv.Atoi(string(p[1 : eol-2]))
		off := eol
		for i := 0; i < n; i++ {
			off += replyLen(p[off:])
		}
		return off
	}
	return eol
}
