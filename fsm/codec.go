package fsm

import (
	"encoding/binary"
	"errors"
)

// Entry types: the first byte of every Raft log entry this package writes.
// They are append-only: a number is never renumbered or reused.
const (
	// EntryCommands is a group of independent write commands (one command,
	// or a pipelined burst from one connection): now_ms, then for each
	// command its db and argv. Each command gets its own reply.
	EntryCommands byte = 1
	// EntryExec is a MULTI/EXEC transaction: now_ms, db, the watched keys
	// with the index each was observed at, then the queued commands. One
	// reply: the EXEC array, or a null array if a watch fired.
	EntryExec byte = 2
	// EntryExpire deletes keys that have expired by now_ms (active expiry,
	// proposed by the leader). A key that is no longer expired is kept.
	EntryExpire byte = 3
)

// Cmd is one command of an EntryCommands.
type Cmd struct {
	DB   int
	Argv [][]byte
}

// Watch is one WATCHed key with the applied index at the time of WATCH.
type Watch struct {
	DB    int
	Key   []byte
	Index uint64
}

// Exec is the body of an EntryExec.
type Exec struct {
	DB      int
	Watches []Watch
	Cmds    [][][]byte
}

var errCorrupt = errors.New("fsm: corrupt entry")

// EncodeCommands builds an EntryCommands entry.
func EncodeCommands(nowMs int64, cmds []Cmd) []byte {
	n := 1 + binary.MaxVarintLen64*2
	for _, c := range cmds {
		n += 2 * binary.MaxVarintLen64
		for _, a := range c.Argv {
			n += binary.MaxVarintLen64 + len(a)
		}
	}
	b := make([]byte, 0, n)
	b = append(b, EntryCommands)
	b = binary.AppendVarint(b, nowMs)
	b = binary.AppendUvarint(b, uint64(len(cmds)))
	for _, c := range cmds {
		b = binary.AppendUvarint(b, uint64(c.DB))
		b = appendArgv(b, c.Argv)
	}
	return b
}

// EncodeExec builds an EntryExec entry.
func EncodeExec(nowMs int64, x Exec) []byte {
	b := []byte{EntryExec}
	b = binary.AppendVarint(b, nowMs)
	b = binary.AppendUvarint(b, uint64(x.DB))
	b = binary.AppendUvarint(b, uint64(len(x.Watches)))
	for _, w := range x.Watches {
		b = binary.AppendUvarint(b, uint64(w.DB))
		b = appendBytes(b, w.Key)
		b = binary.AppendUvarint(b, w.Index)
	}
	b = binary.AppendUvarint(b, uint64(len(x.Cmds)))
	for _, argv := range x.Cmds {
		b = appendArgv(b, argv)
	}
	return b
}

// EncodeExpire builds an EntryExpire entry for keys of database db.
func EncodeExpire(nowMs int64, db int, keys []string) []byte {
	b := []byte{EntryExpire}
	b = binary.AppendVarint(b, nowMs)
	b = binary.AppendUvarint(b, uint64(db))
	b = binary.AppendUvarint(b, uint64(len(keys)))
	for _, k := range keys {
		b = binary.AppendUvarint(b, uint64(len(k)))
		b = append(b, k...)
	}
	return b
}

func appendBytes(b, s []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendArgv(b []byte, argv [][]byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(argv)))
	for _, a := range argv {
		b = appendBytes(b, a)
	}
	return b
}

// decoder reads an entry body; the first error sticks.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errCorrupt
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = errCorrupt
		return 0
	}
	d.b = d.b[n:]
	return v
}

// count reads a length that must fit in the remaining bytes (each counted
// element takes at least one byte), so a corrupt length cannot make us
// allocate gigabytes.
func (d *decoder) count() int {
	n := d.uvarint()
	if d.err == nil && n > uint64(len(d.b)) {
		d.err = errCorrupt
		return 0
	}
	return int(n)
}

func (d *decoder) bytes() []byte {
	n := d.count()
	if d.err != nil {
		return nil
	}
	s := d.b[:n:n]
	d.b = d.b[n:]
	return s
}

func (d *decoder) argv() [][]byte {
	var arena [][]byte
	return d.argvIn(&arena, 0)
}

// argvIn is argv with the slice taken from *arena, which is replaced by a
// new one (room for n arguments, or for guess if more) when it is too
// small: one allocation for the arguments of many commands. Each argv is
// capped, so appending to one never writes into the next.
func (d *decoder) argvIn(arena *[][]byte, guess int) [][]byte {
	n := d.count()
	if d.err != nil {
		return nil
	}
	a := *arena
	if cap(a)-len(a) < n {
		a = make([][]byte, 0, max(n, guess))
	}
	argv := a[len(a) : len(a)+n : len(a)+n]
	*arena = a[:len(a)+n]
	for i := range argv {
		argv[i] = d.bytes()
	}
	return argv
}

func decodeCommands(body []byte) (nowMs int64, cmds []Cmd, err error) {
	d := decoder{b: body}
	nowMs = d.varint()
	n := d.count()
	if d.err == nil {
		cmds = make([]Cmd, n)
		var arena [][]byte
		for i := range cmds {
			cmds[i].DB = int(d.uvarint())
			cmds[i].Argv = d.argvIn(&arena, 4*(n-i)) // guess: most writes have 3 or 4 arguments
		}
	}
	return nowMs, cmds, d.err
}

func decodeExec(body []byte) (nowMs int64, x Exec, err error) {
	d := decoder{b: body}
	nowMs = d.varint()
	x.DB = int(d.uvarint())
	nw := d.count()
	if d.err == nil {
		x.Watches = make([]Watch, nw)
		for i := range x.Watches {
			x.Watches[i].DB = int(d.uvarint())
			x.Watches[i].Key = d.bytes()
			x.Watches[i].Index = d.uvarint()
		}
	}
	nc := d.count()
	if d.err == nil {
		x.Cmds = make([][][]byte, nc)
		for i := range x.Cmds {
			x.Cmds[i] = d.argv()
		}
	}
	return nowMs, x, d.err
}

func decodeExpire(body []byte) (nowMs int64, db int, keys []string, err error) {
	d := decoder{b: body}
	nowMs = d.varint()
	db = int(d.uvarint())
	n := d.count()
	if d.err == nil {
		keys = make([]string, n)
		for i := range keys {
			keys[i] = string(d.bytes())
		}
	}
	return nowMs, db, keys, d.err
}
