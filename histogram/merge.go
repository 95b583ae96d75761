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
// join the zero bucket, as Prometheus merges native histograms. Bucket counts
// and the count are exact and the merge is associative and commutative; the
// sum is a float64 sum, exact up to rounding. Merge of nothing is an empty
// snapshot at DefaultScale.
//
// A fleet's p99 is the Quantile(0.99) of the merged snapshot, never an
// average of per-node p99s (see the Merge example).
func Merge(snaps ...*Snapshot) *Snapshot {
	if len(snaps) == 0 {
		return newBuilder(DefaultScale, MinValue).build()
	}
	target := snaps[0].scale
	for _, s := range snaps {
		target = min(target, s.scale)
	}
	return mergeAt(target, snaps)
}

// Downscale returns the snapshot at a coarser (smaller) scale: bucket i at
// the current scale s becomes bucket i >> (s - scale), exactly. Asking for
// the current scale returns an equal copy; a finer scale is an error, since
// finer buckets cannot be recovered.
func (s *Snapshot) Downscale(scale int) (*Snapshot, error) {
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
	b := newBuilder(target, thr)
	b.sum = 0
	for _, s := range snaps {
		shift := s.scale - target
		move := func(to *[]pair, run Buckets) {
			for k, c := range run.Counts {
				j := (run.Offset + k) >> shift
				if UpperBound(j, target) <= thr {
					b.zero += c
				} else {
					b.add(to, j, c)
				}
			}
		}
		move(&b.pos, s.pos)
		move(&b.neg, s.neg)
		b.zero += s.zero
		b.nan += s.nan
		b.inf += s.inf
		b.sum += s.sum
		if !math.IsNaN(s.max) {
			b.maxKey = max(b.maxKey, key(math.Float64bits(s.max)))
		}
		if !math.IsNaN(s.min) {
			b.minKey = max(b.minKey, ^key(math.Float64bits(s.min)))
		}
	}
	return b.build()
}
