package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// writeConfig writes a YAML file into a fresh temp dir and returns its path.
func writeConfig(t *testing.T, yaml string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "respraft.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func mustLoad(t *testing.T, args, env []string) *Config {
	t.Helper()
	c, err := Load(args, env)
	if err != nil {
		t.Fatalf("Load(%q, %q): %v", args, env, err)
	}
	return c
}

func TestDefaults(t *testing.T) {
	got := mustLoad(t, nil, nil)
	want := &Config{
		Port:              6379,
		Bind:              "127.0.0.1",
		Dir:               "./data",
		NodeID:            "127.0.0.1:16379",
		RaftPort:          16379,
		Databases:         16,
		LogLevel:          "info",
		LogFormat:         "text",
		ReadConsistency:   "linearizable",
		LeaderWait:        3 * time.Second,
		SnapshotThreshold: 8192,
		TrailingLogs:      10240,
		SnapshotInterval:  30 * time.Second,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Load(nil, nil)\n got %+v\nwant %+v", got, want)
	}
	if got, want := got.ClientAddr(), "127.0.0.1:6379"; got != want {
		t.Errorf("ClientAddr() = %q, want %q", got, want)
	}
	if got, want := got.RaftAddr(), "127.0.0.1:16379"; got != want {
		t.Errorf("RaftAddr() = %q, want %q", got, want)
	}
	if got, want := got.AdvertiseAddr(), "127.0.0.1:16379"; got != want {
		t.Errorf("AdvertiseAddr() = %q, want %q", got, want)
	}
}

// TestPrecedence sets one key in up to four layers at once and checks that
// the highest layer wins: flag > env > file > default.
func TestPrecedence(t *testing.T) {
	type layer struct{ flag, env, file string } // "" = not set in that layer
	keys := []struct {
		key  string
		vals layer  // a distinct value per layer
		yaml string // the file's value as YAML
		def  string // the default, as get prints it
		get  func(*Config) string
	}{
		{
			key: "port", vals: layer{"7001", "7002", "7003"}, yaml: "7003", def: "6379",
			get: func(c *Config) string { return strconv.Itoa(c.Port) },
		},
		{
			key: "log-level", vals: layer{"debug", "warn", "error"}, yaml: "error", def: "info",
			get: func(c *Config) string { return c.LogLevel },
		},
		{
			key: "leader-wait", vals: layer{"1s", "2s", "4s"}, yaml: "4s", def: "3s",
			get: func(c *Config) string { return c.LeaderWait.String() },
		},
		{
			key: "snapshot-threshold", vals: layer{"1", "2", "3"}, yaml: "3", def: "8192",
			get: func(c *Config) string { return strconv.FormatUint(c.SnapshotThreshold, 10) },
		},
		{
			key: "bind", vals: layer{"127.0.0.2", "127.0.0.3", "127.0.0.4"}, yaml: "127.0.0.4", def: "127.0.0.1",
			get: func(c *Config) string { return c.Bind },
		},
		{
			key: "read-consistency", vals: layer{"stale", "leader", "linearizable"}, yaml: "linearizable", def: "linearizable",
			get: func(c *Config) string { return c.ReadConsistency },
		},
		{
			key: "join", vals: layer{"a:6379", "b:6379", "c:6379"}, yaml: "c:6379", def: "",
			get: func(c *Config) string { return c.Join },
		},
	}
	cases := []struct {
		name            string
		flag, env, file bool
	}{
		{name: "all layers", flag: true, env: true, file: true},
		{name: "env and file", env: true, file: true},
		{name: "flag and file", flag: true, file: true},
		{name: "file only", file: true},
		{name: "env only", env: true},
		{name: "none"},
	}
	for _, k := range keys {
		for _, tc := range cases {
			t.Run(k.key+"/"+tc.name, func(t *testing.T) {
				var args, env []string
				want := k.def
				if tc.file {
					args = append(args, "--config", writeConfig(t, k.key+": "+k.yaml+"\n"))
					want = k.vals.file
				}
				if tc.env {
					env = append(env, EnvName(k.key)+"="+k.vals.env)
					want = k.vals.env
				}
				if tc.flag {
					args = append(args, "--"+k.key, k.vals.flag)
					want = k.vals.flag
				}
				c := mustLoad(t, args, env)
				if got := k.get(c); got != want {
					t.Errorf("%s = %q, want %q (args %q, env %q)", k.key, got, want, args, env)
				}
			})
		}
	}
}

func TestFileSetsEveryKey(t *testing.T) {
	path := writeConfig(t, `
port: 7000
bind: 127.0.0.5
dir: /var/lib/respraft
node-id: n1
raft-port: 17777
advertise: node1:17777
databases: 4
log-level: DEBUG
log-format: json
peers:
  - n1=node1:17777
  - n2=node2:17777
read-consistency: stale
leader-wait: 500ms
snapshot-threshold: 100
trailing-logs: 200
snapshot-interval: 1m
procs: 3
`)
	got := mustLoad(t, []string{"--config", path}, nil)
	want := &Config{
		Port: 7000, Bind: "127.0.0.5", Dir: "/var/lib/respraft", NodeID: "n1",
		RaftPort: 17777, Advertise: "node1:17777", Databases: 4,
		LogLevel: "debug", LogFormat: "json",
		Peers:           []Peer{{"n1", "node1:17777"}, {"n2", "node2:17777"}},
		ReadConsistency: "stale", LeaderWait: 500 * time.Millisecond,
		SnapshotThreshold: 100, TrailingLogs: 200, SnapshotInterval: time.Minute,
		Procs: 3, ConfigFile: path,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Load(--config)\n got %+v\nwant %+v", got, want)
	}
}

func TestConfigFileFromEnv(t *testing.T) {
	path := writeConfig(t, "port: 7100\n")
	c := mustLoad(t, nil, []string{"RESPRAFT_CONFIG=" + path})
	if c.Port != 7100 || c.ConfigFile != path {
		t.Errorf("port = %d, config file = %q; want 7100, %q", c.Port, c.ConfigFile, path)
	}
}

func TestEnvIgnoresOthers(t *testing.T) {
	env := []string{
		"PORT=1",                // no prefix
		"RESPRAFT_UNKNOWN=x",    // not a key: ignored, the env is shared
		"RESPRAFT_PORT=",        // empty counts as unset
		"RESPRAFT_DATABASES=1",  // overridden below: last wins
		"RESPRAFT_DATABASES=32", //
		"RESPRAFT_LOG_LEVEL=warn",
	}
	c := mustLoad(t, nil, env)
	if c.Port != 6379 || c.Databases != 32 || c.LogLevel != "warn" {
		t.Errorf("port, databases, log-level = %d, %d, %q; want 6379, 32, warn", c.Port, c.Databases, c.LogLevel)
	}
}

// TestErrors checks that every bad value is rejected with a message that
// names its key (or the variable or flag it came from).
func TestErrors(t *testing.T) {
	cases := []struct {
		name string
		args []string
		env  []string
		yaml string // written to a file and passed with --config if set
		want []string
	}{
		{name: "port too big", args: []string{"--port", "70000"}, want: []string{"invalid value for port: 70000 (must be 1-65535)"}},
		{name: "port zero", args: []string{"--port", "0"}, want: []string{"invalid value for port: 0"}},
		{name: "port flag not a number", args: []string{"--port", "abc"}, want: []string{"--port", "abc"}},
		{name: "port env not a number", env: []string{"RESPRAFT_PORT=abc"}, want: []string{`invalid value for RESPRAFT_PORT: "abc" (must be an integer)`}},
		{name: "duration env", env: []string{"RESPRAFT_LEADER_WAIT=3"}, want: []string{"RESPRAFT_LEADER_WAIT", `"3"`}},
		{name: "uint env negative", env: []string{"RESPRAFT_TRAILING_LOGS=-1"}, want: []string{"RESPRAFT_TRAILING_LOGS"}},
		{name: "port file not a number", yaml: "port: abc\n", want: []string{"invalid value for port in config file", `"abc"`}},
		{name: "file negative uint", yaml: "snapshot-threshold: -5\n", want: []string{"snapshot-threshold in config file", "-5"}},
		{name: "file string gets a list", yaml: "bind: [a, b]\n", want: []string{"bind in config file"}},
		{name: "log format", args: []string{"--log-format", "xml"}, want: []string{`invalid value for log-format: "xml" (must be text or json)`}},
		{name: "log level", env: []string{"RESPRAFT_LOG_LEVEL=loud"}, want: []string{`invalid value for log-level: "loud" (must be debug, info, warn or error)`}},
		{name: "read consistency", args: []string{"--read-consistency", "eventual"}, want: []string{`invalid value for read-consistency: "eventual"`}},
		{name: "databases zero", args: []string{"--databases", "0"}, want: []string{"invalid value for databases: 0 (must be 1-1024)"}},
		{name: "databases too many", args: []string{"--databases", "1025"}, want: []string{"invalid value for databases: 1025"}},
		{name: "procs negative", args: []string{"--procs", "-1"}, want: []string{"invalid value for procs: -1 (must be 0-4096; 0 means one per CPU)"}},
		{name: "procs too many", env: []string{"RESPRAFT_PROCS=5000"}, want: []string{"invalid value for procs: 5000"}},
		{name: "procs not a number", yaml: "procs: all\n", want: []string{"invalid value for procs in config file", `"all"`}},
		{name: "raft port equals port", args: []string{"--port", "7000", "--raft-port", "7000"}, want: []string{"invalid value for raft-port: 7000 (must differ from port)"}},
		{name: "raft port too big", args: []string{"--raft-port", "65536"}, want: []string{"invalid value for raft-port: 65536"}},
		{name: "derived raft port too big", args: []string{"--port", "60000"}, want: []string{"invalid value for raft-port", "70000"}},
		{name: "bind empty", args: []string{"--bind", ""}, want: []string{"invalid value for bind"}},
		{name: "bind with port", args: []string{"--bind", "127.0.0.1:80"}, want: []string{"invalid value for bind"}},
		{name: "dir empty", args: []string{"--dir", ""}, want: []string{"invalid value for dir"}},
		{name: "advertise without port", args: []string{"--advertise", "node1"}, want: []string{`invalid value for advertise: "node1"`}},
		{name: "advertise wildcard", args: []string{"--advertise", "0.0.0.0:16379"}, want: []string{"invalid value for advertise"}},
		{name: "join without port", args: []string{"--join", "node1"}, want: []string{`invalid value for join: "node1"`}},
		{name: "join and peers", args: []string{"--node-id", "n1", "--peers", "n1=a:1", "--join", "b:6379"}, want: []string{"invalid value for join", "peers"}},
		{name: "leader wait negative", args: []string{"--leader-wait", "-1s"}, want: []string{"invalid value for leader-wait: -1s"}},
		{name: "snapshot interval tiny", args: []string{"--snapshot-interval", "1ms"}, want: []string{"invalid value for snapshot-interval: 1ms"}},
		{name: "peers syntax", args: []string{"--peers", "n1:host:1"}, want: []string{`invalid value for peers: "n1:host:1" (must be id=host:port)`}},
		{name: "peers bad port", args: []string{"--peers", "n1=host:0"}, want: []string{"invalid value for peers", "port must be 1-65535"}},
		{name: "peers no port", args: []string{"--peers", "n1=host"}, want: []string{"invalid value for peers", "host:port"}},
		{name: "peers empty id", args: []string{"--peers", "=host:1"}, want: []string{"invalid value for peers"}},
		{name: "peers trailing comma", args: []string{"--node-id", "n1", "--peers", "n1=a:1,"}, want: []string{`invalid value for peers: ""`}},
		{name: "peers duplicate id", args: []string{"--peers", "n1=a:1,n1=b:1"}, want: []string{`invalid value for peers: id "n1" appears twice`}},
		{name: "peers duplicate addr", args: []string{"--peers", "n1=a:1,n2=a:1"}, want: []string{`invalid value for peers: address "a:1" appears twice`}},
		{name: "peers without self", args: []string{"--node-id", "n9", "--peers", "n1=a:1,n2=b:1"}, want: []string{`invalid value for peers: no entry for this node's id "n9"`, "n1, n2"}},
		{name: "peers as a map", yaml: "peers:\n  n1: a:1\n", want: []string{"invalid value for peers in config file"}},
		{name: "node id with space", args: []string{"--node-id", "n 1"}, want: []string{"invalid value for node-id"}},
		{name: "unknown file key", yaml: "port: 7000\nprot: 7001\n", want: []string{"unknown key prot", "respraft.yaml"}},
		{name: "underscore file key", yaml: "raft_port: 7001\n", want: []string{"unknown key raft_port (did you mean raft-port?)"}},
		{name: "nested unknown key", yaml: "raft:\n  port: 1\n", want: []string{"unknown key raft.port"}},
		{name: "config in config", yaml: "config: other.yaml\n", want: []string{"key config is not allowed"}},
		{name: "file unparsable", yaml: "port: [\n", want: []string{"config file", "respraft.yaml"}},
		{name: "file missing", args: []string{"--config", "/nonexistent/respraft.yaml"}, want: []string{`config file "/nonexistent/respraft.yaml"`, "no such file"}},
		{name: "unknown flag", args: []string{"--prot", "1"}, want: []string{"unknown flag: --prot"}},
		{name: "positional argument", args: []string{"serve"}, want: []string{`unexpected argument "serve"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			if tc.yaml != "" {
				args = append([]string{"--config", writeConfig(t, tc.yaml)}, args...)
			}
			c, err := Load(args, tc.env)
			if err == nil {
				t.Fatalf("Load(%q, %q) = %+v, want an error containing %q", args, tc.env, c, tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Load(%q, %q) error\n got %q\nwant it to contain %q", args, tc.env, err, w)
				}
			}
			if errors.Is(err, ErrHelp) {
				t.Errorf("error %q is ErrHelp", err)
			}
		})
	}
}

func TestPeers(t *testing.T) {
	cases := []struct {
		name string
		args []string
		env  []string
		yaml string
		want []Peer
	}{
		{name: "none", want: nil},
		{name: "empty flag", args: []string{"--peers", ""}, want: nil},
		{
			name: "flag",
			args: []string{"--node-id", "n1", "--peers", "n1=127.0.0.1:16379,n2=127.0.0.1:16380,n3=node3:16379"},
			want: []Peer{{"n1", "127.0.0.1:16379"}, {"n2", "127.0.0.1:16380"}, {"n3", "node3:16379"}},
		},
		{
			name: "spaces are trimmed",
			args: []string{"--node-id", "n1", "--peers", " n1 = a:1 , n2=b:2 "},
			want: []Peer{{"n1", "a:1"}, {"n2", "b:2"}},
		},
		{
			name: "ipv6",
			args: []string{"--node-id", "n1", "--peers", "n1=[::1]:16379,n2=[::1]:16380"},
			want: []Peer{{"n1", "[::1]:16379"}, {"n2", "[::1]:16380"}},
		},
		{
			name: "env",
			env:  []string{"RESPRAFT_NODE_ID=n2", "RESPRAFT_PEERS=n1=a:1,n2=b:2"},
			want: []Peer{{"n1", "a:1"}, {"n2", "b:2"}},
		},
		{
			name: "yaml string",
			yaml: "node-id: n1\npeers: n1=a:1,n2=b:2\n",
			want: []Peer{{"n1", "a:1"}, {"n2", "b:2"}},
		},
		{
			name: "yaml list",
			yaml: "node-id: n1\npeers: [n1=a:1, n2=b:2]\n",
			want: []Peer{{"n1", "a:1"}, {"n2", "b:2"}},
		},
		{name: "yaml empty list", yaml: "peers: []\n", want: nil},
		{
			name: "derived node id in peers",
			args: []string{"--peers", "127.0.0.1:16379=127.0.0.1:16379"},
			want: []Peer{{"127.0.0.1:16379", "127.0.0.1:16379"}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			if tc.yaml != "" {
				args = append([]string{"--config", writeConfig(t, tc.yaml)}, args...)
			}
			c := mustLoad(t, args, tc.env)
			if len(c.Peers) == 0 && len(tc.want) == 0 {
				return
			}
			if !reflect.DeepEqual(c.Peers, tc.want) {
				t.Errorf("Peers = %v, want %v", c.Peers, tc.want)
			}
		})
	}
	if got, want := (Peer{"n1", "a:1"}).String(), "n1=a:1"; got != want {
		t.Errorf("Peer.String() = %q, want %q", got, want)
	}
}

func TestNodeID(t *testing.T) {
	hostname, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name       string
		args       []string
		wantID     string
		wantAdv    string
		wantRaft   string
		wantClient string
	}{
		{name: "default", wantID: "127.0.0.1:16379", wantAdv: "127.0.0.1:16379", wantRaft: "127.0.0.1:16379", wantClient: "127.0.0.1:6379"},
		{name: "port moves raft port", args: []string{"--port", "7000"}, wantID: "127.0.0.1:17000", wantAdv: "127.0.0.1:17000", wantRaft: "127.0.0.1:17000", wantClient: "127.0.0.1:7000"},
		{name: "explicit raft port", args: []string{"--raft-port", "20000"}, wantID: "127.0.0.1:20000", wantAdv: "127.0.0.1:20000", wantRaft: "127.0.0.1:20000", wantClient: "127.0.0.1:6379"},
		{name: "advertise", args: []string{"--advertise", "node1:16379"}, wantID: "node1:16379", wantAdv: "node1:16379", wantRaft: "127.0.0.1:16379", wantClient: "127.0.0.1:6379"},
		{name: "explicit id", args: []string{"--node-id", "n1"}, wantID: "n1", wantAdv: "127.0.0.1:16379", wantRaft: "127.0.0.1:16379", wantClient: "127.0.0.1:6379"},
		{name: "wildcard v4 bind", args: []string{"--bind", "0.0.0.0"}, wantID: hostname + ":16379", wantAdv: hostname + ":16379", wantRaft: "0.0.0.0:16379", wantClient: "0.0.0.0:6379"},
		{name: "wildcard v6 bind", args: []string{"--bind", "::"}, wantID: hostname + ":16379", wantAdv: hostname + ":16379", wantRaft: "[::]:16379", wantClient: "[::]:6379"},
		{name: "v6 bind", args: []string{"--bind", "::1"}, wantID: "[::1]:16379", wantAdv: "[::1]:16379", wantRaft: "[::1]:16379", wantClient: "[::1]:6379"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := mustLoad(t, tc.args, nil)
			if c.NodeID != tc.wantID {
				t.Errorf("NodeID = %q, want %q", c.NodeID, tc.wantID)
			}
			if got := c.AdvertiseAddr(); got != tc.wantAdv {
				t.Errorf("AdvertiseAddr() = %q, want %q", got, tc.wantAdv)
			}
			if got := c.RaftAddr(); got != tc.wantRaft {
				t.Errorf("RaftAddr() = %q, want %q", got, tc.wantRaft)
			}
			if got := c.ClientAddr(); got != tc.wantClient {
				t.Errorf("ClientAddr() = %q, want %q", got, tc.wantClient)
			}
			// Stable across restarts: the same flags give the same id.
			if again := mustLoad(t, tc.args, nil); again.NodeID != c.NodeID {
				t.Errorf("second Load: NodeID = %q, first gave %q", again.NodeID, c.NodeID)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"--help"}, {"--port", "7000", "--help"}} {
		c, err := Load(args, nil)
		if !errors.Is(err, ErrHelp) {
			t.Errorf("Load(%q) = %+v, %v; want ErrHelp", args, c, err)
		}
	}
	usage := Usage()
	for _, want := range []string{
		"Usage: respraft", "--port", "6379", "--bind", "--dir", "--node-id", "--raft-port",
		"--advertise", "--databases", "--log-level", "--log-format", "--peers", "--join",
		"--read-consistency", "--leader-wait", "--snapshot-threshold", "--trailing-logs",
		"--snapshot-interval", "--procs", "--config", "RESPRAFT_RAFT_PORT",
	} {
		if !strings.Contains(usage, want) {
			t.Errorf("Usage() does not mention %q:\n%s", want, usage)
		}
	}
}

func TestEnvName(t *testing.T) {
	for key, want := range map[string]string{
		"port": "RESPRAFT_PORT", "raft-port": "RESPRAFT_RAFT_PORT", "snapshot-interval": "RESPRAFT_SNAPSHOT_INTERVAL",
	} {
		if got := EnvName(key); got != want {
			t.Errorf("EnvName(%q) = %q, want %q", key, got, want)
		}
	}
}

func TestLoadDoesNotTouchDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "not", "yet")
	c := mustLoad(t, []string{"--dir", dir}, nil)
	if c.Dir != dir {
		t.Errorf("Dir = %q, want %q", c.Dir, dir)
	}
	if _, err := os.Stat(filepath.Dir(dir)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load created or touched %s: stat err = %v", filepath.Dir(dir), err)
	}
}
