package raftnode

import (
	"context"
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

// blockingStore is a log store whose StoreLogs waits for release.
type blockingStore struct {
	raft.LogStore
	entered chan struct{}
	release chan struct{}
}

func (b *blockingStore) StoreLogs(logs []*raft.Log) error {
	b.entered <- struct{}{}
	<-b.release
	return nil
}

func TestLogTurn(t *testing.T) {
	bs := &blockingStore{LogStore: raft.NewInmemStore(), entered: make(chan struct{}), release: make(chan struct{})}
	ts := newTurnStore(bs)
	turn := func() chan struct{} {
		done := make(chan struct{})
		go func() { ts.wait(context.Background()); close(done) }()
		return done
	}
	returned := func(done chan struct{}, within time.Duration) bool {
		select {
		case <-done:
			return true
		case <-time.After(within):
			return false
		}
	}

	// An idle writer grants a turn at once.
	if !returned(turn(), time.Second) {
		t.Fatal("turn on an idle writer did not return")
	}
	// The granted entry is being stored: the next turn waits for that
	// write to end, not merely for it to begin.
	stored := make(chan error)
	go func() { stored <- ts.StoreLogs([]*raft.Log{{Index: 1}}) }()
	<-bs.entered
	second := turn()
	if returned(second, maxTurnWait/3) {
		t.Fatal("turn granted while the log writer was busy")
	}
	bs.release <- struct{}{}
	if err := <-stored; err != nil {
		t.Fatal(err)
	}
	if !returned(second, time.Second) {
		t.Fatal("turn not granted when the write ended")
	}
	// The second turn's entry has not been stored yet: a third turn waits
	// for it, but never longer than maxTurnWait.
	start := time.Now()
	if !returned(turn(), time.Second) {
		t.Fatal("turn never granted")
	}
	if d := time.Since(start); d < maxTurnWait/2 {
		t.Fatalf("turn granted after %v though the previous turn's entry was not stored", d)
	}
	// A cancelled context ends the wait too.
	ts.mu.Lock()
	ts.storing = true
	ts.mu.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start = time.Now()
	ts.wait(ctx)
	if d := time.Since(start); d >= maxTurnWait {
		t.Fatalf("wait with a cancelled context took %v", d)
	}
}
