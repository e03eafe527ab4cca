package main

import "slices"

// The list family on its own (it is also part of TestDiffAgainstRedis's
// mix): the list rows of diffGens, the blocking pops, and the key commands
// that move or expire lists, over the list keys and the string keys.
var listFamilyCommands = []string{
	"LPUSH", "RPUSH", "LPUSHX", "RPUSHX", "LPOP", "RPOP", "LLEN", "LRANGE", "LINDEX", "LSET",
	"LINSERT", "LREM", "LTRIM", "LPOS", "LMOVE", "RPOPLPUSH", "LMPOP",
	"BLPOP", "BRPOP", "BLMOVE", "BRPOPLPUSH", "BLMPOP",
	"DEL", "TYPE", "RENAME", "COPY", "EXPIRE", "TTL", "SET", "GET",
}

// blockTimeout is a blocking command's timeout: short ones only (a null
// after a few ms on both servers when the lists are empty; never 0, which
// would wait forever), and bad ones for the errors.
func (g *gen) blockTimeout() string {
	if g.p(0.1) {
		return oneOf(g, "abc", "-1", "1e20", "inf", "", "1.5.")
	}
	return oneOf(g, "0.001", "0.005", "0.01")
}

func listBlockingGens() []genEntry {
	return []genEntry{
		{name: "BLPOP", weight: 5, simple: func(g *gen) step {
			return g.cmd("BLPOP", append(g.keys(listKeys, 1, 3), g.blockTimeout())...)
		}},
		{name: "BRPOP", weight: 4, simple: func(g *gen) step {
			return g.cmd("BRPOP", append(g.keys(listKeys, 1, 3), g.blockTimeout())...)
		}},
		{name: "BLMOVE", weight: 4, simple: func(g *gen) step {
			return g.cmd("BLMOVE", g.key(listKeys), g.key(listKeys), g.listEnd(), g.listEnd(), g.blockTimeout())
		}},
		{name: "BRPOPLPUSH", weight: 3, simple: func(g *gen) step {
			return g.cmd("BRPOPLPUSH", g.key(listKeys), g.key(listKeys), g.blockTimeout())
		}},
		{name: "BLMPOP", weight: 4, simple: func(g *gen) step {
			st := genLmpop(g)
			st.args = append([]string{g.name("BLMPOP"), g.blockTimeout()}, st.args[1:]...)
			return st
		}},
	}
}

func init() {
	diffFamilies = append(diffFamilies, diffFamily{
		name: "list",
		keys: listKeys,
		gens: func() []genEntry {
			var out []genEntry
			for _, e := range diffGens() {
				if slices.Contains(listFamilyCommands, e.name) {
					out = append(out, e)
				}
			}
			return append(out, listBlockingGens()...)
		},
		commands: listFamilyCommands,
	})
}
