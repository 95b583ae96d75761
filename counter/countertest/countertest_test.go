package countertest

import (
	"runtime"
	"sync/atomic"
	"testing"
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

func TestSuitePassesAtomic(t *testing.T) {
	Run(t, func() Subject {
		var v atomic.Int64
		return Shared(func(d int64) { v.Add(d) }, v.Load, func() int64 { return v.Swap(0) })
	}, Options{})
}
