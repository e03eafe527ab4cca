package fsm

import (
	"math"
	"strings"
)

// OBJECT and MEMORY USAGE: introspection of one key's value.
//
// OBJECT ENCODING names the encoding redis-server 7.0 would use for the
// same value at its default thresholds (the fsm does not see CONFIG SET,
// whose parameters are per node and change nothing here; see
// resp/params.go):
//   - strings: "int" for a canonical integer (string2ll) of at most 20
//     characters, "embstr" up to 44 bytes, "raw" beyond. That is Redis's
//     encoding for values written by SET, SETNX, SETEX, GETSET, MSET,
//     INCR/DECR and RESTORE. A string changed in place (APPEND, SETRANGE,
//     SETBIT...) stays "raw" and an INCRBYFLOAT result is never "int",
//     whatever its content, as in Redis (strValue.enc, t_string.go);
//   - lists: always "quicklist", as Redis 7.0 (listpack lists came in 7.2);
//   - sets: "intset" for at most 512 canonical integers, else "hashtable";
//     a set that became a hashtable stays one, as in Redis (t_set.go);
//   - hashes: "listpack" or "hashtable", following the one-way conversion
//     hashMap already mirrors from Redis;
//   - sorted sets: "listpack" or "skiplist", the flag zsetValue keeps as
//     Redis would (including after RESTORE, see rdb.go).
//
// OBJECT REFCOUNT is 1, or 2147483647 for a string Redis would hold as one
// of its shared integers (0..9999, int-encoded). OBJECT IDLETIME is the
// seconds since this node last looked the key up (entry.atime): each node
// keeps its own, as each Redis replica does, so it is not part of the
// replicated state. OBJECT FREQ fails as in
// Redis under the default maxmemory-policy (noeviction), the only policy
// respraft has.
//
// MEMORY USAGE is an estimate of the bytes the key takes in respraft, not a
// figure comparable with Redis's: the key and value bytes plus a fixed
// overhead per key and per element. SAMPLES is checked and ignored (every
// element is counted).
func init() {
	register([]Command{
		{Name: "object", Syntax: "ENCODING key | FREQ key | IDLETIME key | REFCOUNT key | HELP", Arity: -2, Flags: FlagReadOnly | FlagNoTouch, FirstKey: 2, LastKey: 2, Step: 1, Group: "generic", Summary: "A container for object introspection commands.", Fn: cmdObject},
		{Name: "memory", Syntax: "USAGE key [SAMPLES count] | HELP", Arity: -2, Flags: FlagReadOnly | FlagNoTouch, FirstKey: 2, LastKey: 2, Step: 1, Group: "server", Summary: "A container for memory diagnostics commands (USAGE and HELP).", Fn: cmdMemory},
	})
}

const (
	errFreqPolicy  = "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
	sharedIntegers = 10000
)

var objectHelp = []string{
	"OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"ENCODING <key>",
	"    Return the kind of internal representation used in order to store the value",
	"    associated with a <key>.",
	"FREQ <key>",
	"    Return the access frequency index of the <key>. The returned integer is",
	"    proportional to the logarithm of the recent access frequency of the key.",
	"IDLETIME <key>",
	"    Return the idle time of the <key>, that is the approximated number of",
	"    seconds elapsed since the last access to the key.",
	"REFCOUNT <key>",
	"    Return the number of references of the value associated with the specified",
	"    <key>.",
	"HELP",
	"    Prints this help.",
}

// memoryHelp is Redis's text for the subcommands respraft has (DOCTOR,
// MALLOC-STATS, PURGE and STATS describe redis-server's allocator).
var memoryHelp = []string{
	"MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"USAGE <key> [SAMPLES <count>]",
	"    Return memory in bytes used by <key> and its value. Nested values are",
	"    sampled up to <count> times (default: 5, 0 means sample all).",
	"HELP",
	"    Prints this help.",
}

// subcommandArity checks a container's subcommand arity (exact if
// positive, minimum if negative, counting the container's name) and
// appends Redis's error for "container|sub" if it is wrong.
func subcommandArity(c *Ctx, argv [][]byte, container, sub string, arity int) bool {
	if (arity >= 0 && len(argv) == arity) || (arity < 0 && len(argv) >= -arity) {
		return true
	}
	c.Error(ArityError(container + "|" + sub))
	return false
}

func unknownSubcommand(c *Ctx, sub []byte, container string) {
	if len(sub) > 128 {
		sub = sub[:128]
	}
	c.Error("ERR unknown subcommand '" + string(sub) + "'. Try " + strings.ToUpper(container) + " HELP.")
}

func (c *Ctx) helpReply(lines []string) {
	c.Array(len(lines))
	for _, l := range lines {
		c.Status(l)
	}
}

// OBJECT ENCODING key | FREQ key | IDLETIME key | REFCOUNT key | HELP
func cmdObject(c *Ctx, argv [][]byte) {
	sub := strings.ToLower(string(argv[1]))
	arity := 3
	switch sub {
	case "help":
		arity = 2
	case "encoding", "freq", "idletime", "refcount":
	default:
		unknownSubcommand(c, argv[1], "object")
		return
	}
	if !subcommandArity(c, argv, "object", sub, arity) || c.Checking() {
		return
	}
	if sub == "help" {
		c.helpReply(objectHelp)
		return
	}
	e := c.lookup(argv[2])
	if e == nil {
		c.Null()
		return
	}
	switch sub {
	case "encoding":
		c.BulkString(objectEncoding(e.val))
	case "refcount":
		c.Int(objectRefcount(e.val))
	case "idletime":
		c.Int(max(c.Now-e.accessed(), 0) / 1000)
	case "freq":
		c.Error(errFreqPolicy)
	}
}

// objectEncoding is OBJECT ENCODING's answer for v (see the comment at
// the top). A new type adds one case.
func objectEncoding(v value) string {
	switch v := v.(type) {
	case *strValue:
		return v.encoding()
	case *listValue:
		return "quicklist"
	case *setValue:
		if v.isIntset() {
			return "intset"
		}
		return "hashtable"
	case *hashValue:
		if v.m.isSmall() {
			return "listpack"
		}
		return "hashtable"
	case *zsetValue:
		if v.listpack {
			return "listpack"
		}
		return "skiplist"
	}
	return "unknown"
}

// stringEncoding is tryObjectEncoding's choice for s.
func stringEncoding(s []byte) string {
	if _, ok := parseInt(s); ok {
		return "int"
	}
	if len(s) <= embstrLimit {
		return "embstr"
	}
	return "raw"
}

func objectRefcount(v value) int64 {
	if s, ok := v.(*strValue); ok && s.encoding() == "int" {
		if n, _ := parseInt(s.b); n >= 0 && n < sharedIntegers {
			return math.MaxInt32
		}
	}
	return 1
}

// MEMORY USAGE key [SAMPLES count] | HELP
func cmdMemory(c *Ctx, argv [][]byte) {
	sub := strings.ToLower(string(argv[1]))
	switch sub {
	case "help":
		if subcommandArity(c, argv, "memory", sub, 2) && !c.Checking() {
			c.helpReply(memoryHelp)
		}
	case "usage":
		if !subcommandArity(c, argv, "memory", sub, -3) || !memoryUsageArgs(c, argv) || c.Checking() {
			return
		}
		e := c.lookup(argv[2])
		if e == nil {
			c.Null()
			return
		}
		c.Int(memoryUsage(argv[2], e.val))
	default:
		unknownSubcommand(c, argv[1], "memory")
	}
}

// memoryUsageArgs checks MEMORY USAGE's options: SAMPLES and a count of
// at least 0, as Redis (a negative count is a syntax error there).
func memoryUsageArgs(c *Ctx, argv [][]byte) bool {
	for j := 3; j < len(argv); j++ {
		if !eqFold(argv[j], "samples") || j+1 >= len(argv) {
			c.Error(ErrSyntax)
			return false
		}
		n, isInt := parseInt(argv[j+1])
		if !isInt {
			c.Error(ErrNotInteger)
			return false
		}
		if n < 0 {
			c.Error(ErrSyntax)
			return false
		}
		j++
	}
	return true
}

// Overheads of the MEMORY USAGE estimate, in bytes: a key's entry in the
// keyspace b-tree, and one element of a container.
const (
	memKeyOverhead  = 56
	memElemOverhead = 24
)

// memoryUsage estimates the bytes key and v take (see the top comment).
func memoryUsage(key []byte, v value) int64 {
	n := int64(memKeyOverhead + len(key))
	switch v := v.(type) {
	case *strValue:
		n += int64(len(v.b))
	case *listValue:
		v.Range(0, func(_ int, e []byte) bool {
			n += int64(memElemOverhead + len(e))
			return true
		})
	case *setValue:
		v.m.Each(func(k string, _ struct{}) bool {
			n += int64(memElemOverhead + len(k))
			return true
		})
	case *hashValue:
		v.m.Each(func(f string, val []byte) bool {
			n += int64(memElemOverhead + len(f) + len(val))
			return true
		})
	case *zsetValue:
		// Each member is in both the dict and the tree, with its score.
		v.tree.Scan(func(it zsetItem) bool {
			n += int64(2*memElemOverhead + len(it.member) + 8)
			return true
		})
	}
	return n
}
