package fsm

// LCS (Redis 7.0) and SUBSTR, GETRANGE's old name, which Redis 7 still
// serves with GETRANGE's code.
func init() {
	register([]Command{
		{Name: "lcs", Syntax: "key1:key key2:key [LEN] [IDX] [MINMATCHLEN len:integer] [WITHMATCHLEN]", Arity: -3, Flags: FlagReadOnly, FirstKey: 1, LastKey: 2, Step: 1, Group: "string", Summary: "Finds the longest common subsequence of two keys' string values.", Fn: cmdLCS},
		{Name: "substr", Syntax: "key start end", Arity: 4, Flags: FlagReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: "string", Summary: "Returns a substring of a key's string value (GETRANGE's old name).", Fn: cmdGetRange},
	})
}

const (
	errLCSType    = "ERR The specified keys must contain string values"
	errLCSLenIdx  = "ERR If you want both the length and indexes, please just use IDX."
	errLCSTooLong = "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"
)

// lcsBig lets one table of more than lcsSmall bytes be built at a time.
// Redis, on one thread, never holds more than one table (of at most
// proto-max-bulk-len); here reads run side by side, and without the gate a
// few clients could make a node hold 512 MB each.
var lcsBig = make(chan struct{}, 1)

const lcsSmall = 16 << 20

// lcsMatch is one run of consecutive common bytes: a[aStart..aEnd] equals
// b[bStart..bEnd], both ends included.
type lcsMatch struct{ aStart, aEnd, bStart, bEnd int }

// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]
//
// The checks come in Redis's order: the keys' types (a missing key is an
// empty string), then the options, then LEN with IDX, then the size of the
// table, which may not pass proto-max-bulk-len (4 bytes a cell, as Redis).
// Nothing is known before the keys are read, so a Check finds nothing.
func cmdLCS(c *Ctx, argv [][]byte) {
	if c.Checking() {
		return
	}
	a, aok := lcsOperand(c, argv[1])
	b, bok := lcsOperand(c, argv[2])
	if !aok || !bok {
		c.Error(errLCSType)
		return
	}
	var getLen, getIdx, withLen bool
	var minLen int64
	for j := 3; j < len(argv); j++ {
		switch {
		case eqFold(argv[j], "idx"):
			getIdx = true
		case eqFold(argv[j], "len"):
			getLen = true
		case eqFold(argv[j], "withmatchlen"):
			withLen = true
		case eqFold(argv[j], "minmatchlen") && j+1 < len(argv):
			n, ok := parseInt(argv[j+1])
			if !ok {
				c.Error(ErrNotInteger)
				return
			}
			minLen = max(n, 0)
			j++
		default:
			c.Error(ErrSyntax)
			return
		}
	}
	if getLen && getIdx {
		c.Error(errLCSLenIdx)
		return
	}
	size := uint64(len(a)+1) * uint64(len(b)+1) * 4
	if size > maxStringLen {
		c.Error(errLCSTooLong)
		return
	}
	if size > lcsSmall {
		lcsBig <- struct{}{}
		defer func() { <-lcsBig }()
	}
	table := lcsTable(a, b)
	n := table[len(table)-1]
	if getLen {
		c.Int(int64(n))
		return
	}
	common, matches := lcsWalk(a, b, table, minLen)
	if !getIdx {
		c.Bulk(common)
		return
	}
	c.Array(4)
	c.BulkString("matches")
	c.Array(len(matches))
	for _, m := range matches {
		if withLen {
			c.Array(3)
		} else {
			c.Array(2)
		}
		c.Array(2)
		c.Int(int64(m.aStart))
		c.Int(int64(m.aEnd))
		c.Array(2)
		c.Int(int64(m.bStart))
		c.Int(int64(m.bEnd))
		if withLen {
			c.Int(int64(m.aEnd - m.aStart + 1))
		}
	}
	c.BulkString("len")
	c.Int(int64(n))
}

// lcsOperand is key's string for LCS: empty when the key is missing, ok
// false when it holds another type.
func lcsOperand(c *Ctx, key []byte) ([]byte, bool) {
	e := c.lookup(key)
	if e == nil {
		return nil, true
	}
	s, ok := e.val.(*strValue)
	if !ok {
		return nil, false
	}
	return s.b, true
}

// lcsTable is the dynamic-programming table of LCS lengths: cell
// i*(len(b)+1)+j holds the length for a[:i] and b[:j].
func lcsTable(a, b []byte) []uint32 {
	w := len(b) + 1
	t := make([]uint32, (len(a)+1)*w)
	for i := 1; i <= len(a); i++ {
		prev, row := t[(i-1)*w:i*w], t[i*w:(i+1)*w]
		for j := 1; j <= len(b); j++ {
			if a[i-1] == b[j-1] {
				row[j] = prev[j-1] + 1
			} else {
				row[j] = max(prev[j], row[j-1])
			}
		}
	}
	return t
}

// lcsWalk walks the table back from its last cell as Redis does, so that
// ties pick the same subsequence: on a mismatch it steps back in a only
// when that keeps a strictly longer LCS, else in b. It returns the common
// subsequence and its runs of consecutive bytes from the end of the
// strings back, leaving out runs shorter than minLen (0 keeps all).
func lcsWalk(a, b []byte, t []uint32, minLen int64) ([]byte, []lcsMatch) {
	w := len(b) + 1
	i, j := len(a), len(b)
	k := t[i*w+j]
	common := make([]byte, k)
	var matches []lcsMatch
	var cur lcsMatch
	open := false
	emit := func() {
		if minLen == 0 || int64(cur.aEnd-cur.aStart+1) >= minLen {
			matches = append(matches, cur)
		}
		open = false
	}
	for i > 0 && j > 0 {
		if a[i-1] == b[j-1] {
			k--
			common[k] = a[i-1]
			// A match after a match is always the byte before it in both
			// strings (both indexes step back together), so an open run
			// simply grows backwards.
			if open {
				cur.aStart, cur.bStart = i-1, j-1
			} else {
				cur = lcsMatch{aStart: i - 1, aEnd: i - 1, bStart: j - 1, bEnd: j - 1}
				open = true
			}
			i--
			j--
			if i == 0 || j == 0 {
				emit()
			}
			continue
		}
		if t[(i-1)*w+j] > t[i*w+j-1] {
			i--
		} else {
			j--
		}
		if open {
			emit()
		}
	}
	return common, matches
}
