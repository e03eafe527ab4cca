package main

import "slices"

// The list family on its own (it is also part of TestDiffAgainstRedis's
// mix): the list rows of diffGens, with the key commands that move or
// expire lists, over the list keys and the string keys.
var listFamilyCommands = []string{
	"LPUSH", "RPUSH", "LPUSHX", "RPUSHX", "LPOP", "RPOP", "LLEN", "LRANGE", "LINDEX", "LSET",
	"LINSERT", "LREM", "LTRIM", "LPOS", "LMOVE", "RPOPLPUSH", "LMPOP",
	"DEL", "TYPE", "RENAME", "COPY", "EXPIRE", "TTL", "SET", "GET",
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
			return out
		},
		commands: listFamilyCommands,
	})
}
