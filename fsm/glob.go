package fsm

// globMatch reports whether s matches the glob pattern, exactly as Redis's
// stringmatchlen (KEYS, SCAN MATCH): '*', '?', '[abc]', '[^a]', '[a-z]'
// and backslash escapes, byte by byte and case-sensitive. The quirks are
// Redis's too: an unterminated '[' class runs to the end of the pattern,
// "[a-]" is the range from 'a' to ']', range bounds compare as signed
// chars, a trailing backslash matches itself.
//
// Like Redis since 7.0.9, a '*' that failed to match the rest of the
// pattern anywhere stops all outer '*' from retrying, which keeps patterns
// such as "*a*a*a*a*b" linear instead of exponential.
func globMatch(pattern, s string) bool {
	skipLonger := false
	return globMatchImpl(pattern, s, &skipLonger)
}

// globAt returns pattern[i], or 0 past the end (the C code reads the
// string's NUL terminator there).
func globAt(pattern string, i int) byte {
	if i < len(pattern) {
		return pattern[i]
	}
	return 0
}

func globMatchImpl(pat, str string, skipLonger *bool) bool {
	p, s := 0, 0
	for p < len(pat) && s < len(str) {
		switch pat[p] {
		case '*':
			for p < len(pat) && globAt(pat, p+1) == '*' {
				p++
			}
			if len(pat)-p == 1 {
				return true
			}
			for s < len(str) {
				if globMatchImpl(pat[p+1:], str[s:], skipLonger) {
					return true
				}
				if *skipLonger {
					return false
				}
				s++
			}
			*skipLonger = true
			return false
		case '?':
			s++
		case '[':
			p++
			not := globAt(pat, p) == '^'
			if not {
				p++
			}
			match := false
			for {
				if globAt(pat, p) == '\\' && len(pat)-p >= 2 {
					p++
					if pat[p] == str[s] {
						match = true
					}
				} else if globAt(pat, p) == ']' {
					break
				} else if p >= len(pat) {
					p--
					break
				} else if len(pat)-p >= 3 && pat[p+1] == '-' {
					lo, hi, ch := int8(pat[p]), int8(pat[p+2]), int8(str[s])
					if lo > hi {
						lo, hi = hi, lo
					}
					p += 2
					if ch >= lo && ch <= hi {
						match = true
					}
				} else if pat[p] == str[s] {
					match = true
				}
				p++
			}
			if not {
				match = !match
			}
			if !match {
				return false
			}
			s++
		case '\\':
			if len(pat)-p >= 2 {
				p++
			}
			if pat[p] != str[s] {
				return false
			}
			s++
		default:
			if pat[p] != str[s] {
				return false
			}
			s++
		}
		p++
		if s == len(str) {
			for globAt(pat, p) == '*' {
				p++
			}
			break
		}
	}
	return p == len(pat) && s == len(str)
}
