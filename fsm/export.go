package fsm

// GlobMatch reports whether s matches the Redis glob pattern (the KEYS,
// SCAN MATCH and CONFIG GET syntax). It is case-sensitive; lower both sides
// for a case-insensitive match.
func GlobMatch(pattern, s string) bool { return globMatch(pattern, s) }
