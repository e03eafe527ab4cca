package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/redis/go-redis/v9"
)

// kvInput is one operation of the linearizability history: a GET, or a
// SET of a value no other operation writes.
type kvInput struct {
	set   bool
	key   string
	value string
}

// kvOutput is a GET's reply (found false for nil); SETs have none.
type kvOutput struct {
	found bool
	value string
}

// kvModel is a register per key; the state of a partition is the value
// ("" before the first SET; no SET writes "").
var kvModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byKey := map[string][]porcupine.Operation{}
		var keys []string
		for _, op := range history {
			k := op.Input.(kvInput).key
			if _, ok := byKey[k]; !ok {
				keys = append(keys, k)
			}
			byKey[k] = append(byKey[k], op)
		}
		var out [][]porcupine.Operation
		for _, k := range keys {
			out = append(out, byKey[k])
		}
		return out
	},
	Init: func() interface{} { return "" },
	Step: func(state, input, output interface{}) (bool, interface{}) {
		in := input.(kvInput)
		if in.set {
			return true, in.value
		}
		out := output.(kvOutput)
		st := state.(string)
		if !out.found {
			return st == "", st
		}
		return out.value == st, st
	},
	DescribeOperation: func(input, output interface{}) string {
		in := input.(kvInput)
		if in.set {
			return fmt.Sprintf("set %s %s", in.key, in.value)
		}
		out := output.(kvOutput)
		if !out.found {
			return fmt.Sprintf("get %s -> nil", in.key)
		}
		return fmt.Sprintf("get %s -> %s", in.key, out.value)
	},
}

// TestClusterLinearizable: clients on every node SET and GET a few keys
// while the leader is paused (SIGSTOP) long enough for the others to elect
// a new one, then resumed, twice; the history of replies, including reads
// through followers and writes whose outcome is unknown, must be
// linearizable (porcupine). A paused leader that wakes up still believing
// it leads is the case a read index must get right.
func TestClusterLinearizable(t *testing.T) {
	c := startCluster(t, 3)
	const perNode = 3
	keys := []string{"lin:a", "lin:b", "lin:c"}

	var (
		mu      sync.Mutex
		history []porcupine.Operation
		counts  = map[string]int{}
	)
	start := time.Now()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for ni, nd := range c.Nodes {
		for j := 0; j < perNode; j++ {
			id := ni*perNode + j
			cl := redis.NewClient(&redis.Options{
				Addr: nd.Addr(), Protocol: 2, MaxRetries: -1, PoolSize: 1,
				DialTimeout: time.Second, ReadTimeout: 4 * time.Second, WriteTimeout: time.Second,
			})
			t.Cleanup(func() { cl.Close() })
			wg.Add(1)
			go func() {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(uint64(id), 42))
				for seq := 0; ctx.Err() == nil; seq++ {
					in := kvInput{key: keys[rng.IntN(len(keys))], set: rng.IntN(2) == 0}
					if in.set {
						in.value = fmt.Sprintf("c%d-%d", id, seq)
					}
					call := time.Since(start).Nanoseconds()
					var out kvOutput
					var err error
					if in.set {
						err = cl.Set(context.Background(), in.key, in.value, 0).Err()
					} else {
						out.value, err = cl.Get(context.Background(), in.key).Result()
						out.found = err == nil
						if errors.Is(err, redis.Nil) {
							err = nil
						}
					}
					ret := time.Since(start).Nanoseconds()
					kind, keep := classify(in.set, err)
					mu.Lock()
					counts[kind]++
					if keep == keepDone {
						history = append(history, porcupine.Operation{ClientId: id, Input: in, Call: call, Output: out, Return: ret})
					} else if keep == keepOpen {
						// May have taken effect at any time after the call.
						history = append(history, porcupine.Operation{ClientId: id, Input: in, Call: call, Output: out, Return: math.MaxInt64})
					}
					mu.Unlock()
					if err != nil {
						time.Sleep(20 * time.Millisecond)
					}
				}
			}()
		}
	}

	time.Sleep(2 * time.Second)
	for round := 1; round <= 2; round++ {
		old := c.Leader()
		old.Pause()
		t.Logf("round %d: paused leader %s", round, old.name())
		deadline := time.Now().Add(electionBound)
		var nl *node
		for time.Now().Before(deadline) && nl == nil {
			for _, nd := range c.Nodes {
				if nd == old {
					continue
				}
				if info, err := nd.RaftInfo(); err == nil && info["role"] == "Leader" {
					nl = nd
				}
			}
			time.Sleep(50 * time.Millisecond)
		}
		time.Sleep(time.Second) // let clients work against the new leader
		old.Resume()
		if nl == nil {
			cancel()
			wg.Wait()
			t.Fatalf("round %d: no new leader within %v of pausing %s", round, electionBound, old.name())
		}
		t.Logf("round %d: %s leads; resumed %s", round, nl.name(), old.name())
		time.Sleep(2 * time.Second)
	}
	cancel()
	wg.Wait()

	mu.Lock()
	defer mu.Unlock()
	t.Logf("%d operations in the history; replies: %v", len(history), counts)
	if counts["get ok"] < 1000 || counts["set ok"] < 1000 {
		t.Fatalf("too little traffic to judge: %v", counts)
	}
	var pairReads int
	for _, nd := range c.Nodes {
		if info, err := nd.RaftInfo(); err == nil {
			var n int
			fmt.Sscan(info["peer_quorum_reads"], &n)
			pairReads += n
		}
	}
	t.Logf("read indexes handed to a follower without a round: %d", pairReads)
	if pairReads == 0 {
		t.Error("no follower read took the peer-quorum path; this test did not exercise it")
	}
	res, _ := porcupine.CheckOperationsVerbose(kvModel, history, 2*time.Minute)
	switch res {
	case porcupine.Ok:
	case porcupine.Illegal:
		t.Fatal("the history is not linearizable")
	default:
		t.Fatal("porcupine could not decide within 2 minutes")
	}
}

// What classify says to do with an operation.
const (
	keepDone = iota // it happened between call and return
	keepOpen        // a write that may have happened, at any time after its call
	keepNone        // it had no effect (a failed read, a definitely failed write)
)

// classify names a reply for the counts and says how the history keeps
// it. Only -CLUSTERDOWN and -TRYAGAIN say a write was not executed;
// anything else that fails (a timeout, a dropped connection, -UNKNOWN)
// leaves a write open.
func classify(set bool, err error) (string, int) {
	op := "get"
	if set {
		op = "set"
	}
	if err == nil {
		return op + " ok", keepDone
	}
	msg := err.Error()
	definite := strings.HasPrefix(msg, "CLUSTERDOWN") || strings.HasPrefix(msg, "TRYAGAIN")
	kind := op + " " + strings.SplitN(msg, " ", 2)[0]
	if !set || definite {
		return kind, keepNone
	}
	return kind, keepOpen
}
