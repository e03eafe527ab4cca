package fsm

// Redis keeps a small hash as a listpack: fields in insertion order, which
// is the order HGETALL, HKEYS and HVALS return and what Redis users (and
// its tutorials) see. hashMap does the same: up to hashMaxListpackEntries
// fields, none of whose values is longer than hashMaxListpackValue bytes,
// live in a slice in insertion order; past either limit the hash converts,
// once and for good, to an omap (Redis converts to a hashtable, whose order
// is unspecified). The limits are Redis's defaults.
const (
	hashMaxListpackEntries = 128
	hashMaxListpackValue   = 64
)

type hashField struct {
	f string
	v []byte
}

type hashMap struct {
	small []hashField // insertion order; nil once big is used
	big   *omap[[]byte]
}

func newHashMap() *hashMap { return &hashMap{} }

func (m *hashMap) isSmall() bool { return m.big == nil }

func (m *hashMap) find(f string) int {
	for i := range m.small {
		if m.small[i].f == f {
			return i
		}
	}
	return -1
}

func (m *hashMap) Len() int {
	if m.isSmall() {
		return len(m.small)
	}
	return m.big.Len()
}

func (m *hashMap) Get(f string) ([]byte, bool) {
	if m.isSmall() {
		if i := m.find(f); i >= 0 {
			return m.small[i].v, true
		}
		return nil, false
	}
	return m.big.Get(f)
}

// Set stores v under f and reports whether f is new. An existing field
// keeps its position, as in a listpack.
func (m *hashMap) Set(f string, v []byte) bool {
	if m.isSmall() {
		if i := m.find(f); i >= 0 {
			m.small[i].v = v
			m.maybeConvert(f, v)
			return false
		}
		m.small = append(m.small, hashField{f, v})
		m.maybeConvert(f, v)
		return true
	}
	return m.big.Set(f, v)
}

func (m *hashMap) maybeConvert(f string, v []byte) {
	if len(m.small) <= hashMaxListpackEntries && len(f) <= hashMaxListpackValue && len(v) <= hashMaxListpackValue {
		return
	}
	big := newOmap[[]byte]()
	for _, kv := range m.small {
		big.Set(kv.f, kv.v)
	}
	m.small, m.big = nil, big
}

func (m *hashMap) Delete(f string) ([]byte, bool) {
	if m.isSmall() {
		i := m.find(f)
		if i < 0 {
			return nil, false
		}
		v := m.small[i].v
		m.small = append(m.small[:i:i], m.small[i+1:]...)
		return v, true
	}
	return m.big.Delete(f)
}

// At returns the i-th field in iteration order.
func (m *hashMap) At(i int) (string, []byte) {
	if m.isSmall() {
		return m.small[i].f, m.small[i].v
	}
	return m.big.At(i)
}

func (m *hashMap) Each(fn func(f string, v []byte) bool) {
	if m.isSmall() {
		for _, kv := range m.small {
			if !fn(kv.f, kv.v) {
				return
			}
		}
		return
	}
	m.big.Each(fn)
}

// Scan is omap.Scan; a small hash is returned whole with cursor 0, as
// Redis does for a listpack.
func (m *hashMap) Scan(cursor uint64, count int, fn func(f string, v []byte)) uint64 {
	if m.isSmall() {
		for _, kv := range m.small {
			fn(kv.f, kv.v)
		}
		return 0
	}
	return m.big.Scan(cursor, count, fn)
}

// Copy returns a copy that can be changed independently: O(1) for a big
// hash, a copy of at most 128 slice entries for a small one. Values are
// never changed in place, so both copies may share them.
func (m *hashMap) Copy() *hashMap {
	if m.isSmall() {
		return &hashMap{small: append([]hashField(nil), m.small...)}
	}
	return &hashMap{big: m.big.Copy()}
}
