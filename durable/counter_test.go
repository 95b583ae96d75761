package durable

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestLoadMidMove stops a commit in the middle of moving a counter's adds,
// the delta drained from pending but not yet in taken: Load must wait for
// the move rather than return a total without the delta.
func TestLoadMidMove(t *testing.T) {
	s, err := Open(t.TempDir(), Options{Policy: SyncNone, Interval: time.Hour, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c, _ := s.Counter("a")
	c.Add(5)
	s.commitMu.Lock()
	c.moving.Add(1)
	d := c.pending.Drain()
	got := make(chan int64)
	go func() { got <- c.Load() }()
	select {
	case v := <-got:
		t.Fatalf("Load() = %d in the middle of a move", v)
	case <-time.After(20 * time.Millisecond):
	}
	c.taken.Add(d)
	c.moving.Add(1)
	s.commitMu.Unlock()
	if v := <-got; v != 5 {
		t.Fatalf("Load() = %d after the move; want 5", v)
	}
}

// TestLoadDuringTake reads a counter that only grows while a committer
// keeps moving its adds from pending to taken: Load must never go back (a
// delta in neither) nor ahead of the adds (a delta in both).
func TestLoadDuringTake(t *testing.T) {
	s, err := Open(t.TempDir(), Options{Policy: SyncNone, Interval: time.Hour, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c, _ := s.Counter("a")
	var added atomic.Int64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			c.Add(1)
			added.Add(1)
			runtime.Gosched() // on one thread (js/wasm) the others run only when this yields
		}
	})
	wg.Go(func() {
		defer close(done)
		for range 50000 {
			s.commitMu.Lock()
			c.take()
			c.logged = c.taken.Load() // as if written, without the I/O
			s.commitMu.Unlock()
		}
	})
	var last int64
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		runtime.Gosched()
		lo := added.Load()
		v := c.Load()
		hi := added.Load() + 1
		if v < last || v < lo || v > hi {
			t.Fatalf("Load() = %d after %d, with %d to %d adds done", v, last, lo, hi)
		}
		last = v
	}
	wg.Wait()
}
