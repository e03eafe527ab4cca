// Package config turns command-line flags, RESPRAFT_* environment variables,
// an optional YAML file and built-in defaults into one validated Config.
//
// It is the only importer of viper in respraft, and it uses one viper.New()
// instance per Load, never the global one, so Load is safe to call from
// parallel tests.
//
// # Precedence
//
// For every key, the first of these that sets it wins:
//
//  1. a flag given in args (--raft-port 16379);
//  2. an environment variable from env: RESPRAFT_ plus the key in upper case
//     with dashes as underscores (RESPRAFT_RAFT_PORT=16379). An empty value
//     counts as unset, as in viper;
//  3. the YAML file named by --config (or RESPRAFT_CONFIG), whose keys are
//     the flag names (raft-port: 16379);
//  4. the default.
//
// Flags are parsed with pflag; env values are handed to viper as overrides
// only for keys whose flag was not given, and the file is read with
// viper.ReadConfig, so viper resolves the layers in the order above.
//
// # Decisions
//
//   - Load is pure: it reads args, env, the config file and (only when bind
//     is 0.0.0.0 or ::, to derive the advertised address) os.Hostname. It
//     never prints, never exits and never creates or touches the data dir.
//     -h/--help returns ErrHelp; Usage returns the text to print.
//   - Every error names the key it is about. A value that does not parse
//     names where it came from: the flag, the environment variable
//     (RESPRAFT_PORT) or the key and the config file. An unknown key in the
//     file is an error (a typo must not silently fall back to a default);
//     unknown RESPRAFT_* variables are ignored, because the environment is
//     shared with other programs.
//   - raft-port 0 means port+10000, as Redis Cluster's bus port. The stored
//     Config holds the resolved port.
//   - node-id "" means the advertised address (AdvertiseAddr), which is
//     derived from the same flags on every start and so is stable across
//     restarts. The stored Config holds the resolved id.
//   - peers is "id=host:port,..." (a flag, env var or YAML string) or, in
//     YAML, also a list of "id=host:port" strings. When peers is set, this
//     node's id must be one of them, and peers and join are mutually
//     exclusive: peers bootstraps a fixed configuration, join asks an
//     existing cluster to add this node.
//   - log-level and log-format are matched without regard to case and stored
//     in lower case. snapshot-interval must be at least 5ms (hashicorp/raft
//     rejects less); leader-wait may be 0 (fail at once without a leader).
package config
