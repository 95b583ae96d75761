package histogram

import (
	"fmt"
	"math"
)

// Merge returns one snapshot of every observation in snaps: exact, with no
// estimate involved. Snapshots at different scales are merged at the
// coarsest of them, where each bucket is exactly the union of buckets of the
// finer scales (see Downscale); the zero threshold is the
// largest of theirs, raised to a bucket boundary, and buckets at or below it
// join the zero bucket, as Prometheus merges native histograms. Counts (of
// each bucket, the zero bucket, the rejected values and Count) are exact up
// to MaxCount and saturate there: a count that would pass it is MaxCount.
// The merge is associative and commutative; the sum is a float64 sum, exact
// up to rounding, that saturates at ±math.MaxFloat64 instead of overflowing.
// Min and Max are the smallest Min and the largest Max of the snapshots.
// Merge of nothing is an empty snapshot at DefaultScale with the zero
// threshold MinValue; Merge reads the zero Snapshot as that one.
//
// A fleet's p99 is the Quantile(0.99) of the merged snapshot, never an
// average of per-node p99s (see the Merge example).
func Merge(snaps ...*Snapshot) *Snapshot {
	if len(snaps) == 0 {
		out := emptySnapshot
		return &out
	}
	in := make([]*Snapshot, len(snaps))
	for i, s := range snaps {
		in[i] = s.orEmpty()
	}
	target := in[0].scale
	for _, s := range in {
		target = min(target, s.scale)
	}
	return mergeAt(target, in)
}

// Downscale returns the snapshot at a coarser (smaller) scale: bucket i at
// the current scale s becomes bucket i >> (s - scale), exactly. Asking for
// the current scale returns an equal copy; a finer scale is an error, since
// finer buckets cannot be recovered.
func (s *Snapshot) Downscale(scale int) (*Snapshot, error) {
	s = s.orEmpty()
	if err := checkScale(scale); err != nil {
		return nil, err
	}
	if scale > s.scale {
		return nil, fmt.Errorf("histogram: cannot downscale from scale %d to finer scale %d", s.scale, scale)
	}
	return mergeAt(scale, []*Snapshot{s}), nil
}

func mergeAt(target int, snaps []*Snapshot) *Snapshot {
	thr := MinValue
	for _, s := range snaps {
		thr = math.Max(thr, s.zeroThr)
	}
	thr = snapZeroThreshold(thr, target)
	below := Index(thr, target) // buckets up to this one lie at or below thr
	out := &Snapshot{scale: target, zeroThr: thr}
	// merge adds one sign's runs into a dense run over the union of their
	// (downscaled) ranges; what falls at or below the threshold joins the
	// zero bucket.
	merge := func(runs func(*Snapshot) Buckets) Buckets {
		lo, hi := math.MaxInt, math.MinInt
		for _, s := range snaps {
			if b := runs(s); len(b.Counts) > 0 {
				shift := s.scale - target
				lo = min(lo, max(b.Offset>>shift, below+1))
				hi = max(hi, (b.Offset+len(b.Counts)-1)>>shift)
			}
		}
		r := newRun(lo, hi)
		for _, s := range snaps {
			b, shift := runs(s), s.scale-target
			for k, c := range b.Counts {
				if j := (b.Offset + k) >> shift; j <= below {
					out.zero = addSat(out.zero, c)
				} else {
					r.counts[j-lo] = addSat(r.counts[j-lo], c)
				}
			}
		}
		return r.trimmed()
	}
	out.pos = merge(func(s *Snapshot) Buckets { return s.pos })
	out.neg = merge(func(s *Snapshot) Buckets { return s.neg })
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range snaps {
		out.zero = addSat(out.zero, s.zero)
		out.nan = addSat(out.nan, s.nan)
		out.inf = addSat(out.inf, s.inf)
		out.sum = max(-math.MaxFloat64, min(out.sum+s.sum, math.MaxFloat64))
		if s.count > 0 {
			lo, hi = math.Min(lo, s.min), math.Max(hi, s.max)
		}
	}
	out.finish()
	// Each extreme lies in its snapshot's extreme bucket, and that bucket
	// lies in the merged one: the extremes need no adjusting.
	out.min, out.max = math.NaN(), math.NaN()
	if out.count > 0 {
		out.min, out.max = lo, hi
	}
	return out
}
