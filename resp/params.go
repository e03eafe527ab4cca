package resp

import (
	"strconv"
	"strings"
	"sync"
)

// Tunable parameters CONFIG SET accepts and CONFIG GET reports, as Redis
// names and checks them. respraft's encodings do not depend on them (its
// containers have one representation each, and small hashes keep Redis's
// listpack order at Redis's default limits), so setting one changes what
// CONFIG GET answers and nothing else; like Redis's, they are per node.
// Redis aliases (the old ziplist names) share one value.
type paramKind int

const (
	paramInt paramKind = iota
	paramBool
	paramEnum
	paramString
	paramImmutable
)

type param struct {
	name  string
	alias string // the other name of the same value, if any
	kind  paramKind
	def   string
	enum  []string
}

var params = []param{
	{name: "hash-max-listpack-entries", alias: "hash-max-ziplist-entries", def: "128"},
	{name: "hash-max-listpack-value", alias: "hash-max-ziplist-value", def: "64"},
	{name: "list-max-listpack-size", alias: "list-max-ziplist-size", def: "-2"},
	{name: "list-compress-depth", def: "0"},
	{name: "set-max-intset-entries", def: "512"},
	{name: "zset-max-listpack-entries", alias: "zset-max-ziplist-entries", def: "128"},
	{name: "zset-max-listpack-value", alias: "zset-max-ziplist-value", def: "64"},
	{name: "hll-sparse-max-bytes", def: "3000"},
	{name: "stream-node-max-bytes", def: "4096"},
	{name: "stream-node-max-entries", def: "100"},
	{name: "hz", def: "10"},
	{name: "timeout", def: "0"},
	{name: "slowlog-log-slower-than", def: "10000"},
	{name: "slowlog-max-len", def: "128"},
	{name: "maxmemory", def: "0"},
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
		n, err := strconv.ParseInt(value, 10, 64)
		if err != nil {
			return "", "argument couldn't be parsed into an integer"
		}
		return strconv.FormatInt(n, 10), ""
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

// configSet applies CONFIG SET name value [name value ...] all or nothing,
// returning Redis's error text or "".
func (s *Server) configSet(args [][]byte) string {
	type change struct {
		p   *param
		val string
	}
	var changes []change
	for i := 0; i+1 < len(args); i += 2 {
		name := strings.ToLower(string(args[i]))
		p, ok := paramTable[name]
		if !ok {
			if isSetting(s, name) {
				return "ERR CONFIG SET failed (possibly related to argument '" + name + "') - can't set immutable config"
			}
			return "ERR Unknown option or number of arguments for CONFIG SET - '" + string(args[i]) + "'"
		}
		val, why := p.check(string(args[i+1]))
		if why != "" {
			return "ERR CONFIG SET failed (possibly related to argument '" + name + "') - " + why
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
