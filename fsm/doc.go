// Package fsm is respraft's deterministic state machine: the keyspace of
// every database, the Redis data types, the command table, the Raft entry
// codec, and Apply/ApplyBatch/Snapshot/Restore.
//
// It has no network, no clock and no randomness of its own:
//
//   - Time inside Apply is the entry's now_ms, stamped by the leader, kept
//     monotonic (clock = max(clock, now_ms)). Relative expiries (EXPIRE k 10,
//     SET ... EX 5) are resolved against that clock when the entry is
//     applied, so replaying the log gives the same absolute times forever.
//   - Randomness (SPOP, SRANDMEMBER inside EXEC, ...) comes from a PRNG
//     seeded by the entry's log index, and picks by rank in an omap whose
//     order is the same on every replica. Go map iteration order never
//     decides anything.
//   - Every key carries the log index that last changed it; deleted keys
//     leave a bounded tombstone; FLUSHDB/FLUSHALL/SWAPDB stamp the database.
//     EXEC checks its WATCHed keys against these at apply time and runs all
//     of its commands or none.
//
// One handler per command serves three phases (see Ctx): the syntax check
// before proposing, Apply for writes, and local reads under a read lock.
// Replies are encoded RESP2 bytes from the start, so the leader's reply can
// be relayed by a follower verbatim.
//
// The FSM panics only on an entry it cannot decode (crash rather than
// diverge). Snapshot returns at once: keyspaces are copy-on-write b-trees
// and a generation counter makes later writes clone shared entries.
// Persist streams a versioned format with a CRC-64 trailer; Restore builds a
// fresh state, verifies it and swaps it in.
package fsm
