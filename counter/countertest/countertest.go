// Package countertest is the conformance suite every Abacus counter passes,
// published so that a counter written outside this module can be held to
// the same contract: exact totals under concurrent adds of mixed sign,
// concurrent Loads and Drains, and GOMAXPROCS changes in the middle of it all.
//
// The suite changes GOMAXPROCS, which is process-wide, so tests that call Run
// must not run in parallel with other tests (do not call t.Parallel).
package countertest

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Subject adapts one counter to the suite.
type Subject struct {
	// Writer returns what one writing goroutine adds through, and a func it
	// calls when it has finished adding (a batching counter flushes there;
	// others may return a no-op). Writer is called once per goroutine.
	Writer func() (add func(int64), done func())
	// Load returns the counter's total. It must be safe to call during adds.
	Load func() int64
	// Drain takes the total and leaves the rest, or is nil if the counter
	// cannot be drained.
	Drain func() int64
}

// Options sizes a run. The zero value picks sizes that finish in well under
// a second per subject under -race.
type Options struct {
	Writers int // goroutines adding (default 16)
	Adds    int // adds per writer (default 20000, 2000 under -short)
}

func (o Options) withDefaults() Options {
	if o.Writers <= 0 {
		o.Writers = 16
	}
	if o.Adds <= 0 {
		o.Adds = 20000
		if testing.Short() {
			o.Adds = 2000
		}
	}
	return o
}

// Run runs the suite against counters made by newSubject, one fresh counter
// per subtest:
//
//   - exact: writers add random deltas in [-3, 7] while GOMAXPROCS cycles
//     through 1, 2, 3, 5, 8 and back; afterwards Load equals the sum.
//   - monotonic: writers add positive deltas while readers Load; every
//     reader's successive Loads never decrease and never exceed the final
//     total.
//   - drain (if the subject drains): writers add while drainers Drain and
//     GOMAXPROCS cycles; the sum of all drains plus the final Load equals the
//     sum of all adds.
func Run(t *testing.T, newSubject func() Subject, opts Options) {
	t.Helper()
	o := opts.withDefaults()
	for _, c := range []struct {
		name  string
		check func(Subject, Options) error
	}{
		{"exact", CheckExact},
		{"monotonic", CheckMonotonic},
		{"drain", CheckDrain},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := c.check(newSubject(), o); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// CheckExact is Run's "exact" check on one fresh counter.
func CheckExact(s Subject, o Options) error {
	o = o.withDefaults()
	stop := cycleProcs()
	want := write(s, o, false)
	stop()
	if got := s.Load(); got != want {
		return fmt.Errorf("Load() = %d after all adds; want %d (lost or extra: %d)", got, want, got-want)
	}
	return nil
}

// CheckMonotonic is Run's "monotonic" check on one fresh counter.
func CheckMonotonic(s Subject, o Options) error {
	o = o.withDefaults()
	var done atomic.Bool
	var readers sync.WaitGroup
	const n = 4
	var errs [n]error
	for r := range n {
		readers.Go(func() {
			var prev int64
			for !done.Load() {
				v := s.Load()
				if v < prev && errs[r] == nil {
					errs[r] = fmt.Errorf("reader %d: Load went from %d down to %d with only positive adds", r, prev, v)
				}
				prev = max(prev, v)
				runtime.Gosched()
			}
			if errs[r] == nil {
				errs[r] = checkLE(r, prev, s.Load())
			}
		})
	}
	want := write(s, o, true)
	done.Store(true)
	readers.Wait()
	if err := errors.Join(errs[:]...); err != nil {
		return err
	}
	if got := s.Load(); got != want {
		return fmt.Errorf("Load() = %d; want %d", got, want)
	}
	return nil
}

func checkLE(r int, seen, final int64) error {
	if seen > final {
		return fmt.Errorf("reader %d: Load returned %d, more than the final total %d", r, seen, final)
	}
	return nil
}

// CheckDrain is Run's "drain" check on one fresh counter; it passes
// trivially when s.Drain is nil.
func CheckDrain(s Subject, o Options) error {
	if s.Drain == nil {
		return nil
	}
	o = o.withDefaults()
	var done atomic.Bool
	var drained atomic.Int64
	var drainers sync.WaitGroup
	for range 3 {
		drainers.Go(func() {
			for !done.Load() {
				drained.Add(s.Drain())
				runtime.Gosched()
			}
		})
	}
	stop := cycleProcs()
	want := write(s, o, false)
	stop()
	done.Store(true)
	drainers.Wait()
	if got := drained.Load() + s.Load(); got != want {
		return fmt.Errorf("drains (%d) + final Load (%d) = %d; want the sum of adds %d (lost or extra: %d)",
			drained.Load(), s.Load(), got, want, got-want)
	}
	drained.Add(s.Drain())
	if got := s.Load(); got != 0 {
		return fmt.Errorf("Load() = %d after a quiescent Drain; want 0", got)
	}
	if drained.Load() != want {
		return fmt.Errorf("all drains = %d; want %d", drained.Load(), want)
	}
	return nil
}

// write runs o.Writers goroutines of o.Adds adds each and returns the sum of
// everything they added.
func write(s Subject, o Options, positive bool) int64 {
	var sum atomic.Int64
	var wg sync.WaitGroup
	for w := range o.Writers {
		add, done := s.Writer()
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 42))
			var mine int64
			for i := range o.Adds {
				d := int64(r.IntN(11)) - 3
				if positive {
					d = int64(r.IntN(7)) + 1
				}
				add(d)
				mine += d
				if i%512 == 0 {
					runtime.Gosched() // let the goroutine move between Ps
				}
			}
			done()
			sum.Add(mine)
		})
	}
	wg.Wait()
	return sum.Load()
}

// cycleProcs changes GOMAXPROCS every few hundred microseconds until the
// returned stop func is called; stop restores the original setting.
func cycleProcs() (stop func()) {
	orig := runtime.GOMAXPROCS(0)
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		steps := []int{1, 2, 3, 5, 8, 3, 1, 4, 16, 2}
		for i := 0; ; i++ {
			select {
			case <-quit:
				return
			case <-time.After(300 * time.Microsecond):
				runtime.GOMAXPROCS(steps[i%len(steps)])
			}
		}
	})
	return func() {
		close(quit)
		wg.Wait()
		runtime.GOMAXPROCS(orig)
	}
}

// Shared returns a Subject for a counter that every goroutine adds to
// directly, such as *counter.Adaptive. drain may be nil.
func Shared(add func(int64), load func() int64, drain func() int64) Subject {
	return Subject{
		Writer: func() (func(int64), func()) { return add, func() {} },
		Load:   load,
		Drain:  drain,
	}
}
