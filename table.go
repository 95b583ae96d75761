package abacus

import (
	"sync/atomic"
	"unsafe"
)

// A series is one labelled member of a family: the label values, the label
// set rendered once for the exposition formats, and the metric M itself.
//
// Series are immutable except for the metric, next, and the fields the
// sweeper owns; lookups read them without locks.
type series[M any] struct {
	key     string // label values, each followed by 0xff
	labels  string // `{name="value",…}` with const labels, escaped; "" if none
	hash    uint64
	created int64 // unix nanoseconds
	idle    idleState
	m       M
}

// table is a hash table of series that readers search without locks:
// buckets are atomic pointers to immutable chains, writers (holding the
// family's mutex) publish a new series by storing it at a chain's head, and
// a table that fills up is replaced by one twice the size whose chains are
// built from fresh copies of the links (never of the series), so readers of
// the old table still see every series it held.
type table[M any] struct {
	buckets []atomic.Pointer[link[M]]
	mask    uint64
	n       int
}

// link is one element of a chain. Links are immutable once published; a
// chain changes by a new head being stored, or, to delete, by the chain
// before the deleted series being copied.
type link[M any] struct {
	s    *series[M]
	next *link[M]
}

func newTable[M any](size int) *table[M] {
	return &table[M]{buckets: make([]atomic.Pointer[link[M]], size), mask: uint64(size - 1)}
}

// find returns the series with the given hash and label values, or nil.
func (t *table[M]) find(h uint64, values []string) *series[M] {
	for l := t.buckets[h&t.mask].Load(); l != nil; l = l.next {
		if l.s.hash == h && keyMatches(l.s.key, values) {
			return l.s
		}
	}
	return nil
}

// insert adds s; the caller holds the writers' lock and has checked that no
// series with its values exists. It returns the table to use from now on,
// which is a larger one when this one was full.
func (t *table[M]) insert(s *series[M]) *table[M] {
	if t.n >= len(t.buckets) { // load factor 1: grow
		next := newTable[M](2 * len(t.buckets))
		for i := range t.buckets {
			for l := t.buckets[i].Load(); l != nil; l = l.next {
				next.push(l.s)
			}
		}
		t = next
	}
	t.push(s)
	return t
}

func (t *table[M]) push(s *series[M]) {
	b := &t.buckets[s.hash&t.mask]
	b.Store(&link[M]{s: s, next: b.Load()})
	t.n++
}

// remove deletes s, if present, by rebuilding the part of its chain before
// it; the caller holds the writers' lock.
func (t *table[M]) remove(s *series[M]) bool {
	b := &t.buckets[s.hash&t.mask]
	var before []*series[M]
	for l := b.Load(); l != nil; l = l.next {
		if l.s == s {
			rest := l.next
			for i := len(before) - 1; i >= 0; i-- {
				rest = &link[M]{s: before[i], next: rest}
			}
			b.Store(rest)
			t.n--
			return true
		}
		before = append(before, l.s)
	}
	return false
}

// hashValues is FNV-1a over the label values, each followed by 0xff (a byte
// that never occurs in UTF-8), so ("a","bc") and ("ab","c") differ.
func hashValues(values []string) uint64 {
	h := uint64(14695981039346656037)
	for _, v := range values {
		for i := 0; i < len(v); i++ {
			h ^= uint64(v[i])
			h *= 1099511628211
		}
		h ^= 0xff
		h *= 1099511628211
	}
	return h
}

// joinKey returns the label values joined into a series key.
func joinKey(values []string) string {
	n := 0
	for _, v := range values {
		n += len(v) + 1
	}
	b := make([]byte, 0, n)
	for _, v := range values {
		b = append(b, v...)
		b = append(b, 0xff)
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// keyMatches reports whether key holds exactly the given values, without
// allocating.
func keyMatches(key string, values []string) bool {
	for _, v := range values {
		if len(key) < len(v)+1 || key[:len(v)] != v || key[len(v)] != 0xff {
			return false
		}
		key = key[len(v)+1:]
	}
	return key == ""
}

// splitKey returns the label values of a key.
func splitKey(key string, n int) []string {
	out := make([]string, 0, n)
	for key != "" {
		i := 0
		for key[i] != 0xff {
			i++
		}
		out = append(out, key[:i])
		key = key[i+1:]
	}
	return out
}
