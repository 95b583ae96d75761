package histogram

import (
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
)

// The readers that skip the snapshot (AppendNative, AppendClassic,
// Rejected) agree with the snapshot, for one shard and for many, at several
// scales.
func TestReadersAgreeWithSnapshot(t *testing.T) {
	for _, scale := range []int{-2, 0, 3, 6, 8} {
		for _, writers := range []int{1, 8} {
			h := MustNew(WithScale(scale))
			var wg sync.WaitGroup
			for w := range writers {
				wg.Go(func() {
					r := rand.New(rand.NewPCG(uint64(w), uint64(scale+10)))
					for range 20000 {
						v := math.Exp(r.NormFloat64()*4 - 3)
						if r.IntN(10) == 0 {
							v = -v
						}
						if r.IntN(100) == 0 {
							v = 0
						}
						h.Observe(v)
					}
					h.Observe(math.NaN())
					h.Observe(math.Inf(-1))
				})
			}
			wg.Wait()
			s := h.Snapshot()
			var n Native
			h.AppendNative(&n)
			want := s.Native()
			if !slices.Equal(n.PositiveSpans, want.PositiveSpans) || !slices.Equal(n.PositiveDeltas, want.PositiveDeltas) ||
				!slices.Equal(n.NegativeSpans, want.NegativeSpans) || !slices.Equal(n.NegativeDeltas, want.NegativeDeltas) ||
				n.Count != want.Count || n.ZeroCount != want.ZeroCount || n.Schema != want.Schema || math.Abs(n.Sum-want.Sum) > 1e-9*math.Abs(want.Sum) {
				t.Fatalf("scale %d, %d writers: AppendNative differs from Snapshot().Native()", scale, writers)
			}
			h.AppendNative(&n) // reusing the slices gives the same
			if n.Count != want.Count || !slices.Equal(n.PositiveDeltas, want.PositiveDeltas) {
				t.Fatalf("scale %d: a second AppendNative differs", scale)
			}
			var bounds []float64
			for e := -12; e <= 12; e += 3 {
				bounds = append(bounds, math.Ldexp(1, e*max(1, 1<<max(-scale, 0))))
			}
			l, err := h.Layout(bounds)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := h.AppendClassic(nil, l)
			ref, _ := s.Classic(bounds)
			if !slices.Equal(got, ref) {
				t.Fatalf("scale %d, %d writers: AppendClassic %v; Snapshot().Classic %v", scale, writers, got, ref)
			}
			if nan, inf := h.Rejected(); nan != uint64(writers) || inf != uint64(writers) {
				t.Fatalf("Rejected %d %d", nan, inf)
			}
		}
	}
}

func TestLayoutRefusesNonBoundaries(t *testing.T) {
	h := MustNew()
	for _, bounds := range [][]float64{{0.1}, {1, 1}, {2, 1}, {0}, {-1}, {math.NaN()}, {math.Inf(1)}} {
		if _, err := h.Layout(bounds); err == nil {
			t.Errorf("Layout(%v) accepted", bounds)
		}
	}
	if _, err := h.Layout([]float64{MinValue, 0.25, 1, MaxValue}); err != nil {
		t.Error(err)
	}
	if !IsBoundary(0.25, 6) || IsBoundary(0.1, 6) || !IsBoundary(UpperBound(0, 1), 1) || IsBoundary(UpperBound(0, 1), 0) {
		t.Error("IsBoundary")
	}
}
