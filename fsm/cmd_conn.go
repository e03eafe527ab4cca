package fsm

import "strconv"

// Connection commands that may also be queued inside MULTI; resp answers
// them itself outside a transaction.
func init() {
	register([]Command{
		{Name: "select", Syntax: "index", Arity: 2, Flags: FlagLoading | FlagStale | FlagFast, Group: "connection", Summary: "Changes the selected database.", Fn: cmdSelect},
		{Name: "ping", Syntax: "[message]", Arity: -1, Flags: FlagFast | FlagStale, Group: "connection", Summary: "Returns the server's liveliness response.", Fn: cmdPing},
		{Name: "echo", Syntax: "message", Arity: 2, Flags: FlagFast, Group: "connection", Summary: "Returns the given string.", Fn: cmdEcho},
		{Name: "time", Syntax: "", Arity: 1, Flags: FlagLoading | FlagStale | FlagFast, Group: "server", Summary: "Returns the server time.", Fn: cmdTime},
	})
}

// SELECT index
func cmdSelect(c *Ctx, argv [][]byte) {
	i, err := strconv.Atoi(string(argv[1]))
	if err != nil {
		c.Error(ErrNotInteger)
		return
	}
	if c.Checking() {
		return
	}
	if !c.selectDB(i) {
		c.Error(ErrDBIndex)
		return
	}
	c.OK()
}

// PING [message]
func cmdPing(c *Ctx, argv [][]byte) {
	if len(argv) > 2 {
		c.Error(ArityError("ping"))
		return
	}
	if c.Checking() {
		return
	}
	if len(argv) == 2 {
		c.Bulk(argv[1])
		return
	}
	c.Status("PONG")
}

// ECHO message
func cmdEcho(c *Ctx, argv [][]byte) {
	if c.Checking() {
		return
	}
	c.Bulk(argv[1])
}

// TIME
//
// Outside a transaction this is the node's clock; inside EXEC it is the
// entry's timestamp, so every replica returns the same.
func cmdTime(c *Ctx, argv [][]byte) {
	if c.Checking() {
		return
	}
	c.Array(2)
	c.BulkInt(c.Now / 1000)
	c.BulkInt(c.Now % 1000 * 1000)
}
