package resp

import (
	"fmt"
	"strings"
)

// A command's Syntax (fsm.Command.Syntax) is turned here into the
// "arguments" of COMMAND DOCS, from which redis-cli 7 builds its hints.
//
// The notation is the one Redis's documentation writes after a command's
// name, "key value [NX | XX] [GET] [EX seconds | PX milliseconds | KEEPTTL]":
//
//	word       a named argument. Its type follows from its name: key for
//	           key, newkey, source and destination; integer for count,
//	           seconds, cursor, index1, destination-db and the like (see
//	           integerNames); unix-time for unix-time-*; pattern for
//	           pattern; string otherwise. word:type says the type when the
//	           name does not (increment:double in INCRBYFLOAT).
//	WORD       a token (no lowercase letters). On its own a pure token
//	           named after it; followed by arguments, it is their token:
//	           EX seconds is one argument, AUTH username password a block.
//	           WORD:name is a pure token with another name (CH:change,
//	           as Redis names ZADD's CH).
//	[ ... ]    optional
//	( ... )    a required group; < ... > also, as redis.io writes it
//	a | b      one of a and b; binds looser than juxtaposition
//	x [x ...]  one or more x (x may be several items: field value
//	           [field value ...]); [x ...] alone is zero or more. A repeated
//	           token, [PREFIX prefix [PREFIX prefix ...]], is multiple_token.
//
// A group of several items is a block. A block with a token is named after
// it; other blocks and one-ofs after their members' tokens or names joined
// by "_", as Redis names field_value.

// docArg is one argument as COMMAND DOCS describes it.
type docArg struct {
	name          string
	typ           string // key, string, integer, double, pattern, unix-time, pure-token, oneof, block
	token         string
	optional      bool
	multiple      bool
	multipleToken bool
	args          []docArg // of a oneof or block
}

// flags returns the COMMAND DOCS flags of the argument.
func (a *docArg) flags() []string {
	var out []string
	if a.optional {
		out = append(out, "optional")
	}
	if a.multiple {
		out = append(out, "multiple")
	}
	if a.multipleToken {
		out = append(out, "multiple_token")
	}
	return out
}

// argTypes are the types a word:type annotation may name.
var argTypes = map[string]bool{
	"key": true, "string": true, "integer": true, "double": true, "pattern": true, "unix-time": true,
}

var keyNames = map[string]bool{"key": true, "newkey": true, "source": true, "destination": true}

// integerNames are the argument names that are integers wherever Redis
// uses them. A trailing number is ignored (index1), and names ending in
// -db are integers too (destination-db).
var integerNames = map[string]bool{
	"count": true, "seconds": true, "milliseconds": true, "offset": true, "start": true,
	"end": true, "index": true, "timeout": true, "numkeys": true, "db": true,
	"cursor": true, "limit": true, "increment": true, "decrement": true, "protover": true,
}

// typeOf infers an argument's type from its name.
func typeOf(name string) string {
	base := strings.TrimRight(name, "0123456789")
	switch {
	case keyNames[name]:
		return "key"
	case integerNames[base] || strings.HasSuffix(name, "-db"):
		return "integer"
	case strings.HasPrefix(name, "unix-time"):
		return "unix-time"
	case name == "pattern":
		return "pattern"
	}
	return "string"
}

// tokenPart is w up to a ':' (TOKEN:name).
func tokenPart(w string) string {
	t, _, _ := strings.Cut(w, ":")
	return t
}

// isToken reports whether a word is a token: it has no lowercase letter.
func isToken(w string) bool { return strings.ToUpper(w) == w }

// parseSyntax turns a Syntax string into COMMAND DOCS arguments.
func parseSyntax(s string) ([]docArg, error) {
	p := &syntaxParser{toks: lexSyntax(s)}
	alts, err := p.alts("")
	if err != nil {
		return nil, fmt.Errorf("syntax %q: %w", s, err)
	}
	if len(alts) == 1 && len(alts[0]) == 0 {
		return nil, nil // no arguments
	}
	var args []docArg
	if len(alts) == 1 {
		args, err = convertSeq(alts[0])
	} else {
		var a docArg
		a, err = convertGroup(node{alts: alts})
		args = []docArg{a}
	}
	if err != nil {
		return nil, fmt.Errorf("syntax %q: %w", s, err)
	}
	return args, nil
}

// lexSyntax splits a Syntax string into brackets, pipes and words.
func lexSyntax(s string) []string {
	var toks []string
	word := -1
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch == ' ' || strings.IndexByte("[]()<>|", ch) >= 0 {
			if word >= 0 {
				toks = append(toks, s[word:i])
				word = -1
			}
			if ch != ' ' {
				toks = append(toks, s[i:i+1])
			}
			continue
		}
		if word < 0 {
			word = i
		}
	}
	if word >= 0 {
		toks = append(toks, s[word:])
	}
	return toks
}

// node is a word or a bracketed group of alternatives, as written.
type node struct {
	word string
	open string // "[", "(" or "<"; "" for a word (or the whole syntax)
	alts [][]node
}

func (n node) String() string {
	if n.word != "" {
		return n.word
	}
	var sb strings.Builder
	sb.WriteString(n.open)
	for i, alt := range n.alts {
		if i > 0 {
			sb.WriteString(" | ")
		}
		sb.WriteString(seqString(alt))
	}
	sb.WriteString(closing[n.open])
	return sb.String()
}

func seqString(seq []node) string {
	parts := make([]string, len(seq))
	for i, n := range seq {
		parts[i] = n.String()
	}
	return strings.Join(parts, " ")
}

var closing = map[string]string{"[": "]", "(": ")", "<": ">", "": ""}

type syntaxParser struct {
	toks []string
	pos  int
}

// alts parses alternatives up to the closing bracket of open ("" for the
// end of the string) and consumes that bracket.
func (p *syntaxParser) alts(open string) ([][]node, error) {
	alts := [][]node{nil}
	for {
		if p.pos == len(p.toks) {
			if open != "" {
				return nil, fmt.Errorf("%s not closed", open)
			}
			break
		}
		t := p.toks[p.pos]
		p.pos++
		if t == "|" {
			alts = append(alts, nil)
			continue
		}
		if t == "]" || t == ")" || t == ">" {
			if t != closing[open] {
				return nil, fmt.Errorf("unexpected %s", t)
			}
			break
		}
		n := node{word: t}
		if t == "[" || t == "(" || t == "<" {
			inner, err := p.alts(t)
			if err != nil {
				return nil, err
			}
			n = node{open: t, alts: inner}
		}
		last := len(alts) - 1
		alts[last] = append(alts[last], n)
	}
	if len(alts) > 1 || open != "" {
		for _, alt := range alts {
			if len(alt) == 0 {
				return nil, fmt.Errorf("empty alternative in %s", node{open: open, alts: alts})
			}
		}
	}
	return alts, nil
}

// item is an argument of a sequence while tokens are attached.
type item struct {
	arg  docArg
	bare bool // a token written on its own: takes the arguments after it
}

// convertSeq turns the items of one sequence into arguments: first
// repetitions are folded (x [x ...]), then tokens take the arguments that
// follow them (EX seconds).
func convertSeq(seq []node) ([]docArg, error) {
	var items []item
	var written []string // items[i] as written, while it is a plain node; "" once folded
	for _, n := range seq {
		if n.word == "..." {
			return nil, fmt.Errorf("... outside [x ...] in %q", seqString(seq))
		}
		if unit, ok := repeatUnit(n); ok {
			k := len(unit)
			optional := true // [x ...] alone: zero or more
			if len(items) >= k && strings.Join(written[len(items)-k:], " ") == seqString(unit) {
				items, written = items[:len(items)-k], written[:len(written)-k]
				optional = false
			}
			args, err := convertSeq(unit)
			if err != nil {
				return nil, err
			}
			a := single(args)
			if a.multiple {
				return nil, fmt.Errorf("nested repetition in %q", n)
			}
			a.multiple = true
			a.multipleToken = a.token != ""
			a.optional = a.optional || optional
			items, written = append(items, item{arg: a}), append(written, "")
			continue
		}
		var it item
		switch {
		case n.word != "" && isToken(tokenPart(n.word)):
			tok, name, renamed := strings.Cut(n.word, ":")
			if !renamed {
				name = strings.ToLower(tok)
			}
			it = item{arg: docArg{name: name, typ: "pure-token", token: tok}, bare: !renamed}
		case n.word != "":
			it = item{arg: namedArg(n.word)}
		default:
			a, err := convertGroup(n)
			if err != nil {
				return nil, err
			}
			it = item{arg: a}
		}
		items, written = append(items, it), append(written, n.String())
	}

	var out []docArg
	for i := 0; i < len(items); i++ {
		it := items[i]
		if !it.bare {
			out = append(out, it.arg)
			continue
		}
		j := i + 1
		for j < len(items) && takesToken(items[j]) {
			j++
		}
		switch j - i - 1 {
		case 0:
			out = append(out, it.arg)
		case 1:
			a := items[i+1].arg
			a.token = it.arg.token
			out = append(out, a)
		default:
			a := docArg{name: it.arg.name, typ: "block", token: it.arg.token}
			for _, t := range items[i+1 : j] {
				a.args = append(a.args, t.arg)
			}
			out = append(out, a)
		}
		i = j - 1
	}
	return out, nil
}

// takesToken reports whether a token before it may become its token:
// a required argument without a token of its own.
func takesToken(it item) bool {
	return !it.bare && it.arg.token == "" && !it.arg.optional && it.arg.typ != "pure-token"
}

// repeatUnit reports whether n is [x ...] and returns x.
func repeatUnit(n node) ([]node, bool) {
	if n.open != "[" || len(n.alts) != 1 {
		return nil, false
	}
	alt := n.alts[0]
	if len(alt) < 2 || alt[len(alt)-1].word != "..." {
		return nil, false
	}
	return alt[:len(alt)-1], true
}

// convertGroup turns a bracketed group into one argument.
func convertGroup(n node) (docArg, error) {
	var alts []docArg
	for _, seq := range n.alts {
		args, err := convertSeq(seq)
		if err != nil {
			return docArg{}, err
		}
		alts = append(alts, single(args))
	}
	a := alts[0]
	if len(alts) > 1 {
		a = docArg{name: joinNames(alts), typ: "oneof", args: alts}
	}
	if n.open == "[" {
		a.optional = true
	}
	return a, nil
}

// single makes one argument of several: a block.
func single(args []docArg) docArg {
	if len(args) == 1 {
		return args[0]
	}
	return docArg{name: joinNames(args), typ: "block", args: args}
}

// joinNames names a block or oneof after its members: by their tokens
// where they have one (ex_px_keepttl), else by their names (field_value).
func joinNames(args []docArg) string {
	names := make([]string, len(args))
	for i, a := range args {
		names[i] = a.name
		if a.token != "" {
			names[i] = strings.ToLower(a.token)
		}
	}
	return strings.Join(names, "_")
}

// namedArg is a lowercase word: name, or name:type.
func namedArg(word string) docArg {
	if i := strings.LastIndexByte(word, ':'); i > 0 && argTypes[word[i+1:]] {
		return docArg{name: word[:i], typ: word[i+1:]}
	}
	return docArg{name: word, typ: typeOf(word)}
}
