package fsm

import (
	"math"
	"math/big"
)

// Numbers as Redis reads and writes them.
//
// Integers follow string2ll: an optional '-', no '+', no spaces, no leading
// zeros (except "0" itself), at most 20 characters, within int64.
//
// Floats follow Redis's long double arithmetic (INCRBYFLOAT, HINCRBYFLOAT):
// on x86-64 that is the x87 80-bit format, a 64-bit mantissa with a 15-bit
// exponent. We emulate it with math/big.Float at 64 bits of precision and
// the same exponent range, so "SET k 0.1; INCRBYFLOAT k 0.2" gives "0.3"
// and 5010.6 gives "5010.60000000000000009", as redis-server does. Parsing
// accepts what strtold accepts over the whole string (decimal, hex floats,
// inf/infinity, no NaN), formatting is printf("%.17Lf") with trailing zeros
// removed.

// parseInt parses b exactly as Redis's string2ll.
func parseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) >= 21 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	neg := false
	i := 0
	if b[0] == '-' {
		neg = true
		i++
		if i == len(b) {
			return 0, false
		}
	}
	if b[i] < '1' || b[i] > '9' {
		return 0, false
	}
	var v uint64
	for ; i < len(b); i++ {
		d := b[i]
		if d < '0' || d > '9' {
			return 0, false
		}
		if v > math.MaxUint64/10 {
			return 0, false
		}
		v *= 10
		if v > math.MaxUint64-uint64(d-'0') {
			return 0, false
		}
		v += uint64(d - '0')
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true // -(1<<63) wraps to MinInt64, as intended
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}

const (
	ldPrec = 64 // x87 extended precision mantissa bits
	// ldMaxExp is the largest big.Float exponent (x = mant × 2^exp,
	// 0.5 <= |mant| < 1) of a finite long double.
	ldMaxExp = 16384
	// ldTinyExp is the exponent of 2^-16446, half the smallest subnormal:
	// a value at or below it reads as zero (with ERANGE) and Redis refuses it.
	ldTinyExp = -16446
	// ldMaxChars is Redis's MAX_LONG_DOUBLE_CHARS: longer inputs are refused.
	ldMaxChars = 5 * 1024
)

func newLD() *big.Float { return new(big.Float).SetPrec(ldPrec) }

// parseLongDouble parses b as Redis's string2ld: strtold over the whole
// string, no leading space, no NaN, no overflow and no underflow to zero.
// The result may be ±Inf ("inf", "-infinity"): callers decide what an
// infinite operand means.
func parseLongDouble(b []byte) (*big.Float, bool) {
	if len(b) == 0 || len(b) >= ldMaxChars {
		return nil, false
	}
	i := 0
	neg := false
	if b[0] == '+' || b[0] == '-' {
		neg = b[0] == '-'
		i++
	}
	rest := b[i:]
	if isInfWord(rest) {
		return newLD().SetInf(neg), true
	}
	hex := len(rest) > 2 && rest[0] == '0' && (rest[1] == 'x' || rest[1] == 'X')
	if hex {
		i += 2
	}
	digit := isDecDigit
	if hex {
		digit = isHexDigit
	}
	mant := new(big.Int)
	var nd, frac int // significant digits read, digits after the point
	var tmp big.Int
	base := big.NewInt(10)
	if hex {
		base = big.NewInt(16)
	}
	seenPoint := false
	for ; i < len(b); i++ {
		ch := b[i]
		if ch == '.' && !seenPoint {
			seenPoint = true
			continue
		}
		if !digit(ch) {
			break
		}
		nd++
		if seenPoint {
			frac++
		}
		mant.Mul(mant, base)
		mant.Add(mant, tmp.SetInt64(int64(hexVal(ch))))
	}
	if nd == 0 {
		return nil, false
	}
	// Optional exponent: e (decimal) or p (hex, binary exponent). It must
	// be complete, or strtold stops before it and the string is refused.
	var exp int64
	if i < len(b) {
		ch := b[i]
		if (!hex && ch != 'e' && ch != 'E') || (hex && ch != 'p' && ch != 'P') {
			return nil, false
		}
		i++
		eneg := false
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			eneg = b[i] == '-'
			i++
		}
		if i == len(b) {
			return nil, false
		}
		for ; i < len(b); i++ {
			if !isDecDigit(b[i]) {
				return nil, false
			}
			if exp < 1<<40 {
				exp = exp*10 + int64(b[i]-'0')
			}
		}
		if eneg {
			exp = -exp
		}
	}
	f := newLD()
	if mant.Sign() == 0 {
		if neg {
			f.Neg(f)
		}
		return f, true
	}
	if hex {
		// mant × 2^(exp - 4·frac): rounding mant then scaling is exact.
		e := exp - 4*int64(frac)
		bits := int64(mant.BitLen())
		if e+bits > ldMaxExp+1 {
			return nil, false
		}
		if e+bits < ldTinyExp-1 {
			return nil, false
		}
		f.SetInt(mant)
		f.SetMantExp(f, int(e))
		if !ldInRange(f) {
			return nil, false
		}
		if f.MantExp(nil) <= ldTinyExp+1 && cmpTiny(mant, 2, e) <= 0 {
			return nil, false
		}
	} else {
		// mant × 10^(exp - frac), correctly rounded to 64 bits.
		e := exp - int64(frac)
		digits := int64(len(mant.String()))
		if e+digits-1 > 4933 {
			return nil, false
		}
		if e+digits < -4952 {
			return nil, false
		}
		p := new(big.Int).Exp(big.NewInt(10), big.NewInt(abs64(e)), nil)
		if e >= 0 {
			f.SetInt(p.Mul(p, mant))
		} else {
			num := new(big.Float).SetInt(mant)
			den := new(big.Float).SetInt(p)
			f.Quo(num, den)
		}
		if !ldInRange(f) {
			return nil, false
		}
		if f.MantExp(nil) <= ldTinyExp+1 && cmpTiny(mant, 10, e) <= 0 {
			return nil, false
		}
	}
	if neg {
		f.Neg(f)
	}
	return f, true
}

// ldInRange reports whether a finite f is not beyond the largest long double.
func ldInRange(f *big.Float) bool { return f.MantExp(nil) <= ldMaxExp }

// cmpTiny compares mant × base^e (base 2 or 10, mant > 0) with 2^-16446
// exactly.
func cmpTiny(mant *big.Int, base int64, e int64) int {
	// mant × base^e  vs  2^ldTinyExp  <=>  mant × base^e × 2^16446  vs  1
	lhs := new(big.Int).Set(mant)
	rhs := big.NewInt(1)
	shift := int64(-ldTinyExp)
	if base == 2 {
		shift += e
	} else if e >= 0 {
		lhs.Mul(lhs, new(big.Int).Exp(big.NewInt(10), big.NewInt(e), nil))
	} else {
		rhs.Exp(big.NewInt(10), big.NewInt(-e), nil)
	}
	if shift >= 0 {
		lhs.Lsh(lhs, uint(shift))
	} else {
		rhs.Lsh(rhs, uint(-shift))
	}
	return lhs.Cmp(rhs)
}

func abs64(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

func isDecDigit(ch byte) bool { return ch >= '0' && ch <= '9' }

func isHexDigit(ch byte) bool {
	return isDecDigit(ch) || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F')
}

func hexVal(ch byte) int {
	switch {
	case ch >= 'a':
		return int(ch-'a') + 10
	case ch >= 'A':
		return int(ch-'A') + 10
	}
	return int(ch - '0')
}

// isInfWord reports whether b is "inf" or "infinity", case-insensitively.
func isInfWord(b []byte) bool {
	return eqFold(b, "inf") || eqFold(b, "infinity")
}

// eqFold reports whether b equals the lowercase ASCII word s, ignoring case.
func eqFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		ch := b[i]
		if ch >= 'A' && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		if ch != s[i] {
			return false
		}
	}
	return true
}

// addLongDouble returns a+b rounded to a long double, or nil when the sum is
// NaN or infinite.
func addLongDouble(a, b *big.Float) *big.Float {
	if a.IsInf() || b.IsInf() {
		return nil
	}
	sum := newLD().Add(a, b)
	if !ldInRange(sum) {
		return nil
	}
	return sum
}

// formatLongDouble formats f as Redis's ld2string in LD_STR_HUMAN mode:
// "%.17Lf", trailing zeros and a trailing '.' removed, "-0" becomes "0".
func formatLongDouble(b []byte, f *big.Float) []byte {
	if f.IsInf() {
		if f.Signbit() {
			return append(b, "-inf"...)
		}
		return append(b, "inf"...)
	}
	start := len(b)
	b = f.Append(b, 'f', 17)
	n := len(b)
	for n > start && b[n-1] == '0' {
		n--
	}
	if n > start && b[n-1] == '.' {
		n--
	}
	b = b[:n]
	if string(b[start:]) == "-0" {
		b = append(b[:start], '0')
	}
	return b
}

// incrFloat computes INCRBYFLOAT: cur + incr as Redis's long double
// arithmetic does, formatted for storage and reply. cur is the current value,
// nil when the key (or field) is absent, which counts as 0; pass a non-nil
// empty slice for an existing empty string. The error is "" on success,
// ErrNotFloat when cur or incr is not a valid float (cur is tried first, as
// in Redis), or ErrIncrNaNOrInf.
func incrFloat(cur, incr []byte) ([]byte, string) {
	a := newLD()
	if cur != nil {
		var isFloat bool
		if a, isFloat = parseLongDouble(cur); !isFloat {
			return nil, ErrNotFloat
		}
	}
	b, isFloat := parseLongDouble(incr)
	if !isFloat {
		return nil, ErrNotFloat
	}
	sum := addLongDouble(a, b)
	if sum == nil {
		return nil, ErrIncrNaNOrInf
	}
	return formatLongDouble(nil, sum), ""
}

// AppendFloat formats f as Redis formats a long double holding it in
// INCRBYFLOAT/HINCRBYFLOAT replies: plain decimal notation with 17
// fractional digits, trailing zeros removed.
func AppendFloat(b []byte, f float64) []byte {
	if math.IsNaN(f) {
		return append(b, "nan"...)
	}
	return formatLongDouble(b, new(big.Float).SetFloat64(f))
}
