package fsm

import (
	"bytes"
	"testing"
)

func TestGetSetAndTypes(t *testing.T) {
	tf := newTestFSM(t)
	tf.run([]step{
		{c("GET k"), nilBulk},
		{c("SET k v"), ok},
		{c("get k"), bulk("v")},
		{c("PING"), status("PONG")},
		{c("ECHO hi"), bulk("hi")},
		{c("SELECT x"), errReply(ErrNotInteger)},
		{c("NOPE a"), errReply("ERR unknown command 'NOPE'")},
		{c("GET"), errReply("ERR wrong number of arguments for 'get' command")},
	})
}

func TestSnapshotRoundTrip(t *testing.T) {
	tf := newTestFSM(t)
	for i := 0; i < 200; i++ {
		tf.db = i % 3
		tf.do("SET", "key"+itoa(i), "value"+itoa(i))
	}
	snap, err := tf.f.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	want := tf.f.DigestAll()
	// Writes after Snapshot must not leak into it.
	tf.db = 0
	tf.do("SET", "late", "x")
	data := snapshotBytes(t, snap)
	g := restoredFrom(t, data)
	if got := g.DigestAll(); got != want {
		t.Errorf("digest after restore: got %s, want %s", got, want)
	}
	if g.AppliedIndex() != 200 {
		t.Errorf("applied after restore: got %d, want 200", g.AppliedIndex())
	}
	// A flipped byte must be refused.
	bad := append([]byte(nil), data...)
	bad[len(bad)/2] ^= 0xff
	if err := New(16, nil).Restore(nopCloser{bytes.NewReader(bad)}); err == nil {
		t.Error("restore of a corrupted snapshot succeeded")
	}
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }
