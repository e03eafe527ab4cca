package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// The sorted-set family: every non-blocking sorted-set command over the
// keys z1..z6 (and, through anyKey, the string, hash, set and list keys,
// so WRONGTYPE comes up), with a few sets t1, t2 as ZUNION/ZINTER inputs
// and the key commands that move, copy or expire sorted sets.
//
// Members come from a small pool so ranges, ties and repeats are common;
// scores from a pool of integers, decimals, negatives, -0, inf/-inf and
// bad floats. A rare long member (70 bytes) pushes a sorted set out of
// Redis's listpack, so the skiplist behaviour (-0 kept, ZSCAN's score
// text) is compared too. ZRANDMEMBER is compared by membership, ZSCAN by
// the union of a full iteration, like SRANDMEMBER and SSCAN.
//
// Lex ranges over members with different scores are unspecified in
// Redis; for a listpack the answer still follows from its linear walk
// (which respraft mirrors), but for a skiplist it depends on the random
// levels of its nodes. So a lex-range command is sent only when Redis's
// key is a listpack or all its scores are equal; those commands are
// special entries (not queued inside MULTI), as that check is made just
// before sending.
var (
	zsetKeys     = []string{"z1", "z2", "z3", "z4", "z5", "z6"}
	zsetSetKeys  = []string{"t1", "t2"}
	zsetMembers  = []string{"a", "b", "c", "d", "e", "f", "g", "h"}
	zsetScores   = []string{"1", "2", "3", "0", "-1", "1.5", "0.1", "-0.5", "10", "100", "-0", "2", "1", "3"}
	zsetOddScore = []string{"inf", "-inf", "+inf", "1e3", "2.5", "3.0", "0.3", "1e20", "123456789012345678",
		"-2.5e-3", "0x10", "1e18", "4.9e-324"}
	zsetBadScores = []string{"abc", "nan", "", " 1", "1e400", "1 ", "0x", "--1", "inf1"}
	zsetScoreMins = []string{"-inf", "+inf", "(1", "0", "1", "(2", "2.5", "(0", "3", "-1", "(-inf", "inf",
		"1e20", "(3", "2", "10", "(10"}
	zsetBadMins   = []string{"abc", "[1", "(", "", "1e400", "nan", "(abc", " 2"}
	zsetLexBounds = []string{"-", "+", "[a", "(a", "[c", "(d", "[b", "(f", "[h", "[e", "(c", "[zz", "[", "("}
	zsetBadLex    = []string{"a", "", "+x", "-a", "]a"}
	zsetIndexes   = []string{"0", "1", "2", "-1", "-2", "-3", "3", "5", "10", "-100", "100"}
)

var zsetFamilyCommands = []string{
	"ZADD", "ZREM", "ZSCORE", "ZMSCORE", "ZINCRBY", "ZCARD", "ZCOUNT", "ZLEXCOUNT", "ZRANGE",
	"ZRANGESTORE", "ZREVRANGE", "ZRANGEBYSCORE", "ZREVRANGEBYSCORE", "ZRANGEBYLEX", "ZREVRANGEBYLEX",
	"ZRANK", "ZREVRANK", "ZREMRANGEBYRANK", "ZREMRANGEBYSCORE", "ZREMRANGEBYLEX", "ZPOPMIN",
	"ZPOPMAX", "ZMPOP", "ZUNION", "ZINTER", "ZDIFF", "ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE",
	"ZINTERCARD", "ZRANDMEMBER", "ZSCAN", "BZPOPMIN", "BZPOPMAX", "BZMPOP",
	"SADD", "DEL", "TYPE", "RENAME", "COPY", "EXPIRE", "TTL", "SET", "GET", "MULTI", "EXEC",
}

func init() {
	diffFamilies = append(diffFamilies, diffFamily{
		name:     "zset",
		keys:     zsetKeys,
		gens:     func() []genEntry { return append(zsetGens(), zsetBlockingGens()...) },
		commands: zsetFamilyCommands,
	})
}

func (g *gen) zkey() string { return g.key(zsetKeys) }

func (g *gen) zmember() string {
	switch {
	case g.p(0.01):
		return longValue
	case g.p(0.02):
		return ""
	}
	return oneOf(g, zsetMembers...)
}

func (g *gen) zmembers(lo, hi int) []string {
	out := make([]string, lo+g.n(hi-lo+1))
	for i := range out {
		out[i] = g.zmember()
	}
	return out
}

func (g *gen) zscore() string {
	switch x := g.n(100); {
	case x < 4:
		return oneOf(g, zsetBadScores...)
	case x < 25:
		return oneOf(g, zsetOddScore...)
	}
	return oneOf(g, zsetScores...)
}

func (g *gen) zmin() string {
	if g.p(0.05) {
		return oneOf(g, zsetBadMins...)
	}
	return oneOf(g, zsetScoreMins...)
}

func (g *gen) zlex() string {
	if g.p(0.05) {
		return oneOf(g, zsetBadLex...)
	}
	return oneOf(g, zsetLexBounds...)
}

func (g *gen) zindex() string {
	if g.p(0.05) {
		return oneOf(g, "abc", "1.5", "9223372036854775807", "-9223372036854775808")
	}
	return oneOf(g, zsetIndexes...)
}

// zlimit is sometimes a LIMIT offset count option.
func (g *gen) zlimit() []string {
	if !g.p(0.3) {
		return nil
	}
	off := oneOf(g, "0", "0", "1", "2", "5", "-1", "abc")
	cnt := oneOf(g, "1", "2", "3", "-1", "0", "10", "abc")
	if g.p(0.05) {
		return []string{g.word("LIMIT"), off}
	}
	return []string{g.word("LIMIT"), off, cnt}
}

// ZADD key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]
func genZAdd(g *gen) step {
	var opts []string
	for _, o := range []string{"NX", "XX", "GT", "LT", "CH", "INCR"} {
		p := 0.12
		if o == "NX" || o == "GT" || o == "LT" {
			p = 0.08
		}
		if g.p(p) {
			opts = append(opts, g.word(o))
		}
	}
	shuffle(g, opts)
	incr := slices.ContainsFunc(opts, func(o string) bool { return strings.EqualFold(o, "INCR") })
	n := 1 + g.n(4)
	if incr && g.p(0.9) {
		n = 1
	}
	args := append([]string{g.zkey()}, opts...)
	for i := 0; i < n; i++ {
		args = append(args, g.zscore(), g.zmember())
	}
	if g.p(0.03) {
		args = args[:len(args)-1] // a score without its member
	}
	return g.cmd("ZADD", args...)
}

// zsetRange builds ZRANGE's arguments after the key, for kind "rank",
// "score" or "lex", with its options shuffled in.
func (g *gen) zrangeArgs(kind string, store bool) []string {
	var lo, hi string
	var opts [][]string
	switch kind {
	case "rank":
		lo, hi = g.zindex(), g.zindex()
	case "score":
		lo, hi = g.zmin(), g.zmin()
		opts = append(opts, []string{g.word("BYSCORE")})
	default:
		lo, hi = g.zlex(), g.zlex()
		opts = append(opts, []string{g.word("BYLEX")})
	}
	if g.p(0.35) {
		opts = append(opts, []string{g.word("REV")})
	}
	if kind != "rank" || g.p(0.04) {
		if l := g.zlimit(); l != nil {
			opts = append(opts, l)
		}
	}
	if !store && (kind != "lex" || g.p(0.04)) && g.p(0.4) {
		opts = append(opts, []string{g.word("WITHSCORES")})
	}
	if g.p(0.04) {
		opts = append(opts, oneOf(g, []string{"FOO"}, []string{"BYSCORE"}, []string{"REV"}, []string{"WITHSCORES"}, []string{"LIMIT"}))
	}
	shuffle(g, opts)
	return flatten([]string{lo, hi}, opts)
}

// ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count], and the
// REV and BYLEX forms with their own argument kinds.
func genZRangeBy(name string, lex bool) func(*gen) step {
	return func(g *gen) step {
		var lo, hi string
		if lex {
			lo, hi = g.zlex(), g.zlex()
		} else {
			lo, hi = g.zmin(), g.zmin()
		}
		var opts [][]string
		if l := g.zlimit(); l != nil {
			opts = append(opts, l)
		}
		if (!lex || g.p(0.05)) && g.p(0.4) {
			opts = append(opts, []string{g.word("WITHSCORES")})
		}
		if g.p(0.03) {
			opts = append(opts, oneOf(g, []string{"REV"}, []string{"BYLEX"}, []string{"FOO"}))
		}
		shuffle(g, opts)
		return g.cmd(name, flatten([]string{g.zkey(), lo, hi}, opts)...)
	}
}

// zsetInputs returns numkeys and keys for ZUNION and its siblings, mostly
// sorted sets, sometimes sets, sometimes a wrong numkeys.
func (g *gen) zsetInputs() []string {
	keys := make([]string, 1+g.n(3))
	for i := range keys {
		if g.p(0.15) {
			keys[i] = oneOf(g, zsetSetKeys...)
		} else {
			keys[i] = g.zkey()
		}
	}
	numkeys := strconv.Itoa(len(keys))
	if g.p(0.06) {
		numkeys = oneOf(g, "0", "-1", "abc", strconv.Itoa(len(keys)+1))
	}
	return append([]string{numkeys}, keys...)
}

// genZAlgebra is ZUNION/ZINTER/ZDIFF and their STORE forms, and ZINTERCARD.
func genZAlgebra(name string) func(*gen) step {
	return func(g *gen) step {
		store := strings.HasSuffix(name, "STORE")
		diff := strings.HasPrefix(name, "ZDIFF")
		args := g.zsetInputs()
		nkeys := len(args) - 1
		if store {
			args = append([]string{g.zkey()}, args...)
		}
		var opts [][]string
		if name == "ZINTERCARD" {
			if g.p(0.4) {
				opts = append(opts, []string{g.word("LIMIT"), oneOf(g, "0", "1", "2", "5", "-1", "abc")})
			}
		} else {
			if !diff && g.p(0.35) {
				w := []string{g.word("WEIGHTS")}
				for i := 0; i < nkeys; i++ {
					w = append(w, oneOf(g, "1", "2", "-1", "0", "0.5", "inf", "-inf", "1.5", "3"))
				}
				if g.p(0.05) {
					w = append(w[:len(w)-1], oneOf(g, "abc", "nan"))
				}
				if g.p(0.03) {
					w = w[:len(w)-1]
				}
				opts = append(opts, w)
			}
			if !diff && g.p(0.35) {
				opts = append(opts, []string{g.word("AGGREGATE"), g.word(oneOf(g, "SUM", "MIN", "MAX", "SUM", "AVG"))})
			}
			if !store && g.p(0.45) {
				opts = append(opts, []string{g.word("WITHSCORES")})
			}
		}
		if g.p(0.04) {
			opts = append(opts, oneOf(g, []string{"FOO"}, []string{"WITHSCORES"}, []string{"WEIGHTS", "1"}, []string{"AGGREGATE"}, []string{"LIMIT", "1"}))
		}
		shuffle(g, opts)
		return g.cmd(name, flatten(args, opts)...)
	}
}

// ZMPOP numkeys key [key ...] <MIN | MAX> [COUNT count]
func genZMPop(g *gen) step {
	return genMPop(g, "ZMPOP", zsetKeys, func() string {
		where := g.word(oneOf(g, "MIN", "MAX"))
		if g.p(0.03) {
			where = oneOf(g, "LEFT", "")
		}
		return where
	})
}

func genZPop(name string) func(*gen) step {
	return func(g *gen) step {
		args := []string{g.zkey()}
		if g.p(0.5) {
			args = append(args, oneOf(g, "0", "1", "2", "3", "10", "-1", "abc"))
		}
		if g.p(0.03) {
			args = append(args, "1")
		}
		return g.cmd(name, args...)
	}
}

// genZArity sends a sorted-set command with too few (or, for a fixed
// arity, too many) arguments.
func genZArity(g *gen) step {
	e := oneOf(g, []struct {
		name  string
		arity int
	}{
		{"ZADD", -4}, {"ZREM", -3}, {"ZSCORE", 3}, {"ZMSCORE", -3}, {"ZINCRBY", 4}, {"ZCARD", 2},
		{"ZCOUNT", 4}, {"ZLEXCOUNT", 4}, {"ZRANGE", -4}, {"ZRANGESTORE", -5}, {"ZREVRANGE", -4},
		{"ZRANGEBYSCORE", -4}, {"ZRANK", 3}, {"ZREVRANK", 3}, {"ZREMRANGEBYRANK", 4},
		{"ZPOPMIN", -2}, {"ZMPOP", -4}, {"ZUNION", -3}, {"ZINTERSTORE", -4}, {"ZINTERCARD", -3},
		{"ZRANDMEMBER", -2}, {"ZSCAN", -3},
	}...)
	var argc int
	if e.arity > 0 {
		argc = 1 + g.n(e.arity)
		if argc == e.arity {
			argc++
		}
	} else {
		argc = 1 + g.n(-e.arity-1)
	}
	args := make([]string, argc-1)
	for i := range args {
		args[i] = g.zkey()
	}
	return g.cmd(e.name, args...)
}

func zsetGens() []genEntry {
	keep := []string{"DEL", "TYPE", "RENAME", "COPY", "EXPIRE", "TTL", "SET", "GET", "MULTI"}
	var out []genEntry
	for _, e := range diffGens() {
		if slices.Contains(keep, e.name) {
			out = append(out, e)
		}
	}
	member := func(g *gen) string { return g.zmember() }
	out = append(out, []genEntry{
		{name: "ZADD", weight: 40, simple: genZAdd},
		{name: "ZINCRBY", weight: 8, simple: func(g *gen) step {
			inc := g.zscore()
			if g.p(0.03) {
				inc = oneOf(g, "NX", "INCR", "CH")
			}
			return g.cmd("ZINCRBY", g.zkey(), inc, member(g))
		}},
		{name: "SADD", weight: 4, simple: func(g *gen) step {
			return g.cmd("SADD", append([]string{oneOf(g, zsetSetKeys...)}, g.zmembers(1, 3)...)...)
		}},
		{name: "ZREM", weight: 8, simple: func(g *gen) step { return g.cmd("ZREM", append([]string{g.zkey()}, g.zmembers(1, 3)...)...) }},
		{name: "ZSCORE", weight: 6, simple: func(g *gen) step { return g.cmd("ZSCORE", g.zkey(), member(g)) }},
		{name: "ZMSCORE", weight: 5, simple: func(g *gen) step { return g.cmd("ZMSCORE", append([]string{g.zkey()}, g.zmembers(1, 4)...)...) }},
		{name: "ZCARD", weight: 5, simple: func(g *gen) step { return g.cmd("ZCARD", g.zkey()) }},
		{name: "ZCOUNT", weight: 6, simple: func(g *gen) step { return g.cmd("ZCOUNT", g.zkey(), g.zmin(), g.zmin()) }},
		{name: "ZLEXCOUNT", weight: 5, special: func(d *differ) {
			d.zlexStep(d.g.cmd("ZLEXCOUNT", d.g.zkey(), d.g.zlex(), d.g.zlex()), 1)
		}},
		{name: "ZRANGE", weight: 14, simple: func(g *gen) step {
			return g.cmd("ZRANGE", append([]string{g.zkey()}, g.zrangeArgs(oneOf(g, "rank", "rank", "score"), false)...)...)
		}},
		{name: "ZRANGE BYLEX", weight: 5, special: func(d *differ) {
			d.zlexStep(d.g.cmd("ZRANGE", append([]string{d.g.zkey()}, d.g.zrangeArgs("lex", false)...)...), 1)
		}},
		{name: "ZRANGESTORE", weight: 5, simple: func(g *gen) step {
			return g.cmd("ZRANGESTORE", append([]string{g.zkey(), g.zkey()}, g.zrangeArgs(oneOf(g, "rank", "score"), true)...)...)
		}},
		{name: "ZRANGESTORE BYLEX", weight: 2, special: func(d *differ) {
			d.zlexStep(d.g.cmd("ZRANGESTORE", append([]string{d.g.zkey(), d.g.zkey()}, d.g.zrangeArgs("lex", true)...)...), 2)
		}},
		{name: "ZREVRANGE", weight: 6, simple: func(g *gen) step {
			args := []string{g.zkey(), g.zindex(), g.zindex()}
			if g.p(0.4) {
				args = append(args, g.word("WITHSCORES"))
			}
			if g.p(0.03) {
				args = append(args, oneOf(g, "LIMIT", "BYSCORE", "FOO"))
			}
			return g.cmd("ZREVRANGE", args...)
		}},
		{name: "ZRANGEBYSCORE", weight: 8, simple: genZRangeBy("ZRANGEBYSCORE", false)},
		{name: "ZREVRANGEBYSCORE", weight: 6, simple: genZRangeBy("ZREVRANGEBYSCORE", false)},
		{name: "ZRANGEBYLEX", weight: 5, special: func(d *differ) { d.zlexStep(genZRangeBy("ZRANGEBYLEX", true)(d.g), 1) }},
		{name: "ZREVRANGEBYLEX", weight: 4, special: func(d *differ) { d.zlexStep(genZRangeBy("ZREVRANGEBYLEX", true)(d.g), 1) }},
		{name: "ZRANK", weight: 5, simple: func(g *gen) step { return g.cmd("ZRANK", g.zkey(), member(g)) }},
		{name: "ZREVRANK", weight: 4, simple: func(g *gen) step { return g.cmd("ZREVRANK", g.zkey(), member(g)) }},
		{name: "ZREMRANGEBYRANK", weight: 3, simple: func(g *gen) step {
			return g.cmd("ZREMRANGEBYRANK", g.zkey(), g.zindex(), g.zindex())
		}},
		{name: "ZREMRANGEBYSCORE", weight: 3, simple: func(g *gen) step {
			return g.cmd("ZREMRANGEBYSCORE", g.zkey(), g.zmin(), g.zmin())
		}},
		{name: "ZREMRANGEBYLEX", weight: 3, special: func(d *differ) {
			d.zlexStep(d.g.cmd("ZREMRANGEBYLEX", d.g.zkey(), d.g.zlex(), d.g.zlex()), 1)
		}},
		{name: "ZPOPMIN", weight: 5, simple: genZPop("ZPOPMIN")},
		{name: "ZPOPMAX", weight: 5, simple: genZPop("ZPOPMAX")},
		{name: "ZMPOP", weight: 5, simple: genZMPop},
		{name: "ZUNION", weight: 5, simple: genZAlgebra("ZUNION")},
		{name: "ZINTER", weight: 5, simple: genZAlgebra("ZINTER")},
		{name: "ZDIFF", weight: 4, simple: genZAlgebra("ZDIFF")},
		{name: "ZUNIONSTORE", weight: 4, simple: genZAlgebra("ZUNIONSTORE")},
		{name: "ZINTERSTORE", weight: 4, simple: genZAlgebra("ZINTERSTORE")},
		{name: "ZDIFFSTORE", weight: 3, simple: genZAlgebra("ZDIFFSTORE")},
		{name: "ZINTERCARD", weight: 4, simple: genZAlgebra("ZINTERCARD")},
		{name: "ZRANDMEMBER", weight: 6, special: (*differ).zrandmember},
		{name: "ZSCAN", weight: 5, special: (*differ).zscan},
		{name: "wrong arity", weight: 4, simple: genZArity},
	}...)
	return out
}

// zlexStep sends a lex-range command whose source key is argv[at], unless
// Redis's answer would hang on its skiplist's random levels: the key is a
// skiplist whose scores are not all equal. Then nothing is sent.
func (d *differ) zlexStep(st step, at int) {
	key := st.args[at]
	if v := d.do(d.redis, []string{"OBJECT", "ENCODING", key}); v.isBulk() && v.str == "skiplist" {
		lo := d.do(d.redis, []string{"ZRANGE", key, "0", "0", "WITHSCORES"})
		hi := d.do(d.redis, []string{"ZRANGE", key, "-1", "-1", "WITHSCORES"})
		if len(lo.elems) == 2 && len(hi.elems) == 2 {
			a, _ := strconv.ParseFloat(lo.elems[1].str, 64)
			b, _ := strconv.ParseFloat(hi.elems[1].str, 64)
			if a != b {
				return
			}
		}
	}
	d.simple(st)
}

// redisZset returns Redis's sorted set at key as member -> score text.
func (d *differ) redisZset(key string) map[string]string {
	v := d.only(d.redis, "ZRANGE", key, "0", "-1", "WITHSCORES")
	z := map[string]string{}
	for i := 0; i+1 < len(v.elems); i += 2 {
		z[v.elems[i].str] = v.elems[i+1].str
	}
	return z
}

// ZRANDMEMBER key [count [WITHSCORES]]
func (d *differ) zrandmember() {
	g := d.g
	key := g.zkey()
	argv := []string{g.name("ZRANDMEMBER"), key}
	if g.p(0.7) {
		argv = append(argv, oneOf(g, randCounts...))
		if g.p(0.4) {
			argv = append(argv, g.word("WITHSCORES"))
		}
	}
	if g.p(0.04) {
		argv = append(argv, oneOf(g, "FOO", "WITHSCORES"))
	}
	if len(argv) == 3 && g.p(0.03) {
		argv = append(argv[:2], "4611686018427387904", "WITHSCORES")
	}
	withScores := len(argv) == 4 && strings.EqualFold(argv[3], "WITHSCORES")
	a, b := d.both(argv)
	if !sameShape(a, b) {
		if !equalReply(a, b) {
			d.mismatchReplies(fmtArgs(argv), a, b, "")
		}
		return
	}
	z := d.redisZset(key)
	count, hasCount := parseCount(argv, 2)
	d.checkPicks(fmtArgs(argv), a, b, func(e string) (string, bool) { v, ok := z[e]; return v, ok }, count, hasCount, withScores)
}

// zscan runs a full ZSCAN iteration on each side and compares the unions
// of member=score pairs.
func (d *differ) zscan() {
	g := d.g
	prefix := []string{g.name("ZSCAN"), g.zkey()}
	cursor := "0"
	var opts [][]string
	if g.p(0.4) {
		opts = append(opts, []string{g.word("MATCH"), oneOf(g, "*", "a*", "[a-c]", "?", "x*", "*e*")})
	}
	if g.p(0.4) {
		opts = append(opts, []string{g.word("COUNT"), strconv.Itoa(1 + g.n(12))})
	}
	if g.p(0.08) {
		switch g.n(4) {
		case 0:
			cursor = oneOf(g, "abc", "1.5", "")
		case 1:
			opts = append(opts, []string{"COUNT", oneOf(g, "0", "-1", "abc")})
		case 2:
			opts = append(opts, []string{"MATCH"})
		case 3:
			opts = append(opts, []string{"FOO", "1"})
		}
	}
	shuffle(g, opts)
	argv := append(slices.Clone(prefix), cursor)
	for _, o := range opts {
		argv = append(argv, o...)
	}
	rest := argv[len(prefix)+1:]
	d.sent++
	d.counts["ZSCAN"]++
	d.hist = append(d.hist, fmt.Sprintf("%6d  %s", d.sent, fmtArgs(argv)))
	fa, sa, _, pa := d.iterate(d.redis, prefix, cursor, rest, true)
	fb, sb, _, pb := d.iterate(d.rr, prefix, cursor, rest, true)
	what := fmtArgs(argv) + " (full iteration)"
	switch {
	case pa != "":
		d.mismatch("%s: redis-server itself: %s (a bug in this test?)", what, pa)
	case pb != "":
		d.mismatch("%s: respraft: %s\n    redis's union: %s", what, pb, fmtSet(sa))
	case sa == nil || sb == nil:
		if !equalReply(fa, fb) {
			d.mismatchReplies(what, fa, fb, "")
		}
	default:
		if fmtSet(sa) != fmtSet(sb) {
			d.mismatch("%s: the unions differ\n    redis:    %s\n    respraft: %s", what, fmtSet(sa), fmtSet(sb))
		}
	}
}

// zsetBlockingGens are the blocking pops of sorted sets, with the short
// timeouts of blockTimeout (diff_list_test.go).
func zsetBlockingGens() []genEntry {
	return []genEntry{
		{name: "BZPOPMIN", weight: 4, simple: func(g *gen) step {
			return g.cmd("BZPOPMIN", append(g.keys(zsetKeys, 1, 3), g.blockTimeout())...)
		}},
		{name: "BZPOPMAX", weight: 4, simple: func(g *gen) step {
			return g.cmd("BZPOPMAX", append(g.keys(zsetKeys, 1, 3), g.blockTimeout())...)
		}},
		{name: "BZMPOP", weight: 4, simple: func(g *gen) step {
			st := genZMPop(g)
			st.args = append([]string{g.name("BZMPOP"), g.blockTimeout()}, st.args[1:]...)
			return st
		}},
	}
}
