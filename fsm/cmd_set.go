package fsm

import (
	"bytes"
	"iter"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
)

func init() {
	register([]Command{
		{Name: "sadd", Syntax: "key member [member ...]", Arity: -3, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "set", Summary: "Adds members to a set, creating it if needed; returns how many were new.", Fn: cmdSAdd},
		{Name: "srem", Syntax: "key member [member ...]", Arity: -3, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "set", Summary: "Removes members from a set, and the set once it is empty.", Fn: cmdSRem},
		{Name: "smembers", Syntax: "key", Arity: 2, Flags: FlagReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: "set", Summary: "Returns every member of a set.", Fn: cmdSMembers},
		{Name: "sismember", Syntax: "key member", Arity: 3, Flags: FlagReadOnly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "set", Summary: "Tells whether a value is a member of a set.", Fn: cmdSIsMember},
		{Name: "smismember", Syntax: "key member [member ...]", Arity: -3, Flags: FlagReadOnly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "set", Summary: "Tells, for each of several values, whether it is a member of a set.", Fn: cmdSMIsMember},
		{Name: "scard", Syntax: "key", Arity: 2, Flags: FlagReadOnly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "set", Summary: "Returns the number of members of a set.", Fn: cmdSCard},
		{Name: "spop", Syntax: "key [count]", Arity: -2, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "set", Summary: "Removes and returns random members of a set.", Fn: cmdSPop},
		{Name: "srandmember", Syntax: "key [count]", Arity: -2, Flags: FlagReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: "set", Summary: "Returns random members of a set without removing them.", Fn: cmdSRandMember},
		{Name: "smove", Syntax: "source destination member", Arity: 4, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 2, Step: 1, Group: "set", Summary: "Moves a member from one set to another.", Fn: cmdSMove},
		{Name: "sinter", Syntax: "key [key ...]", Arity: -2, Flags: FlagReadOnly, FirstKey: 1, LastKey: -1, Step: 1, Group: "set", Summary: "Returns the intersection of sets.", Fn: cmdSInter},
		{Name: "sunion", Syntax: "key [key ...]", Arity: -2, Flags: FlagReadOnly, FirstKey: 1, LastKey: -1, Step: 1, Group: "set", Summary: "Returns the union of sets.", Fn: cmdSUnion},
		{Name: "sdiff", Syntax: "key [key ...]", Arity: -2, Flags: FlagReadOnly, FirstKey: 1, LastKey: -1, Step: 1, Group: "set", Summary: "Returns the members of the first set that are in none of the others.", Fn: cmdSDiff},
		{Name: "sinterstore", Syntax: "destination key [key ...]", Arity: -3, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: -1, Step: 1, Group: "set", Summary: "Stores the intersection of sets in a key.", Fn: cmdSInterStore},
		{Name: "sunionstore", Syntax: "destination key [key ...]", Arity: -3, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: -1, Step: 1, Group: "set", Summary: "Stores the union of sets in a key.", Fn: cmdSUnionStore},
		{Name: "sdiffstore", Syntax: "destination key [key ...]", Arity: -3, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: -1, Step: 1, Group: "set", Summary: "Stores the difference of sets in a key.", Fn: cmdSDiffStore},
		// Redis 7.0 reports 0,0,0 (and the movablekeys flag) for SINTERCARD:
		// its keys follow numkeys.
		{Name: "sintercard", Syntax: "numkeys key [key ...] [LIMIT limit]", Arity: -3, Flags: FlagReadOnly, FirstKey: 0, LastKey: 0, Step: 0, Group: "set", Summary: "Returns the number of members in the intersection of sets, up to a limit.", Fn: cmdSInterCard},
		{Name: "sscan", Syntax: "key cursor [MATCH pattern] [COUNT count]", Arity: -3, Flags: FlagReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: "set", Summary: "Iterates over the members of a set.", Fn: cmdSScan},
	})
}

// setFor returns the set at key ready to be changed in place, creating an
// empty one if the key is absent; ok is false (WRONGTYPE appended) if the
// key holds another type. Only for write handlers past Checking().
func setFor(c *Ctx, key []byte) (*setValue, bool) {
	s, ok := mutableType[*setValue](c, key)
	if !ok {
		return nil, false
	}
	if s == nil {
		s = newSet()
		c.setValue(string(key), s)
	}
	return s, true
}

// SADD key member [member ...]
func cmdSAdd(c *Ctx, argv [][]byte) {
	if c.Checking() {
		return
	}
	s, ok := lookupType[*setValue](c, argv[1])
	if !ok {
		return
	}
	if s != nil && s.hasAll(argv[2:]) {
		// Nothing new: the key is left untouched (WATCH does not fire).
		c.Int(0)
		return
	}
	s, _ = setFor(c, argv[1])
	added := 0
	for _, m := range argv[2:] {
		if s.add(string(m)) {
			added++
		}
	}
	c.Int(int64(added))
}

func (v *setValue) hasAll(members [][]byte) bool {
	for _, m := range members {
		if !v.has(string(m)) {
			return false
		}
	}
	return true
}

// SREM key member [member ...]
func cmdSRem(c *Ctx, argv [][]byte) {
	if c.Checking() {
		return
	}
	s, ok := lookupType[*setValue](c, argv[1])
	if !ok {
		return
	}
	hasAny := false
	for _, m := range argv[2:] {
		if s.has(string(m)) {
			hasAny = true
			break
		}
	}
	if !hasAny {
		c.Int(0)
		return
	}
	s, _ = mutableType[*setValue](c, argv[1])
	removed := 0
	for _, m := range argv[2:] {
		if _, found := s.m.Delete(string(m)); found {
			removed++
		}
	}
	c.deleteIfEmpty(argv[1], s.m.Len())
	c.Int(int64(removed))
}

// SMEMBERS key
func cmdSMembers(c *Ctx, argv [][]byte) {
	if c.Checking() {
		return
	}
	s, ok := lookupType[*setValue](c, argv[1])
	if !ok {
		return
	}
	c.Array(s.size())
	if s != nil {
		s.m.Each(func(m string, _ struct{}) bool {
			c.BulkString(m)
			return true
		})
	}
}

// SISMEMBER key member
func cmdSIsMember(c *Ctx, argv [][]byte) {
	if c.Checking() {
		return
	}
	s, ok := lookupType[*setValue](c, argv[1])
	if !ok {
		return
	}
	c.Bool(s.has(string(argv[2])))
}

// SMISMEMBER key member [member ...]
func cmdSMIsMember(c *Ctx, argv [][]byte) {
	if c.Checking() {
		return
	}
	s, ok := lookupType[*setValue](c, argv[1])
	if !ok {
		return
	}
	c.Array(len(argv) - 2)
	for _, m := range argv[2:] {
		c.Bool(s.has(string(m)))
	}
}

// SCARD key
func cmdSCard(c *Ctx, argv [][]byte) {
	if c.Checking() {
		return
	}
	s, ok := lookupType[*setValue](c, argv[1])
	if !ok {
		return
	}
	c.Int(int64(s.size()))
}

// SPOP key [count]
//
// The members are picked by rank with the entry's PRNG, so every replica
// pops the same ones.
func cmdSPop(c *Ctx, argv [][]byte) {
	count, ok := popCount(c, argv, ErrSyntax, 0)
	if !ok || c.Checking() {
		return
	}
	s, ok := lookupType[*setValue](c, argv[1])
	if !ok {
		return
	}
	if len(argv) == 2 {
		if s == nil {
			c.Null()
			return
		}
		m, _ := s.m.At(c.Rand().IntN(s.m.Len()))
		s, _ = mutableType[*setValue](c, argv[1])
		s.m.Delete(m)
		c.deleteIfEmpty(argv[1], s.m.Len())
		c.BulkString(m)
		return
	}
	if s == nil || count == 0 {
		c.Array(0)
		return
	}
	size := s.m.Len()
	if count >= int64(size) {
		c.Array(size)
		s.m.Each(func(m string, _ struct{}) bool {
			c.BulkString(m)
			return true
		})
		c.del(string(argv[1]))
		return
	}
	ranks := collSample(c.Rand(), size, int(count))
	members := make([]string, len(ranks))
	for i, r := range ranks {
		members[i], _ = s.m.At(r)
	}
	s, _ = mutableType[*setValue](c, argv[1])
	c.Array(len(members))
	for _, m := range members {
		s.m.Delete(m)
		c.BulkString(m)
	}
	if (size-len(members))*spopMoveStrategyMul <= len(members) {
		// Redis builds a new set of the few members left.
		s.reencode()
	}
}

// spopMoveStrategyMul is SPOP_MOVE_STRATEGY_MUL: SPOP with a count moves
// the members that stay into a new set when they are fewer than count/5.
const spopMoveStrategyMul = 5

// SRANDMEMBER key [count]
//
// Without count: one random member, or nil. With a positive count: up to
// count distinct members; with a negative count: exactly -count members
// that may repeat; 0: an empty array.
func cmdSRandMember(c *Ctx, argv [][]byte) {
	if len(argv) > 3 {
		c.Error(ErrSyntax)
		return
	}
	var count int64
	if len(argv) == 3 {
		var msg string
		if count, msg = collRandCount(argv[2]); msg != "" {
			c.Error(msg)
			return
		}
	}
	if c.Checking() {
		return
	}
	s, ok := lookupType[*setValue](c, argv[1])
	if !ok {
		return
	}
	if len(argv) == 2 {
		if s == nil {
			c.Null()
			return
		}
		m, _ := s.m.At(c.Rand().IntN(s.m.Len()))
		c.BulkString(m)
		return
	}
	if s == nil {
		c.Array(0)
		return
	}
	n, ranks := collRandRanks(c.Rand(), s.m.Len(), count)
	c.Array(n)
	for r := range ranks {
		m, _ := s.m.At(r)
		c.BulkString(m)
	}
}

// SMOVE source destination member
func cmdSMove(c *Ctx, argv [][]byte) {
	if c.Checking() {
		return
	}
	src, ok := lookupType[*setValue](c, argv[1])
	if !ok {
		return
	}
	if src == nil {
		c.Int(0)
		return
	}
	if _, ok := lookupType[*setValue](c, argv[2]); !ok {
		return
	}
	member := string(argv[3])
	if bytes.Equal(argv[1], argv[2]) || !src.has(member) {
		c.Bool(src.has(member))
		return
	}
	src, _ = mutableType[*setValue](c, argv[1])
	src.m.Delete(member)
	c.deleteIfEmpty(argv[1], src.m.Len())
	dst, _ := setFor(c, argv[2])
	dst.add(member)
	c.Int(1)
}

// lookupSets returns the sets at keys, nil for an absent key; ok is false
// (WRONGTYPE appended) if any key holds another type. Every key is checked,
// as Redis does, even after an absent one.
func lookupSets(c *Ctx, keys [][]byte) ([]*setValue, bool) {
	sets := make([]*setValue, len(keys))
	for i, k := range keys {
		s, ok := lookupType[*setValue](c, k)
		if !ok {
			return nil, false
		}
		sets[i] = s
	}
	return sets, true
}

// setInter calls fn for each member of the intersection of sets, in the
// order of the smallest set, until fn returns false. An absent (nil) set
// makes the intersection empty.
func setInter(sets []*setValue, fn func(m string) bool) {
	if len(sets) == 0 {
		return
	}
	sorted := append([]*setValue(nil), sets...)
	for _, s := range sorted {
		if s == nil {
			return
		}
	}
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].m.Len() < sorted[j].m.Len() })
	sorted[0].m.Each(func(m string, _ struct{}) bool {
		for _, o := range sorted[1:] {
			if !o.has(m) {
				return true
			}
		}
		return fn(m)
	})
}

// setUnion builds the union of sets as a new set.
func setUnion(sets []*setValue) *setValue {
	out := newSet()
	for _, s := range sets {
		if s == nil {
			continue
		}
		s.m.Each(func(m string, _ struct{}) bool {
			out.add(m)
			return true
		})
	}
	return out
}

// setDiff builds, as a new set, the members of sets[0] in none of the
// others.
func setDiff(sets []*setValue) *setValue {
	out := newSet()
	if sets[0] == nil {
		return out
	}
	sets[0].m.Each(func(m string, _ struct{}) bool {
		for _, o := range sets[1:] {
			if o.has(m) {
				return true
			}
		}
		out.add(m)
		return true
	})
	// Redis's second algorithm (chosen when the other sets are small next
	// to the first) adds all of the first set, then removes: the result
	// keeps the encoding of the first set's members.
	if diffAlgoTwo(sets) && !sets[0].isIntset() {
		out.ht = true
	}
	return out
}

// diffAlgoTwo reports whether Redis's SDIFF picks its second algorithm
// (copy the first set, remove the others) over the first (test each
// member of the first set against the others).
func diffAlgoTwo(sets []*setValue) bool {
	var one, two int
	for _, s := range sets {
		if s == nil {
			continue
		}
		one += sets[0].size()
		two += s.size()
	}
	return one/2 > two
}

// setAlgebra is SINTER/SUNION/SDIFF and their STORE forms: op is 'i', 'u'
// or 'd'; dst is nil for the read forms.
func setAlgebra(c *Ctx, op byte, dst []byte, keys [][]byte) {
	if c.Checking() {
		return
	}
	sets, ok := lookupSets(c, keys)
	if !ok {
		return
	}
	var res *setValue
	switch op {
	case 'i':
		res = newSet()
		setInter(sets, func(m string) bool {
			res.add(m)
			return true
		})
	case 'u':
		res = setUnion(sets)
	default:
		res = setDiff(sets)
	}
	if dst == nil {
		c.Array(res.m.Len())
		res.m.Each(func(m string, _ struct{}) bool {
			c.BulkString(m)
			return true
		})
		return
	}
	// The destination is replaced whatever it held, and loses its TTL.
	if res.m.Len() == 0 {
		c.del(string(dst))
		c.Int(0)
		return
	}
	c.setValue(string(dst), res)
	c.Int(int64(res.m.Len()))
}

// SINTER key [key ...]
func cmdSInter(c *Ctx, argv [][]byte) { setAlgebra(c, 'i', nil, argv[1:]) }

// SUNION key [key ...]
func cmdSUnion(c *Ctx, argv [][]byte) { setAlgebra(c, 'u', nil, argv[1:]) }

// SDIFF key [key ...]
func cmdSDiff(c *Ctx, argv [][]byte) { setAlgebra(c, 'd', nil, argv[1:]) }

// SINTERSTORE destination key [key ...]
func cmdSInterStore(c *Ctx, argv [][]byte) { setAlgebra(c, 'i', argv[1], argv[2:]) }

// SUNIONSTORE destination key [key ...]
func cmdSUnionStore(c *Ctx, argv [][]byte) { setAlgebra(c, 'u', argv[1], argv[2:]) }

// SDIFFSTORE destination key [key ...]
func cmdSDiffStore(c *Ctx, argv [][]byte) { setAlgebra(c, 'd', argv[1], argv[2:]) }

// SINTERCARD numkeys key [key ...] [LIMIT limit]
func cmdSInterCard(c *Ctx, argv [][]byte) {
	numkeys, isInt := parseInt(argv[1])
	if !isInt || numkeys < 1 {
		c.Error("ERR numkeys should be greater than 0")
		return
	}
	if numkeys > int64(len(argv)-2) {
		c.Error("ERR Number of keys can't be greater than number of args")
		return
	}
	var limit int64 // 0: no limit
	for j := 2 + int(numkeys); j < len(argv); j++ {
		if eqFold(argv[j], "limit") && j+1 < len(argv) {
			j++
			n, isInt := parseInt(argv[j])
			if !isInt || n < 0 {
				c.Error("ERR LIMIT can't be negative")
				return
			}
			limit = n
			continue
		}
		c.Error(ErrSyntax)
		return
	}
	if c.Checking() {
		return
	}
	sets, ok := lookupSets(c, argv[2:2+numkeys])
	if !ok {
		return
	}
	var n int64
	setInter(sets, func(string) bool {
		n++
		return limit == 0 || n < limit
	})
	c.Int(n)
}

// SSCAN key cursor [MATCH pattern] [COUNT count]
func cmdSScan(c *Ctx, argv [][]byte) {
	scanContainer(c, argv, func(s *setValue, cursor uint64, count int, emit func(name string, val []byte)) uint64 {
		return s.m.Scan(cursor, count, func(m string, _ struct{}) { emit(m, nil) })
	}, false)
}

// scanContainer is the body of HSCAN and SSCAN (and the scans of later
// container types): it parses the cursor and options as Redis does, looks
// the key up as a T, lets scan visit one page, and replies with the next
// cursor and the matching names (each followed by its value if
// withValues).
func scanContainer[T value](c *Ctx, argv [][]byte, scan func(v T, cursor uint64, count int, emit func(name string, val []byte)) uint64, withValues bool) {
	cursor, isCursor := parseScanCursor(argv[2])
	if !isCursor {
		c.Error(errInvalidCursor)
		return
	}
	if c.Checking() {
		return
	}
	v, ok := lookupType[T](c, argv[1])
	if !ok {
		return
	}
	var zero T
	if any(v) == any(zero) {
		// As Redis: options are not even parsed for an absent key.
		c.Raw(collEmptyScan)
		return
	}
	opt, msg := collScanOpts(argv[3:])
	if msg != "" {
		c.Error(msg)
		return
	}
	type item struct {
		name string
		val  []byte
	}
	var found []item
	next := scan(v, cursor, opt.count, func(name string, val []byte) {
		if opt.matches(name) {
			found = append(found, item{name, val})
		}
	})
	c.Array(2)
	c.BulkString(strconv.FormatUint(next, 10))
	if withValues {
		c.Array(2 * len(found))
	} else {
		c.Array(len(found))
	}
	for _, it := range found {
		c.BulkString(it.name)
		if withValues {
			c.Bulk(it.val)
		}
	}
}

// Helpers shared by the collection types (hashes and sets; sorted sets
// later). They carry a coll prefix to keep clear of the generic commands'
// helpers in the same package.

// collRandCount parses the count of SRANDMEMBER and HRANDFIELD: any int64
// but the most negative one (whose negation would overflow).
func collRandCount(b []byte) (int64, string) {
	n, ok := parseInt(b)
	if !ok {
		return 0, ErrNotInteger
	}
	if n == math.MinInt64 {
		return 0, "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
	}
	return n, ""
}

// collRandRanks returns how many ranks in [0, size) a SRANDMEMBER or
// HRANDFIELD count yields, and the ranks: for count > 0 distinct ones
// (all of them, in order, when count >= size), for count < 0 exactly
// -count picks with repetition, produced lazily. size must be > 0.
func collRandRanks(r *rand.Rand, size int, count int64) (int, iter.Seq[int]) {
	switch {
	case count >= int64(size):
		return size, func(yield func(int) bool) {
			for i := 0; i < size; i++ {
				if !yield(i) {
					return
				}
			}
		}
	case count > 0:
		ranks := collSample(r, size, int(count))
		return len(ranks), func(yield func(int) bool) {
			for _, i := range ranks {
				if !yield(i) {
					return
				}
			}
		}
	default:
		n := -count
		if n > math.MaxInt {
			n = math.MaxInt
		}
		return int(n), func(yield func(int) bool) {
			for j := int64(0); j < n; j++ {
				if !yield(r.IntN(size)) {
					return
				}
			}
		}
	}
}

// collSample returns k distinct ranks in [0, n), 0 <= k <= n, in random
// order. It uses Floyd's algorithm on whichever of the k picked or the n-k
// left-out ranks is smaller; the map only answers membership, its order is
// never used.
func collSample(r *rand.Rand, n, k int) []int {
	invert := k > n/2
	m := k
	if invert {
		m = n - k
	}
	picked := make(map[int]struct{}, m)
	out := make([]int, 0, k)
	for j := n - m; j < n; j++ {
		t := r.IntN(j + 1)
		if _, dup := picked[t]; dup {
			t = j
		}
		picked[t] = struct{}{}
		if !invert {
			out = append(out, t)
		}
	}
	if invert {
		for i := 0; i < n; i++ {
			if _, skip := picked[i]; !skip {
				out = append(out, i)
			}
		}
	}
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// collEmptyScan is the reply of HSCAN/SSCAN on an absent key.
var collEmptyScan = []byte("*2\r\n$1\r\n0\r\n*0\r\n")

// collScan holds the options of HSCAN and SSCAN.
type collScan struct {
	count   int
	pattern string
	filter  bool // false: every element (no MATCH, or MATCH *)
}

// collScanOpts parses [MATCH pattern] [COUNT count] (repeatable, the last
// one wins), with Redis's error texts.
func collScanOpts(args [][]byte) (collScan, string) {
	o := collScan{count: 10}
	for i := 0; i < len(args); i += 2 {
		if i+1 >= len(args) {
			return o, ErrSyntax
		}
		switch {
		case eqFold(args[i], "count"):
			n, ok := parseInt(args[i+1])
			if !ok {
				return o, ErrNotInteger
			}
			if n < 1 {
				return o, ErrSyntax
			}
			o.count = int(min(n, math.MaxInt32))
		case eqFold(args[i], "match"):
			o.pattern = string(args[i+1])
			o.filter = o.pattern != "*"
		default:
			return o, ErrSyntax
		}
	}
	return o, ""
}

// matches reports whether an element passes the MATCH filter.
func (o collScan) matches(s string) bool {
	if !o.filter {
		return true
	}
	return globMatch(o.pattern, s)
}
