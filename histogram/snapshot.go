package histogram

import (
	"iter"
	"math"
)

// A Snapshot is an immutable view of a histogram's counts. Its methods are
// safe for concurrent use (but for UnmarshalBinary, which sets it). Count is
// always the sum of the buckets, up to MaxCount. The zero Snapshot is the
// empty snapshot Merge returns: every method gives what Merge()'s does, at
// DefaultScale and with the zero threshold MinValue.
type Snapshot struct {
	scale   int
	zeroThr float64
	zero    uint64
	pos     Buckets
	neg     Buckets
	count   uint64
	sum     float64
	min     float64 // NaN when empty
	max     float64
	nan     uint64
	inf     uint64
}

// emptySnapshot is what the zero Snapshot stands for: Merge of nothing.
var emptySnapshot = func() Snapshot {
	s := Snapshot{scale: DefaultScale, zeroThr: MinValue, min: math.NaN(), max: math.NaN()}
	s.finish()
	return s
}()

// orEmpty returns s, or the empty snapshot if s is the zero Snapshot (the
// only one with a zero threshold of 0). Methods read through it and never
// write to what it returns.
func (s *Snapshot) orEmpty() *Snapshot {
	if s.zeroThr == 0 {
		return &emptySnapshot
	}
	return s
}

// MaxCount is the largest count a Snapshot holds, 2^63-1: the largest that
// its encoding and the int64 deltas of its Native form carry. Every count a
// Snapshot adds up (a bucket's from the shards or from merged snapshots, the
// zero bucket's, the rejected ones and Count) saturates there: a sum that
// would pass MaxCount is MaxCount. At a billion observations a second, one
// bucket reaches it in 292 years; ObserveWithExpected can reach it sooner.
const MaxCount = 1<<63 - 1

// Buckets is a dense run of bucket counts of one sign: Counts[k] is the count
// of bucket Offset+k. Snapshots trim runs to their first and last non-zero
// bucket; an empty run of a snapshot has no counts and the offset of the
// scale's lowest bucket, the one just above MinValue. The zero Buckets is an
// empty run.
type Buckets struct {
	Offset int
	Counts []uint64
}

// Scale returns the snapshot's scale.
func (s *Snapshot) Scale() int {
	s = s.orEmpty()
	return s.scale
}

// ZeroThreshold returns the largest absolute value in the zero bucket.
func (s *Snapshot) ZeroThreshold() float64 {
	s = s.orEmpty()
	return s.zeroThr
}

// ZeroCount returns the count of the zero bucket.
func (s *Snapshot) ZeroCount() uint64 {
	s = s.orEmpty()
	return s.zero
}

// Positive returns a copy of the positive buckets.
func (s *Snapshot) Positive() Buckets {
	s = s.orEmpty()
	return s.pos.clone()
}

// Negative returns a copy of the negative buckets (bucket i holds values
// v with 2^(i·2^-scale) < -v ≤ 2^((i+1)·2^-scale)).
func (s *Snapshot) Negative() Buckets {
	s = s.orEmpty()
	return s.neg.clone()
}

func (b Buckets) clone() Buckets {
	return Buckets{Offset: b.Offset, Counts: append([]uint64(nil), b.Counts...)}
}

// Count returns the number of observations bucketed: the sum of every
// bucket, the zero bucket included, or MaxCount if that sum is larger.
// Rejected values are not counted.
func (s *Snapshot) Count() uint64 {
	s = s.orEmpty()
	return s.count
}

// Sum returns the sum of the observations.
func (s *Snapshot) Sum() float64 {
	s = s.orEmpty()
	return s.sum
}

// Min returns the smallest observation, or NaN if there is none.
//
// It is exact for a snapshot of a histogram that no observation was being
// recorded into while the snapshot was read, nor while the Interval before
// it was read, and for merges and downscales of such snapshots. An
// observation records its extremes just before its bucket, so an Interval
// read in between takes its extremes and leaves its bucket to the next
// interval. With such racing observations, Min is a value observed (though
// perhaps by an observation this snapshot does not count) that lies in the
// lowest non-empty bucket or, if the snapshot knows of no such value, that
// bucket's representative value (see Quantile). In every case Min lies in
// the lowest non-empty bucket, Max in the highest, and Min ≤ Max.
func (s *Snapshot) Min() float64 {
	s = s.orEmpty()
	return s.min
}

// Max returns the largest observation, or NaN if there is none. It is
// exact, or else chosen, as Min is (see Min), in the highest non-empty
// bucket.
func (s *Snapshot) Max() float64 {
	s = s.orEmpty()
	return s.max
}

// Mean returns Sum/Count, or NaN if there are no observations.
func (s *Snapshot) Mean() float64 {
	s = s.orEmpty()
	if s.count == 0 {
		return math.NaN()
	}
	return s.sum / float64(s.count)
}

// Rejected returns how many values were not bucketed: NaN, and ±Inf or a
// finite value beyond ±MaxValue.
func (s *Snapshot) Rejected() (nan, inf uint64) {
	s = s.orEmpty()
	return s.nan, s.inf
}

// Bucket is one bucket in value order: observations in (Lower, Upper] for
// positive buckets, [Lower, Upper) for negative ones, and [Lower, Upper] =
// [-ZeroThreshold, ZeroThreshold] for the zero bucket.
type Bucket struct {
	Lower, Upper float64
	Count        uint64
}

// All returns the non-empty buckets in increasing value order: negative
// buckets, the zero bucket, then positive buckets.
func (s *Snapshot) All() iter.Seq[Bucket] {
	s = s.orEmpty()
	return func(yield func(Bucket) bool) {
		for k := len(s.neg.Counts) - 1; k >= 0; k-- {
			if c := s.neg.Counts[k]; c != 0 {
				i := s.neg.Offset + k
				if !yield(Bucket{-UpperBound(i, s.scale), -LowerBound(i, s.scale), c}) {
					return
				}
			}
		}
		if s.zero != 0 && !yield(Bucket{-s.zeroThr, s.zeroThr, s.zero}) {
			return
		}
		for k, c := range s.pos.Counts {
			if c != 0 {
				i := s.pos.Offset + k
				if !yield(Bucket{LowerBound(i, s.scale), UpperBound(i, s.scale), c}) {
					return
				}
			}
		}
	}
}

// represent returns the value that stands for bucket i: 2lu/(l+u), within
// RelativeError(scale) of every value in (l, u].
func represent(i, scale int) float64 {
	l, u := LowerBound(i, scale), UpperBound(i, scale)
	return 2 * l * u / (l + u)
}

// Quantile returns an estimate of the q-quantile (0 ≤ q ≤ 1): the value of
// rank ⌈q·Count⌉ (at least 1) in sorted order. The lowest rank is Min and
// the highest Max, so Quantile(0) is Min and Quantile(1) is Max, exactly;
// every other rank is the value that stands for its bucket, brought into
// [Min, Max]: the bucket's representative, 2lu/(l+u) for a bucket whose
// absolute values run from l to u (within RelativeError(Scale()) of each of
// them), or 0 for the zero bucket. So, when Min and Max are exact (see Min),
// the estimate is within RelativeError(Scale()) of the true value of that
// rank if it lies in a regular bucket, and within ZeroThreshold of it if it
// lies in the zero bucket. Quantile never decreases as q grows. It returns
// NaN for an empty snapshot or q outside [0, 1].
func (s *Snapshot) Quantile(q float64) float64 {
	s = s.orEmpty()
	if s.count == 0 || !(q >= 0 && q <= 1) {
		return math.NaN()
	}
	rank := uint64(math.Ceil(q * float64(s.count)))
	switch {
	case q == 0:
		return s.min
	case rank >= s.count: // with one observation, every q > 0
		return s.max
	case rank <= 1:
		return s.min
	}
	return s.point(s.valueAt(rank))
}

// point brings a bucket's representative value into [Min, Max]: the value
// Quantile and CDF place the bucket's observations at.
func (s *Snapshot) point(v float64) float64 { return math.Min(math.Max(v, s.min), s.max) }

// valueAt returns the representative value of the bucket holding the
// observation of the given rank (1-based).
func (s *Snapshot) valueAt(rank uint64) float64 {
	var seen uint64
	for k := len(s.neg.Counts) - 1; k >= 0; k-- {
		if seen = addSat(seen, s.neg.Counts[k]); seen >= rank {
			return -represent(s.neg.Offset+k, s.scale)
		}
	}
	if seen = addSat(seen, s.zero); seen >= rank {
		return 0
	}
	for k, c := range s.pos.Counts {
		if seen = addSat(seen, c); seen >= rank {
			return represent(s.pos.Offset+k, s.scale)
		}
	}
	return s.max
}

// CDF returns the fraction of observations at or below v in the
// distribution Quantile describes: the lowest observation at Min, the
// highest at Max (a lone observation at Min), and every other one at the
// value that stands for its bucket, brought into [Min, Max]. So CDF is 0
// below Min, at least 1/Count at Min, 1 at or above Max, never decreasing,
// and CDF(Quantile(q)) ≥ q for every q. It returns NaN for an empty snapshot
// or NaN v.
func (s *Snapshot) CDF(v float64) float64 {
	s = s.orEmpty()
	n := s.count
	if n == 0 || math.IsNaN(v) {
		return math.NaN()
	}
	switch {
	case v < s.min:
		return 0
	case v >= s.max || n == 1:
		return 1
	}
	// Min ≤ v < Max and n ≥ 2: the lowest observation is at or below v,
	// the highest is not, and every other one is if its bucket's point is.
	c := s.countUpTo(v)
	return float64(min(max(c, 1), n-1)) / float64(n)
}

// countUpTo returns the count of the buckets, taken in value order, whose
// point (see point) is at most v. Points never decrease in value order, so
// these buckets are a prefix.
func (s *Snapshot) countUpTo(v float64) uint64 {
	var c uint64
	for k := len(s.neg.Counts) - 1; k >= 0; k-- {
		if n := s.neg.Counts[k]; n != 0 {
			if s.point(-represent(s.neg.Offset+k, s.scale)) > v {
				return c
			}
			c = addSat(c, n)
		}
	}
	if s.zero != 0 {
		if s.point(0) > v {
			return c
		}
		c = addSat(c, s.zero)
	}
	for k, n := range s.pos.Counts {
		if n != 0 {
			if s.point(represent(s.pos.Offset+k, s.scale)) > v {
				return c
			}
			c = addSat(c, n)
		}
	}
	return c
}
