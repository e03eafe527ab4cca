package main

import (
	"math"
	"slices"
	"strconv"
	"strings"
)

// The dump family: DUMP and RESTORE in both directions between
// redis-server and respraft, TOUCH, OBJECT and MEMORY USAGE, over values
// built by the string, list, set and hash writers of diffGens and by ZADD,
// ZREM and ZREMRANGEBYRANK on the sorted-set keys dz1..dz3.
//
// The sorted sets are built to cross both listpack limits: ZADD sometimes
// adds up to 150 members at once and sometimes a member of 65 to 70
// bytes (64 is the limit), and ZREM, ZREMRANGEBYRANK and DEL shrink them
// again (a skiplist of few members stays one, in both, until a RESTORE). Scores come from a pool of
// integers, decimals, -0, inf/-inf, integral values around 2^62 (where
// the listpack stops storing integers) and beyond 2^53, and 1e20.
//
// The writers include those after which Redis's encoding depends on the
// command and not only on the value (fsm/t_string.go, fsm/t_set.go):
// APPEND and SETRANGE leave "raw" strings, INCRBYFLOAT never "int" ones,
// and SREM, SPOP and SMOVE leave a hashtable set one.
var dumpFamilyWriters = []string{
	"SET", "SETNX", "SETEX", "PSETEX", "GETSET", "MSET", "MSETNX", "INCR", "DECR", "INCRBY", "DECRBY",
	"INCRBYFLOAT", "APPEND", "SETRANGE",
	"LPUSH", "RPUSH", "LPOP", "RPOP", "LSET", "LINSERT", "LREM", "LTRIM", "LMOVE",
	"SADD", "SREM", "SPOP", "SMOVE", "SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE",
	"HSET", "HSETNX", "HMSET", "HDEL", "HINCRBY", "HINCRBYFLOAT",
	"DEL", "EXPIRE", "RENAME",
}

// The pseudo-commands in parentheses count the sorted-set payloads of
// each encoding that were compared (DUMP) or restored from Redis
// (RESTORE), so that a full run fails if it never produced one.
var dumpFamilyCommands = append([]string{"DUMP", "RESTORE", "TOUCH", "OBJECT", "MEMORY", "ZADD", "ZREM", "ZREMRANGEBYRANK",
	"DUMP(zset listpack)", "DUMP(zset skiplist)", "RESTORE(zset listpack)", "RESTORE(zset skiplist)"}, dumpFamilyWriters...)

// dumpKey is a key to DUMP, RESTORE from or inspect: a sorted set more
// often than its share of dumpTargets, which the other types outnumber.
func dumpKey(g *gen) string {
	if g.p(0.25) {
		return oneOf(g, dumpZsetKeys...)
	}
	return oneOf(g, dumpTargets...)
}

// countZsetPayload counts a sorted-set payload under what's pseudo-command.
func (d *differ) countZsetPayload(what, payload string) {
	switch {
	case len(payload) == 0:
	case payload[0] == 17:
		d.counts[what+"(zset listpack)"]++
	case payload[0] == 5:
		d.counts[what+"(zset skiplist)"]++
	}
}

var (
	dumpZsetKeys   = []string{"dz1", "dz2", "dz3"}
	dumpZsetScores = []string{"1", "2", "0", "-1", "-0", "1.5", "0.1", "-2.5e-3", "3.0", "100", "-7",
		"inf", "-inf", "+inf", "1e20", "4611686018427387904", "4611686018427387903", "-4611686018427387904",
		"4611686018427388000", "9007199254740993", "123456789012345678", "1e-300", "-1e300"}
)

// dumpTargets are where RESTORE writes: the family keys, the sorted sets
// and two of its own.
var dumpTargets = slices.Concat(allKeys, dumpZsetKeys, []string{"r1", "r2"})

func init() {
	diffFamilies = append(diffFamilies, diffFamily{
		name: "dump",
		keys: append([]string{"r1", "r2"}, dumpZsetKeys...),
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
				genEntry{name: "OBJECT IDLETIME", weight: 4, special: (*differ).objectIdletime},
				genEntry{name: "MEMORY", weight: 8, special: (*differ).memoryUsage},
				genEntry{name: "ZADD", weight: 30, simple: genDumpZadd},
				genEntry{name: "ZREM", weight: 8, simple: genDumpZrem},
				genEntry{name: "ZREMRANGEBYRANK", weight: 3, simple: genDumpZremrange},
				genEntry{name: "DEL dz", weight: 2, simple: func(g *gen) step { return g.cmd("DEL", oneOf(g, dumpZsetKeys...)) }},
			)
		},
		commands: dumpFamilyCommands,
	})
}

// dumpZmember is a short member (an integer one, stored as an integer in
// a listpack, or text), now and then one just at or over the 64-byte
// listpack limit.
func dumpZmember(g *gen) string {
	switch x := g.n(1000); {
	case x < 6:
		return strings.Repeat("L", 65+g.n(6))
	case x < 12:
		return strings.Repeat("M", 64)
	case x < 300:
		return strconv.Itoa(g.n(200))
	}
	return "m" + strconv.Itoa(g.n(200))
}

// ZADD key score member [score member ...], on a dz key (or now and then
// another, for WRONGTYPE): a few members, sometimes enough to pass 128.
func genDumpZadd(g *gen) step {
	n := 1 + g.n(6)
	if g.p(0.12) {
		n = 20 + g.n(130)
	}
	args := []string{g.key(dumpZsetKeys)}
	for i := 0; i < n; i++ {
		args = append(args, oneOf(g, dumpZsetScores...), dumpZmember(g))
	}
	return g.cmd("ZADD", args...)
}

// ZREM key member [member ...]: a few members, sometimes many, often
// the long ones, so that a skiplist comes back under both limits (and a
// RESTORE makes it a listpack again).
func genDumpZrem(g *gen) step {
	n := 1 + g.n(4)
	if g.p(0.15) {
		n = 20 + g.n(120)
	}
	args := []string{g.key(dumpZsetKeys)}
	for i := 0; i < n; i++ {
		m := dumpZmember(g)
		if g.p(0.2) {
			m = strings.Repeat("L", 65+g.n(6))
		}
		args = append(args, m)
	}
	return g.cmd("ZREM", args...)
}

// ZREMRANGEBYRANK key start stop: cuts a big sorted set down to a few
// members at once.
func genDumpZremrange(g *gen) step {
	start := oneOf(g, "0", "1", "5", "-100", "-50")
	stop := oneOf(g, "-1", "-2", "-5", "100", "150")
	return g.cmd("ZREMRANGEBYRANK", g.key(dumpZsetKeys), start, stop)
}

// genObject: OBJECT ENCODING, REFCOUNT and FREQ compare exactly (FREQ is
// an error under the default policy), as do the argument errors. IDLETIME
// is objectIdletime's.
func genObject(g *gen) step {
	key := dumpKey(g)
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
	key := dumpKey(d.g)
	argv := []string{d.g.name("DUMP"), key}
	enc := d.only(d.redis, "OBJECT", "ENCODING", key)
	a, b := d.both(argv)
	d.countZsetPayload("DUMP", a.str)
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
// and compares that value with Redis's own key's. A sorted set is
// compared, encoding included, with Redis's own DUMP of the key restored
// beside it: RESTORE may turn a small skiplist into a listpack (and its
// -0 scores into 0) on Redis too.
func (d *differ) checkOnRedis(key, payload string) {
	const scratch = "dump-scratch"
	if v := d.only(d.redis, "RESTORE", scratch, "0", payload, "REPLACE"); v.kind != '+' {
		d.mismatch("RESTORE of respraft's DUMP %s on redis: %s", key, v)
		return
	}
	defer d.only(d.redis, "DEL", scratch)
	typ := d.only(d.redis, "TYPE", key).str
	if typ == "zset" {
		const own = "dump-scratch-redis"
		if v := d.only(d.redis, "RESTORE", own, "0", d.only(d.redis, "DUMP", key).str, "REPLACE"); v.kind != '+' {
			d.mismatch("RESTORE of redis's own DUMP %s on redis: %s", key, v)
			return
		}
		defer d.only(d.redis, "DEL", own)
		key = own
	}
	for _, read := range valueReads(typ) {
		a := d.only(d.redis, readArgv(read, key)...)
		b := d.only(d.redis, readArgv(read, scratch)...)
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
	case "zset":
		// The scores' text shows -0 (kept only by a skiplist), and
		// OBJECT ENCODING the listpack/skiplist choice.
		return []step{{args: []string{"ZRANGE", "0", "-1", "WITHSCORES"}}, {args: []string{"OBJECT", "ENCODING"}}}
	}
	return nil
}

// readArgv is a value read of key: the command, the key, the rest
// (OBJECT ENCODING takes the key last).
func readArgv(read step, key string) []string {
	if read.args[0] == "OBJECT" {
		return append(slices.Clone(read.args), key)
	}
	return append([]string{read.args[0], key}, read.args[1:]...)
}

// restoreFromRedis DUMPs a key on Redis and RESTOREs the payload (or a
// damaged copy) on both, then compares the target on both.
func (d *differ) restoreFromRedis() {
	g := d.g
	src := dumpKey(g)
	p := d.only(d.redis, "DUMP", src)
	payload := "\x00\x05hello\n\x00cr\xdfve4 \n" // redis's DUMP of "hello"
	if p.isBulk() {
		payload = p.str
		d.countZsetPayload("RESTORE", payload)
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
	d.compareIdletime(target, " after "+fmtArgs(argv)) // before compareKey's reads touch it
	d.compareKey(target)
}

// objectIdletime sends OBJECT IDLETIME (which touches nothing) for a key.
func (d *differ) objectIdletime() { d.compareIdletime(dumpKey(d.g), "") }

// compareIdletime compares OBJECT IDLETIME of key within a second, except
// for Redis's shared integers (0..9999): their idle time is that of the
// one object every key holding that number shares, which respraft does
// not model (each key has its own).
func (d *differ) compareIdletime(key, after string) {
	shared := d.only(d.redis, "OBJECT", "REFCOUNT", key)
	if shared.kind == ':' && shared.num == math.MaxInt32 {
		return
	}
	argv := []string{d.g.name("OBJECT"), d.g.word("IDLETIME"), key}
	a, b := d.both(argv)
	if ok, how := compareReplies(step{mode: cmpTolSeconds}, a, b, true); !ok {
		d.mismatchReplies(fmtArgs(argv)+after, a, b, how)
	}
}

// compareKey compares a key's type, value and TTL on both servers.
func (d *differ) compareKey(key string) {
	ta, tb := d.only(d.redis, "TYPE", key), d.only(d.rr, "TYPE", key)
	if !equalReply(ta, tb) {
		d.mismatchReplies("TYPE "+key, ta, tb, "")
		return
	}
	for _, read := range append(valueReads(ta.str), step{args: []string{"PTTL"}, mode: cmpTolMillis}) {
		argv := readArgv(read, key)
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
	key := dumpKey(d.g)
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
	argv := []string{g.name("MEMORY"), g.word("USAGE"), dumpKey(g)}
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
