package countertest

import (
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The suite must catch a lost update in Add and a drain that is not one
// atomic step even where writers never run at the same time: these broken
// counters yield between their two steps, so the interleaving that breaks
// them happens on one P and on a busy machine too.
func TestSuiteCatchesYieldingCounters(t *testing.T) {
	cases := []struct {
		name  string
		check func(Subject, Options) Report
		new   func() Subject
	}{
		{"load-then-store add", CheckExact, func() Subject {
			var v atomic.Int64
			return Shared(func(d int64) { x := v.Load(); runtime.Gosched(); v.Store(x + d) }, v.Load, nil)
		}},
		{"load-then-store add, positive", CheckMonotonic, func() Subject {
			var v atomic.Int64
			return Shared(func(d int64) { x := v.Load(); runtime.Gosched(); v.Store(x + d) }, v.Load, nil)
		}},
		{"load-then-zero drain", CheckDrain, func() Subject {
			var v atomic.Int64
			return Shared(func(d int64) { v.Add(d) }, v.Load, func() int64 {
				x := v.Load()
				runtime.Gosched()
				v.Store(0)
				return x
			})
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// A race is a matter of luck; give it a few rounds.
			for range 5 {
				if r := c.check(c.new(), Options{Adds: 2000}); r.Err != nil {
					t.Logf("caught: %v", r.Err)
					return
				}
			}
			t.Fatal("the suite passed a counter that loses updates")
		})
	}
}

// newAtomic returns a Subject for an atomic.Int64, which drains if drain is
// set.
func newAtomic(drain bool) Subject {
	var v atomic.Int64
	s := Shared(func(d int64) { v.Add(d) }, v.Load, nil)
	if drain {
		s.Drain = func() int64 { return v.Swap(0) }
	}
	return s
}

func TestSuitePassesAtomic(t *testing.T) {
	Run(t, func() Subject { return newAtomic(true) }, Options{})
}

// Check returns one Report per check, in Run's order, and a subject without
// Drain leaves the drain check untested rather than passed.
func TestCheckReportsEveryCheck(t *testing.T) {
	rs := Check(func() Subject { return newAtomic(false) }, Options{Wait: time.Millisecond})
	var names []string
	for _, r := range rs {
		names = append(names, r.Check)
		if r.Err != nil {
			t.Errorf("%s: %v", r.Check, r.Err)
		}
	}
	if got, want := strings.Join(names, " "), "exact resize monotonic drain"; got != want {
		t.Fatalf("Check returned reports for %q; want %q", got, want)
	}
	if d := rs[3]; d.Untested == "" || d.Overlap.Adds != 0 {
		t.Errorf("drain of a subject without Drain: Untested %q, %d adds; want a reason and no adds", d.Untested, d.Overlap.Adds)
	}
}

// A lone writer cannot overlap another writer, so the checks that need
// writers side by side must call themselves untested, however long they wait.
func TestOneWriterIsUntested(t *testing.T) {
	o := Options{Writers: 1, Wait: 5 * time.Millisecond}
	newSubject := func() Subject { return newAtomic(false) }
	for _, r := range []Report{CheckExact(newSubject(), o), CheckResize(newSubject, o)} {
		if r.Err != nil {
			t.Errorf("%s: %v", r.Check, r.Err)
		}
		if r.Untested == "" || r.Overlap.WithWriters != 0 || r.Overlap.IncreasesWithWriters != 0 {
			t.Errorf("%s with one writer: Untested %q, overlap %v; want untested with no overlap", r.Check, r.Untested, r.Overlap)
		}
		// On one thread (js/wasm) a resize round's writer may not run at all
		// before the round ends: it runs only when the checker blocks.
		if r.Overlap.Adds == 0 && !(runtime.GOARCH == "wasm" && r.Check == "resize") {
			t.Errorf("%s with one writer made no adds", r.Check)
		}
	}
}
