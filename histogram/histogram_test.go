package histogram

import (
	"math"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestNewOptions(t *testing.T) {
	cases := []struct {
		opts []Option
		err  string
	}{
		{nil, ""},
		{[]Option{WithScale(MinScale), WithScale(MaxScale)}, ""},
		{[]Option{WithScale(9)}, "scale 9 out of range"},
		{[]Option{WithScale(-5)}, "scale -5 out of range"},
		{[]Option{WithZeroThreshold(0)}, "zero threshold 0 out of range"},
		{[]Option{WithZeroThreshold(math.NaN())}, "zero threshold NaN"},
		{[]Option{WithDurationUnit(0)}, "duration unit 0s"},
		{[]Option{WithScale(99), WithDurationUnit(-1)}, "scale 99"}, // both errors reported
	}
	for _, c := range cases {
		h, err := New(c.opts...)
		if c.err == "" {
			if err != nil || h == nil {
				t.Errorf("New: %v", err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("New error = %v; want one containing %q", err, c.err)
		}
	}
	if _, err := New(WithScale(99), WithDurationUnit(-1)); err == nil || !strings.Contains(err.Error(), "duration unit") {
		t.Errorf("New did not report every bad option: %v", err)
	}
}

func TestMustNewPanics(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "BUG:") {
			t.Fatalf("recover() = %v", r)
		}
	}()
	MustNew(WithScale(100))
}

func TestZeroThresholdSnapsToBoundary(t *testing.T) {
	h := MustNew(WithZeroThreshold(0.001))
	thr := h.ZeroThreshold()
	if thr < 0.001 || UpperBound(Index(thr, h.Scale()), h.Scale()) != thr {
		t.Fatalf("threshold %v is not the bucket boundary at or above 0.001", thr)
	}
	h.Observe(0.001)
	h.Observe(-thr)
	h.Observe(math.Nextafter(thr, 1))
	s := h.Snapshot()
	if s.ZeroCount() != 2 || s.Count() != 3 {
		t.Fatalf("zero %d, count %d; want 2 and 3", s.ZeroCount(), s.Count())
	}
}

func TestObserveSerial(t *testing.T) {
	h := MustNew()
	for _, v := range []float64{1, 2, 2, 3, -1, 0, 1e-30, 5e-20} {
		h.Observe(v)
	}
	h.ObserveInt(7)
	h.ObserveDuration(1500 * time.Millisecond)
	s := h.Snapshot()
	if s.Count() != 10 {
		t.Fatalf("Count() = %d; want 10", s.Count())
	}
	if s.ZeroCount() != 3 {
		t.Fatalf("ZeroCount() = %d; want 3 (0, 1e-30, 5e-20)", s.ZeroCount())
	}
	if want := 1 + 2 + 2 + 3 - 1 + 1e-30 + 5e-20 + 7 + 1.5; math.Abs(s.Sum()-want) > 1e-12 {
		t.Fatalf("Sum() = %v; want %v", s.Sum(), want)
	}
	if s.Min() != -1 || s.Max() != 7 {
		t.Fatalf("Min, Max = %v, %v; want -1, 7", s.Min(), s.Max())
	}
	var n uint64
	for b := range s.All() {
		n += b.Count
		if b.Lower > b.Upper {
			t.Fatalf("bucket %+v upside down", b)
		}
	}
	if n != s.Count() {
		t.Fatalf("buckets hold %d; Count() = %d", n, s.Count())
	}
}

func TestRejected(t *testing.T) {
	h := MustNew()
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), 2e19, -3e300, math.MaxFloat64} {
		h.Observe(v)
	}
	h.Observe(MaxValue) // the largest accepted value
	s := h.Snapshot()
	nan, inf := s.Rejected()
	if nan != 1 || inf != 5 || s.Count() != 1 || s.Sum() != MaxValue || s.Max() != MaxValue {
		t.Fatalf("nan %d, inf %d, count %d, sum %v, max %v", nan, inf, s.Count(), s.Sum(), s.Max())
	}
}

func TestEmptySnapshot(t *testing.T) {
	s := MustNew().Snapshot()
	if s.Count() != 0 || s.Sum() != 0 || !math.IsNaN(s.Min()) || !math.IsNaN(s.Max()) ||
		!math.IsNaN(s.Mean()) || !math.IsNaN(s.Quantile(0.5)) || !math.IsNaN(s.CDF(1)) {
		t.Fatalf("empty snapshot: %+v", s)
	}
	for range s.All() {
		t.Fatal("empty snapshot has a bucket")
	}
}

func TestDurationUnit(t *testing.T) {
	h := MustNew(WithDurationUnit(time.Millisecond))
	h.ObserveDuration(2500 * time.Microsecond)
	s := h.Snapshot()
	if s.Sum() != 2.5 || s.Max() != 2.5 {
		t.Fatalf("Sum, Max = %v, %v; want 2.5 ms", s.Sum(), s.Max())
	}
}

// Concurrent writers on every path and GOMAXPROCS above the core count: the
// snapshot holds every observation exactly.
func TestConcurrentExact(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	h := MustNew()
	const g, n = 16, 5000
	var wg sync.WaitGroup
	for i := range g {
		wg.Go(func() {
			for j := range n {
				switch j % 3 {
				case 0:
					h.Observe(float64(j%97) + 0.5)
				case 1:
					h.ObserveInt(int64(-(j % 13)))
				default:
					h.ObserveDuration(time.Duration(i*1000+j) * time.Microsecond)
				}
			}
		})
	}
	wg.Wait()
	s := h.Snapshot()
	if s.Count() != g*n {
		t.Fatalf("Count() = %d; want %d", s.Count(), g*n)
	}
	var want float64
	for i := range g {
		for j := range n {
			switch j % 3 {
			case 0:
				want += float64(j%97) + 0.5
			case 1:
				want -= float64(j % 13)
			default:
				want += float64(i*1000+j) / 1e6
			}
		}
	}
	if math.Abs(s.Sum()-want) > 1e-6*math.Abs(want) {
		t.Fatalf("Sum() = %v; want %v", s.Sum(), want)
	}
	if s.Min() != -12 {
		t.Fatalf("Min() = %v; want -12", s.Min())
	}
	t.Logf("shards in use: %d, bytes %d", shardsInUse(h), h.Bytes())
}

func shardsInUse(h *Histogram) int {
	n := 0
	h.each(func(*shard) { n++ })
	return n
}

// Intervals taken while writers run add up to everything written: no
// observation is lost or counted twice.
func TestIntervalExact(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	h := MustNew()
	var done atomic.Bool
	var intervals []*Snapshot
	var reader sync.WaitGroup
	reader.Go(func() {
		for !done.Load() {
			intervals = append(intervals, h.Interval())
			runtime.Gosched()
		}
	})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for j := range 20000 {
				h.ObserveInt(int64(j%1000) + 1)
			}
		})
	}
	wg.Wait()
	done.Store(true)
	reader.Wait()
	intervals = append(intervals, h.Interval())
	all := Merge(intervals...)
	if all.Count() != 8*20000 {
		t.Fatalf("intervals hold %d observations; want %d (from %d intervals)", all.Count(), 8*20000, len(intervals))
	}
	if want := 8.0 * 20 * 500500; all.Sum() != want {
		t.Fatalf("intervals sum to %v; want %v", all.Sum(), want)
	}
	if h.Interval().Count() != 0 {
		t.Fatal("an interval after the last one is not empty")
	}
	t.Logf("%d intervals", len(intervals))
}

// An idle histogram is small; six decades of latencies cost under 16 KiB per
// shard at the default scale.
func TestMemoryBudget(t *testing.T) {
	h := MustNew()
	if n := h.Bytes(); n > 1024 {
		t.Fatalf("idle histogram holds %d bytes; want under 1 KiB", n)
	}
	for v := 1e-6; v < 1; v *= 1.001 {
		h.Observe(v)
	}
	if n := h.Bytes(); n > 16*1024 {
		t.Fatalf("six decades hold %d bytes in one shard; want under 16 KiB", n)
	} else {
		t.Logf("idle %d bytes; six decades %d bytes", MustNew().Bytes(), n)
	}
}

func TestObserveAllocatesNothing(t *testing.T) {
	h := MustNew()
	h.Observe(0.25)
	h.ObserveInt(3)
	h.ObserveDuration(time.Second)
	allocs := testing.AllocsPerRun(1000, func() {
		h.Observe(0.25)
		h.ObserveInt(3)
		h.ObserveDuration(time.Second)
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per Observe", allocs)
	}
}

// Bytes counts what an Interval keeps for the reads after it.
func TestBytesCountsWhatReadsKeep(t *testing.T) {
	h := MustNew()
	h.Observe(1)
	before := h.Bytes()
	h.Interval()
	if after := h.Bytes(); after <= before {
		t.Fatalf("Bytes() = %d after an interval, %d before", after, before)
	}
}

// A snapshot or interval of latencies allocates the snapshot and its one
// array of counts, nothing more (ADR 0002): choosing the extremes and
// keeping what an Interval leaves for the next read reuse memory.
func TestSnapshotAllocations(t *testing.T) {
	h := MustNew()
	for v := 1e-4; v < 10; v *= 1.01 {
		h.Observe(v)
	}
	h.Interval()
	h.Observe(0.003)
	if n := testing.AllocsPerRun(100, func() { h.Snapshot() }); n != 2 {
		t.Errorf("Snapshot allocates %v times; want 2", n)
	}
	if n := testing.AllocsPerRun(100, func() { h.Observe(0.003); h.Interval() }); n != 2 {
		t.Errorf("Interval allocates %v times; want 2", n)
	}
}
