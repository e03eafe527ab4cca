package fsm

import "sync/atomic"

// DUMP, RESTORE and TOUCH (Redis's "generic" group). The payload format is
// Redis 7.0's own (see rdb.go), so a value moves between respraft and
// redis-server in either direction.
//
// RESTORE's relative TTL is made absolute against c.Now when the entry is
// applied, as EXPIRE's is: a replayed log restores the same expiry.
//
// RESTORE follows restoreCommand's order of checks: options (syntax,
// IDLETIME, FREQ), then an existing key without REPLACE (BUSYKEY), then the
// TTL, then the payload's version and checksum, then its content. With
// REPLACE the key's state cannot change the reply, so the check phase
// verifies the TTL and the whole payload, and a bad one never reaches the
// log. Without REPLACE, BUSYKEY comes first when the key exists, so those
// errors are found when the entry is applied (where they change nothing).
//
// IDLETIME sets the key's access time on each node (OBJECT IDLETIME); FREQ
// is checked and ignored: respraft has no LFU policy (see OBJECT).
//
// TOUCH counts the existing keys and sets their access time on the node
// that serves it: it changes no version (Redis does not signal a touched
// key as modified), so it is a read here, like any other lookup.
func init() {
	register([]Command{
		{Name: "dump", Syntax: "key", Arity: 2, Flags: FlagReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Summary: "Returns a serialized representation of a key's value, in Redis 7.0's format.", Fn: cmdDump},
		{Name: "restore", Syntax: "key ttl:integer serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency:integer]", Arity: -4, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Summary: "Creates a key from the serialized representation of a value (DUMP's).", Fn: cmdRestore},
		// TOUCH counts like EXISTS: there is no access time to update.
		{Name: "touch", Syntax: "key [key ...]", Arity: -2, Flags: FlagReadOnly | FlagFast, FirstKey: 1, LastKey: -1, Step: 1, Group: "generic", Summary: "Counts how many of the given keys exist, and marks them as accessed on the serving node.", Fn: cmdTouch},
	})
}

const (
	errBusyKey      = "BUSYKEY Target key name already exists."
	errRestoreTTL   = "ERR Invalid TTL value, must be >= 0"
	errBadPayload   = "ERR DUMP payload version or checksum are wrong"
	errBadFormat    = "ERR Bad data format"
	errIdleTimeNeg  = "ERR Invalid IDLETIME value, must be >= 0"
	errFreqRange    = "ERR Invalid FREQ value, must be >= 0 and <= 255"
	restoreNoOption = -1
)

// DUMP key
func cmdDump(c *Ctx, argv [][]byte) {
	if c.Checking() {
		return
	}
	e := c.lookup(argv[1])
	if e == nil {
		c.Null()
		return
	}
	c.Bulk(dumpPayload(e.val))
}

// restoreOpts are RESTORE's options after key, ttl and payload.
type restoreOpts struct {
	replace, absTTL bool
	idle, freq      int64
}

// parseRestoreOpts parses the options as restoreCommand does: IDLETIME
// after FREQ (or FREQ after IDLETIME) is a syntax error.
func parseRestoreOpts(argv [][]byte) (restoreOpts, string) {
	o := restoreOpts{idle: restoreNoOption, freq: restoreNoOption}
	for j := 4; j < len(argv); j++ {
		more := len(argv) - j - 1
		switch {
		case eqFold(argv[j], "replace"):
			o.replace = true
		case eqFold(argv[j], "absttl"):
			o.absTTL = true
		case eqFold(argv[j], "idletime") && more >= 1 && o.freq == restoreNoOption:
			n, isInt := parseInt(argv[j+1])
			if !isInt {
				return o, ErrNotInteger
			}
			if n < 0 {
				return o, errIdleTimeNeg
			}
			o.idle = n
			j++
		case eqFold(argv[j], "freq") && more >= 1 && o.idle == restoreNoOption:
			n, isInt := parseInt(argv[j+1])
			if !isInt {
				return o, ErrNotInteger
			}
			if n < 0 || n > 255 {
				return o, errFreqRange
			}
			o.freq = n
			j++
		default:
			return o, ErrSyntax
		}
	}
	return o, ""
}

// restoreValue checks the TTL and the payload and decodes the value.
func restoreValue(argv [][]byte) (ttl int64, v value, msg string) {
	ttl, isInt := parseInt(argv[2])
	if !isInt {
		return 0, nil, ErrNotInteger
	}
	if ttl < 0 {
		return 0, nil, errRestoreTTL
	}
	if !verifyPayload(argv[3]) {
		return 0, nil, errBadPayload
	}
	v, err := restorePayload(argv[3])
	if err != nil {
		return 0, nil, errBadFormat
	}
	return ttl, v, ""
}

// RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds]
// [FREQ frequency]
//
// A TTL of 0 means no expiry. An expiry already past (ABSTTL in the past,
// or a relative TTL that overflows) creates nothing and replies OK, after
// deleting the key REPLACE named, as Redis 7.0 does.
func cmdRestore(c *Ctx, argv [][]byte) {
	o, msg := parseRestoreOpts(argv)
	if msg != "" {
		c.Error(msg)
		return
	}
	if c.Checking() {
		if o.replace {
			if _, _, msg := restoreValue(argv); msg != "" {
				c.Error(msg)
			}
		}
		return
	}
	key := string(argv[1])
	if !o.replace && c.live(c.db, key) != nil {
		c.Error(errBusyKey)
		return
	}
	ttl, v, msg := restoreValue(argv)
	if msg != "" {
		c.Error(msg)
		return
	}
	if o.replace {
		c.remove(c.db, key)
	}
	at := ttl
	if ttl != 0 && !o.absTTL {
		at = int64(uint64(ttl) + uint64(c.Now)) // wraps like the C code; caught below
	}
	if ttl != 0 && at <= c.Now {
		c.OK()
		return
	}
	c.setValueIn(c.db, key, v, at)
	if o.idle != restoreNoOption {
		e, _ := c.db.keys.Get(key)
		atomic.StoreInt64(&e.atime, c.Now-o.idle%lruClockMax*1000)
	}
	c.OK()
}

// lruClockMax is Redis's LRU_CLOCK_MAX in seconds: an idle time given to
// RESTORE wraps around it.
const lruClockMax = 1<<24 - 1
