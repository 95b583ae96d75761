package counter_test

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/abacusgo/abacus/counter"
)

// With cap N and G > N goroutines racing to Inc, exactly N succeed.
func TestCappedExactlyLimitSucceed(t *testing.T) {
	for _, c := range []struct{ limit, goroutines int64 }{
		{100, 1000}, {0, 50}, {1, 1000}, {999, 1000}, {1000, 1000}, {5000, 1000},
	} {
		cp := counter.NewCapped(c.limit)
		var ok atomic.Int64
		var start sync.WaitGroup
		start.Add(1)
		var wg sync.WaitGroup
		for range c.goroutines {
			wg.Go(func() {
				start.Wait()
				if cp.Inc() {
					ok.Add(1)
				}
			})
		}
		start.Done()
		wg.Wait()
		want := min(c.limit, c.goroutines)
		if ok.Load() != want || cp.Load() != want {
			t.Errorf("limit %d, %d goroutines: %d Incs succeeded, Load %d; want %d",
				c.limit, c.goroutines, ok.Load(), cp.Load(), want)
		}
	}
}

// Property: under concurrent Inc and Dec the count never exceeds the limit
// or drops below zero, and it equals successful Incs minus successful Decs.
func TestCappedIncDecProperty(t *testing.T) {
	cp := counter.NewCapped(10)
	var incs, decs atomic.Int64
	var wg sync.WaitGroup
	for g := range 64 {
		wg.Go(func() {
			for i := range 2000 {
				if (g+i)%3 == 0 {
					if cp.Dec() {
						decs.Add(1)
					}
				} else if cp.Inc() {
					incs.Add(1)
				}
				if v := cp.Load(); v < 0 || v > 10 {
					t.Errorf("Load() = %d; want within [0, 10]", v)
					return
				}
			}
		})
	}
	wg.Wait()
	if got, want := cp.Load(), incs.Load()-decs.Load(); got != want {
		t.Fatalf("Load() = %d; want incs-decs = %d", got, want)
	}
	if got := cp.Drain(); got != incs.Load()-decs.Load() || cp.Load() != 0 {
		t.Fatalf("Drain() = %d, then Load() = %d", got, cp.Load())
	}
	if cp.Dec() {
		t.Fatal("Dec at zero succeeded")
	}
}

func TestCappedBadLimitPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("NewCapped(-1) did not panic")
		}
	}()
	counter.NewCapped(-1)
}
