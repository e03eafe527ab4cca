package fsm

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/hashicorp/raft"
)

// BenchmarkApplySetGroup applies entries of 44 SETs over 100,000 random
// keys, the shape of a group commit under 50 redis-benchmark clients; the
// time per op is one entry, so divide by 44 for one SET.
func BenchmarkApplySetGroup(b *testing.B) {
	const group, keys = 44, 100_000
	f := New(16, nil)
	rng := rand.New(rand.NewPCG(1, 2))
	set := func(k int) Cmd {
		return Cmd{Argv: [][]byte{[]byte("SET"), []byte("key:" + strconv.Itoa(k)), []byte("xxx")}}
	}
	var index uint64
	apply := func(data []byte) {
		index++
		f.ApplyBatch([]*raft.Log{{Index: index, Type: raft.LogCommand, Data: data}})
	}
	for i := 0; i < keys; i += group { // every key exists, as in a long run
		cmds := make([]Cmd, 0, group)
		for k := i; k < min(i+group, keys); k++ {
			cmds = append(cmds, set(k))
		}
		apply(EncodeCommands(1_700_000_000_000, cmds))
	}
	entries := make([][]byte, 1024)
	for i := range entries {
		cmds := make([]Cmd, group)
		for j := range cmds {
			cmds[j] = set(rng.IntN(keys))
		}
		entries[i] = EncodeCommands(1_700_000_000_000, cmds)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		apply(entries[i%len(entries)])
	}
}
