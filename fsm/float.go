package fsm

import "strconv"

// AppendFloat formats f as Redis does for INCRBYFLOAT results: plain
// decimal notation, no exponent, trailing zeros removed.
// TODO(strings family): match Redis's long-double formatting exactly.
func AppendFloat(b []byte, f float64) []byte {
	return strconv.AppendFloat(b, f, 'f', -1, 64)
}
