package resp

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"os"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/respraft/respraft/fsm"
)

// Version is the Redis version respraft reports: the one whose commands
// and replies it follows.
const Version = "7.0.0"

// localCommands are answered by resp itself: connection state, server
// information, transactions and persistence, and Pub/Sub. Each is one
// function plus one row, like the state machine's commands.
var localCommands = slices.Concat(serverCommands, pubsubCommands, waitCommands)

var serverCommands = []command{
	local("select", "index", 2, fsm.FlagLoading|fsm.FlagStale|fsm.FlagFast, "connection", "Changes the selected database.", cmdSelectLocal),
	local("quit", "", -1, fsm.FlagNoScript|fsm.FlagLoading|fsm.FlagStale|fsm.FlagFast|fsm.FlagNoAuth|fsm.FlagAllowBusy, "connection", "Closes the connection.", cmdQuit),
	local("reset", "", 1, fsm.FlagNoScript|fsm.FlagLoading|fsm.FlagStale|fsm.FlagFast|fsm.FlagNoAuth|fsm.FlagAllowBusy, "connection", "Resets the connection.", cmdReset),
	local("hello", "[protover [AUTH username password] [SETNAME clientname]]", -1, fsm.FlagNoScript|fsm.FlagLoading|fsm.FlagStale|fsm.FlagFast|fsm.FlagNoAuth|fsm.FlagAllowBusy, "connection", "Handshakes with the server.", cmdHello),
	local("client", "subcommand [argument ...]", -2, fsm.FlagNoScript|fsm.FlagLoading|fsm.FlagStale, "connection", "A container for client connection commands.", cmdClient),
	local("command", "[subcommand [argument ...]]", -1, fsm.FlagLoading|fsm.FlagStale, "server", "Returns detailed information about all commands.", cmdCommand),
	local("info", "[section [section ...]]", -1, fsm.FlagLoading|fsm.FlagStale, "server", "Returns information and statistics about the server.", cmdInfo),
	local("config", "subcommand [argument ...]", -2, fsm.FlagAdmin|fsm.FlagNoScript|fsm.FlagLoading|fsm.FlagStale, "server", "A container for server configuration commands.", cmdConfig),
	local("multi", "", 1, fsm.FlagNoScript|fsm.FlagLoading|fsm.FlagStale|fsm.FlagFast|fsm.FlagAllowBusy, "transactions", "Starts a transaction.", cmdMulti),
	local("exec", "", 1, fsm.FlagNoScript|fsm.FlagLoading|fsm.FlagStale, "transactions", "Executes all commands in a transaction.", cmdExec),
	local("discard", "", 1, fsm.FlagNoScript|fsm.FlagLoading|fsm.FlagStale|fsm.FlagFast|fsm.FlagAllowBusy, "transactions", "Discards a transaction.", cmdDiscard),
	local("watch", "key [key ...]", -2, fsm.FlagNoScript|fsm.FlagLoading|fsm.FlagStale|fsm.FlagFast|fsm.FlagAllowBusy, "transactions", "Monitors changes to keys to determine the execution of a transaction.", cmdWatch),
	local("unwatch", "", 1, fsm.FlagNoScript|fsm.FlagLoading|fsm.FlagStale|fsm.FlagFast|fsm.FlagAllowBusy, "transactions", "Forgets about watched keys of a transaction.", cmdUnwatch),
	local("save", "", 1, fsm.FlagAdmin|fsm.FlagNoScript|fsm.FlagNoMulti, "server", "Takes a Raft snapshot of the dataset now.", cmdSave),
	local("bgsave", "[SCHEDULE]", -1, fsm.FlagAdmin|fsm.FlagNoScript, "server", "Takes a Raft snapshot of the dataset in the background.", cmdBgsave),
	local("role", "", 1, fsm.FlagNoScript|fsm.FlagLoading|fsm.FlagStale|fsm.FlagFast, "server", "Returns the replication role.", cmdRole),
	local("lastsave", "", 1, fsm.FlagLoading|fsm.FlagStale|fsm.FlagFast, "server", "Returns the Unix timestamp of the last snapshot.", cmdLastsave),
	local("shutdown", "[NOSAVE | SAVE] [NOW] [FORCE] [ABORT]", -1, fsm.FlagAdmin|fsm.FlagNoScript|fsm.FlagLoading|fsm.FlagStale|fsm.FlagNoMulti|fsm.FlagAllowBusy, "server", "Stops the node in order.", cmdShutdown),
	local("raft.info", "", 1, fsm.FlagAdmin|fsm.FlagLoading|fsm.FlagStale, "raft", "Reports this node's Raft state.", cmdRaftInfo),
	local("raft.snapshot", "", 1, fsm.FlagAdmin|fsm.FlagNoMulti, "raft", "Takes a Raft snapshot now.", cmdSave),
	local("raft.consistency", "[LINEARIZABLE | LEADER | STALE]", -1, fsm.FlagFast|fsm.FlagLoading|fsm.FlagStale, "raft", "Gets or sets this connection's read consistency.", cmdConsistency),
	local("raft.nodes", "", 1, fsm.FlagAdmin|fsm.FlagLoading|fsm.FlagStale, "raft", "Lists the cluster members.", cmdRaftNodes),
	local("raft.node", "ADD id cluster-addr | REMOVE id", -3, fsm.FlagAdmin|fsm.FlagNoMulti, "raft", "Adds or removes a cluster member.", cmdRaftNode),
	local("raft.transfer-leader", "[id]", -1, fsm.FlagAdmin|fsm.FlagNoMulti, "raft", "Hands leadership to another member.", cmdTransferLeader),
}

func local(name, syntax string, arity int, flags fsm.Flag, group, summary string, fn func(*burst, [][]byte)) command {
	return command{Command: &fsm.Command{Name: name, Syntax: syntax, Arity: arity, Flags: flags, Group: group, Summary: summary}, local: fn}
}

// subcommand documents one subcommand of a container command (CLIENT,
// CONFIG, COMMAND) for COMMAND DOCS, so redis-cli hints CLIENT SETNAME and
// the like. The name is Redis's "container|sub".
type subcommand struct {
	name, syntax, summary string
}

// subcommands are the subcommands each container's function answers.
var subcommands = map[string][]subcommand{
	"pubsub": {
		{"pubsub|channels", "[pattern]", "Returns the active channels of the cluster, optionally those matching a pattern."},
		{"pubsub|numsub", "[channel [channel ...]]", "Returns the subscriber count of channels across the cluster."},
		{"pubsub|numpat", "", "Returns the number of distinct patterns subscribed to across the cluster."},
		{"pubsub|help", "", "Lists the PUBSUB subcommands."},
	},
	"client": {
		{"client|id", "", "Returns this connection's id."},
		{"client|getname", "", "Returns this connection's name, or nil."},
		{"client|setname", "connection-name", "Names this connection."},
		{"client|info", "", "Describes this connection in one CLIENT LIST line."},
		{"client|list", "", "Describes every open connection, one line each."},
		{"client|setinfo", "LIB-NAME libname | LIB-VER libver", "Accepts the client library's name or version."},
		{"client|help", "", "Lists the CLIENT subcommands."},
	},
	"config": {
		{"config|get", "parameter [parameter ...]", "Returns the parameters matching the patterns, with their values."},
		{"config|set", "parameter value [parameter value ...]", "Refused: no parameter can be changed at run time."},
		{"config|resetstat", "", "Zeroes the command and connection counters."},
	},
	"command": {
		{"command|count", "", "Returns how many commands there are."},
		{"command|list", "", "Returns every command name."},
		{"command|info", "[command-name [command-name ...]]", "Describes the named commands, or all of them."},
		{"command|docs", "[command-name [command-name ...]]", "Documents the named commands, or all of them: summary, group, arguments."},
		{"command|getkeys", "command [arg [arg ...]]", "Returns the keys a command line names."},
	},
}

// SELECT index
func cmdSelectLocal(b *burst, argv [][]byte) {
	n, ok := atoi(argv[1])
	if !ok {
		b.error(fsm.ErrNotInteger)
		return
	}
	if n < 0 || int(n) >= b.s.fsm.Databases() {
		b.error(fsm.ErrDBIndex)
		return
	}
	b.cl.setDB(int(n))
	b.ok()
}

// QUIT
func cmdQuit(b *burst, argv [][]byte) {
	b.ok()
	b.quit = true
}

// RESET
func cmdReset(b *burst, argv [][]byte) {
	b.cl.resetMulti()
	b.s.dropSubscriptions(b.cl)
	b.cl.mu.Lock()
	b.cl.db = 0
	b.cl.name = ""
	b.cl.consistency = b.s.cfg.ReadConsistency
	b.cl.mu.Unlock()
	b.status("RESET")
}

// HELLO [protover [AUTH username password] [SETNAME clientname]]
//
// Only RESP2 is spoken; HELLO 3 gets -NOPROTO so clients fall back.
func cmdHello(b *burst, argv [][]byte) {
	if len(argv) >= 2 {
		v, ok := atoi(argv[1])
		if !ok {
			b.error("ERR Protocol version is not an integer or out of range")
			return
		}
		if v != 2 {
			b.error("NOPROTO unsupported protocol version")
			return
		}
		for i := 2; i < len(argv); i++ {
			switch strings.ToLower(string(argv[i])) {
			case "auth":
				if i+2 >= len(argv) {
					b.error("ERR Syntax error in HELLO option 'auth'")
					return
				}
				i += 2
			case "setname":
				if i+1 >= len(argv) {
					b.error("ERR Syntax error in HELLO option 'setname'")
					return
				}
				i++
				if msg := validName(argv[i]); msg != "" {
					b.error(msg)
					return
				}
				b.cl.mu.Lock()
				b.cl.name = string(argv[i])
				b.cl.mu.Unlock()
			default:
				b.error("ERR Syntax error in HELLO option '" + string(argv[i]) + "'")
				return
			}
		}
	}
	role := "master"
	if !b.s.be.IsLeader() {
		role = "replica"
	}
	b.arrayLen(14)
	b.bulk("server")
	b.bulk("redis")
	b.bulk("version")
	b.bulk(Version)
	b.bulk("proto")
	b.integer(2)
	b.bulk("id")
	b.integer(b.cl.id)
	b.bulk("mode")
	b.bulk("standalone")
	b.bulk("role")
	b.bulk(role)
	b.bulk("modules")
	b.arrayLen(0)
}

func validName(name []byte) string {
	for _, ch := range name {
		if ch < '!' || ch > '~' {
			return "ERR Client names cannot contain spaces, newlines or special characters."
		}
	}
	return ""
}

// CLIENT ID | SETNAME name | GETNAME | INFO | LIST [TYPE ...] [ID ...] |
// SETINFO attr value | HELP
func cmdClient(b *burst, argv [][]byte) {
	sub := strings.ToLower(string(argv[1]))
	arity := map[string]int{"id": 2, "getname": 2, "info": 2, "setname": 3, "setinfo": 4, "help": 2}
	if want, ok := arity[sub]; ok && len(argv) != want {
		b.error(fsm.ArityError("client|" + sub))
		return
	}
	switch sub {
	case "id":
		b.integer(b.cl.id)
	case "getname":
		b.cl.mu.Lock()
		name := b.cl.name
		b.cl.mu.Unlock()
		if name == "" {
			b.null()
			return
		}
		b.bulk(name)
	case "setname":
		if msg := validName(argv[2]); msg != "" {
			b.error(msg)
			return
		}
		b.cl.mu.Lock()
		b.cl.name = string(argv[2])
		b.cl.mu.Unlock()
		b.ok()
	case "setinfo":
		attr := strings.ToLower(string(argv[2]))
		if attr != "lib-name" && attr != "lib-ver" {
			b.error("ERR Unrecognized option '" + string(argv[2]) + "'")
			return
		}
		b.ok()
	case "info":
		b.bulk(b.s.clientLine(b.cl))
	case "list":
		b.clientListFiltered(argv)
	case "kill":
		if len(argv) < 3 {
			b.error(fsm.ArityError("client|kill"))
			return
		}
		b.clientKill(argv)
	case "unblock":
		switch {
		case len(argv) < 3:
			b.error(fsm.ArityError("client|unblock"))
		case len(argv) > 4:
			b.error("ERR unknown subcommand or wrong number of arguments for '" + trunc(argv[1], 128) + "'. Try CLIENT HELP.")
		default:
			b.clientUnblock(argv)
		}
	case "help":
		help := []string{
			"CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
			"ID", "    Return the ID of the current connection.",
			"GETNAME", "    Return the name of the current connection.",
			"SETNAME <name>", "    Assign the name <name> to the current connection.",
			"INFO", "    Return information about the current client connection.",
			"LIST", "    Return information about client connections.",
			"SETINFO <option> <value>", "    Set client meta attr (LIB-NAME or LIB-VER).",
			"KILL <ip:port>", "    Kill connection made from <ip:port>.",
			"KILL <option> <value> [<option> <value> [...]]",
			"    Kill connections. Options are:",
			"    * ADDR <ip:port>", "      Kill connections made from the specified address",
			"    * LADDR <ip:port>", "      Kill connections made to specified local address",
			"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)", "      Kill connections by type.",
			"    * USER <username>", "      Kill connections authenticated by <username>.",
			"    * SKIPME (YES|NO)", "      Skip killing current connection (default: yes).",
			"    * ID <client-id>", "      Kill connections by client id.",
			"UNBLOCK <clientid> [TIMEOUT|ERROR]", "    Unblock the specified blocked client.",
		}
		b.arrayLen(len(help))
		for _, h := range help {
			b.status(h)
		}
	default:
		b.error(unknownSubcommand(argv))
	}
}

func (s *Server) clientLine(cl *client) string {
	now := time.Now()
	cl.mu.Lock()
	defer cl.mu.Unlock()
	flags := "N"
	multi := -1
	sub, psub := cl.nsub.Load(), cl.npsub.Load()
	switch {
	case cl.multi:
		flags = "x"
		multi = len(cl.queue)
	case sub+psub > 0:
		flags = "P"
	}
	idle := now.Sub(time.Unix(0, cl.lastActive.Load())) / time.Second
	return fmt.Sprintf("id=%d addr=%s laddr=%s fd=-1 name=%s age=%d idle=%d flags=%s db=%d sub=%d psub=%d ssub=0 multi=%d watch=%d cmd=%s user=default resp=2\n",
		cl.id, cl.addr, cl.laddr, cl.name, int64(now.Sub(cl.created)/time.Second), int64(idle), flags, cl.db, sub, psub, multi, len(cl.watches), cl.lastCmd)
}

func (s *Server) clientList() string {
	var sb strings.Builder
	for _, cl := range s.sortedClients() {
		sb.WriteString(s.clientLine(cl))
	}
	return sb.String()
}

// sortedClients is this node's clients by id, CLIENT KILL's victims left
// out (they are gone).
func (s *Server) sortedClients() []*client {
	cls := s.matchClients(func(*client) bool { return true })
	sort.Slice(cls, func(i, j int) bool { return cls[i].id < cls[j].id })
	return cls
}

// COMMAND [COUNT | INFO [name ...] | DOCS [name ...] | LIST | GETKEYS cmd ...]
func cmdCommand(b *burst, argv [][]byte) {
	if len(argv) == 1 {
		all := sortedTable()
		b.arrayLen(len(all))
		for _, c := range all {
			b.commandInfo(c)
		}
		return
	}
	sub := strings.ToLower(string(argv[1]))
	switch sub {
	case "count":
		if len(argv) != 2 {
			b.error(fsm.ArityError("command|count"))
			return
		}
		b.integer(int64(len(table)))
	case "list":
		all := sortedTable()
		b.arrayLen(len(all))
		for _, c := range all {
			b.bulk(c.Name)
		}
	case "info":
		cmds := sortedTable()
		if len(argv) > 2 {
			cmds = cmds[:0]
			for _, name := range argv[2:] {
				cmds = append(cmds, lookup(name))
			}
		}
		b.arrayLen(len(cmds))
		for _, c := range cmds {
			if c == nil {
				b.null() // Redis 7: a null bulk, not a null array
				continue
			}
			b.commandInfo(c)
		}
	case "docs":
		cmds := sortedTable()
		if len(argv) > 2 {
			cmds = cmds[:0]
			for _, name := range argv[2:] {
				if c := lookup(name); c != nil {
					cmds = append(cmds, c)
				}
			}
		}
		b.arrayLen(2 * len(cmds))
		for _, c := range cmds {
			b.bulk(c.Name)
			b.commandDocs(c.Name, c.Summary, c.Group)
		}
	case "getkeys":
		if len(argv) < 3 {
			b.error(fsm.ArityError("command|getkeys"))
			return
		}
		c := lookup(argv[2])
		if c == nil {
			b.error("ERR Invalid command specified")
			return
		}
		if !c.ArityOK(len(argv) - 2) {
			b.error("ERR Invalid number of arguments specified for command")
			return
		}
		keys := c.Keys(argv[2:])
		if len(keys) == 0 {
			b.error("ERR The command has no key arguments")
			return
		}
		b.arrayLen(len(keys))
		for _, k := range keys {
			b.bulkBytes(k)
		}
	default:
		b.error(unknownSubcommand(argv))
	}
}

func sortedTable() []*command {
	out := make([]*command, 0, len(table))
	for _, c := range table {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// commandArgs are the COMMAND DOCS arguments of every command and
// subcommand, by name, parsed from their Syntax once at start: a row whose
// Syntax does not parse stops the program here, before any client sees it.
var commandArgs map[string][]docArg

func init() { commandArgs = parseCommandArgs() }

func parseCommandArgs() map[string][]docArg {
	out := map[string][]docArg{}
	add := func(name, syntax string) {
		if _, dup := out[name]; dup {
			return // the state machine's row wins, as in the dispatch table
		}
		args, err := parseSyntax(syntax)
		if err != nil {
			panic("resp: command " + name + ": " + err.Error())
		}
		out[name] = args
	}
	for _, c := range fsm.Commands() {
		add(c.Name, c.Syntax)
	}
	for _, c := range localCommands {
		add(c.Name, c.Syntax)
	}
	for _, subs := range subcommands {
		for _, sc := range subs {
			add(sc.name, sc.syntax)
		}
	}
	return out
}

// commandDocs writes one Redis 7 COMMAND DOCS entry (RESP2: maps are flat
// arrays): summary, since, group, and the arguments and subcommands when
// there are any.
func (b *burst) commandDocs(name, summary, group string) {
	args := commandArgs[name]
	subs := subcommands[name]
	n := 6
	if len(args) > 0 {
		n += 2
	}
	if len(subs) > 0 {
		n += 2
	}
	b.arrayLen(n)
	b.bulk("summary")
	b.bulk(summary)
	b.bulk("since")
	b.bulk("1.0.0")
	b.bulk("group")
	b.bulk(group)
	if len(args) > 0 {
		b.bulk("arguments")
		b.docArgs(args)
	}
	if len(subs) > 0 {
		b.bulk("subcommands")
		b.arrayLen(2 * len(subs))
		for _, sc := range subs {
			b.bulk(sc.name)
			b.commandDocs(sc.name, sc.summary, group)
		}
	}
}

// docArgs writes COMMAND DOCS arguments: each a map of name, type, token,
// flags and nested arguments. Flags are status replies, as Redis sends
// them (redis-cli insists).
func (b *burst) docArgs(args []docArg) {
	b.arrayLen(len(args))
	for i := range args {
		a := &args[i]
		flags := a.flags()
		n := 4
		if a.token != "" {
			n += 2
		}
		if len(flags) > 0 {
			n += 2
		}
		if len(a.args) > 0 {
			n += 2
		}
		b.arrayLen(n)
		b.bulk("name")
		b.bulk(a.name)
		b.bulk("type")
		b.bulk(a.typ)
		if a.token != "" {
			b.bulk("token")
			b.bulk(a.token)
		}
		if len(flags) > 0 {
			b.bulk("flags")
			b.arrayLen(len(flags))
			for _, f := range flags {
				b.status(f)
			}
		}
		if len(a.args) > 0 {
			b.bulk("arguments")
			b.docArgs(a.args)
		}
	}
}

// commandInfo writes one Redis 7 COMMAND INFO entry.
func (b *burst) commandInfo(c *command) {
	b.arrayLen(10)
	b.bulk(c.Name)
	b.integer(int64(c.Arity))
	flags := c.Flags.Names()
	b.arrayLen(len(flags))
	for _, f := range flags {
		b.status(f)
	}
	b.integer(int64(c.FirstKey))
	b.integer(int64(c.LastKey))
	b.integer(int64(c.Step))
	b.arrayLen(0) // ACL categories
	b.arrayLen(0) // tips
	b.arrayLen(0) // key specs
	b.arrayLen(0) // subcommands
}

// CONFIG GET parameter [parameter ...] | CONFIG SET | CONFIG RESETSTAT | HELP
func cmdConfig(b *burst, argv [][]byte) {
	switch strings.ToLower(string(argv[1])) {
	case "get":
		if len(argv) < 3 {
			b.error(fsm.ArityError("config|get"))
			return
		}
		var out []Field
		seen := map[string]bool{}
		for _, pat := range argv[2:] {
			// A name without glob characters is answered as it was
			// typed, as Redis does; a pattern with the names it matches.
			exact := !strings.ContainsAny(string(pat), "*?[\\")
			for _, f := range b.s.settings() {
				if !seen[f.Name] && fsm.GlobMatch(strings.ToLower(string(pat)), f.Name) {
					seen[f.Name] = true
					if exact {
						f.Name = string(pat)
					}
					out = append(out, f)
				}
			}
		}
		b.arrayLen(2 * len(out))
		for _, f := range out {
			b.bulk(f.Name)
			b.bulk(f.Value)
		}
	case "resetstat":
		if len(argv) != 2 {
			b.error(fsm.ArityError("config|resetstat"))
			return
		}
		b.s.stats.commands.Store(0)
		b.s.stats.connections.Store(0)
		b.ok()
	case "set":
		if len(argv) < 4 {
			b.error(fsm.ArityError("config|set"))
			return
		}
		if len(argv)%2 != 0 {
			b.error(fsm.ErrSyntax)
			return
		}
		if msg := b.s.configSet(argv[2:]); msg != "" {
			b.error(msg)
			return
		}
		b.ok()
	default:
		b.error(unknownSubcommand(argv))
	}
}

// settings are the parameters CONFIG GET reports: the node's own startup
// settings, then the tunable parameters of params.go (persistence ones
// answered with what respraft does instead: Raft log and snapshots, no
// RDB/AOF).
func (s *Server) settings() []Field {
	out := append([]Field(nil), s.cfg.Settings...)
	out = append(out, Field{"databases", strconv.Itoa(s.fsm.Databases())})
	return append(out, s.paramFields()...)
}

// SAVE, RAFT.SNAPSHOT
func cmdSave(b *burst, argv [][]byte) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := b.s.be.Snapshot(ctx); err != nil {
		b.error("ERR snapshot failed: " + err.Error())
		return
	}
	b.ok()
}

// BGSAVE [SCHEDULE]
func cmdBgsave(b *burst, argv [][]byte) {
	if len(argv) > 2 || (len(argv) == 2 && !strings.EqualFold(string(argv[1]), "schedule")) {
		b.error(fsm.ErrSyntax)
		return
	}
	if !b.s.bgsave.CompareAndSwap(false, true) {
		b.error("ERR Background save already in progress")
		return
	}
	s := b.s
	s.bgWG.Add(1)
	go func() {
		defer s.bgWG.Done()
		defer s.bgsave.Store(false)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		if err := s.be.Snapshot(ctx); err != nil {
			s.log.Error("background snapshot failed", "err", err)
			return
		}
		s.log.Info("background snapshot done")
	}()
	b.status("Background saving started")
}

// LASTSAVE
func cmdLastsave(b *burst, argv [][]byte) {
	if _, at, ok := b.s.be.LastSnapshot(); ok {
		b.integer(at.Unix())
		return
	}
	b.integer(b.s.start.Unix())
}

// SHUTDOWN [NOSAVE | SAVE] [NOW] [FORCE] [ABORT]
//
// Raft snapshots plus the log are the persistence, so NOSAVE and SAVE both
// just stop the node in order; like Redis, no reply is sent on success.
func cmdShutdown(b *burst, argv [][]byte) {
	var save, nosave, other, abort bool
	for _, a := range argv[1:] {
		switch strings.ToLower(string(a)) {
		case "nosave":
			nosave = true
		case "save":
			save = true
		case "now", "force":
			other = true
		case "abort":
			abort = true
		default:
			b.error(fsm.ErrSyntax)
			return
		}
	}
	// Redis's illegal combinations, then ABORT (a shutdown here never waits
	// for replicas, so there is none in progress to abort).
	if (abort && (save || nosave || other)) || (save && nosave) {
		b.error(fsm.ErrSyntax)
		return
	}
	if abort {
		b.error("ERR No shutdown in progress.")
		return
	}
	if b.s.cfg.Shutdown == nil {
		b.error("ERR SHUTDOWN is disabled on this node")
		return
	}
	// SAVE forces a save in Redis; here it takes a Raft snapshot first (the
	// log alone already keeps every acknowledged write). If it fails the
	// node stays up, with Redis's error.
	if save {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		err := b.s.be.Snapshot(ctx)
		cancel()
		if err != nil {
			b.s.log.Error("SHUTDOWN SAVE: snapshot failed; not shutting down", "err", err)
			b.error("ERR Errors trying to SHUTDOWN. Check logs.")
			return
		}
	}
	b.s.log.Info("SHUTDOWN requested by client", "addr", b.cl.addr)
	b.quit = true
	go b.s.cfg.Shutdown()
}

// RAFT.INFO
func cmdRaftInfo(b *burst, argv [][]byte) {
	var sb strings.Builder
	sb.WriteString("# Raft\r\n")
	for _, f := range b.s.raftFields() {
		sb.WriteString(f.Name + ":" + f.Value + "\r\n")
	}
	b.bulk(sb.String())
}

// RAFT.CONSISTENCY [linearizable | leader | stale]
//
// With no argument, returns this connection's read consistency; with one,
// sets it for this connection.
func cmdConsistency(b *burst, argv [][]byte) {
	if len(argv) > 2 {
		b.error(fsm.ArityError("raft.consistency"))
		return
	}
	if len(argv) == 1 {
		b.cl.mu.Lock()
		level := b.cl.consistency
		b.cl.mu.Unlock()
		b.bulk(level)
		return
	}
	level := strings.ToLower(string(argv[1]))
	switch level {
	case ConsistencyLinearizable, ConsistencyLeader, ConsistencyStale:
	default:
		b.error("ERR read consistency must be linearizable, leader or stale")
		return
	}
	b.cl.mu.Lock()
	b.cl.consistency = level
	b.cl.mu.Unlock()
	b.ok()
}

func (s *Server) raftFields() []Field {
	out := []Field{{"node_id", s.cfg.NodeID}, {"read_consistency_default", s.cfg.ReadConsistency}}
	return append(out, s.be.Info()...)
}

// INFO [section [section ...]]
func cmdInfo(b *burst, argv [][]byte) {
	want := map[string]bool{}
	for _, a := range argv[1:] {
		want[strings.ToLower(string(a))] = true
	}
	all := len(want) == 0 || want["all"] || want["everything"] || want["default"]
	var sb strings.Builder
	for _, sec := range b.s.infoSections(b.cl) {
		if !all && !want[strings.ToLower(sec.name)] {
			continue
		}
		if sb.Len() > 0 {
			sb.WriteString("\r\n")
		}
		sb.WriteString("# " + sec.name + "\r\n")
		for _, f := range sec.fields {
			sb.WriteString(f.Name + ":" + f.Value + "\r\n")
		}
	}
	b.bulk(sb.String())
}

type infoSection struct {
	name   string
	fields []Field
}

func (s *Server) infoSections(cl *client) []infoSection {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	itoa := func(n int64) string { return strconv.FormatInt(n, 10) }
	uptime := int64(time.Since(s.start) / time.Second)
	nclients := len(s.matchClients(func(*client) bool { return true })) // CLIENT KILL's victims are gone
	cl.mu.Lock()
	level := cl.consistency
	cl.mu.Unlock()

	replication := s.replicationInfo()
	snapIdx, snapAt, haveSnap := s.be.LastSnapshot()
	lastSave := s.start.Unix()
	if haveSnap {
		lastSave = snapAt.Unix()
	}
	bgInProgress := "0"
	if s.bgsave.Load() {
		bgInProgress = "1"
	}
	persistence := []Field{
		{"loading", "0"},
		{"rdb_changes_since_last_save", itoa(int64(s.fsm.AppliedIndex() - snapIdx))},
		{"rdb_bgsave_in_progress", bgInProgress},
		{"rdb_last_save_time", itoa(lastSave)},
		{"rdb_last_bgsave_status", "ok"},
		{"aof_enabled", "0"},
		{"raft_last_snapshot_index", itoa(int64(snapIdx))},
		{"raft_loaded_snapshot_index", itoa(int64(s.fsm.RestoredIndex()))},
		{"raft_applied_index", itoa(int64(s.fsm.AppliedIndex()))},
	}
	hostname, _ := os.Hostname()
	var keyspace []Field
	for _, k := range s.fsm.Keyspace() {
		keyspace = append(keyspace, Field{"db" + strconv.Itoa(k.DB), fmt.Sprintf("keys=%d,expires=%d,avg_ttl=0", k.Keys, k.Expires)})
	}
	return []infoSection{
		{"Server", []Field{
			{"redis_version", Version},
			{"redis_mode", "standalone"},
			{"respraft_node_id", s.cfg.NodeID},
			{"os", runtime.GOOS + " " + runtime.GOARCH},
			{"arch_bits", "64"},
			{"go_version", runtime.Version()},
			{"process_id", itoa(int64(os.Getpid()))},
			{"hostname", hostname},
			{"tcp_port", s.portString()},
			{"uptime_in_seconds", itoa(uptime)},
			{"uptime_in_days", itoa(uptime / 86400)},
		}},
		{"Clients", []Field{
			{"connected_clients", itoa(int64(nclients))},
			{"blocked_clients", itoa(int64(s.blocked.count()))},
			{"cluster_blocked_clients", itoa(int64(s.fsm.QueuedClients()))},
			{"read_consistency", level},
		}},
		{"Memory", []Field{
			{"used_memory", itoa(int64(ms.HeapAlloc))},
			{"used_memory_human", human(ms.HeapAlloc)},
			{"used_memory_rss", itoa(int64(ms.Sys))},
			{"used_memory_peak", itoa(int64(ms.HeapSys))},
			{"maxmemory", "0"},
			{"maxmemory_policy", "noeviction"},
		}},
		{"Persistence", persistence},
		{"Stats", []Field{
			{"total_connections_received", itoa(s.stats.connections.Load())},
			{"total_commands_processed", itoa(s.stats.commands.Load())},
			{"handler_panics", itoa(fsm.HandlerPanics())},
			{"expired_keys", itoa(s.fsm.ExpiredCount())},
			{"pubsub_channels", itoa(int64(len(s.hub.Channels(nil))))},
			{"pubsub_patterns", itoa(int64(len(s.hub.Patterns())))},
		}},
		{"Replication", replication},
		{"Keyspace", keyspace},
		{"Raft", s.raftFields()},
	}
}

func (s *Server) portString() string {
	if a := s.Addr(); a != nil {
		if _, p, ok := strings.Cut(a.String(), "]:"); ok {
			return p
		}
		if i := strings.LastIndexByte(a.String(), ':'); i >= 0 {
			return a.String()[i+1:]
		}
	}
	return "0"
}

func human(n uint64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2fG", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.2fM", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.2fK", float64(n)/(1<<10))
	}
	return strconv.FormatUint(n, 10) + "B"
}

// replicaAddrs is the host and port of every follower, as INFO replication
// and ROLE list the leader's replicas. A member whose client address is
// not known yet (it announces it just after it starts) is left out until
// it is: a replica with no ip and port 0 would mislead the tools.
func replicaAddrs(nodes []Node) [][2]string {
	var out [][2]string
	for _, n := range nodes {
		if !n.Leader && n.ClientAddr != "" {
			host, port := hostPort(n.ClientAddr)
			out = append(out, [2]string{host, port})
		}
	}
	return out
}

// hostPort splits a client address for INFO replication and ROLE.
func hostPort(addr string) (host, port string) {
	if i := strings.LastIndexByte(addr, ':'); i >= 0 {
		return addr[:i], addr[i+1:]
	}
	return addr, "0"
}

// ROLE
//
// The leader is the master, with the followers whose client address is
// known as its replicas; a follower is a replica of the leader, "connected"
// while it knows one and "connect" (Redis's state before it reaches its
// master) while there is none, with no host and port -1. The offsets are
// this node's applied index, as in INFO replication.
func cmdRole(b *burst, argv [][]byte) {
	s := b.s
	applied := int64(s.fsm.AppliedIndex())
	nodes := s.be.Nodes()
	if s.be.IsLeader() {
		replicas := replicaAddrs(nodes)
		b.arrayLen(3)
		b.bulk("master")
		b.integer(applied)
		b.arrayLen(len(replicas))
		for _, r := range replicas {
			b.arrayLen(3)
			b.bulk(r[0])
			b.bulk(r[1])
			b.bulk(strconv.FormatInt(applied, 10))
		}
		return
	}
	host, port, state := "", int64(-1), "connect"
	for _, n := range nodes {
		if n.Leader && n.ClientAddr != "" {
			h, p := hostPort(n.ClientAddr)
			host, state = h, "connected"
			port, _ = strconv.ParseInt(p, 10, 64)
		}
	}
	b.arrayLen(5)
	b.bulk("slave")
	b.bulk(host)
	b.integer(port)
	b.bulk(state)
	b.integer(applied)
}

// replicationInfo is INFO replication in the shape Redis tools read: the
// leader is the master, followers are its replicas.
func (s *Server) replicationInfo() []Field {
	nodes := s.be.Nodes()
	applied := strconv.FormatUint(s.fsm.AppliedIndex(), 10)
	raft := map[string]string{}
	for _, f := range s.be.Info() {
		raft[f.Name] = f.Value
	}
	// The fields Redis prints after the role's own: one replication ID per
	// leader and term (a new leader is a new history, as after a Redis
	// failover), the applied index as the offset, and no backlog (a
	// follower catches up from the Raft log instead).
	id := sha1.Sum([]byte(raft["leader_id"] + "/" + raft["term"]))
	common := []Field{
		{"master_failover_state", "no-failover"},
		{"master_replid", hex.EncodeToString(id[:])},
		{"master_replid2", strings.Repeat("0", 40)},
		{"master_repl_offset", applied},
		{"second_repl_offset", "-1"},
		{"repl_backlog_active", "0"},
		{"repl_backlog_size", "1048576"},
		{"repl_backlog_first_byte_offset", "0"},
		{"repl_backlog_histlen", "0"},
	}
	if s.be.IsLeader() {
		out := []Field{{"role", "master"}}
		var replicas []Field
		for _, r := range replicaAddrs(nodes) {
			replicas = append(replicas, Field{"slave" + strconv.Itoa(len(replicas)),
				"ip=" + r[0] + ",port=" + r[1] + ",state=online,offset=" + applied + ",lag=0"})
		}
		out = append(out, Field{"connected_slaves", strconv.Itoa(len(replicas))})
		out = append(out, replicas...)
		return append(out, common...)
	}
	out := []Field{{"role", "slave"}}
	status := "down"
	for _, n := range nodes {
		if n.Leader {
			host, port := hostPort(n.ClientAddr)
			out = append(out, Field{"master_host", host}, Field{"master_port", port})
			status = "up"
		}
	}
	lastIO := "-1"
	if ms, err := strconv.ParseInt(raft["leader_last_contact_ms"], 10, 64); err == nil && ms >= 0 {
		lastIO = strconv.FormatInt(ms/1000, 10)
	}
	out = append(out,
		Field{"master_link_status", status},
		Field{"master_last_io_seconds_ago", lastIO},
		Field{"master_sync_in_progress", "0"},
		Field{"slave_read_repl_offset", applied},
		Field{"slave_repl_offset", applied},
		Field{"slave_priority", "100"},
		Field{"slave_read_only", "0"}, // a follower takes writes (it forwards them)
		Field{"replica_announced", "1"},
		Field{"connected_slaves", "0"},
	)
	return append(out, common...)
}
