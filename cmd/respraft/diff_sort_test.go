package main

import (
	"slices"
	"strings"
)

// The sort family: SORT and SORT_RO over the list and set keys, with
// string keys w_<element> and hash keys hw_<element> (fields f and g) for
// the BY and GET patterns, and STORE into lists that LRANGE then reads
// back. Lists l1..l3 hold numbers only; l4..l6 and the sets t4..t6 hold
// words now and then, which numeric sorts must refuse.
//
// Replies are compared exactly, except where the order depends on a set's
// internal order, which Redis leaves unspecified: BY nosort on a set, and
// ALPHA BY on a set, whose ties keep the set's order. Those are compared as
// multisets, and generated without LIMIT (which would pick an unspecified
// subset) or STORE (which would store an unspecified order).
var sortFamilyCommands = []string{
	"SORT", "SORT_RO", "RPUSH", "LPUSH", "LPOP", "LRANGE", "SADD", "SREM", "ZADD", "SET", "HSET", "DEL",
	"MULTI", "EXEC", "WATCH", "OBJECT",
}

var (
	sortNumbers = []string{"1", "2", "3", "10", "-5", "0", "1.5", "-0.5", "1e3", "100", "007", "+4",
		" 7", "42", "3.0", "inf", "-inf", "2", "1", "0x10", "-0", "0.0"}
	// No word makes strtod overflow or underflow ("1e400", "1e-320"):
	// redis-server 7.0 does not clear errno before its strtod, so one
	// ERANGE makes every later numeric SORT fail until something else
	// sets errno, which no deterministic server can reproduce.
	sortWords = []string{"a", "b", "", "abc", "x y", "bin\x00ary", "B", "nan", "7 ", "0x", "-", "infx", "1e", " "}
	// sortValues are the values of the w_ keys and hw_ fields: few, so
	// that ties are common.
	sortValues   = []string{"1", "2", "5", "10", "-3", "0", "2.5", "1e2", "1", "2", ""}
	sortValWords = []string{"a", "b", "zz", "A", "a\x00b", "1x"}
	sortDests    = []string{"dst1", "dst2", "dst1", "dst2", "l1", "l5", "t5", "s1"}
	sortBys      = []string{"w_*", "w_*", "hw_*->f", "hw_*->g", "nosort", "w_*->", "*", "x_*", "hw_*->", "w_*_"}
	sortGets     = []string{"#", "#", "w_*", "hw_*->f", "hw_*->g", "nope", "hw_*->", "*"}
)

// sortElem is an element for key: a number, or sometimes a word where the
// key may hold words.
func (g *gen) sortElem(key string) string {
	words := key == "l4" || key == "l5" || key == "l6" || key == "t4" || key == "t5" || key == "t6"
	if words && g.p(0.12) {
		return oneOf(g, sortWords...)
	}
	return oneOf(g, sortNumbers...)
}

// sortAnyElem is any element, for naming a w_ or hw_ key.
func (g *gen) sortAnyElem() string {
	if g.p(0.15) {
		return oneOf(g, sortWords...)
	}
	return oneOf(g, sortNumbers...)
}

func (g *gen) sortValue() string {
	if g.p(0.08) {
		return oneOf(g, sortValWords...)
	}
	return oneOf(g, sortValues...)
}

// sortSource picks the key to sort: mostly a list or a set, sometimes a
// string (WRONGTYPE) or a missing key.
func (g *gen) sortSource() string {
	switch x := g.n(100); {
	case x < 45:
		return oneOf(g, listKeys...)
	case x < 75:
		return oneOf(g, setKeys...)
	case x < 90:
		return oneOf(g, sortZsetKeys...)
	case x < 95:
		return oneOf(g, "nokey", "dst1")
	}
	return g.anyKey()
}

// sortZsetKeys are the sorted sets the sort family sorts.
var sortZsetKeys = []string{"sz1", "sz2"}

// genSort builds SORT (or SORT_RO) with random options in random order.
func genSort(ro bool) func(*gen) step {
	return func(g *gen) step {
		key := g.sortSource()
		var by string
		var limit, store []string
		var gets [][]string
		var opts [][]string
		if g.p(0.45) {
			by = oneOf(g, sortBys...)
		}
		if g.p(0.3) {
			limit = []string{g.word("LIMIT"), oneOf(g, "0", "0", "1", "2", "-1", "5", "100"),
				oneOf(g, "0", "1", "2", "3", "-1", "5", "-5", "100")}
			if g.p(0.05) {
				limit[oneOf(g, 1, 2)] = oneOf(g, "abc", "1.5", "")
			}
		}
		for i := 0; i < 3 && g.p(0.3); i++ {
			gets = append(gets, []string{g.word("GET"), oneOf(g, sortGets...)})
		}
		if g.p(0.4) {
			opts = append(opts, []string{g.word(oneOf(g, "ASC", "DESC"))})
		}
		alpha := g.p(0.35)
		if alpha {
			opts = append(opts, []string{g.word("ALPHA")})
		}
		if !ro && g.p(0.25) {
			store = []string{g.word("STORE"), oneOf(g, sortDests...)}
		}
		if ro && g.p(0.03) {
			store = []string{"STORE", "dst1"} // a syntax error for SORT_RO
		}
		// Where a set's internal order would show, compare as a multiset
		// and leave out what would pick from or store that order.
		md := cmpExact
		// A sorted set that SORT converted to a skiplist is loaded in hash
		// order by Redis when it is really sorted: like a set there.
		isSet := strings.HasPrefix(key, "t") || (strings.HasPrefix(key, "sz") && !(by != "" && !strings.Contains(by, "*")))
		dontSort := by != "" && !strings.Contains(by, "*")
		if isSet && ((dontSort && store == nil) || (alpha && by != "" && !dontSort)) {
			md, limit = cmpUnordered, nil
			if !dontSort {
				store = nil
			}
		}
		if by != "" {
			opts = append(opts, []string{g.word("BY"), by})
		}
		for _, o := range [][]string{limit, store} {
			if o != nil {
				opts = append(opts, o)
			}
		}
		opts = append(opts, gets...)
		shuffle(g, opts)
		if g.p(0.03) {
			// Last, so that it cannot take the next option as its
			// argument: a syntax error.
			opts = append(opts, oneOf(g, []string{"FOO"}, []string{"LIMIT", "1"}, []string{"BY"}, []string{"GET"}, []string{"STORE"}))
			md = cmpExact
		}
		name := "SORT"
		if ro {
			name = "SORT_RO"
		}
		st := g.cmd(name, flatten([]string{key}, opts)...)
		st.mode = md
		return st
	}
}

func init() {
	sortGens := []genEntry{
		{name: "SORT", weight: 40, simple: genSort(false)},
		{name: "SORT_RO", weight: 15, simple: genSort(true)},
		// SORT and SORT_RO turn a listpack sorted set into a skiplist.
		{name: "OBJECT ENCODING", weight: 4, simple: func(g *gen) step {
			return g.cmd("OBJECT", "ENCODING", oneOf(g, sortZsetKeys...))
		}},
		{name: "RPUSH", weight: 12, simple: func(g *gen) step {
			k := oneOf(g, listKeys...)
			args := []string{k}
			for i := 1 + g.n(4); i > 0; i-- {
				args = append(args, g.sortElem(k))
			}
			return g.cmd(oneOf(g, "RPUSH", "LPUSH"), args...)
		}},
		{name: "LPOP", weight: 4, simple: func(g *gen) step {
			return g.cmd("LPOP", oneOf(g, listKeys...), oneOf(g, "1", "2", "5"))
		}},
		{name: "SADD", weight: 10, simple: func(g *gen) step {
			k := oneOf(g, setKeys...)
			args := []string{k}
			for i := 1 + g.n(4); i > 0; i-- {
				args = append(args, g.sortElem(k))
			}
			return g.cmd("SADD", args...)
		}},
		{name: "ZADD", weight: 8, simple: func(g *gen) step {
			k := oneOf(g, sortZsetKeys...)
			args := []string{k}
			for i := 1 + g.n(4); i > 0; i-- {
				args = append(args, oneOf(g, "1", "2", "2", "-3", "0.5", "inf"), g.sortElem(k))
			}
			return g.cmd("ZADD", args...)
		}},
		{name: "SREM", weight: 3, simple: func(g *gen) step {
			k := oneOf(g, setKeys...)
			return g.cmd("SREM", k, g.sortElem(k), g.sortElem(k))
		}},
		{name: "SET w_", weight: 10, simple: func(g *gen) step {
			return g.cmd("SET", "w_"+g.sortAnyElem(), g.sortValue())
		}},
		{name: "HSET hw_", weight: 8, simple: func(g *gen) step {
			args := []string{"hw_" + g.sortAnyElem(), oneOf(g, "f", "g"), g.sortValue()}
			if g.p(0.3) {
				args = append(args, oneOf(g, "f", "g"), g.sortValue())
			}
			return g.cmd("HSET", args...)
		}},
		{name: "DEL", weight: 3, simple: func(g *gen) step {
			return g.cmd("DEL", oneOf(g, slices.Concat(listKeys, setKeys, sortZsetKeys, []string{"dst1", "dst2", "w_1", "hw_2"})...))
		}},
		{name: "LRANGE", weight: 10, simple: func(g *gen) step {
			return g.cmd("LRANGE", oneOf(g, "dst1", "dst2", "l1", "l5", "t5", "s1"), "0", "-1")
		}},
		{name: "TYPE", weight: 2, simple: func(g *gen) step { return g.cmd("TYPE", oneOf(g, sortDests...)) }},
	}
	// Strings for WRONGTYPE, and transactions with WATCH for STORE's
	// versions.
	weights := map[string]int{"SET": 2, "MULTI": 8}
	diffFamilies = append(diffFamilies, diffFamily{
		name: "sort",
		keys: slices.Concat(listKeys, setKeys, sortZsetKeys, []string{"dst1", "dst2"}),
		gens: func() []genEntry {
			out := append([]genEntry(nil), sortGens...)
			for _, e := range diffGens() {
				if w, ok := weights[e.name]; ok {
					e.weight = w
					out = append(out, e)
				}
			}
			return out
		},
		commands: sortFamilyCommands,
	})
}
