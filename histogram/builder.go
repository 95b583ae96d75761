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

// finish completes a snapshot whose buckets are set: it gives an empty run
// the offset of the scale's lowest bucket (where Histogram.Snapshot has
// always put it), so that every empty run of a scale is the same, and sets
// the count from the buckets.
func (s *Snapshot) finish() {
	for _, b := range []*Buckets{&s.pos, &s.neg} {
		if len(b.Counts) == 0 {
			*b = Buckets{Offset: minIndex(s.scale)}
		}
	}
	s.count = addSat(s.zero, addSat(total(s.pos.Counts), total(s.neg.Counts)))
}

// addSat returns a+b, or MaxCount if that is larger (or wraps).
func addSat(a, b uint64) uint64 {
	if t := a + b; t >= a && t <= MaxCount {
		return t
	}
	return MaxCount
}

// pickExtremes sets the extremes of a snapshot read from shards, whose count
// is set, from order keys: maxKeys are keys (see key) and minKeys their
// complements, as shard.max and shard.min hold them (0 = none), with the
// ones the Interval before left pending; oldMax and oldMin are the keys
// that Interval read. Each key is a value observed, by an observation whose
// bucket this snapshot may or may not count: an observation raises its
// extremes before it adds to its bucket, and an Interval in between takes
// the extremes and leaves the bucket.
//
// Max is the largest of maxKeys that lies in the highest non-empty bucket;
// if none does, the largest of every other key given that does; and if none
// does, that bucket's representative value. Min likewise, mirrored. If they
// then fall the wrong way round (one bucket holds both), an unknown one
// takes the known one's value, and two known ones trade places.
//
// A value of maxKeys or minKeys above the highest non-empty bucket belongs
// to observations the snapshot does not count (had it counted one, its
// bucket would be at least as high); so does one below the lowest. The
// largest above and the smallest below are returned as pending, for the
// next interval to consider. An empty snapshot has NaN extremes, and every
// value of maxKeys and minKeys is pending.
func (s *Snapshot) pickExtremes(maxKeys, minKeys, oldMax, oldMin []uint64) (pendingMax, pendingMin uint64) {
	empty := s.count == 0
	var lo, hi span
	if !empty {
		lo, hi = s.extremeBuckets()
	}
	// In keys: the largest key of maxKeys in the highest bucket, and of the
	// other keys; in complements: the smallest value of minKeys in the
	// lowest bucket, and of the other keys. 0 = none.
	var maxFirst, maxOther, minFirst, minOther uint64
	consider := func(k uint64, fromMax, current bool) {
		v := unkey(k)
		if current {
			if empty || hi.above(v) {
				pendingMax = max(pendingMax, k)
			}
			if empty || lo.below(v) {
				pendingMin = max(pendingMin, ^k)
			}
		}
		if empty {
			return
		}
		if hi.contains(v) {
			if fromMax && current {
				maxFirst = max(maxFirst, k)
			} else {
				maxOther = max(maxOther, k)
			}
		}
		if lo.contains(v) {
			if !fromMax && current {
				minFirst = max(minFirst, ^k)
			} else {
				minOther = max(minOther, ^k)
			}
		}
	}
	for _, keys := range []struct {
		k                []uint64
		fromMax, current bool
	}{{maxKeys, true, true}, {minKeys, false, true}, {oldMax, true, false}, {oldMin, false, false}} {
		for _, k := range keys.k {
			switch {
			case k == 0:
			case keys.fromMax:
				consider(k, true, keys.current)
			default:
				consider(^k, false, keys.current)
			}
		}
	}
	s.min, s.max = math.NaN(), math.NaN()
	if empty {
		return pendingMax, pendingMin
	}
	s.min, s.max = lo.rep, hi.rep
	minKnown, maxKnown := true, true
	switch {
	case minFirst != 0:
		s.min = unkey(^minFirst)
	case minOther != 0:
		s.min = unkey(^minOther)
	default:
		minKnown = false
	}
	switch {
	case maxFirst != 0:
		s.max = unkey(maxFirst)
	case maxOther != 0:
		s.max = unkey(maxOther)
	default:
		maxKnown = false
	}
	if s.min > s.max {
		switch {
		case !maxKnown:
			s.max = s.min
		case !minKnown:
			s.min = s.max
		default:
			s.min, s.max = s.max, s.min
		}
	}
	return pendingMax, pendingMin
}

// A span is the value range of a bucket, lo to hi, with the ends closed
// that the bucket includes (hi for a positive bucket, lo for a negative
// one, both for the zero bucket), and the value that stands for it.
type span struct {
	lo, hi             float64
	loClosed, hiClosed bool
	rep                float64
}

// contains reports whether the bucket holds v.
func (b span) contains(v float64) bool {
	return (v > b.lo || b.loClosed && v == b.lo) && (v < b.hi || b.hiClosed && v == b.hi)
}

// above reports whether v lies above the bucket; below, below it.
func (b span) above(v float64) bool { return v > b.hi || !b.hiClosed && v == b.hi }
func (b span) below(v float64) bool { return v < b.lo || !b.loClosed && v == b.lo }

// extremeBuckets returns the spans of the lowest and the highest non-empty
// bucket of a snapshot that has observations.
func (s *Snapshot) extremeBuckets() (lo, hi span) {
	top := func(b Buckets) int { return b.Offset + len(b.Counts) - 1 }
	pos := func(i int) span {
		return span{LowerBound(i, s.scale), UpperBound(i, s.scale), false, true, represent(i, s.scale)}
	}
	neg := func(i int) span {
		return span{-UpperBound(i, s.scale), -LowerBound(i, s.scale), true, false, -represent(i, s.scale)}
	}
	zero := span{-s.zeroThr, s.zeroThr, true, true, 0}
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

// total returns the sum of counts, or MaxCount if that is larger.
func total(cs []uint64) uint64 {
	var t uint64
	for _, c := range cs {
		t = addSat(t, c)
	}
	return t
}
