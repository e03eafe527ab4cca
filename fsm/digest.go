package fsm

import (
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
)

// digester accumulates an order-independent digest: each added record is
// hashed on its own and the hashes are XORed together, so equal contents
// give equal digests whatever the order they were visited in.
type digester struct {
	sum  [sha1.Size]byte
	zero bool // nothing added yet
}

func newDigester() *digester { return &digester{zero: true} }

// add mixes one record made of parts (each length-prefixed, so that
// ("ab","c") and ("a","bc") differ).
func (d *digester) add(parts ...[]byte) {
	h := sha1.New()
	var n [binary.MaxVarintLen64]byte
	for _, p := range parts {
		h.Write(n[:binary.PutUvarint(n[:], uint64(len(p)))])
		h.Write(p)
	}
	var s [sha1.Size]byte
	h.Sum(s[:0])
	for i := range d.sum {
		d.sum[i] ^= s[i]
	}
	d.zero = false
}

// addString is add for string parts.
func (d *digester) addString(parts ...string) {
	bs := make([][]byte, len(parts))
	for i, p := range parts {
		bs[i] = []byte(p)
	}
	d.add(bs...)
}

// Hex is the digest as 40 hex digits; all zeros for an empty database, as
// Redis's DEBUG DIGEST.
func (d *digester) Hex() string { return hex.EncodeToString(d.sum[:]) }

// digestDB digests one database: every key with its type, expiry and value.
func digestDB(db *DB) *digester {
	d := newDigester()
	db.keys.Each(func(k string, e *entry) bool {
		vd := newDigester()
		e.val.digest(vd)
		var exp [8]byte
		binary.BigEndian.PutUint64(exp[:], uint64(e.expireAt))
		d.add([]byte(k), []byte(e.val.Type()), exp[:], vd.sum[:])
		return true
	})
	return d
}

// Digest returns the digest of database db (40 hex digits).
func (f *FSM) Digest(db int) string {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if db < 0 || db >= len(f.st.dbs) {
		return ""
	}
	return digestDB(f.st.dbs[db]).Hex()
}

// DigestAll returns one digest over every database.
func (f *FSM) DigestAll() string {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return digestState(f.st).Hex()
}

// digestState digests every database of st (DigestAll, DEBUG DIGEST):
// all zeros when every database is empty.
func digestState(st *state) *digester {
	all := newDigester()
	for i, db := range st.dbs {
		dd := digestDB(db)
		if dd.zero {
			continue
		}
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(i))
		all.add(n[:], dd.sum[:])
	}
	return all
}
