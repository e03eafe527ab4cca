package fsm

import (
	"math"
	"strconv"
)

func init() {
	register([]Command{
		{Name: "hset", Syntax: "key field value [field value ...]", Arity: -4, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Summary: "Sets fields of a hash, creating it if needed; returns how many fields were new.", Fn: cmdHSet},
		{Name: "hsetnx", Syntax: "key field value", Arity: 4, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Summary: "Sets a hash field only if it does not exist yet.", Fn: cmdHSetNX},
		{Name: "hmset", Syntax: "key field value [field value ...]", Arity: -4, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Summary: "Sets fields of a hash (deprecated form of HSET that replies OK).", Fn: cmdHMSet},
		{Name: "hget", Syntax: "key field", Arity: 3, Flags: FlagReadOnly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Summary: "Returns the value of a hash field.", Fn: cmdHGet},
		{Name: "hmget", Syntax: "key field [field ...]", Arity: -3, Flags: FlagReadOnly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Summary: "Returns the values of several hash fields.", Fn: cmdHMGet},
		{Name: "hgetall", Syntax: "key", Arity: 2, Flags: FlagReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Summary: "Returns every field and value of a hash.", Fn: cmdHGetAll},
		{Name: "hdel", Syntax: "key field [field ...]", Arity: -3, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Summary: "Deletes hash fields, and the hash once it is empty.", Fn: cmdHDel},
		{Name: "hexists", Syntax: "key field", Arity: 3, Flags: FlagReadOnly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Summary: "Tells whether a hash field exists.", Fn: cmdHExists},
		{Name: "hlen", Syntax: "key", Arity: 2, Flags: FlagReadOnly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Summary: "Returns the number of fields of a hash.", Fn: cmdHLen},
		{Name: "hkeys", Syntax: "key", Arity: 2, Flags: FlagReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Summary: "Returns every field of a hash.", Fn: cmdHKeys},
		{Name: "hvals", Syntax: "key", Arity: 2, Flags: FlagReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Summary: "Returns every value of a hash.", Fn: cmdHVals},
		{Name: "hincrby", Syntax: "key field increment", Arity: 4, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Summary: "Adds an integer to a hash field.", Fn: cmdHIncrBy},
		{Name: "hincrbyfloat", Syntax: "key field increment:double", Arity: 4, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Summary: "Adds a floating-point number to a hash field.", Fn: cmdHIncrByFloat},
		{Name: "hstrlen", Syntax: "key field", Arity: 3, Flags: FlagReadOnly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Summary: "Returns the length of a hash field's value.", Fn: cmdHStrLen},
		{Name: "hrandfield", Syntax: "key [count [WITHVALUES]]", Arity: -2, Flags: FlagReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Summary: "Returns random fields of a hash, optionally with their values.", Fn: cmdHRandField},
		{Name: "hscan", Syntax: "key cursor [MATCH pattern] [COUNT count]", Arity: -3, Flags: FlagReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: "hash", Summary: "Iterates over the fields and values of a hash.", Fn: cmdHScan},
	})
}

// hashFor returns the hash at key ready to be changed in place, creating
// an empty one if the key is absent; ok is false (WRONGTYPE appended) if
// the key holds another type. Only for write handlers past Checking().
func hashFor(c *Ctx, key []byte) (*hashValue, bool) {
	h, ok := mutableType[*hashValue](c, key)
	if !ok {
		return nil, false
	}
	if h == nil {
		h = newHash()
		c.setValue(string(key), h)
	}
	return h, true
}

// HSET key field value [field value ...]
func cmdHSet(c *Ctx, argv [][]byte) { hsetGeneric(c, argv, "hset") }

// HMSET key field value [field value ...]
func cmdHMSet(c *Ctx, argv [][]byte) { hsetGeneric(c, argv, "hmset") }

func hsetGeneric(c *Ctx, argv [][]byte, name string) {
	if len(argv)%2 != 0 {
		c.Error(ArityError(name))
		return
	}
	if c.Checking() {
		return
	}
	h, ok := hashFor(c, argv[1])
	if !ok {
		return
	}
	added := 0
	for i := 2; i < len(argv); i += 2 {
		if h.m.Set(string(argv[i]), append([]byte(nil), argv[i+1]...)) {
			added++
		}
	}
	if name == "hmset" {
		c.OK()
		return
	}
	c.Int(int64(added))
}

// HSETNX key field value
func cmdHSetNX(c *Ctx, argv [][]byte) {
	if c.Checking() {
		return
	}
	h, ok := lookupType[*hashValue](c, argv[1])
	if !ok {
		return
	}
	if h != nil {
		if _, exists := h.m.Get(string(argv[2])); exists {
			c.Int(0)
			return
		}
	}
	h, _ = hashFor(c, argv[1])
	h.m.Set(string(argv[2]), append([]byte(nil), argv[3]...))
	c.Int(1)
}

// HGET key field
func cmdHGet(c *Ctx, argv [][]byte) {
	if c.Checking() {
		return
	}
	h, ok := lookupType[*hashValue](c, argv[1])
	if !ok {
		return
	}
	if h == nil {
		c.Null()
		return
	}
	v, found := h.m.Get(string(argv[2]))
	if !found {
		c.Null()
		return
	}
	c.Bulk(v)
}

// HMGET key field [field ...]
func cmdHMGet(c *Ctx, argv [][]byte) {
	if c.Checking() {
		return
	}
	h, ok := lookupType[*hashValue](c, argv[1])
	if !ok {
		return
	}
	c.Array(len(argv) - 2)
	for _, f := range argv[2:] {
		if h == nil {
			c.Null()
			continue
		}
		if v, found := h.m.Get(string(f)); found {
			c.Bulk(v)
		} else {
			c.Null()
		}
	}
}

// HGETALL key
func cmdHGetAll(c *Ctx, argv [][]byte) { hashDump(c, argv, true, true) }

// HKEYS key
func cmdHKeys(c *Ctx, argv [][]byte) { hashDump(c, argv, true, false) }

// HVALS key
func cmdHVals(c *Ctx, argv [][]byte) { hashDump(c, argv, false, true) }

func hashDump(c *Ctx, argv [][]byte, fields, values bool) {
	if c.Checking() {
		return
	}
	h, ok := lookupType[*hashValue](c, argv[1])
	if !ok {
		return
	}
	if h == nil {
		c.Array(0)
		return
	}
	n := h.m.Len()
	if fields && values {
		n *= 2
	}
	c.Array(n)
	h.m.Each(func(f string, v []byte) bool {
		if fields {
			c.BulkString(f)
		}
		if values {
			c.Bulk(v)
		}
		return true
	})
}

// HDEL key field [field ...]
func cmdHDel(c *Ctx, argv [][]byte) {
	if c.Checking() {
		return
	}
	h, ok := lookupType[*hashValue](c, argv[1])
	if !ok {
		return
	}
	if h == nil || !hashHasAny(h, argv[2:]) {
		// Nothing to delete: the key is left untouched (WATCH does not fire).
		c.Int(0)
		return
	}
	h, _ = mutableType[*hashValue](c, argv[1])
	deleted := 0
	for _, f := range argv[2:] {
		if _, found := h.m.Delete(string(f)); found {
			deleted++
		}
	}
	c.deleteIfEmpty(argv[1], h.m.Len())
	c.Int(int64(deleted))
}

func hashHasAny(h *hashValue, fields [][]byte) bool {
	for _, f := range fields {
		if _, found := h.m.Get(string(f)); found {
			return true
		}
	}
	return false
}

// HEXISTS key field
func cmdHExists(c *Ctx, argv [][]byte) {
	if c.Checking() {
		return
	}
	h, ok := lookupType[*hashValue](c, argv[1])
	if !ok {
		return
	}
	found := false
	if h != nil {
		_, found = h.m.Get(string(argv[2]))
	}
	c.Bool(found)
}

// HLEN key
func cmdHLen(c *Ctx, argv [][]byte) {
	if c.Checking() {
		return
	}
	h, ok := lookupType[*hashValue](c, argv[1])
	if !ok {
		return
	}
	if h == nil {
		c.Int(0)
		return
	}
	c.Int(int64(h.m.Len()))
}

// HSTRLEN key field
func cmdHStrLen(c *Ctx, argv [][]byte) {
	if c.Checking() {
		return
	}
	h, ok := lookupType[*hashValue](c, argv[1])
	if !ok {
		return
	}
	n := 0
	if h != nil {
		v, _ := h.m.Get(string(argv[2]))
		n = len(v)
	}
	c.Int(int64(n))
}

// HINCRBY key field increment
func cmdHIncrBy(c *Ctx, argv [][]byte) {
	incr, isInt := parseInt(argv[3])
	if !isInt {
		c.Error(ErrNotInteger)
		return
	}
	if c.Checking() {
		return
	}
	h, ok := lookupType[*hashValue](c, argv[1])
	if !ok {
		return
	}
	var cur int64
	if h != nil {
		if v, found := h.m.Get(string(argv[2])); found {
			if cur, isInt = parseInt(v); !isInt {
				c.Error(ErrHashNotInt)
				return
			}
		}
	}
	if (incr < 0 && cur < 0 && incr < math.MinInt64-cur) || (incr > 0 && cur > 0 && incr > math.MaxInt64-cur) {
		c.Error(ErrOverflow)
		return
	}
	cur += incr
	h, _ = hashFor(c, argv[1])
	h.m.Set(string(argv[2]), strconv.AppendInt(nil, cur, 10))
	c.Int(cur)
}

// HINCRBYFLOAT key field increment
//
// The arithmetic and formatting are Redis's long double ones (incrFloat).
func cmdHIncrByFloat(c *Ctx, argv [][]byte) {
	incr, isFloat := parseLongDouble(argv[3])
	if !isFloat {
		c.Error(ErrNotFloat)
		return
	}
	if incr.IsInf() {
		c.Error("ERR value is NaN or Infinity")
		return
	}
	if c.Checking() {
		return
	}
	h, ok := lookupType[*hashValue](c, argv[1])
	if !ok {
		return
	}
	var cur []byte // nil: the field is absent and counts as 0
	if h != nil {
		if v, found := h.m.Get(string(argv[2])); found {
			if cur = v; cur == nil {
				cur = []byte{} // an empty value is present, and not a float
			}
		}
	}
	res, msg := incrFloat(cur, argv[3])
	if msg == ErrNotFloat {
		msg = ErrHashNotFloat // the increment was checked above: it is the field
	}
	if msg != "" {
		c.Error(msg)
		return
	}
	h, _ = hashFor(c, argv[1])
	h.m.Set(string(argv[2]), res)
	c.Bulk(res)
}

// HRANDFIELD key [count [WITHVALUES]]
//
// Without count: one random field, or nil. With a positive count: up to
// count distinct fields; with a negative count: exactly -count fields that
// may repeat; 0: an empty array. Inside EXEC the PRNG is the entry's, so
// every replica replies the same.
func cmdHRandField(c *Ctx, argv [][]byte) {
	var count int64
	withValues := false
	if len(argv) >= 3 {
		var msg string
		if count, msg = collRandCount(argv[2]); msg != "" {
			c.Error(msg)
			return
		}
		if len(argv) > 4 || (len(argv) == 4 && !eqFold(argv[3], "withvalues")) {
			c.Error(ErrSyntax)
			return
		}
		if len(argv) == 4 {
			withValues = true
			if count < -math.MaxInt64/2 || count > math.MaxInt64/2 {
				c.Error("ERR value is out of range")
				return
			}
		}
	}
	if c.Checking() {
		return
	}
	h, ok := lookupType[*hashValue](c, argv[1])
	if !ok {
		return
	}
	if len(argv) == 2 {
		if h == nil {
			c.Null()
			return
		}
		f, _ := h.m.At(c.Rand().IntN(h.m.Len()))
		c.BulkString(f)
		return
	}
	if h == nil {
		c.Array(0)
		return
	}
	n, ranks := collRandRanks(c.Rand(), h.m.Len(), count)
	if withValues {
		c.Array(2 * n)
	} else {
		c.Array(n)
	}
	for r := range ranks {
		f, v := h.m.At(r)
		c.BulkString(f)
		if withValues {
			c.Bulk(v)
		}
	}
}

// HSCAN key cursor [MATCH pattern] [COUNT count]
func cmdHScan(c *Ctx, argv [][]byte) {
	scanContainer(c, argv, func(h *hashValue, cursor uint64, count int, emit func(name string, val []byte)) uint64 {
		return h.m.Scan(cursor, count, emit)
	}, true)
}
