package histogram

import (
	"fmt"
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

// randomValues draws a random data set for the property tests: a random
// distribution, sometimes rounded to a few distinct values (ties), with
// zeros and negative values mixed in at random rates.
func randomValues(r *rand.Rand) []float64 {
	n := 1 + r.IntN(1+r.IntN(3000))
	d := distributions[r.IntN(len(distributions))]
	round := r.IntN(4) == 0
	zeros, negs := r.IntN(3) == 0, r.IntN(3) == 0
	values := make([]float64, n)
	for i := range values {
		v := d.draw(r)
		if round {
			v = math.Ldexp(math.Round(math.Ldexp(v, 2)), -2)
		}
		if zeros && r.IntN(5) == 0 {
			v = 0
		}
		if negs && r.IntN(3) == 0 {
			v = -v
		}
		values[i] = v
	}
	return values
}

// CDF and Quantile describe one distribution, over random data sets, scales
// and zero thresholds: CDF(Quantile(q)) ≥ q, CDF is 0 below Min, positive at
// Min, 1 at Max, never decreasing, and within the relative error (plus twice
// the zero threshold) of the exact fraction: every probe v has
// F(v-δ) ≤ CDF(v) ≤ F(v+δ) with δ = (ε|v| + 2·threshold)/(1-ε). Merges of
// such snapshots keep the consistency.
func TestCDFConsistentWithQuantile(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 41))
	var prev *Snapshot
	for trial := range 150 {
		opts := []Option{WithScale(MinScale + r.IntN(MaxScale-MinScale+1))}
		if r.IntN(3) == 0 {
			opts = append(opts, WithZeroThreshold(math.Ldexp(1, -r.IntN(40))))
		}
		h := MustNew(opts...)
		values := randomValues(r)
		for _, v := range values {
			h.Observe(v)
		}
		slices.Sort(values)
		s := h.Snapshot()
		if err := cdfProblem(s); err != nil {
			t.Fatalf("trial %d (%d values, scale %d): %v", trial, len(values), s.Scale(), err)
		}
		if s.Min() != values[0] || s.Max() != values[len(values)-1] {
			t.Fatalf("trial %d: min, max %v, %v; want %v, %v", trial, s.Min(), s.Max(), values[0], values[len(values)-1])
		}
		eps, thr := RelativeError(s.Scale())*(1+1e-9), s.ZeroThreshold()
		exact := func(v float64) float64 {
			i, _ := slices.BinarySearchFunc(values, v, func(x, v float64) int {
				if x <= v {
					return -1
				}
				return 1
			})
			return float64(i) / float64(len(values))
		}
		for _, v := range cdfProbes(s, values) {
			if math.IsInf(v, 0) {
				continue
			}
			d := (eps*math.Abs(v) + 2*thr) / (1 - eps)
			if c := s.CDF(v); c < exact(v-d) || c > exact(v+d) {
				t.Fatalf("trial %d (scale %d): CDF(%v) = %v outside [F(%v), F(%v)] = [%v, %v]",
					trial, s.Scale(), v, c, v-d, v+d, exact(v-d), exact(v+d))
			}
		}
		if prev != nil {
			if err := cdfProblem(Merge(prev, s)); err != nil {
				t.Fatalf("trial %d, merged with the trial before: %v", trial, err)
			}
		}
		prev = s
	}
}

// cdfProbes returns values to read a CDF at, in increasing order: ±Inf,
// the extremes and the floats below them, some of the values observed (up
// to about 50), and the bounds and representatives of some buckets (every
// bucket's, up to 50 buckets).
func cdfProbes(s *Snapshot, values []float64) []float64 {
	probes := []float64{math.Inf(-1), math.Inf(1), s.Min(), s.Max(),
		math.Nextafter(s.Min(), math.Inf(-1)), math.Nextafter(s.Max(), math.Inf(-1))}
	for i := 0; i < len(values); i += 1 + len(values)/50 {
		probes = append(probes, values[i])
	}
	var buckets []Bucket
	for b := range s.All() {
		buckets = append(buckets, b)
	}
	for i := 0; i < len(buckets); i += 1 + len(buckets)/50 {
		b := buckets[i]
		probes = append(probes, b.Lower, b.Upper, representative(b))
	}
	slices.Sort(probes)
	return probes
}

// cdfProblem returns how CDF and Quantile of a non-empty snapshot disagree,
// or nil.
func cdfProblem(s *Snapshot) error {
	n := float64(s.Count())
	lo, hi := s.Min(), s.Max()
	switch {
	case s.CDF(math.Nextafter(lo, math.Inf(-1))) != 0 || s.CDF(math.Inf(-1)) != 0:
		return fmt.Errorf("CDF below Min %v is not 0", lo)
	case s.CDF(lo) < 1/n:
		return fmt.Errorf("CDF(Min %v) = %v < 1/%v", lo, s.CDF(lo), n)
	case s.CDF(hi) != 1 || s.CDF(math.Inf(1)) != 1:
		return fmt.Errorf("CDF(Max %v) = %v", hi, s.CDF(hi))
	case s.Quantile(0) != lo || s.Quantile(1) != hi:
		return fmt.Errorf("Quantile(0), Quantile(1) = %v, %v; Min, Max %v, %v", s.Quantile(0), s.Quantile(1), lo, hi)
	}
	prevQ := lo
	for _, q := range append([]float64{0}, append(quantiles(), 0.9999, 1)...) {
		v := s.Quantile(q)
		if v < prevQ {
			return fmt.Errorf("Quantile(%v) = %v below an earlier quantile %v", q, v, prevQ)
		}
		prevQ = v
		if c := s.CDF(v); c < q {
			return fmt.Errorf("CDF(Quantile(%v) = %v) = %v < %v", q, v, c, q)
		}
	}
	prevC := 0.0
	for _, v := range cdfProbes(s, nil) {
		c := s.CDF(v)
		if c < prevC || c > 1 {
			return fmt.Errorf("CDF(%v) = %v after %v at a smaller value", v, c, prevC)
		}
		prevC = c
	}
	return nil
}

// holds reports whether bucket b, as All yields it, holds v: (Lower, Upper]
// for a positive bucket, [Lower, Upper) for a negative one and [Lower,
// Upper] for the zero bucket.
func holds(b Bucket, v float64) bool {
	switch {
	case b.Lower > 0:
		return v > b.Lower && v <= b.Upper
	case b.Upper < 0:
		return v >= b.Lower && v < b.Upper
	}
	return v >= b.Lower && v <= b.Upper
}

// representative is the value that stands for bucket b (2lu/(l+u) of its
// absolute bounds, 0 for the zero bucket), computed from b alone.
func representative(b Bucket) float64 {
	switch {
	case b.Lower > 0:
		return 2 * b.Lower * b.Upper / (b.Lower + b.Upper)
	case b.Upper < 0:
		l, u := -b.Upper, -b.Lower
		return -(2 * u * l / (u + l))
	}
	return 0
}
