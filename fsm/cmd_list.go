package fsm

import (
	"bytes"
)

// List commands (Redis's "list" group), without the blocking ones.
//
// Argument errors are found in the check phase, before anything is
// proposed, except where Redis looks the key up first and so lets the
// key's state decide which error (or none) a client sees: LINDEX and LSET
// parse their index only once the key is known to be a list, exactly as
// redis-server 7.0 does ("LSET nokey abc v" is "ERR no such key"). For
// LSET that means an entry with a bad index can reach the log; it changes
// nothing when applied.
//
// A key is stamped with a new version (WATCH fires) exactly when Redis
// signals it as modified: not for LPUSHX/RPUSHX on an absent key, LREM
// that removes nothing, LINSERT whose pivot is missing or LPOP/RPOP with a
// count of 0; but LTRIM and LSET on an existing list do stamp it even when
// the content ends up the same, as Redis's signalModifiedKey does.
func init() {
	register([]Command{
		{Name: "lpush", Syntax: "key element [element ...]", Arity: -3, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "list", Summary: "Prepends elements to a list, creating it if needed; returns the new length.", Fn: cmdLPush},
		{Name: "rpush", Syntax: "key element [element ...]", Arity: -3, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "list", Summary: "Appends elements to a list, creating it if needed; returns the new length.", Fn: cmdRPush},
		{Name: "lpushx", Syntax: "key element [element ...]", Arity: -3, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "list", Summary: "Prepends elements to a list only if the list exists.", Fn: cmdLPushX},
		{Name: "rpushx", Syntax: "key element [element ...]", Arity: -3, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "list", Summary: "Appends elements to a list only if the list exists.", Fn: cmdRPushX},
		{Name: "lpop", Syntax: "key [count]", Arity: -2, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "list", Summary: "Removes and returns elements from the head of a list.", Fn: cmdLPop},
		{Name: "rpop", Syntax: "key [count]", Arity: -2, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "list", Summary: "Removes and returns elements from the tail of a list.", Fn: cmdRPop},
		{Name: "llen", Syntax: "key", Arity: 2, Flags: FlagReadOnly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "list", Summary: "Returns the number of elements of a list.", Fn: cmdLLen},
		{Name: "lrange", Syntax: "key start stop:integer", Arity: 4, Flags: FlagReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: "list", Summary: "Returns the elements of a list between two indexes.", Fn: cmdLRange},
		{Name: "lindex", Syntax: "key index", Arity: 3, Flags: FlagReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: "list", Summary: "Returns the element of a list at an index.", Fn: cmdLIndex},
		{Name: "lset", Syntax: "key index element", Arity: 4, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 1, Step: 1, Group: "list", Summary: "Replaces the element of a list at an index.", Fn: cmdLSet},
		{Name: "linsert", Syntax: "key <BEFORE | AFTER> pivot element", Arity: 5, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 1, Step: 1, Group: "list", Summary: "Inserts an element before or after the first occurrence of another.", Fn: cmdLInsert},
		{Name: "lrem", Syntax: "key count element", Arity: 4, Flags: FlagWrite, FirstKey: 1, LastKey: 1, Step: 1, Group: "list", Summary: "Removes occurrences of an element from a list, from the head or the tail.", Fn: cmdLRem},
		{Name: "ltrim", Syntax: "key start stop:integer", Arity: 4, Flags: FlagWrite, FirstKey: 1, LastKey: 1, Step: 1, Group: "list", Summary: "Keeps only the elements of a list between two indexes.", Fn: cmdLTrim},
		{Name: "lpos", Syntax: "key element [RANK rank:integer] [COUNT num-matches:integer] [MAXLEN len:integer]", Arity: -3, Flags: FlagReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: "list", Summary: "Returns the indexes of the elements of a list equal to a value.", Fn: cmdLPos},
		{Name: "lmove", Syntax: "source destination <LEFT | RIGHT> <LEFT | RIGHT>", Arity: 5, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 2, Step: 1, Group: "list", Summary: "Pops an element from one end of a list and pushes it onto an end of another.", Fn: cmdLMove},
		{Name: "rpoplpush", Syntax: "source destination", Arity: 3, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 2, Step: 1, Group: "list", Summary: "Pops the tail of a list and pushes it onto the head of another (LMOVE RIGHT LEFT).", Fn: cmdRPopLPush},
		// Redis 7.0 reports 0,0,0 (and the movablekeys flag) for LMPOP:
		// its keys follow numkeys.
		{Name: "lmpop", Syntax: "numkeys key [key ...] <LEFT | RIGHT> [COUNT count]", Arity: -4, Flags: FlagWrite, FirstKey: 0, LastKey: 0, Step: 0, Group: "list", Summary: "Pops elements from the first non-empty list of several keys.", Fn: cmdLMPop},
	})
}

const (
	errIndexRange  = "ERR index out of range"
	errLPosRank    = "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"
	errLPosCount   = "ERR COUNT can't be negative"
	errLPosMaxLen  = "ERR MAXLEN can't be negative"
	errNumKeys     = "ERR numkeys should be greater than 0"
	errCountNotPos = "ERR count should be greater than 0"
)

// listFor returns the list at key ready to be changed in place, creating
// an empty one if the key is absent; ok is false (WRONGTYPE appended) if
// the key holds another type. Only for write handlers past Checking(); the
// caller must leave the list non-empty or call deleteIfEmpty.
func listFor(c *Ctx, key []byte) (*listValue, bool) {
	l, ok := mutableType[*listValue](c, key)
	if !ok {
		return nil, false
	}
	if l == nil {
		l = newList()
		c.setValue(string(key), l)
	}
	return l, true
}

// push adds copies of elems at the head (left) or the tail, one by one, so
// LPUSH k a b c leaves c b a.
func (v *listValue) push(left bool, elems [][]byte) {
	for _, e := range elems {
		e = append([]byte(nil), e...)
		if left {
			v.PushLeft(e)
		} else {
			v.PushRight(e)
		}
	}
}

func (v *listValue) pop(left bool) []byte {
	var e []byte
	if left {
		e, _ = v.PopLeft()
	} else {
		e, _ = v.PopRight()
	}
	return e
}

// parseWhere parses LEFT or RIGHT (any case).
func parseWhere(b []byte) (left, ok bool) {
	switch {
	case eqFold(b, "left"):
		return true, true
	case eqFold(b, "right"):
		return false, true
	}
	return false, false
}

// listRange converts Redis's inclusive start/stop (negative from the
// tail) to indexes into a list of n elements; ok is false when the range
// is empty.
func listRange(start, stop int64, n int) (from, to int, ok bool) {
	ln := int64(n)
	if start < 0 {
		start += ln
	}
	if stop < 0 {
		stop += ln
	}
	if start < 0 {
		start = 0
	}
	if start > stop || start >= ln {
		return 0, 0, false
	}
	if stop >= ln {
		stop = ln - 1
	}
	return int(start), int(stop), true
}

// LPUSH key element [element ...]
func cmdLPush(c *Ctx, argv [][]byte) { pushGeneric(c, argv, true, false) }

// RPUSH key element [element ...]
func cmdRPush(c *Ctx, argv [][]byte) { pushGeneric(c, argv, false, false) }

// LPUSHX key element [element ...]
func cmdLPushX(c *Ctx, argv [][]byte) { pushGeneric(c, argv, true, true) }

// RPUSHX key element [element ...]
func cmdRPushX(c *Ctx, argv [][]byte) { pushGeneric(c, argv, false, true) }

func pushGeneric(c *Ctx, argv [][]byte, left, onlyExisting bool) {
	if c.Checking() {
		return
	}
	l, ok := lookupType[*listValue](c, argv[1])
	if !ok {
		return
	}
	if l == nil && onlyExisting {
		c.Int(0) // the key is left alone: nothing was written
		return
	}
	l, _ = listFor(c, argv[1])
	l.push(left, argv[2:])
	c.Int(int64(l.Len()))
}

// LPOP key [count]
func cmdLPop(c *Ctx, argv [][]byte) { popGeneric(c, argv, "lpop", true) }

// RPOP key [count]
func cmdRPop(c *Ctx, argv [][]byte) { popGeneric(c, argv, "rpop", false) }

// popGeneric: without count the reply is one element or nil; with a count
// it is an array of up to count elements, or a null array for an absent
// key. A count of 0 pops nothing and leaves the key untouched.
func popGeneric(c *Ctx, argv [][]byte, name string, left bool) {
	hasCount := len(argv) == 3
	count, ok := popCount(c, argv, ArityError(name), 0)
	if !ok || c.Checking() {
		return
	}
	l, ok := lookupType[*listValue](c, argv[1])
	if !ok {
		return
	}
	if l == nil {
		if hasCount {
			c.NullArray()
		} else {
			c.Null()
		}
		return
	}
	if !hasCount {
		l, _ = mutableType[*listValue](c, argv[1])
		c.Bulk(l.pop(left))
		c.deleteIfEmpty(argv[1], l.Len())
		return
	}
	if count == 0 {
		c.Array(0)
		return
	}
	l, _ = mutableType[*listValue](c, argv[1])
	n := min(int64(l.Len()), count)
	c.Array(int(n))
	for ; n > 0; n-- {
		c.Bulk(l.pop(left))
	}
	c.deleteIfEmpty(argv[1], l.Len())
}

// LLEN key
func cmdLLen(c *Ctx, argv [][]byte) {
	if c.Checking() {
		return
	}
	l, ok := lookupType[*listValue](c, argv[1])
	if !ok {
		return
	}
	c.Int(int64(l.Len()))
}

// LRANGE key start stop
func cmdLRange(c *Ctx, argv [][]byte) {
	start, isInt1 := parseInt(argv[2])
	stop, isInt2 := parseInt(argv[3])
	if !isInt1 || !isInt2 {
		c.Error(ErrNotInteger)
		return
	}
	if c.Checking() {
		return
	}
	l, ok := lookupType[*listValue](c, argv[1])
	if !ok {
		return
	}
	from, to, nonEmpty := listRange(start, stop, l.Len())
	if !nonEmpty {
		c.Array(0)
		return
	}
	c.Array(to - from + 1)
	l.Range(from, func(i int, e []byte) bool {
		if i > to {
			return false
		}
		c.Bulk(e)
		return true
	})
}

// LINDEX key index
//
// As Redis: the index is parsed only once the key is known to be a list,
// so "LINDEX nokey abc" is nil.
func cmdLIndex(c *Ctx, argv [][]byte) {
	if c.Checking() {
		return
	}
	l, ok := lookupType[*listValue](c, argv[1])
	if !ok {
		return
	}
	if l == nil {
		c.Null()
		return
	}
	index, isInt := parseInt(argv[2])
	if !isInt {
		c.Error(ErrNotInteger)
		return
	}
	if index < 0 {
		index += int64(l.Len())
	}
	if index < 0 || index >= int64(l.Len()) {
		c.Null()
		return
	}
	c.Bulk(l.At(int(index)))
}

// LSET key index element
//
// As Redis: the key is looked up before the index is parsed, so an absent
// key is "ERR no such key" whatever the index.
func cmdLSet(c *Ctx, argv [][]byte) {
	if c.Checking() {
		return
	}
	l, ok := lookupType[*listValue](c, argv[1])
	if !ok {
		return
	}
	if l == nil {
		c.Error(ErrNoSuchKey)
		return
	}
	index, isInt := parseInt(argv[2])
	if !isInt {
		c.Error(ErrNotInteger)
		return
	}
	if index < 0 {
		index += int64(l.Len())
	}
	if index < 0 || index >= int64(l.Len()) {
		c.Error(errIndexRange)
		return
	}
	l, _ = mutableType[*listValue](c, argv[1])
	l.Set(int(index), append([]byte(nil), argv[3]...))
	c.OK()
}

// LINSERT key <BEFORE | AFTER> pivot element
func cmdLInsert(c *Ctx, argv [][]byte) {
	var after bool
	switch {
	case eqFold(argv[2], "after"):
		after = true
	case eqFold(argv[2], "before"):
	default:
		c.Error(ErrSyntax)
		return
	}
	if c.Checking() {
		return
	}
	l, ok := lookupType[*listValue](c, argv[1])
	if !ok {
		return
	}
	if l == nil {
		c.Int(0)
		return
	}
	at := -1
	l.Range(0, func(i int, e []byte) bool {
		if bytes.Equal(e, argv[3]) {
			at = i
			return false
		}
		return true
	})
	if at < 0 {
		c.Int(-1) // pivot not found: the key is left alone
		return
	}
	if after {
		at++
	}
	l, _ = mutableType[*listValue](c, argv[1])
	l.Insert(at, append([]byte(nil), argv[4]...))
	c.Int(int64(l.Len()))
}

// LREM key count element
//
// count > 0 removes up to count matches from the head, count < 0 up to
// -count from the tail, 0 all of them.
func cmdLRem(c *Ctx, argv [][]byte) {
	count, isInt := parseInt(argv[2])
	if !isInt {
		c.Error(ErrNotInteger)
		return
	}
	if c.Checking() {
		return
	}
	l, ok := lookupType[*listValue](c, argv[1])
	if !ok {
		return
	}
	if l == nil {
		c.Int(0)
		return
	}
	limit := count // 0: no limit
	if count < 0 {
		limit = -count
		if limit < 0 { // -MinInt64
			limit = 0
		}
	}
	var idx []int
	match := func(i int, e []byte) bool {
		if bytes.Equal(e, argv[3]) {
			idx = append(idx, i)
		}
		return limit == 0 || int64(len(idx)) < limit
	}
	if count < 0 {
		l.RangeReverse(l.Len()-1, match)
	} else {
		l.Range(0, match)
	}
	if len(idx) == 0 {
		c.Int(0) // nothing removed: the key is left alone
		return
	}
	l, _ = mutableType[*listValue](c, argv[1])
	l.RemoveAt(idx)
	c.deleteIfEmpty(argv[1], l.Len())
	c.Int(int64(len(idx)))
}

// LTRIM key start stop
func cmdLTrim(c *Ctx, argv [][]byte) {
	start, isInt1 := parseInt(argv[2])
	stop, isInt2 := parseInt(argv[3])
	if !isInt1 || !isInt2 {
		c.Error(ErrNotInteger)
		return
	}
	if c.Checking() {
		return
	}
	l, ok := lookupType[*listValue](c, argv[1])
	if !ok {
		return
	}
	if l == nil {
		c.OK()
		return
	}
	from, to, nonEmpty := listRange(start, stop, l.Len())
	if !nonEmpty {
		c.del(string(argv[1]))
		c.OK()
		return
	}
	// Stamped even when nothing is trimmed, as Redis signals the key.
	l, _ = mutableType[*listValue](c, argv[1])
	l.Trim(from, to)
	c.OK()
}

// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
//
// RANK r starts at the r-th match (from the tail if negative), COUNT n
// returns up to n matches as an array (0: all), MAXLEN m compares only m
// elements (0: all). Indexes are always counted from the head.
func cmdLPos(c *Ctx, argv [][]byte) {
	rank, count, maxlen := int64(1), int64(-1), int64(0) // count -1: no COUNT
	for j := 3; j < len(argv); j++ {
		more := j+1 < len(argv)
		switch {
		case eqFold(argv[j], "rank") && more:
			j++
			n, isInt := parseInt(argv[j])
			if !isInt {
				c.Error(ErrNotInteger)
				return
			}
			if n == 0 {
				c.Error(errLPosRank)
				return
			}
			rank = n
		case eqFold(argv[j], "count") && more:
			j++
			n, isInt := parseInt(argv[j])
			if !isInt || n < 0 {
				c.Error(errLPosCount)
				return
			}
			count = n
		case eqFold(argv[j], "maxlen") && more:
			j++
			n, isInt := parseInt(argv[j])
			if !isInt || n < 0 {
				c.Error(errLPosMaxLen)
				return
			}
			maxlen = n
		default:
			c.Error(ErrSyntax)
			return
		}
	}
	if c.Checking() {
		return
	}
	l, ok := lookupType[*listValue](c, argv[1])
	if !ok {
		return
	}
	var found []int
	if l != nil {
		// The arithmetic is Redis's, wrapping included: RANK
		// -9223372036854775808 negates to itself, so every match from
		// the tail qualifies and a COUNT never stops the search, which is
		// what redis-server 7.0 replies.
		fromTail := rank < 0
		if fromTail {
			rank = -rank
		}
		var matches, seen int64
		visit := func(i int, e []byte) bool {
			if maxlen != 0 && seen >= maxlen {
				return false
			}
			seen++
			if !bytes.Equal(e, argv[2]) {
				return true
			}
			matches++
			if matches < rank {
				return true
			}
			found = append(found, i)
			if count == -1 {
				return false
			}
			return count == 0 || matches-rank+1 < count
		}
		if fromTail {
			l.RangeReverse(l.Len()-1, visit)
		} else {
			l.Range(0, visit)
		}
	}
	if count == -1 {
		if len(found) == 0 {
			c.Null()
		} else {
			c.Int(int64(found[0]))
		}
		return
	}
	c.Array(len(found))
	for _, i := range found {
		c.Int(int64(i))
	}
}

// LMOVE source destination <LEFT | RIGHT> <LEFT | RIGHT>
func cmdLMove(c *Ctx, argv [][]byte) {
	from, to, ok := lmoveArgs(c, argv)
	if !ok || c.Checking() {
		return
	}
	lmoveGeneric(c, argv[1], argv[2], from, to)
}

// lmoveArgs parses LMOVE's two ends, appending a syntax error if either
// is neither LEFT nor RIGHT.
func lmoveArgs(c *Ctx, argv [][]byte) (from, to, ok bool) {
	from, ok1 := parseWhere(argv[3])
	to, ok2 := parseWhere(argv[4])
	if !ok1 || !ok2 {
		c.Error(ErrSyntax)
		return false, false, false
	}
	return from, to, true
}

// RPOPLPUSH source destination
func cmdRPopLPush(c *Ctx, argv [][]byte) {
	if c.Checking() {
		return
	}
	lmoveGeneric(c, argv[1], argv[2], false, true)
}

// lmoveGeneric pops from one end of src and pushes onto one end of dst.
// With src == dst the list rotates (a one-element list stays as it is,
// but is still stamped, as Redis signals it).
func lmoveGeneric(c *Ctx, src, dst []byte, fromLeft, toLeft bool) {
	l, ok := lookupType[*listValue](c, src)
	if !ok {
		return
	}
	if l == nil {
		c.Null()
		return
	}
	if _, ok := lookupType[*listValue](c, dst); !ok {
		return
	}
	l, _ = mutableType[*listValue](c, src)
	e := l.pop(fromLeft)
	d := l
	if !bytes.Equal(src, dst) {
		d, _ = listFor(c, dst)
	}
	if toLeft {
		d.PushLeft(e)
	} else {
		d.PushRight(e)
	}
	c.deleteIfEmpty(src, l.Len())
	c.Bulk(e)
}

// LMPOP numkeys key [key ...] <LEFT | RIGHT> [COUNT count]
//
// Pops up to count (default 1) elements from the first of the keys that
// holds a list, replying [key, [elements]], or a null array when none does.
// Keys before that list must be absent or lists (WRONGTYPE otherwise);
// keys after it are not looked at.
func cmdLMPop(c *Ctx, argv [][]byte) {
	keys, left, count, ok := mpopArgs(c, argv, parseWhere)
	if !ok || c.Checking() {
		return
	}
	lmpopApply(c, keys, left, count)
}

// mpopArgs parses numkeys key [key ...] END [COUNT count] from argv[1:]
// (LMPOP, ZMPOP and their blocking forms), appending Redis's error if it
// is malformed. end parses END (LEFT|RIGHT, MIN|MAX) into first.
func mpopArgs(c *Ctx, argv [][]byte, end func([]byte) (first, ok bool)) (keys [][]byte, first bool, count int64, ok bool) {
	numkeys, isInt := parseInt(argv[1])
	if !isInt || numkeys < 1 {
		c.Error(errNumKeys)
		return nil, false, 0, false
	}
	whereIdx := int64(2) + numkeys
	if numkeys > int64(len(argv)) || whereIdx >= int64(len(argv)) {
		c.Error(ErrSyntax)
		return nil, false, 0, false
	}
	first, ok = end(argv[whereIdx])
	if !ok {
		c.Error(ErrSyntax)
		return nil, false, 0, false
	}
	count = -1
	for j := int(whereIdx) + 1; j < len(argv); j++ {
		if count == -1 && eqFold(argv[j], "count") && j+1 < len(argv) {
			j++
			n, isInt := parseInt(argv[j])
			if !isInt || n < 1 {
				c.Error(errCountNotPos)
				return nil, false, 0, false
			}
			count = n
			continue
		}
		c.Error(ErrSyntax)
		return nil, false, 0, false
	}
	if count == -1 {
		count = 1
	}
	return argv[2:whereIdx], first, count, true
}

// lmpopApply pops up to count elements from the first non-empty list of
// keys, or answers a null array.
func lmpopApply(c *Ctx, keys [][]byte, left bool, count int64) {
	key, l, ok := firstList(c, keys)
	switch {
	case !ok:
	case l == nil:
		c.NullArray()
	default:
		n := min(int64(l.Len()), count)
		c.Array(2)
		c.Bulk(key)
		c.Array(int(n))
		for ; n > 0; n-- {
			c.Bulk(l.pop(left))
		}
		c.deleteIfEmpty(key, l.Len())
	}
}

// firstList returns the first of keys holding a list, ready to be changed
// in place (nil if none does); ok is false, with WRONGTYPE appended, if a
// key before it holds another type.
func firstList(c *Ctx, keys [][]byte) (key []byte, l *listValue, ok bool) {
	for _, key := range keys {
		l, ok := lookupType[*listValue](c, key)
		if !ok {
			return nil, nil, false
		}
		if l != nil {
			l, _ = mutableType[*listValue](c, key)
			return key, l, true
		}
	}
	return nil, nil, true
}
