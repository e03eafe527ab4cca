package fsm

// GlobMatch reports whether s matches the Redis glob pattern (the KEYS,
// SCAN MATCH and CONFIG GET syntax). It is case-sensitive; lower both sides
// for a case-insensitive match.
func GlobMatch(pattern, s string) bool { return globMatch(pattern, s) }

// ParseInt parses b as Redis's string2ll does: an optional minus, digits
// without a leading zero, in range; no plus sign, spaces or "-0".
func ParseInt(b []byte) (int64, bool) { return parseInt(b) }
