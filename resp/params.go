package resp

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"

	"github.com/respraft/respraft/fsm"
)

// Tunable parameters CONFIG SET accepts and CONFIG GET reports, as Redis
// names and checks them. respraft's encodings do not depend on them (its
// containers have one representation each, and small hashes keep Redis's
// listpack order at Redis's default limits), so setting one changes what
// CONFIG GET answers and nothing else; like Redis's, they are per node.
// Redis aliases (the old ziplist names) share one value.
type paramKind int

const (
	paramInt    paramKind = iota // an integer in [min, max]
	paramMemory                  // a memory value (1kb, 2g...) in [0, max]
	paramBool
	paramEnum
	paramString
	paramImmutable
)

type param struct {
	name     string
	alias    string // the other name of the same value, if any
	kind     paramKind
	def      string
	enum     []string
	min, max int64 // paramInt's range; paramMemory's max (0: any unsigned 64-bit value)
	// clamp, for hz: Redis accepts any value in range, then keeps it
	// within [clampMin, clampMax].
	clampMin, clampMax int64
}

const (
	intMin  = math.MinInt32
	intMax  = math.MaxInt32
	longMax = math.MaxInt64
)

// The ranges and defaults are redis-server 7.0's (its config.c; checked
// with CONFIG SET against redis-server 7.0.15, see TestConfigMatchesRedis).
var params = []param{
	{name: "hash-max-listpack-entries", alias: "hash-max-ziplist-entries", def: "512", max: longMax},
	{name: "hash-max-listpack-value", alias: "hash-max-ziplist-value", kind: paramMemory, def: "64", max: longMax},
	{name: "list-max-listpack-size", alias: "list-max-ziplist-size", def: "-2", min: intMin, max: intMax},
	{name: "list-compress-depth", def: "0", max: intMax},
	{name: "set-max-intset-entries", def: "512", max: longMax},
	{name: "zset-max-listpack-entries", alias: "zset-max-ziplist-entries", def: "128", max: longMax},
	{name: "zset-max-listpack-value", alias: "zset-max-ziplist-value", kind: paramMemory, def: "64", max: longMax},
	{name: "hll-sparse-max-bytes", kind: paramMemory, def: "3000", max: longMax},
	{name: "stream-node-max-bytes", kind: paramMemory, def: "4096", max: longMax},
	{name: "stream-node-max-entries", def: "100", max: longMax},
	{name: "hz", def: "10", max: intMax, clampMin: 1, clampMax: 500},
	{name: "timeout", def: "0", max: intMax},
	{name: "slowlog-log-slower-than", def: "10000", min: -1, max: longMax},
	{name: "slowlog-max-len", def: "128", max: longMax},
	{name: "maxmemory", kind: paramMemory, def: "0"},
	{name: "activerehashing", kind: paramBool, def: "yes"},
	{name: "lazyfree-lazy-user-del", kind: paramBool, def: "no"},
	{name: "maxmemory-policy", kind: paramEnum, def: "noeviction", enum: []string{
		"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
		"allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction"}},
	{name: "notify-keyspace-events", kind: paramString, def: ""},
	{name: "save", kind: paramString, def: ""},
	{name: "appendonly", kind: paramImmutable, def: "no"},
	{name: "proto-max-bulk-len", kind: paramImmutable, def: strconv.Itoa(maxBulkLen)},
}

// paramTable finds a parameter by either of its names.
var paramTable = func() map[string]*param {
	m := make(map[string]*param)
	for i := range params {
		p := &params[i]
		m[p.name] = p
		if p.alias != "" {
			m[p.alias] = p
		}
	}
	return m
}()

// paramValues holds the values set on this node.
type paramValues struct {
	mu  sync.Mutex
	set map[string]string // by canonical name
}

func (v *paramValues) get(p *param) string {
	v.mu.Lock()
	defer v.mu.Unlock()
	if val, ok := v.set[p.name]; ok {
		return val
	}
	return p.def
}

// check validates value for p and returns it as CONFIG GET will show it,
// or Redis's reason for refusing it.
func (p *param) check(value string) (string, string) {
	switch p.kind {
	case paramInt:
		n, ok := fsm.ParseInt([]byte(value))
		if !ok {
			return "", "argument couldn't be parsed into an integer"
		}
		if n < p.min || n > p.max {
			return "", fmt.Sprintf("argument must be between %d and %d inclusive", p.min, p.max)
		}
		if p.clampMax > 0 {
			n = min(max(n, p.clampMin), p.clampMax)
		}
		return strconv.FormatInt(n, 10), ""
	case paramMemory:
		n, ok := memToULL(value)
		if !ok {
			return "", "argument must be a memory value"
		}
		if p.max > 0 && n > uint64(p.max) {
			return "", fmt.Sprintf("argument must be between 0 and %d inclusive", p.max)
		}
		return strconv.FormatUint(n, 10), ""
	case paramBool:
		switch strings.ToLower(value) {
		case "yes", "no":
			return strings.ToLower(value), ""
		}
		return "", "argument must be 'yes' or 'no'"
	case paramEnum:
		for _, e := range p.enum {
			if strings.EqualFold(value, e) {
				return e, ""
			}
		}
		return "", "argument(s) must be one of the following: " + strings.Join(p.enum, ", ")
	case paramImmutable:
		return "", "can't set immutable config"
	}
	return value, ""
}

// memToULL is Redis 7.0's memtoull: digits (none is 0) then an optional
// unit, b, k (1000), kb (1024), m, mb, g or gb, in any case. Like Redis's,
// it takes a number too large for 64 bits as the largest one and lets the
// multiplication by the unit wrap.
func memToULL(s string) (uint64, bool) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	var mul uint64
	switch strings.ToLower(s[i:]) {
	case "", "b":
		mul = 1
	case "k":
		mul = 1000
	case "kb":
		mul = 1024
	case "m":
		mul = 1000 * 1000
	case "mb":
		mul = 1024 * 1024
	case "g":
		mul = 1000 * 1000 * 1000
	case "gb":
		mul = 1024 * 1024 * 1024
	default:
		return 0, false
	}
	var n uint64
	if i > 0 {
		var err error
		if n, err = strconv.ParseUint(s[:i], 10, 64); err != nil {
			n = math.MaxUint64 // strtoull saturates
		}
	}
	return n * mul, true
}

// configSet applies CONFIG SET name value [name value ...] all or nothing,
// returning Redis's error text or "".
func (s *Server) configSet(args [][]byte) string {
	type change struct {
		p   *param
		val string
	}
	// As Redis: every name is looked up before any value is checked; the
	// first name that is unknown, a startup setting, or given twice (an
	// alias is another name) is the error.
	seen := map[string]bool{}
	for i := 0; i+1 < len(args); i += 2 {
		name := strings.ToLower(string(args[i]))
		_, ok := paramTable[name]
		switch {
		case !ok && !isSetting(s, name):
			return "ERR Unknown option or number of arguments for CONFIG SET - '" + string(args[i]) + "'"
		case !ok:
			return configSetFailed(string(args[i]), "can't set immutable config")
		case seen[name]:
			return configSetFailed(string(args[i]), "duplicate parameter")
		}
		seen[name] = true
	}
	var changes []change
	for i := 0; i+1 < len(args); i += 2 {
		name := strings.ToLower(string(args[i]))
		p := paramTable[name]
		val, why := p.check(string(args[i+1]))
		if why != "" {
			return configSetFailed(name, why)
		}
		changes = append(changes, change{p, val})
	}
	s.params.mu.Lock()
	defer s.params.mu.Unlock()
	if s.params.set == nil {
		s.params.set = make(map[string]string)
	}
	for _, c := range changes {
		s.params.set[c.p.name] = c.val
	}
	return ""
}

// configSetFailed is Redis's error for a parameter CONFIG SET refuses.
func configSetFailed(name, why string) string {
	return "ERR CONFIG SET failed (possibly related to argument '" + name + "') - " + why
}

// isSetting reports whether name is one of the node's own startup settings
// (port, bind, dir, databases), which CONFIG SET cannot change.
func isSetting(s *Server, name string) bool {
	if name == "databases" {
		return true
	}
	for _, f := range s.cfg.Settings {
		if f.Name == name {
			return true
		}
	}
	return false
}

// paramFields lists every tunable parameter under both its names.
func (s *Server) paramFields() []Field {
	var out []Field
	for i := range params {
		p := &params[i]
		v := s.params.get(p)
		out = append(out, Field{p.name, v})
		if p.alias != "" {
			out = append(out, Field{p.alias, v})
		}
	}
	return out
}
