package fsm

import (
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync/atomic"
)

// A command handler that panics is a bug, but it must not take the
// cluster down with it. A write is committed to the log before it is
// applied, so a panic in Apply would stop every replica on the same
// entry, and again on every restart that replays it. Every replica runs
// the same handler on the same state and arguments, so they all panic
// alike; call therefore recovers: the command's partial reply is replaced
// by an error, the panic is logged with its stack and counted
// (HandlerPanics, INFO stats), and the node goes on. Whatever the handler
// changed before it panicked stays changed, the same on every replica.
// The same holds for the check phase and for local reads, where a panic
// would otherwise end the process.
//
// Entries that cannot be decoded still panic (applyEntry): that is a
// replica that cannot follow the log, not a bad command.

// recoverPanics is switched off by this package's tests, so that a panic
// fails them instead of becoming a reply.
var recoverPanics = true

var handlerPanics atomic.Int64

// HandlerPanics is the number of command handler panics recovered since
// the process started.
func HandlerPanics() int64 { return handlerPanics.Load() }

// call runs cmd's handler on argv.
func (c *Ctx) call(cmd *Command, argv [][]byte) {
	if !recoverPanics {
		cmd.Fn(c, argv)
		return
	}
	start := len(c.out)
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		handlerPanics.Add(1)
		c.out = AppendError(c.out[:start], "ERR internal error in '"+cmd.Name+"' command (see the server log)")
		log := c.log
		if log == nil {
			log = slog.Default()
		}
		phase := "apply"
		switch {
		case c.check:
			phase = "check"
		case c.Index == 0:
			phase = "read"
		}
		log.Error("command handler panicked; replied with an error and went on",
			"command", cmd.Name, "phase", phase, "index", c.Index, "argc", len(argv),
			"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
	}()
	cmd.Fn(c, argv)
}
