package main

// The differential test: thousands of random commands over a small key space
// go to a real redis-server and to respraft, and the replies must match. The
// test speaks raw RESP2 to both so that reply types (status vs bulk, null
// bulk vs null array, integer vs bulk) are compared too, not only values.
//
//	go test ./cmd/respraft/ -run Diff -count=1 -v
//	RESPRAFT_DIFF_SEED=123 RESPRAFT_DIFF_N=20000 go test ./cmd/respraft/ -run Diff -count=1 -v
//	RESPRAFT_DIFF_FAMILY_N=2000 go test ./cmd/respraft/ -run 'DiffFamilies/zset' -count=1 -v
//
// TestDiffAgainstRedis mixes the families of the single-node issue;
// TestDiffFamilies runs each later family (one diff_<family>_test.go
// file each) on its own for 20,000 commands.
//
// Replies are compared exactly except where Redis itself leaves the result
// open: set replies and KEYS as multisets, hash replies as multisets only
// when Redis's hash is a hashtable (small hashes keep insertion order and
// respraft must too), SCAN families by the union of a full iteration, random
// commands by membership, and relative TTLs within a tolerance.

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/respraft/respraft/resp/resptest"
)

const (
	diffDefaultN     = 6000
	diffMaxMismatch  = 20
	diffHistoryShown = 15
	diffReplyTimeout = 10 * time.Second
)

func TestDiffAgainstRedis(t *testing.T) {
	resptest.RequireTool(t, "redis-server")
	seed := diffSeed(t)
	n := envPositive(t, "RESPRAFT_DIFF_N", diffDefaultN)
	t.Logf("seed %d, %d commands (rerun with RESPRAFT_DIFF_SEED=%d RESPRAFT_DIFF_N=%d)", seed, n, seed, n)
	redisAddr := resptest.StartRedis(t)
	nd := startNode(t, nodeOpts{})
	d := newDiffer(t, seed, redisAddr, nd.Addr())
	d.runReport(n, diffGens(), diffCommands, diffDefaultN)
}

// diffFamily is a command family with a generator of its own, run by
// TestDiffFamilies for diffFamilyN commands over its own keys (and the
// string keys, so that WRONGTYPE comes up). Each family's file appends
// itself to diffFamilies from an init function.
type diffFamily struct {
	name     string
	keys     []string // the family's keys; anyKey may pick them too
	gens     func() []genEntry
	commands []string // what a full-length run must have sent
}

var diffFamilies []diffFamily

// diffFamilyN is the commands per family in TestDiffFamilies (issue 4 asks
// for at least 20,000); RESPRAFT_DIFF_FAMILY_N overrides it.
const diffFamilyN = 20000

// TestDiffFamilies runs each registered family against a fresh pair of
// databases, as a subtest of its own name: -run 'TestDiffFamilies/zset'.
func TestDiffFamilies(t *testing.T) {
	resptest.RequireTool(t, "redis-server")
	seed := diffSeed(t)
	n := envPositive(t, "RESPRAFT_DIFF_FAMILY_N", diffFamilyN)
	t.Logf("seed %d, %d commands per family (rerun with RESPRAFT_DIFF_SEED=%d RESPRAFT_DIFF_FAMILY_N=%d)", seed, n, seed, n)
	redisAddr := resptest.StartRedis(t)
	nd := startNode(t, nodeOpts{})
	for _, fam := range diffFamilies {
		t.Run(fam.name, func(t *testing.T) {
			d := newDiffer(t, seed, redisAddr, nd.Addr())
			d.g.extraKeys = fam.keys
			for _, c := range []*respConn{d.redis, d.rr} {
				if v := d.do(c, []string{"FLUSHALL"}); v.kind != '+' {
					t.Fatalf("%s: FLUSHALL: %s", c.name, v)
				}
			}
			d.runReport(n, fam.gens(), fam.commands, diffFamilyN)
		})
	}
}

func diffSeed(t *testing.T) uint64 {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("RESPRAFT_DIFF_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("RESPRAFT_DIFF_SEED=%q: %v", s, err)
		}
		seed = v
	}
	return seed
}

func envPositive(t *testing.T, name string, def int) int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	v, err := strconv.Atoi(s)
	if err != nil || v <= 0 {
		t.Fatalf("%s=%q: want a positive integer", name, s)
	}
	return v
}

func newDiffer(t *testing.T, seed uint64, redisAddr, rrAddr string) *differ {
	d := &differ{
		t:        t,
		g:        &gen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), base: time.Now().Unix()},
		redis:    dialRESP(t, "redis", redisAddr),
		rr:       dialRESP(t, "respraft", rrAddr),
		counts:   map[string]int{},
		firstBad: -1,
	}
	if v := d.do(d.redis, []string{"INFO", "server"}); v.kind == '$' {
		for _, line := range strings.Split(v.str, "\n") {
			if strings.HasPrefix(line, "redis_version:") {
				t.Logf("redis-server %s", strings.TrimSpace(strings.TrimPrefix(line, "redis_version:")))
			}
		}
	}
	return d
}

// runReport runs n commands from gens, logs what was sent, fails if a
// run of at least full commands never sent one of want, and shows the
// history up to the first mismatch.
func (d *differ) runReport(n int, gens []genEntry, want []string, full int) {
	t := d.t
	start := time.Now()
	d.run(n, gens)
	t.Logf("%d commands in %v", d.sent, time.Since(start).Round(time.Millisecond))
	t.Logf("commands sent to both, by name:\n%s", d.coverage(want))
	if d.bad == 0 && d.sent >= full {
		var missing []string
		for _, name := range want {
			if d.counts[name] == 0 {
				missing = append(missing, name)
			}
		}
		if len(missing) > 0 {
			t.Errorf("the generator never sent %v: the weights need a look", missing)
		}
	}
	if d.firstBad >= 0 {
		from := max(0, d.firstBad-diffHistoryShown+1)
		t.Logf("the last %d commands up to the first mismatch:\n%s",
			d.firstBad+1-from, strings.Join(d.hist[from:d.firstBad+1], "\n"))
	}
}

// diffCommands is what the generator must cover; the test fails when a full
// default-length run never sent one of them.
var diffCommands = []string{
	"DEL", "UNLINK", "EXISTS", "KEYS", "SCAN", "TYPE", "RENAME", "RENAMENX", "RANDOMKEY",
	"COPY", "MOVE", "SWAPDB", "SELECT", "FLUSHDB", "EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT",
	"TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME", "PERSIST", "DBSIZE",
	"GET", "SET", "SETNX", "SETEX", "PSETEX", "GETSET", "GETDEL", "GETEX", "MGET", "MSET",
	"MSETNX", "INCR", "DECR", "INCRBY", "DECRBY", "INCRBYFLOAT", "APPEND", "STRLEN",
	"GETRANGE", "SETRANGE", "SUBSTR", "LCS", "WAIT",
	"HSET", "HSETNX", "HMSET", "HGET", "HMGET", "HGETALL", "HDEL", "HEXISTS", "HLEN", "HKEYS",
	"HVALS", "HINCRBY", "HINCRBYFLOAT", "HSTRLEN", "HRANDFIELD", "HSCAN",
	"SADD", "SREM", "SMEMBERS", "SISMEMBER", "SMISMEMBER", "SCARD", "SPOP", "SRANDMEMBER",
	"SMOVE", "SINTER", "SUNION", "SDIFF", "SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE",
	"SINTERCARD", "SSCAN",
	"LPUSH", "RPUSH", "LPUSHX", "RPUSHX", "LPOP", "RPOP", "LLEN", "LRANGE", "LINDEX", "LSET",
	"LINSERT", "LREM", "LTRIM", "LPOS", "LMOVE", "RPOPLPUSH", "LMPOP",
	"MULTI", "EXEC", "DISCARD", "WATCH", "UNWATCH", "PING", "ECHO",
}

// ---------------------------------------------------------------------------
// A tiny RESP2 client.

// reply is one parsed RESP2 reply.
type reply struct {
	kind  byte // '+' status, '-' error, ':' integer, '$' bulk, '*' array
	str   string
	num   int64
	null  bool // $-1 or *-1
	elems []*reply
}

func (r *reply) String() string {
	switch r.kind {
	case '+':
		return "+" + r.str
	case '-':
		return "(error) " + r.str
	case ':':
		return "(integer) " + strconv.FormatInt(r.num, 10)
	case '$':
		if r.null {
			return "(nil)"
		}
		return strconv.Quote(r.str)
	case '*':
		if r.null {
			return "(nil array)"
		}
		parts := make([]string, len(r.elems))
		for i, e := range r.elems {
			parts[i] = e.String()
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return fmt.Sprintf("(kind %q)", r.kind)
}

func equalReply(a, b *reply) bool {
	if a.kind != b.kind || a.null != b.null || a.str != b.str || a.num != b.num || len(a.elems) != len(b.elems) {
		return false
	}
	for i := range a.elems {
		if !equalReply(a.elems[i], b.elems[i]) {
			return false
		}
	}
	return true
}

func (r *reply) isArray() bool { return r.kind == '*' && !r.null }
func (r *reply) isBulk() bool  { return r.kind == '$' && !r.null }

type respConn struct {
	name string
	c    net.Conn
	r    *bufio.Reader
	w    *bufio.Writer
}

func dialRESP(t *testing.T, name, addr string) *respConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dialing %s at %s: %v", name, addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return &respConn{name: name, c: c, r: bufio.NewReader(c), w: bufio.NewWriter(c)}
}

// do sends argv as a multibulk and reads one reply.
func (c *respConn) do(argv []string) (*reply, error) {
	if err := c.c.SetDeadline(time.Now().Add(diffReplyTimeout)); err != nil {
		return nil, err
	}
	fmt.Fprintf(c.w, "*%d\r\n", len(argv))
	for _, a := range argv {
		fmt.Fprintf(c.w, "$%d\r\n%s\r\n", len(a), a)
	}
	if err := c.w.Flush(); err != nil {
		return nil, err
	}
	return readReply(c.r)
}

func readReply(r *bufio.Reader) (*reply, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return nil, fmt.Errorf("malformed reply line %q", line)
	}
	kind, body := line[0], line[1:len(line)-2]
	switch kind {
	case '+', '-':
		return &reply{kind: kind, str: body}, nil
	case ':':
		n, err := strconv.ParseInt(body, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("malformed integer reply %q", line)
		}
		return &reply{kind: kind, num: n}, nil
	case '$':
		n, err := strconv.Atoi(body)
		if err != nil || n < -1 || n > 64<<20 {
			return nil, fmt.Errorf("malformed bulk length %q", line)
		}
		if n == -1 {
			return &reply{kind: kind, null: true}, nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, err
		}
		if buf[n] != '\r' || buf[n+1] != '\n' {
			return nil, errors.New("bulk string not terminated by CRLF")
		}
		return &reply{kind: kind, str: string(buf[:n])}, nil
	case '*':
		n, err := strconv.Atoi(body)
		if err != nil || n < -1 || n > 1<<20 {
			return nil, fmt.Errorf("malformed array length %q", line)
		}
		if n == -1 {
			return &reply{kind: kind, null: true}, nil
		}
		v := &reply{kind: kind, elems: make([]*reply, n)}
		for i := range v.elems {
			if v.elems[i], err = readReply(r); err != nil {
				return nil, err
			}
		}
		return v, nil
	}
	return nil, fmt.Errorf("unexpected reply type in %q (not RESP2)", line)
}

// fmtArgs renders argv like redis-cli input: quoted where needed.
func fmtArgs(argv []string) string {
	parts := make([]string, len(argv))
	for i, a := range argv {
		if a == "" || strings.ContainsAny(a, " \"\\'") || strconv.Quote(a) != `"`+a+`"` {
			a = strconv.Quote(a)
		}
		parts[i] = a
	}
	return strings.Join(parts, " ")
}

// ---------------------------------------------------------------------------
// Comparison.

type cmpMode int

const (
	cmpExact      cmpMode = iota
	cmpUnordered          // the array is a multiset (SMEMBERS, SINTER, KEYS, ...)
	cmpHashFields         // HKEYS/HVALS: exact, unless Redis's hash is a hashtable
	cmpHashPairs          // HGETALL: exact, unless Redis's hash is a hashtable: then a multiset of pairs
	cmpTolSeconds         // TTL, EXPIRETIME: within ±1 when both are >= 0
	cmpTolMillis          // PTTL, PEXPIRETIME: within ±1500 when both are >= 0
	// cmpScoreULP: scores (a bulk, or every second element of an array)
	// within scoreULPs units in the last place, the rest exact: for
	// distances GEO*STORE STOREDIST stored. respraft's sin, cos and asin
	// are correctly rounded, glibc's are not quite (below 1 ulp), and the
	// haversine carries an ulp of its inputs into 2 ulp of a distance
	// (seed 1796135395471888937: 5279806.4601448644 against ...625 ft).
	cmpScoreULP
)

// Redis's defaults for hash-max-listpack-entries and -value: a hash beyond
// either is a hashtable, whose order is unspecified.
const (
	hashMaxListpackEntries = 128
	hashMaxListpackValue   = 64
)

// step is one command and how to compare its replies.
type step struct {
	args []string
	mode cmpMode
	key  string // the hash for cmpHashFields and cmpHashPairs
}

// compareReplies reports whether respraft's reply b matches Redis's reply a
// under st's mode, and how it compared them when that was not exactly.
// hashtable says Redis's hash st.key is a hashtable (no defined order).
func compareReplies(st step, a, b *reply, hashtable bool) (bool, string) {
	switch st.mode {
	case cmpUnordered:
		if a.isArray() && b.isArray() {
			return sameMultiset(a.elems, b.elems, 1), " (compared as a multiset)"
		}
	case cmpHashFields:
		if a.isArray() && b.isArray() && (hashtable || bigHashReply(a, 1)) {
			return sameMultiset(a.elems, b.elems, 1), " (compared as a multiset: Redis's hash is a hashtable)"
		}
	case cmpHashPairs:
		if a.isArray() && b.isArray() && (hashtable || bigHashReply(a, 2)) {
			if len(a.elems)%2 != 0 || len(b.elems)%2 != 0 {
				return false, " (an odd number of elements)"
			}
			return sameMultiset(a.elems, b.elems, 2), " (compared as a multiset of field-value pairs: Redis's hash is a hashtable)"
		}
	case cmpScoreULP:
		return sameScoresULP(a, b), fmt.Sprintf(" (scores compared within %d ulp)", scoreULPs)
	case cmpTolSeconds, cmpTolMillis:
		if a.kind == ':' && b.kind == ':' && a.num >= 0 && b.num >= 0 {
			tol := int64(1)
			if st.mode == cmpTolMillis {
				tol = 1500
			}
			d := a.num - b.num
			return -tol <= d && d <= tol, fmt.Sprintf(" (compared within ±%d)", tol)
		}
	}
	return equalReply(a, b), ""
}

// scoreULPs is how far apart cmpScoreULP lets two scores be.
const scoreULPs = 4

// ulpsApart counts the doubles from x to y (both finite, same sign),
// or returns the largest uint64 when they differ in sign.
func ulpsApart(x, y float64) uint64 {
	if math.Signbit(x) != math.Signbit(y) {
		return math.MaxUint64
	}
	bx, by := math.Float64bits(math.Abs(x)), math.Float64bits(math.Abs(y))
	if bx > by {
		return bx - by
	}
	return by - bx
}

// sameScoresULP is equalReply, except that the score bulks (a bulk
// reply, or the odd elements of an array) may differ by scoreULPs ulp.
func sameScoresULP(a, b *reply) bool {
	closeScores := func(x, y *reply) bool {
		if equalReply(x, y) {
			return true
		}
		if !x.isBulk() || !y.isBulk() {
			return false
		}
		fx, err1 := strconv.ParseFloat(x.str, 64)
		fy, err2 := strconv.ParseFloat(y.str, 64)
		return err1 == nil && err2 == nil && ulpsApart(fx, fy) <= scoreULPs
	}
	if !a.isArray() || !b.isArray() {
		return closeScores(a, b)
	}
	if len(a.elems) != len(b.elems) {
		return false
	}
	for i := range a.elems {
		if i%2 == 1 && closeScores(a.elems[i], b.elems[i]) || equalReply(a.elems[i], b.elems[i]) {
			continue
		}
		return false
	}
	return true
}

// bigHashReply reports whether a hash reply shows that Redis's hash cannot be
// a listpack: more than 128 fields or a string longer than 64 bytes.
func bigHashReply(a *reply, per int) bool {
	if len(a.elems)/per > hashMaxListpackEntries {
		return true
	}
	for _, e := range a.elems {
		if len(e.str) > hashMaxListpackValue {
			return true
		}
	}
	return false
}

// sameMultiset compares a and b as multisets of groups of per elements.
func sameMultiset(a, b []*reply, per int) bool {
	if len(a) != len(b) {
		return false
	}
	return slices.Equal(groupKeys(a, per), groupKeys(b, per))
}

func groupKeys(elems []*reply, per int) []string {
	var keys []string
	for i := 0; i+per <= len(elems); i += per {
		var sb strings.Builder
		for _, e := range elems[i : i+per] {
			sb.WriteString(e.String())
			sb.WriteByte(0)
		}
		keys = append(keys, sb.String())
	}
	slices.Sort(keys)
	return keys
}

// ---------------------------------------------------------------------------
// The differ: sends commands to both servers and compares.

type differ struct {
	t         *testing.T
	g         *gen
	redis, rr *respConn

	sent     int            // commands sent to both
	counts   map[string]int // by upper-case name
	hist     []string       // everything sent, for the report
	bad      int            // mismatches so far
	firstBad int            // index in hist of the first mismatch, -1 if none

	pickTx     func() step // a random simple command allowed inside MULTI
	pickSimple func() step // any random simple command
}

func (d *differ) run(n int, gens []genEntry) {
	top := newPicker(gens, func(genEntry) bool { return true })
	inTx := newPicker(gens, func(e genEntry) bool { return e.simple != nil && !e.noTx })
	anySimple := newPicker(gens, func(e genEntry) bool { return e.simple != nil })
	d.pickTx = func() step { return inTx.pick(d.g).simple(d.g) }
	d.pickSimple = func() step { return anySimple.pick(d.g).simple(d.g) }
	for d.sent < n && d.bad < diffMaxMismatch {
		e := top.pick(d.g)
		if e.simple != nil {
			d.simple(e.simple(d.g))
		} else {
			e.special(d)
		}
	}
	if d.bad >= diffMaxMismatch {
		d.t.Errorf("stopped after %d mismatches (%d commands sent)", d.bad, d.sent)
	}
}

// recent returns the tail of the history, for fatal errors.
func (d *differ) recent() string {
	from := max(0, len(d.hist)-diffHistoryShown)
	return strings.Join(d.hist[from:], "\n")
}

func (d *differ) do(c *respConn, argv []string) *reply {
	d.t.Helper()
	v, err := c.do(argv)
	if err != nil {
		d.t.Fatalf("%s: %s: %v\nlast commands:\n%s", c.name, fmtArgs(argv), err, d.recent())
	}
	return v
}

// both sends argv to Redis and then to respraft.
func (d *differ) both(argv []string) (a, b *reply) {
	d.t.Helper()
	d.sent++
	d.counts[strings.ToUpper(argv[0])]++
	d.hist = append(d.hist, fmt.Sprintf("%6d  %s", d.sent, fmtArgs(argv)))
	return d.do(d.redis, argv), d.do(d.rr, argv)
}

// only sends argv to one side: a look-up for a check, or a resync.
func (d *differ) only(c *respConn, argv ...string) *reply {
	d.t.Helper()
	d.hist = append(d.hist, fmt.Sprintf("        [%s only] %s", c.name, fmtArgs(argv)))
	return d.do(c, argv)
}

func (d *differ) mismatch(format string, args ...any) {
	d.t.Helper()
	d.bad++
	if d.firstBad < 0 {
		d.firstBad = len(d.hist) - 1
	}
	d.hist = append(d.hist, "        ^ mismatch")
	d.t.Errorf("mismatch %d (command %d): %s", d.bad, d.sent, fmt.Sprintf(format, args...))
}

func (d *differ) mismatchReplies(what string, a, b *reply, how string) {
	d.t.Helper()
	d.mismatch("%s%s\n    redis:    %s\n    respraft: %s", what, how, a, b)
}

// redisHashtable reports whether Redis holds key as a hashtable-encoded hash,
// whose HKEYS/HVALS/HGETALL order is unspecified. It does not touch the key.
func (d *differ) redisHashtable(key string) bool {
	v := d.do(d.redis, []string{"OBJECT", "ENCODING", key})
	return v.isBulk() && v.str == "hashtable"
}

func isHashMode(st step) bool { return st.mode == cmpHashFields || st.mode == cmpHashPairs }

// simple sends one command to both and compares under its mode.
func (d *differ) simple(st step) {
	d.t.Helper()
	hashtable := isHashMode(st) && d.redisHashtable(st.key)
	a, b := d.both(st.args)
	if ok, how := compareReplies(st, a, b, hashtable); !ok {
		d.mismatchReplies(fmtArgs(st.args), a, b, how)
	}
}

// txn runs MULTI, a few queued commands and EXEC or DISCARD, sometimes after
// WATCH (with no other writer, so EXEC runs unless this connection itself
// touched a watched key, as in Redis).
func (d *differ) txn() {
	g := d.g
	if g.p(0.35) {
		d.simple(g.cmd("WATCH", g.keys(allKeys, 1, 3)...))
		if g.p(0.15) {
			d.simple(g.cmd("UNWATCH"))
		}
		for i := g.n(3); i > 0; i-- {
			d.simple(d.pickSimple())
		}
	}
	var queued []step
	for i := 1 + g.n(4); i > 0; i-- {
		switch x := g.n(100); {
		case x < 3:
			queued = append(queued, genUnknown(g)) // EXECABORT
		case x < 6:
			queued = append(queued, genArity(g)) // EXECABORT
		case x < 8:
			queued = append(queued, g.cmd("MULTI")) // an error, but the transaction goes on
		case x < 10:
			queued = append(queued, g.cmd("WATCH", g.anyKey())) // likewise
		default:
			queued = append(queued, d.pickTx())
		}
	}
	end := "EXEC"
	if g.p(0.15) {
		end = "DISCARD"
	}
	end = g.name(end)

	// Whether a hash is a hashtable, before and after: a hash that becomes
	// one inside the transaction counts as one throughout.
	hashtable := make([]bool, len(queued))
	for i, st := range queued {
		hashtable[i] = isHashMode(st) && d.redisHashtable(st.key)
	}
	d.simple(g.cmd("MULTI"))
	var accepted []int // queued[i] that Redis answered QUEUED
	for i, st := range queued {
		a, b := d.both(st.args)
		if !equalReply(a, b) {
			d.mismatchReplies(fmtArgs(st.args)+" (inside MULTI)", a, b, "")
		}
		if a.kind == '+' && a.str == "QUEUED" {
			accepted = append(accepted, i)
		}
	}
	a, b := d.both([]string{end})
	for i, st := range queued {
		hashtable[i] = hashtable[i] || isHashMode(st) && d.redisHashtable(st.key)
	}
	if strings.EqualFold(end, "EXEC") && a.isArray() && b.isArray() &&
		len(a.elems) == len(accepted) && len(b.elems) == len(accepted) {
		for j, i := range accepted {
			if ok, how := compareReplies(queued[i], a.elems[j], b.elems[j], hashtable[i]); !ok {
				d.mismatchReplies(fmt.Sprintf("EXEC reply %d, to %s", j+1, fmtArgs(queued[i].args)),
					a.elems[j], b.elems[j], how)
			}
		}
		return
	}
	if !equalReply(a, b) {
		d.mismatchReplies(end, a, b, "")
	}
}

// scan runs a full SCAN, HSCAN or SSCAN iteration on each side and compares
// the unions as sets; cursors are not compared. A first reply that is not a
// scan page (an error) is compared exactly.
func (d *differ) scan(cmd string) {
	g := d.g
	prefix := []string{g.name(cmd)}
	pairs := false
	patterns := keyPatterns
	switch cmd {
	case "HSCAN":
		prefix = append(prefix, g.key(hashKeys))
		pairs, patterns = true, fieldPatterns
	case "SSCAN":
		prefix = append(prefix, g.key(setKeys))
		patterns = memberPatterns
	}
	cursor := "0"
	var opts [][]string
	if g.p(0.4) {
		opts = append(opts, []string{g.word("MATCH"), oneOf(g, patterns...)})
	}
	if g.p(0.4) {
		opts = append(opts, []string{g.word("COUNT"), strconv.Itoa(1 + g.n(12))})
	}
	if cmd == "SCAN" && g.p(0.3) {
		opts = append(opts, []string{g.word("TYPE"), oneOf(g, "string", "hash", "set", "list", "none", "Hash")})
	}
	if g.p(0.1) {
		switch g.n(6) {
		case 0:
			cursor = oneOf(g, "abc", "1.5", "")
		case 1:
			opts = append(opts, []string{"COUNT", oneOf(g, "0", "-1", "abc")})
		case 2:
			opts = append(opts, []string{"MATCH"})
		case 3:
			opts = append(opts, []string{"FOO", "1"})
		case 4:
			opts = append(opts, []string{"TYPE"})
		case 5:
			opts = append(opts, []string{"COUNT"})
		}
	}
	shuffle(g, opts)
	argv := append(slices.Clone(prefix), cursor)
	for _, o := range opts {
		argv = append(argv, o...)
	}
	rest := argv[len(prefix)+1:]

	d.sent++
	d.counts[strings.ToUpper(cmd)]++
	d.hist = append(d.hist, fmt.Sprintf("%6d  %s", d.sent, fmtArgs(argv)))
	hi := len(d.hist) - 1
	fa, sa, na, pa := d.iterate(d.redis, prefix, cursor, rest, pairs)
	fb, sb, nb, pb := d.iterate(d.rr, prefix, cursor, rest, pairs)
	d.hist[hi] += fmt.Sprintf("   (full iteration: %d calls to redis, %d to respraft)", na, nb)
	what := fmtArgs(argv) + " (full iteration)"
	switch {
	case pa != "":
		d.mismatch("%s: redis-server itself: %s (a bug in this test?)", what, pa)
	case pb != "":
		d.mismatch("%s: respraft: %s\n    redis's union: %s", what, pb, fmtSet(sa))
	case sa == nil || sb == nil:
		if !equalReply(fa, fb) {
			d.mismatchReplies(what, fa, fb, "")
		}
	default:
		var missing, extra []string
		for k := range sa {
			if !sb[k] {
				missing = append(missing, k)
			}
		}
		for k := range sb {
			if !sa[k] {
				extra = append(extra, k)
			}
		}
		if len(missing)+len(extra) > 0 {
			slices.Sort(missing)
			slices.Sort(extra)
			d.mismatch("%s: the unions differ\n    redis:    %s\n    respraft: %s\n    respraft lacks %v, has extra %v",
				what, fmtSet(sa), fmtSet(sb), missing, extra)
		}
	}
}

// iterate runs prefix cursor rest... from cursor until the cursor is 0 again.
// It returns the first reply and the union of the elements (nil if the
// first reply was not a scan page), the number of calls, and a problem if a
// later reply was malformed or the iteration did not end.
func (d *differ) iterate(c *respConn, prefix []string, cursor string, rest []string, pairs bool) (*reply, map[string]bool, int, string) {
	var first *reply
	set := map[string]bool{}
	for calls := 1; calls <= 10000; calls++ {
		argv := append(append(slices.Clone(prefix), cursor), rest...)
		v := d.do(c, argv)
		if first == nil {
			first = v
		}
		if !v.isArray() || len(v.elems) != 2 || !v.elems[0].isBulk() || !v.elems[1].isArray() {
			if calls == 1 {
				return first, nil, calls, ""
			}
			return first, set, calls, fmt.Sprintf("call %d, %s, replied %s: not [cursor, [elements]]", calls, fmtArgs(argv), v)
		}
		elems := v.elems[1].elems
		if pairs && len(elems)%2 != 0 {
			return first, set, calls, fmt.Sprintf("call %d, %s, replied an odd number of elements: %s", calls, fmtArgs(argv), v)
		}
		per := 1
		if pairs {
			per = 2
		}
		for i := 0; i+per <= len(elems); i += per {
			k := elems[i].String()
			if pairs {
				k += "=" + elems[i+1].String()
			}
			set[k] = true
		}
		cursor = v.elems[0].str
		if cursor == "0" {
			return first, set, calls, ""
		}
	}
	return first, set, 10000, "the iteration did not end within 10000 calls"
}

func fmtSet(s map[string]bool) string {
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return "{" + strings.Join(keys, ", ") + "}"
}

// randomKey: respraft's key must exist on respraft; nil iff Redis says nil.
func (d *differ) randomKey() {
	argv := []string{d.g.name("RANDOMKEY")}
	a, b := d.both(argv)
	if !a.isBulk() || !b.isBulk() {
		if !equalReply(a, b) {
			d.mismatchReplies(fmtArgs(argv), a, b, "")
		}
		return
	}
	if v := d.only(d.rr, "EXISTS", b.str); v.kind != ':' || v.num != 1 {
		d.mismatch("RANDOMKEY: respraft replied %s, but EXISTS on respraft replies %s", b, v)
	}
}

// parseCount returns argv[i] as a count, if it is one.
func parseCount(argv []string, i int) (n int64, ok bool) {
	if i >= len(argv) {
		return 0, false
	}
	n, err := strconv.ParseInt(argv[i], 10, 64)
	return n, err == nil
}

// sameShape reports whether a and b can be compared by membership: both
// bulk strings or both arrays. Otherwise they are compared exactly.
func sameShape(a, b *reply) bool {
	return a.isBulk() && b.isBulk() || a.isArray() && b.isArray()
}

func (d *differ) redisSet(key string) map[string]bool {
	v := d.only(d.redis, "SMEMBERS", key)
	set := map[string]bool{}
	for _, e := range v.elems {
		set[e.str] = true
	}
	return set
}

func (d *differ) redisHash(key string) map[string]string {
	v := d.only(d.redis, "HGETALL", key)
	h := map[string]string{}
	for i := 0; i+1 < len(v.elems); i += 2 {
		h[v.elems[i].str] = v.elems[i+1].str
	}
	return h
}

// checkPicks checks respraft's random picks b against Redis's reply a:
// the same length, every element (or field-value pair) in the collection,
// and no repeats when the count is positive.
func (d *differ) checkPicks(what string, a, b *reply, inColl func(e string) (string, bool), count int64, hasCount, withValues bool) {
	if a.isBulk() {
		if _, ok := inColl(b.str); !ok {
			d.mismatchReplies(what, a, b, fmt.Sprintf(" (respraft's pick %s is not in Redis's collection)", b))
		}
		return
	}
	if len(a.elems) != len(b.elems) {
		d.mismatchReplies(what, a, b, " (lengths differ)")
		return
	}
	per := 1
	if withValues {
		per = 2
		if len(b.elems)%2 != 0 {
			d.mismatchReplies(what, a, b, " (an odd number of elements WITHVALUES)")
			return
		}
	}
	seen := map[string]bool{}
	for i := 0; i < len(b.elems); i += per {
		e := b.elems[i]
		v, ok := inColl(e.str)
		switch {
		case !e.isBulk() || !ok:
			d.mismatchReplies(what, a, b, fmt.Sprintf(" (respraft's element %s is not in Redis's collection)", e))
			return
		case withValues && (!b.elems[i+1].isBulk() || b.elems[i+1].str != v):
			d.mismatchReplies(what, a, b, fmt.Sprintf(" (respraft pairs %s with %s; Redis's hash has %q)", e, b.elems[i+1], v))
			return
		case hasCount && count > 0 && seen[e.str]:
			d.mismatchReplies(what, a, b, fmt.Sprintf(" (respraft repeats %s for a positive count)", e))
			return
		}
		seen[e.str] = true
	}
}

// SRANDMEMBER key [count]
func (d *differ) srandmember() {
	g := d.g
	key := g.key(setKeys)
	argv := []string{g.name("SRANDMEMBER"), key}
	if g.p(0.7) {
		argv = append(argv, oneOf(g, randCounts...))
	}
	if g.p(0.03) {
		argv = append(argv, "1") // wrong arity
	}
	a, b := d.both(argv)
	if !sameShape(a, b) {
		if !equalReply(a, b) {
			d.mismatchReplies(fmtArgs(argv), a, b, "")
		}
		return
	}
	set := d.redisSet(key)
	count, hasCount := parseCount(argv, 2)
	d.checkPicks(fmtArgs(argv), a, b, func(e string) (string, bool) { return "", set[e] }, count, hasCount, false)
}

// HRANDFIELD key [count [WITHVALUES]]
func (d *differ) hrandfield() {
	g := d.g
	key := g.key(hashKeys)
	argv := []string{g.name("HRANDFIELD"), key}
	if g.p(0.7) {
		argv = append(argv, oneOf(g, randCounts...))
		if g.p(0.4) {
			argv = append(argv, g.word("WITHVALUES"))
		}
	}
	if g.p(0.04) {
		argv = append(argv, oneOf(g, "FOO", "WITHVALUES"))
	}
	withValues := len(argv) == 4 && strings.EqualFold(argv[3], "WITHVALUES")
	a, b := d.both(argv)
	if !sameShape(a, b) {
		if !equalReply(a, b) {
			d.mismatchReplies(fmtArgs(argv), a, b, "")
		}
		return
	}
	h := d.redisHash(key)
	count, hasCount := parseCount(argv, 2)
	d.checkPicks(fmtArgs(argv), a, b, func(e string) (string, bool) { v, ok := h[e]; return v, ok }, count, hasCount, withValues)
}

// SPOP key [count]: compare the count and membership, then make respraft's
// set equal to Redis's (SADD/SREM on respraft only, which keeps the TTL) so
// later commands compare again.
func (d *differ) spop() {
	g := d.g
	key := g.key(setKeys)
	argv := []string{g.name("SPOP"), key}
	if g.p(0.6) {
		argv = append(argv, oneOf(g, "0", "1", "1", "2", "3", "5", "10", "-1", "abc", "1000000"))
	}
	if g.p(0.03) {
		argv = append(argv, "1") // wrong arity
	}
	before := d.redisSet(key)
	a, b := d.both(argv)
	if !sameShape(a, b) {
		if !equalReply(a, b) {
			d.mismatchReplies(fmtArgs(argv), a, b, "")
		}
	} else {
		d.checkPicks(fmtArgs(argv), a, b, func(e string) (string, bool) { return "", before[e] }, 1, true, false)
	}
	if a.kind == '-' || b.kind == '-' {
		return
	}
	// Resync.
	after := d.redisSet(key)
	v := d.only(d.rr, "SMEMBERS", key)
	if !v.isArray() {
		return
	}
	have := map[string]bool{}
	for _, e := range v.elems {
		have[e.str] = true
	}
	var extra, missing []string
	for m := range have {
		if !after[m] {
			extra = append(extra, m)
		}
	}
	for m := range after {
		if !have[m] {
			missing = append(missing, m)
		}
	}
	slices.Sort(extra)
	slices.Sort(missing)
	// SADD first: removing every member first would delete the key and
	// its TTL with it.
	if len(missing) > 0 {
		d.only(d.rr, append([]string{"SADD", key}, missing...)...)
	}
	// Where both sides kept members an intset could hold, or both did
	// not, the encodings must already agree (SPOP with few members left
	// builds a new set).
	if intsetMembers(after) == intsetMembers(have) {
		ea, eb := d.only(d.redis, "OBJECT", "ENCODING", key), d.only(d.rr, "OBJECT", "ENCODING", key)
		if !equalReply(ea, eb) {
			d.mismatchReplies("OBJECT ENCODING "+key+" after "+fmtArgs(argv), ea, eb, "")
		}
	}
	if len(extra) > 0 {
		d.only(d.rr, append([]string{"SREM", key}, extra...)...)
	}
	d.resyncSetEncoding(key)
}

// intsetMembers reports whether an intset could hold members: at most
// 512, each an integer in canonical form.
func intsetMembers(members map[string]bool) bool {
	if len(members) > 512 {
		return false
	}
	for m := range members {
		n, err := strconv.ParseInt(m, 10, 64)
		if err != nil || strconv.FormatInt(n, 10) != m {
			return false
		}
	}
	return true
}

// resyncSetEncoding gives respraft's set at key Redis's encoding after a
// resync: SPOP took other members on each side, and a set that Redis
// rebuilt from the few members left (an intset again) may be a hashtable
// on respraft, or the other way round.
func (d *differ) resyncSetEncoding(key string) {
	want := d.only(d.redis, "OBJECT", "ENCODING", key)
	got := d.only(d.rr, "OBJECT", "ENCODING", key)
	if !want.isBulk() || !got.isBulk() || want.str == got.str {
		return
	}
	switch want.str {
	case "hashtable": // a member no intset holds makes it one for good
		const odd = "resync-not-an-integer"
		d.only(d.rr, "SADD", key, odd)
		d.only(d.rr, "SREM", key, odd)
	case "intset": // built afresh from its members, TTL kept
		ttl := d.only(d.rr, "PTTL", key)
		members := d.only(d.rr, "SMEMBERS", key)
		d.only(d.rr, "DEL", key)
		argv := []string{"SADD", key}
		for _, e := range members.elems {
			argv = append(argv, e.str)
		}
		d.only(d.rr, argv...)
		if ttl.kind == ':' && ttl.num > 0 {
			d.only(d.rr, "PEXPIRE", key, strconv.FormatInt(ttl.num, 10))
		}
	}
}

// ---------------------------------------------------------------------------
// The generator.

// gen draws commands from a seeded PRNG; the sequence of commands depends
// only on the seed, never on replies.
type gen struct {
	r         *rand.Rand
	base      int64    // unix seconds at the start: absolute expiry times are >= base+100
	extraKeys []string // a family's keys (TestDiffFamilies), which anyKey also picks
}

func (g *gen) n(k int) int           { return g.r.IntN(k) }
func (g *gen) p(prob float64) bool   { return g.r.Float64() < prob }
func oneOf[T any](g *gen, xs ...T) T { return xs[g.r.IntN(len(xs))] }
func shuffle[T any](g *gen, xs []T) {
	g.r.Shuffle(len(xs), func(i, j int) { xs[i], xs[j] = xs[j], xs[i] })
}

// name sometimes changes the case of a command name: names are case-insensitive.
func (g *gen) name(s string) string {
	switch g.n(30) {
	case 0:
		return strings.ToLower(s)
	case 1:
		return strings.ToUpper(s[:1]) + strings.ToLower(s[1:])
	}
	return s
}

// word does the same for an option keyword.
func (g *gen) word(s string) string {
	if g.n(12) == 0 {
		return strings.ToLower(s)
	}
	return s
}

func (g *gen) cmd(name string, args ...string) step {
	return step{args: append([]string{g.name(name)}, args...)}
}

var (
	strKeys  = []string{"s1", "s2", "s3", "s4", "s5", "s6"}
	hashKeys = []string{"h1", "h2", "h3", "h4", "h5", "h6"}
	setKeys  = []string{"t1", "t2", "t3", "t4", "t5", "t6"}
	listKeys = []string{"l1", "l2", "l3", "l4", "l5", "l6"}
	allKeys  = slices.Concat(strKeys, hashKeys, setKeys, listKeys)

	keyPatterns    = []string{"*", "s*", "h*", "t*", "l*", "?1", "[sh]*", "[lt]?", "h[1-3]", "*[^1-3]", "nokey", "s\\1", "*5*"}
	fieldPatterns  = []string{"*", "f*", "*1", "f[1-3]", "f?", "x*", "[^f]*"}
	memberPatterns = []string{"*", "m*", "*1", "m[1-4]", "[0-9]*", "-*", "x*"}

	longValue = strings.Repeat("long-", 14) // 70 bytes: more than a Redis listpack hash holds
	strValues = []string{
		"a", "hello", "", "x y", "bin\x00ary", "0", "1", "-1", "42", "-100", "007", "+1",
		"9223372036854775807", "-9223372036854775808", "9223372036854775806", "-9223372036854775807",
		"18446744073709551616", "1.5", "-0.25", "1e3", "inf", "abc", "3.0", "0.1",
	}
	intArgs = []string{
		"1", "-1", "0", "5", "-7", "100", "9223372036854775807", "-9223372036854775808",
		"abc", "1.5", "+1", "007", "99999999999999999999", "",
	}
	floatArgs = []string{
		"1.5", "-0.25", "1e3", "inf", "-inf", "abc", "0", "3", "0.1", "-1.5e2", "10.50", " 1", "5.0e-1", "",
	}
	fields     = []string{"f1", "f2", "f3", "f4", "f5", "f6"}
	strMembers = []string{"m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8"}
	intMembers = []string{"1", "2", "3", "-5", "0", "100", "9223372036854775807", "-9223372036854775808"}
	// listElems are few, so that LREM, LPOS and LINSERT find their
	// elements and pivots often.
	listElems  = []string{"a", "b", "c", "a", "b", "1", "2", "", "x y", "bin\x00ary"}
	listCounts = []string{"0", "1", "1", "2", "3", "5", "100", "-1", "-2", "abc", "9223372036854775807", "-9223372036854775808"}
	randCounts = []string{"1", "2", "3", "5", "10", "0", "-1", "-3", "-10", "abc", "-9223372036854775808", "1000000"}
	rangeArgs  = []string{"0", "1", "2", "-1", "-2", "-3", "5", "10", "-100", "100", "abc",
		"9223372036854775807", "-9223372036854775808"}
	badTimes = []string{"abc", "1.5", "", "9223372036854775807", "-9223372036854775808"}
)

// key picks from a family, and sometimes any key, to provoke WRONGTYPE.
func (g *gen) key(family []string) string {
	if g.p(0.08) {
		return g.anyKey()
	}
	return oneOf(g, family...)
}

func (g *gen) anyKey() string {
	if g.p(0.04) {
		return "nokey"
	}
	if len(g.extraKeys) > 0 && g.p(0.5) {
		return oneOf(g, g.extraKeys...)
	}
	return oneOf(g, allKeys...)
}

func (g *gen) keys(family []string, lo, hi int) []string {
	out := make([]string, lo+g.n(hi-lo+1))
	for i := range out {
		out[i] = g.key(family)
	}
	return out
}

// abcString is a string of up to max bytes from a three-letter alphabet:
// two of them have long common subsequences, and ties (LCS) to break.
func abcString(g *gen, max int) string {
	b := make([]byte, g.n(max+1))
	for i := range b {
		b[i] = "abc"[g.n(3)]
	}
	return string(b)
}

// genLCS: LCS of two string keys with a random run of its options, now
// and then a wrong one.
func genLCS(g *gen) step {
	args := []string{g.key(strKeys), g.key(strKeys)}
	for n := g.n(4); n > 0; n-- {
		switch g.n(9) {
		case 0, 1:
			args = append(args, g.word("IDX"))
		case 2:
			args = append(args, g.word("LEN"))
		case 3, 4:
			args = append(args, g.word("WITHMATCHLEN"))
		case 5, 6:
			args = append(args, g.word("MINMATCHLEN"), oneOf(g, "0", "1", "2", "3", "5", "-1", "abc"))
		case 7:
			args = append(args, oneOf(g, "MINMATCHLEN", "FOO"))
		case 8:
			if g.p(0.5) {
				args = []string{g.anyKey(), g.key(strKeys)}
			}
		}
	}
	return g.cmd("LCS", args...)
}

func (g *gen) value() string {
	if g.p(0.03) {
		return longValue
	}
	return oneOf(g, strValues...)
}

func (g *gen) field() string {
	if g.p(0.03) {
		return "fx"
	}
	return oneOf(g, fields...)
}

func (g *gen) fieldList(lo, hi int) []string {
	out := make([]string, lo+g.n(hi-lo+1))
	for i := range out {
		out[i] = g.field()
	}
	return out
}

// member favours integers (intsets in Redis) for t1..t3, strings for t4..t6.
func (g *gen) member(key string) string {
	ints := key == "t1" || key == "t2" || key == "t3"
	if g.p(0.2) {
		ints = !ints
	}
	if g.p(0.02) {
		return "01" // not an integer to an intset
	}
	if ints {
		return oneOf(g, intMembers...)
	}
	return oneOf(g, strMembers...)
}

func (g *gen) members(key string, lo, hi int) []string {
	out := make([]string, lo+g.n(hi-lo+1))
	for i := range out {
		out[i] = g.member(key)
	}
	return out
}

// listElem is a list element: mostly one of a few, sometimes a long one.
func (g *gen) listElem() string {
	if g.p(0.02) {
		return longValue
	}
	return oneOf(g, listElems...)
}

// listIndex is an index for LRANGE, LINDEX, LSET and LTRIM: mostly small,
// negative counting from the tail, sometimes out of range or not a number.
func (g *gen) listIndex() string {
	if g.p(0.15) {
		return oneOf(g, rangeArgs...)
	}
	return strconv.Itoa(g.n(9) - 4)
}

// listEnd is LEFT or RIGHT, and rarely neither.
func (g *gen) listEnd() string {
	if g.p(0.03) {
		return oneOf(g, "UP", "")
	}
	return g.word(oneOf(g, "LEFT", "RIGHT"))
}

// db is a database index for MOVE, COPY DB and SWAPDB.
func (g *gen) db() string {
	if g.p(0.1) {
		return oneOf(g, "16", "-1", "abc")
	}
	return oneOf(g, "0", "1", "2")
}

// Relative and absolute expiry times, all at least 100s ahead and spread
// widely, so nothing expires during the test and GT/LT never hinge on the
// few milliseconds between the two servers.
func (g *gen) relSec() string { return strconv.Itoa(100 + g.n(99900)) }
func (g *gen) relMs() string  { return strconv.Itoa(100000 + g.n(99900000)) }
func (g *gen) absSec() string { return strconv.FormatInt(g.base+100+int64(g.n(99900)), 10) }
func (g *gen) absMs() string {
	return strconv.FormatInt((g.base+100)*1000+int64(g.n(99900000)), 10)
}

// expiryOpt is one of SET's and GETEX's expiry options, valid.
func (g *gen) expiryOpt(keepTTL bool) []string {
	k := g.n(4)
	if keepTTL {
		k = g.n(5)
	}
	switch k {
	case 0:
		return []string{g.word("EX"), g.relSec()}
	case 1:
		return []string{g.word("PX"), g.relMs()}
	case 2:
		return []string{g.word("EXAT"), g.absSec()}
	case 3:
		return []string{g.word("PXAT"), g.absMs()}
	}
	return []string{g.word("KEEPTTL")}
}

func flatten(head []string, opts [][]string) []string {
	for _, o := range opts {
		head = append(head, o...)
	}
	return head
}

// SET key value [NX | XX] [GET] [EX seconds | PX milliseconds |
// EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]
func genSet(g *gen) step {
	var opts [][]string
	if g.p(0.3) {
		opts = append(opts, []string{g.word(oneOf(g, "NX", "XX"))})
	}
	if g.p(0.25) {
		opts = append(opts, []string{g.word("GET")})
	}
	if g.p(0.45) {
		opts = append(opts, g.expiryOpt(true))
	}
	if g.p(0.08) { // duplicates, conflicts, bad values
		opts = append(opts, oneOf(g, []string{"NX"}, []string{"XX"}, []string{"GET"}, []string{"KEEPTTL"},
			[]string{"EX", g.relSec()}, []string{"PX"}, []string{"FOO"}, []string{"EX", "0"},
			[]string{"PX", "-5"}, []string{"EX", "abc"}, []string{"EXAT", "9223372036854775807"}))
	}
	// No times in the past: Redis 7.0 then keeps the expired key until its
	// expiry cycle or the next access, so DBSIZE and WATCH would depend on
	// timing. GETEX and the EXPIRE family, which delete at once, cover them.
	shuffle(g, opts)
	return g.cmd("SET", flatten([]string{g.key(strKeys), g.value()}, opts)...)
}

// GETEX key [EX seconds | PX milliseconds | EXAT unix-time-seconds |
// PXAT unix-time-milliseconds | PERSIST]
func genGetex(g *gen) step {
	args := []string{g.key(strKeys)}
	switch x := g.n(100); {
	case x < 25:
	case x < 70:
		args = append(args, g.expiryOpt(false)...)
	case x < 82:
		args = append(args, g.word("PERSIST"))
	case x < 87:
		args = append(args, oneOf(g, "EXAT", "PXAT"), "1") // in the past: deletes the key
	default:
		args = append(args, oneOf(g, []string{"EX"}, []string{"EX", "0"}, []string{"PX", "abc"},
			[]string{"PERSIST", "EX", "100"}, []string{"FOO"}, []string{"EX", "100", "PX", "100000"},
			[]string{"KEEPTTL"}, []string{"EX", "9223372036854775807"})...)
	}
	return g.cmd("GETEX", args...)
}

// EXPIRE key seconds [NX | XX | GT | LT], and PEXPIRE, EXPIREAT, PEXPIREAT.
func genExpire(name string, millis, abs bool) func(*gen) step {
	return func(g *gen) step {
		var tm string
		switch x := g.n(100); {
		case x < 6: // in the past: deletes the key
			switch {
			case abs && millis:
				tm = oneOf(g, "1", strconv.FormatInt((g.base-1000)*1000, 10))
			case abs:
				tm = oneOf(g, "1", strconv.FormatInt(g.base-1000, 10))
			default:
				tm = oneOf(g, "0", "-1", "-100")
			}
		case x < 11:
			tm = oneOf(g, badTimes...)
		default:
			switch {
			case abs && millis:
				tm = g.absMs()
			case abs:
				tm = g.absSec()
			case millis:
				tm = g.relMs()
			default:
				tm = g.relSec()
			}
		}
		args := []string{g.anyKey(), tm}
		switch x := g.n(100); {
		case x < 45:
		case x < 90:
			args = append(args, g.word(oneOf(g, "NX", "XX", "GT", "LT")))
		default:
			args = append(args, oneOf(g, []string{"NX", "XX"}, []string{"GT", "LT"}, []string{"NX", "GT"},
				[]string{"XX", "GT"}, []string{"FOO"}, []string{"XX", "XX"})...)
		}
		return g.cmd(name, args...)
	}
}

// COPY source destination [DB destination-db] [REPLACE]
func genCopy(g *gen) step {
	var opts [][]string
	if g.p(0.4) {
		opts = append(opts, []string{g.word("DB"), g.db()})
	}
	if g.p(0.4) {
		opts = append(opts, []string{g.word("REPLACE")})
	}
	if g.p(0.06) {
		opts = append(opts, oneOf(g, []string{"DB"}, []string{"FOO"}, []string{"REPLACE", "x"}))
	}
	shuffle(g, opts)
	return g.cmd("COPY", flatten([]string{g.anyKey(), g.anyKey()}, opts)...)
}

// SINTERCARD numkeys key [key ...] [LIMIT limit]
func genSintercard(g *gen) step {
	keys := g.keys(setKeys, 1, 3)
	numkeys := strconv.Itoa(len(keys))
	if g.p(0.08) {
		numkeys = oneOf(g, "0", "-1", "abc", strconv.Itoa(len(keys)+1))
	}
	args := append([]string{numkeys}, keys...)
	switch x := g.n(100); {
	case x < 40:
		args = append(args, g.word("LIMIT"), oneOf(g, "0", "1", "2", "5", "-1", "abc"))
	case x < 44:
		args = append(args, oneOf(g, "FOO", "LIMIT"))
	}
	return g.cmd("SINTERCARD", args...)
}

// LPUSH key element [element ...], and RPUSH, LPUSHX, RPUSHX.
func genPush(name string) func(*gen) step {
	return func(g *gen) step {
		args := []string{g.key(listKeys)}
		for i := 1 + g.n(4); i > 0; i-- {
			args = append(args, g.listElem())
		}
		return g.cmd(name, args...)
	}
}

// LPOP key [count], and RPOP.
func genPop(name string) func(*gen) step {
	return func(g *gen) step {
		args := []string{g.key(listKeys)}
		if g.p(0.4) {
			args = append(args, oneOf(g, "0", "1", "2", "3", "10", "-1", "abc", "9223372036854775807"))
		}
		if g.p(0.03) {
			args = append(args, "1") // wrong arity
		}
		return g.cmd(name, args...)
	}
}

// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
func genLpos(g *gen) step {
	var opts [][]string
	if g.p(0.4) {
		opts = append(opts, []string{g.word("RANK"), oneOf(g, "1", "2", "3", "-1", "-2", "-3", "0", "abc", "-9223372036854775808", "9223372036854775807")})
	}
	if g.p(0.4) {
		opts = append(opts, []string{g.word("COUNT"), oneOf(g, "0", "1", "2", "5", "-1", "abc")})
	}
	if g.p(0.3) {
		opts = append(opts, []string{g.word("MAXLEN"), oneOf(g, "0", "1", "2", "4", "-1", "abc")})
	}
	if g.p(0.05) {
		opts = append(opts, oneOf(g, []string{"RANK"}, []string{"FOO", "1"}, []string{"COUNT"}))
	}
	shuffle(g, opts)
	return g.cmd("LPOS", flatten([]string{g.key(listKeys), g.listElem()}, opts)...)
}

// LMPOP numkeys key [key ...] LEFT | RIGHT [COUNT count]
func genLmpop(g *gen) step { return genMPop(g, "LMPOP", listKeys, g.listEnd) }

// genMPop builds name numkeys key [key ...] END [COUNT count] over family
// (LMPOP, ZMPOP), END drawn by end.
func genMPop(g *gen, name string, family []string, end func() string) step {
	keys := g.keys(family, 1, 3)
	numkeys := strconv.Itoa(len(keys))
	if g.p(0.08) {
		numkeys = oneOf(g, "0", "-1", "abc", strconv.Itoa(len(keys)+1), strconv.Itoa(len(keys)+5))
	}
	args := append([]string{numkeys}, keys...)
	args = append(args, end())
	switch x := g.n(100); {
	case x < 40:
		args = append(args, g.word("COUNT"), oneOf(g, "1", "2", "3", "10", "0", "-1", "abc"))
	case x < 44:
		args = append(args, oneOf(g, []string{"FOO"}, []string{"COUNT"}, []string{"COUNT", "1", "COUNT", "1"})...)
	}
	return g.cmd(name, args...)
}

// pairs returns 1..3 key-value pairs, and sometimes drops the last element
// (wrong arity).
func pairs(g *gen, k func() string, v func() string) []string {
	var out []string
	for i := 1 + g.n(3); i > 0; i-- {
		out = append(out, k(), v())
	}
	if g.p(0.05) {
		out = out[:len(out)-1]
	}
	return out
}

// arityTable holds Redis's arity of the commands under test (exact if
// positive, minimum if negative; the name counts), for wrong-arity cases.
var arityTable = []struct {
	name  string
	arity int
}{
	{"DEL", -2}, {"UNLINK", -2}, {"EXISTS", -2}, {"KEYS", 2}, {"SCAN", -2}, {"TYPE", 2},
	{"RENAME", 3}, {"RENAMENX", 3}, {"RANDOMKEY", 1}, {"COPY", -3}, {"MOVE", 3}, {"SWAPDB", 3},
	{"EXPIRE", -3}, {"PEXPIRE", -3}, {"EXPIREAT", -3}, {"PEXPIREAT", -3}, {"TTL", 2}, {"PTTL", 2},
	{"EXPIRETIME", 2}, {"PEXPIRETIME", 2}, {"PERSIST", 2}, {"DBSIZE", 1}, {"SELECT", 2},
	{"GET", 2}, {"SET", -3}, {"SETNX", 3}, {"SETEX", 4}, {"PSETEX", 4}, {"GETSET", 3},
	{"GETDEL", 2}, {"GETEX", -2}, {"MGET", -2}, {"MSET", -3}, {"MSETNX", -3}, {"INCR", 2},
	{"DECR", 2}, {"INCRBY", 3}, {"DECRBY", 3}, {"INCRBYFLOAT", 3}, {"APPEND", 3}, {"STRLEN", 2},
	{"GETRANGE", 4}, {"SETRANGE", 4}, {"SUBSTR", 4}, {"LCS", -3}, {"WAIT", 3},
	{"HSET", -4}, {"HSETNX", 4}, {"HMSET", -4}, {"HGET", 3}, {"HMGET", -3}, {"HGETALL", 2},
	{"HDEL", -3}, {"HEXISTS", 3}, {"HLEN", 2}, {"HKEYS", 2}, {"HVALS", 2}, {"HINCRBY", 4},
	{"HINCRBYFLOAT", 4}, {"HSTRLEN", 3}, {"HRANDFIELD", -2}, {"HSCAN", -3},
	{"SADD", -3}, {"SREM", -3}, {"SMEMBERS", 2}, {"SISMEMBER", 3}, {"SMISMEMBER", -3},
	{"SCARD", 2}, {"SPOP", -2}, {"SRANDMEMBER", -2}, {"SMOVE", 4}, {"SINTER", -2},
	{"SUNION", -2}, {"SDIFF", -2}, {"SINTERSTORE", -3}, {"SUNIONSTORE", -3}, {"SDIFFSTORE", -3},
	{"SINTERCARD", -3}, {"SSCAN", -3},
	{"LPUSH", -3}, {"RPUSH", -3}, {"LPUSHX", -3}, {"RPUSHX", -3}, {"LPOP", -2}, {"RPOP", -2},
	{"LLEN", 2}, {"LRANGE", 4}, {"LINDEX", 3}, {"LSET", 4}, {"LINSERT", 5}, {"LREM", 4},
	{"LTRIM", 4}, {"LPOS", -3}, {"LMOVE", 5}, {"RPOPLPUSH", 3}, {"LMPOP", -4}, {"ECHO", 2},
}

// genArity sends a command with too few (or, for a fixed arity, too many)
// arguments: "ERR wrong number of arguments for 'get' command".
func genArity(g *gen) step {
	e := oneOf(g, arityTable...)
	var argc int
	if e.arity > 0 {
		argc = 1 + g.n(e.arity) // 1..arity
		if argc == e.arity {
			argc++
		}
	} else {
		argc = 1 + g.n(-e.arity-1) // 1..min-1
	}
	args := make([]string, argc-1)
	for i := range args {
		args[i] = g.anyKey()
	}
	return g.cmd(e.name, args...)
}

// genUnknown sends an unknown command: "ERR unknown command 'FOO', with
// args beginning with: 'a' ", where Redis cuts the name and the arguments
// at 128 bytes.
func genUnknown(g *gen) step {
	name := oneOf(g, "FOO", "getx", "SETT", "hgetall2", "XYZZY", "SMEMBER")
	if g.p(0.1) {
		name = oneOf(g, "", strings.Repeat("LONGNAME", 20))
	}
	args := []string{name}
	for i := g.n(3); i > 0; i-- {
		if g.p(0.2) {
			args = append(args, longValue+longValue)
		} else {
			args = append(args, g.anyKey())
		}
	}
	return step{args: args}
}

// genEntry is one row of the generator table: a simple command (one step,
// usable inside MULTI unless noTx) or a special sequence run at top level.
type genEntry struct {
	name    string
	weight  int
	noTx    bool
	simple  func(*gen) step
	special func(*differ)
}

func mode(m cmpMode, f func(*gen) step) func(*gen) step {
	return func(g *gen) step { st := f(g); st.mode = m; return st }
}

// hashMode makes a step with a hash-order mode; the hash is args[1].
func hashMode(m cmpMode, f func(*gen) step) func(*gen) step {
	return func(g *gen) step { st := f(g); st.mode, st.key = m, st.args[1]; return st }
}

func diffGens() []genEntry {
	return []genEntry{
		// Keys.
		{name: "DEL", weight: 7, simple: func(g *gen) step { return g.cmd("DEL", g.keys(allKeys, 1, 3)...) }},
		{name: "UNLINK", weight: 4, simple: func(g *gen) step { return g.cmd("UNLINK", g.keys(allKeys, 1, 3)...) }},
		{name: "EXISTS", weight: 6, simple: func(g *gen) step { return g.cmd("EXISTS", g.keys(allKeys, 1, 4)...) }},
		{name: "KEYS", weight: 6, simple: mode(cmpUnordered, func(g *gen) step { return g.cmd("KEYS", oneOf(g, keyPatterns...)) })},
		{name: "SCAN", weight: 7, special: func(d *differ) { d.scan("SCAN") }},
		{name: "TYPE", weight: 6, simple: func(g *gen) step { return g.cmd("TYPE", g.anyKey()) }},
		{name: "RENAME", weight: 5, simple: func(g *gen) step { return g.cmd("RENAME", g.anyKey(), g.anyKey()) }},
		{name: "RENAMENX", weight: 4, simple: func(g *gen) step { return g.cmd("RENAMENX", g.anyKey(), g.anyKey()) }},
		{name: "RANDOMKEY", weight: 5, special: (*differ).randomKey},
		{name: "COPY", weight: 6, simple: genCopy},
		{name: "MOVE", weight: 4, simple: func(g *gen) step { return g.cmd("MOVE", g.anyKey(), g.db()) }},
		{name: "SWAPDB", weight: 2, simple: func(g *gen) step { return g.cmd("SWAPDB", g.db(), g.db()) }},
		{name: "SELECT", weight: 6, noTx: true, simple: func(g *gen) step {
			return g.cmd("SELECT", oneOf(g, "0", "0", "0", "0", "0", "0", "1", "1", "2", "2", "16", "-1", "abc"))
		}},
		{name: "FLUSHDB", weight: 1, simple: func(g *gen) step {
			return g.cmd("FLUSHDB", oneOf(g, []string{}, []string{}, []string{"ASYNC"}, []string{"sync"}, []string{"FOO"})...)
		}},
		{name: "EXPIRE", weight: 6, simple: genExpire("EXPIRE", false, false)},
		{name: "PEXPIRE", weight: 5, simple: genExpire("PEXPIRE", true, false)},
		{name: "EXPIREAT", weight: 5, simple: genExpire("EXPIREAT", false, true)},
		{name: "PEXPIREAT", weight: 5, simple: genExpire("PEXPIREAT", true, true)},
		{name: "TTL", weight: 5, simple: mode(cmpTolSeconds, func(g *gen) step { return g.cmd("TTL", g.anyKey()) })},
		{name: "PTTL", weight: 4, simple: mode(cmpTolMillis, func(g *gen) step { return g.cmd("PTTL", g.anyKey()) })},
		{name: "EXPIRETIME", weight: 4, simple: mode(cmpTolSeconds, func(g *gen) step { return g.cmd("EXPIRETIME", g.anyKey()) })},
		{name: "PEXPIRETIME", weight: 4, simple: mode(cmpTolMillis, func(g *gen) step { return g.cmd("PEXPIRETIME", g.anyKey()) })},
		{name: "PERSIST", weight: 4, simple: func(g *gen) step { return g.cmd("PERSIST", g.anyKey()) }},
		{name: "DBSIZE", weight: 4, simple: func(g *gen) step { return g.cmd("DBSIZE") }},

		// Strings.
		{name: "GET", weight: 12, simple: func(g *gen) step { return g.cmd("GET", g.key(strKeys)) }},
		{name: "SET", weight: 25, simple: genSet},
		{name: "SETNX", weight: 4, simple: func(g *gen) step { return g.cmd("SETNX", g.key(strKeys), g.value()) }},
		{name: "SETEX", weight: 4, simple: func(g *gen) step {
			sec := g.relSec()
			if g.p(0.15) {
				sec = oneOf(g, "0", "-1", "abc", "9223372036854775807")
			}
			return g.cmd("SETEX", g.key(strKeys), sec, g.value())
		}},
		{name: "PSETEX", weight: 3, simple: func(g *gen) step {
			ms := g.relMs()
			if g.p(0.15) {
				ms = oneOf(g, "0", "-1", "abc")
			}
			return g.cmd("PSETEX", g.key(strKeys), ms, g.value())
		}},
		{name: "GETSET", weight: 4, simple: func(g *gen) step { return g.cmd("GETSET", g.key(strKeys), g.value()) }},
		{name: "GETDEL", weight: 4, simple: func(g *gen) step { return g.cmd("GETDEL", g.key(strKeys)) }},
		{name: "GETEX", weight: 6, simple: genGetex},
		{name: "MGET", weight: 6, simple: func(g *gen) step { return g.cmd("MGET", g.keys(strKeys, 1, 4)...) }},
		{name: "MSET", weight: 5, simple: func(g *gen) step {
			return g.cmd("MSET", pairs(g, func() string { return g.key(strKeys) }, g.value)...)
		}},
		{name: "MSETNX", weight: 4, simple: func(g *gen) step {
			return g.cmd("MSETNX", pairs(g, func() string { return g.key(strKeys) }, g.value)...)
		}},
		{name: "INCR", weight: 5, simple: func(g *gen) step { return g.cmd("INCR", g.key(strKeys)) }},
		{name: "DECR", weight: 4, simple: func(g *gen) step { return g.cmd("DECR", g.key(strKeys)) }},
		{name: "INCRBY", weight: 5, simple: func(g *gen) step { return g.cmd("INCRBY", g.key(strKeys), oneOf(g, intArgs...)) }},
		{name: "DECRBY", weight: 4, simple: func(g *gen) step { return g.cmd("DECRBY", g.key(strKeys), oneOf(g, intArgs...)) }},
		{name: "INCRBYFLOAT", weight: 6, simple: func(g *gen) step {
			return g.cmd("INCRBYFLOAT", g.key(strKeys), oneOf(g, floatArgs...))
		}},
		{name: "APPEND", weight: 5, simple: func(g *gen) step { return g.cmd("APPEND", g.key(strKeys), g.value()) }},
		{name: "STRLEN", weight: 4, simple: func(g *gen) step { return g.cmd("STRLEN", g.key(strKeys)) }},
		{name: "GETRANGE", weight: 5, simple: func(g *gen) step {
			return g.cmd("GETRANGE", g.key(strKeys), oneOf(g, rangeArgs...), oneOf(g, rangeArgs...))
		}},
		{name: "SUBSTR", weight: 2, simple: func(g *gen) step {
			return g.cmd("SUBSTR", g.key(strKeys), oneOf(g, rangeArgs...), oneOf(g, rangeArgs...))
		}},
		{name: "SET abc", weight: 3, simple: func(g *gen) step {
			return g.cmd("SET", g.key(strKeys), abcString(g, 30))
		}},
		{name: "LCS", weight: 6, simple: genLCS},
		// With no replica (Redis) or no other member (one node), WAIT
		// counts 0; it is never sent so as to wait for good.
		{name: "WAIT", weight: 1, simple: func(g *gen) step {
			n := oneOf(g, "0", "-1", "1", "2", "x", "9223372036854775808", "+1", "01")
			timeout := oneOf(g, "0", "5", "abc", "-1", "1.5", "+0", "-0", "00")
			if (n == "1" || n == "2") && timeout == "0" {
				timeout = "5"
			}
			return g.cmd("WAIT", n, timeout)
		}},
		{name: "SETRANGE", weight: 5, simple: func(g *gen) step {
			v := g.value()
			if g.p(0.1) {
				v = ""
			}
			return g.cmd("SETRANGE", g.key(strKeys), oneOf(g, "0", "1", "3", "5", "10", "0", "2", "-1", "abc", "536870912"), v)
		}},

		// Hashes.
		{name: "HSET", weight: 25, simple: func(g *gen) step {
			return g.cmd("HSET", append([]string{g.key(hashKeys)}, pairs(g, g.field, g.value)...)...)
		}},
		{name: "HSETNX", weight: 5, simple: func(g *gen) step { return g.cmd("HSETNX", g.key(hashKeys), g.field(), g.value()) }},
		{name: "HMSET", weight: 5, simple: func(g *gen) step {
			return g.cmd("HMSET", append([]string{g.key(hashKeys)}, pairs(g, g.field, g.value)...)...)
		}},
		{name: "HGET", weight: 10, simple: func(g *gen) step { return g.cmd("HGET", g.key(hashKeys), g.field()) }},
		{name: "HMGET", weight: 6, simple: func(g *gen) step {
			return g.cmd("HMGET", append([]string{g.key(hashKeys)}, g.fieldList(1, 4)...)...)
		}},
		{name: "HGETALL", weight: 10, simple: hashMode(cmpHashPairs, func(g *gen) step { return g.cmd("HGETALL", g.key(hashKeys)) })},
		{name: "HDEL", weight: 8, simple: func(g *gen) step {
			return g.cmd("HDEL", append([]string{g.key(hashKeys)}, g.fieldList(1, 3)...)...)
		}},
		{name: "HEXISTS", weight: 4, simple: func(g *gen) step { return g.cmd("HEXISTS", g.key(hashKeys), g.field()) }},
		{name: "HLEN", weight: 5, simple: func(g *gen) step { return g.cmd("HLEN", g.key(hashKeys)) }},
		{name: "HKEYS", weight: 6, simple: hashMode(cmpHashFields, func(g *gen) step { return g.cmd("HKEYS", g.key(hashKeys)) })},
		{name: "HVALS", weight: 5, simple: hashMode(cmpHashFields, func(g *gen) step { return g.cmd("HVALS", g.key(hashKeys)) })},
		{name: "HINCRBY", weight: 6, simple: func(g *gen) step {
			return g.cmd("HINCRBY", g.key(hashKeys), g.field(), oneOf(g, intArgs...))
		}},
		{name: "HINCRBYFLOAT", weight: 6, simple: func(g *gen) step {
			return g.cmd("HINCRBYFLOAT", g.key(hashKeys), g.field(), oneOf(g, floatArgs...))
		}},
		{name: "HSTRLEN", weight: 4, simple: func(g *gen) step { return g.cmd("HSTRLEN", g.key(hashKeys), g.field()) }},
		{name: "HRANDFIELD", weight: 8, special: (*differ).hrandfield},
		{name: "HSCAN", weight: 6, special: func(d *differ) { d.scan("HSCAN") }},

		// Sets.
		{name: "SADD", weight: 25, simple: func(g *gen) step {
			k := g.key(setKeys)
			return g.cmd("SADD", append([]string{k}, g.members(k, 1, 4)...)...)
		}},
		{name: "SREM", weight: 8, simple: func(g *gen) step {
			k := g.key(setKeys)
			return g.cmd("SREM", append([]string{k}, g.members(k, 1, 3)...)...)
		}},
		{name: "SMEMBERS", weight: 10, simple: mode(cmpUnordered, func(g *gen) step { return g.cmd("SMEMBERS", g.key(setKeys)) })},
		{name: "SISMEMBER", weight: 5, simple: func(g *gen) step { k := g.key(setKeys); return g.cmd("SISMEMBER", k, g.member(k)) }},
		{name: "SMISMEMBER", weight: 5, simple: func(g *gen) step {
			k := g.key(setKeys)
			return g.cmd("SMISMEMBER", append([]string{k}, g.members(k, 1, 4)...)...)
		}},
		{name: "SCARD", weight: 5, simple: func(g *gen) step { return g.cmd("SCARD", g.key(setKeys)) }},
		{name: "SPOP", weight: 6, special: (*differ).spop},
		{name: "SRANDMEMBER", weight: 8, special: (*differ).srandmember},
		{name: "SMOVE", weight: 6, simple: func(g *gen) step {
			src := g.key(setKeys)
			return g.cmd("SMOVE", src, g.key(setKeys), g.member(src))
		}},
		{name: "SINTER", weight: 5, simple: mode(cmpUnordered, func(g *gen) step { return g.cmd("SINTER", g.keys(setKeys, 1, 3)...) })},
		{name: "SUNION", weight: 5, simple: mode(cmpUnordered, func(g *gen) step { return g.cmd("SUNION", g.keys(setKeys, 1, 3)...) })},
		{name: "SDIFF", weight: 5, simple: mode(cmpUnordered, func(g *gen) step { return g.cmd("SDIFF", g.keys(setKeys, 1, 3)...) })},
		{name: "SINTERSTORE", weight: 4, simple: func(g *gen) step { return g.cmd("SINTERSTORE", g.keys(setKeys, 2, 4)...) }},
		{name: "SUNIONSTORE", weight: 4, simple: func(g *gen) step { return g.cmd("SUNIONSTORE", g.keys(setKeys, 2, 4)...) }},
		{name: "SDIFFSTORE", weight: 4, simple: func(g *gen) step { return g.cmd("SDIFFSTORE", g.keys(setKeys, 2, 4)...) }},
		{name: "SINTERCARD", weight: 5, simple: genSintercard},
		{name: "SSCAN", weight: 6, special: func(d *differ) { d.scan("SSCAN") }},

		// Lists.
		{name: "LPUSH", weight: 14, simple: genPush("LPUSH")},
		{name: "RPUSH", weight: 14, simple: genPush("RPUSH")},
		{name: "LPUSHX", weight: 4, simple: genPush("LPUSHX")},
		{name: "RPUSHX", weight: 4, simple: genPush("RPUSHX")},
		{name: "LPOP", weight: 6, simple: genPop("LPOP")},
		{name: "RPOP", weight: 6, simple: genPop("RPOP")},
		{name: "LLEN", weight: 5, simple: func(g *gen) step { return g.cmd("LLEN", g.key(listKeys)) }},
		{name: "LRANGE", weight: 12, simple: func(g *gen) step {
			return g.cmd("LRANGE", g.key(listKeys), g.listIndex(), g.listIndex())
		}},
		{name: "LINDEX", weight: 6, simple: func(g *gen) step { return g.cmd("LINDEX", g.key(listKeys), g.listIndex()) }},
		{name: "LSET", weight: 5, simple: func(g *gen) step {
			return g.cmd("LSET", g.key(listKeys), g.listIndex(), g.listElem())
		}},
		{name: "LINSERT", weight: 6, simple: func(g *gen) step {
			where := g.word(oneOf(g, "BEFORE", "AFTER"))
			if g.p(0.05) {
				where = oneOf(g, "MIDDLE", "")
			}
			return g.cmd("LINSERT", g.key(listKeys), where, g.listElem(), g.listElem())
		}},
		{name: "LREM", weight: 5, simple: func(g *gen) step {
			return g.cmd("LREM", g.key(listKeys), oneOf(g, listCounts...), g.listElem())
		}},
		{name: "LTRIM", weight: 3, simple: func(g *gen) step {
			start, stop := oneOf(g, "0", "0", "1", "-3", "-5"), oneOf(g, "-1", "-1", "-2", "3", "5", "10")
			if g.p(0.2) {
				start, stop = g.listIndex(), g.listIndex()
			}
			return g.cmd("LTRIM", g.key(listKeys), start, stop)
		}},
		{name: "LPOS", weight: 7, simple: genLpos},
		{name: "LMOVE", weight: 6, simple: func(g *gen) step {
			return g.cmd("LMOVE", g.key(listKeys), g.key(listKeys), g.listEnd(), g.listEnd())
		}},
		{name: "RPOPLPUSH", weight: 4, simple: func(g *gen) step { return g.cmd("RPOPLPUSH", g.key(listKeys), g.key(listKeys)) }},
		{name: "LMPOP", weight: 6, simple: genLmpop},

		// Transactions, and the odd ones out.
		{name: "MULTI", weight: 22, special: (*differ).txn},
		{name: "stray EXEC/DISCARD/UNWATCH", weight: 2, noTx: true, simple: func(g *gen) step {
			return g.cmd(oneOf(g, "EXEC", "DISCARD", "UNWATCH"))
		}},
		{name: "PING", weight: 2, simple: func(g *gen) step {
			return g.cmd("PING", oneOf(g, []string{}, []string{"hello"}, []string{""}, []string{"a", "b"})...)
		}},
		{name: "ECHO", weight: 2, simple: func(g *gen) step {
			return g.cmd("ECHO", oneOf(g, []string{"hello"}, []string{""}, []string{"bin\x00ary"}, []string{}, []string{"a", "b"})...)
		}},
		{name: "unknown command", weight: 3, simple: genUnknown},
		{name: "wrong arity", weight: 10, simple: genArity},
	}
}

// picker draws weighted entries.
type picker struct {
	entries []genEntry
	cum     []int
}

func newPicker(all []genEntry, keep func(genEntry) bool) *picker {
	p := &picker{}
	total := 0
	for _, e := range all {
		if keep(e) {
			total += e.weight
			p.entries = append(p.entries, e)
			p.cum = append(p.cum, total)
		}
	}
	return p
}

func (p *picker) pick(g *gen) genEntry {
	x := g.n(p.cum[len(p.cum)-1])
	i, _ := slices.BinarySearch(p.cum, x+1)
	return p.entries[i]
}

// coverage renders the per-command counts, a few to a line; unknown
// commands are counted together.
func (d *differ) coverage(want []string) string {
	counts := map[string]int{}
	for name, n := range d.counts {
		if !slices.Contains(want, name) {
			name = "(unknown)"
		}
		counts[name] += n
	}
	names := make([]string, 0, len(counts))
	for name := range counts {
		names = append(names, name)
	}
	slices.Sort(names)
	var sb strings.Builder
	for i, name := range names {
		fmt.Fprintf(&sb, "%-14s %5d", name, counts[name])
		if i%6 == 5 || i == len(names)-1 {
			sb.WriteByte('\n')
		} else {
			sb.WriteString("   ")
		}
	}
	return sb.String()
}
