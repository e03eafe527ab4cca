package fsm

import (
	"encoding/binary"
	"sort"
)

// EntryMeta records a cluster member's client address (id, addr; an empty
// addr forgets the member), so every node can tell clients where the
// leader's RESP port is. It is state like any other: replicated,
// snapshotted, and not part of any database digest.
const EntryMeta byte = 5

// EncodeMeta builds an EntryMeta entry.
func EncodeMeta(id, clientAddr string) []byte {
	b := []byte{EntryMeta}
	b = appendBytes(b, []byte(id))
	return appendBytes(b, []byte(clientAddr))
}

func applyMeta(f *FSM, index uint64, body []byte) (*Result, error) {
	d := decoder{b: body}
	id := string(d.bytes())
	addr := string(d.bytes())
	if d.err != nil {
		return nil, d.err
	}
	if addr == "" {
		delete(f.st.meta, id)
	} else {
		f.st.meta[id] = addr
	}
	return &Result{}, nil
}

func init() { applyFuncs[EntryMeta] = applyMeta }

// ClientAddrs returns a copy of the known members' client addresses.
func (f *FSM) ClientAddrs() map[string]string {
	f.mu.RLock()
	defer f.mu.RUnlock()
	out := make(map[string]string, len(f.st.meta))
	for k, v := range f.st.meta {
		out[k] = v
	}
	return out
}

// Restamp returns data with its now_ms replaced by nowMs, for entry types
// that carry one: the leader stamps the time of a write a follower
// forwarded. Other entries are returned unchanged.
func Restamp(data []byte, nowMs int64) []byte {
	if len(data) == 0 {
		return data
	}
	switch data[0] {
	case EntryCommands, EntryExec, EntryExpire, EntryOnce:
	default:
		return data
	}
	_, n := binary.Varint(data[1:])
	if n <= 0 {
		return data
	}
	out := make([]byte, 0, len(data)+binary.MaxVarintLen64)
	out = append(out, data[0])
	out = binary.AppendVarint(out, nowMs)
	return append(out, data[1+n:]...)
}

func appendMeta(b []byte, meta map[string]string) []byte {
	ids := make([]string, 0, len(meta))
	for id := range meta {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	b = binary.AppendUvarint(b, uint64(len(ids)))
	for _, id := range ids {
		b = appendBytes(b, []byte(id))
		b = appendBytes(b, []byte(meta[id]))
	}
	return b
}
