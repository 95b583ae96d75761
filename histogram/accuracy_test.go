package histogram

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// distributions the accuracy tests draw from.
var distributions = []struct {
	name string
	draw func(r *rand.Rand) float64
}{
	{"uniform", func(r *rand.Rand) float64 { return r.Float64() * 100 }},
	{"lognormal", func(r *rand.Rand) float64 { return math.Exp(r.NormFloat64()*1.5 - 7) }}, // latencies around 1 ms
	{"pareto", func(r *rand.Rand) float64 { return 0.001 / math.Pow(1-r.Float64(), 1/1.2) }},
	{"bimodal", func(r *rand.Rand) float64 {
		if r.IntN(10) == 0 {
			return 0.2 + r.NormFloat64()*0.01 // a slow path
		}
		return 0.002 + math.Abs(r.NormFloat64())*0.0005
	}},
	{"constant", func(*rand.Rand) float64 { return 0.042 }},
	{"tiny", func(r *rand.Rand) float64 { return math.Exp(r.NormFloat64()) * 1e-15 }},
	{"huge", func(r *rand.Rand) float64 { return math.Exp(r.NormFloat64()) * 1e15 }},
	{"signed", func(r *rand.Rand) float64 { return r.NormFloat64() * 10 }},
}

// quantiles are the ranks the accuracy tests check: 0.01 … 0.99 and 0.999.
func quantiles() []float64 {
	var qs []float64
	for i := 1; i <= 99; i++ {
		qs = append(qs, float64(i)/100)
	}
	return append(qs, 0.999)
}

// exactQuantile is the nearest-rank quantile of sorted values: the value of
// rank ⌈q·n⌉.
func exactQuantile(sorted []float64, q float64) float64 {
	k := max(int(math.Ceil(q*float64(len(sorted)))), 1)
	return sorted[k-1]
}

// Every quantile from 0.01 to 0.999 is within the scale's stated relative
// error of the exact answer, for every distribution, at every scale.
func TestQuantileAccuracy(t *testing.T) {
	const n = 50000
	for _, d := range distributions {
		r := rand.New(rand.NewPCG(7, 11))
		values := make([]float64, n)
		for i := range values {
			values[i] = d.draw(r)
		}
		sorted := slices.Clone(values)
		slices.Sort(sorted)
		for scale := MinScale; scale <= MaxScale; scale++ {
			h := MustNew(WithScale(scale))
			for _, v := range values {
				h.Observe(v)
			}
			s := h.Snapshot()
			bound := RelativeError(scale)
			worst := 0.0
			for _, q := range quantiles() {
				want, got := exactQuantile(sorted, q), s.Quantile(q)
				rel := math.Abs(got-want) / math.Abs(want)
				if math.Abs(want) <= h.ZeroThreshold() {
					rel = 0
					if math.Abs(got-want) > h.ZeroThreshold() {
						t.Errorf("%s scale %d q=%v: got %v for a zero-bucket value %v", d.name, scale, q, got, want)
					}
				}
				worst = math.Max(worst, rel)
				if rel > bound*(1+1e-9) {
					t.Errorf("%s scale %d q=%v: Quantile = %v, exact %v: relative error %.4f%% > bound %.4f%%",
						d.name, scale, q, got, want, 100*rel, 100*bound)
				}
			}
			if scale == DefaultScale {
				t.Logf("%-9s scale %d: worst relative error %.4f%% (bound %.4f%%)", d.name, scale, 100*worst, 100*bound)
			}
			if s.Quantile(0) != sorted[0] || s.Quantile(1) != sorted[n-1] {
				t.Errorf("%s: Quantile(0), Quantile(1) = %v, %v; want min %v, max %v", d.name, s.Quantile(0), s.Quantile(1), sorted[0], sorted[n-1])
			}
		}
	}
}

// CDF inverts Quantile: the CDF at a quantile's estimate is at least q.
func TestCDFInvertsQuantile(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	h := MustNew()
	for range 10000 {
		h.Observe(distributions[1].draw(r))
	}
	s := h.Snapshot()
	for _, q := range quantiles() {
		if c := s.CDF(s.Quantile(q)); c < q {
			t.Fatalf("CDF(Quantile(%v)) = %v < %v", q, c, q)
		}
	}
	if s.CDF(s.Min()-1) != 0 || s.CDF(s.Max()) != 1 {
		t.Fatal("CDF is not 0 below Min and 1 at Max")
	}
}

// Merging 100 shard histograms gives exactly the histogram fed everything.
func TestMergeHundredEqualsOne(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	whole := MustNew()
	parts := make([]*Histogram, 100)
	for i := range parts {
		parts[i] = MustNew()
	}
	for i := range 200000 {
		v := distributions[i%len(distributions)].draw(r)
		whole.Observe(v)
		parts[r.IntN(len(parts))].Observe(v)
	}
	snaps := make([]*Snapshot, len(parts))
	for i, p := range parts {
		snaps[i] = p.Snapshot()
	}
	assertSameCounts(t, Merge(snaps...), whole.Snapshot())
}

// assertSameCounts fails unless a and b have the same buckets, count, min
// and max, and sums equal up to float rounding.
func assertSameCounts(t *testing.T, a, b *Snapshot) {
	t.Helper()
	if a.scale != b.scale || a.zeroThr != b.zeroThr || a.zero != b.zero || a.count != b.count {
		t.Fatalf("scale/threshold/zero/count differ: %d/%v/%d/%d vs %d/%v/%d/%d",
			a.scale, a.zeroThr, a.zero, a.count, b.scale, b.zeroThr, b.zero, b.count)
	}
	for _, p := range [][2]Buckets{{a.pos, b.pos}, {a.neg, b.neg}} {
		if p[0].Offset != p[1].Offset || !slices.Equal(p[0].Counts, p[1].Counts) {
			t.Fatalf("buckets differ:\n%v\n%v", p[0], p[1])
		}
	}
	same := func(x, y float64) bool { return x == y || (math.IsNaN(x) && math.IsNaN(y)) }
	if !same(a.min, b.min) || !same(a.max, b.max) {
		t.Fatalf("min/max differ: %v/%v vs %v/%v", a.min, a.max, b.min, b.max)
	}
	if math.Abs(a.sum-b.sum) > 1e-9*math.Max(math.Abs(a.sum), 1) {
		t.Fatalf("sums differ: %v vs %v", a.sum, b.sum)
	}
}

// CDF and Quantile agree on signed data too (negative buckets, zero bucket,
// positive buckets).
func TestCDFSigned(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 1))
	h := MustNew()
	for range 10000 {
		h.Observe(distributions[len(distributions)-1].draw(r))
		h.Observe(0)
	}
	s := h.Snapshot()
	for _, q := range quantiles() {
		if c := s.CDF(s.Quantile(q)); c < q {
			t.Fatalf("CDF(Quantile(%v)) = %v < %v", q, c, q)
		}
	}
	if c := s.CDF(0); math.Abs(c-0.75) > 0.01 {
		t.Fatalf("CDF(0) = %v; want about 0.75 (half the values are 0, half of the rest negative)", c)
	}
}
