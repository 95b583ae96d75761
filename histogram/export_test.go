package histogram

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// decodeSpans turns Prometheus spans and deltas back into index → count, in
// this package's numbering.
func decodeSpans(spans []Span, deltas []int64) map[int]uint64 {
	out := map[int]uint64{}
	key, k := 0, 0
	var c int64
	for si, s := range spans {
		if si == 0 {
			key = int(s.Offset)
		} else {
			key += int(s.Offset)
		}
		for range s.Length {
			c += deltas[k]
			k++
			if c != 0 {
				out[key-1] = uint64(c)
			}
			key++
		}
	}
	return out
}

func runMap(b Buckets) map[int]uint64 {
	out := map[int]uint64{}
	for k, c := range b.Counts {
		if c != 0 {
			out[b.Offset+k] = c
		}
	}
	return out
}

func TestNativeRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	for range 100 {
		s := randomSnapshot(r, r.IntN(300))
		n := s.Native()
		if n.Schema != int32(s.Scale()) || n.Count != s.Count() || n.ZeroCount != s.ZeroCount() || n.Sum != s.Sum() {
			t.Fatalf("header %+v does not match snapshot", n)
		}
		if got, want := decodeSpans(n.PositiveSpans, n.PositiveDeltas), runMap(s.pos); !mapsEqual(got, want) {
			t.Fatalf("positive spans decode to %v; want %v", got, want)
		}
		if got, want := decodeSpans(n.NegativeSpans, n.NegativeDeltas), runMap(s.neg); !mapsEqual(got, want) {
			t.Fatalf("negative spans decode to %v; want %v", got, want)
		}
		for i, sp := range n.PositiveSpans {
			if sp.Length == 0 || (i > 0 && sp.Offset < 3) {
				t.Fatalf("span %d %+v: empty, or a gap of under three that should have been kept inside", i, sp)
			}
		}
	}
}

func mapsEqual(a, b map[int]uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// Prometheus numbers bucket (1, 2^(2^-s)] as 1 and (2^(-2^-s), 1] as 0.
func TestNativeNumbering(t *testing.T) {
	for scale := MinScale; scale <= MaxScale; scale++ {
		h := MustNew(WithScale(scale))
		h.Observe(1)
		n := h.Snapshot().Native()
		if len(n.PositiveSpans) != 1 || n.PositiveSpans[0].Offset != 0 || !slices.Equal(n.PositiveDeltas, []int64{1}) {
			t.Fatalf("scale %d: 1.0 exports as %+v %v; want key 0", scale, n.PositiveSpans, n.PositiveDeltas)
		}
		h.Observe(math.Nextafter(1, 2))
		n = h.Snapshot().Native()
		if !slices.Equal(n.PositiveDeltas, []int64{1, 0}) || n.PositiveSpans[0].Length != 2 {
			t.Fatalf("scale %d: 1.0 and 1.0+ULP export as %+v %v; want keys 0 and 1", scale, n.PositiveSpans, n.PositiveDeltas)
		}
	}
}

func TestOTLP(t *testing.T) {
	h := MustNew(WithScale(0))
	for _, v := range []float64{1, 3, 3, 4, -5, 0} {
		h.Observe(v)
	}
	o := h.Snapshot().OTLP()
	// Scale 0: 1 → bucket -1 (½, 1]; 3 and 4 → bucket 1 (2, 4]; -5 → bucket 2 (4, 8].
	if o.Scale != 0 || o.Count != 6 || o.ZeroCount != 1 || o.Sum != 6 || o.Min != -5 || o.Max != 4 {
		t.Fatalf("OTLP header %+v", o)
	}
	if o.Positive.Offset != -1 || !slices.Equal(o.Positive.BucketCounts, []uint64{1, 0, 3}) {
		t.Fatalf("positive %+v", o.Positive)
	}
	if o.Negative.Offset != 2 || !slices.Equal(o.Negative.BucketCounts, []uint64{1}) {
		t.Fatalf("negative %+v", o.Negative)
	}
}

func TestClassic(t *testing.T) {
	h := MustNew(WithScale(2))
	for _, v := range []float64{-1, 0, 0.5, 1, 1.1, 2, 3, 10} {
		h.Observe(v)
	}
	s := h.Snapshot()
	cb, err := s.Classic([]float64{0.5, 1, 1.5, 2, 100})
	if err != nil {
		t.Fatal(err)
	}
	// 1.5 is not a scale-2 boundary (they are 2^(k/4)); its bucket
	// (2^(2/4), 2^(3/4)] = (1.414, 1.682] starts at √2, so the classic bucket
	// reports √2 and counts everything ≤ √2.
	want := []ClassicBucket{{0.5, 3}, {1, 4}, {math.Sqrt2, 5}, {2, 6}, {LowerBound(Index(100, 2), 2), 8}, {math.Inf(1), 8}}
	if len(cb) != len(want) {
		t.Fatalf("Classic = %v", cb)
	}
	for i := range want {
		if cb[i].Count != want[i].Count || math.Abs(cb[i].UpperBound-want[i].UpperBound) > 1e-15 {
			t.Fatalf("Classic[%d] = %+v; want %+v (all: %v)", i, cb[i], want[i], cb)
		}
	}
	for _, bad := range [][]float64{{1, 1}, {2, 1}, {math.NaN()}, {math.Inf(1)}, {-1}, {0}} {
		if _, err := s.Classic(bad); err == nil {
			t.Errorf("Classic(%v) did not fail", bad)
		} else if !strings.Contains(err.Error(), "histogram:") {
			t.Errorf("Classic(%v) error %q does not say where it comes from", bad, err)
		}
	}
}

// PowersOfTwo agrees with Classic at the same bounds.
func TestPowersOfTwoMatchesClassic(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 6))
	for _, scale := range []int{MinScale, -1, 0, 3, DefaultScale, MaxScale} {
		h := MustNew(WithScale(scale))
		for range 5000 {
			h.Observe(distributions[r.IntN(len(distributions))].draw(r))
		}
		var arr [Octaves]uint64
		first, n, below, sum := h.PowersOfTwo(&arr)
		cum := arr[:n]
		s := h.Snapshot()
		if math.Abs(sum-s.Sum()) > 1e-9*math.Abs(s.Sum()) || math.Abs(h.Sum()-s.Sum()) > 1e-9*math.Abs(s.Sum()) {
			t.Fatalf("scale %d: sums %v, %v; snapshot %v", scale, sum, h.Sum(), s.Sum())
		}
		bounds := make([]float64, len(cum))
		for i := range bounds {
			bounds[i] = math.Ldexp(1, first+i)
		}
		cb, err := s.Classic(bounds)
		if err != nil {
			t.Fatal(err)
		}
		for i := range cum {
			if cum[i] != cb[i].Count {
				t.Fatalf("scale %d: at 2^%d PowersOfTwo says %d, Classic %d", scale, first+i, cum[i], cb[i].Count)
			}
		}
		if cum[len(cum)-1] != s.Count() {
			t.Fatalf("scale %d: the last power of two holds %d of %d", scale, cum[len(cum)-1], s.Count())
		}
		if below != s.ZeroCount()+total(s.neg.Counts) {
			t.Fatalf("scale %d: below = %d", scale, below)
		}
	}
}
