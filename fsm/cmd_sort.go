package fsm

import (
	"bytes"
	"math"
	"slices"
	"strconv"
)

// SORT and SORT_RO, as Redis 7.0's sortCommandGeneric, on lists and sets.
// (Sorted sets are one more case in sortElements when they exist: BY
// nosort keeps their score order, as it keeps a list's order.)
//
// SORT is a write because of STORE, so even a SORT without STORE goes
// through the log: resp routes by the command's flags alone (FlagWrite and
// FlagLogged are proposed, FlagReadOnly served locally), and nothing in
// the table says "a write only with this option". SORT_RO, readonly as in
// Redis and refusing STORE, goes through the log too (FlagLogged): like
// SORT it converts a listpack sorted set to a skiplist.
//
// The order is Redis's, tie for tie:
//   - numeric sorts compare the scores (strtod of the element or of the BY
//     value, 0 for a missing BY key), then the elements byte-wise, which is
//     a total order;
//   - ALPHA compares the elements (or BY values, a missing one first) as
//     strcoll in redis-server's C.UTF-8 locale does, that is byte-wise up
//     to the first NUL; with STORE, byte-wise over the whole string;
//   - equal ALPHA keys keep their input order, as glibc's qsort (a merge
//     sort) does, except when BY and LIMIT are both given: Redis then uses
//     its own partial quicksort (pqsort), which we run too, so that ties come
//     out in the same order.
//
// Input order is the list's order, or the set's omap order (Redis leaves a
// set's order unspecified). BY nosort on a set without STORE returns that
// order; with STORE Redis sorts ALPHA instead, so the stored list is the
// same everywhere.
func init() {
	register([]Command{
		{Name: "sort", Syntax: "key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC] [ALPHA:sorting] [STORE destination]", Arity: -2, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Summary: "Sorts the elements of a list or set, optionally by other keys, and returns or stores them.", Fn: cmdSort},
		{Name: "sort_ro", Syntax: "key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC] [ALPHA:sorting]", Arity: -2, Flags: FlagReadOnly | FlagLogged, FirstKey: 1, LastKey: 1, Step: 1, Group: "generic", Summary: "Sorts the elements of a list or set, optionally by other keys, and returns them.", Fn: cmdSortRO},
	})
}

const errSortScore = "ERR One or more scores can't be converted into double"

// sortOpts are the parsed options of a SORT.
type sortOpts struct {
	desc, alpha, dontSort  bool
	limitStart, limitCount int64
	by                     []byte // nil: sort by the elements
	gets                   [][]byte
	store                  []byte // nil: reply
}

// parseSort parses SORT's options from argv[2:]; an empty error means ok.
func parseSort(argv [][]byte, readOnly bool) (sortOpts, string) {
	o := sortOpts{limitCount: -1}
	for j := 2; j < len(argv); j++ {
		left := len(argv) - j - 1
		switch arg := cstr(argv[j]); {
		case eqFold(arg, "asc"):
			o.desc = false
		case eqFold(arg, "desc"):
			o.desc = true
		case eqFold(arg, "alpha"):
			o.alpha = true
		case eqFold(arg, "limit") && left >= 2:
			start, ok1 := parseInt(argv[j+1])
			count, ok2 := parseInt(argv[j+2])
			if !ok1 || !ok2 {
				return o, ErrNotInteger
			}
			o.limitStart, o.limitCount = start, count
			j += 2
		case eqFold(arg, "store") && left >= 1 && !readOnly:
			o.store = argv[j+1]
			j++
		case eqFold(arg, "by") && left >= 1:
			o.by = argv[j+1]
			// A pattern without '*' (BY nosort) means no sorting; once
			// set it stays set, even if a later BY has a '*'.
			if bytes.IndexByte(cstr(o.by), '*') < 0 {
				o.dontSort = true
			}
			j++
		case eqFold(arg, "get") && left >= 1:
			o.gets = append(o.gets, argv[j+1])
			j++
		default:
			return o, ErrSyntax
		}
	}
	return o, ""
}

// SORT key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]]
// [ASC | DESC] [ALPHA:sorting] [STORE destination]
func cmdSort(c *Ctx, argv [][]byte) { sortGeneric(c, argv, false) }

// SORT_RO key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]]
// [ASC | DESC] [ALPHA:sorting]
func cmdSortRO(c *Ctx, argv [][]byte) { sortGeneric(c, argv, true) }

// sortItem is one element being sorted, with its key: a score, or for
// ALPHA BY the BY value.
type sortItem struct {
	elem   []byte
	score  float64
	cmp    []byte
	hasCmp bool // cmp was found (it may be empty)
}

func sortGeneric(c *Ctx, argv [][]byte, readOnly bool) {
	o, msg := parseSort(argv, readOnly)
	if msg != "" {
		c.Error(msg)
		return
	}
	if c.Checking() {
		return
	}
	e := c.lookup(argv[1])
	var val value
	if e != nil {
		val = e.val
	}
	switch val.(type) {
	case nil, *listValue, *setValue, *zsetValue:
	default:
		c.Error(ErrWrongType)
		return
	}
	if z, isZset := val.(*zsetValue); isZset && z.listpack && c.Index != 0 {
		// Redis converts a sorted set it sorts to a skiplist for good
		// (OBJECT ENCODING shows it) without signalling the key, SORT_RO
		// too: both go through the log (FlagLogged), and only an applied
		// entry (Index != 0) may change state.
		key := string(argv[1])
		version := e.version
		m := c.mutable(key)
		m.val.(*zsetValue).listpack = false
		m.version = version
		val = m.val
	}
	if _, isSet := val.(*setValue); isSet && o.dontSort && o.store != nil {
		// A set has no order of its own: what is stored must not depend
		// on it, so Redis sorts ALPHA instead.
		o.dontSort, o.alpha, o.by = false, true, nil
	}
	n := sortLen(val)
	start, end := sortLimit(o.limitStart, o.limitCount, n)
	items := sortElements(val, o, start, end)
	if o.dontSort {
		switch val.(type) {
		case nil, *listValue, *zsetValue:
			// sortElements took just the range.
			end -= start
			start = 0
		}
	} else {
		if !c.sortKeys(items, o) {
			c.Error(errSortScore)
			return
		}
		cmp := sortCompare(o)
		if o.by != nil && (start != 0 || end != int64(len(items))-1) {
			pqsort(items, cmp, int(start), int(end))
		} else {
			slices.SortStableFunc(items, func(a, b sortItem) int { return cmp(&a, &b) })
		}
	}
	var out []sortItem
	if end >= start {
		out = items[start : end+1]
	}
	if o.store == nil {
		c.sortReply(out, o)
		return
	}
	c.sortStore(out, o)
}

// sortLen is the number of elements of the value to sort (nil: none).
func sortLen(v value) int64 {
	switch v := v.(type) {
	case *listValue:
		return int64(v.Len())
	case *setValue:
		return int64(v.size())
	case *zsetValue:
		return int64(v.Len())
	}
	return 0
}

// sortLimit turns LIMIT offset count into the inclusive range [start, end]
// of the sorted vector of n elements, with Redis's clamping; end < start
// is empty.
func sortLimit(offset, count, n int64) (start, end int64) {
	start = min(max(offset, 0), n)
	count = min(max(count, -1), n)
	if count < 0 {
		end = n - 1
	} else {
		end = start + count - 1
	}
	if start >= n {
		start, end = n-1, n-2
	}
	if end >= n {
		end = n - 1
	}
	return start, end
}

// sortElements loads the elements to sort. For a list with BY nosort it
// loads only [start, end], from the tail when DESC, as Redis does.
func sortElements(v value, o sortOpts, start, end int64) []sortItem {
	var items []sortItem
	switch v := v.(type) {
	case *listValue:
		n := v.Len()
		if !o.dontSort {
			items = make([]sortItem, 0, n)
			v.Range(0, func(_ int, e []byte) bool {
				items = append(items, sortItem{elem: e})
				return true
			})
			return items
		}
		if end < start {
			return nil
		}
		want := int(end - start + 1)
		items = make([]sortItem, 0, want)
		add := func(_ int, e []byte) bool {
			items = append(items, sortItem{elem: e})
			return len(items) < want
		}
		if o.desc {
			v.RangeReverse(n-int(start)-1, add)
		} else {
			v.Range(int(start), add)
		}
	case *setValue:
		items = make([]sortItem, 0, v.size())
		v.m.Each(func(k string, _ struct{}) bool {
			items = append(items, sortItem{elem: []byte(k)})
			return true
		})
	case *zsetValue:
		// By score; with BY nosort only [start, end], from the highest
		// score when DESC, as Redis loads a sorted set.
		from, want := 0, v.Len()
		if o.dontSort {
			if end < start {
				return nil
			}
			from, want = int(start), int(end-start+1)
		}
		items = make([]sortItem, 0, want)
		add := func(_ int, it zsetItem) bool {
			items = append(items, sortItem{elem: []byte(it.member)})
			return len(items) < want
		}
		if o.dontSort && o.desc {
			v.descendFrom(v.Len()-from-1, add)
		} else {
			v.ascendFrom(from, add)
		}
	}
	return items
}

// sortKeys computes each item's score, or its ALPHA BY value. It reports
// false when a numeric sort meets a value strtod refuses.
func (c *Ctx) sortKeys(items []sortItem, o sortOpts) bool {
	ok := true
	for i := range items {
		it := &items[i]
		byval := it.elem
		if o.by != nil {
			var found bool
			if byval, found = c.lookupByPattern(o.by, it.elem); !found {
				continue // score 0, or no ALPHA value: sorts first
			}
		}
		if o.alpha {
			if o.by != nil {
				it.cmp, it.hasCmp = byval, true
			}
			continue
		}
		f, isNum := parseStrtod(byval)
		if !isNum {
			ok = false
		}
		it.score = f
	}
	return ok
}

// sortCompare is Redis's sortCompare for the options o.
func sortCompare(o sortOpts) func(a, b *sortItem) int {
	var cmp func(a, b *sortItem) int
	switch {
	case !o.alpha:
		cmp = func(a, b *sortItem) int {
			switch {
			case a.score > b.score:
				return 1
			case a.score < b.score:
				return -1
			}
			return bytes.Compare(a.elem, b.elem)
		}
	case o.by != nil:
		cmp = func(a, b *sortItem) int {
			switch {
			case !a.hasCmp && !b.hasCmp:
				return 0
			case !a.hasCmp:
				return -1
			case !b.hasCmp:
				return 1
			}
			return collate(a.cmp, b.cmp, o.store != nil)
		}
	default:
		cmp = func(a, b *sortItem) int { return collate(a.elem, b.elem, o.store != nil) }
	}
	if o.desc {
		return func(a, b *sortItem) int { return -cmp(a, b) }
	}
	return cmp
}

// collate compares two strings for ALPHA: byte-wise when storing (Redis's
// compareStringObjects), else as strcoll does in the C.UTF-8 locale, which
// sees each string up to its first NUL.
func collate(a, b []byte, binary bool) int {
	if binary {
		return bytes.Compare(a, b)
	}
	return bytes.Compare(cstr(a), cstr(b))
}

// lookupByPattern is Redis's lookupKeyByPattern: "#" is the element
// itself; otherwise the first '*' of the pattern is replaced by the
// element and the key's string value is returned, or with "->field" after
// the '*' the field of the hash at that key. Missing keys and fields, and
// keys of another type, are not found. Like Redis, it looks for '*' and
// "->" in the pattern up to its first NUL.
func (c *Ctx) lookupByPattern(pat, elem []byte) ([]byte, bool) {
	cp := cstr(pat)
	if len(cp) == 1 && cp[0] == '#' {
		return elem, true
	}
	star := bytes.IndexByte(cp, '*')
	if star < 0 {
		return nil, false
	}
	var field []byte
	tail := len(pat) // end of the key's postfix in pat
	if f := bytes.Index(cp[star+1:], []byte("->")); f >= 0 && star+1+f+2 < len(cp) {
		arrow := star + 1 + f
		field = pat[arrow+2:]
		tail = arrow
	}
	key := make([]byte, 0, star+len(elem)+tail-star-1)
	key = append(append(append(key, pat[:star]...), elem...), pat[star+1:tail]...)
	e := c.lookup(key)
	if e == nil {
		return nil, false
	}
	if field != nil {
		h, isHash := e.val.(*hashValue)
		if !isHash {
			return nil, false
		}
		return h.m.Get(string(field))
	}
	s, isStr := e.val.(*strValue)
	if !isStr {
		return nil, false
	}
	return s.b, true
}

// sortReply replies the sorted elements, or per element the values of
// the GET patterns (nil when not found).
func (c *Ctx) sortReply(out []sortItem, o sortOpts) {
	if len(o.gets) == 0 {
		c.Array(len(out))
		for _, it := range out {
			c.Bulk(it.elem)
		}
		return
	}
	c.Array(len(out) * len(o.gets))
	for _, it := range out {
		for _, pat := range o.gets {
			if v, found := c.lookupByPattern(pat, it.elem); found {
				c.Bulk(v)
			} else {
				c.Null()
			}
		}
	}
}

// sortStore stores the result as a list at o.store (a missing GET value
// is an empty string), or deletes o.store when the result is empty, and
// replies its length.
func (c *Ctx) sortStore(out []sortItem, o sortOpts) {
	l := newList()
	for _, it := range out {
		if len(o.gets) == 0 {
			l.PushRight(append([]byte(nil), it.elem...))
			continue
		}
		for _, pat := range o.gets {
			v, _ := c.lookupByPattern(pat, it.elem)
			l.PushRight(append([]byte{}, v...))
		}
	}
	key := string(o.store)
	if l.Len() > 0 {
		c.setValue(key, l)
	} else {
		c.del(key)
	}
	c.Int(int64(l.Len()))
}

// parseStrtod reads b as SORT does, with C's strtod: the whole string up
// to its first NUL must be a number (leading white space, a sign, decimal
// or hexadecimal digits, an exponent, "inf" or "infinity"). An empty
// string is 0. NaN, and values that overflow or underflow (ERANGE, which
// glibc sets for subnormal results too), are refused.
func parseStrtod(b []byte) (float64, bool) {
	s := cstr(b)
	if len(s) == 0 {
		return 0, true
	}
	i := 0
	for i < len(s) && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')) {
		i++
	}
	body := s[i:]
	neg := false
	if len(body) > 0 && (body[0] == '+' || body[0] == '-') {
		neg = body[0] == '-'
		body = body[1:]
	}
	if eqFold(body, "inf") || eqFold(body, "infinity") {
		if neg {
			return math.Inf(-1), true
		}
		return math.Inf(1), true
	}
	text, nonZero, ok := strtodSyntax(body)
	if !ok {
		return 0, false
	}
	if neg {
		text = "-" + text
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil { // out of range
		return 0, false
	}
	if nonZero && math.Abs(f) < 0x1p-1022 { // underflow
		return 0, false
	}
	return f, true
}

// strtodSyntax checks that b (after the sign) is a decimal or hexadecimal
// floating-point number in strtod's grammar, and returns it in a form
// strconv.ParseFloat reads, and whether any digit of its mantissa is not 0.
func strtodSyntax(b []byte) (text string, nonZero, ok bool) {
	hex := len(b) > 2 && b[0] == '0' && (b[1] == 'x' || b[1] == 'X')
	i := 0
	digit, expCh := isDecDigit, byte('e')
	if hex {
		i, digit, expCh = 2, isHexDigit, 'p'
	}
	digits := 0
	for seenPoint := false; i < len(b); i++ {
		switch {
		case b[i] == '.' && !seenPoint:
			seenPoint = true
		case digit(b[i]):
			digits++
			nonZero = nonZero || b[i] != '0'
		default:
			goto mantissaDone
		}
	}
mantissaDone:
	if digits == 0 {
		return "", false, false
	}
	text = string(b[:i])
	if i < len(b) {
		if b[i]|0x20 != expCh {
			return "", false, false
		}
		j := i + 1
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		if j == len(b) {
			return "", false, false
		}
		for k := j; k < len(b); k++ {
			if !isDecDigit(b[k]) {
				return "", false, false
			}
		}
		text = string(b)
	} else if hex {
		text += "p0" // ParseFloat wants the binary exponent
	}
	return text, nonZero, true
}

// pqsort sorts v so that at least the positions lrange..rrange hold what a
// full sort would put there, as Redis's pqsort (a Bentley-McIlroy
// quicksort that skips the partitions outside the range), in the version
// redis-server 7.0 ships, without the later switch to insertion sort when
// a pass swapped nothing. Ties come out in exactly Redis's order, which is
// why it is not sort.Slice.
// GEO* with COUNT uses it too.
func pqsort[T any](v []T, cmp func(a, b *T) int, lrange, rrange int) {
	pqsortPart(v, 0, len(v), cmp, lrange, rrange)
}

func pqsortPart[T any](v []T, base, n int, cmp func(a, b *T) int, lrange, rrange int) {
	less := func(i, j int) int { return cmp(&v[i], &v[j]) }
	swap := func(i, j int) { v[i], v[j] = v[j], v[i] }
	vecswap := func(i, j, k int) {
		for ; k > 0; k-- {
			swap(i, j)
			i++
			j++
		}
	}
	insertion := func(base, n int) {
		for m := base + 1; m < base+n; m++ {
			for l := m; l > base && less(l-1, l) > 0; l-- {
				swap(l, l-1)
			}
		}
	}
	med3 := func(a, b, c int) int {
		if less(a, b) < 0 {
			if less(b, c) < 0 {
				return b
			}
			if less(a, c) < 0 {
				return c
			}
			return a
		}
		if less(b, c) > 0 {
			return b
		}
		if less(a, c) < 0 {
			return a
		}
		return c
	}
	// outside reports whether [lo, lo+m) holds none of the wanted range.
	outside := func(lo, m int) bool { return rrange < lo || lrange > lo+m-1 }
	for {
		if n < 7 {
			insertion(base, n)
			return
		}
		pm := base + n/2
		if n > 7 {
			pl, pn := base, base+n-1
			if n > 40 {
				d := n / 8
				pl = med3(pl, pl+d, pl+2*d)
				pm = med3(pm-d, pm, pm+d)
				pn = med3(pn-2*d, pn-d, pn)
			}
			pm = med3(pl, pm, pn)
		}
		swap(base, pm)
		pa, pb := base+1, base+1
		pc, pd := base+n-1, base+n-1
		for {
			for pb <= pc {
				r := less(pb, base)
				if r > 0 {
					break
				}
				if r == 0 {
					swap(pa, pb)
					pa++
				}
				pb++
			}
			for pb <= pc {
				r := less(pc, base)
				if r < 0 {
					break
				}
				if r == 0 {
					swap(pc, pd)
					pd--
				}
				pc--
			}
			if pb > pc {
				break
			}
			swap(pb, pc)
			pb++
			pc--
		}
		pn := base + n
		r := min(pa-base, pb-pa)
		vecswap(base, pb-r, r)
		r = min(pd-pc, pn-pd-1)
		vecswap(pb, pn-r, r)
		if r = pb - pa; r > 1 && !outside(base, r) {
			pqsortPart(v, base, r, cmp, lrange, rrange)
		}
		r = pd - pc
		if r <= 1 {
			return
		}
		base, n = pn-r, r
		if outside(base, n) {
			return
		}
	}
}
