package config

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// ErrHelp is returned by Load when args ask for help (-h or --help). The
// caller prints Usage() to stdout and exits 0.
var ErrHelp = pflag.ErrHelp

// EnvPrefix starts the name of every environment variable Load reads.
const EnvPrefix = "RESPRAFT_"

// Config is the validated configuration of one node. Load fills every field;
// RaftPort and NodeID hold their resolved values, never 0 or "".
type Config struct {
	Port      int    // client (RESP) port
	Bind      string // address both listeners bind to
	Dir       string // data dir: Raft log, stable store and snapshots
	NodeID    string // stable Raft server id
	RaftPort  int    // cluster port: Raft and internal RPCs
	Advertise string // cluster address other nodes dial; "" means derived, see AdvertiseAddr
	Databases int    // number of logical databases (SELECT 0..Databases-1)
	LogLevel  string // debug, info, warn or error
	LogFormat string // text or json

	Peers []Peer // initial voters, bootstrapped on an empty data dir; may be empty
	Join  string // host:port of any member's client port; may be empty

	ReadConsistency   string        // linearizable, leader or stale
	LeaderWait        time.Duration // how long a command waits for a leader before failing
	SnapshotThreshold uint64        // Raft: log entries between snapshots
	TrailingLogs      uint64        // Raft: entries kept after a snapshot
	SnapshotInterval  time.Duration // Raft: how often to check whether to snapshot

	// Procs is how many threads run Go code at once (GOMAXPROCS); 0
	// leaves it to Go: $GOMAXPROCS if set, else the CPUs this process
	// may use.
	Procs int

	ConfigFile string // the YAML file that was read, or ""
	Pprof      string // host:port for net/http/pprof, or "" (off)
}

// Peer is one initial voter: its Raft server id and cluster address.
type Peer struct{ ID, Addr string }

// String returns the peer in the --peers syntax, id=host:port.
func (p Peer) String() string { return p.ID + "=" + p.Addr }

// ClientAddr is the address the RESP listener binds to: bind:port.
func (c *Config) ClientAddr() string {
	return net.JoinHostPort(c.Bind, strconv.Itoa(c.Port))
}

// RaftAddr is the address the cluster listener binds to: bind:raft-port.
func (c *Config) RaftAddr() string {
	return net.JoinHostPort(c.Bind, strconv.Itoa(c.RaftPort))
}

// AdvertiseAddr is the cluster address other nodes use to reach this one:
// --advertise if set, else bind:raft-port, with the host name in place of a
// wildcard bind (0.0.0.0 or ::). Load has already checked that the host name
// can be read; should it fail later, the bind address is used.
func (c *Config) AdvertiseAddr() string {
	if c.Advertise != "" {
		return c.Advertise
	}
	addr, err := c.derivedAdvertise()
	if err != nil {
		return c.RaftAddr()
	}
	return addr
}

func (c *Config) derivedAdvertise() (string, error) {
	host := c.Bind
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		h, err := os.Hostname()
		if err != nil {
			return "", err
		}
		host = h
	}
	return net.JoinHostPort(host, strconv.Itoa(c.RaftPort)), nil
}

// The keys, in the order Usage lists them. Each is a flag, an environment
// variable (EnvPrefix + upper case, dashes as underscores) and a YAML key.
const (
	keyPort              = "port"
	keyBind              = "bind"
	keyDir               = "dir"
	keyNodeID            = "node-id"
	keyRaftPort          = "raft-port"
	keyAdvertise         = "advertise"
	keyDatabases         = "databases"
	keyLogLevel          = "log-level"
	keyLogFormat         = "log-format"
	keyPeers             = "peers"
	keyJoin              = "join"
	keyReadConsistency   = "read-consistency"
	keyLeaderWait        = "leader-wait"
	keySnapshotThreshold = "snapshot-threshold"
	keyTrailingLogs      = "trailing-logs"
	keySnapshotInterval  = "snapshot-interval"
	keyProcs             = "procs"
	keyConfig            = "config"
	keyPprof             = "pprof"
)

// maxProcs bounds the procs key: more threads than this is a typo.
const maxProcs = 4096

// minSnapshotInterval is the smallest SnapshotInterval hashicorp/raft accepts.
const minSnapshotInterval = 5 * time.Millisecond

func newFlagSet() *pflag.FlagSet {
	fs := pflag.NewFlagSet("respraft", pflag.ContinueOnError)
	fs.SortFlags = false
	fs.Int(keyPort, 6379, "client (RESP) port")
	fs.String(keyBind, "127.0.0.1", "address to bind the client and cluster ports to")
	fs.String(keyDir, "./data", "data directory (Raft log, stable store, snapshots)")
	fs.String(keyNodeID, "", "stable Raft node id (default: the advertised address)")
	fs.Int(keyRaftPort, 0, "cluster port for Raft and internal RPCs (default: port+10000)")
	fs.String(keyAdvertise, "", "cluster host:port other nodes dial (default: bind:raft-port, host name if bind is 0.0.0.0 or ::)")
	fs.Int(keyDatabases, 16, "number of databases (1-1024)")
	fs.String(keyLogLevel, "info", "log level: debug, info, warn or error")
	fs.String(keyLogFormat, "text", "log format: text or json")
	fs.String(keyPeers, "", "initial voters on an empty data dir: id=host:port,id=host:port,...")
	fs.String(keyJoin, "", "host:port of any member's client port, to ask to add this node")
	fs.String(keyReadConsistency, "linearizable", "default read consistency: linearizable, leader or stale")
	fs.Duration(keyLeaderWait, 3*time.Second, "how long a command waits for a leader before failing")
	fs.Uint64(keySnapshotThreshold, 8192, "Raft log entries between snapshots")
	fs.Uint64(keyTrailingLogs, 10240, "Raft log entries kept after a snapshot")
	fs.Duration(keySnapshotInterval, 30*time.Second, "how often Raft checks whether to snapshot (at least 5ms)")
	fs.Int(keyProcs, 0, "threads running Go code at once (0: Go's choice, $GOMAXPROCS if set, else one per CPU)")
	fs.String(keyConfig, "", "YAML file whose keys are these flag names (port: 6379)")
	fs.String(keyPprof, "", "serve Go's net/http/pprof on this host:port (off when empty; loopback advised)")
	return fs
}

// Usage returns the help text: how to call respraft, every flag with its
// default, and where else a key can be set.
func Usage() string {
	var b strings.Builder
	b.WriteString("Usage: respraft [flags]\n\nFlags:\n")
	b.WriteString(newFlagSet().FlagUsages())
	b.WriteString("\nEvery flag can also be set by an environment variable (--raft-port: " +
		EnvPrefix + "RAFT_PORT)\nor by a key of the same name in the --config YAML file (raft-port: 16379).\n" +
		"Precedence: flags, then environment, then the file, then defaults.\n")
	return b.String()
}

// EnvName returns the environment variable for a key: "raft-port" gives
// "RESPRAFT_RAFT_PORT".
func EnvName(key string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(key, "-", "_"))
}

// Load builds the Config from args (without the program name), env (as from
// os.Environ) and the YAML file they name, and validates it. It returns
// ErrHelp for -h or --help.
func Load(args []string, env []string) (*Config, error) {
	fs := newFlagSet()
	fs.SetOutput(io.Discard) // Load never prints; errors carry the message
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q (all settings are --flags)", fs.Arg(0))
	}

	l := &loader{v: viper.New(), fs: fs, env: envMap(env)}
	if err := l.v.BindPFlags(fs); err != nil {
		return nil, fmt.Errorf("bind flags: %w", err)
	}
	// Environment below flags: an override only where the flag was not given.
	var known []string
	fs.VisitAll(func(f *pflag.Flag) { known = append(known, f.Name) })
	for _, key := range known {
		if val, ok := l.env[EnvName(key)]; ok && !fs.Changed(key) {
			l.v.Set(key, val)
		}
	}
	if err := l.readFile(known); err != nil {
		return nil, err
	}
	c, err := l.build()
	if err != nil {
		return nil, err
	}
	if err := c.validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// envMap keeps the non-empty RESPRAFT_* variables; the last of duplicates wins.
func envMap(env []string) map[string]string {
	m := make(map[string]string)
	for _, kv := range env {
		k, val, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(k, EnvPrefix) {
			continue
		}
		if val == "" {
			delete(m, k)
			continue
		}
		m[k] = val
	}
	return m
}

type loader struct {
	v    *viper.Viper
	fs   *pflag.FlagSet
	env  map[string]string
	file string
	err  error
}

// readFile reads the YAML file named by --config or RESPRAFT_CONFIG, if any,
// and rejects keys that are not flags.
func (l *loader) readFile(known []string) error {
	l.file = l.str(keyConfig)
	if l.file == "" {
		return nil
	}
	data, err := os.ReadFile(l.file)
	if err != nil {
		return fmt.Errorf("config file %q: %w", l.file, err)
	}
	l.v.SetConfigType("yaml")
	if err := l.v.ReadConfig(bytes.NewReader(data)); err != nil {
		return fmt.Errorf("config file %q: %w", l.file, err)
	}
	isKnown := make(map[string]bool, len(known))
	for _, k := range known {
		isKnown[k] = k != keyConfig
	}
	keys := l.v.AllKeys()
	slices.Sort(keys) // name the same key on every run
	for _, k := range keys {
		if isKnown[k] || !l.v.InConfig(k) {
			continue
		}
		if k == keyConfig {
			return fmt.Errorf("config file %q: key config is not allowed in a config file", l.file)
		}
		if top, _, nested := strings.Cut(k, "."); nested && isKnown[top] {
			return fmt.Errorf("invalid value for %s in config file %q: must not be a map", top, l.file)
		}
		if alt := strings.ReplaceAll(k, "_", "-"); isKnown[alt] {
			return fmt.Errorf("config file %q: unknown key %s (did you mean %s?)", l.file, k, alt)
		}
		return fmt.Errorf("config file %q: unknown key %s", l.file, k)
	}
	return nil
}

// origin names where key's value came from, for an error about a value that
// does not parse.
func (l *loader) origin(key string) string {
	switch {
	case l.fs.Changed(key):
		return "--" + key
	case l.env[EnvName(key)] != "":
		return EnvName(key)
	case l.file != "" && l.v.InConfig(key):
		return fmt.Sprintf("%s in config file %q", key, l.file)
	}
	return key
}

// fail records the first error; build returns it. The typed getters call it
// for a value that does not parse and return the zero value.
func (l *loader) fail(err error) {
	if l.err == nil {
		l.err = err
	}
}

func (l *loader) invalid(key string, val any, want string) {
	l.fail(parseError{l.origin(key), val, want})
}

func (l *loader) str(key string) string {
	switch val := l.v.Get(key).(type) {
	case nil:
		return ""
	case string:
		return val
	case int, int64, uint64, float64, bool:
		return fmt.Sprint(val) // node-id: 1 in YAML
	default:
		l.invalid(key, val, "must be a string")
		return ""
	}
}

func (l *loader) int(key string) int {
	switch val := l.v.Get(key).(type) {
	case int:
		return val
	case int64:
		if val >= math.MinInt && val <= math.MaxInt {
			return int(val)
		}
	case string:
		if n, err := strconv.Atoi(strings.TrimSpace(val)); err == nil {
			return n
		}
	}
	l.invalid(key, l.v.Get(key), "must be an integer")
	return 0
}

func (l *loader) uint64(key string) uint64 {
	switch val := l.v.Get(key).(type) {
	case int:
		if val >= 0 {
			return uint64(val)
		}
	case int64:
		if val >= 0 {
			return uint64(val)
		}
	case uint64:
		return val
	case string:
		if n, err := strconv.ParseUint(strings.TrimSpace(val), 10, 64); err == nil {
			return n
		}
	}
	l.invalid(key, l.v.Get(key), "must be a non-negative integer")
	return 0
}

func (l *loader) duration(key string) time.Duration {
	switch val := l.v.Get(key).(type) {
	case time.Duration:
		return val
	case string:
		if d, err := time.ParseDuration(strings.TrimSpace(val)); err == nil {
			return d
		}
	}
	l.invalid(key, l.v.Get(key), "must be a duration such as 3s or 500ms")
	return 0
}

// peers accepts "id=addr,id=addr" or, from YAML, a list of such strings.
func (l *loader) peers() []Peer {
	var items []string
	switch val := l.v.Get(keyPeers).(type) {
	case nil:
	case string:
		items = strings.Split(val, ",")
	case []any:
		for _, it := range val {
			s, ok := it.(string)
			if !ok {
				l.invalid(keyPeers, it, "must be a list of id=host:port strings")
				return nil
			}
			items = append(items, strings.Split(s, ",")...)
		}
	default:
		l.invalid(keyPeers, val, "must be id=host:port,... or a list of id=host:port")
		return nil
	}
	if len(items) == 1 && strings.TrimSpace(items[0]) == "" {
		return nil
	}
	peers, err := parsePeers(items)
	if err != nil {
		l.fail(err)
	}
	return peers
}

// parseError is a value that did not parse, named by where it came from.
type parseError struct {
	origin string
	value  any
	want   string
}

func (e parseError) Error() string {
	if s, ok := e.value.(string); ok {
		return fmt.Sprintf("invalid value for %s: %q (%s)", e.origin, s, e.want)
	}
	return fmt.Sprintf("invalid value for %s: %v (%s)", e.origin, e.value, e.want)
}

// build reads every key through viper and returns the first value that did
// not parse.
func (l *loader) build() (*Config, error) {
	c := &Config{
		Port:              l.int(keyPort),
		Bind:              strings.TrimSpace(l.str(keyBind)),
		Dir:               l.str(keyDir),
		NodeID:            strings.TrimSpace(l.str(keyNodeID)),
		RaftPort:          l.int(keyRaftPort),
		Advertise:         strings.TrimSpace(l.str(keyAdvertise)),
		Databases:         l.int(keyDatabases),
		LogLevel:          strings.ToLower(strings.TrimSpace(l.str(keyLogLevel))),
		LogFormat:         strings.ToLower(strings.TrimSpace(l.str(keyLogFormat))),
		Peers:             l.peers(),
		Join:              strings.TrimSpace(l.str(keyJoin)),
		ReadConsistency:   strings.ToLower(strings.TrimSpace(l.str(keyReadConsistency))),
		LeaderWait:        l.duration(keyLeaderWait),
		SnapshotThreshold: l.uint64(keySnapshotThreshold),
		TrailingLogs:      l.uint64(keyTrailingLogs),
		SnapshotInterval:  l.duration(keySnapshotInterval),
		Procs:             l.int(keyProcs),
		ConfigFile:        l.file,
		Pprof:             strings.TrimSpace(l.str(keyPprof)),
	}
	if l.err != nil {
		return nil, l.err
	}
	return c, nil
}

func parsePeers(items []string) ([]Peer, error) {
	peers := make([]Peer, 0, len(items))
	ids := make(map[string]bool)
	addrs := make(map[string]bool)
	for _, it := range items {
		it = strings.TrimSpace(it)
		id, addr, ok := strings.Cut(it, "=")
		id, addr = strings.TrimSpace(id), strings.TrimSpace(addr)
		if !ok || id == "" || addr == "" {
			return nil, fmt.Errorf("invalid value for peers: %q (must be id=host:port)", it)
		}
		if err := checkHostPort(addr); err != nil {
			return nil, fmt.Errorf("invalid value for peers: %q: %v", it, err)
		}
		if ids[id] {
			return nil, fmt.Errorf("invalid value for peers: id %q appears twice", id)
		}
		if addrs[addr] {
			return nil, fmt.Errorf("invalid value for peers: address %q appears twice", addr)
		}
		ids[id], addrs[addr] = true, true
		peers = append(peers, Peer{ID: id, Addr: addr})
	}
	return peers, nil
}

// checkHostPort accepts host:port with a non-empty host and a port in 1-65535.
func checkHostPort(s string) error {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Errorf("must be host:port")
	}
	if host == "" {
		return fmt.Errorf("must be host:port with a host")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("port must be 1-65535")
	}
	return nil
}

func oneOf(key, val string, allowed ...string) error {
	for _, a := range allowed {
		if val == a {
			return nil
		}
	}
	last := len(allowed) - 1
	want := strings.Join(allowed[:last], ", ") + " or " + allowed[last]
	return fmt.Errorf("invalid value for %s: %q (must be %s)", key, val, want)
}

// validate checks every field, then resolves RaftPort and NodeID.
func (c *Config) validate() error {
	if c.Port < 1 || c.Port > 65535 {
		return fmt.Errorf("invalid value for port: %d (must be 1-65535)", c.Port)
	}
	if c.Bind == "" {
		return fmt.Errorf("invalid value for bind: \"\" (must be an IP address or host name)")
	}
	if strings.ContainsAny(c.Bind, " \t[]/") || (strings.Contains(c.Bind, ":") && net.ParseIP(c.Bind) == nil) {
		return fmt.Errorf("invalid value for bind: %q (must be an IP address or host name, without a port)", c.Bind)
	}
	if c.Dir == "" {
		return fmt.Errorf("invalid value for dir: \"\" (must be a directory path)")
	}
	switch {
	case c.RaftPort == 0:
		if c.Port+10000 > 65535 {
			return fmt.Errorf("invalid value for raft-port: 0 means port+10000 = %d, above 65535 (set raft-port)", c.Port+10000)
		}
		c.RaftPort = c.Port + 10000
	case c.RaftPort < 0 || c.RaftPort > 65535:
		return fmt.Errorf("invalid value for raft-port: %d (must be 1-65535, or 0 for port+10000)", c.RaftPort)
	case c.RaftPort == c.Port:
		return fmt.Errorf("invalid value for raft-port: %d (must differ from port)", c.RaftPort)
	}
	if c.Advertise != "" {
		if err := checkHostPort(c.Advertise); err != nil {
			return fmt.Errorf("invalid value for advertise: %q (%v)", c.Advertise, err)
		}
		host, _, _ := net.SplitHostPort(c.Advertise)
		if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
			return fmt.Errorf("invalid value for advertise: %q (must be an address other nodes can dial, not %s)", c.Advertise, host)
		}
	} else if _, err := c.derivedAdvertise(); err != nil {
		return fmt.Errorf("invalid value for advertise: \"\" with bind %s needs the host name: %v (set advertise)", c.Bind, err)
	}
	if c.Databases < 1 || c.Databases > 1024 {
		return fmt.Errorf("invalid value for databases: %d (must be 1-1024)", c.Databases)
	}
	if err := oneOf(keyLogLevel, c.LogLevel, "debug", "info", "warn", "error"); err != nil {
		return err
	}
	if err := oneOf(keyLogFormat, c.LogFormat, "text", "json"); err != nil {
		return err
	}
	if err := oneOf(keyReadConsistency, c.ReadConsistency, "linearizable", "leader", "stale"); err != nil {
		return err
	}
	if c.LeaderWait < 0 {
		return fmt.Errorf("invalid value for leader-wait: %s (must not be negative)", c.LeaderWait)
	}
	if c.SnapshotInterval < minSnapshotInterval {
		return fmt.Errorf("invalid value for snapshot-interval: %s (must be at least %s)", c.SnapshotInterval, minSnapshotInterval)
	}
	if c.Procs < 0 || c.Procs > maxProcs {
		return fmt.Errorf("invalid value for procs: %d (must be 0-%d; 0 means one per CPU)", c.Procs, maxProcs)
	}
	if c.Pprof != "" {
		if err := checkHostPort(c.Pprof); err != nil {
			return fmt.Errorf("invalid value for pprof: %w", err)
		}
	}
	if c.Join != "" {
		if err := checkHostPort(c.Join); err != nil {
			return fmt.Errorf("invalid value for join: %q (%v)", c.Join, err)
		}
		if len(c.Peers) > 0 {
			return fmt.Errorf("invalid value for join: peers and join cannot both be set (peers bootstraps a new cluster, join adds this node to a running one)")
		}
	}
	if c.NodeID == "" {
		c.NodeID = c.AdvertiseAddr()
	}
	if strings.ContainsAny(c.NodeID, " \t\r\n") {
		return fmt.Errorf("invalid value for node-id: %q (must not contain white space)", c.NodeID)
	}
	if len(c.Peers) > 0 && !c.inPeers() {
		ids := make([]string, len(c.Peers))
		for i, p := range c.Peers {
			ids[i] = p.ID
		}
		return fmt.Errorf("invalid value for peers: no entry for this node's id %q (set node-id to one of %s)", c.NodeID, strings.Join(ids, ", "))
	}
	return nil
}

func (c *Config) inPeers() bool {
	for _, p := range c.Peers {
		if p.ID == c.NodeID {
			return true
		}
	}
	return false
}
