package histogram

import (
	"math"
	"math/rand/v2"
	"slices"
	"sync/atomic"
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

// Merging saturates every count at MaxCount instead of wrapping past 2^64:
// a bucket, the zero bucket, the rejected counts, Count, buckets that
// downscaling or a larger zero threshold folds together, and the sum at
// ±MaxFloat64. The result is consistent and encodes.
func TestMergeSaturates(t *testing.T) {
	const M = MaxCount
	i, j := Index(1.5, DefaultScale), Index(40, DefaultScale)
	at := func(i int, c uint64, v float64) fields {
		f := emptyFields()
		f.posOff, f.pos, f.min, f.max = i, []uint64{c}, v, v
		return f
	}
	zero := emptyFields()
	zero.zero, zero.min, zero.max = M, 0, 0
	rejected := func(nan, inf uint64) fields {
		f := emptyFields()
		f.nan, f.inf = nan, inf
		return f
	}
	fine := fields{scale: 1, thr: MinValue, min: 2.5, max: 3.5, posOff: 2, pos: []uint64{M, M}} // (2, 4]
	coarse := fields{scale: 0, thr: MinValue, min: 40, max: 40, posOff: Index(40, 0), pos: []uint64{1}}
	wide := emptyFields()
	wide.thr, wide.zero, wide.min, wide.max = 1, M, 0.5, 0.5
	summed := func(sum float64) fields {
		f := at(i, 1, 1.5)
		f.sum = sum
		return f
	}
	for _, c := range []struct {
		name  string
		in    []fields
		check func(m *Snapshot) bool
	}{
		{"a bucket", []fields{at(i, M, 1.5), at(i, M, 1.5)}, func(m *Snapshot) bool {
			return slices.Equal(m.pos.Counts, []uint64{M}) && m.Count() == M
		}},
		{"a bucket one past", []fields{at(i, M-1, 1.5), at(i, 2, 1.5)}, func(m *Snapshot) bool {
			return slices.Equal(m.pos.Counts, []uint64{M}) && m.Count() == M
		}},
		{"the zero bucket", []fields{zero, zero, zero}, func(m *Snapshot) bool {
			return m.ZeroCount() == M && m.Count() == M
		}},
		{"rejected", []fields{rejected(M, 1), rejected(1, M)}, func(m *Snapshot) bool {
			nan, inf := m.Rejected()
			return nan == M && inf == M && m.Count() == 0
		}},
		{"Count over buckets", []fields{at(i, M, 1.5), at(j, M, 40)}, func(m *Snapshot) bool {
			return m.pos.Counts[0] == M && m.pos.Counts[len(m.pos.Counts)-1] == M && m.Count() == M
		}},
		{"buckets a coarser scale folds", []fields{fine, coarse}, func(m *Snapshot) bool {
			return m.Scale() == 0 && m.pos.Offset == 1 && m.pos.Counts[0] == M && m.Count() == M
		}},
		{"buckets a zero threshold folds", []fields{wide, at(Index(0.75, DefaultScale), M, 0.75)}, func(m *Snapshot) bool {
			return m.ZeroThreshold() == 1 && m.ZeroCount() == M && m.Count() == M && len(m.pos.Counts) == 0
		}},
		{"the sum, up", []fields{summed(math.MaxFloat64), summed(math.MaxFloat64)}, func(m *Snapshot) bool {
			return m.Sum() == math.MaxFloat64
		}},
		{"the sum, down", []fields{summed(-math.MaxFloat64), summed(-math.MaxFloat64), summed(-1)}, func(m *Snapshot) bool {
			return m.Sum() == -math.MaxFloat64
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var in []*Snapshot
			for _, f := range c.in {
				in = append(in, f.decode(t))
			}
			m := Merge(in...)
			if !c.check(m) {
				t.Fatalf("merged: %+v", m)
			}
			if err := snapshotProblem(m, nil); err != nil {
				t.Fatal(err)
			}
			rev := slices.Clone(in)
			slices.Reverse(rev)
			if r := Merge(rev...); !sameSnapshot(m, r) {
				t.Fatalf("merging in reverse gives %+v, not %+v", r, m)
			}
		})
	}
	// Downscaling folds two saturated buckets into one, which saturates.
	d, err := fields{scale: 1, thr: MinValue, min: 2.5, max: 3.5, posOff: 2, pos: []uint64{M, M}}.decode(t).Downscale(0)
	if err != nil || !slices.Equal(d.pos.Counts, []uint64{M}) || d.Count() != M {
		t.Fatalf("downscaled: %+v, %v", d, err)
	}
}

// A snapshot adds the shards' counts saturating: buckets, the zero bucket
// and the rejected counts that two shards hold MaxCount of read as MaxCount,
// and so does Count; AppendNative reads them as the snapshot does.
func TestSnapshotAddsShardsSaturating(t *testing.T) {
	h := MustNew()
	h.Observe(1.5)
	h.Observe(0)
	second := new(shard)
	h.shards.Store(&shardSet{s: []atomic.Pointer[shard]{{}}})
	h.shards.Load().s[0].Store(second)
	off := Index(1.5, DefaultScale) - h.min
	for _, s := range []*shard{&h.first, second} {
		s.pos.bucket(off, h.dirLen).Store(MaxCount)
		s.zero.Store(MaxCount)
		s.nan.Store(MaxCount)
		s.inf.Store(MaxCount)
	}
	raise(&second.max, key(math.Float64bits(1.5)))
	raise(&second.min, ^key(math.Float64bits(0)))
	nativeAgrees(t, h)
	for _, s := range []*Snapshot{h.Snapshot(), h.Interval()} {
		nan, inf := s.Rejected()
		if !slices.Equal(s.pos.Counts, []uint64{MaxCount}) || s.ZeroCount() != MaxCount || s.Count() != MaxCount ||
			nan != MaxCount || inf != MaxCount {
			t.Fatalf("snapshot of two saturated shards: %+v", s)
		}
		if err := snapshotProblem(s, nil); err != nil {
			t.Fatal(err)
		}
	}
}

// Coordinated-omission correction saturates a bucket's counter at MaxCount
// instead of wrapping it past 2^64; an Observe on top of that still reads
// as MaxCount, in a snapshot and in AppendNative.
func TestObserveWithExpectedSaturates(t *testing.T) {
	h := MustNew()
	for range 200 { // each records 2^62 values, 1e17 of them in the top bucket
		h.ObserveWithExpected(1, 1e-19)
	}
	h.Observe(1) // one more in the saturated top bucket's counter
	s := h.Snapshot()
	if top := s.pos.Counts[len(s.pos.Counts)-1]; top != MaxCount || s.Count() != MaxCount {
		t.Fatalf("top bucket %d, count %d; want MaxCount", top, s.Count())
	}
	if err := snapshotProblem(s, nil); err != nil {
		t.Fatal(err)
	}
	nativeAgrees(t, h)
}

// nativeAgrees fails unless AppendNative gives what Snapshot().Native()
// does.
func nativeAgrees(t *testing.T, h *Histogram) {
	t.Helper()
	var got Native
	h.AppendNative(&got)
	want := h.Snapshot().Native()
	if got.Count != want.Count || got.ZeroCount != want.ZeroCount ||
		!slices.Equal(got.PositiveSpans, want.PositiveSpans) || !slices.Equal(got.PositiveDeltas, want.PositiveDeltas) ||
		!slices.Equal(got.NegativeSpans, want.NegativeSpans) || !slices.Equal(got.NegativeDeltas, want.NegativeDeltas) {
		t.Fatalf("AppendNative: %+v\nSnapshot().Native(): %+v", got, want)
	}
}
