package counter

import (
	"fmt"
	"math"
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// A Sloppy is a counter fed through goroutine-local batches: each goroutine
// takes a Local, adds to it with plain (non-atomic) arithmetic, and the Local
// moves its batch into the shared total when the batch reaches the Local's
// threshold, on the first Add after each interval tick, and on Flush and
// Close. It is the cheapest way to count in a tight loop.
//
// Staleness: Load returns the flushed total. It misses at most Bound() — the
// sum over open Locals of their threshold minus one — and is exact once every
// Local has flushed. A Local that keeps adding flushes within one interval; one
// that has stopped adding keeps its batch until Flush or Close, so close each
// Local when its goroutine is done (defer l.Close()). A Local that is dropped
// without Close loses its batch, as a bufio.Writer does without Flush: once
// the garbage collector has found it unreachable, a cleanup closes it for the
// Sloppy (Open and Bound no longer count it, and the timer stops when no
// Local is left) and counts it in Dropped, the sign that batches were lost.
//
// All methods of Sloppy are safe for concurrent use; a Local is not. A Sloppy
// costs 96 bytes (plus cells if flushes contend, as Adaptive) and runs one
// timer while it has open Locals. The zero value is ready to use, without an
// interval tick; use NewSloppy to set one.
type Sloppy struct {
	_ noCopy
	// epoch advances every interval while Locals are open. It is a plain
	// word used only through sync/atomic functions, so that Local.Add can
	// load it through a pointer cheaply enough to be inlined; being the first
	// word keeps it 64-bit aligned on 32-bit platforms.
	epoch    uint64
	total    Adaptive
	bound    atomic.Int64 // sum of (threshold-1) over open Locals, at most math.MaxInt64
	dropped  atomic.Int64 // Locals collected without Close
	interval time.Duration

	mu    sync.Mutex // guards open, timer and the exact bound
	open  int
	timer *time.Timer
	// boundHi:boundLo is the exact sum of (threshold-1) over open Locals, a
	// 128-bit number: thresholds near math.MaxInt64 would wrap an int64.
	boundHi, boundLo uint64
}

// NewSloppy returns a Sloppy whose open Locals flush at least once per
// interval while they keep adding. With interval ≤ 0 Locals flush only at
// their threshold and on Flush and Close.
func NewSloppy(interval time.Duration) *Sloppy {
	return &Sloppy{interval: interval}
}

// Local returns a new batch for one goroutine that flushes once the absolute
// value of its batch reaches threshold. It panics if threshold < 1, a
// programming error. Close it when done.
func (s *Sloppy) Local(threshold int64) *Local {
	if threshold < 1 {
		panic(fmt.Sprintf("BUG: counter.Sloppy.Local(%d): threshold must be at least 1", threshold))
	}
	s.mu.Lock()
	s.addBound(threshold-1, 1)
	s.open++
	if s.open == 1 && s.interval > 0 {
		if s.timer == nil {
			s.timer = time.AfterFunc(s.interval, s.tick)
		} else {
			s.timer.Reset(s.interval)
		}
	}
	s.mu.Unlock()
	l := &Local{s: s, tick: &s.epoch, threshold: threshold, b: uint64(threshold - 1), bias: uint64(threshold - 1), span: uint64(2 * (threshold - 1)), epoch: atomic.LoadUint64(&s.epoch)}
	l.cleanup = runtime.AddCleanup(l, s.drop, threshold)
	return l
}

// addBound adds sign·b (b ≥ 0, sign ±1) to the exact bound and publishes it,
// saturated at math.MaxInt64. The caller holds s.mu.
func (s *Sloppy) addBound(b int64, sign int) {
	var borrow uint64
	if sign > 0 {
		s.boundLo, borrow = bits.Add64(s.boundLo, uint64(b), 0)
		s.boundHi += borrow
	} else {
		s.boundLo, borrow = bits.Sub64(s.boundLo, uint64(b), 0)
		s.boundHi -= borrow
	}
	if s.boundHi != 0 || s.boundLo > math.MaxInt64 {
		s.bound.Store(math.MaxInt64)
	} else {
		s.bound.Store(int64(s.boundLo))
	}
}

// drop is the cleanup of a Local collected without Close.
func (s *Sloppy) drop(threshold int64) {
	s.dropped.Add(1)
	s.closeLocal(threshold)
}

// tick advances the epoch, telling every Local to flush on its next Add, and
// re-arms the timer while Locals are open.
func (s *Sloppy) tick() {
	atomic.AddUint64(&s.epoch, 1)
	s.mu.Lock()
	if s.open > 0 {
		s.timer.Reset(s.interval)
	}
	s.mu.Unlock()
}

func (s *Sloppy) closeLocal(threshold int64) {
	s.mu.Lock()
	s.addBound(threshold-1, -1)
	s.open--
	if s.open == 0 && s.timer != nil {
		s.timer.Stop()
	}
	s.mu.Unlock()
}

// Add adds d to the shared total directly, bypassing any Local.
func (s *Sloppy) Add(d int64) { s.total.Add(d) }

// Load returns the flushed total; see the type doc for how stale it may be.
func (s *Sloppy) Load() int64 { return s.total.Load() }

// Drain takes the flushed total and leaves zero behind. Batches still in
// open Locals are not taken; they arrive with their next flush.
func (s *Sloppy) Drain() int64 { return s.total.Drain() }

// Bound returns how much Load may miss right now: the sum over open Locals
// of their threshold minus one, or math.MaxInt64 if that sum is larger.
func (s *Sloppy) Bound() int64 { return s.bound.Load() }

// Dropped returns how many Locals the garbage collector found unreachable
// before they were closed. Each lost its batch (less than its threshold in
// absolute value), so a Sloppy with Dropped() > 0 reads low for good; fix the
// code that forgets to Close.
func (s *Sloppy) Dropped() int64 { return s.dropped.Load() }

// Open returns the number of Locals not yet closed.
func (s *Sloppy) Open() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.open
}

// A Local is one goroutine's batch of a Sloppy. It is not safe for
// concurrent use: it belongs to the goroutine that adds to it. It costs 80
// bytes. Get one from Sloppy.Local: Add, Flush and Close of the zero Local
// panic with a message that says so.
type Local struct {
	_         noCopy
	s         *Sloppy
	tick      *uint64 // &s.epoch, read with atomic.LoadUint64
	threshold int64
	// b holds the batch plus bias (threshold-1) as an unsigned number, so
	// that "within the threshold either way" is the one comparison b <= span
	// (span = 2*bias).
	b       uint64
	bias    uint64
	span    uint64
	epoch   uint64
	closed  bool
	cleanup runtime.Cleanup // closes the Local for the Sloppy if it is dropped
}

// Add adds d to the batch and flushes it if it has reached the threshold or
// an interval tick has passed since the last flush.
func (l *Local) Add(d int64) {
	l.b += uint64(d)
	if l.b > l.span || atomic.LoadUint64(l.tick) != l.epoch {
		l.Flush()
	}
}

// Inc adds one. It repeats Add's body so that both stay inlinable.
func (l *Local) Inc() {
	l.b++
	if l.b > l.span || atomic.LoadUint64(l.tick) != l.epoch {
		l.Flush()
	}
}

// Pending returns the batch not yet flushed.
func (l *Local) Pending() int64 { return int64(l.b - l.bias) }

// Flush moves the batch into the shared total.
func (l *Local) Flush() {
	if l.s == nil {
		panic("counter: Local used without Sloppy.Local (the zero Local has no Sloppy)")
	}
	if n := int64(l.b - l.bias); n != 0 {
		l.s.total.Add(n)
		l.b = l.bias
	}
	l.epoch = atomic.LoadUint64(l.tick)
}

// Close flushes the batch and releases the Local. Close is idempotent; an
// Add after Close goes straight to the shared total.
func (l *Local) Close() {
	l.Flush()
	if !l.closed {
		l.closed = true
		l.cleanup.Stop()
		l.s.closeLocal(l.threshold)
		l.b, l.bias, l.span = 0, 0, 0 // every later Add flushes
	}
}
