package abacus

import (
	"encoding/binary"
	"sync/atomic"
	"unsafe"
)

// A series is one labelled member of a family: the metric M itself, the
// label values, the label set rendered once for the text formats, and when
// it was created and last seen written.
//
// Series are immutable except for the metric and lastActive, which the
// vector's lock guards; lookups read them without locks.
type series[M any] struct {
	m          M      // first: a pointer to the metric is a pointer to the series (see use)
	key        string // label values, each followed by 0xff
	labels     string // `{name="value",…}` with const labels, escaped; "" if none
	created    int64  // unix nanoseconds
	lastActive int64  // unix nanoseconds: creation, or the last sweep that found it written
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
	n       atomic.Int64 // series held; written under the writers' lock, read by Len without it
}

// link is one element of a chain. Links are immutable once published; a
// chain changes by a new head being stored, or, to delete, by the chain
// before the deleted series being copied. The link repeats its series' hash
// so that a search passes over other series without loading them.
type link[M any] struct {
	probe
	s    *series[M]
	next *link[M]
}

func newTable[M any](size int) *table[M] {
	return &table[M]{buckets: make([]atomic.Pointer[link[M]], size), mask: uint64(size - 1)}
}

// find returns the series with the given label values (whose probe is p),
// or nil.
func (t *table[M]) find(p probe, values []string) *series[M] {
	for l := t.buckets[p.hash&t.mask].Load(); l != nil; l = l.next {
		if l.probe == p && (p.n <= shortKey || keyMatches(l.s.key, values)) {
			return l.s
		}
	}
	return nil
}

// insert adds s, whose probe is p; the caller holds the writers' lock and
// has checked that no series with its values exists. It returns the table to
// use from now on, which is a larger one when this one was full. (The probe
// lives only in the links, which is where lookups read it.)
func (t *table[M]) insert(p probe, s *series[M]) *table[M] {
	if t.n.Load() >= int64(len(t.buckets)) { // load factor 1: grow
		next := newTable[M](2 * len(t.buckets))
		for i := range t.buckets {
			for l := t.buckets[i].Load(); l != nil; l = l.next {
				next.push(l.probe, l.s)
			}
		}
		t = next
	}
	t.push(p, s)
	return t
}

func (t *table[M]) push(p probe, s *series[M]) {
	b := &t.buckets[p.hash&t.mask]
	b.Store(&link[M]{probe: p, s: s, next: b.Load()})
	t.n.Add(1)
}

// remove deletes s, whose probe is p, if present, by rebuilding the part of
// its chain before it; the caller holds the writers' lock.
func (t *table[M]) remove(p probe, s *series[M]) bool {
	b := &t.buckets[p.hash&t.mask]
	var before []*link[M]
	for l := b.Load(); l != nil; l = l.next {
		if l.s == s {
			rest := l.next
			for i := len(before) - 1; i >= 0; i-- {
				rest = &link[M]{probe: before[i].probe, s: before[i].s, next: rest}
			}
			b.Store(rest)
			t.n.Add(-1)
			return true
		}
		before = append(before, l)
	}
	return false
}

const (
	mix1 = 0x9e3779b97f4a7c15
	mix2 = 0xbf58476d1ce4e5b9
)

// A probe is what a lookup compares before anything else: a hash of the
// label values and, when their joined key (each value followed by 0xff) fits
// in 16 bytes, the key itself packed into two words, so that a match needs
// no pointer chased and no byte compared one at a time. n is the joined
// length, or more than shortKey for a long key, whose w0 and w1 are zero and
// whose match is confirmed against the series' key.
type probe struct {
	hash   uint64
	w0, w1 uint64
	n      int
}

// shortKey is the longest joined key a probe holds in full.
const shortKey = 16

// makeProbe computes the probe of the label values under a vector's random
// seed: for a short key, packing the values into two words and hashing
// those; for a long one, hashing the values eight bytes at a time.
func makeProbe(seed uint64, values []string) probe {
	var w0, w1 uint64
	at := 0 // bytes packed so far
	for _, v := range values {
		n := len(v)
		if n > 7 || at+n+1 > shortKey {
			return longProbe(seed, values)
		}
		token := loadShort(unsafe.Slice(unsafe.StringData(v), n)) | 0xff<<(8*n&63)
		// The shifts are masked so that the compiler needs no code for
		// shifts of 64 or more: at < 8 in the first branch, and the right
		// shift is split in two so that at = 0 shifts by 64 in all (token
		// >> 1 has no bit 63), giving 0.
		if at < 8 {
			w0 |= token << (8 * at & 63)
			w1 |= token >> 1 >> ((8*(8-at) - 1) & 63)
		} else {
			w1 |= token << (8 * (at - 8) & 63)
		}
		at += n + 1
	}
	// The number of values goes into the hash: a value holding a 0xff byte
	// (invalid UTF-8) packs like a separator, so ("a\xff") and ("a", "")
	// share their words and must differ here.
	h := (seed ^ w0) * mix1
	h = (h ^ w1 ^ uint64(at) ^ uint64(len(values))<<32) * mix2
	return probe{hash: h ^ h>>31, w0: w0, w1: w1, n: at}
}

// longProbe hashes label values whose joined key is longer than shortKey,
// each value's length mixed in, so ("a","bc") and ("ab","c") differ.
func longProbe(seed uint64, values []string) probe {
	h := seed
	for _, v := range values {
		b := unsafe.Slice(unsafe.StringData(v), len(v))
		h = (h ^ uint64(len(b))) * mix1
		for len(b) >= 8 {
			h = (h ^ binary.LittleEndian.Uint64(b)) * mix2
			h ^= h >> 31
			b = b[8:]
		}
		if len(b) > 0 {
			h = (h ^ loadShort(b)) * mix2
			h ^= h >> 31
		}
	}
	return probe{hash: h ^ h>>29, n: shortKey + 1}
}

// loadShort returns up to 7 bytes as a little-endian word with overlapping
// loads: two 4-byte loads for 4…7 bytes, three byte loads for 1…3.
func loadShort(b []byte) uint64 {
	switch n := len(b); {
	case n >= 4:
		return uint64(binary.LittleEndian.Uint32(b)) | uint64(binary.LittleEndian.Uint32(b[n-4:]))<<(8*(n-4)&63)
	case n > 0: // shifts masked: they are below 64, and the compiler need not check
		return uint64(b[0]) | uint64(b[n/2])<<(8*(n/2)&63) | uint64(b[n-1])<<(8*(n-1)&63)
	}
	return 0
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
		n := len(v)
		if len(key) <= n || key[n] != 0xff {
			return false
		}
		if key[:n] != v {
			return false
		}
		key = key[n+1:]
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
