package histogram

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// naiveExpected records what HdrHistogram's RecordValueWithExpectedInterval
// records, one value at a time.
func naiveExpected(h *Histogram, v, e float64) {
	h.Observe(v)
	if !(e > 0) || !(v > e) {
		return
	}
	for k := 1; v-float64(k)*e >= e; k++ {
		h.Observe(v - float64(k)*e)
	}
}

func TestObserveWithExpectedMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(12, 12))
	for range 300 {
		scale := r.IntN(MaxScale-MinScale+1) + MinScale
		e := math.Exp(r.NormFloat64()*3 - 5)
		v := e * (1 + r.Float64()*float64(r.IntN(5000)))
		fast, slow := MustNew(WithScale(scale)), MustNew(WithScale(scale))
		fast.ObserveWithExpected(v, e)
		naiveExpected(slow, v, e)
		a, b := fast.Snapshot(), slow.Snapshot()
		assertSameCountsTol(t, a, b, 1e-9)
	}
	// Exact multiples and the edge v = 2e.
	for _, c := range [][2]float64{{10, 1}, {2, 1}, {1, 1}, {0.5, 1}, {100, 0.25}, {3, 0}, {3, -1}, {3, math.NaN()}} {
		fast, slow := MustNew(), MustNew()
		fast.ObserveWithExpected(c[0], c[1])
		naiveExpected(slow, c[0], c[1])
		assertSameCountsTol(t, fast.Snapshot(), slow.Snapshot(), 1e-12)
	}
}

func assertSameCountsTol(t *testing.T, a, b *Snapshot, tol float64) {
	t.Helper()
	if math.Abs(a.sum-b.sum) > tol*math.Max(1, math.Abs(b.sum)) {
		t.Fatalf("sums differ: %v vs %v", a.sum, b.sum)
	}
	a2 := *a
	a2.sum = b.sum
	assertSameCounts(t, &a2, b)
}

// A huge ratio is handled bucket by bucket, not value by value.
func TestObserveWithExpectedHugeRatio(t *testing.T) {
	h := MustNew()
	start := time.Now()
	h.ObserveDurationWithExpected(time.Hour, time.Microsecond) // 3.6e9 values
	if d := time.Since(start); d > time.Second {
		t.Fatalf("took %v", d)
	}
	s := h.Snapshot()
	if want := uint64(3_600_000_000); s.Count() != want {
		t.Fatalf("Count() = %d; want %d", s.Count(), want)
	}
	if math.Abs(s.Min()-1e-6) > 1e-12 || s.Max() != 3600 {
		t.Fatalf("Min, Max = %v, %v", s.Min(), s.Max())
	}
	// The values are evenly spread, so the median is about half an hour.
	if med := s.Quantile(0.5); math.Abs(med-1800)/1800 > 0.01 {
		t.Fatalf("median %v; want about 1800", med)
	}
}
