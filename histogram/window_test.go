package histogram

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

func TestWindow(t *testing.T) {
	w, err := NewWindow(3)
	if err != nil {
		t.Fatal(err)
	}
	w.Observe(1)
	w.Tick()
	w.Observe(2)
	w.Observe(2)
	w.Tick()
	w.Observe(3)
	if got := w.Snapshot().Count(); got != 4 {
		t.Fatalf("three intervals hold %d; want 4", got)
	}
	w.Tick() // the interval with 1 leaves
	if s := w.Snapshot(); s.Count() != 3 || s.Min() != 2 {
		t.Fatalf("after a tick: count %d, min %v; want 3, 2", s.Count(), s.Min())
	}
	w.Tick()
	w.Tick()
	if got := w.Snapshot().Count(); got != 0 {
		t.Fatalf("after the ring turned: %d; want 0", got)
	}
	if _, err := NewWindow(0); err == nil {
		t.Fatal("NewWindow(0) did not fail")
	}
	if _, err := NewWindow(2, WithScale(20)); err == nil {
		t.Fatal("NewWindow with a bad scale did not fail")
	}
}

func TestWindowOneSlot(t *testing.T) {
	w, _ := NewWindow(1)
	w.ObserveInt(5)
	w.Tick()
	w.ObserveDuration(time.Second)
	if s := w.Snapshot(); s.Count() != 1 || s.Max() != 1 {
		t.Fatalf("one-slot window: count %d, max %v", s.Count(), s.Max())
	}
}

func TestWindowRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w, _ := NewWindow(5)
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() { errc <- w.Run(ctx, time.Minute) }()
		for range 10 { // one observation a minute for ten minutes
			w.Observe(1)
			time.Sleep(time.Minute)
			synctest.Wait()
		}
		if got := w.Snapshot().Count(); got != 4 {
			t.Fatalf("a 5-slot window of minutes holds %d; want the last 4 completed minutes", got)
		}
		cancel()
		if err := <-errc; !errors.Is(err, context.Canceled) {
			t.Fatalf("Run returned %v", err)
		}
	})
}
