package counter_test

import (
	"math"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/abacusgo/abacus/counter"
)

func TestWindowSumAndRate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := counter.NewWindow(5, time.Second)
		// Interval 0: 10 events; 1: 20; 2: nothing; 3: 30 (half-way in).
		w.Add(10)
		time.Sleep(time.Second)
		w.Add(20)
		time.Sleep(2 * time.Second)
		time.Sleep(500 * time.Millisecond)
		w.Add(30)
		steps := []struct {
			n    int
			sum  int64
			rate float64
		}{
			{1, 30, 30 / 0.5},
			{2, 30, 30 / 1.5},
			{3, 50, 50 / 2.5},
			{4, 60, 60 / 3.5},
			{5, 60, 60 / 3.5}, // the Window is only 3.5 s old
			{99, 60, 60 / 3.5},
			{0, 30, 30 / 0.5},
		}
		for _, s := range steps {
			if got := w.Sum(s.n); got != s.sum {
				t.Errorf("Sum(%d) = %d; want %d", s.n, got, s.sum)
			}
			if got := w.Rate(s.n); math.Abs(got-s.rate) > 1e-9 {
				t.Errorf("Rate(%d) = %v; want %v", s.n, got, s.rate)
			}
		}
		// Five seconds on, intervals 0..3 have left the ring.
		time.Sleep(5 * time.Second)
		if got := w.Sum(5); got != 0 {
			t.Errorf("Sum(5) = %d after the ring turned; want 0", got)
		}
		w.Inc()
		if got := w.Sum(5); got != 1 {
			t.Errorf("Sum(5) = %d; want 1", got)
		}
	})
}

// Writers on many goroutines while the ring rotates: no add is lost from the
// intervals that are still in the ring.
func TestWindowConcurrentRotation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := counter.NewWindow(10, 100*time.Millisecond)
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for range 50 {
					w.Add(2)
					time.Sleep(10 * time.Millisecond)
				}
			})
		}
		wg.Wait()
		// 8 goroutines × 50 adds over 500 ms, all within the 1 s ring.
		if got := w.Sum(10); got != 8*50*2 {
			t.Fatalf("Sum(10) = %d; want %d", got, 8*50*2)
		}
	})
}

func TestNewWindowPanics(t *testing.T) {
	for _, c := range []struct {
		slots int
		iv    time.Duration
	}{{0, time.Second}, {5, 0}, {-1, -1}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewWindow(%d, %v) did not panic", c.slots, c.iv)
				}
			}()
			counter.NewWindow(c.slots, c.iv)
		}()
	}
}
