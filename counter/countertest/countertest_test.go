package countertest

import (
	"runtime"
	"sync/atomic"
	"testing"
)

// The suite must catch the two classic bugs: a lost update in Add and a
// drain that is not one atomic step. The broken counters yield between their
// two steps, so the interleaving that breaks them happens even when the
// machine is busy and goroutines rarely run in parallel.
func TestSuiteCatchesBrokenCounters(t *testing.T) {
	cases := []struct {
		name  string
		check func(Subject, Options) error
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
				if c.check(c.new(), Options{Adds: 2000}) != nil {
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
