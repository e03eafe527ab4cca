package fsm

import (
	"bytes"
	"encoding/binary"
	"hash/crc64"
	"slices"
	"strconv"
	"testing"
)

// blocker drives the EntryBlock attempts of one blocked client, as resp
// does: a new attempt id each time, the same block id throughout.
type blocker struct {
	tf    *testFSM
	id    string
	argv  []string
	lease int64
	n     int
}

func (tf *testFSM) blocker(id string, lease int64, argv ...string) *blocker {
	return &blocker{tf: tf, id: id, argv: argv, lease: lease}
}

func (b *blocker) attempt() string {
	b.tf.t.Helper()
	b.n++
	data := EncodeBlock(b.tf.now, []byte(b.id+"/"+strconv.Itoa(b.n)), []byte(b.id), b.lease, b.tf.db, argvOf(b.argv...))
	return string(b.tf.applyData(data).Replies[0])
}

func (tf *testFSM) queueLen() int { return tf.f.st.waitq.Len() }

func TestBlockedClientsAreServedInTheOrderTheyBlocked(t *testing.T) {
	tf := newTestFSM(t)
	w1 := tf.blocker("n1/c1", 10_000, "BLPOP", "q", "0")
	w2 := tf.blocker("n2/c1", 10_000, "BLPOP", "q", "0")
	w3 := tf.blocker("n3/c1", 10_000, "BRPOPLPUSH", "q", "dst", "0")
	for _, w := range []*blocker{w1, w2} {
		if got := w.attempt(); got != nilArray {
			t.Fatalf("%s on an empty list: %q", w.id, got)
		}
	}
	if got := w3.attempt(); got != nilBulk {
		t.Fatalf("BRPOPLPUSH on an empty list: %q", got)
	}
	if tf.queueLen() != 3 {
		t.Fatalf("%d clients registered, want 3", tf.queueLen())
	}

	tf.do(c("RPUSH q a")...)
	// The later clients' attempts come first (their nodes were quicker):
	// the element is the first client's.
	if got := w3.attempt(); got != nilBulk {
		t.Fatalf("third client took the first client's element: %q", got)
	}
	if got := w2.attempt(); got != nilArray {
		t.Fatalf("second client took the first client's element: %q", got)
	}
	// A client that had not blocked yet waits behind them too, as in
	// Redis, where a blocked client is served before anyone else runs.
	w4 := tf.blocker("n1/c2", 10_000, "BLPOP", "q", "0")
	if got := w4.attempt(); got != nilArray {
		t.Fatalf("newcomer took a waiting client's element: %q", got)
	}
	if got := w1.attempt(); got != bulks("q", "a") {
		t.Fatalf("first client: %q", got)
	}
	// A plain pop is not held back (Redis never leaves the element there).
	tf.do(c("RPUSH q b c")...)
	if got := w2.attempt(); got != bulks("q", "b") {
		t.Fatalf("second client, now first in line: %q", got)
	}
	if got := w4.attempt(); got != nilArray {
		t.Fatalf("fourth client went before the third: %q", got)
	}
	if got := w3.attempt(); got != bulk("c") {
		t.Fatalf("third client: %q", got)
	}
	if got := tf.do("LRANGE", "dst", "0", "-1"); got != bulks("c") {
		t.Fatalf("BRPOPLPUSH destination: %q", got)
	}
	if tf.queueLen() != 1 {
		t.Fatalf("%d clients registered after three were served, want 1", tf.queueLen())
	}

	// A retried attempt (same attempt id) gets its recorded reply and
	// changes nothing.
	tf.do(c("RPUSH q d")...)
	data := EncodeBlock(tf.now, []byte("n1/c2/9"), []byte("n1/c2"), 10_000, 0, argvOf("BLPOP", "q", "0"))
	first := string(tf.applyData(data).Replies[0])
	if again := string(tf.applyData(data).Replies[0]); first != bulks("q", "d") || again != first {
		t.Fatalf("attempt and its retry: %q, %q", first, again)
	}
}

func TestBlockQueueKeepsToTypeAndKey(t *testing.T) {
	tf := newTestFSM(t)
	z := tf.blocker("n1/z", 10_000, "BZPOPMIN", "k", "0")
	l := tf.blocker("n2/l", 10_000, "BLPOP", "other", "k", "0")
	if z.attempt() != nilArray || l.attempt() != nilArray {
		t.Fatal("attempts on empty keys popped something")
	}
	// A list under k is not the sorted-set client's to take.
	tf.do(c("RPUSH k x")...)
	if got := l.attempt(); got != bulks("k", "x") {
		t.Fatalf("list client behind a sorted-set client: %q", got)
	}
	// A sorted set is, and a client waiting on another key is not held
	// back by it.
	tf.do(c("ZADD k 1 m")...)
	tf.do(c("RPUSH other y")...)
	l2 := tf.blocker("n2/l2", 10_000, "BLPOP", "other", "0")
	if got := l2.attempt(); got != bulks("other", "y") {
		t.Fatalf("client on another key: %q", got)
	}
	if got := z.attempt(); got != array(bulk("k"), bulk("m"), bulk("1")) {
		t.Fatalf("sorted-set client: %q", got)
	}
}

func TestBlockRegistrationLapsesUnlessRefreshed(t *testing.T) {
	tf := newTestFSM(t)
	w1 := tf.blocker("n1/c1", 1000, "BLPOP", "q", "0") // its node dies after this
	w2 := tf.blocker("n2/c1", 1000, "BLPOP", "q", "0")
	w1.attempt()
	w2.attempt()
	tf.do(c("RPUSH q a")...)
	if n := tf.f.QueuedClients(); n != 2 {
		t.Fatalf("QueuedClients: %d, want 2", n)
	}

	// Refreshed at +600 for another 1000 ms: held until +1600.
	tf.now += 600
	tf.applyData(EncodeRefresh(tf.now, 1000, []byte("n1/c1"), []byte("unknown")))
	tf.now += 900
	if got := w2.attempt(); got != nilArray {
		t.Fatalf("took a refreshed client's element: %q", got)
	}
	tf.now += 100 // +1600: the lease has ended
	// INFO counts by the node's clock, before any entry drops it.
	if n := tf.f.QueuedClients(); n != 1 {
		t.Fatalf("QueuedClients once the first lease ended: %d, want 1", n)
	}
	if got := w2.attempt(); got != bulks("q", "a") {
		t.Fatalf("still held back by a lapsed registration: %q", got)
	}
	if tf.queueLen() != 0 {
		t.Fatalf("%d registrations left", tf.queueLen())
	}

	// An unblock withdraws at once; a refresh drops what has lapsed.
	w3 := tf.blocker("n3/c1", 1000, "BLPOP", "q", "0")
	w4 := tf.blocker("n4/c1", 1000, "BLPOP", "q", "0")
	w3.attempt()
	w4.attempt()
	tf.applyData(EncodeUnblock(tf.now, []byte("n3/c1")))
	tf.do(c("RPUSH q b")...)
	if got := w4.attempt(); got != bulks("q", "b") {
		t.Fatalf("held back by a withdrawn client: %q", got)
	}
	w4.attempt()
	tf.now += 5000
	tf.applyData(EncodeRefresh(tf.now, 1000))
	if tf.queueLen() != 0 {
		t.Fatalf("a refresh left %d lapsed registrations", tf.queueLen())
	}
}

func TestBlockQueueSurvivesSnapshot(t *testing.T) {
	tf := newTestFSM(t)
	w1 := tf.blocker("n1/c1", 60_000, "BLPOP", "q", "0")
	w2 := tf.blocker("n2/c1", 60_000, "BLPOP", "q", "0")
	w1.attempt()
	w2.attempt()
	snap, err := tf.f.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	data := snapshotBytes(t, snap)
	tf2 := newTestFSM(t)
	if err := tf2.f.Restore(nopCloser{bytes.NewReader(data)}); err != nil {
		t.Fatal(err)
	}
	tf2.index = tf.index
	tf2.do(c("RPUSH q a")...)
	w1.tf, w2.tf = tf2, tf2
	if got := w2.attempt(); got != nilArray {
		t.Fatalf("order lost in the snapshot: second client got %q", got)
	}
	if got := w1.attempt(); got != bulks("q", "a") {
		t.Fatalf("first client after restore: %q", got)
	}
	// Equal snapshots from equal states, whatever the map order.
	again, err := restored(t, snap).Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(snapshotBytes(t, again), data) {
		t.Fatal("a restored queue snapshots to different bytes")
	}
}

// TestDroppedRegistrationWakesTheKeys: when a registration ends without
// its client being served (withdrawn, lapsed, an error), the clients
// behind it may be first now, so its keys are reported to the ready hook
// as if changed: otherwise nothing would wake them while the data stays.
func TestDroppedRegistrationWakesTheKeys(t *testing.T) {
	tf := newTestFSM(t)
	var woken []DBKey
	tf.f.SetReadyHook(func(_ bool, keys []DBKey) { woken = append(woken, keys...) })
	tf.f.AddWaiters(1)
	w1 := tf.blocker("n1/c1", 1000, "BLPOP", "a", "b", "0")
	w2 := tf.blocker("n2/c1", 1000, "BLPOP", "b", "0")
	w1.attempt()
	w2.attempt()
	if len(woken) != 0 {
		t.Fatalf("registering woke %v", woken)
	}
	tf.applyData(EncodeUnblock(tf.now, []byte("n1/c1")))
	if want := []DBKey{{0, "a"}, {0, "b"}}; !slices.Equal(woken, want) {
		t.Fatalf("withdrawal woke %v, want %v", woken, want)
	}
	woken = nil
	tf.now += 1000
	tf.applyData(EncodeRefresh(tf.now, 1000))
	if want := []DBKey{{0, "b"}}; !slices.Equal(woken, want) {
		t.Fatalf("lapse woke %v, want %v", woken, want)
	}

	// A client served from one of its keys wakes the others too.
	w3 := tf.blocker("n3/c1", 1000, "BLPOP", "a", "b", "0")
	w3.attempt()
	tf.do(c("RPUSH a x")...)
	woken = nil
	if got := w3.attempt(); got != bulks("a", "x") {
		t.Fatalf("BLPOP a b: %q", got)
	}
	if !slices.Contains(woken, DBKey{0, "b"}) {
		t.Fatalf("serving from a woke %v, not b", woken)
	}
}

// TestClaimHoldsBackOnlyItsKey: a client waiting on several keys takes
// from one that nobody ahead of it waits on, even while another of its
// keys is kept for an earlier client.
func TestClaimHoldsBackOnlyItsKey(t *testing.T) {
	tf := newTestFSM(t)
	ahead := tf.blocker("n1/c1", 10_000, "BLPOP", "x", "0")
	ahead.attempt()
	tf.do(c("RPUSH x 1 2")...)
	tf.do(c("RPUSH y 3 4")...)
	if got := tf.blocker("n2/c1", 10_000, "BLPOP", "x", "y", "0").attempt(); got != bulks("y", "3") {
		t.Fatalf("BLPOP x y with x kept for another: %q", got)
	}
	if got := tf.blocker("n2/c2", 10_000, "BLMPOP", "0", "2", "x", "y", "LEFT", "COUNT", "5").attempt(); got != array(bulk("y"), bulks("4")) {
		t.Fatalf("BLMPOP 2 x y with x kept for another: %q", got)
	}
	// Nothing left outside x: a null, registered, and not recorded, so
	// that its retry (same attempt id) runs again once x is free.
	held := EncodeBlock(tf.now, []byte("n3/c1/1"), []byte("n3/c1"), 10_000, 0, argvOf("BLPOP", "y", "x", "0"))
	if got := string(tf.applyData(held).Replies[0]); got != nilArray {
		t.Fatalf("BLPOP y x with y empty and x kept: %q", got)
	}
	if got := ahead.attempt(); got != bulks("x", "1") {
		t.Fatalf("the client ahead: %q", got)
	}
	if got := string(tf.applyData(held).Replies[0]); got != bulks("x", "2") {
		t.Fatalf("a null attempt proposed again: %q", got)
	}
}

// TestRestoreSnapshotWithoutQueue: a version 2 snapshot (written before
// the queue existed: the same bytes without its section) still restores,
// with an empty queue.
func TestRestoreSnapshotWithoutQueue(t *testing.T) {
	tf := newTestFSM(t)
	tf.do(c("RPUSH q a")...)
	snap, err := tf.f.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	v3 := snapshotBytes(t, snap)
	// An empty queue is its last 2 bytes before the checksum: next seq 0, n 0.
	body := v3[len(snapshotMagic) : len(v3)-8]
	if !bytes.HasSuffix(body, []byte{0, 0}) {
		t.Fatalf("snapshot of an empty queue does not end in its empty section: % x", body[len(body)-4:])
	}
	v2 := append([]byte(snapshotMagicV2), body[:len(body)-2]...)
	v2 = binary.BigEndian.AppendUint64(v2, crc64.Checksum(v2, crcTable))
	f := restoredFrom(t, v2)
	if n := f.QueuedClients(); n != 0 {
		t.Fatalf("a version 2 snapshot restored %d queued clients", n)
	}
	if got := string(f.Read(0, Lookup([]byte("lrange")), argvOf("LRANGE", "q", "0", "-1"), nil)); got != bulks("a") {
		t.Fatalf("list after restoring a version 2 snapshot: %q", got)
	}
}
