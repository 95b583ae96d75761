package histogram

import "math"

// run accumulates one sign's bucket counts into a dense array covering
// bucket indices lo … lo+len(counts)-1, decided before any count is added.
type run struct {
	lo     int
	counts []uint64
}

// newRun returns a run covering indices lo … hi (empty if hi < lo).
func newRun(lo, hi int) run {
	if hi < lo {
		return run{}
	}
	return run{lo: lo, counts: make([]uint64, hi-lo+1)}
}

// trimmed returns the run without the empty buckets at either end, sharing
// its array.
func (r run) trimmed() Buckets {
	first, last := 0, len(r.counts)-1
	for first <= last && r.counts[first] == 0 {
		first++
	}
	for last >= first && r.counts[last] == 0 {
		last--
	}
	if first > last {
		return Buckets{}
	}
	return Buckets{Offset: r.lo + first, Counts: r.counts[first : last+1 : last+1]}
}

// finish sets a snapshot's count from its buckets and its extremes from
// order keys (maxKey a key, minKey the complement of one; 0 = none).
func (s *Snapshot) finish(minKey, maxKey uint64) *Snapshot {
	s.count = s.zero + total(s.pos.Counts) + total(s.neg.Counts)
	s.min, s.max = math.NaN(), math.NaN()
	if s.count == 0 {
		// Extremes without buckets belong to observations racing with the
		// read; an empty snapshot has none. Their sum is kept, so that the
		// sums of all intervals add up to the sum of all observations.
		return s
	}
	if maxKey != 0 {
		s.max = unkey(maxKey)
	}
	if minKey != 0 {
		s.min = unkey(^minKey)
	}
	return s
}

func total(cs []uint64) uint64 {
	var t uint64
	for _, c := range cs {
		t += c
	}
	return t
}
