package fsm

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc64"
	"io"
	"time"

	"github.com/hashicorp/raft"
)

// Snapshot format, version 2 (version 1 is the same without the EntryOnce
// records, and is still read):
//
//	"RSPRAFT" 0x02                      magic and format version
//	uvarint applied index, varint clock, uvarint number of databases
//	per database:
//	  uvarint flushVersion, uvarint tombstone horizon
//	  uvarint n, n x (bytes key, uvarint index)       tombstones, oldest first
//	  uvarint n, n x (bytes key, varint expireAt, uvarint version,
//	                  byte type, bytes value)          keys
//	uvarint n, n x (bytes member id, bytes client address)  cluster members
//	uvarint n, n x (bytes id, varint at, bytes reply)   EntryOnce records, oldest first
//	uvarint next, uvarint n, n x (bytes id, uvarint seq, uvarint db, byte zset,
//	                  varint until, uvarint k, k x bytes key)  blocked clients (waitq.go)
//	8 bytes big-endian CRC-64/ECMA of everything above
//
// "bytes" is a uvarint length followed by the bytes.
const (
	snapshotMagic   = "RSPRAFT\x03"
	snapshotMagicV2 = "RSPRAFT\x02" // no queue of blocked clients
	snapshotMagicV1 = "RSPRAFT\x01" // nor EntryOnce records
)

var crcTable = crc64.MakeTable(crc64.ECMA)

// ErrBadSnapshot is returned by Restore for a snapshot it cannot read.
var ErrBadSnapshot = errors.New("fsm: bad snapshot")

// valueCodecs decodes a value from its snapshot encoding, by type byte.
// Each type's file registers its decoder; type bytes are never reused.
var valueCodecs = map[byte]func(b []byte) (value, error){}

type snapshotDB struct {
	keys         *omap[*entry]
	flushVersion uint64
	horizon      uint64
	tombQ        []string
	tombs        map[string]uint64
}

type fsmSnapshot struct {
	index uint64
	clock int64
	dbs   []snapshotDB
	meta  map[string]string
	once  *onceTable
	waitq *waitQueue
	log   interface{ Info(string, ...any) }
}

// Snapshot implements raft.FSM. It returns at once: the keyspaces are
// copied in O(1) (copy-on-write b-trees) and the generation is bumped so
// that any later change to a key clones it first.
func (f *FSM) Snapshot() (raft.FSMSnapshot, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	st := f.st
	st.gen++
	s := &fsmSnapshot{index: f.applied.Load(), clock: st.clock, dbs: make([]snapshotDB, len(st.dbs)), log: f.log,
		meta: make(map[string]string, len(st.meta)), once: st.once.copy(), waitq: st.waitq.copy()}
	for k, v := range st.meta {
		s.meta[k] = v
	}
	for i, db := range st.dbs {
		tombs := make(map[string]uint64, len(db.tombs))
		for k, v := range db.tombs {
			tombs[k] = v
		}
		s.dbs[i] = snapshotDB{
			keys:         db.keys.Copy(),
			flushVersion: db.flushVersion,
			horizon:      db.horizon,
			tombQ:        append([]string(nil), db.tombQ...),
			tombs:        tombs,
		}
	}
	return s, nil
}

// Persist implements raft.FSMSnapshot.
func (s *fsmSnapshot) Persist(sink raft.SnapshotSink) error {
	start := time.Now()
	if err := s.write(sink); err != nil {
		_ = sink.Cancel()
		return fmt.Errorf("persist snapshot: %w", err)
	}
	if err := sink.Close(); err != nil {
		return fmt.Errorf("close snapshot: %w", err)
	}
	s.log.Info("snapshot persisted", "index", s.index, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// Release implements raft.FSMSnapshot.
func (s *fsmSnapshot) Release() {}

func (s *fsmSnapshot) write(w io.Writer) error {
	crc := crc64.New(crcTable)
	bw := bufio.NewWriterSize(io.MultiWriter(w, crc), 64<<10)
	var scratch []byte
	put := func(b []byte) error {
		_, err := bw.Write(b)
		return err
	}
	scratch = append(scratch[:0], snapshotMagic...)
	scratch = binary.AppendUvarint(scratch, s.index)
	scratch = binary.AppendVarint(scratch, s.clock)
	scratch = binary.AppendUvarint(scratch, uint64(len(s.dbs)))
	if err := put(scratch); err != nil {
		return err
	}
	for _, db := range s.dbs {
		scratch = binary.AppendUvarint(scratch[:0], db.flushVersion)
		scratch = binary.AppendUvarint(scratch, db.horizon)
		var live []string
		for _, k := range db.tombQ {
			if _, ok := db.tombs[k]; ok {
				live = append(live, k)
			}
		}
		scratch = binary.AppendUvarint(scratch, uint64(len(live)))
		for _, k := range live {
			scratch = appendBytes(scratch, []byte(k))
			scratch = binary.AppendUvarint(scratch, db.tombs[k])
		}
		scratch = binary.AppendUvarint(scratch, uint64(db.keys.Len()))
		if err := put(scratch); err != nil {
			return err
		}
		var err error
		var vbuf []byte
		db.keys.Each(func(k string, e *entry) bool {
			scratch = appendBytes(scratch[:0], []byte(k))
			scratch = binary.AppendVarint(scratch, e.expireAt)
			scratch = binary.AppendUvarint(scratch, e.version)
			scratch = append(scratch, e.val.typeByte())
			vbuf = e.val.encode(vbuf[:0])
			scratch = appendBytes(scratch, vbuf)
			err = put(scratch)
			return err == nil
		})
		if err != nil {
			return err
		}
	}
	if err := put(appendMeta(scratch[:0], s.meta)); err != nil {
		return err
	}
	if err := put(appendOnce(scratch[:0], s.once)); err != nil {
		return err
	}
	if err := put(appendWaitQueue(scratch[:0], s.waitq)); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	var sum [8]byte
	binary.BigEndian.PutUint64(sum[:], crc.Sum64())
	_, err := w.Write(sum[:])
	return err
}

// crcReader reads the snapshot body while hashing it.
type crcReader struct {
	r   *bufio.Reader
	crc hash.Hash64
	err error
}

func (r *crcReader) ReadByte() (byte, error) {
	b, err := r.r.ReadByte()
	if err == nil {
		r.crc.Write([]byte{b})
	}
	return b, err
}

func (r *crcReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, err := binary.ReadUvarint(r)
	if err != nil {
		r.err = err
	}
	return v
}

func (r *crcReader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, err := binary.ReadVarint(r)
	if err != nil {
		r.err = err
	}
	return v
}

func (r *crcReader) full(n uint64) []byte {
	if r.err != nil {
		return nil
	}
	if n > 1<<32 {
		r.err = fmt.Errorf("%w: length %d", ErrBadSnapshot, n)
		return nil
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r.r, b); err != nil {
		r.err = err
		return nil
	}
	r.crc.Write(b)
	return b
}

func (r *crcReader) bytes() []byte { return r.full(r.uvarint()) }

// Restore implements raft.FSM: it reads a whole snapshot into a fresh state,
// verifies its checksum and only then swaps it in.
func (f *FSM) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	start := time.Now()
	loaded := f.wallClock() // the keys' access time (OBJECT IDLETIME)
	r := &crcReader{r: bufio.NewReaderSize(rc, 64<<10), crc: crc64.New(crcTable)}
	magic := string(r.full(uint64(len(snapshotMagic))))
	if r.err == nil && magic != snapshotMagic && magic != snapshotMagicV2 && magic != snapshotMagicV1 {
		return fmt.Errorf("%w: unknown magic %q", ErrBadSnapshot, magic)
	}
	index := r.uvarint()
	clock := r.varint()
	ndb := r.uvarint()
	if r.err != nil {
		return fmt.Errorf("%w: header: %v", ErrBadSnapshot, r.err)
	}
	if ndb > 1<<16 {
		return fmt.Errorf("%w: %d databases", ErrBadSnapshot, ndb)
	}
	want := f.Databases()
	n := int(ndb)
	if want > n {
		n = want
	}
	st := newState(n)
	st.clock = clock
	keys := 0
	for i := 0; i < int(ndb) && r.err == nil; i++ {
		db := st.dbs[i]
		db.flushVersion = r.uvarint()
		db.horizon = r.uvarint()
		nt := r.uvarint()
		for j := uint64(0); j < nt && r.err == nil; j++ {
			k := string(r.bytes())
			db.tombs[k] = r.uvarint()
			db.tombQ = append(db.tombQ, k)
		}
		nk := r.uvarint()
		for j := uint64(0); j < nk && r.err == nil; j++ {
			k := string(r.bytes())
			e := &entry{expireAt: r.varint(), version: r.uvarint(), atime: loaded}
			t, err := r.ReadByte()
			if err != nil {
				r.err = err
				break
			}
			body := r.bytes()
			if r.err != nil {
				break
			}
			dec, ok := valueCodecs[t]
			if !ok {
				return fmt.Errorf("%w: unknown value type %d", ErrBadSnapshot, t)
			}
			v, err := dec(body)
			if err != nil {
				return fmt.Errorf("%w: key %q: %v", ErrBadSnapshot, k, err)
			}
			e.val = v
			db.keys.Set(k, e)
			if e.expireAt != 0 {
				db.ttl.Set(ttlItem{at: e.expireAt, key: k})
			}
			keys++
		}
	}
	nm := r.uvarint()
	for j := uint64(0); j < nm && r.err == nil; j++ {
		id := string(r.bytes())
		st.meta[id] = string(r.bytes())
	}
	if magic != snapshotMagicV1 {
		no := r.uvarint()
		for j := uint64(0); j < no && r.err == nil; j++ {
			id := string(r.bytes())
			at := r.varint()
			reply := r.bytes()
			if r.err == nil {
				st.once.replies[id] = onceRecord{at: at, reply: reply}
				st.once.order = append(st.once.order, id)
			}
		}
	}
	if magic == snapshotMagic {
		st.waitq = readWaitQueue(r)
	}
	if r.err != nil {
		return fmt.Errorf("%w: %v", ErrBadSnapshot, r.err)
	}
	var sum [8]byte
	if _, err := io.ReadFull(r.r, sum[:]); err != nil {
		return fmt.Errorf("%w: missing checksum: %v", ErrBadSnapshot, err)
	}
	if got := binary.BigEndian.Uint64(sum[:]); got != r.crc.Sum64() {
		return fmt.Errorf("%w: checksum mismatch", ErrBadSnapshot)
	}
	f.mu.Lock()
	f.st = st
	f.ndb.Store(int64(len(st.dbs)))
	f.mu.Unlock()
	f.applied.Store(index)
	f.restoredIndex.Store(index)
	f.notifyMu.Lock()
	close(f.notify)
	f.notify = make(chan struct{})
	f.notifyMu.Unlock()
	f.log.Info("restored state from snapshot", "index", index, "keys", keys, "took", time.Since(start).Round(time.Millisecond))
	if f.readyHook != nil {
		f.readyHook(true, nil) // blocked clients look again at their keys
	}
	return nil
}
