package counter_test

import (
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/abacusgo/abacus/counter"
)

func TestSloppyThreshold(t *testing.T) {
	cases := []struct {
		threshold int64
		adds      []int64
		wantLoad  int64 // flushed total after the adds
	}{
		{10, []int64{1, 1, 1}, 0},
		{10, []int64{9}, 0},
		{10, []int64{10}, 10},
		{10, []int64{4, 4, 4}, 12},
		{10, []int64{-9}, 0},
		{10, []int64{-10}, -10},
		{10, []int64{5, -5, 5, -5}, 0},
		{1, []int64{1}, 1},
		{1, []int64{-1, 1}, 0},
		{3, []int64{1 << 50}, 1 << 50},
	}
	for _, c := range cases {
		s := counter.NewSloppy(0)
		l := s.Local(c.threshold)
		var sum int64
		for _, d := range c.adds {
			l.Add(d)
			sum += d
		}
		if got := s.Load(); got != c.wantLoad {
			t.Errorf("threshold %d, adds %v: Load() = %d; want %d", c.threshold, c.adds, got, c.wantLoad)
		}
		if got := s.Load() + l.Pending(); got != sum {
			t.Errorf("threshold %d, adds %v: Load+Pending = %d; want %d", c.threshold, c.adds, got, sum)
		}
		if p := l.Pending(); p >= c.threshold || p <= -c.threshold {
			t.Errorf("threshold %d: Pending() = %d, not below the threshold", c.threshold, p)
		}
		l.Close()
		if got := s.Load(); got != sum {
			t.Errorf("after Close: Load() = %d; want %d", got, sum)
		}
	}
}

func TestSloppyBoundAndOpen(t *testing.T) {
	s := counter.NewSloppy(0)
	a, b := s.Local(100), s.Local(10)
	if s.Bound() != 99+9 || s.Open() != 2 {
		t.Fatalf("Bound() = %d, Open() = %d; want 108 and 2", s.Bound(), s.Open())
	}
	for range 99 {
		a.Inc()
	}
	for range 9 {
		b.Inc()
	}
	if miss := 99 + 9 - s.Load(); miss > s.Bound() {
		t.Fatalf("Load misses %d; Bound() says at most %d", miss, s.Bound())
	}
	a.Close()
	a.Close() // idempotent
	if s.Bound() != 9 || s.Open() != 1 {
		t.Fatalf("after one Close: Bound() = %d, Open() = %d", s.Bound(), s.Open())
	}
	a.Add(3) // after Close: straight to the total
	b.Close()
	if got := s.Load(); got != 99+9+3 {
		t.Fatalf("Load() = %d; want %d", got, 99+9+3)
	}
	if s.Bound() != 0 || s.Open() != 0 {
		t.Fatalf("all closed: Bound() = %d, Open() = %d", s.Bound(), s.Open())
	}
}

// An open Local that keeps adding flushes on the first Add after each tick.
func TestSloppyIntervalFlush(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := counter.NewSloppy(time.Second)
		l := s.Local(1 << 30)
		l.Inc()
		time.Sleep(999 * time.Millisecond)
		l.Inc()
		if got := s.Load(); got != 0 {
			t.Fatalf("Load() = %d before the tick; want 0", got)
		}
		time.Sleep(2 * time.Millisecond)
		l.Inc()
		if got := s.Load(); got != 3 {
			t.Fatalf("Load() = %d after the tick; want 3", got)
		}
		// Many intervals later the timer is still running while l is open.
		time.Sleep(10 * time.Second)
		l.Inc()
		if got := s.Load(); got != 4 {
			t.Fatalf("Load() = %d ten ticks later; want 4", got)
		}
		l.Close()
		// The timer stops with the last Local; a new Local restarts it.
		time.Sleep(5 * time.Second)
		l2 := s.Local(1 << 30)
		l2.Inc()
		time.Sleep(1001 * time.Millisecond)
		l2.Inc()
		if got := s.Load(); got != 6 {
			t.Fatalf("Load() = %d after restart; want 6", got)
		}
		l2.Close()
	})
}

// Concurrent Locals with a ticking timer: exact after Close, and the bound
// holds at every Load along the way.
func TestSloppyConcurrentBound(t *testing.T) {
	s := counter.NewSloppy(100 * time.Microsecond)
	const g, n = 16, 20000
	var wg sync.WaitGroup
	locals := make([]*counter.Local, g)
	for i := range locals {
		locals[i] = s.Local(64)
	}
	maxBound := s.Bound()
	var added [g]atomic.Int64
	stop := make(chan struct{})
	var checker sync.WaitGroup
	var violation string
	checker.Go(func() {
		for violation == "" {
			select {
			case <-stop:
				return
			default:
			}
			// Read what was added before Load: the flushed total trails it
			// by at most the bound, and never runs ahead of all adds.
			var a int64
			for i := range added {
				a += added[i].Load()
			}
			if v := s.Load(); v < a-maxBound || v > g*n {
				violation = fmt.Sprintf("Load() = %d with %d added before it; bound %d", v, a, maxBound)
			}
			runtime.Gosched() // on one thread (js/wasm) the writers run only when this yields
		}
	})
	for i, l := range locals {
		wg.Go(func() {
			for range n {
				l.Inc()
				added[i].Add(1)
			}
			if l.Pending() > 63 {
				t.Errorf("Pending() = %d with threshold 64", l.Pending())
			}
			l.Close()
		})
	}
	wg.Wait()
	close(stop)
	checker.Wait()
	if violation != "" {
		t.Fatal(violation)
	}
	if got := s.Load(); got != g*n {
		t.Fatalf("Load() = %d; want %d", got, g*n)
	}
}

func TestSloppyBadThresholdPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("Local(0) did not panic")
		}
	}()
	counter.NewSloppy(0).Local(0)
}

// A Local dropped without Close is closed by its cleanup: Open and Bound no
// longer count it, and Dropped says a batch was lost.
func TestSloppyDroppedLocal(t *testing.T) {
	s := counter.NewSloppy(time.Millisecond)
	kept := s.Local(10)
	func() {
		l := s.Local(100)
		l.Add(5) // lost with l
	}()
	if s.Open() != 2 || s.Bound() != 9+99 {
		t.Fatalf("Open %d Bound %d before the collection; want 2, 108", s.Open(), s.Bound())
	}
	deadline := time.Now().Add(10 * time.Second)
	for s.Dropped() == 0 && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	if s.Dropped() != 1 || s.Open() != 1 || s.Bound() != 9 {
		t.Fatalf("after the collection: Dropped %d Open %d Bound %d; want 1, 1, 9", s.Dropped(), s.Open(), s.Bound())
	}
	kept.Inc()
	kept.Close()
	runtime.GC()
	if s.Dropped() != 1 || s.Open() != 0 || s.Bound() != 0 || s.Load() != 1 {
		t.Fatalf("after Close: Dropped %d Open %d Bound %d Load %d; want 1, 0, 0, 1", s.Dropped(), s.Open(), s.Bound(), s.Load())
	}
}

// Bound saturates at math.MaxInt64 instead of wrapping, and comes back down
// exactly as Locals close.
func TestSloppyBoundSaturates(t *testing.T) {
	var s counter.Sloppy
	a, b, c := s.Local(math.MaxInt64), s.Local(math.MaxInt64), s.Local(3)
	if s.Bound() != math.MaxInt64 {
		t.Fatalf("Bound() = %d; want math.MaxInt64", s.Bound())
	}
	a.Close()
	if s.Bound() != math.MaxInt64 { // (2^63-2) + 2 is still too large
		t.Fatalf("Bound() = %d; want math.MaxInt64", s.Bound())
	}
	b.Close()
	if s.Bound() != 2 {
		t.Fatalf("Bound() = %d; want 2", s.Bound())
	}
	c.Close()
	if s.Bound() != 0 {
		t.Fatalf("Bound() = %d; want 0", s.Bound())
	}
}
