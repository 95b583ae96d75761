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
	// A read racing with writers, or intervals that split an observation's
	// bucket from its extreme, can leave the extremes missing or outside the
	// buckets they describe: bring each into its extreme bucket, so that
	// quantiles and the encoding stay consistent.
	lo, hi := s.extremeBuckets()
	s.min = clampInto(s.min, lo)
	s.max = clampInto(s.max, hi)
	return s
}

// A span is the value range of a bucket: lo to hi, with the end closed that
// the bucket includes (hi for a positive bucket, lo for a negative one, both
// for the zero bucket).
type span struct {
	lo, hi     float64
	closedHigh bool
}

// extremeBuckets returns the spans of the lowest and the highest non-empty
// bucket of a snapshot that has observations.
func (s *Snapshot) extremeBuckets() (lo, hi span) {
	top := func(b Buckets) int { return b.Offset + len(b.Counts) - 1 }
	pos := func(i int) span { return span{LowerBound(i, s.scale), UpperBound(i, s.scale), true} }
	neg := func(i int) span { return span{-UpperBound(i, s.scale), -LowerBound(i, s.scale), false} }
	zero := span{-s.zeroThr, s.zeroThr, true}
	switch {
	case len(s.neg.Counts) > 0:
		lo = neg(top(s.neg))
	case s.zero > 0:
		lo = zero
	default:
		lo = pos(s.pos.Offset)
	}
	switch {
	case len(s.pos.Counts) > 0:
		hi = pos(top(s.pos))
	case s.zero > 0:
		hi = zero
	default:
		hi = neg(s.neg.Offset)
	}
	return lo, hi
}

// clampInto returns v if it lies in the span, else (and for NaN) the span's
// closed end, a value the bucket holds.
func clampInto(v float64, b span) float64 {
	in := v >= b.lo && v <= b.hi
	switch {
	case in && b.closedHigh && (v > b.lo || b.lo == -b.hi): // (lo, hi], or the closed zero bucket
		return v
	case in && !b.closedHigh && v < b.hi: // [lo, hi)
		return v
	case b.closedHigh:
		return b.hi
	}
	return b.lo
}

func total(cs []uint64) uint64 {
	var t uint64
	for _, c := range cs {
		t += c
	}
	return t
}
