package histogram

import (
	"fmt"
	"math"
)

// A Layout is a fixed list of classic bucket upper bounds that are bucket
// boundaries of a histogram's exponential buckets and at least its zero
// threshold, so that AppendClassic reads exact cumulative counts at them
// straight from the exponential buckets: recording pays nothing for them.
// Powers of two are boundaries at every scale from 0 up. A Layout is
// immutable and safe for concurrent use. A Layout without bounds fits every
// histogram, whatever its scale and threshold; the zero Layout is one.
type Layout struct {
	scale   int
	zeroThr float64
	bounds  []float64
	idx     []int // the bucket whose upper bound is bounds[j]
}

// IsBoundary reports whether v is a bucket boundary at scale: the upper
// bound of some bucket, within [MinValue, MaxValue], exactly as UpperBound
// gives it (which, for bounds that are not powers of two, is 2^(i·2^-scale)
// rounded down: take bounds from UpperBound rather than from math.Pow).
func IsBoundary(v float64, scale int) bool {
	checkScaleOrPanic(scale)
	return v >= MinValue && v <= MaxValue && UpperBound(Index(v, scale), scale) == v
}

// Layout returns the layout of bounds for histograms with h's scale and
// zero threshold, or an error naming every bound that is not increasing,
// not a bucket boundary at the scale, or below the zero threshold.
func (h *Histogram) Layout(bounds []float64) (*Layout, error) {
	h.usable()
	l := &Layout{scale: h.scale, zeroThr: h.zeroThr, bounds: append([]float64(nil), bounds...)}
	for j, b := range bounds {
		switch {
		case j > 0 && !(b > bounds[j-1]):
			return nil, fmt.Errorf("histogram: classic bounds not increasing at %v", b)
		case !(b >= h.zeroThr):
			return nil, fmt.Errorf("histogram: classic bound %v is below the zero threshold %v", b, h.zeroThr)
		case !IsBoundary(b, h.scale):
			return nil, fmt.Errorf("histogram: classic bound %v is not a bucket boundary at scale %d", b, h.scale)
		}
		l.idx = append(l.idx, Index(b, h.scale))
	}
	return l, nil
}

// Bounds returns a copy of the layout's upper bounds.
func (l *Layout) Bounds() []float64 { return append([]float64(nil), l.bounds...) }

// AppendClassic appends to dst the cumulative count of observations at or
// below each bound of l, then a +Inf bucket holding the count of every
// observation, and returns them with the sum of the observations. It reads
// the shards directly: no snapshot, and no allocation when dst has room.
// Counts are exact; the sum may include an observation or two racing with
// the read. (Counts that pass MaxCount, which only ObserveWithExpected's
// synthesized values reach, are not saturated as a Snapshot's are: past
// 2^64 they wrap.) It panics if l has bounds and was made for another scale or
// zero threshold.
func (h *Histogram) AppendClassic(dst []ClassicBucket, l *Layout) ([]ClassicBucket, float64) {
	h.usable()
	if len(l.bounds) > 0 && (l.scale != h.scale || l.zeroThr != h.zeroThr) {
		panic("histogram: AppendClassic with a Layout of another scale or zero threshold")
	}
	start := len(dst)
	for _, b := range l.bounds {
		dst = append(dst, ClassicBucket{UpperBound: b})
	}
	dst = append(dst, ClassicBucket{UpperBound: math.Inf(1)})
	bins := dst[start:]
	var below uint64
	var total sums
	h.each(func(s *shard) {
		below += s.below()
		if dir := s.pos.p.Load(); dir != nil {
			j := 0 // the slot of the chunk's first bucket: chunks come in index order
			for ci := range *dir {
				if ch := (*dir)[ci].Load(); ch != nil {
					j = l.addChunk(bins, j, h.min+ci*chunkSize, ch)
				}
			}
		}
		total.add(s)
	})
	run := below
	for j := range bins {
		run += bins[j].Count
		bins[j].Count = run
	}
	return dst, total.total(h.durUnit)
}

// addChunk adds a chunk of buckets, the first of index first, to the
// per-slot counts (slot j: buckets above the previous bound up to bound j;
// the last slot: above every bound), starting the search for its slot at j,
// and returns the slot of its last bucket.
func (l *Layout) addChunk(bins []ClassicBucket, j, first int, ch *chunk) int {
	for j < len(l.idx) && first > l.idx[j] {
		j++
	}
	if j == len(l.idx) || first+chunkSize-1 <= l.idx[j] {
		bins[j].Count += sumRun(ch[:]) // the whole chunk is in one slot
		return j
	}
	for k := range ch {
		for j < len(l.idx) && first+k > l.idx[j] {
			j++
		}
		bins[j].Count += ch[k].Load()
	}
	return j
}

// checkScaleOrPanic panics for a scale out of range, as Index does.
func checkScaleOrPanic(scale int) {
	if err := checkScale(scale); err != nil {
		panic(err.Error())
	}
}
