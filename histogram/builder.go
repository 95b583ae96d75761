package histogram

import "math"

// builder collects counts by bucket index and produces a trimmed Snapshot.
type builder struct {
	scale          int
	zeroThr        float64
	zero, nan, inf uint64
	pos, neg       []pair
	sum            float64
	minKey, maxKey uint64 // minKey holds ^key of the minimum; 0 = none
}

type pair struct {
	i int
	n uint64
}

func newBuilder(scale int, zeroThr float64) *builder {
	return &builder{scale: scale, zeroThr: zeroThr}
}

func (b *builder) add(to *[]pair, i int, n uint64) {
	if n != 0 {
		*to = append(*to, pair{i, n})
	}
}

// dense turns index/count pairs (in any order, indices may repeat) into a
// trimmed dense run.
func dense(ps []pair) Buckets {
	if len(ps) == 0 {
		return Buckets{}
	}
	lo, hi := ps[0].i, ps[0].i
	for _, p := range ps {
		lo, hi = min(lo, p.i), max(hi, p.i)
	}
	out := Buckets{Offset: lo, Counts: make([]uint64, hi-lo+1)}
	for _, p := range ps {
		out.Counts[p.i-lo] += p.n
	}
	return out
}

func (b *builder) build() *Snapshot {
	s := &Snapshot{
		scale:   b.scale,
		zeroThr: b.zeroThr,
		zero:    b.zero,
		pos:     dense(b.pos),
		neg:     dense(b.neg),
		sum:     b.sum,
		nan:     b.nan,
		inf:     b.inf,
		min:     math.NaN(),
		max:     math.NaN(),
	}
	s.count = s.zero + total(s.pos.Counts) + total(s.neg.Counts)
	if b.maxKey != 0 {
		s.max = unkey(b.maxKey)
	}
	if b.minKey != 0 {
		s.min = unkey(^b.minKey)
	}
	if s.count == 0 {
		// Extremes without buckets belong to observations racing with the
		// read; an empty snapshot has none. Their sum is kept, so that the
		// sums of all intervals add up to the sum of all observations.
		s.min, s.max = math.NaN(), math.NaN()
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
