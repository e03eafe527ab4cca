package fsm

import (
	"math"
	"sort"
	"strings"
)

// Sorted-set commands (Redis's "sorted-set" group), without the blocking
// ones.
//
// Argument errors are found in the check phase wherever Redis finds them
// before looking at a key. ZUNION, ZINTER, ZDIFF, their STORE forms and
// ZINTERCARD are the exception, as in Redis 7.0: they look their keys up
// (WRONGTYPE first) before they parse WEIGHTS, AGGREGATE, WITHSCORES and
// LIMIT, so only numkeys is checked before proposing, and a STORE entry
// with a bad option can reach the log, where it changes nothing.
//
// A key is stamped with a new version (WATCH fires) exactly when Redis
// signals it: ZADD/ZINCRBY only when a member is added or its score
// changes, ZREM/ZREMRANGEBY*/ZPOP*/ZMPOP only when something is removed,
// the STORE commands whenever they write the destination or delete an
// existing one.
func init() {
	register([]Command{
		{Name: "zadd", Syntax: "key [NX | XX] [GT | LT] [CH:change] [INCR:increment] score:double member [score:double member ...]", Arity: -4, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted-set", Summary: "Adds members to a sorted set, or updates their scores; creates the set if needed.", Fn: cmdZAdd},
		{Name: "zincrby", Syntax: "key increment:integer member", Arity: 4, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted-set", Summary: "Increments the score of a member of a sorted set.", Fn: cmdZIncrBy},
		{Name: "zrem", Syntax: "key member [member ...]", Arity: -3, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted-set", Summary: "Removes members from a sorted set, and the set once it is empty.", Fn: cmdZRem},
		{Name: "zscore", Syntax: "key member", Arity: 3, Flags: FlagReadOnly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted-set", Summary: "Returns the score of a member of a sorted set.", Fn: cmdZScore},
		{Name: "zmscore", Syntax: "key member [member ...]", Arity: -3, Flags: FlagReadOnly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted-set", Summary: "Returns the scores of several members of a sorted set.", Fn: cmdZMScore},
		{Name: "zcard", Syntax: "key", Arity: 2, Flags: FlagReadOnly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted-set", Summary: "Returns the number of members of a sorted set.", Fn: cmdZCard},
		{Name: "zcount", Syntax: "key min:double max:double", Arity: 4, Flags: FlagReadOnly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted-set", Summary: "Counts the members of a sorted set within a range of scores.", Fn: cmdZCount},
		{Name: "zlexcount", Syntax: "key min max", Arity: 4, Flags: FlagReadOnly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted-set", Summary: "Counts the members of a sorted set within a lexicographical range.", Fn: cmdZLexCount},
		{Name: "zrange", Syntax: "key start:string stop:string [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]", Arity: -4, Flags: FlagReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted-set", Summary: "Returns members of a sorted set within a range of indexes, scores or strings.", Fn: cmdZRange},
		{Name: "zrangestore", Syntax: "dst:key src:key min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]", Arity: -5, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 2, Step: 1, Group: "sorted-set", Summary: "Stores a range of members of a sorted set in a key.", Fn: cmdZRangeStore},
		{Name: "zrevrange", Syntax: "key start stop:integer [WITHSCORES]", Arity: -4, Flags: FlagReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted-set", Summary: "Returns members of a sorted set within a range of indexes, highest score first.", Fn: cmdZRevRange},
		{Name: "zrangebyscore", Syntax: "key min:double max:double [WITHSCORES] [LIMIT offset count]", Arity: -4, Flags: FlagReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted-set", Summary: "Returns members of a sorted set within a range of scores.", Fn: cmdZRangeByScore},
		{Name: "zrevrangebyscore", Syntax: "key max:double min:double [WITHSCORES] [LIMIT offset count]", Arity: -4, Flags: FlagReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted-set", Summary: "Returns members of a sorted set within a range of scores, highest first.", Fn: cmdZRevRangeByScore},
		{Name: "zrangebylex", Syntax: "key min max [LIMIT offset count]", Arity: -4, Flags: FlagReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted-set", Summary: "Returns members of a sorted set within a lexicographical range.", Fn: cmdZRangeByLex},
		{Name: "zrevrangebylex", Syntax: "key max min [LIMIT offset count]", Arity: -4, Flags: FlagReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted-set", Summary: "Returns members of a sorted set within a lexicographical range, in reverse.", Fn: cmdZRevRangeByLex},
		{Name: "zrank", Syntax: "key member", Arity: 3, Flags: FlagReadOnly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted-set", Summary: "Returns the index of a member in a sorted set, by ascending score.", Fn: cmdZRank},
		{Name: "zrevrank", Syntax: "key member", Arity: 3, Flags: FlagReadOnly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted-set", Summary: "Returns the index of a member in a sorted set, by descending score.", Fn: cmdZRevRank},
		{Name: "zremrangebyrank", Syntax: "key start stop:integer", Arity: 4, Flags: FlagWrite, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted-set", Summary: "Removes the members of a sorted set within a range of indexes.", Fn: cmdZRemRangeByRank},
		{Name: "zremrangebyscore", Syntax: "key min:double max:double", Arity: 4, Flags: FlagWrite, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted-set", Summary: "Removes the members of a sorted set within a range of scores.", Fn: cmdZRemRangeByScore},
		{Name: "zremrangebylex", Syntax: "key min max", Arity: 4, Flags: FlagWrite, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted-set", Summary: "Removes the members of a sorted set within a lexicographical range.", Fn: cmdZRemRangeByLex},
		{Name: "zpopmin", Syntax: "key [count]", Arity: -2, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted-set", Summary: "Removes and returns the members with the lowest scores.", Fn: cmdZPopMin},
		{Name: "zpopmax", Syntax: "key [count]", Arity: -2, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted-set", Summary: "Removes and returns the members with the highest scores.", Fn: cmdZPopMax},
		// Redis 7.0 reports 0,0,0 (and the movablekeys flag) for the
		// commands whose keys follow numkeys.
		{Name: "zmpop", Syntax: "numkeys key [key ...] <MIN | MAX> [COUNT count]", Arity: -4, Flags: FlagWrite, FirstKey: 0, LastKey: 0, Step: 0, Group: "sorted-set", Summary: "Pops members with the lowest or highest scores from the first non-empty sorted set.", Fn: cmdZMPop},
		{Name: "zunion", Syntax: "numkeys key [key ...] [WEIGHTS weight:integer [weight:integer ...]] [AGGREGATE <SUM | MIN | MAX>] [WITHSCORES]", Arity: -3, Flags: FlagReadOnly, FirstKey: 0, LastKey: 0, Step: 0, Group: "sorted-set", Summary: "Returns the union of sorted sets (and sets).", Fn: cmdZUnion},
		{Name: "zinter", Syntax: "numkeys key [key ...] [WEIGHTS weight:integer [weight:integer ...]] [AGGREGATE <SUM | MIN | MAX>] [WITHSCORES]", Arity: -3, Flags: FlagReadOnly, FirstKey: 0, LastKey: 0, Step: 0, Group: "sorted-set", Summary: "Returns the intersection of sorted sets (and sets).", Fn: cmdZInter},
		{Name: "zdiff", Syntax: "numkeys key [key ...] [WITHSCORES]", Arity: -3, Flags: FlagReadOnly, FirstKey: 0, LastKey: 0, Step: 0, Group: "sorted-set", Summary: "Returns the members of the first sorted set that are in none of the others.", Fn: cmdZDiff},
		{Name: "zunionstore", Syntax: "destination numkeys key [key ...] [WEIGHTS weight:integer [weight:integer ...]] [AGGREGATE <SUM | MIN | MAX>]", Arity: -4, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted-set", Summary: "Stores the union of sorted sets (and sets) in a key.", Fn: cmdZUnionStore},
		{Name: "zinterstore", Syntax: "destination numkeys key [key ...] [WEIGHTS weight:integer [weight:integer ...]] [AGGREGATE <SUM | MIN | MAX>]", Arity: -4, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted-set", Summary: "Stores the intersection of sorted sets (and sets) in a key.", Fn: cmdZInterStore},
		{Name: "zdiffstore", Syntax: "destination numkeys key [key ...]", Arity: -4, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted-set", Summary: "Stores the difference of sorted sets in a key.", Fn: cmdZDiffStore},
		{Name: "zintercard", Syntax: "numkeys key [key ...] [LIMIT limit]", Arity: -3, Flags: FlagReadOnly, FirstKey: 0, LastKey: 0, Step: 0, Group: "sorted-set", Summary: "Returns the number of members in the intersection of sorted sets, up to a limit.", Fn: cmdZInterCard},
		{Name: "zrandmember", Syntax: "key [count [WITHSCORES]]", Arity: -2, Flags: FlagReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted-set", Summary: "Returns random members of a sorted set, optionally with their scores.", Fn: cmdZRandMember},
		{Name: "zscan", Syntax: "key cursor [MATCH pattern] [COUNT count]", Arity: -3, Flags: FlagReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: "sorted-set", Summary: "Iterates over the members and scores of a sorted set.", Fn: cmdZScan},
	})
}

const (
	errZAddXXNX     = "ERR XX and NX options at the same time are not compatible"
	errZAddGTLTNX   = "ERR GT, LT, and/or NX options at the same time are not compatible"
	errZAddIncrPair = "ERR INCR option supports a single increment-element pair"
	errZScoreNaN    = "ERR resulting score is not a number (NaN)"
	errZLimitRank   = "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
	errZWithLex     = "ERR syntax error, WITHSCORES not supported in combination with BYLEX"
	errZWeight      = "ERR weight value is not a float"
	errZLimitNeg    = "ERR LIMIT can't be negative"
)

// zsetFor returns the sorted set at key ready to be changed in place,
// creating an empty one if the key is absent; ok is false (WRONGTYPE
// appended) if the key holds another type. Only for write handlers past
// Checking(); the caller must leave the set non-empty.
func zsetFor(c *Ctx, key []byte) (*zsetValue, bool) {
	z, ok := mutableType[*zsetValue](c, key)
	if !ok {
		return nil, false
	}
	if z == nil {
		z = newZset()
		c.setValue(string(key), z)
	}
	return z, true
}

// scoreReply appends a score as a bulk string, as addReplyDouble does.
func (c *Ctx) scoreReply(f float64) {
	var tmp [32]byte
	c.Bulk(appendScore(tmp[:0], f))
}

// zaddFlags are ZADD's options.
type zaddFlags struct {
	nx, xx, gt, lt, ch, incr bool
}

type zaddPair struct {
	score  float64
	member []byte
}

// parseZAdd parses ZADD key [options] score member ... (and ZINCRBY, which
// is ZADD INCR and parses options the same way), in Redis's order of
// checks, all before the key is looked at.
func parseZAdd(argv [][]byte, incr bool) (zaddFlags, []zaddPair, string) {
	f := zaddFlags{incr: incr}
	i := 2
options:
	for ; i < len(argv); i++ {
		switch {
		case eqFold(argv[i], "nx"):
			f.nx = true
		case eqFold(argv[i], "xx"):
			f.xx = true
		case eqFold(argv[i], "ch"):
			f.ch = true
		case eqFold(argv[i], "incr"):
			f.incr = true
		case eqFold(argv[i], "gt"):
			f.gt = true
		case eqFold(argv[i], "lt"):
			f.lt = true
		default:
			break options
		}
	}
	elements := len(argv) - i
	switch {
	case elements == 0 || elements%2 != 0:
		return f, nil, ErrSyntax
	case f.nx && f.xx:
		return f, nil, errZAddXXNX
	case (f.gt && f.nx) || (f.lt && f.nx) || (f.gt && f.lt):
		return f, nil, errZAddGTLTNX
	case f.incr && elements > 2:
		return f, nil, errZAddIncrPair
	}
	pairs := make([]zaddPair, 0, elements/2)
	for ; i < len(argv); i += 2 {
		s, ok := parseScore(argv[i])
		if !ok {
			return f, nil, ErrNotFloat
		}
		pairs = append(pairs, zaddPair{score: s, member: argv[i+1]})
	}
	return f, pairs, ""
}

// zaddOutcome is what zsetAdd would do with one pair against z (nil:
// empty): the resulting score, and whether the member is added, has its
// score changed, is left alone (nop) or would get a NaN score.
type zaddOutcome struct {
	score               float64
	added, updated, nop bool
	nan                 bool
}

func (f zaddFlags) outcome(z *zsetValue, p zaddPair) zaddOutcome {
	score := p.score
	cur, exists := z.Score(string(p.member))
	if !exists {
		if f.xx {
			return zaddOutcome{nop: true}
		}
		return zaddOutcome{score: score, added: true}
	}
	if f.nx {
		return zaddOutcome{nop: true}
	}
	if f.incr {
		score += cur
		if math.IsNaN(score) {
			return zaddOutcome{nan: true}
		}
	}
	if (f.lt && score >= cur) || (f.gt && score <= cur) {
		return zaddOutcome{nop: true}
	}
	return zaddOutcome{score: score, updated: score != cur}
}

// ZADD key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]
func cmdZAdd(c *Ctx, argv [][]byte) { zaddGeneric(c, argv, false) }

// ZINCRBY key increment member
func cmdZIncrBy(c *Ctx, argv [][]byte) { zaddGeneric(c, argv, true) }

func zaddGeneric(c *Ctx, argv [][]byte, incr bool) {
	f, pairs, msg := parseZAdd(argv, incr)
	if msg != "" {
		c.Error(msg)
		return
	}
	if c.Checking() {
		return
	}
	z, ok := lookupType[*zsetValue](c, argv[1])
	if !ok {
		return
	}
	if z == nil && f.xx {
		zaddReply(c, f, 0, 0, false, 0)
		return
	}
	// Evaluated against the set as it is, a pair changes something iff
	// applying the pairs in order does (each pair before the first
	// changing one meets the unchanged set), so the key is only made
	// mutable, and stamped, when Redis would signal it.
	changes := z == nil
	for _, p := range pairs {
		o := f.outcome(z, p)
		if o.nan {
			c.Error(errZScoreNaN) // only with INCR, whose pair is the only one
			return
		}
		if o.added || o.updated {
			changes = true
		}
	}
	if !changes {
		o := f.outcome(z, pairs[len(pairs)-1])
		zaddReply(c, f, 0, 0, !o.nop, o.score)
		return
	}
	z, _ = zsetFor(c, argv[1])
	var added, updated int
	processed := false
	var last float64
	for _, p := range pairs {
		o := f.outcome(z, p)
		if o.added || o.updated {
			z.Set(string(p.member), o.score)
		}
		if o.added {
			added++
		}
		if o.updated {
			updated++
		}
		if !o.nop {
			processed = true
			last = o.score
		}
	}
	zaddReply(c, f, added, updated, processed, last)
}

// zaddReply is ZADD's reply: the score (nil when nothing was done) with
// INCR, else the number added (and changed, with CH).
func zaddReply(c *Ctx, f zaddFlags, added, updated int, processed bool, score float64) {
	switch {
	case f.incr && processed:
		c.scoreReply(score)
	case f.incr:
		c.Null()
	case f.ch:
		c.Int(int64(added + updated))
	default:
		c.Int(int64(added))
	}
}

// ZREM key member [member ...]
func cmdZRem(c *Ctx, argv [][]byte) {
	if c.Checking() {
		return
	}
	z, ok := lookupType[*zsetValue](c, argv[1])
	if !ok {
		return
	}
	hasAny := false
	for _, m := range argv[2:] {
		if _, found := z.Score(string(m)); found {
			hasAny = true
			break
		}
	}
	if !hasAny {
		c.Int(0)
		return
	}
	z, _ = mutableType[*zsetValue](c, argv[1])
	removed := 0
	for _, m := range argv[2:] {
		if z.Remove(string(m)) {
			removed++
		}
	}
	c.deleteIfEmpty(argv[1], z.Len())
	c.Int(int64(removed))
}

// ZSCORE key member
func cmdZScore(c *Ctx, argv [][]byte) {
	if c.Checking() {
		return
	}
	z, ok := lookupType[*zsetValue](c, argv[1])
	if !ok {
		return
	}
	if s, found := z.Score(string(argv[2])); found {
		c.scoreReply(s)
		return
	}
	c.Null()
}

// ZMSCORE key member [member ...]
func cmdZMScore(c *Ctx, argv [][]byte) { memberScores(c, argv, c.scoreReply, c.Null) }

// memberScores replies an array with an element per member in argv[2:] of
// the sorted set at argv[1]: found(score) for a member, missing() for
// anything else (ZMSCORE, GEOHASH, GEOPOS).
func memberScores(c *Ctx, argv [][]byte, found func(score float64), missing func()) {
	if c.Checking() {
		return
	}
	z, ok := lookupType[*zsetValue](c, argv[1])
	if !ok {
		return
	}
	c.Array(len(argv) - 2)
	for _, m := range argv[2:] {
		if s, in := z.Score(string(m)); in {
			found(s)
		} else {
			missing()
		}
	}
}

// ZCARD key
func cmdZCard(c *Ctx, argv [][]byte) {
	if c.Checking() {
		return
	}
	z, ok := lookupType[*zsetValue](c, argv[1])
	if !ok {
		return
	}
	c.Int(int64(z.Len()))
}

// ZCOUNT key min max
func cmdZCount(c *Ctx, argv [][]byte) {
	r, valid := parseScoreRange(argv[2], argv[3])
	if !valid {
		c.Error(errMinMaxFloat)
		return
	}
	zcountSpan(c, argv[1], r.span)
}

// ZLEXCOUNT key min max
func cmdZLexCount(c *Ctx, argv [][]byte) {
	r, valid := parseLexRange(argv[2], argv[3])
	if !valid {
		c.Error(errMinMaxLex)
		return
	}
	zcountSpan(c, argv[1], r.forwardSpan)
}

// zcountSpan replies how many members of the sorted set at key lie in
// the ranks span returns (0 for an absent key).
func zcountSpan(c *Ctx, key []byte, span func(*zsetValue) (lo, hi int)) {
	if c.Checking() {
		return
	}
	z, ok := lookupType[*zsetValue](c, key)
	if !ok {
		return
	}
	if z == nil {
		c.Int(0)
		return
	}
	lo, hi := span(z)
	c.Int(int64(hi - lo))
}

// ZRANK key member
func cmdZRank(c *Ctx, argv [][]byte) { zrankGeneric(c, argv, false) }

// ZREVRANK key member
func cmdZRevRank(c *Ctx, argv [][]byte) { zrankGeneric(c, argv, true) }

func zrankGeneric(c *Ctx, argv [][]byte, reverse bool) {
	if c.Checking() {
		return
	}
	z, ok := lookupType[*zsetValue](c, argv[1])
	if !ok {
		return
	}
	r, found := z.Rank(string(argv[2]))
	if !found {
		c.Null()
		return
	}
	if reverse {
		r = z.Len() - 1 - r
	}
	c.Int(int64(r))
}

// zrangeKind is how a ZRANGE reads its min and max.
type zrangeKind int

const (
	zrangeAuto zrangeKind = iota // ZRANGE and ZRANGESTORE: decided by BYSCORE/BYLEX, else rank
	zrangeRank
	zrangeScore
	zrangeLex
)

// zrangeDir is the direction of a ZRANGE.
type zrangeDir int

const (
	zrangeDirAuto zrangeDir = iota // decided by REV
	zrangeForward
	zrangeReverse
)

// zrangeSpec is a parsed ZRANGE-family command.
type zrangeSpec struct {
	kind          zrangeKind
	reverse       bool
	withScores    bool
	offset, limit int64 // limit -1: none
	start, stop   int64
	score         scoreRange
	lex           lexRange
}

// parseZRange parses the family as Redis's zrangeGenericCommand: the
// options after key min max, then conflicts, then the range itself. at is
// the index of the source key.
func parseZRange(argv [][]byte, at int, store bool, kind zrangeKind, dir zrangeDir) (zrangeSpec, string) {
	sp := zrangeSpec{limit: -1}
	for j := at + 3; j < len(argv); j++ {
		left := len(argv) - j - 1
		switch {
		case !store && eqFold(argv[j], "withscores"):
			sp.withScores = true
		case eqFold(argv[j], "limit") && left >= 2:
			off, ok1 := parseInt(argv[j+1])
			lim, ok2 := parseInt(argv[j+2])
			if !ok1 || !ok2 {
				return sp, ErrNotInteger
			}
			sp.offset, sp.limit = off, lim
			j += 2
		case dir == zrangeDirAuto && eqFold(argv[j], "rev"):
			dir = zrangeReverse
		case kind == zrangeAuto && eqFold(argv[j], "bylex"):
			kind = zrangeLex
		case kind == zrangeAuto && eqFold(argv[j], "byscore"):
			kind = zrangeScore
		default:
			return sp, ErrSyntax
		}
	}
	if kind == zrangeAuto {
		kind = zrangeRank
	}
	sp.kind, sp.reverse = kind, dir == zrangeReverse
	// LIMIT 0 -1 is no LIMIT at all to Redis, so it passes.
	if sp.limit != -1 && kind == zrangeRank {
		return sp, errZLimitRank
	}
	if sp.withScores && kind == zrangeLex {
		return sp, errZWithLex
	}
	lo, hi := argv[at+1], argv[at+2]
	if sp.reverse && kind != zrangeRank {
		lo, hi = hi, lo // given as max min
	}
	var valid bool
	switch kind {
	case zrangeRank:
		var ok1, ok2 bool
		sp.start, ok1 = parseInt(lo)
		sp.stop, ok2 = parseInt(hi)
		if !ok1 || !ok2 {
			return sp, ErrNotInteger
		}
	case zrangeScore:
		if sp.score, valid = parseScoreRange(lo, hi); !valid {
			return sp, errMinMaxFloat
		}
	case zrangeLex:
		if sp.lex, valid = parseLexRange(lo, hi); !valid {
			return sp, errMinMaxLex
		}
	}
	return sp, ""
}

// items returns the members the range selects from z, in reply order.
func (sp *zrangeSpec) items(z *zsetValue) []zsetItem {
	n := z.Len()
	var out []zsetItem
	switch sp.kind {
	case zrangeRank:
		from, to, ok := listRange(sp.start, sp.stop, n)
		if !ok {
			return nil
		}
		out = make([]zsetItem, 0, to-from+1)
		if sp.reverse {
			z.descendFrom(n-1-from, func(i int, it zsetItem) bool {
				out = append(out, it)
				return len(out) < to-from+1
			})
		} else {
			z.ascendFrom(from, func(i int, it zsetItem) bool {
				out = append(out, it)
				return i < to
			})
		}
		return out
	case zrangeScore:
		lo, hi := sp.score.span(z)
		if lo == hi {
			return nil
		}
		if sp.reverse {
			return sp.walk(z, hi-1, func(it zsetItem) bool { return sp.score.gteMin(it.score) })
		}
		return sp.walk(z, lo, func(it zsetItem) bool { return sp.score.lteMax(it.score) })
	default:
		if sp.reverse {
			start := sp.lex.lastInLex(z)
			if start < 0 {
				return nil
			}
			return sp.walk(z, start, func(it zsetItem) bool { return sp.lex.gteMin(it.member) })
		}
		start := sp.lex.firstInLex(z)
		if start < 0 {
			return nil
		}
		return sp.walk(z, start, func(it zsetItem) bool { return sp.lex.lteMax(it.member) })
	}
}

// walk is Redis's loop over a score or lex range: from start, skip offset
// members whatever they are (a negative offset skips them all), then take
// up to limit (negative: no limit) members while inRange holds.
func (sp *zrangeSpec) walk(z *zsetValue, start int, inRange func(zsetItem) bool) []zsetItem {
	if sp.offset < 0 || sp.offset >= int64(z.Len()) {
		return nil
	}
	i := int64(start) + sp.offset
	if sp.reverse {
		i = int64(start) - sp.offset
	}
	var out []zsetItem
	visit := func(_ int, it zsetItem) bool {
		if sp.limit >= 0 && int64(len(out)) >= sp.limit || !inRange(it) {
			return false
		}
		out = append(out, it)
		return true
	}
	if sp.reverse {
		z.descendFrom(int(i), visit)
	} else {
		z.ascendFrom(int(min(i, int64(z.Len()))), visit)
	}
	return out
}

// ZRANGE key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]
func cmdZRange(c *Ctx, argv [][]byte) { zrangeGeneric(c, argv, 1, false, zrangeAuto, zrangeDirAuto) }

// ZRANGESTORE dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]
func cmdZRangeStore(c *Ctx, argv [][]byte) {
	zrangeGeneric(c, argv, 2, true, zrangeAuto, zrangeDirAuto)
}

// ZREVRANGE key start stop [WITHSCORES]
func cmdZRevRange(c *Ctx, argv [][]byte) { zrangeGeneric(c, argv, 1, false, zrangeRank, zrangeReverse) }

// ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]
func cmdZRangeByScore(c *Ctx, argv [][]byte) {
	zrangeGeneric(c, argv, 1, false, zrangeScore, zrangeForward)
}

// ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count]
func cmdZRevRangeByScore(c *Ctx, argv [][]byte) {
	zrangeGeneric(c, argv, 1, false, zrangeScore, zrangeReverse)
}

// ZRANGEBYLEX key min max [LIMIT offset count]
func cmdZRangeByLex(c *Ctx, argv [][]byte) {
	zrangeGeneric(c, argv, 1, false, zrangeLex, zrangeForward)
}

// ZREVRANGEBYLEX key max min [LIMIT offset count]
func cmdZRevRangeByLex(c *Ctx, argv [][]byte) {
	zrangeGeneric(c, argv, 1, false, zrangeLex, zrangeReverse)
}

func zrangeGeneric(c *Ctx, argv [][]byte, at int, store bool, kind zrangeKind, dir zrangeDir) {
	sp, msg := parseZRange(argv, at, store, kind, dir)
	if msg != "" {
		c.Error(msg)
		return
	}
	if c.Checking() {
		return
	}
	z, ok := lookupType[*zsetValue](c, argv[at])
	if !ok {
		return
	}
	var items []zsetItem
	if z != nil {
		items = sp.items(z)
	}
	if store {
		zstoreItems(c, argv[1], items, sp.kind == zrangeRank)
		return
	}
	zreplyItems(c, items, sp.withScores)
}

// zreplyItems replies members, each followed by its score if withScores.
func zreplyItems(c *Ctx, items []zsetItem, withScores bool) {
	if withScores {
		c.Array(2 * len(items))
	} else {
		c.Array(len(items))
	}
	for _, it := range items {
		c.BulkString(it.member)
		if withScores {
			c.scoreReply(it.score)
		}
	}
}

// zstoreItems is ZRANGESTORE's write: the members go into a new sorted set
// in reply order, as Redis adds them (a listpack at first, unless a rank
// range already knows it will hold more than a listpack can); an empty
// result deletes the destination.
func zstoreItems(c *Ctx, dst []byte, items []zsetItem, sized bool) {
	if len(items) == 0 {
		c.del(string(dst))
		c.Int(0)
		return
	}
	z := newZset()
	z.listpack = !sized || len(items) <= zsetMaxListpackEntries
	for _, it := range items {
		z.Set(it.member, it.score)
	}
	c.setValue(string(dst), z)
	c.Int(int64(len(items)))
}

// ZREMRANGEBYRANK key start stop
func cmdZRemRangeByRank(c *Ctx, argv [][]byte) {
	start, ok1 := parseInt(argv[2])
	stop, ok2 := parseInt(argv[3])
	if !ok1 || !ok2 {
		c.Error(ErrNotInteger)
		return
	}
	zremRange(c, argv, func(z *zsetValue) (int, int) {
		from, to, ok := listRange(start, stop, z.Len())
		if !ok {
			return 0, 0
		}
		return from, to + 1
	})
}

// ZREMRANGEBYSCORE key min max
func cmdZRemRangeByScore(c *Ctx, argv [][]byte) {
	r, valid := parseScoreRange(argv[2], argv[3])
	if !valid {
		c.Error(errMinMaxFloat)
		return
	}
	zremRange(c, argv, r.span)
}

// ZREMRANGEBYLEX key min max
func cmdZRemRangeByLex(c *Ctx, argv [][]byte) {
	r, valid := parseLexRange(argv[2], argv[3])
	if !valid {
		c.Error(errMinMaxLex)
		return
	}
	zremRange(c, argv, r.forwardSpan)
}

// zremRange removes the positions [lo, hi) that span finds; the key is
// left alone when there are none.
func zremRange(c *Ctx, argv [][]byte, span func(z *zsetValue) (lo, hi int)) {
	if c.Checking() {
		return
	}
	z, ok := lookupType[*zsetValue](c, argv[1])
	if !ok {
		return
	}
	if z == nil {
		c.Int(0)
		return
	}
	lo, hi := span(z)
	if lo >= hi {
		c.Int(0)
		return
	}
	z, _ = mutableType[*zsetValue](c, argv[1])
	n := z.removeSpan(lo, hi)
	c.deleteIfEmpty(argv[1], z.Len())
	c.Int(int64(n))
}

// ZPOPMIN key [count]
func cmdZPopMin(c *Ctx, argv [][]byte) { zpopGeneric(c, argv, false) }

// ZPOPMAX key [count]
func cmdZPopMax(c *Ctx, argv [][]byte) { zpopGeneric(c, argv, true) }

// zpopGeneric replies a flat array of member, score pairs: one pair
// without count, up to count with it; a count of 0 pops nothing.
func zpopGeneric(c *Ctx, argv [][]byte, fromMax bool) {
	count, ok := popCount(c, argv, ErrSyntax, 1)
	if !ok || c.Checking() {
		return
	}
	z, ok := lookupType[*zsetValue](c, argv[1])
	if !ok {
		return
	}
	if z == nil || count == 0 {
		c.Array(0)
		return
	}
	items := zpop(c, argv[1], fromMax, count)
	zreplyItems(c, items, true)
}

// zpop removes up to count members from the low or high end of the sorted
// set at key (which exists) and deletes the key once it is empty.
func zpop(c *Ctx, key []byte, fromMax bool, count int64) []zsetItem {
	z, _ := mutableType[*zsetValue](c, key)
	n := int(min(int64(z.Len()), count))
	items := make([]zsetItem, 0, n)
	for ; n > 0; n-- {
		var it zsetItem
		if fromMax {
			it, _ = z.tree.PopMax()
		} else {
			it, _ = z.tree.PopMin()
		}
		z.dict.Delete(it.member)
		items = append(items, it)
	}
	c.deleteIfEmpty(key, z.Len())
	return items
}

// ZMPOP numkeys key [key ...] <MIN | MAX> [COUNT count]
//
// Pops from the first of the keys that holds a sorted set, replying [key,
// [[member, score], ...]], or a null array when none does. Keys before it
// must be absent or sorted sets (WRONGTYPE otherwise).
func cmdZMPop(c *Ctx, argv [][]byte) {
	keys, fromMax, count, ok := mpopArgs(c, argv, parseMinMax)
	if !ok || c.Checking() {
		return
	}
	zmpopApply(c, keys, fromMax, count)
}

// parseMinMax parses ZMPOP's MIN | MAX; fromMax is true for MAX.
func parseMinMax(b []byte) (fromMax, ok bool) {
	switch {
	case eqFold(b, "min"):
		return false, true
	case eqFold(b, "max"):
		return true, true
	}
	return false, false
}

// zmpopApply pops up to count members from the first of keys holding a
// sorted set, or answers a null array.
func zmpopApply(c *Ctx, keys [][]byte, fromMax bool, count int64) {
	for _, key := range keys {
		z, ok := lookupType[*zsetValue](c, key)
		if !ok {
			return
		}
		if z == nil {
			continue
		}
		items := zpop(c, key, fromMax, count)
		c.Array(2)
		c.Bulk(key)
		c.Array(len(items))
		for _, it := range items {
			c.Array(2)
			c.BulkString(it.member)
			c.scoreReply(it.score)
		}
		return
	}
	c.NullArray()
}

// zsetOp is the operation of ZUNION, ZINTER and ZDIFF.
type zsetOp int

const (
	zsetOpUnion zsetOp = iota
	zsetOpInter
	zsetOpDiff
)

type zsetAggregate int

const (
	zaggSum zsetAggregate = iota
	zaggMin
	zaggMax
)

// zsrc is one input of ZUNION and its siblings: a sorted set, a set (whose
// members score 1), or nothing (an absent key).
type zsrc struct {
	z      *zsetValue
	s      *setValue
	weight float64
}

func (s *zsrc) len() int {
	if s.z != nil {
		return s.z.Len()
	}
	return s.s.size()
}

func (s *zsrc) find(m string) (float64, bool) {
	if s.z != nil {
		return s.z.Score(m)
	}
	if s.s.has(m) {
		return 1, true
	}
	return 0, false
}

func (s *zsrc) each(fn func(m string, score float64) bool) {
	switch {
	case s.z != nil:
		s.z.tree.Scan(func(it zsetItem) bool { return fn(it.member, it.score) })
	case s.s != nil:
		s.s.m.Each(func(m string, _ struct{}) bool { return fn(m, 1) })
	}
}

// aggregate folds val into *target as Redis's zunionInterAggregate: a sum
// that is NaN (inf + -inf) is 0.
func (a zsetAggregate) fold(target *float64, val float64) {
	switch a {
	case zaggSum:
		*target += val
		if math.IsNaN(*target) {
			*target = 0
		}
	case zaggMin:
		if val < *target {
			*target = val
		}
	default:
		if val > *target {
			*target = val
		}
	}
}

// ZUNION numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>] [WITHSCORES]
func cmdZUnion(c *Ctx, argv [][]byte) { zsetAlgebra(c, argv, nil, 1, zsetOpUnion, false) }

// ZINTER numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>] [WITHSCORES]
func cmdZInter(c *Ctx, argv [][]byte) { zsetAlgebra(c, argv, nil, 1, zsetOpInter, false) }

// ZDIFF numkeys key [key ...] [WITHSCORES]
func cmdZDiff(c *Ctx, argv [][]byte) { zsetAlgebra(c, argv, nil, 1, zsetOpDiff, false) }

// ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>]
func cmdZUnionStore(c *Ctx, argv [][]byte) { zsetAlgebra(c, argv, argv[1], 2, zsetOpUnion, false) }

// ZINTERSTORE destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>]
func cmdZInterStore(c *Ctx, argv [][]byte) { zsetAlgebra(c, argv, argv[1], 2, zsetOpInter, false) }

// ZDIFFSTORE destination numkeys key [key ...]
func cmdZDiffStore(c *Ctx, argv [][]byte) { zsetAlgebra(c, argv, argv[1], 2, zsetOpDiff, false) }

// ZINTERCARD numkeys key [key ...] [LIMIT limit]
func cmdZInterCard(c *Ctx, argv [][]byte) { zsetAlgebra(c, argv, nil, 1, zsetOpInter, true) }

// zalgebraOpts are the options after the keys.
type zalgebraOpts struct {
	agg        zsetAggregate
	withScores bool
	limit      int64 // ZINTERCARD; 0: none
}

// zsetAlgebra is zunionInterDiffGenericCommand: numkeys is checked first,
// then every key is looked up (a sorted set, a set or absent), then the
// options are parsed.
func zsetAlgebra(c *Ctx, argv [][]byte, dst []byte, numIdx int, op zsetOp, cardOnly bool) {
	setnum, isInt := parseInt(argv[numIdx])
	if !isInt {
		c.Error(ErrNotInteger)
		return
	}
	if setnum < 1 {
		c.Error("ERR at least 1 input key is needed for '" + strings.ToLower(string(argv[0])) + "' command")
		return
	}
	if setnum > int64(len(argv)-(numIdx+1)) {
		c.Error(ErrSyntax)
		return
	}
	if c.Checking() {
		return
	}
	keys := argv[numIdx+1 : numIdx+1+int(setnum)]
	srcs := make([]zsrc, len(keys))
	for i, k := range keys {
		srcs[i].weight = 1
		e := c.lookup(k)
		if e == nil {
			continue
		}
		switch v := e.val.(type) {
		case *zsetValue:
			srcs[i].z = v
		case *setValue:
			srcs[i].s = v
		default:
			c.Error(ErrWrongType)
			return
		}
	}
	opt, msg := parseZAlgebraOpts(argv[numIdx+1+int(setnum):], srcs, dst != nil, op, cardOnly)
	if msg != "" {
		c.Error(msg)
		return
	}
	if cardOnly {
		c.Int(zinterCard(srcs, opt.limit))
		return
	}
	var res *zsetValue
	switch op {
	case zsetOpUnion:
		res = zunion(srcs, opt.agg)
	case zsetOpInter:
		res = zinter(srcs, opt.agg)
	default:
		res = zdiff(srcs)
	}
	if dst == nil {
		items := make([]zsetItem, 0, res.Len())
		res.tree.Scan(func(it zsetItem) bool {
			items = append(items, it)
			return true
		})
		zreplyItems(c, items, opt.withScores)
		return
	}
	if res.Len() == 0 {
		c.del(string(dst))
		c.Int(0)
		return
	}
	res.fitListpack()
	c.setValue(string(dst), res)
	c.Int(int64(res.Len()))
}

func parseZAlgebraOpts(args [][]byte, srcs []zsrc, store bool, op zsetOp, cardOnly bool) (zalgebraOpts, string) {
	var o zalgebraOpts
	weighted := op != zsetOpDiff && !cardOnly
	for j := 0; j < len(args); {
		remaining := len(args) - j
		switch {
		case weighted && remaining >= len(srcs)+1 && eqFold(args[j], "weights"):
			j++
			for i := range srcs {
				w, ok := parseScore(args[j])
				if !ok {
					return o, errZWeight
				}
				srcs[i].weight = w
				j++
			}
		case weighted && remaining >= 2 && eqFold(args[j], "aggregate"):
			switch {
			case eqFold(args[j+1], "sum"):
				o.agg = zaggSum
			case eqFold(args[j+1], "min"):
				o.agg = zaggMin
			case eqFold(args[j+1], "max"):
				o.agg = zaggMax
			default:
				return o, ErrSyntax
			}
			j += 2
		case !store && !cardOnly && eqFold(args[j], "withscores"):
			o.withScores = true
			j++
		case cardOnly && remaining >= 2 && eqFold(args[j], "limit"):
			n, ok := parseInt(args[j+1])
			if !ok || n < 0 {
				return o, errZLimitNeg
			}
			o.limit = n
			j += 2
		default:
			return o, ErrSyntax
		}
	}
	return o, ""
}

// bySize returns the inputs ordered by size, smallest first; equal sizes
// keep their order (glibc's qsort, which Redis uses, is a stable merge
// sort here), which matters because float sums depend on their order.
func bySize(srcs []zsrc) []zsrc {
	sorted := append([]zsrc(nil), srcs...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].len() < sorted[j].len() })
	return sorted
}

// newZsetSkiplist is an empty sorted set built the way Redis builds the
// result of ZUNION and its siblings: a skiplist, which keeps -0.
func newZsetSkiplist() *zsetValue {
	z := newZset()
	z.listpack = false
	return z
}

func zunion(srcs []zsrc, agg zsetAggregate) *zsetValue {
	acc := make(map[string]float64)
	var order []string // first-seen order, so nothing depends on map order
	for _, s := range bySize(srcs) {
		s.each(func(m string, score float64) bool {
			v := s.weight * score
			if math.IsNaN(v) {
				v = 0
			}
			if cur, seen := acc[m]; seen {
				agg.fold(&cur, v)
				acc[m] = cur
			} else {
				acc[m] = v
				order = append(order, m)
			}
			return true
		})
	}
	res := newZsetSkiplist()
	for _, m := range order {
		res.Set(m, acc[m])
	}
	return res
}

// zinterEach calls fn for each member of the smallest input that is in
// every input, with its aggregated score, until fn returns false.
func zinterEach(srcs []zsrc, agg zsetAggregate, fn func(m string, score float64) bool) {
	sorted := bySize(srcs)
	if sorted[0].len() == 0 {
		return
	}
	first := sorted[0]
	first.each(func(m string, s0 float64) bool {
		score := first.weight * s0
		if math.IsNaN(score) {
			score = 0
		}
		for _, o := range sorted[1:] {
			v, found := o.find(m)
			if !found {
				return true
			}
			agg.fold(&score, v*o.weight)
		}
		return fn(m, score)
	})
}

func zinter(srcs []zsrc, agg zsetAggregate) *zsetValue {
	res := newZsetSkiplist()
	zinterEach(srcs, agg, func(m string, score float64) bool {
		res.Set(m, score)
		return true
	})
	return res
}

func zinterCard(srcs []zsrc, limit int64) int64 {
	var n int64
	zinterEach(srcs, zaggSum, func(string, float64) bool {
		n++
		return limit == 0 || n < limit
	})
	return n
}

// zdiff keeps the members of the first input that are in no other, with
// their scores from the first input (unweighted).
func zdiff(srcs []zsrc) *zsetValue {
	res := newZsetSkiplist()
	srcs[0].each(func(m string, score float64) bool {
		for i := 1; i < len(srcs); i++ {
			if _, found := srcs[i].find(m); found {
				return true
			}
		}
		res.Set(m, score)
		return true
	})
	return res
}

// ZRANDMEMBER key [count [WITHSCORES]]
//
// Without count: one random member, or nil. With a positive count: up to
// count distinct members; with a negative count: exactly -count members
// that may repeat. Members are picked by rank in member-hash order with
// the context's PRNG, so inside EXEC every replica picks the same.
func cmdZRandMember(c *Ctx, argv [][]byte) {
	var count int64
	withScores := false
	if len(argv) >= 3 {
		var msg string
		if count, msg = collRandCount(argv[2]); msg != "" {
			c.Error(msg)
			return
		}
		if len(argv) > 4 || (len(argv) == 4 && !eqFold(argv[3], "withscores")) {
			c.Error(ErrSyntax)
			return
		}
		if len(argv) == 4 {
			withScores = true
			if count < -math.MaxInt64/2 || count > math.MaxInt64/2 {
				c.Error("ERR value is out of range")
				return
			}
		}
	}
	if c.Checking() {
		return
	}
	z, ok := lookupType[*zsetValue](c, argv[1])
	if !ok {
		return
	}
	if len(argv) == 2 {
		if z == nil {
			c.Null()
			return
		}
		m, _ := z.dict.At(c.Rand().IntN(z.Len()))
		c.BulkString(m)
		return
	}
	if z == nil {
		c.Array(0)
		return
	}
	n, ranks := collRandRanks(c.Rand(), z.Len(), count)
	if withScores {
		c.Array(2 * n)
	} else {
		c.Array(n)
	}
	for r := range ranks {
		m, s := z.dict.At(r)
		c.BulkString(m)
		if withScores {
			c.scoreReply(s)
		}
	}
}

// ZSCAN key cursor [MATCH pattern] [COUNT count]
//
// A sorted set Redis would keep as a listpack is returned whole with
// cursor 0, its scores in the listpack's text form, as Redis does; a
// bigger one is scanned in member-hash order like a hash or a set.
func cmdZScan(c *Ctx, argv [][]byte) {
	scanContainer(c, argv, func(z *zsetValue, cursor uint64, count int, emit func(name string, val []byte)) uint64 {
		if z.listpack {
			z.tree.Scan(func(it zsetItem) bool {
				emit(it.member, appendListpackScore(nil, it.score))
				return true
			})
			return 0
		}
		return z.dict.Scan(cursor, count, func(m string, s float64) { emit(m, appendScore(nil, s)) })
	}, true)
}
