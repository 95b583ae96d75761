package histogram

import (
	"math"
	"sync/atomic"

	"github.com/abacusgo/abacus/internal/cpu"
)

// chunkBits sizes a chunk: buckets are allocated 64 at a time (512 bytes).
const (
	chunkBits = 6
	chunkSize = 1 << chunkBits
)

// chunk holds the counts of chunkSize consecutive buckets.
type chunk [chunkSize]atomic.Uint64

// directory holds one sign's buckets: a slice of chunk pointers covering
// every index from minIndex to maxIndex, allocated on the first observation
// of that sign, with each chunk allocated on the first observation in it.
type directory struct {
	p atomic.Pointer[[]atomic.Pointer[chunk]]
}

// bucket returns the counter of bucket offset off (index - minIndex),
// allocating what is missing. n is the directory length for the scale.
func (d *directory) bucket(off, n int) *atomic.Uint64 {
	if dir := d.p.Load(); dir != nil {
		if c := (*dir)[off>>chunkBits].Load(); c != nil {
			return &c[off&(chunkSize-1)]
		}
	}
	return d.grow(off, n)
}

// grow allocates what bucket needs. It panics for the zero Histogram,
// whose directories have no length: every Observe of it that needs a bucket
// comes here, as its directories are never allocated.
func (d *directory) grow(off, n int) *atomic.Uint64 {
	if n == 0 {
		panic(zeroValue)
	}
	dir := d.p.Load()
	if dir == nil {
		s := make([]atomic.Pointer[chunk], n)
		if !d.p.CompareAndSwap(nil, &s) {
			dir = d.p.Load()
		} else {
			dir = &s
		}
	}
	slot := &(*dir)[off>>chunkBits]
	c := slot.Load()
	if c == nil {
		slot.CompareAndSwap(nil, new(chunk))
		c = slot.Load()
	}
	return &c[off&(chunkSize-1)]
}

// bytes returns the memory the directory holds.
func (d *directory) bytes() int {
	dir := d.p.Load()
	if dir == nil {
		return 0
	}
	n := len(*dir) * 8
	for ci := range *dir {
		if (*dir)[ci].Load() != nil {
			n += chunkSize * 8
		}
	}
	return n
}

// shard is one set of counts. A Histogram starts with one and adds one per
// P when writers contend.
type shard struct {
	pos, neg directory
	zero     atomic.Uint64 // observations with |v| ≤ the zero threshold
	fsum     atomic.Uint64 // float64 bits: the sum of Observe values
	isum     atomic.Int64  // the sum of ObserveInt values
	nsum     atomic.Int64  // the sum of ObserveDuration values, in nanoseconds
	min, max atomic.Uint64 // order keys (see key); 0 = nothing observed
	nan      atomic.Uint64 // rejected: NaN
	inf      atomic.Uint64 // rejected: ±Inf and |v| > MaxValue
	_        cpu.Pad
}

// key maps a float to a uint64 whose unsigned order is the float's order,
// with 0 below every non-NaN float (so 0 can mean "nothing observed").
func key(bits uint64) uint64 {
	if bits>>63 != 0 {
		return ^bits
	}
	return bits | 1<<63
}

func unkey(k uint64) float64 {
	if k>>63 != 0 {
		return math.Float64frombits(k &^ (1 << 63))
	}
	return math.Float64frombits(^k)
}

// raise stores k in u if it is larger.
func raise(u *atomic.Uint64, k uint64) {
	for {
		old := u.Load()
		if k <= old || u.CompareAndSwap(old, k) {
			return
		}
	}
}

// extremes records a value's order key k in min and max, given their values
// loaded earlier: once both have settled it costs two comparisons.
func (s *shard) extremes(k, maxOld, minOld uint64) {
	if k > maxOld {
		raise(&s.max, k)
	}
	if ^k > minOld {
		raise(&s.min, ^k)
	}
}

// addCount adds c to a bucket's counter, saturating at MaxCount: for the
// large counts of ObserveWithExpected, which could wrap it otherwise (the +1
// of Observe cannot, from MaxCount, in centuries).
func addCount(u *atomic.Uint64, c uint64) {
	for {
		old := u.Load()
		if n := addSat(old, c); n == old || u.CompareAndSwap(old, n) {
			return
		}
	}
}

// spillAt bounds the integer sums: beyond it (or for an addend beyond half
// of it) they move into the float sum, so that they never wrap.
const spillAt = 1 << 62

// addInt adds n to the integer sum u, whose units are div per unit of the
// float sum, and reports whether another writer shares the shard. A sum
// that grows past spillAt moves into the float sum (a reader that runs in
// between sees the sum short by it for that moment); it keeps the integer
// sums exact for a long time (2^62 ns is 146 years of durations) and never
// lets them wrap.
func (s *shard) addInt(u *atomic.Int64, n int64, div float64) (contended bool) {
	if n > spillAt/2 || n < -spillAt/2 {
		return s.addFloat(float64(n) / div)
	}
	old := u.Load()
	now := u.Add(n)
	if now > spillAt || now < -spillAt {
		s.addFloat(float64(u.Swap(0)) / div)
	}
	return now != old+n
}

// addFloat adds v to the float sum and reports whether the compare-and-swap
// had to retry: another writer shares the shard.
func (s *shard) addFloat(v float64) (contended bool) {
	for {
		old := s.fsum.Load()
		if s.fsum.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			return contended
		}
		contended = true
	}
}

// bytes returns the memory the shard holds.
func (s *shard) bytes() int {
	return int(sizeofShard) + s.pos.bytes() + s.neg.bytes()
}

// below returns the shard's observations below every positive bucket: the
// zero bucket's and the negative ones.
func (s *shard) below() uint64 {
	n := s.zero.Load()
	if dir := s.neg.p.Load(); dir != nil {
		for ci := range *dir {
			if ch := (*dir)[ci].Load(); ch != nil {
				n += sumRun(ch[:])
			}
		}
	}
	return n
}

// sums adds up the three sums of shards, read without taking them: each
// shard's exact, summed as floats so that many shards cannot overflow.
type sums struct{ f, i, n float64 }

func (a *sums) add(s *shard) {
	a.f += math.Float64frombits(s.fsum.Load())
	a.i += float64(s.isum.Load())
	a.n += float64(s.nsum.Load())
}

// total returns the sum in the histogram's units; durUnit is nanoseconds
// per unit.
func (a *sums) total(durUnit float64) float64 { return a.f + a.i + a.n/durUnit }
