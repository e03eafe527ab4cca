package main

import (
	"slices"
	"strconv"
)

// The dump family: DUMP and RESTORE in both directions between
// redis-server and respraft, TOUCH, OBJECT and MEMORY USAGE, over values
// built by the string, list, set and hash writers of diffGens.
//
// The writers are those after which Redis's encoding follows from the
// value alone, which is what respraft's OBJECT ENCODING reports (see
// fsm/cmd_object.go): not APPEND, SETRANGE or INCRBYFLOAT (Redis keeps
// their strings "raw" or non-"int" whatever they hold), nor SREM, SPOP or
// SMOVE (Redis never turns a hashtable set back into an intset).
var dumpFamilyWriters = []string{
	"SET", "SETNX", "SETEX", "PSETEX", "GETSET", "MSET", "MSETNX", "INCR", "DECR", "INCRBY", "DECRBY",
	"LPUSH", "RPUSH", "LPOP", "RPOP", "LSET", "LINSERT", "LREM", "LTRIM", "LMOVE",
	"SADD", "SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE",
	"HSET", "HSETNX", "HMSET", "HDEL", "HINCRBY", "HINCRBYFLOAT",
	"DEL", "EXPIRE", "RENAME",
}

var dumpFamilyCommands = append([]string{"DUMP", "RESTORE", "TOUCH", "OBJECT", "MEMORY"}, dumpFamilyWriters...)

// dumpTargets are where RESTORE writes: the family keys and two of its own.
var dumpTargets = append(slices.Clone(allKeys), "r1", "r2")

func init() {
	diffFamilies = append(diffFamilies, diffFamily{
		name: "dump",
		keys: []string{"r1", "r2"},
		gens: func() []genEntry {
			var out []genEntry
			for _, e := range diffGens() {
				if slices.Contains(dumpFamilyWriters, e.name) {
					out = append(out, e)
				}
			}
			return append(out,
				genEntry{name: "DUMP", weight: 25, special: (*differ).dumpCompare},
				genEntry{name: "RESTORE", weight: 40, special: (*differ).restoreFromRedis},
				genEntry{name: "RESTORE into redis", weight: 25, special: (*differ).restoreIntoRedis},
				genEntry{name: "TOUCH", weight: 6, simple: func(g *gen) step { return g.cmd("TOUCH", g.keys(dumpTargets, 1, 4)...) }},
				genEntry{name: "OBJECT", weight: 25, simple: genObject},
				genEntry{name: "MEMORY", weight: 8, special: (*differ).memoryUsage},
			)
		},
		commands: dumpFamilyCommands,
	})
}

// genObject: OBJECT ENCODING, REFCOUNT and FREQ compare exactly (FREQ is
// an error under the default policy), as do the argument errors.
func genObject(g *gen) step {
	key := oneOf(g, dumpTargets...)
	switch x := g.n(100); {
	case x < 60:
		return g.cmd("OBJECT", g.word("ENCODING"), key)
	case x < 85:
		return g.cmd("OBJECT", g.word("REFCOUNT"), key)
	case x < 92:
		return g.cmd("OBJECT", g.word("FREQ"), key)
	case x < 95:
		return g.cmd("OBJECT", "HELP")
	}
	return g.cmd("OBJECT", oneOf(g, []string{"ENCODING"}, []string{"FOO", key}, []string{"REFCOUNT", key, key}, []string{"HELP", key})...)
}

// dumpCompare sends DUMP to both. Payloads must be byte-identical except
// where Redis keeps an order of its own (a hashtable set or hash) or a
// list in several quicklist nodes, whose boundaries depend on history;
// there the payload is checked by restoring it on Redis.
func (d *differ) dumpCompare() {
	key := oneOf(d.g, dumpTargets...)
	argv := []string{d.g.name("DUMP"), key}
	enc := d.only(d.redis, "OBJECT", "ENCODING", key)
	a, b := d.both(argv)
	comparable := !(enc.isBulk() && enc.str == "hashtable") &&
		!(a.isBulk() && len(a.str) > 1 && a.str[0] == 18 && a.str[1] != 1)
	if comparable || !a.isBulk() || !b.isBulk() {
		if !equalReply(a, b) {
			d.mismatchReplies(fmtArgs(argv), a, b, "")
		}
		return
	}
	d.checkOnRedis(key, b.str)
}

// checkOnRedis restores respraft's payload on Redis under a scratch key
// and compares that value with Redis's own key's.
func (d *differ) checkOnRedis(key, payload string) {
	const scratch = "dump-scratch"
	if v := d.only(d.redis, "RESTORE", scratch, "0", payload, "REPLACE"); v.kind != '+' {
		d.mismatch("RESTORE of respraft's DUMP %s on redis: %s", key, v)
		return
	}
	defer d.only(d.redis, "DEL", scratch)
	for _, read := range valueReads(d.only(d.redis, "TYPE", key).str) {
		a := d.only(d.redis, append([]string{read.args[0], key}, read.args[1:]...)...)
		b := d.only(d.redis, append([]string{read.args[0], scratch}, read.args[1:]...)...)
		if ok, how := compareReplies(read, a, b, true); !ok {
			d.mismatchReplies("redis's "+key+" and respraft's DUMP of it restored on redis, "+read.args[0], a, b, how)
		}
	}
}

// valueReads are the reads that show a value of each type; args[0] is the
// command, the key goes after it.
func valueReads(typ string) []step {
	switch typ {
	case "string":
		return []step{{args: []string{"GET"}}}
	case "list":
		return []step{{args: []string{"LRANGE", "0", "-1"}}}
	case "set":
		return []step{{args: []string{"SMEMBERS"}, mode: cmpUnordered}}
	case "hash":
		return []step{{args: []string{"HGETALL"}, mode: cmpHashPairs}}
	}
	return nil
}

// restoreFromRedis DUMPs a key on Redis and RESTOREs the payload (or a
// damaged copy) on both, then compares the target on both.
func (d *differ) restoreFromRedis() {
	g := d.g
	src := oneOf(g, dumpTargets...)
	p := d.only(d.redis, "DUMP", src)
	payload := "\x00\x05hello\n\x00cr\xdfve4 \n" // redis's DUMP of "hello"
	if p.isBulk() {
		payload = p.str
	}
	switch x := g.n(100); {
	case x < 4:
		payload = payload[:len(payload)-1-g.n(len(payload)-1)]
	case x < 8:
		i := g.n(len(payload))
		payload = payload[:i] + string(payload[i]^byte(1+g.n(255))) + payload[i+1:]
	case x < 10:
		payload = oneOf(g, "", "garbage", "\x00\x05hello\x0b\x00cr\xdfve4 \n")
	}
	target := oneOf(g, src, oneOf(g, dumpTargets...), "r1", "r2")
	ttl := "0"
	var opts [][]string
	abs := false
	switch x := g.n(100); {
	case x < 25:
		ttl = g.relMs()
	case x < 40:
		ttl, abs = g.absMs(), true
	case x < 45:
		ttl, abs = oneOf(g, "1", strconv.FormatInt((g.base-1000)*1000, 10)), true // in the past
	case x < 48:
		ttl = oneOf(g, "-1", "abc", "1.5")
	}
	if abs {
		opts = append(opts, []string{g.word("ABSTTL")})
	}
	if g.p(0.5) {
		opts = append(opts, []string{g.word("REPLACE")})
	}
	switch x := g.n(100); {
	case x < 10:
		opts = append(opts, []string{g.word("IDLETIME"), oneOf(g, "0", "10", "1000")})
	case x < 18:
		opts = append(opts, []string{g.word("FREQ"), oneOf(g, "0", "5", "255")})
	case x < 22:
		opts = append(opts, oneOf(g, []string{"IDLETIME", "-1"}, []string{"FREQ", "256"}, []string{"FREQ", "abc"},
			[]string{"IDLETIME"}, []string{"FOO"}, []string{"IDLETIME", "1", "FREQ", "1"}))
	}
	shuffle(g, opts)
	argv := flatten([]string{g.name("RESTORE"), target, ttl, payload}, opts)
	a, b := d.both(argv)
	if !equalReply(a, b) {
		d.mismatchReplies(fmtArgs(argv), a, b, "")
	}
	d.compareKey(target)
}

// compareKey compares a key's type, value and TTL on both servers.
func (d *differ) compareKey(key string) {
	ta, tb := d.only(d.redis, "TYPE", key), d.only(d.rr, "TYPE", key)
	if !equalReply(ta, tb) {
		d.mismatchReplies("TYPE "+key, ta, tb, "")
		return
	}
	for _, read := range append(valueReads(ta.str), step{args: []string{"PTTL"}, mode: cmpTolMillis}) {
		argv := append([]string{read.args[0], key}, read.args[1:]...)
		hashtable := read.mode == cmpHashPairs && d.redisHashtable(key)
		a, b := d.only(d.redis, argv...), d.only(d.rr, argv...)
		if ok, how := compareReplies(read, a, b, hashtable); !ok {
			d.mismatchReplies(fmtArgs(argv), a, b, how)
		}
	}
}

// restoreIntoRedis DUMPs a key on respraft and checks that Redis loads
// the payload into the same value.
func (d *differ) restoreIntoRedis() {
	key := oneOf(d.g, dumpTargets...)
	argv := []string{"DUMP", key}
	d.sent++
	d.counts["DUMP"]++
	d.hist = append(d.hist, "        [respraft, then RESTORE on redis] "+fmtArgs(argv))
	b := d.do(d.rr, argv)
	if !b.isBulk() {
		if a := d.only(d.redis, "EXISTS", key); a.num != 0 {
			d.mismatch("DUMP %s on respraft replied %s, but the key exists on redis", key, b)
		}
		return
	}
	d.checkOnRedis(key, b.str)
}

// memoryUsage: MEMORY USAGE's figures are not comparable, only whether
// the reply is an integer, a nil or the same error.
func (d *differ) memoryUsage() {
	g := d.g
	argv := []string{g.name("MEMORY"), g.word("USAGE"), oneOf(g, dumpTargets...)}
	switch x := g.n(100); {
	case x < 30:
		argv = append(argv, g.word("SAMPLES"), oneOf(g, "0", "5", "100"))
	case x < 36:
		argv = append(argv, oneOf(g, []string{"SAMPLES"}, []string{"SAMPLES", "-1"}, []string{"SAMPLES", "x"}, []string{"FOO"})...)
	}
	a, b := d.both(argv)
	if a.kind == ':' && b.kind == ':' {
		return
	}
	if !equalReply(a, b) {
		d.mismatchReplies(fmtArgs(argv), a, b, " (compared by kind: integers of any value are equal)")
	}
}
