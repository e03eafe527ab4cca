package fsm

func init() {
	register([]Command{
		{Name: "get", Arity: 2, Flags: FlagReadOnly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Summary: "Returns the string value of a key.", Fn: cmdGet},
		{Name: "set", Arity: -3, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Summary: "Sets the string value of a key, ignoring its type.", Fn: cmdSet},
	})
}

// GET key
func cmdGet(c *Ctx, argv [][]byte) {
	if c.Checking() {
		return
	}
	v, ok := lookupType[*strValue](c, argv[1])
	if !ok {
		return
	}
	if v == nil {
		c.Null()
		return
	}
	c.Bulk(v.b)
}

// SET key value [NX | XX] [GET] [EX seconds | PX milliseconds |
// EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]
//
// (First version: plain SET; the options come with the strings family.)
func cmdSet(c *Ctx, argv [][]byte) {
	if len(argv) != 3 {
		c.Error(ErrSyntax)
		return
	}
	if c.Checking() {
		return
	}
	c.setValue(string(argv[1]), newString(argv[2]))
	c.OK()
}
