package fsm

import (
	"fmt"
	"math"
	"strconv"
)

// String commands. Relative expiries (EX, PX, SETEX, PSETEX) are made
// absolute against c.Now when the entry is applied.
func init() {
	register([]Command{
		{Name: "get", Syntax: "key", Arity: 2, Flags: FlagReadOnly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Summary: "Returns the string value of a key.", Fn: cmdGet},
		{Name: "set", Syntax: "key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]", Arity: -3, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Summary: "Sets the string value of a key, ignoring its type.", Fn: cmdSet},
		{Name: "setnx", Syntax: "key value", Arity: 3, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Summary: "Sets a key's string value only when the key does not exist.", Fn: cmdSetNX},
		{Name: "setex", Syntax: "key seconds value", Arity: 4, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Summary: "Sets a key's string value and its time to live in seconds.", Fn: cmdSetEX},
		{Name: "psetex", Syntax: "key milliseconds value", Arity: 4, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Summary: "Sets a key's string value and its time to live in milliseconds.", Fn: cmdPSetEX},
		{Name: "getset", Syntax: "key value", Arity: 3, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Summary: "Sets a key's string value and returns the previous one.", Fn: cmdGetSet},
		{Name: "getdel", Syntax: "key", Arity: 2, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Summary: "Returns a key's string value and deletes the key.", Fn: cmdGetDel},
		{Name: "getex", Syntax: "key [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | PERSIST]", Arity: -2, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Summary: "Returns a key's string value and changes or removes its expiry.", Fn: cmdGetEx},
		{Name: "mget", Syntax: "key [key ...]", Arity: -2, Flags: FlagReadOnly | FlagFast, FirstKey: 1, LastKey: -1, Step: 1, Group: "string", Summary: "Returns the string values of one or more keys.", Fn: cmdMGet},
		{Name: "mset", Syntax: "key value [key value ...]", Arity: -3, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: -1, Step: 2, Group: "string", Summary: "Sets the string values of one or more keys.", Fn: cmdMSet},
		{Name: "msetnx", Syntax: "key value [key value ...]", Arity: -3, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: -1, Step: 2, Group: "string", Summary: "Sets several keys only when none of them exists.", Fn: cmdMSetNX},
		{Name: "incr", Syntax: "key", Arity: 2, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Summary: "Increments the integer value of a key by one.", Fn: cmdIncr},
		{Name: "decr", Syntax: "key", Arity: 2, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Summary: "Decrements the integer value of a key by one.", Fn: cmdDecr},
		{Name: "incrby", Syntax: "key increment", Arity: 3, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Summary: "Increments the integer value of a key by a number.", Fn: cmdIncrBy},
		{Name: "decrby", Syntax: "key decrement", Arity: 3, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Summary: "Decrements the integer value of a key by a number.", Fn: cmdDecrBy},
		{Name: "incrbyfloat", Syntax: "key increment:double", Arity: 3, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Summary: "Increments the floating point value of a key by a number.", Fn: cmdIncrByFloat},
		{Name: "append", Syntax: "key value", Arity: 3, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Summary: "Appends a string to the value of a key, creating it if needed.", Fn: cmdAppend},
		{Name: "strlen", Syntax: "key", Arity: 2, Flags: FlagReadOnly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Summary: "Returns the length of a key's string value.", Fn: cmdStrlen},
		{Name: "getrange", Syntax: "key start end", Arity: 4, Flags: FlagReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Summary: "Returns a substring of a key's string value.", Fn: cmdGetRange},
		{Name: "setrange", Syntax: "key offset value", Arity: 4, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Summary: "Overwrites part of a key's string value from an offset.", Fn: cmdSetRange},
	})
}

// maxStringLen is Redis's default proto-max-bulk-len: no string grows
// beyond it (APPEND, SETRANGE).
const maxStringLen = 512 << 20

const errDecrOverflow = "ERR decrement would overflow"

// GET key
func cmdGet(c *Ctx, argv [][]byte) {
	if c.Checking() {
		return
	}
	v, ok := lookupType[*strValue](c, argv[1])
	if !ok {
		return
	}
	if v == nil {
		c.Null()
		return
	}
	c.Bulk(v.b)
}

// The options of SET and GETEX, as Redis's OBJ_* flags.
const (
	setNX = 1 << iota
	setXX
	setEX
	setPX
	setKeepTTL
	setGet
	setEXAT
	setPXAT
	setPersist
)

// parseSetOptions is Redis 7.0's parseExtendedStringArgumentsOrReply: the
// options of SET (forSet) or GETEX from argv[start:]. It returns the flags
// and the expire argument, or ok false after appending a syntax error.
// Repeating an option is allowed (the last EX wins); incompatible ones are
// a syntax error.
func parseSetOptions(c *Ctx, argv [][]byte, start int, forSet bool) (flags int, expire []byte, ok bool) {
	const anyExpire = setEX | setPX | setEXAT | setPXAT
	for j := start; j < len(argv); j++ {
		opt := argv[j]
		hasNext := j+1 < len(argv)
		switch {
		case eqFold(opt, "nx") && flags&setXX == 0 && forSet:
			flags |= setNX
		case eqFold(opt, "xx") && flags&setNX == 0 && forSet:
			flags |= setXX
		case eqFold(opt, "get") && forSet:
			flags |= setGet
		case eqFold(opt, "keepttl") && flags&(setPersist|anyExpire) == 0 && forSet:
			flags |= setKeepTTL
		case eqFold(opt, "persist") && !forSet && flags&(anyExpire|setKeepTTL) == 0:
			flags |= setPersist
		case eqFold(opt, "ex") && flags&(setKeepTTL|setPersist|setEXAT|setPX|setPXAT) == 0 && hasNext:
			flags |= setEX
			expire = argv[j+1]
			j++
		case eqFold(opt, "px") && flags&(setKeepTTL|setPersist|setEX|setEXAT|setPXAT) == 0 && hasNext:
			flags |= setPX
			expire = argv[j+1]
			j++
		case eqFold(opt, "exat") && flags&(setKeepTTL|setPersist|setEX|setPX|setPXAT) == 0 && hasNext:
			flags |= setEXAT
			expire = argv[j+1]
			j++
		case eqFold(opt, "pxat") && flags&(setKeepTTL|setPersist|setEX|setEXAT|setPX) == 0 && hasNext:
			flags |= setPXAT
			expire = argv[j+1]
			j++
		default:
			c.Error(ErrSyntax)
			return 0, nil, false
		}
	}
	return flags, expire, true
}

// parseExpireArg checks an expire argument as the first half of Redis's
// getExpireMillisecondsOrReply: an integer, positive, that fits in
// milliseconds. It returns milliseconds, still relative for EX and PX.
func parseExpireArg(arg []byte, seconds bool, name string) (int64, string) {
	ms, isInt := parseInt(arg)
	if !isInt {
		return 0, ErrNotInteger
	}
	if ms <= 0 || (seconds && ms > math.MaxInt64/1000) {
		return 0, fmt.Sprintf(ErrInvalidExpire, name)
	}
	if seconds {
		ms *= 1000
	}
	return ms, ""
}

// absExpire is the second half: a relative time is made absolute against
// c.Now, refusing an overflow.
func (c *Ctx) absExpire(ms int64, relative bool, name string) (int64, string) {
	if relative {
		ms += c.Now // wraps on overflow, like the C code, and is caught below
	}
	if ms <= 0 {
		return 0, fmt.Sprintf(ErrInvalidExpire, name)
	}
	return ms, ""
}

// SET key value [NX | XX] [GET] [EX seconds | PX milliseconds |
// EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]
func cmdSet(c *Ctx, argv [][]byte) {
	flags, expire, ok := parseSetOptions(c, argv, 3, true)
	if !ok {
		return
	}
	setGeneric(c, argv[1], argv[2], flags, expire, "set", okReply, nilReply)
}

// Fixed replies of the SET family.
var (
	okReply   = []byte("+OK\r\n")
	nilReply  = []byte("$-1\r\n")
	oneReply  = []byte(":1\r\n")
	zeroReply = []byte(":0\r\n")
)

// setGeneric is Redis's setGenericCommand. It runs in both phases: the
// expire argument is checked before the Checking return. okRep and abortRep
// are the replies for a done and a skipped (NX/XX) SET; with GET the reply
// is the old value instead.
func setGeneric(c *Ctx, key, val []byte, flags int, expire []byte, name string, okRep, abortRep []byte) {
	var ms int64
	if expire != nil {
		var msg string
		if ms, msg = parseExpireArg(expire, flags&(setEX|setEXAT) != 0, name); msg != "" {
			c.Error(msg)
			return
		}
	}
	if c.Checking() {
		return
	}
	if expire != nil {
		var msg string
		if ms, msg = c.absExpire(ms, flags&(setEX|setPX) != 0, name); msg != "" {
			c.Error(msg)
			return
		}
	}
	var found bool // only NX and XX ask, so a plain SET looks nothing up
	switch {
	case flags&setGet != 0:
		old, isStr := lookupType[*strValue](c, key)
		if !isStr {
			return // WRONGTYPE, nothing set
		}
		if old == nil {
			c.Null()
		} else {
			c.Bulk(old.b)
		}
		found = old != nil
	case flags&(setNX|setXX) != 0:
		found = c.lookup(key) != nil
	}
	if (flags&setNX != 0 && found) || (flags&setXX != 0 && !found) {
		if flags&setGet == 0 {
			c.Raw(abortRep)
		}
		return
	}
	k := string(key)
	switch {
	case flags&setKeepTTL != 0:
		c.setValueKeepTTL(k, newString(val))
	case expire != nil:
		c.setValueIn(c.db, k, newString(val), ms)
	default:
		c.setValue(k, newString(val))
	}
	if flags&setGet == 0 {
		c.Raw(okRep)
	}
}

// SETNX key value
func cmdSetNX(c *Ctx, argv [][]byte) {
	setGeneric(c, argv[1], argv[2], setNX, nil, "setnx", oneReply, zeroReply)
}

// SETEX key seconds value
func cmdSetEX(c *Ctx, argv [][]byte) {
	setGeneric(c, argv[1], argv[3], setEX, argv[2], "setex", okReply, nilReply)
}

// PSETEX key milliseconds value
func cmdPSetEX(c *Ctx, argv [][]byte) {
	setGeneric(c, argv[1], argv[3], setPX, argv[2], "psetex", okReply, nilReply)
}

// getString appends a key's string value (or nil) as Redis's
// getGenericCommand. ok is false when a WRONGTYPE error was appended.
func getString(c *Ctx, key []byte) (v *strValue, ok bool) {
	v, ok = lookupType[*strValue](c, key)
	if !ok {
		return nil, false
	}
	if v == nil {
		c.Null()
	} else {
		c.Bulk(v.b)
	}
	return v, true
}

// GETSET key value
func cmdGetSet(c *Ctx, argv [][]byte) {
	if c.Checking() {
		return
	}
	if _, ok := getString(c, argv[1]); !ok {
		return
	}
	c.setValue(string(argv[1]), newString(argv[2]))
}

// GETDEL key
func cmdGetDel(c *Ctx, argv [][]byte) {
	if c.Checking() {
		return
	}
	if v, ok := getString(c, argv[1]); ok && v != nil {
		c.del(string(argv[1]))
	}
}

// GETEX key [EX seconds | PX milliseconds | EXAT unix-time-seconds |
// PXAT unix-time-milliseconds | PERSIST]
//
// As in Redis, the expire argument is only validated once the key is known
// to hold a string: "GETEX missing EX abc" answers nil. So a bad number
// here reaches the log and is refused at apply time (deterministically).
func cmdGetEx(c *Ctx, argv [][]byte) {
	flags, expire, ok := parseSetOptions(c, argv, 2, false)
	if !ok || c.Checking() {
		return
	}
	v, ok := lookupType[*strValue](c, argv[1])
	if !ok {
		return
	}
	if v == nil {
		c.Null()
		return
	}
	var at int64
	if expire != nil {
		ms, msg := parseExpireArg(expire, flags&(setEX|setEXAT) != 0, "getex")
		if msg == "" {
			at, msg = c.absExpire(ms, flags&(setEX|setPX) != 0, "getex")
		}
		if msg != "" {
			c.Error(msg)
			return
		}
	}
	c.Bulk(v.b)
	key := string(argv[1])
	switch {
	case expire != nil && at <= c.Now:
		c.del(key) // EXAT/PXAT in the past
	case expire != nil:
		c.setExpire(key, at)
	case flags&setPersist != 0:
		if e := c.lookup(argv[1]); e.expireAt != 0 {
			c.setExpire(key, 0)
		}
	}
}

// MGET key [key ...]
//
// A key that does not hold a string answers nil, as in Redis.
func cmdMGet(c *Ctx, argv [][]byte) {
	if c.Checking() {
		return
	}
	c.Array(len(argv) - 1)
	for _, k := range argv[1:] {
		if e := c.lookup(k); e != nil {
			if v, isStr := e.val.(*strValue); isStr {
				c.Bulk(v.b)
				continue
			}
		}
		c.Null()
	}
}

// MSET key value [key value ...]
func cmdMSet(c *Ctx, argv [][]byte) { msetGeneric(c, argv, false) }

// MSETNX key value [key value ...]
func cmdMSetNX(c *Ctx, argv [][]byte) { msetGeneric(c, argv, true) }

func msetGeneric(c *Ctx, argv [][]byte, nx bool) {
	if len(argv)%2 == 0 {
		if nx {
			c.Error(ArityError("msetnx"))
		} else {
			c.Error(ArityError("mset"))
		}
		return
	}
	if c.Checking() {
		return
	}
	if nx {
		for j := 1; j < len(argv); j += 2 {
			if c.lookup(argv[j]) != nil {
				c.Int(0)
				return
			}
		}
	}
	for j := 1; j < len(argv); j += 2 {
		c.setValue(string(argv[j]), newString(argv[j+1]))
	}
	if nx {
		c.Int(1)
	} else {
		c.OK()
	}
}

// INCR key
func cmdIncr(c *Ctx, argv [][]byte) {
	if !c.Checking() {
		incrGeneric(c, argv[1], 1)
	}
}

// DECR key
func cmdDecr(c *Ctx, argv [][]byte) {
	if !c.Checking() {
		incrGeneric(c, argv[1], -1)
	}
}

// INCRBY key increment
func cmdIncrBy(c *Ctx, argv [][]byte) {
	incr, isInt := parseInt(argv[2])
	if !isInt {
		c.Error(ErrNotInteger)
		return
	}
	if !c.Checking() {
		incrGeneric(c, argv[1], incr)
	}
}

// DECRBY key decrement
func cmdDecrBy(c *Ctx, argv [][]byte) {
	decr, isInt := parseInt(argv[2])
	if !isInt {
		c.Error(ErrNotInteger)
		return
	}
	if decr == math.MinInt64 {
		c.Error(errDecrOverflow)
		return
	}
	if !c.Checking() {
		incrGeneric(c, argv[1], -decr)
	}
}

// incrGeneric adds incr to the integer in key (0 if absent), keeping the
// key's expiry, as Redis's incrDecrCommand.
func incrGeneric(c *Ctx, key []byte, incr int64) {
	v, ok := lookupType[*strValue](c, key)
	if !ok {
		return
	}
	var cur int64
	if v != nil {
		var isInt bool
		if cur, isInt = parseInt(v.b); !isInt {
			c.Error(ErrNotInteger)
			return
		}
	}
	if (incr < 0 && cur < 0 && incr < math.MinInt64-cur) ||
		(incr > 0 && cur > 0 && incr > math.MaxInt64-cur) {
		c.Error(ErrOverflow)
		return
	}
	cur += incr
	c.setValueKeepTTL(string(key), &strValue{b: strconv.AppendInt(nil, cur, 10)})
	c.Int(cur)
}

// INCRBYFLOAT key increment
//
// Long double arithmetic as Redis (see float.go). Redis checks the key's
// type before it parses the increment, so a bad increment is reported by
// the state machine (after WRONGTYPE), not in the check phase: that order
// is visible to clients.
func cmdIncrByFloat(c *Ctx, argv [][]byte) {
	if c.Checking() {
		return
	}
	v, ok := lookupType[*strValue](c, argv[1])
	if !ok {
		return
	}
	var cur []byte
	if v != nil {
		cur = v.b
		if cur == nil {
			cur = []byte{} // an existing empty string is not a float
		}
	}
	res, msg := incrFloat(cur, argv[2])
	if msg != "" {
		c.Error(msg)
		return
	}
	c.setValueKeepTTL(string(argv[1]), &strValue{b: res, enc: encNoInt})
	c.Bulk(res)
}

// APPEND key value
func cmdAppend(c *Ctx, argv [][]byte) {
	if c.Checking() {
		return
	}
	v, ok := lookupType[*strValue](c, argv[1])
	if !ok {
		return
	}
	key := string(argv[1])
	if v == nil {
		c.setValue(key, newString(argv[2]))
		c.Int(int64(len(argv[2])))
		return
	}
	if len(v.b)+len(argv[2]) > maxStringLen {
		c.Error(ErrStringTooLong)
		return
	}
	v = c.mutable(key).val.(*strValue)
	v.enc = encRaw
	v.b = append(v.b, argv[2]...)
	c.Int(int64(len(v.b)))
}

// STRLEN key
func cmdStrlen(c *Ctx, argv [][]byte) {
	if c.Checking() {
		return
	}
	v, ok := lookupType[*strValue](c, argv[1])
	if !ok {
		return
	}
	if v == nil {
		c.Int(0)
		return
	}
	c.Int(int64(len(v.b)))
}

// GETRANGE key start end
func cmdGetRange(c *Ctx, argv [][]byte) {
	start, isInt := parseInt(argv[2])
	if !isInt {
		c.Error(ErrNotInteger)
		return
	}
	end, isInt := parseInt(argv[3])
	if !isInt {
		c.Error(ErrNotInteger)
		return
	}
	if c.Checking() {
		return
	}
	v, ok := lookupType[*strValue](c, argv[1])
	if !ok {
		return
	}
	var s []byte
	if v != nil {
		s = v.b
	}
	n := int64(len(s))
	if start < 0 && end < 0 && start > end {
		c.Bulk(nil)
		return
	}
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	if start < 0 {
		start = 0
	}
	if end < 0 {
		end = 0
	}
	if end >= n {
		end = n - 1
	}
	if start > end || n == 0 {
		c.Bulk(nil)
		return
	}
	c.Bulk(s[start : end+1])
}

// SETRANGE key offset value
func cmdSetRange(c *Ctx, argv [][]byte) {
	offset, isInt := parseInt(argv[2])
	if !isInt {
		c.Error(ErrNotInteger)
		return
	}
	if offset < 0 {
		c.Error(ErrOffsetRange)
		return
	}
	if c.Checking() {
		return
	}
	val := argv[3]
	v, ok := lookupType[*strValue](c, argv[1])
	if !ok {
		return
	}
	var olen int64
	if v != nil {
		olen = int64(len(v.b))
	}
	if len(val) == 0 {
		c.Int(olen)
		return
	}
	if offset > maxStringLen-int64(len(val)) {
		c.Error(ErrStringTooLong)
		return
	}
	key := string(argv[1])
	need := int(offset) + len(val)
	if v == nil {
		b := make([]byte, need)
		copy(b[offset:], val)
		c.setValue(key, &strValue{b: b, enc: encRaw})
		c.Int(int64(need))
		return
	}
	v = c.mutable(key).val.(*strValue)
	v.enc = encRaw
	if need > len(v.b) {
		v.b = append(v.b, make([]byte, need-len(v.b))...)
	}
	copy(v.b[offset:], val)
	c.Int(int64(len(v.b)))
}
