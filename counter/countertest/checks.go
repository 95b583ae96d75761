package countertest

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// burst is how many Loads or Drains a reader makes between two yields: a
// reader that yielded after each would hold a P for a small share of the
// time the writers hold theirs, and would seldom run while writers do.
const burst = 64

// enough is how many overlapping adds (WithWriters in the exact check,
// WithReaders in the monotonic and drain checks) make a check count as
// tested: 256 batches.
const enough = 1 << 14

// CheckExact is Run's "exact" check on one fresh counter: writers add random
// deltas in [-3, 7] at GOMAXPROCS ≥ 8 (raised to 8 if it is lower and the
// machine has two CPUs or more); afterwards Load must equal the sum. Writers
// make at least o.Adds adds each and keep adding until WithWriters reaches
// 16384 or o.Wait has passed (at once on a machine with one CPU); the check
// is untested if WithWriters did not reach 16384.
func CheckExact(s Subject, o Options) Report {
	o = o.withDefaults()
	defer raiseProcs()()
	start := time.Now()
	c := startCrew(s, o.Writers, int64(o.Adds), false)
	c.awaitChain(&c.chainW, &c.goalW, enough/batch, o.Wait)
	want, ov := c.finish()
	ov.Elapsed = time.Since(start)
	r := Report{Check: "exact", Overlap: ov}
	if got := s.Load(); got != want {
		r.Err = fmt.Errorf("Load() = %d after all adds; want %d (lost or extra: %d)", got, want, got-want)
	}
	if ov.WithWriters < enough {
		r.Untested = fmt.Sprintf("writers overlapped in %d adds, fewer than %d", ov.WithWriters, enough)
	}
	return r
}

// resizeSteps are the GOMAXPROCS values a resize round goes through after
// starting its writers at 2: each increase crosses a power of two, so a
// per-P counter that sizes its array to one grows at each.
var resizeSteps = []int{3, 5, 9, 17, 2}

const (
	// resizeEnough is how many increases with overlapping writers make the
	// resize check count as tested.
	resizeEnough = 16
	// resizeRounds is the fewest rounds the resize check runs.
	resizeRounds = 2
	// beforeWait and afterWait bound how long a resize round waits for
	// writers to overlap before and after a change of GOMAXPROCS.
	beforeWait = 2 * time.Millisecond
	afterWait  = time.Millisecond
)

// CheckResize is Run's "resize" check: rounds of one fresh counter each,
// made by newSubject at GOMAXPROCS = 1. Writers add random deltas in [-3, 7]
// from GOMAXPROCS = 2, which then goes to 3, 5, 9, 17 and back to 2. Before
// each change the round waits (up to 2ms) until a batch counted in
// WithWriters finishes, so that writers are likely still running side by
// side when the counter grows for the new Ps, and after it waits (up to 1ms)
// for another; an increase counts in IncreasesWithWriters when both came.
// After each round Load must equal the sum of the round's adds. The check
// runs 2 rounds, and more until 16 increases counted or o.Wait has passed
// (not on a machine with one CPU); it reports the first failing round and
// how many failed, and is untested if fewer than 16 increases counted.
func CheckResize(newSubject func() Subject, o Options) Report {
	o = o.withDefaults()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	start := time.Now()
	r := Report{Check: "resize"}
	ov := &r.Overlap
	rounds, failed := 0, 0
	for rounds < resizeRounds || canOverlap() && ov.IncreasesWithWriters < resizeEnough && time.Since(start) < o.Wait {
		runtime.GOMAXPROCS(1)
		s := newSubject()
		runtime.GOMAXPROCS(2)
		c := startCrew(s, o.Writers, 0, false)
		prev := 2
		for _, p := range resizeSteps {
			before := c.awaitChain(&c.chainW, &c.goalW, 1, beforeWait)
			runtime.GOMAXPROCS(p)
			after := c.awaitChain(&c.chainW, &c.goalW, 1, afterWait)
			if p > prev {
				ov.Increases++
				if before > 0 && after > 0 {
					ov.IncreasesWithWriters++
				}
			}
			prev = p
		}
		want, rov := c.finish()
		rounds++
		ov.Adds += rov.Adds
		ov.WithWriters += rov.WithWriters
		if got := s.Load(); got != want {
			failed++
			if r.Err == nil {
				r.Err = fmt.Errorf("round %d: Load() = %d after all adds, with GOMAXPROCS going 1, 2, %v; want %d (lost or extra: %d)",
					rounds, got, resizeSteps, want, got-want)
			}
		}
	}
	if r.Err != nil {
		r.Err = fmt.Errorf("%d of %d rounds failed; %w", failed, rounds, r.Err)
	}
	ov.Elapsed = time.Since(start)
	if ov.IncreasesWithWriters < resizeEnough {
		r.Untested = fmt.Sprintf("%d GOMAXPROCS increases had overlapping writers around them, fewer than %d", ov.IncreasesWithWriters, resizeEnough)
	}
	return r
}

// CheckMonotonic is Run's "monotonic" check on one fresh counter: writers add
// positive deltas at GOMAXPROCS ≥ 8 (as in CheckExact) while four readers
// Load; every reader's successive Loads must never decrease and never exceed
// the final total, which must equal the sum. Writers make at least o.Adds adds
// each and keep adding until WithReaders reaches 16384 or o.Wait has passed (at
// once on a machine with one CPU); the check is untested if WithReaders did
// not reach 16384.
func CheckMonotonic(s Subject, o Options) Report {
	o = o.withDefaults()
	defer raiseProcs()()
	start := time.Now()
	c := startCrew(s, o.Writers, int64(o.Adds), true)
	var done atomic.Bool
	var readers sync.WaitGroup
	const n = 4
	var errs [n]error
	for r := range n {
		readers.Go(func() {
			var prev int64
			for !done.Load() {
				for range burst {
					v := s.Load()
					c.called()
					if v < prev && errs[r] == nil {
						errs[r] = fmt.Errorf("reader %d: Load went from %d down to %d with only positive adds", r, prev, v)
					}
					prev = max(prev, v)
				}
				runtime.Gosched()
			}
			if final := s.Load(); prev > final && errs[r] == nil {
				errs[r] = fmt.Errorf("reader %d: Load returned %d, more than the final total %d", r, prev, final)
			}
		})
	}
	c.awaitChain(&c.chainR, &c.goalR, enough/batch, o.Wait)
	want, ov := c.finish()
	done.Store(true)
	readers.Wait()
	ov.Elapsed = time.Since(start)
	r := Report{Check: "monotonic", Overlap: ov, Err: errors.Join(errs[:]...)}
	if got := s.Load(); r.Err == nil && got != want {
		r.Err = fmt.Errorf("Load() = %d; want %d", got, want)
	}
	if ov.WithReaders < enough {
		r.Untested = fmt.Sprintf("writers overlapped readers in %d adds, fewer than %d", ov.WithReaders, enough)
	}
	return r
}

// CheckDrain is Run's "drain" check on one fresh counter: writers add random
// deltas in [-3, 7] while three drainers Drain and GOMAXPROCS changes every
// 300µs among 8, 3, 5, 16, 2, 9, 4 and 12. The sum of all drains plus the
// final Load must equal the sum of all adds, and a Drain once the writers
// are done must leave Load at zero. Writers make at least o.Adds adds each
// and keep adding until WithReaders reaches 16384 or o.Wait has passed (at
// once on a machine with one CPU); the check is untested if WithReaders did
// not reach 16384, or if s.Drain is nil.
func CheckDrain(s Subject, o Options) Report {
	if s.Drain == nil {
		return Report{Check: "drain", Untested: "the subject has no Drain"}
	}
	o = o.withDefaults()
	start := time.Now()
	stop := cycleProcs()
	c := startCrew(s, o.Writers, int64(o.Adds), false)
	var done atomic.Bool
	var drained atomic.Int64
	var drainers sync.WaitGroup
	for range 3 {
		drainers.Go(func() {
			for !done.Load() {
				for range burst {
					drained.Add(s.Drain())
					c.called()
				}
				runtime.Gosched()
			}
		})
	}
	c.awaitChain(&c.chainR, &c.goalR, enough/batch, o.Wait)
	want, ov := c.finish()
	stop()
	done.Store(true)
	drainers.Wait()
	ov.Elapsed = time.Since(start)
	r := Report{Check: "drain", Overlap: ov}
	if ov.WithReaders < enough {
		r.Untested = fmt.Sprintf("writers overlapped drainers in %d adds, fewer than %d", ov.WithReaders, enough)
	}
	if got := drained.Load() + s.Load(); got != want {
		r.Err = fmt.Errorf("drains (%d) + final Load (%d) = %d; want the sum of adds %d (lost or extra: %d)",
			drained.Load(), s.Load(), got, want, got-want)
		return r
	}
	drained.Add(s.Drain())
	if got := s.Load(); got != 0 {
		r.Err = fmt.Errorf("Load() = %d after a quiescent Drain; want 0", got)
	} else if drained.Load() != want {
		r.Err = fmt.Errorf("all drains = %d; want %d", drained.Load(), want)
	}
	return r
}

// cycleProcs sets GOMAXPROCS to 8 and then changes it every 300µs, through
// values from 2 to 16, until the returned stop func is called; stop restores
// the original setting.
func cycleProcs() (stop func()) {
	orig := runtime.GOMAXPROCS(0)
	steps := []int{8, 3, 5, 16, 2, 9, 4, 12}
	runtime.GOMAXPROCS(steps[0])
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(300 * time.Microsecond)
		defer t.Stop()
		for i := 1; ; i++ {
			select {
			case <-quit:
				return
			case <-t.C:
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
