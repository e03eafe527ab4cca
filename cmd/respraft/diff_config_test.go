package main

import (
	"fmt"
	"slices"
	"strings"
)

// The config family: CONFIG SET and CONFIG GET of the tunable parameters
// respraft lists in resp/params.go (configParams mirrors that list), with
// valid values, non-numbers, several parameters in one atomic CONFIG SET
// (one bad value refuses all), a parameter and its alias in one call,
// unknown parameters, CONFIG GET with names and glob patterns, CONFIG
// RESETSTAT, unknown subcommands and wrong arity; values out of range,
// not integers, memory values with units, names twice or in upper case.
//
// Left out of CONFIG SET, on purpose:
//   - appendonly and proto-max-bulk-len, which Redis 7.0 can change at run
//     time and respraft refuses as immutable: it has no AOF, and its bulk
//     limit is fixed at startup.
//   - notify-keyspace-events and save, whose values Redis parses and
//     rewrites (KEA reads back as AKE; save takes pairs of numbers) and
//     respraft stores as given, and which change what Redis does (keyspace
//     messages, RDB snapshots).
//   - Redis's own parameters respraft does not list (port, maxclients, ...):
//     respraft only needs to match Redis for its own.
//
// CONFIG GET replies are compared as sets of name-value pairs, as Redis
// answers from a dictionary in no set order, and only over the pairs of
// parameters respraft lists: a glob like "*" matches some 200 of Redis's
// parameters, and matches respraft's startup settings (port, dir, ...)
// whose values differ by design. A parameter respraft lists and does not
// return still shows up as a difference.
//
// CONFIG HELP is not sent: respraft does not implement it (an unknown
// subcommand error where Redis lists the subcommands).
//
// The family restores every parameter to Redis's value at its end, on both
// servers, so that the families after it see the defaults.
var configFamilyCommands = []string{
	"CONFIG GET", "CONFIG SET", "CONFIG RESETSTAT", "CONFIG (other)", "CONFIG",
}

// configParam is a parameter of resp/params.go with the values to try:
// valid ones, and ones Redis refuses (or, for hz, clamps).
type configParam struct {
	name, alias string
	valid, bad  []string
}

// The values: valid ones, and ones Redis refuses with each of its
// reasons: out of range ("argument must be between ... inclusive"), not
// an integer by its strict string2ll ("+1", "007", "-0"), not a memory
// value, or (hz) kept within 1..500.
var (
	sizeValid = []string{"0", "1", "2", "5", "64", "128", "512", "1000", "9223372036854775807"}
	sizeBad   = []string{"abc", "1.5", "", " 1", "1 ", "1e3", "0x10", "1kb", "9223372036854775808x",
		"-1", "+1", "007", "-0", "-9999999999", "9223372036854775808"}
	// memValid includes Redis's memory units and an empty value (0).
	memValid = []string{"0", "1", "100", "3000", "4096", "9223372036854775807", "1kb", "2g", "3MB", "5k", "7b", "kb", "", "1Gb"}
	memBad   = []string{"abc", "-1", "1.5", "+1", "1 kb", "1kbb", "0x10", "18446744073709551616", "9223372036854775808", "20000000000gb"}
	boolVals = []string{"yes", "no", "YES", "No"}
	boolBad  = []string{"1", "0", "true", "", "on", "y"}
)

var configParams = []configParam{
	{name: "hash-max-listpack-entries", alias: "hash-max-ziplist-entries", valid: sizeValid, bad: sizeBad},
	{name: "hash-max-listpack-value", alias: "hash-max-ziplist-value", valid: memValid, bad: memBad},
	{name: "list-max-listpack-size", alias: "list-max-ziplist-size",
		valid: []string{"-1", "-2", "-3", "-4", "-5", "1", "8", "128", "-2147483648", "2147483647"},
		bad:   []string{"abc", "1.5", "", "2x", "-2147483649", "2147483648", "+1", "-0"}},
	{name: "list-compress-depth", valid: []string{"0", "1", "2", "3", "2147483647"}, bad: []string{"abc", "", "1.0", "-1", "2147483648"}},
	{name: "set-max-intset-entries", valid: sizeValid, bad: sizeBad},
	{name: "zset-max-listpack-entries", alias: "zset-max-ziplist-entries", valid: sizeValid, bad: sizeBad},
	{name: "zset-max-listpack-value", alias: "zset-max-ziplist-value", valid: memValid, bad: memBad},
	{name: "hll-sparse-max-bytes", valid: memValid, bad: memBad},
	{name: "stream-node-max-bytes", valid: memValid, bad: memBad},
	{name: "stream-node-max-entries", valid: sizeValid, bad: sizeBad},
	{name: "hz", valid: []string{"1", "10", "50", "100", "500", "0", "501", "100000"}, bad: []string{"abc", "", "10.5", "-1"}},
	// timeout: no small values, which would have Redis close an idle
	// connection of the test on a slow machine.
	{name: "timeout", valid: []string{"0", "300", "3600", "2147483647"}, bad: []string{"abc", "", "-1", "2147483648"}},
	{name: "slowlog-log-slower-than", valid: []string{"-1", "0", "10000", "1", "9223372036854775807"},
		bad: []string{"abc", "", "9223372036854775808", "-2"}},
	{name: "slowlog-max-len", valid: sizeValid, bad: sizeBad},
	// maxmemory: nothing small, under which Redis would refuse writes.
	{name: "maxmemory", valid: []string{"0", "1073741824", "2000000000", "9223372036854775807", "2gb", "18446744073709551615", "18446744073709551616"},
		bad: []string{"abc", "-1", "1.5", "+1"}},
	{name: "activerehashing", valid: boolVals, bad: boolBad},
	{name: "lazyfree-lazy-user-del", valid: boolVals, bad: boolBad},
	{name: "maxmemory-policy", valid: []string{"noeviction", "allkeys-lru", "volatile-lfu", "ALLKEYS-RANDOM",
		"volatile-ttl", "Volatile-Lru", "allkeys-lfu", "volatile-random"},
		bad: []string{"foo", "", "lru", "noeviction "}},
}

// configGetOnly are respraft's parameters that the family reads but does
// not set (see above).
var configGetOnly = []string{"notify-keyspace-events", "save", "appendonly", "proto-max-bulk-len"}

// configListed is every name respraft lists, lower case: the pairs of
// CONFIG GET replies that are compared.
var configListed = func() map[string]bool {
	m := map[string]bool{}
	for _, p := range configParams {
		m[p.name] = true
		if p.alias != "" {
			m[p.alias] = true
		}
	}
	for _, n := range configGetOnly {
		m[n] = true
	}
	return m
}()

// configPatterns are CONFIG GET's glob patterns: over respraft's
// parameters, and wider ones whose other matches are not compared.
var configPatterns = []string{
	"*max-*-entries", "hash-*", "*ziplist*", "*listpack*", "zset-max-*", "h?", "*-entries", "slowlog-*",
	"list-*", "stream-node-*", "maxmemory*", "*", "*-value", "*lazy*", "h*", "[hz]*", "set-max-*",
	"HASH-*", "*Listpack*", "?z", "nosuch*", "*save*", "*bytes",
}

// paramName is a parameter's name or its alias, sometimes in upper case:
// Redis echoes a name as typed in CONFIG GET's reply ("HZ") and in some
// of CONFIG SET's errors.
func (g *gen) paramName(p configParam) string {
	name := p.name
	if p.alias != "" && g.p(0.35) {
		name = p.alias
	}
	if g.p(0.1) {
		name = strings.ToUpper(name)
	}
	return name
}

func (g *gen) paramValue(p configParam) string {
	if len(p.bad) > 0 && g.p(0.25) {
		return oneOf(g, p.bad...)
	}
	return oneOf(g, p.valid...)
}

var configUnknown = []string{"foo", "no-such-param", "hash-max-listpack", "hz2", "*", ""}

// CONFIG SET parameter value [parameter value ...]: with now and then the
// same name twice ("duplicate parameter"; a name and its alias are two
// names), an unknown name after a bad value (every name is checked before
// any value), or an odd number of arguments past the first pair.
func genConfigSet(g *gen) step {
	n := 1
	switch x := g.n(100); {
	case x < 25:
		n = 2
	case x < 40:
		n = 3
	}
	if g.p(0.04) {
		return g.cmd("CONFIG", g.word("SET"), g.paramName(oneOf(g, configParams...))) // wrong arity
	}
	type pair struct {
		p       configParam
		name    string
		unknown bool
	}
	var pairs []pair
	for i := 0; i < n; i++ {
		var pr pair
		switch x := g.n(100); {
		case x < 5:
			pr = pair{name: oneOf(g, configUnknown...), unknown: true}
		case x < 12 && i > 0 && pairs[i-1].p.alias != "": // a name and its alias, or itself again
			pr = pairs[i-1]
			pr.name = oneOf(g, pr.p.name, pr.p.alias)
		default:
			pr.p = oneOf(g, configParams...)
			pr.name = g.paramName(pr.p)
		}
		pairs = append(pairs, pr)
	}
	args := []string{g.word("SET")}
	for _, pr := range pairs {
		val := oneOf(g, "1", "yes")
		if !pr.unknown {
			val = g.paramValue(pr.p)
		}
		args = append(args, pr.name, val)
	}
	if g.p(0.03) {
		args = append(args, g.paramName(oneOf(g, configParams...))) // odd: a syntax error
	}
	return g.cmd("CONFIG", args...)
}

// CONFIG GET parameter [parameter ...]
func genConfigGet(g *gen) step {
	args := []string{g.word("GET")}
	for i := 1 + g.n(3); i > 0; i-- {
		switch x := g.n(100); {
		case x < 45:
			args = append(args, g.paramName(oneOf(g, configParams...)))
		case x < 80:
			args = append(args, oneOf(g, configPatterns...))
		case x < 90:
			args = append(args, oneOf(g, configGetOnly...))
		default:
			args = append(args, oneOf(g, configUnknown...))
		}
	}
	return g.cmd("CONFIG", args...)
}

// configGet sends CONFIG GET and compares the pairs of respraft's
// parameters as sets.
func (d *differ) configGet() {
	st := genConfigGet(d.g)
	d.configCount(st.args)
	a, b := d.both(st.args)
	if !a.isArray() || !b.isArray() || len(a.elems)%2 != 0 || len(b.elems)%2 != 0 {
		if !equalReply(a, b) {
			d.mismatchReplies(fmtArgs(st.args), a, b, "")
		}
		return
	}
	pa, pb := listedPairs(a), listedPairs(b)
	if !slices.Equal(pa, pb) {
		slices.Sort(pa)
		slices.Sort(pb)
		if !slices.Equal(pa, pb) {
			d.mismatch("%s (compared as a set of the pairs of respraft's parameters)\n    redis:    %v\n    respraft: %v",
				fmtArgs(st.args), pa, pb)
		}
	}
}

// listedPairs returns a CONFIG GET reply's pairs whose name respraft lists,
// as "name=value", in the reply's order.
func listedPairs(v *reply) []string {
	var out []string
	for i := 0; i+1 < len(v.elems); i += 2 {
		if configListed[strings.ToLower(v.elems[i].str)] {
			out = append(out, fmt.Sprintf("%s=%s", v.elems[i], v.elems[i+1]))
		}
	}
	return out
}

// configCount counts a CONFIG command under its subcommand, before both()
// counts it as CONFIG.
func (d *differ) configCount(argv []string) {
	d.counts["CONFIG"]--
	switch sub := strings.ToUpper(argv[1]); sub {
	case "GET", "SET", "RESETSTAT":
		d.counts["CONFIG "+sub]++
	default:
		d.counts["CONFIG (other)"]++
	}
}

// configStart records each server's parameters, gives respraft Redis's
// values where they differ (respraft's hash-max-listpack-entries default
// is redis.conf's 128, redis-server without a config file uses 512), and
// puts each server's own values back when the family ends, so that the
// families after it see their defaults.
func (d *differ) configStart() {
	saved := map[*respConn][]string{}
	var align []string
	for _, p := range configParams {
		var vals [2]string
		for i, c := range []*respConn{d.redis, d.rr} {
			v := d.only(c, "CONFIG", "GET", p.name)
			if !v.isArray() || len(v.elems) != 2 {
				d.t.Fatalf("CONFIG GET %s on %s: %s", p.name, c.name, v)
			}
			vals[i] = v.elems[1].str
			saved[c] = append(saved[c], p.name, vals[i])
		}
		if vals[0] != vals[1] {
			d.t.Logf("%s is %s on redis and %s on respraft: given Redis's value on both", p.name, vals[0], vals[1])
			align = append(align, p.name, vals[0])
		}
	}
	if len(align) > 0 {
		if v := d.only(d.rr, append([]string{"CONFIG", "SET"}, align...)...); v.kind != '+' {
			d.t.Fatalf("respraft: CONFIG SET %s: %s", fmtArgs(align), v)
		}
	}
	d.t.Cleanup(func() {
		for _, c := range []*respConn{d.redis, d.rr} {
			if v, err := c.do(append([]string{"CONFIG", "SET"}, saved[c]...)); err != nil || v.kind != '+' {
				d.t.Errorf("%s: restoring the parameters: %v %v", c.name, v, err)
			}
		}
	})
}

func init() {
	diffFamilies = append(diffFamilies, diffFamily{
		name: "config",
		gens: func() []genEntry {
			started := false
			start := func(d *differ) {
				if !started {
					started = true
					d.configStart()
				}
			}
			counted := func(f func(*gen) step) func(*differ) {
				return func(d *differ) {
					start(d)
					st := f(d.g)
					d.configCount(st.args)
					d.simple(st)
				}
			}
			return []genEntry{
				{name: "CONFIG SET", weight: 50, special: counted(genConfigSet)},
				{name: "CONFIG GET", weight: 40, special: func(d *differ) { start(d); d.configGet() }},
				{name: "CONFIG RESETSTAT", weight: 2, special: counted(func(g *gen) step {
					return g.cmd("CONFIG", g.word("RESETSTAT"))
				})},
				{name: "CONFIG (other)", weight: 3, special: counted(func(g *gen) step {
					return g.cmd("CONFIG", oneOf(g, []string{"FOO"}, []string{"GET"}, []string{"SET", "hz"},
						[]string{"sett", "hz", "1"}, []string{""}, []string{"HELPX"}, []string{"RESETSTAT", "x"})...)
				})},
				// CONFIG alone: a wrong arity that names no subcommand.
				{name: "CONFIG", weight: 1, special: func(d *differ) { start(d); d.simple(d.g.cmd("CONFIG")) }},
			}
		},
		commands: configFamilyCommands,
	})
}
