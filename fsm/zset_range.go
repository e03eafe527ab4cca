package fsm

import "strings"

// Score and lex ranges of the sorted-set commands, parsed and applied as
// Redis 7.0 does.

const (
	errMinMaxFloat = "ERR min or max is not a float"
	errMinMaxLex   = "ERR min or max not valid string range item"
)

// scoreRange is min..max with each end included unless its flag is set.
type scoreRange struct {
	min, max     float64
	minEx, maxEx bool
}

// parseScoreRange parses ZRANGEBYSCORE's min and max: a leading '('
// excludes the end; the rest is read as zslParseRange does.
func parseScoreRange(min, max []byte) (scoreRange, bool) {
	var r scoreRange
	var ok1, ok2 bool
	r.min, r.minEx, ok1 = parseScoreBound(min)
	r.max, r.maxEx, ok2 = parseScoreBound(max)
	return r, ok1 && ok2
}

func parseScoreBound(b []byte) (f float64, ex, ok bool) {
	if len(b) > 0 && b[0] == '(' {
		ex = true
		b = b[1:]
	}
	f, ok = parseRangeScore(b)
	return f, ex, ok
}

// empty reports whether no score can be in the range.
func (r scoreRange) empty() bool {
	return r.min > r.max || (r.min == r.max && (r.minEx || r.maxEx))
}

func (r scoreRange) lteMax(s float64) bool {
	if r.maxEx {
		return s < r.max
	}
	return s <= r.max
}

func (r scoreRange) gteMin(s float64) bool {
	if r.minEx {
		return s > r.min
	}
	return s >= r.min
}

// span returns the positions [lo, hi) of z's members in the range.
func (r scoreRange) span(z *zsetValue) (lo, hi int) {
	if z.Len() == 0 || r.empty() {
		return 0, 0
	}
	lo = z.scoreBelow(r.min, r.minEx)
	hi = z.scoreBelow(r.max, !r.maxEx)
	return lo, max(lo, hi)
}

// lexBound is one end of a lex range: a string, or "-" (below every
// string) or "+" (above every string).
type lexBound struct {
	s    string
	kind int8 // -1: "-", +1: "+", 0: s
}

// lexRange is min..max with each end included unless its flag is set; "-"
// and "+" are always exclusive, as in Redis.
type lexRange struct {
	min, max     lexBound
	minEx, maxEx bool
}

// parseLexRange parses ZRANGEBYLEX's min and max: "[x" includes x, "(x"
// excludes it, "-" and "+" are the ends of the string space.
func parseLexRange(min, max []byte) (lexRange, bool) {
	var r lexRange
	var ok1, ok2 bool
	r.min, r.minEx, ok1 = parseLexBound(min)
	r.max, r.maxEx, ok2 = parseLexBound(max)
	return r, ok1 && ok2
}

// parseLexBound is zslParseLexRangeItem. "+" and "-" are tested as C
// strings: "+" followed by a NUL byte is "+" too.
func parseLexBound(b []byte) (lexBound, bool, bool) {
	if len(b) == 0 {
		return lexBound{}, false, false
	}
	switch b[0] {
	case '+', '-':
		if len(b) > 1 && b[1] != 0 {
			return lexBound{}, false, false
		}
		kind := int8(1)
		if b[0] == '-' {
			kind = -1
		}
		return lexBound{kind: kind}, true, true
	case '(':
		return lexBound{s: string(b[1:])}, true, true
	case '[':
		return lexBound{s: string(b[1:])}, false, true
	}
	return lexBound{}, false, false
}

// cmpLex compares member m with bound b.
func cmpLex(m string, b lexBound) int {
	if b.kind != 0 {
		return -int(b.kind)
	}
	return strings.Compare(m, b.s)
}

// cmpBounds compares two bounds as Redis's sdscmplex.
func cmpBounds(a, b lexBound) int {
	switch {
	case a.kind == b.kind && a.kind != 0:
		return 0
	case a.kind == -1 || b.kind == 1:
		return -1
	case a.kind == 1 || b.kind == -1:
		return 1
	}
	return strings.Compare(a.s, b.s)
}

func (r lexRange) empty() bool {
	c := cmpBounds(r.min, r.max)
	return c > 0 || (c == 0 && (r.minEx || r.maxEx))
}

func (r lexRange) gteMin(m string) bool {
	if r.minEx {
		return cmpLex(m, r.min) > 0
	}
	return cmpLex(m, r.min) >= 0
}

func (r lexRange) lteMax(m string) bool {
	if r.maxEx {
		return cmpLex(m, r.max) < 0
	}
	return cmpLex(m, r.max) <= 0
}

// Lex ranges are meant for sorted sets whose members all have one score;
// there the tree's order is lex order and the ends are found by binary
// search. Redis answers for other sorted sets too, and the answer follows
// from how it walks a listpack: from the head to the first member >= min,
// then on while members are <= max (from the tail to the first member <=
// max, then back while >= min, in reverse). We walk the same way, so the
// replies are Redis's for every sorted set that Redis keeps as a listpack
// and deterministic for the others (where Redis's depend on its
// skiplist's random levels).

// inLex reports whether anything can be in range, as zslIsInLexRange:
// the range is not empty, the last member is >= min and the first <= max.
func (r lexRange) inLex(z *zsetValue) bool {
	n := z.Len()
	return n > 0 && !r.empty() && r.gteMin(z.At(n-1).member) && r.lteMax(z.At(0).member)
}

// firstInLex is the position the forward walk starts at, or -1.
func (r lexRange) firstInLex(z *zsetValue) int {
	if !r.inLex(z) {
		return -1
	}
	var i int
	if z.uniform() {
		i = z.search(func(it zsetItem) bool { return !r.gteMin(it.member) })
	} else {
		for i = 0; i < z.Len() && !r.gteMin(z.At(i).member); i++ {
		}
	}
	if i >= z.Len() || !r.lteMax(z.At(i).member) {
		return -1
	}
	return i
}

// lastInLex is the position the reverse walk starts at, or -1.
func (r lexRange) lastInLex(z *zsetValue) int {
	if !r.inLex(z) {
		return -1
	}
	var i int
	if z.uniform() {
		i = z.search(func(it zsetItem) bool { return r.lteMax(it.member) }) - 1
	} else {
		for i = z.Len() - 1; i >= 0 && !r.lteMax(z.At(i).member); i-- {
		}
	}
	if i < 0 || !r.gteMin(z.At(i).member) {
		return -1
	}
	return i
}

// forwardSpan returns the positions [lo, hi) of the forward walk, which
// ZLEXCOUNT counts and ZREMRANGEBYLEX removes.
func (r lexRange) forwardSpan(z *zsetValue) (lo, hi int) {
	lo = r.firstInLex(z)
	if lo < 0 {
		return 0, 0
	}
	if z.uniform() {
		return lo, z.search(func(it zsetItem) bool { return r.lteMax(it.member) })
	}
	hi = lo
	z.ascendFrom(lo, func(i int, it zsetItem) bool {
		if !r.lteMax(it.member) {
			return false
		}
		hi = i + 1
		return true
	})
	return lo, hi
}
