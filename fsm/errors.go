package fsm

// Redis error texts, exactly as redis-server 7 sends them. Clients and Redis's
// own test-suite compare these strings, so they are never reworded.
const (
	ErrSyntax        = "ERR syntax error"
	ErrWrongType     = "WRONGTYPE Operation against a key holding the wrong kind of value"
	ErrNotInteger    = "ERR value is not an integer or out of range"
	ErrNotFloat      = "ERR value is not a valid float"
	ErrOverflow      = "ERR increment or decrement would overflow"
	ErrIncrNaNOrInf  = "ERR increment would produce NaN or Infinity"
	ErrNoSuchKey     = "ERR no such key"
	ErrDBIndex       = "ERR DB index is out of range"
	ErrInvalidExpire = "ERR invalid expire time in '%s' command"
	ErrHashNotInt    = "ERR hash value is not an integer"
	ErrHashNotFloat  = "ERR hash value is not a float"
	ErrOffsetRange   = "ERR offset is out of range"
	ErrStringTooLong = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
	ErrSameObject    = "ERR source and destination objects are the same"
	ErrNotPositive   = "ERR value is out of range, must be positive"
)

// ArityError is the reply for a command called with the wrong number of
// arguments; name is the command name as the client typed it, lowercased.
func ArityError(name string) string {
	return "ERR wrong number of arguments for '" + name + "' command"
}
