package histogram

import (
	"math"
	"math/rand/v2"
	"testing"
)

// randomSnapshot records n random values at a random scale and zero
// threshold. Values are dyadic (multiples of 2^-20), so float sums are exact
// whatever the order and merge laws can be checked exactly.
func randomSnapshot(r *rand.Rand, n int) *Snapshot {
	opts := []Option{WithScale(r.IntN(MaxScale-MinScale+1) + MinScale)}
	if r.IntN(3) == 0 {
		opts = append(opts, WithZeroThreshold(math.Ldexp(1, -r.IntN(30))))
	}
	h := MustNew(opts...)
	for range n {
		v := math.Ldexp(float64(r.IntN(1<<20)), -20) * math.Ldexp(1, r.IntN(20)-10)
		if r.IntN(4) == 0 {
			v = -v
		}
		h.Observe(v)
	}
	return h.Snapshot()
}

func TestMergeLaws(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for range 200 {
		a, b, c := randomSnapshot(r, r.IntN(50)), randomSnapshot(r, r.IntN(50)), randomSnapshot(r, r.IntN(50))
		// Commutative.
		assertSameCounts(t, Merge(a, b), Merge(b, a))
		// Associative.
		assertSameCounts(t, Merge(Merge(a, b), c), Merge(a, Merge(b, c)))
		// Flat merge equals nested.
		assertSameCounts(t, Merge(a, b, c), Merge(Merge(a, b), c))
		// Identity: merging with an empty snapshot at a finer scale changes nothing.
		empty := MustNew(WithScale(MaxScale)).Snapshot()
		assertSameCounts(t, Merge(a, empty), Merge(a))
		// Counts add up.
		if m := Merge(a, b, c); m.Count() != a.Count()+b.Count()+c.Count() {
			t.Fatalf("merged count %d != %d+%d+%d", m.Count(), a.Count(), b.Count(), c.Count())
		}
	}
}

// Downscaling a histogram gives exactly the histogram recorded at the
// coarser scale, for every pair of scales.
func TestDownscaleExact(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	values := make([]float64, 5000)
	for i := range values {
		values[i] = distributions[i%len(distributions)].draw(r)
	}
	record := func(scale int) *Snapshot {
		h := MustNew(WithScale(scale))
		for _, v := range values {
			h.Observe(v)
		}
		return h.Snapshot()
	}
	for fine := MinScale; fine <= MaxScale; fine++ {
		f := record(fine)
		for coarse := MinScale; coarse <= fine; coarse++ {
			d, err := f.Downscale(coarse)
			if err != nil {
				t.Fatal(err)
			}
			assertSameCounts(t, d, record(coarse))
		}
		if _, err := f.Downscale(fine + 1); fine < MaxScale && err == nil {
			t.Fatalf("Downscale to a finer scale %d from %d did not fail", fine+1, fine)
		}
	}
}

// Merging at different scales and thresholds: the result is at the coarsest
// scale and the largest threshold, and a bucket that straddles the larger
// threshold moves the threshold up to its boundary.
func TestMergeScalesAndThresholds(t *testing.T) {
	fine := MustNew(WithScale(8), WithZeroThreshold(1e-3))
	coarse := MustNew(WithScale(2))
	fine.Observe(0.0015)
	coarse.Observe(0.0009)
	coarse.Observe(3)
	m := Merge(fine.Snapshot(), coarse.Snapshot())
	if m.Scale() != 2 {
		t.Fatalf("merged scale %d; want 2", m.Scale())
	}
	thr := m.ZeroThreshold()
	if thr < fine.ZeroThreshold() || UpperBound(Index(thr, 2), 2) != thr {
		t.Fatalf("merged threshold %v is not a scale-2 boundary at or above %v", thr, fine.ZeroThreshold())
	}
	if m.Count() != 3 {
		t.Fatalf("merged count %d; want 3", m.Count())
	}
	var zero uint64
	for _, v := range []float64{0.0015, 0.0009} {
		if v <= thr {
			zero++
		}
	}
	if m.ZeroCount() != zero {
		t.Fatalf("merged zero count %d; want %d (threshold %v)", m.ZeroCount(), zero, thr)
	}
}

// The fleet's p99 is the quantile of the merge, and an average of per-node
// p99s is wrong when the nodes differ.
func TestFleetQuantileIsNotAnAverage(t *testing.T) {
	fast, slow := MustNew(), MustNew()
	for i := range 9900 {
		fast.Observe(0.010 + float64(i%10)*0.0001)
	}
	for range 100 {
		slow.Observe(2.0)
	}
	fleet := Merge(fast.Snapshot(), slow.Snapshot())
	p99 := fleet.Quantile(0.99)
	avg := (fast.Snapshot().Quantile(0.99) + slow.Snapshot().Quantile(0.99)) / 2
	if math.Abs(p99-0.0109)/0.0109 > RelativeError(DefaultScale) {
		t.Fatalf("fleet p99 = %v; want about 0.0109", p99)
	}
	if math.Abs(avg-p99) < 0.5 {
		t.Fatalf("average of p99s %v is close to the fleet p99 %v; the test needs nodes that differ", avg, p99)
	}
}
