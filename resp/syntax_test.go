package resp

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/respraft/respraft/fsm"
)

// describe renders parsed arguments compactly: name:type(TOKEN){flags}<args>.
func describe(args []docArg) string {
	parts := make([]string, len(args))
	for i, a := range args {
		s := a.name + ":" + a.typ
		if a.token != "" {
			s += "(" + a.token + ")"
		}
		if f := a.flags(); len(f) > 0 {
			s += "{" + strings.Join(f, ",") + "}"
		}
		if len(a.args) > 0 {
			s += "<" + describe(a.args) + ">"
		}
		parts[i] = s
	}
	return strings.Join(parts, " ")
}

// hintOf renders arguments the way redis-cli 7.0 builds its hint from
// COMMAND DOCS (cliAddArgument): the string it shows after the name.
func hintOf(args []docArg, sep string) string {
	parts := make([]string, len(args))
	for i, a := range args {
		token := a.token
		if token != "" && a.typ != "pure-token" {
			token += " "
		}
		var repeat string
		switch a.typ {
		case "oneof":
			repeat = hintOf(a.args, "|")
		case "block":
			repeat = hintOf(a.args, " ")
		case "pure-token":
		default:
			repeat = a.name
		}
		s := token + repeat
		if a.multiple {
			s += " ["
			if a.multipleToken {
				s += token
			}
			s += repeat + " ...]"
		}
		if a.optional {
			s = "[" + s + "]"
		}
		parts[i] = s
	}
	return strings.Join(parts, sep)
}

func TestParseSyntax(t *testing.T) {
	tests := []struct {
		syntax string
		want   string // describe
		hint   string // what redis-cli shows; "" means the syntax itself
	}{
		{"", "", ""},
		{"key", "key:key", ""},
		{"[message]", "message:string{optional}", ""},
		{"key [key ...]", "key:key{multiple}", ""},
		{"destination key [key ...]", "destination:key key:key{multiple}", ""},
		{"key newkey", "key:key newkey:key", ""},
		{"source destination member", "source:key destination:key member:string", ""},
		{"key field value [field value ...]", "key:key field_value:block{multiple}<field:string value:string>", ""},
		{"key value [key value ...]", "key_value:block{multiple}<key:key value:string>", ""},
		{"key [count [WITHVALUES]]", "key:key count_withvalues:block{optional}<count:integer withvalues:pure-token(WITHVALUES){optional}>", ""},
		{"cursor [MATCH pattern] [COUNT count] [TYPE type]",
			"cursor:integer pattern:pattern(MATCH){optional} count:integer(COUNT){optional} type:string(TYPE){optional}", ""},
		{"source destination [DB destination-db] [REPLACE]",
			"source:key destination:key destination-db:integer(DB){optional} replace:pure-token(REPLACE){optional}", ""},
		{"index1 index2", "index1:integer index2:integer", ""},
		{"key start end", "key:key start:integer end:integer", ""},
		{"key increment", "key:key increment:integer", ""},
		{"key increment:double", "key:key increment:double", "key increment"},
		{"key seconds [NX | XX | GT | LT]",
			"key:key seconds:integer nx_xx_gt_lt:oneof{optional}<nx:pure-token(NX) xx:pure-token(XX) gt:pure-token(GT) lt:pure-token(LT)>",
			"key seconds [NX|XX|GT|LT]"},
		{"key unix-time-seconds [NX|XX|GT|LT]",
			"key:key unix-time-seconds:unix-time nx_xx_gt_lt:oneof{optional}<nx:pure-token(NX) xx:pure-token(XX) gt:pure-token(GT) lt:pure-token(LT)>", ""},
		{"key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]",
			"key:key value:string nx_xx:oneof{optional}<nx:pure-token(NX) xx:pure-token(XX)> get:pure-token(GET){optional} " +
				"ex_px_exat_pxat_keepttl:oneof{optional}<seconds:integer(EX) milliseconds:integer(PX) " +
				"unix-time-seconds:unix-time(EXAT) unix-time-milliseconds:unix-time(PXAT) keepttl:pure-token(KEEPTTL)>",
			"key value [NX|XX] [GET] [EX seconds|PX milliseconds|EXAT unix-time-seconds|PXAT unix-time-milliseconds|KEEPTTL]"},
		{"numkeys key [key ...] [LIMIT limit]", "numkeys:integer key:key{multiple} limit:integer(LIMIT){optional}", ""},
		{"[section [section ...]]", "section:string{optional,multiple}", "[section [section ...]]"},
		{"subcommand [argument ...]", "subcommand:string argument:string{optional,multiple}", "subcommand [argument [argument ...]]"},
		{"[ASYNC | SYNC]", "async_sync:oneof{optional}<async:pure-token(ASYNC) sync:pure-token(SYNC)>", "[ASYNC|SYNC]"},
		{"[protover [AUTH username password] [SETNAME clientname]]",
			"protover_auth_setname:block{optional}<protover:integer auth:block(AUTH){optional}<username:string password:string> clientname:string(SETNAME){optional}>", ""},
		{"[PREFIX prefix [PREFIX prefix ...]]", "prefix:string(PREFIX){optional,multiple,multiple_token}", ""},
		{"[ID client-id [client-id ...]]", "client-id:string(ID){optional,multiple}", ""},
		{"[TYPE <NORMAL | MASTER | REPLICA | PUBSUB>]",
			"normal_master_replica_pubsub:oneof(TYPE){optional}<normal:pure-token(NORMAL) master:pure-token(MASTER) replica:pure-token(REPLICA) pubsub:pure-token(PUBSUB)>",
			"[TYPE NORMAL|MASTER|REPLICA|PUBSUB]"},
		{"STREAMS key [key ...] id [id ...]", "streams:block(STREAMS)<key:key{multiple} id:string{multiple}>", ""},
		{"key (field value)", "key:key field_value:block<field:string value:string>", "key field value"},
		{"ADD id cluster-addr | REMOVE id",
			"add_remove:oneof<add:block(ADD)<id:string cluster-addr:string> id:string(REMOVE)>", "ADD id cluster-addr|REMOVE id"},
		{"DIGEST | DIGEST-VALUE [key [key ...]]",
			"digest_digest-value_key:oneof<digest:pure-token(DIGEST) digest-value_key:block<digest-value:pure-token(DIGEST-VALUE) key:key{optional,multiple}>>",
			"DIGEST|DIGEST-VALUE [key [key ...]]"},
		{"LIB-NAME libname | LIB-VER libver", "lib-name_lib-ver:oneof<libname:string(LIB-NAME) libver:string(LIB-VER)>", "LIB-NAME libname|LIB-VER libver"},
		{"[SKIPME yes/no] [ADDR ip:port]", "yes/no:string(SKIPME){optional} ip:port:string(ADDR){optional}", ""},
	}
	for _, tt := range tests {
		args, err := parseSyntax(tt.syntax)
		if err != nil {
			t.Errorf("parseSyntax(%q): %v", tt.syntax, err)
			continue
		}
		if got := describe(args); got != tt.want {
			t.Errorf("parseSyntax(%q):\n got %s\nwant %s", tt.syntax, got, tt.want)
		}
		want := tt.hint
		if want == "" {
			want = tt.syntax
		}
		if got := hintOf(args, " "); got != want {
			t.Errorf("hint of %q: got %q, want %q", tt.syntax, got, want)
		}
	}
}

func TestParseSyntaxErrors(t *testing.T) {
	for _, s := range []string{
		"[key",
		"key]",
		"(key]",
		"<key",
		"[]",
		"[NX | ]",
		"a | | b",
		"| a",
		"key ...",
		"[key [key ...] ...]",
	} {
		if args, err := parseSyntax(s); err == nil {
			t.Errorf("parseSyntax(%q) = %s, want an error", s, describe(args))
		}
	}
}

// wordRange is how many arguments (after the name) args accept.
func wordRange(args []docArg) (lo, hi int) {
	for _, a := range args {
		l, h := argRange(a)
		lo += l
		if hi != math.MaxInt {
			hi += h
		}
		if h == math.MaxInt {
			hi = math.MaxInt
		}
	}
	return lo, hi
}

func argRange(a docArg) (lo, hi int) {
	switch a.typ {
	case "block":
		lo, hi = wordRange(a.args)
	case "oneof":
		lo = math.MaxInt
		for _, alt := range a.args {
			l, h := argRange(alt)
			lo, hi = min(lo, l), max(hi, h)
		}
	case "pure-token":
		return boolRange(a.optional, a.multiple, 1)
	default:
		lo, hi = 1, 1
	}
	if a.token != "" {
		lo, hi = lo+1, addSat(hi, 1)
	}
	return boolRange(a.optional, a.multiple, lo, hi)
}

func boolRange(optional, multiple bool, n ...int) (lo, hi int) {
	lo, hi = n[0], n[len(n)-1]
	if multiple {
		hi = math.MaxInt
	}
	if optional {
		lo = 0
	}
	return lo, hi
}

func addSat(a, b int) int {
	if a == math.MaxInt {
		return a
	}
	return a + b
}

// TestEveryCommandHasSyntax: every row's Syntax parses and accepts the
// number of arguments its arity says.
func TestEveryCommandHasSyntax(t *testing.T) {
	for _, c := range sortedTable() {
		args, err := parseSyntax(c.Syntax)
		if err != nil {
			t.Errorf("%s: %v", c.Name, err)
			continue
		}
		lo, hi := wordRange(args)
		switch {
		case c.Arity > 0 && (lo != c.Arity-1 || hi != c.Arity-1):
			t.Errorf("%s %q takes %d to %d arguments, arity %d wants exactly %d", c.Name, c.Syntax, lo, hi, c.Arity, c.Arity-1)
		case c.Arity < 0 && lo != -c.Arity-1:
			t.Errorf("%s %q takes at least %d arguments, arity %d wants %d", c.Name, c.Syntax, lo, c.Arity, -c.Arity-1)
		}
	}
	for name, subs := range subcommands {
		if table[name] == nil {
			t.Errorf("subcommands of unknown command %s", name)
		}
		for _, sc := range subs {
			if !strings.HasPrefix(sc.name, name+"|") {
				t.Errorf("subcommand %s of %s: want the name %s|...", sc.name, name, name)
			}
			if _, err := parseSyntax(sc.syntax); err != nil {
				t.Errorf("%s: %v", sc.name, err)
			}
		}
	}
}

// respBulk, respStatus and respArray build expected RESP2 replies.
func respBulk(s string) string   { return "$" + strconv.Itoa(len(s)) + "\r\n" + s + "\r\n" }
func respStatus(s string) string { return "+" + s + "\r\n" }
func respArray(elems ...string) string {
	return "*" + strconv.Itoa(len(elems)) + "\r\n" + strings.Join(elems, "")
}
func TestCommandDocsReply(t *testing.T) {
	ts := newTestServer(t, Config{})
	c := ts.dial()
	field := func(k, v string) string { return respBulk(k) + v }
	arg := func(fields ...string) string {
		return "*" + strconv.Itoa(len(fields)*2) + "\r\n" + strings.Join(fields, "")
	}
	doc := func(name string, extra ...string) string {
		cmd := fsm.Lookup([]byte(name))
		if cmd == nil {
			cmd = table[name].Command
		}
		fields := append([]string{
			field("summary", respBulk(cmd.Summary)),
			field("since", respBulk("1.0.0")),
			field("group", respBulk(cmd.Group)),
		}, extra...)
		return arg(fields...)
	}
	named := func(name, typ string, more ...string) string {
		return arg(append([]string{field("name", respBulk(name)), field("type", respBulk(typ))}, more...)...)
	}
	token := func(tok string) string { return field("token", respBulk(tok)) }
	optional := field("flags", respArray(respStatus("optional")))

	getex := doc("getex", field("arguments", respArray(
		named("key", "key"),
		named("ex_px_exat_pxat_persist", "oneof", optional, field("arguments", respArray(
			named("seconds", "integer", token("EX")),
			named("milliseconds", "integer", token("PX")),
			named("unix-time-seconds", "unix-time", token("EXAT")),
			named("unix-time-milliseconds", "unix-time", token("PXAT")),
			named("persist", "pure-token", token("PERSIST")),
		))),
	)))
	incrbyfloat := doc("incrbyfloat", field("arguments", respArray(named("key", "key"), named("increment", "double"))))
	hset := doc("hset", field("arguments", respArray(
		named("key", "key"),
		named("field_value", "block", field("flags", respArray(respStatus("multiple"))), field("arguments", respArray(
			named("field", "string"), named("value", "string"),
		))),
	)))
	time := doc("time") // no arguments: no "arguments" field

	expect(t, c.do("COMMAND DOCS getex incrbyfloat", "COMMAND DOCS hset time nosuch"),
		respArray(respBulk("getex"), getex, respBulk("incrbyfloat"), incrbyfloat),
		respArray(respBulk("hset"), hset, respBulk("time"), time))

	// A container lists its subcommands, each with its own arguments.
	got := c.do("COMMAND DOCS client")[0]
	setname := respBulk("client|setname") + arg(
		field("summary", respBulk("Names this connection.")),
		field("since", respBulk("1.0.0")),
		field("group", respBulk("connection")),
		field("arguments", respArray(named("connection-name", "string"))))
	if !strings.Contains(got, respBulk("subcommands")) || !strings.Contains(got, setname) {
		t.Errorf("COMMAND DOCS client: no subcommand client|setname with its argument in\n%q", got)
	}
}
