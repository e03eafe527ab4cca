package fsm

import "slices"

// HyperLogLog commands (Redis's "hyperloglog" group) over string values in
// Redis 7.0's exact format (see hll.go). PFDEBUG and PFSELFTEST are left
// out.
//
// PFCOUNT is a write here, though Redis flags it readonly. With one key
// whose cached cardinality is stale, Redis computes the estimate, stores it
// in the header and signals the key as modified (its "may-replicate": the
// replica gets the new bytes). Those bytes are visible to GET and to a
// value copied to another server, so every replica must store them too,
// and only the log can make that happen; whether the cache is stale is
// known only against the state, after the command is proposed. So PFCOUNT
// always goes through the log. Applied with a valid cache (or with several
// keys, merged on the fly) it changes nothing and stamps no version; with
// a stale one it stores the estimate and stamps the key, as Redis signals
// it, so a WATCH on it aborts EXEC exactly when Redis's does. The cost is
// a log round for a read, the price of identical bytes on every node.
func init() {
	register([]Command{
		{Name: "pfadd", Syntax: "key [element [element ...]]", Arity: -2, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: "hyperloglog", Summary: "Adds elements to a HyperLogLog key, creating it if needed.", Fn: cmdPFAdd},
		{Name: "pfcount", Syntax: "key [key ...]", Arity: -2, Flags: FlagReadOnly | FlagLogged, FirstKey: 1, LastKey: -1, Step: 1, Group: "hyperloglog", Summary: "Returns the approximated cardinality of the sets observed by HyperLogLog keys.", Fn: cmdPFCount},
		// Redis 7.0 documents a required sourcekey, but its arity (-2) lets
		// PFMERGE destkey alone through; the syntax follows the arity.
		{Name: "pfmerge", Syntax: "destkey:key [sourcekey:key ...]", Arity: -2, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: -1, Step: 1, Group: "hyperloglog", Summary: "Merges HyperLogLog values into a destination key.", Fn: cmdPFMerge},
	})
}

const (
	errNotHLL     = "WRONGTYPE Key is not a valid HyperLogLog string value."
	errInvalidHLL = "INVALIDOBJ Corrupted HLL object detected"
)

// hllAt returns the HLL bytes of key (nil if absent), or ok false after
// appending WRONGTYPE (not a string) or errNotHLL (a string that is not an
// HLL). The bytes are the stored ones: copy before changing them.
func hllAt(c *Ctx, key []byte) (b []byte, exists, ok bool) {
	v, ok := lookupType[*strValue](c, key)
	if !ok {
		return nil, false, false
	}
	if v == nil {
		return nil, false, true
	}
	if !isHLL(v.b) {
		c.Error(errNotHLL)
		return nil, true, false
	}
	return v.b, true, true
}

// putHLL stores new HLL bytes under key. An existing key keeps its expiry;
// its version is stamped only when signal says Redis signals the key as
// modified (a PFADD that fails half way changes bytes without a signal).
// The string reports "raw": Redis unshares it (PFADD, PFMERGE and PFCOUNT
// alike) or builds it as a buffer.
func putHLL(c *Ctx, key []byte, b []byte, signal bool) {
	k := string(key)
	e := c.live(c.db, k)
	if e == nil {
		c.setValue(k, &strValue{b: b, enc: encRaw})
		return
	}
	ver := e.version
	if signal {
		ver = c.Index
	}
	c.replaceRaw(k, e, b, ver)
}

// PFADD key [element [element ...]]
func cmdPFAdd(c *Ctx, argv [][]byte) {
	if c.Checking() {
		return
	}
	old, exists, ok := hllAt(c, argv[1])
	if !ok {
		return
	}
	updated := 0
	var b []byte
	if exists {
		b = slices.Clone(old)
	} else {
		b = newHLL()
		updated++
	}
	for _, ele := range argv[2:] {
		var r int
		b, r = hllAdd(b, ele)
		switch r {
		case 1:
			updated++
		case -1:
			// Redis has changed the value in place up to here and
			// does not signal the key.
			switch {
			case exists && !slices.Equal(b, old):
				putHLL(c, argv[1], b, false)
			case exists:
				c.markRaw(string(argv[1])) // unshared before the adds
			}
			c.Error(errInvalidHLL)
			return
		}
	}
	if updated == 0 {
		c.markRaw(string(argv[1])) // unshared before the adds
		c.Int(0)
		return
	}
	hllInvalidate(b)
	putHLL(c, argv[1], b, true)
	c.Int(1)
}

// PFCOUNT key [key ...]
func cmdPFCount(c *Ctx, argv [][]byte) {
	if c.Checking() {
		return
	}
	if len(argv) > 2 {
		pfcountMany(c, argv[1:])
		return
	}
	b, exists, ok := hllAt(c, argv[1])
	if !ok {
		return
	}
	if !exists {
		c.Int(0)
		return
	}
	// Redis unshares the string before it reads or refreshes the cache.
	if hllCacheValid(b) {
		c.markRaw(string(argv[1]))
		c.Int(int64(hllCached(b)))
		return
	}
	card, invalid := hllCount(b)
	if invalid {
		c.markRaw(string(argv[1]))
		c.Error(errInvalidHLL)
		return
	}
	nb := slices.Clone(b)
	hllSetCache(nb, card)
	putHLL(c, argv[1], nb, true)
	c.Int(int64(card))
}

// pfcountMany estimates the union of several HLLs without storing
// anything; absent keys count as empty.
func pfcountMany(c *Ctx, keys [][]byte) {
	var max [hllRegisters]uint8
	for _, k := range keys {
		b, exists, ok := hllAt(c, k)
		if !ok {
			return
		}
		if exists && !hllMerge(&max, b) {
			c.Error(errInvalidHLL)
			return
		}
	}
	c.Int(int64(rawCount(&max)))
}

// PFMERGE destkey [sourcekey [sourcekey ...]]
//
// The destination is merged too. As in Redis 7.0, the result is dense if
// any input is dense; otherwise the registers are set one by one in the
// destination's sparse code, which may still turn dense on the way.
func cmdPFMerge(c *Ctx, argv [][]byte) {
	if c.Checking() {
		return
	}
	var max [hllRegisters]uint8
	useDense := false
	for _, k := range argv[1:] {
		b, exists, ok := hllAt(c, k)
		if !ok {
			return
		}
		if !exists {
			continue
		}
		if b[4] == hllEncDense {
			useDense = true
		}
		if !hllMerge(&max, b) {
			c.Error(errInvalidHLL)
			return
		}
	}
	dest, exists, _ := hllAt(c, argv[1]) // checked above
	var b []byte
	if exists {
		b = slices.Clone(dest)
	} else {
		b = newHLL()
	}
	if useDense {
		var ok bool
		if b, ok = sparseToDense(b); !ok {
			c.Error(errInvalidHLL)
			return
		}
	}
	for i, v := range max {
		if v == 0 {
			continue
		}
		if b[4] == hllEncDense {
			denseRaise(b[hllHdrSize:], i, v)
		} else {
			b, _ = sparseSet(b, i, v) // the destination was checked by hllMerge
		}
	}
	hllInvalidate(b)
	putHLL(c, argv[1], b, true)
	c.OK()
}
