package fsm

import (
	"fmt"
	"math"
	"strconv"
)

// Generic key commands (Redis's "generic" group) and the database-wide ones
// of the "server" group (FLUSHDB, FLUSHALL, SWAPDB, DBSIZE, DEBUG).
//
// Relative expiries (EXPIRE, PEXPIRE) are made absolute against c.Now when
// the entry is applied, so a replayed log sets the same absolute time. The
// one error that depends on that clock ("invalid expire time" when now+ttl
// overflows) is therefore found at apply time; it is deterministic.
// A DB index beyond the configured number of databases is likewise found at
// apply time (the syntax check does not know the count).
func init() {
	register([]Command{
		{Name: "del", Syntax: "key [key ...]", Arity: -2, Flags: FlagWrite, FirstKey: 1, LastKey: -1, Step: 1, Group: "generic", Summary: "Deletes one or more keys.", Fn: cmdDel},
		{Name: "unlink", Syntax: "key [key ...]", Arity: -2, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: -1, Step: 1, Group: "generic", Summary: "Deletes one or more keys (the memory is reclaimed at once here too).", Fn: cmdDel},
		{Name: "exists", Syntax: "key [key ...]", Arity: -2, Flags: FlagReadOnly | FlagFast | FlagNoTouch, FirstKey: 1, LastKey: -1, Step: 1, Group: "generic", Summary: "Counts how many of the given keys exist.", Fn: cmdExists},
		{Name: "keys", Syntax: "pattern", Arity: 2, Flags: FlagReadOnly | FlagNoTouch, Group: "generic", Summary: "Returns every key name matching a glob pattern.", Fn: cmdKeys},
		{Name: "scan", Syntax: "cursor [MATCH pattern] [COUNT count] [TYPE type]", Arity: -2, Flags: FlagReadOnly | FlagNoTouch, Group: "generic", Summary: "Iterates over the key names of the database.", Fn: cmdScan},
		{Name: "type", Syntax: "key", Arity: 2, Flags: FlagReadOnly | FlagFast | FlagNoTouch, FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Summary: "Returns the type of the value stored at a key.", Fn: cmdType},
		{Name: "rename", Syntax: "key newkey", Arity: 3, Flags: FlagWrite, FirstKey: 1, LastKey: 2, Step: 1, Group: "generic", Summary: "Renames a key, overwriting the destination.", Fn: cmdRename},
		{Name: "renamenx", Syntax: "key newkey", Arity: 3, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 2, Step: 1, Group: "generic", Summary: "Renames a key only when the destination does not exist.", Fn: cmdRenameNX},
		{Name: "randomkey", Syntax: "", Arity: 1, Flags: FlagReadOnly | FlagNoTouch, Group: "generic", Summary: "Returns a random key name from the database.", Fn: cmdRandomKey},
		{Name: "copy", Syntax: "source destination [DB destination-db] [REPLACE]", Arity: -3, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 2, Step: 1, Group: "generic", Summary: "Copies the value of a key to a new key.", Fn: cmdCopy},
		{Name: "move", Syntax: "key db", Arity: 3, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Summary: "Moves a key to another database.", Fn: cmdMove},
		{Name: "swapdb", Syntax: "index1 index2", Arity: 3, Flags: FlagWrite | FlagFast, Group: "server", Summary: "Swaps the contents of two databases.", Fn: cmdSwapDB},
		{Name: "flushdb", Syntax: "[ASYNC | SYNC]", Arity: -1, Flags: FlagWrite, Group: "server", Summary: "Removes every key from the selected database.", Fn: cmdFlushDB},
		{Name: "flushall", Syntax: "[ASYNC | SYNC]", Arity: -1, Flags: FlagWrite, Group: "server", Summary: "Removes every key from every database.", Fn: cmdFlushAll},
		{Name: "dbsize", Syntax: "", Arity: 1, Flags: FlagReadOnly | FlagFast, Group: "server", Summary: "Returns the number of keys in the selected database.", Fn: cmdDBSize},
		{Name: "expire", Syntax: "key seconds [NX | XX | GT | LT]", Arity: -3, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Summary: "Sets a key's time to live in seconds.", Fn: cmdExpire},
		{Name: "pexpire", Syntax: "key milliseconds [NX | XX | GT | LT]", Arity: -3, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Summary: "Sets a key's time to live in milliseconds.", Fn: cmdPExpire},
		{Name: "expireat", Syntax: "key unix-time-seconds [NX | XX | GT | LT]", Arity: -3, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Summary: "Sets a key's expiry to a Unix time in seconds.", Fn: cmdExpireAt},
		{Name: "pexpireat", Syntax: "key unix-time-milliseconds [NX | XX | GT | LT]", Arity: -3, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Summary: "Sets a key's expiry to a Unix time in milliseconds.", Fn: cmdPExpireAt},
		{Name: "ttl", Syntax: "key", Arity: 2, Flags: FlagReadOnly | FlagFast | FlagNoTouch, FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Summary: "Returns a key's time to live in seconds.", Fn: cmdTTL},
		{Name: "pttl", Syntax: "key", Arity: 2, Flags: FlagReadOnly | FlagFast | FlagNoTouch, FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Summary: "Returns a key's time to live in milliseconds.", Fn: cmdPTTL},
		{Name: "expiretime", Syntax: "key", Arity: 2, Flags: FlagReadOnly | FlagFast | FlagNoTouch, FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Summary: "Returns a key's expiry as a Unix time in seconds.", Fn: cmdExpireTime},
		{Name: "pexpiretime", Syntax: "key", Arity: 2, Flags: FlagReadOnly | FlagFast | FlagNoTouch, FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Summary: "Returns a key's expiry as a Unix time in milliseconds.", Fn: cmdPExpireTime},
		{Name: "persist", Syntax: "key", Arity: 2, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Summary: "Removes a key's expiry.", Fn: cmdPersist},
		{Name: "debug", Syntax: "DIGEST | DIGEST-VALUE [key [key ...]]", Arity: -2, Flags: FlagReadOnly | FlagAdmin | FlagNoScript | FlagLoading | FlagStale, Group: "server", Summary: "Debugging helpers: DIGEST and DIGEST-VALUE.", Fn: cmdDebug},
	})
}

const (
	errInvalidCursor = "ERR invalid cursor"
	errIntRange      = "ERR value is out of range, value must between -2147483648 and 2147483647"
	errExpireNXAnd   = "ERR NX and XX, GT or LT options at the same time are not compatible"
	errExpireGTLT    = "ERR GT and LT options at the same time are not compatible"
)

// alive reports whether e has not expired at c.Now.
func (c *Ctx) alive(e *entry) bool { return e.expireAt == 0 || e.expireAt > c.Now }

// putEntry stores the entry e, taken from another key (RENAME, MOVE), under
// key in db, stamped at c.Index. The value is not copied: the new entry
// keeps e's generation, so if e was shared with a snapshot the next
// in-place change clones the value first.
func (c *Ctx) putEntry(db *DB, key string, e *entry) {
	if old, ok := db.keys.Get(key); ok && old.expireAt != 0 {
		db.ttl.Delete(ttlItem{at: old.expireAt, key: key})
	}
	db.keys.Set(key, &entry{val: e.val, expireAt: e.expireAt, version: c.Index, gen: e.gen, atime: e.accessed()})
	if e.expireAt != 0 {
		db.ttl.Set(ttlItem{at: e.expireAt, key: key})
	}
}

// flushDB empties db: fresh keyspace and ttl index, tombstones dropped (the
// flush version makes every WATCH observed before it fire anyway).
func (c *Ctx) flushDB(db *DB) {
	c.touchKeys(db, db.keys)
	fresh := newDB()
	db.keys, db.ttl = fresh.keys, fresh.ttl
}

// touchKeys records that every key of keys changed in db at c.Index, as
// Redis marks the WATCHes of the keys a FLUSHDB or SWAPDB touches (and
// only those: a watched key that exists in neither database stays
// clean). Past the tombstone table's size it stamps the whole database
// instead, which aborts every WATCH on it: conservative, and bounded.
func (c *Ctx) touchKeys(db *DB, keys *omap[*entry]) {
	if keys.Len() > tombstoneCap {
		db.flushVersion = c.Index
		return
	}
	keys.Each(func(k string, _ *entry) bool {
		db.addTombstone(k, c.Index)
		return true
	})
}

// popCount parses the optional count of LPOP/RPOP, SPOP and ZPOPMIN/MAX
// (argv[2]): def when there is none, Redis's error when it is negative or
// not an integer, tooMany when more arguments follow.
func popCount(c *Ctx, argv [][]byte, tooMany string, def int64) (int64, bool) {
	if len(argv) > 3 {
		c.Error(tooMany)
		return 0, false
	}
	if len(argv) < 3 {
		return def, true
	}
	n, isInt := parseInt(argv[2])
	if !isInt || n < 0 {
		c.Error(ErrNotPositive)
		return 0, false
	}
	return n, true
}

// parseInt32 is Redis's getIntFromObjectOrReply: an integer that must fit
// in a C int. msg replaces both errors when it is not empty.
func parseInt32(b []byte, msg string) (int, string) {
	n, isInt := parseInt(b)
	if !isInt {
		if msg != "" {
			return 0, msg
		}
		return 0, ErrNotInteger
	}
	if n < math.MinInt32 || n > math.MaxInt32 {
		if msg != "" {
			return 0, msg
		}
		return 0, errIntRange
	}
	return int(n), ""
}

// dbAt returns database i, or nil when i is out of range.
func (c *Ctx) dbAt(i int) *DB {
	if i < 0 || i >= len(c.st.dbs) {
		return nil
	}
	return c.st.dbs[i]
}

// DEL key [key ...]
// UNLINK key [key ...]
func cmdDel(c *Ctx, argv [][]byte) {
	if c.Checking() {
		return
	}
	n := 0
	for _, k := range argv[1:] {
		if c.del(string(k)) {
			n++
		}
	}
	c.Int(int64(n))
}

// EXISTS key [key ...]
//
// A key named twice counts twice, as in Redis.
func cmdExists(c *Ctx, argv [][]byte) {
	countLive(c, argv)
}

// TOUCH key [key ...]: EXISTS that counts as an access of each key.
func cmdTouch(c *Ctx, argv [][]byte) { countLive(c, argv) }

// countLive replies how many of argv[1:] are live keys, counting a key
// each time it is named.
func countLive(c *Ctx, argv [][]byte) {
	if c.Checking() {
		return
	}
	n := 0
	for _, k := range argv[1:] {
		if c.lookup(k) != nil {
			n++
		}
	}
	c.Int(int64(n))
}

// KEYS pattern
func cmdKeys(c *Ctx, argv [][]byte) {
	if c.Checking() {
		return
	}
	pat := string(argv[1])
	all := pat == "*"
	var keys []string
	c.db.keys.Each(func(k string, e *entry) bool {
		if c.alive(e) && (all || globMatch(pat, k)) {
			keys = append(keys, k)
		}
		return true
	})
	c.Array(len(keys))
	for _, k := range keys {
		c.BulkString(k)
	}
}

// parseScanCursor parses a SCAN cursor as Redis does (strtoul over the
// whole string): an optional sign, decimal digits, no leading space; an
// empty string is 0 and "-1" wraps around, as in C.
func parseScanCursor(b []byte) (uint64, bool) {
	for i, ch := range b {
		if ch == 0 { // C strings end at the first NUL
			b = b[:i]
			break
		}
	}
	if len(b) == 0 {
		return 0, true
	}
	switch b[0] {
	case ' ', '\t', '\n', '\v', '\f', '\r':
		return 0, false
	}
	i := 0
	neg := false
	if b[0] == '+' || b[0] == '-' {
		neg = b[0] == '-'
		i++
	}
	if i == len(b) {
		return 0, false
	}
	var v uint64
	for ; i < len(b); i++ {
		d := b[i]
		if d < '0' || d > '9' {
			return 0, false
		}
		if v > (math.MaxUint64-uint64(d-'0'))/10 {
			return 0, false // ERANGE
		}
		v = v*10 + uint64(d-'0')
	}
	if neg {
		v = -v
	}
	return v, true
}

// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
//
// The cursor is the key hash to resume from (see omap): a key present for
// the whole iteration is returned at least once, with no cursor state on
// the server. COUNT is how many keys are visited per call; MATCH, TYPE and
// expiry filter what was visited, so a call may return fewer keys, even
// none, with a non-zero cursor. An unknown TYPE matches nothing, as in
// Redis 7.0.
func cmdScan(c *Ctx, argv [][]byte) {
	cursor, isCursor := parseScanCursor(argv[1])
	if !isCursor {
		c.Error(errInvalidCursor)
		return
	}
	count := int64(10)
	var pattern, typ string
	usePattern, useType := false, false
	for i := 2; i < len(argv); i += 2 {
		more := len(argv) - i
		switch {
		case eqFold(argv[i], "count") && more >= 2:
			n, isInt := parseInt(argv[i+1])
			if !isInt {
				c.Error(ErrNotInteger)
				return
			}
			if n < 1 {
				c.Error(ErrSyntax)
				return
			}
			count = n
		case eqFold(argv[i], "match") && more >= 2:
			pattern = string(argv[i+1])
			usePattern = pattern != "*"
		case eqFold(argv[i], "type") && more >= 2:
			typ = string(argv[i+1])
			useType = true
		default:
			c.Error(ErrSyntax)
			return
		}
	}
	if c.Checking() {
		return
	}
	if count > math.MaxInt32 {
		count = math.MaxInt32
	}
	var keys []string
	next := c.db.keys.Scan(cursor, int(count), func(k string, e *entry) {
		if usePattern && !globMatch(pattern, k) {
			return
		}
		if useType && !eqFoldString(typ, e.val.Type()) {
			return
		}
		if !c.alive(e) {
			return
		}
		keys = append(keys, k)
	})
	c.Array(2)
	c.BulkString(strconv.FormatUint(next, 10))
	c.Array(len(keys))
	for _, k := range keys {
		c.BulkString(k)
	}
}

// eqFoldString is strcasecmp(a, b) == 0 for ASCII.
func eqFoldString(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x >= 'A' && x <= 'Z' {
			x += 'a' - 'A'
		}
		if y >= 'A' && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// TYPE key
func cmdType(c *Ctx, argv [][]byte) {
	if c.Checking() {
		return
	}
	if e := c.lookup(argv[1]); e != nil {
		c.Status(e.val.Type())
		return
	}
	c.Status("none")
}

// RENAME key newkey
func cmdRename(c *Ctx, argv [][]byte) { renameGeneric(c, argv, false) }

// RENAMENX key newkey
func cmdRenameNX(c *Ctx, argv [][]byte) { renameGeneric(c, argv, true) }

func renameGeneric(c *Ctx, argv [][]byte, nx bool) {
	if c.Checking() {
		return
	}
	src, dst := string(argv[1]), string(argv[2])
	e := c.live(c.db, src)
	if e == nil {
		c.Error(ErrNoSuchKey)
		return
	}
	if src == dst {
		if nx {
			c.Int(0)
		} else {
			c.OK()
		}
		return
	}
	if nx && c.live(c.db, dst) != nil {
		c.Int(0)
		return
	}
	c.remove(c.db, src)
	c.putEntry(c.db, dst, e) // the value moves with its expiry
	if nx {
		c.Int(1)
	} else {
		c.OK()
	}
}

// RANDOMKEY
//
// Picks a rank with the context's PRNG (the entry's inside EXEC, so every
// replica picks the same key). Expired keys are skipped: after a few
// unlucky draws it walks on from a random rank, so a database whose keys
// have all expired answers nil instead of looping.
func cmdRandomKey(c *Ctx, argv [][]byte) {
	if c.Checking() {
		return
	}
	n := c.db.keys.Len()
	if n == 0 {
		c.Null()
		return
	}
	rng := c.Rand()
	for try := 0; try < 16; try++ {
		if k, e := c.db.keys.At(rng.IntN(n)); c.alive(e) {
			c.BulkString(k)
			return
		}
	}
	start := rng.IntN(n)
	for i := 0; i < n; i++ {
		if k, e := c.db.keys.At((start + i) % n); c.alive(e) {
			c.BulkString(k)
			return
		}
	}
	c.Null()
}

// COPY source destination [DB destination-db] [REPLACE]
func cmdCopy(c *Ctx, argv [][]byte) {
	replace := false
	var dbs []int // every DB option given; the last one wins
	for j := 3; j < len(argv); j++ {
		switch {
		case eqFold(argv[j], "replace"):
			replace = true
		case eqFold(argv[j], "db") && j+1 < len(argv):
			i, msg := parseInt32(argv[j+1], "")
			if msg != "" {
				c.Error(msg)
				return
			}
			if i < 0 || i >= c.numDBs() {
				c.Error(ErrDBIndex) // at once, as Redis: later options are not looked at
				return
			}
			dbs = append(dbs, i)
			j++
		default:
			c.Error(ErrSyntax)
			return
		}
	}
	if c.Checking() {
		return
	}
	dst := c.db
	for _, i := range dbs {
		if dst = c.dbAt(i); dst == nil {
			c.Error(ErrDBIndex)
			return
		}
	}
	src, newkey := string(argv[1]), string(argv[2])
	if dst == c.db && src == newkey {
		c.Error(ErrSameObject)
		return
	}
	e := c.live(c.db, src)
	if e == nil {
		c.Int(0)
		return
	}
	if !replace && c.live(dst, newkey) != nil {
		c.Int(0)
		return
	}
	c.setValueIn(dst, newkey, e.val.clone(), e.expireAt)
	c.Int(1)
}

// MOVE key db
func cmdMove(c *Ctx, argv [][]byte) {
	i, msg := parseInt32(argv[2], "")
	if msg != "" {
		c.Error(msg)
		return
	}
	if i < 0 {
		c.Error(ErrDBIndex)
		return
	}
	if c.Checking() {
		return
	}
	dst := c.dbAt(i)
	if dst == nil {
		c.Error(ErrDBIndex)
		return
	}
	if dst == c.db {
		c.Error(ErrSameObject)
		return
	}
	key := string(argv[1])
	e := c.live(c.db, key)
	if e == nil || c.live(dst, key) != nil {
		c.Int(0)
		return
	}
	c.remove(c.db, key)
	c.putEntry(dst, key, e)
	c.Int(1)
}

// SWAPDB index1 index2
//
// The two databases exchange contents in place, so a connection (or the
// rest of an EXEC) that selected one of them sees the other's keys, as in
// Redis. Both are stamped with the flush version: every WATCH on either
// fires.
func cmdSwapDB(c *Ctx, argv [][]byte) {
	a, msg := parseInt32(argv[1], "ERR invalid first DB index")
	if msg != "" {
		c.Error(msg)
		return
	}
	b, msg := parseInt32(argv[2], "ERR invalid second DB index")
	if msg != "" {
		c.Error(msg)
		return
	}
	if c.Checking() {
		return
	}
	d1, d2 := c.dbAt(a), c.dbAt(b)
	if d1 == nil || d2 == nil {
		c.Error(ErrDBIndex)
		return
	}
	if d1 != d2 {
		// The contents move; the tombstones stay with the database number,
		// since a WATCH names a database and a key.
		k1, k2 := d1.keys, d2.keys
		d1.keys, d2.keys = k2, k1
		d1.ttl, d2.ttl = d2.ttl, d1.ttl
		for _, db := range []*DB{d1, d2} {
			c.touchKeys(db, k1)
			c.touchKeys(db, k2)
		}
		c.touchAll() // a list may have appeared under a blocked client's key
	}
	c.OK()
}

// flushArgs checks the optional ASYNC|SYNC of FLUSHDB and FLUSHALL (both
// free the memory at once here).
func flushArgs(c *Ctx, argv [][]byte) bool {
	if len(argv) == 1 || (len(argv) == 2 && (eqFold(argv[1], "sync") || eqFold(argv[1], "async"))) {
		return true
	}
	c.Error(ErrSyntax)
	return false
}

// FLUSHDB [ASYNC | SYNC]
func cmdFlushDB(c *Ctx, argv [][]byte) {
	if !flushArgs(c, argv) || c.Checking() {
		return
	}
	c.flushDB(c.db)
	c.OK()
}

// FLUSHALL [ASYNC | SYNC]
func cmdFlushAll(c *Ctx, argv [][]byte) {
	if !flushArgs(c, argv) || c.Checking() {
		return
	}
	for _, db := range c.st.dbs {
		c.flushDB(db)
	}
	c.OK()
}

// DBSIZE
//
// As in Redis, keys that have expired but are not reclaimed yet count.
func cmdDBSize(c *Ctx, argv [][]byte) {
	if c.Checking() {
		return
	}
	c.Int(int64(c.db.Len()))
}

// EXPIRE key seconds [NX | XX | GT | LT]
func cmdExpire(c *Ctx, argv [][]byte) { expireGeneric(c, argv, "expire", true, true) }

// PEXPIRE key milliseconds [NX | XX | GT | LT]
func cmdPExpire(c *Ctx, argv [][]byte) { expireGeneric(c, argv, "pexpire", false, true) }

// EXPIREAT key unix-time-seconds [NX | XX | GT | LT]
func cmdExpireAt(c *Ctx, argv [][]byte) { expireGeneric(c, argv, "expireat", true, false) }

// PEXPIREAT key unix-time-milliseconds [NX | XX | GT | LT]
func cmdPExpireAt(c *Ctx, argv [][]byte) { expireGeneric(c, argv, "pexpireat", false, false) }

const (
	expNX = 1 << iota
	expXX
	expGT
	expLT
)

// expireGeneric follows Redis 7's expireGenericCommand: options, then the
// time, then the key. A time at or before now deletes the key (reply 1).
func expireGeneric(c *Ctx, argv [][]byte, name string, seconds, relative bool) {
	flags := 0
	for _, opt := range argv[3:] {
		switch {
		case eqFold(opt, "nx"):
			flags |= expNX
		case eqFold(opt, "xx"):
			flags |= expXX
		case eqFold(opt, "gt"):
			flags |= expGT
		case eqFold(opt, "lt"):
			flags |= expLT
		default:
			c.Error("ERR Unsupported option " + string(opt))
			return
		}
	}
	if flags&expNX != 0 && flags&(expXX|expGT|expLT) != 0 {
		c.Error(errExpireNXAnd)
		return
	}
	if flags&expGT != 0 && flags&expLT != 0 {
		c.Error(errExpireGTLT)
		return
	}
	when, isInt := parseInt(argv[2])
	if !isInt {
		c.Error(ErrNotInteger)
		return
	}
	invalid := fmt.Sprintf(ErrInvalidExpire, name)
	if seconds {
		if when > math.MaxInt64/1000 || when < math.MinInt64/1000 {
			c.Error(invalid)
			return
		}
		when *= 1000
	}
	if c.Checking() {
		return
	}
	if relative {
		if when > math.MaxInt64-c.Now {
			c.Error(invalid)
			return
		}
		when += c.Now
	}
	key := string(argv[1])
	e := c.live(c.db, key)
	if e == nil {
		c.Int(0)
		return
	}
	if flags != 0 {
		cur := int64(-1) // no expiry: an infinite TTL
		if e.expireAt != 0 {
			cur = e.expireAt
		}
		if (flags&expNX != 0 && cur != -1) ||
			(flags&expXX != 0 && cur == -1) ||
			(flags&expGT != 0 && (cur == -1 || when <= cur)) ||
			(flags&expLT != 0 && cur != -1 && when >= cur) {
			c.Int(0)
			return
		}
	}
	if when <= c.Now {
		c.del(key)
	} else {
		c.setExpire(key, when)
	}
	c.Int(1)
}

// TTL key
func cmdTTL(c *Ctx, argv [][]byte) { ttlGeneric(c, argv, false, false) }

// PTTL key
func cmdPTTL(c *Ctx, argv [][]byte) { ttlGeneric(c, argv, true, false) }

// EXPIRETIME key
func cmdExpireTime(c *Ctx, argv [][]byte) { ttlGeneric(c, argv, false, true) }

// PEXPIRETIME key
func cmdPExpireTime(c *Ctx, argv [][]byte) { ttlGeneric(c, argv, true, true) }

// ttlGeneric: -2 for a missing key, -1 for a key without expiry; seconds
// are rounded to the nearest, as Redis does.
func ttlGeneric(c *Ctx, argv [][]byte, ms, abs bool) {
	if c.Checking() {
		return
	}
	e := c.lookup(argv[1])
	if e == nil {
		c.Int(-2)
		return
	}
	if e.expireAt == 0 {
		c.Int(-1)
		return
	}
	t := e.expireAt
	if !abs {
		t -= c.Now
	}
	if t < 0 {
		t = 0
	}
	if !ms {
		t = t/1000 + (t%1000+500)/1000 // (t+500)/1000 without overflow
	}
	c.Int(t)
}

// PERSIST key
func cmdPersist(c *Ctx, argv [][]byte) {
	if c.Checking() {
		return
	}
	key := string(argv[1])
	e := c.live(c.db, key)
	if e == nil || e.expireAt == 0 {
		c.Int(0)
		return
	}
	c.setExpire(key, 0)
	c.Int(1)
}

// DEBUG DIGEST
// DEBUG DIGEST-VALUE [key ...]
//
// DIGEST is one order-independent digest of every database (40 hex digits,
// all zeros when empty): equal states give equal digests, so tests compare
// replicas with it. DIGEST-VALUE digests each key's value (zeros for a
// missing key). Like Redis, both answer status replies. The digests are
// respraft's own, not the bytes redis-server would print.
func cmdDebug(c *Ctx, argv [][]byte) {
	sub := argv[1]
	switch {
	case eqFold(sub, "digest") && len(argv) == 2:
		if c.Checking() {
			return
		}
		c.Status(digestState(c.st).Hex())
	case eqFold(sub, "digest-value"):
		if c.Checking() {
			return
		}
		c.Array(len(argv) - 2)
		for _, k := range argv[2:] {
			d := newDigester()
			if e := c.lookup(k); e != nil {
				e.val.digest(d)
			}
			c.Status(d.Hex())
		}
	default:
		if len(sub) > 128 {
			sub = sub[:128]
		}
		c.Error("ERR unknown subcommand or wrong number of arguments for '" + string(sub) + "'. Try DEBUG HELP.")
	}
}
