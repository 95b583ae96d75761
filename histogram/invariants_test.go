package histogram

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"slices"
)

// sameSnapshot reports whether a and b are the same snapshot: every field
// equal, floats compared bit for bit (a zero Snapshot being the empty one
// it stands for).
func sameSnapshot(a, b *Snapshot) bool {
	a, b = a.orEmpty(), b.orEmpty()
	bits := math.Float64bits
	return a.scale == b.scale && bits(a.zeroThr) == bits(b.zeroThr) && a.zero == b.zero &&
		a.pos.Offset == b.pos.Offset && slices.Equal(a.pos.Counts, b.pos.Counts) &&
		a.neg.Offset == b.neg.Offset && slices.Equal(a.neg.Counts, b.neg.Counts) &&
		a.count == b.count && bits(a.sum) == bits(b.sum) && bits(a.min) == bits(b.min) &&
		bits(a.max) == bits(b.max) && a.nan == b.nan && a.inf == b.inf
}

// roundTrip checks that s encodes, that the encoding decodes to s, and that
// the decoded snapshot encodes to the same bytes.
func roundTrip(s *Snapshot) error {
	b, err := s.MarshalBinary()
	if err != nil {
		return fmt.Errorf("encoding: %v", err)
	}
	var d Snapshot
	if err := d.UnmarshalBinary(b); err != nil {
		return fmt.Errorf("its own encoding is refused: %v", err)
	}
	if !sameSnapshot(&d, s) {
		return fmt.Errorf("decodes to another snapshot: %+v", &d)
	}
	if b2, _ := d.MarshalBinary(); !bytes.Equal(b, b2) {
		return errors.New("re-encoding differs")
	}
	return nil
}

// snapshotProblem returns what is wrong with s, or nil: the count is the
// saturating sum of the buckets; an empty snapshot has NaN extremes; else
// Min ≤ Max, Min lies in the lowest bucket and Max in the highest, each is a
// value observed (when observed is not nil) or its bucket's representative,
// Quantile(0) = Min ≤ Quantile(q) ≤ Quantile(1) = Max, CDF(Min) > 0 and
// CDF(Max) = 1; and the snapshot's encoding round-trips.
func snapshotProblem(s *Snapshot, observed func(float64) bool) error {
	var n uint64
	var first, last Bucket
	k := 0
	for b := range s.All() {
		if k == 0 {
			first = b
		}
		last = b
		n = min(n+b.Count, MaxCount) // each at most MaxCount: no wrap
		k++
	}
	if n != s.Count() {
		return fmt.Errorf("buckets hold %d, Count() %d", n, s.Count())
	}
	lo, hi := s.Min(), s.Max()
	if n == 0 {
		if math.Float64bits(lo) != math.Float64bits(math.NaN()) || math.Float64bits(hi) != math.Float64bits(math.NaN()) {
			return fmt.Errorf("empty snapshot with min %v, max %v", lo, hi)
		}
	} else {
		switch {
		case !(lo <= hi):
			return fmt.Errorf("min %v > max %v (count %d)", lo, hi, n)
		case !holds(first, lo):
			return fmt.Errorf("min %v outside the lowest bucket %+v", lo, first)
		case !holds(last, hi):
			return fmt.Errorf("max %v outside the highest bucket %+v", hi, last)
		case observed != nil && !observed(lo) && lo != representative(first):
			return fmt.Errorf("min %v was never observed and is not the representative %v of %+v", lo, representative(first), first)
		case observed != nil && !observed(hi) && hi != representative(last):
			return fmt.Errorf("max %v was never observed and is not the representative %v of %+v", hi, representative(last), last)
		case s.Quantile(0) != lo || s.Quantile(1) != hi:
			return fmt.Errorf("Quantile(0), Quantile(1) = %v, %v; min, max %v, %v", s.Quantile(0), s.Quantile(1), lo, hi)
		case !(s.CDF(lo) > 0) || s.CDF(hi) != 1:
			return fmt.Errorf("CDF(min) = %v, CDF(max) = %v", s.CDF(lo), s.CDF(hi))
		}
		prev := lo
		for _, q := range []float64{0.01, 0.25, 0.5, 0.75, 0.99, 1} {
			v := s.Quantile(q)
			if !(v >= prev) {
				return fmt.Errorf("Quantile(%v) = %v below the quantile before it, %v", q, v, prev)
			}
			prev = v
		}
	}
	return roundTrip(s)
}
