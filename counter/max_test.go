package counter_test

import (
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/abacusgo/abacus/counter"
)

func TestMaxMinZero(t *testing.T) {
	var mx counter.Max
	var mn counter.Min
	if got := mx.Load(); got != math.MinInt64 {
		t.Errorf("zero Max Load() = %d; want MinInt64", got)
	}
	if got := mn.Load(); got != math.MaxInt64 {
		t.Errorf("zero Min Load() = %d; want MaxInt64", got)
	}
}

func TestMaxMinSerial(t *testing.T) {
	cases := [][]int64{
		{0},
		{-1},
		{5, 3, 9, -2},
		{math.MinInt64, math.MaxInt64},
		{math.MaxInt64, math.MinInt64, 0},
		{-7, -3, -100},
	}
	for _, vs := range cases {
		var mx counter.Max
		var mn counter.Min
		wantMax, wantMin := int64(math.MinInt64), int64(math.MaxInt64)
		for _, v := range vs {
			mx.Observe(v)
			mn.Observe(v)
			wantMax, wantMin = max(wantMax, v), min(wantMin, v)
		}
		if got := mx.Load(); got != wantMax {
			t.Errorf("Max of %v = %d; want %d", vs, got, wantMax)
		}
		if got := mn.Load(); got != wantMin {
			t.Errorf("Min of %v = %d; want %d", vs, got, wantMin)
		}
	}
}

// Property: with 1000 goroutines observing random values while others drain,
// the largest (smallest) of all drains and the final Load is the true
// maximum (minimum).
func TestMaxMinConcurrentProperty(t *testing.T) {
	for seed := range uint64(5) {
		var mx counter.Max
		var mn counter.Min
		var trueMax, trueMin atomic.Int64
		trueMax.Store(math.MinInt64)
		trueMin.Store(math.MaxInt64)
		var drainedMax, drainedMin atomic.Int64
		drainedMax.Store(math.MinInt64)
		drainedMin.Store(math.MaxInt64)
		var done atomic.Bool
		var drainers sync.WaitGroup
		drainers.Go(func() {
			for !done.Load() {
				storeMax(&drainedMax, mx.Drain())
				storeMin(&drainedMin, mn.Drain())
				runtime.Gosched() // on one thread (js/wasm) the writers run only when this yields
			}
		})
		var wg sync.WaitGroup
		for g := range 1000 {
			wg.Go(func() {
				r := rand.New(rand.NewPCG(seed, uint64(g)))
				for range 20 {
					v := r.Int64() - math.MaxInt64/2
					mx.Observe(v)
					mn.Observe(v)
					storeMax(&trueMax, v)
					storeMin(&trueMin, v)
				}
			})
		}
		wg.Wait()
		done.Store(true)
		drainers.Wait()
		storeMax(&drainedMax, mx.Load())
		storeMin(&drainedMin, mn.Load())
		if drainedMax.Load() != trueMax.Load() {
			t.Fatalf("seed %d: max over drains = %d; want %d", seed, drainedMax.Load(), trueMax.Load())
		}
		if drainedMin.Load() != trueMin.Load() {
			t.Fatalf("seed %d: min over drains = %d; want %d", seed, drainedMin.Load(), trueMin.Load())
		}
	}
}

func storeMax(a *atomic.Int64, v int64) {
	for old := a.Load(); v > old && !a.CompareAndSwap(old, v); old = a.Load() {
	}
}

func storeMin(a *atomic.Int64, v int64) {
	for old := a.Load(); v < old && !a.CompareAndSwap(old, v); old = a.Load() {
	}
}
