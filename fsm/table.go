package fsm

import (
	"sort"
	"strings"
	"sync"
)

// Flag describes a command, as in COMMAND INFO.
type Flag uint32

const (
	FlagWrite    Flag = 1 << iota // changes state: goes through the Raft log
	FlagReadOnly                  // reads state: waits on the read barrier
	FlagDenyOOM
	FlagAdmin
	FlagNoScript
	FlagLoading
	FlagStale
	FlagFast
	FlagNoMulti // refused inside MULTI
	FlagPubSub
	FlagNoAuth
	FlagAllowBusy
	FlagBlocking // may wait for data (served by resp outside MULTI)
	// FlagLogged: goes through the Raft log although Redis calls it
	// readonly, because it changes how a value is held (PFCOUNT caches the
	// count in the string, SORT_RO turns a listpack sorted set into a
	// skiplist). Not shown by COMMAND INFO.
	FlagLogged
	// FlagNoTouch: the command's lookups leave the keys' access times
	// (OBJECT IDLETIME) alone, as Redis's LOOKUP_NOTOUCH. Not shown by
	// COMMAND INFO.
	FlagNoTouch
)

var flagNames = []struct {
	f    Flag
	name string
}{
	{FlagWrite, "write"}, {FlagReadOnly, "readonly"}, {FlagDenyOOM, "denyoom"},
	{FlagAdmin, "admin"}, {FlagPubSub, "pubsub"}, {FlagNoScript, "noscript"},
	{FlagLoading, "loading"}, {FlagStale, "stale"}, {FlagFast, "fast"},
	{FlagNoAuth, "no_auth"}, {FlagAllowBusy, "allow_busy"}, {FlagBlocking, "blocking"},
}

// Names returns the COMMAND INFO flag strings.
func (f Flag) Names() []string {
	var out []string
	for _, fn := range flagNames {
		if f&fn.f != 0 {
			out = append(out, fn.name)
		}
	}
	return out
}

// Handler runs one command. argv[0] is the command name. It appends exactly
// one reply to the context.
type Handler func(c *Ctx, argv [][]byte)

// Command is one row of the command table.
type Command struct {
	Name     string // lowercase
	Syntax   string // Redis syntax after the name: "key value [NX | XX] ..." (notation: resp/syntax.go)
	Arity    int    // Redis arity: exact if positive, minimum if negative (counts the name)
	Flags    Flag
	FirstKey int // position of the first key, 0 if none
	LastKey  int // position of the last key; negative counts from the end
	Step     int
	Group    string // COMMAND DOCS group: string, generic, hash, set, ...
	Summary  string
	Fn       Handler
}

// Is reports whether the command has flag f.
func (cmd *Command) Is(f Flag) bool { return cmd.Flags&f != 0 }

// Keys returns the key arguments of argv according to the key positions.
func (cmd *Command) Keys(argv [][]byte) [][]byte {
	if cmd.FirstKey <= 0 || cmd.FirstKey >= len(argv) {
		return nil
	}
	last := cmd.LastKey
	if last < 0 {
		last = len(argv) + last
	}
	if last >= len(argv) {
		last = len(argv) - 1
	}
	step := cmd.Step
	if step <= 0 {
		step = 1
	}
	var keys [][]byte
	for i := cmd.FirstKey; i <= last; i += step {
		keys = append(keys, argv[i])
	}
	return keys
}

// ArityOK reports whether argc arguments (including the name) fit the arity.
func (cmd *Command) ArityOK(argc int) bool {
	if cmd.Arity >= 0 {
		return argc == cmd.Arity
	}
	return argc >= -cmd.Arity
}

// families holds the command tables of the data types; each type's file
// adds its own slice in an init function. Adding a command is one handler
// plus one row in its family's slice.
var families [][]Command

func register(cmds []Command) { families = append(families, cmds) }

var (
	table     map[string]*Command
	tableOnce sync.Once
)

func buildTable() {
	table = make(map[string]*Command)
	for _, fam := range families {
		for i := range fam {
			cmd := &fam[i]
			if _, dup := table[cmd.Name]; dup {
				panic("fsm: command registered twice: " + cmd.Name)
			}
			table[cmd.Name] = cmd
		}
	}
}

// Lookup finds a state-machine command by name, case-insensitively.
func Lookup(name []byte) *Command {
	tableOnce.Do(buildTable)
	var buf [32]byte
	if len(name) <= len(buf) {
		lower := buf[:len(name)]
		for i, ch := range name {
			if ch >= 'A' && ch <= 'Z' {
				ch += 'a' - 'A'
			}
			lower[i] = ch
		}
		return table[string(lower)]
	}
	return table[strings.ToLower(string(name))]
}

// Commands returns every state-machine command, sorted by name.
func Commands() []*Command {
	tableOnce.Do(buildTable)
	out := make([]*Command, 0, len(table))
	for _, c := range table {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
