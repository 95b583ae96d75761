package histogram

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
)

// Snapshots and intervals taken while many goroutines observe, and while
// other goroutines take intervals and snapshots, are consistent: Min ≤ Max,
// each lies in its extreme bucket and is a value observed or that bucket's
// representative, Quantile(0) ≤ Quantile(1), and the snapshot's own encoding
// round-trips. The intervals together hold every observation. Some writes
// are corrected for coordinated omission, whose extremes and buckets race
// with reads as Observe's do.
func TestConcurrentReadsConsistent(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	// Few values in few buckets, signed, with zeros.
	values := []float64{-3.3, -0.7, 0, 0.7, 1.2, 1.6, 2.2, 40}
	for range 12 {
		values = append(values, 1.5) // most small intervals hold its bucket alone
	}
	// Now and then ObserveWithExpected(2.5, 0.75), which records 2.5, 1.75
	// and 1.
	synthesized := []float64{2.5, 1.75, 1}
	observed := func(v float64) bool { return slices.Contains(values, v) || slices.Contains(synthesized, v) }
	for _, scale := range []int{0, DefaultScale} {
		t.Run(fmt.Sprint("scale ", scale), func(t *testing.T) {
			h := MustNew(WithScale(scale))
			const writers, reads = 4, 500 // reads per reader
			var done atomic.Bool
			var problems atomic.Int64
			var mu sync.Mutex
			var intervals []*Snapshot
			check := func(kind string, s *Snapshot) {
				if err := snapshotProblem(s, observed); err != nil && problems.Add(1) <= 5 {
					t.Errorf("%s: %v", kind, err)
				}
			}
			var readers sync.WaitGroup
			for range 2 {
				readers.Go(func() {
					for range reads {
						s := h.Interval()
						check("interval", s)
						mu.Lock()
						intervals = append(intervals, s)
						mu.Unlock()
					}
				})
			}
			for range 2 {
				readers.Go(func() {
					for range reads {
						check("snapshot", h.Snapshot())
					}
				})
			}
			var written atomic.Uint64
			var wg sync.WaitGroup
			for w := range writers {
				wg.Go(func() {
					r := rand.New(rand.NewPCG(uint64(w), 1))
					n := uint64(0)
					for ; !done.Load(); n++ {
						if n%64 == 0 {
							h.ObserveWithExpected(2.5, 0.75)
							n += 2
							continue
						}
						h.Observe(values[r.IntN(len(values))])
						if n%8 == 0 {
							runtime.Gosched() // small intervals: many hold one bucket
						}
					}
					written.Add(n)
				})
			}
			readers.Wait()
			done.Store(true)
			wg.Wait()
			last := h.Interval()
			check("last interval", last)
			all := Merge(append(intervals, last)...)
			check("merged intervals", all)
			if all.Count() != written.Load() {
				t.Errorf("the intervals hold %d observations; want %d", all.Count(), written.Load())
			}
			t.Logf("%d observations, %d reads, %d inconsistent; merged intervals: min %v, max %v",
				written.Load(), 4*reads+1, problems.Load(), all.Min(), all.Max())
		})
	}
}

// half records the first half of an observation of v > 0 in h's first
// shard, its extremes, as a writer does before it adds to the bucket, and
// returns the second half, the add to the bucket: an observation split by a
// read in between, as a preempted writer splits it.
func half(h *Histogram, v float64) (rest func()) {
	k := key(math.Float64bits(v))
	raise(&h.first.max, k)
	raise(&h.first.min, ^k)
	return func() { h.first.pos.bucket(Index(v, h.scale)-h.min, h.dirLen).Add(1) }
}

// An observation whose extremes one Interval takes and whose bucket the
// next one counts still has its value as the extremes of that next
// interval (or of a snapshot after it) when its value lies outside what the
// first interval counted; inside, the extremes are values observed in the
// bucket.
func TestSplitObservationKeepsItsValue(t *testing.T) {
	type read func(*Histogram) *Snapshot
	interval := func(h *Histogram) *Snapshot { return h.Interval() }
	snapshot := func(h *Histogram) *Snapshot { return h.Snapshot() }
	for _, c := range []struct {
		name      string
		before    []float64 // observed whole before the split one
		split     float64
		second    read
		firstMin  float64 // the first interval's extremes (NaN: empty)
		firstMax  float64
		secondMin float64 // the second read's
		secondMax float64
	}{
		{"above what the first counted", []float64{1}, 40, interval, 1, 1, 40, 40},
		{"below what the first counted", []float64{40}, 1, interval, 40, 40, 1, 1},
		{"after an empty interval", nil, 7, interval, math.NaN(), math.NaN(), 7, 7},
		{"read by a snapshot", []float64{1}, 40, snapshot, 1, 1, 40, 40},
		{"a snapshot after an empty interval", nil, 7, snapshot, math.NaN(), math.NaN(), 7, 7},
		// In the first interval's bucket: its own extreme is a value
		// observed in the bucket (40.1, whose bucket it does not count),
		// and the second interval's too.
		{"in the bucket the first counted", []float64{40}, 40.1, interval, 40, 40.1, 40, 40.1},
	} {
		t.Run(c.name, func(t *testing.T) {
			same := func(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }
			h := MustNew()
			for _, v := range c.before {
				h.Observe(v)
			}
			rest := half(h, c.split)
			first := h.Interval()
			rest()
			second := c.second(h)
			if !same(first.Min(), c.firstMin) || !same(first.Max(), c.firstMax) {
				t.Errorf("first interval: min, max %v, %v; want %v, %v", first.Min(), first.Max(), c.firstMin, c.firstMax)
			}
			if second.Count() != 1 || second.Min() != c.secondMin || second.Max() != c.secondMax {
				t.Errorf("second read: count %d, min, max %v, %v; want 1, %v, %v",
					second.Count(), second.Min(), second.Max(), c.secondMin, c.secondMax)
			}
			for _, s := range []*Snapshot{first, second} {
				if err := snapshotProblem(s, nil); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

// After writers race with reads, the extremes of every read taken once no
// observation races with it or with the Interval before it are exact, and
// so are merges of such reads.
func TestExtremesExactWhenQuiet(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	h := MustNew(WithScale(2))
	var done atomic.Bool
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 2))
			for !done.Load() {
				h.Observe(r.NormFloat64())
				runtime.Gosched()
			}
		})
	}
	for range 200 {
		h.Interval()
		h.Snapshot()
	}
	done.Store(true)
	wg.Wait()
	h.Interval() // quiet itself, after racing ones
	r := rand.New(rand.NewPCG(3, 4))
	var since, all []float64 // observed since the last interval, and in all
	var intervals []*Snapshot
	for i := range 100 {
		values := randomValues(r)
		for _, v := range values {
			h.Observe(v)
		}
		since, all = append(since, values...), append(all, values...)
		s := h.Snapshot()
		if i%2 == 0 {
			s = h.Interval()
			intervals = append(intervals, s)
		}
		if lo, hi := slices.Min(since), slices.Max(since); s.Min() != lo || s.Max() != hi {
			t.Fatalf("read %d: min, max %v, %v; want %v, %v", i, s.Min(), s.Max(), lo, hi)
		}
		if i%2 == 0 {
			since = since[:0]
		}
	}
	intervals = append(intervals, h.Interval())
	if m := Merge(intervals...); m.Min() != slices.Min(all) || m.Max() != slices.Max(all) {
		t.Fatalf("merged intervals: min, max %v, %v; want %v, %v", m.Min(), m.Max(), slices.Min(all), slices.Max(all))
	}
}
