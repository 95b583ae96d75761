package countertest

import (
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/abacusgo/abacus/internal/cpu"
)

// batch is the number of adds a writer makes between two looks at the
// shared counters that measure overlap: a few hundred nanoseconds with a fast
// counter, so that a writer on another core finishes batches meanwhile, and
// enough adds that the measurement's five or six atomic operations per batch
// (one of them an add to a word all writers share) cost little beside them.
const batch = 64

// A crew is the writers (and the readers or drainers) of one check, and what
// they measure of their own overlap; see Overlap for the definitions.
type crew struct {
	writers  int
	min      int64 // adds each writer makes at least
	positive bool  // deltas in [1, 7] instead of [-3, 7]

	started atomic.Int64 // writers at the start line
	_       cpu.Pad
	ends    atomic.Int64 // batches finished by all writers
	_       cpu.Pad
	calls   atomic.Int64 // Loads or Drains finished by all readers
	_       cpu.Pad
	chainW  atomic.Int64 // batches counted in Overlap.WithWriters
	chainR  atomic.Int64 // batches counted in Overlap.WithReaders
	_       cpu.Pad

	// awaitChain arms goalW or goalR; when chainW or chainR reaches it, one
	// writer disarms it (sets it to MaxInt64) and sends on reached.
	goalW, goalR atomic.Int64
	reached      chan struct{}

	stop    atomic.Bool // writers end once they have made min adds
	wg      sync.WaitGroup
	sum     atomic.Int64 // everything the writers added, once they are done
	overlap Overlap      // Adds, WithWriters and WithReaders, once they are done
	mu      sync.Mutex   // guards overlap
}

// startCrew starts writers goroutines adding to s, each at least min times
// and then until finish is called. They wait at a start line until all of them
// have started, spinning (and yielding, so that a single thread, as on
// js/wasm, runs them all), so that no writer finishes before the last begins.
func startCrew(s Subject, writers int, min int64, positive bool) *crew {
	c := &crew{writers: writers, min: min, positive: positive, reached: make(chan struct{}, 1)}
	c.goalW.Store(math.MaxInt64)
	c.goalR.Store(math.MaxInt64)
	for w := range writers {
		add, done := s.Writer()
		c.wg.Go(func() { c.write(w, add, done) })
	}
	return c
}

// write is one writer: batches of adds, each followed by the measurement.
func (c *crew) write(w int, add func(int64), done func()) {
	// A linear congruential generator: cheap enough to keep the adds, not
	// the choice of delta, the bulk of the loop.
	x := uint64(w+1) * 0x9e3779b97f4a7c15
	c.started.Add(1)
	for c.started.Load() < int64(c.writers) {
		runtime.Gosched()
	}
	var sum, made, withW, withR int64
	var prevW, prevR bool
	for k := 0; made < c.min || !c.stop.Load(); k++ {
		ends, calls := c.ends.Load(), c.calls.Load()
		for range batch {
			x = x*6364136223846793005 + 1442695040888963407
			r := int64(x >> 32) // in [0, 2³²)
			d := (r*11)>>32 - 3 // in [-3, 7]
			if c.positive {
				d = (r*7)>>32 + 1 // in [1, 7]
			}
			add(d)
			sum += d
		}
		made += batch
		curW := c.ends.Add(1) != ends+1
		curR := c.calls.Load() != calls
		// The hot path calls reach only when the goal is met: a call here
		// per batch would cost as much as the atomic operations.
		if curW && prevW {
			withW += batch
			if c.chainW.Add(1) >= c.goalW.Load() {
				c.reach(&c.goalW)
			}
		}
		if curR && prevR {
			withR += batch
			if c.chainR.Add(1) >= c.goalR.Load() {
				c.reach(&c.goalR)
			}
		}
		prevW, prevR = curW, curR
		if k%8 == 7 {
			runtime.Gosched() // let the goroutine move between Ps
		}
	}
	done()
	c.sum.Add(sum)
	c.mu.Lock()
	c.overlap.Adds += made
	c.overlap.WithWriters += withW
	c.overlap.WithReaders += withR
	c.mu.Unlock()
}

// reach signals reached if goal is still armed, and disarms it.
func (c *crew) reach(goal *atomic.Int64) {
	if g := goal.Load(); g != math.MaxInt64 && goal.CompareAndSwap(g, math.MaxInt64) {
		select {
		case c.reached <- struct{}{}:
		default:
		}
	}
}

// awaitChain waits until n more batches than now have been counted in chain
// (chainW or chainR, with its goal), or until d has passed, and returns how
// many more were. It does not wait on a machine with one CPU.
func (c *crew) awaitChain(chain, goal *atomic.Int64, n int64, d time.Duration) int64 {
	if !canOverlap() {
		d = 0
	}
	select {
	case <-c.reached: // a stale signal from an earlier goal
	default:
	}
	before := chain.Load()
	goal.Store(before + n)
	if chain.Load() < before+n {
		t := time.NewTimer(d)
		select {
		case <-c.reached:
		case <-t.C:
		}
		t.Stop()
	}
	goal.Store(math.MaxInt64)
	return chain.Load() - before
}

// finish tells the writers to stop once they have made their minimum adds,
// waits for them, and returns the sum of what they added and the overlap.
func (c *crew) finish() (int64, Overlap) {
	c.stop.Store(true)
	c.wg.Wait()
	return c.sum.Load(), c.overlap
}

// called counts one finished Load or Drain by a reader.
func (c *crew) called() { c.calls.Add(1) }

// raiseProcs raises GOMAXPROCS to 8 if it is lower and the machine has two
// CPUs or more, and returns a func that restores it. Two Ps would do on an
// idle machine; on a busy one, more threads get more of the CPUs, so that two
// writers run at once more often. On our two CPUs, shared with other builds
// and tests (load average 4.5), writers at 4 Ps reached their overlap in 16
// of 20 exact checks, taking 61ms each on average, and at 8 Ps in 20 of 20,
// taking 11ms.
func raiseProcs() (restore func()) {
	orig := runtime.GOMAXPROCS(0)
	if orig < 8 && runtime.NumCPU() >= 2 {
		runtime.GOMAXPROCS(8)
	}
	return func() { runtime.GOMAXPROCS(orig) }
}

// canOverlap reports whether two goroutines can run at the same instant:
// not on a machine with one CPU (js/wasm reports one). Checks do not wait
// for overlap that cannot come.
func canOverlap() bool { return runtime.NumCPU() >= 2 }
