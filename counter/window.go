package counter

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// A Window counts events in a sliding window: a ring of per-interval counts,
// such as 60 intervals of one second. Sum and Rate report the last n
// intervals. The ring rotates lazily: Add and the readers work out the
// current interval from the monotonic clock, and the first Add of a new
// interval clears the slot it reuses. No goroutine is needed.
//
// All methods are safe for concurrent use. An Add is counted in the interval
// in which it read the clock, except that an Add stalled for a whole ring
// period may land in the interval that reuses its slot. Add costs one clock
// read (tens of nanoseconds) and one atomic add on the current slot, which all
// writers share. A Window costs 16 bytes per interval. Use NewWindow: every
// method of the zero Window panics with a message that says so.
type Window struct {
	_        noCopy
	slots    []windowSlot
	interval time.Duration
	start    time.Time
	mu       sync.Mutex // serialises clearing a slot for a new interval
}

type windowSlot struct {
	epoch atomic.Int64 // the interval number the count belongs to
	n     atomic.Int64
}

// NewWindow returns a Window of slots intervals of the given length. It
// panics if slots < 1 or interval ≤ 0, programming errors.
func NewWindow(slots int, interval time.Duration) *Window {
	if slots < 1 || interval <= 0 {
		panic(fmt.Sprintf("BUG: counter.NewWindow(%d, %v): need at least one slot and a positive interval", slots, interval))
	}
	return &Window{slots: make([]windowSlot, slots), interval: interval, start: time.Now()}
}

// now returns the current interval number and how far into it the clock is.
func (w *Window) now() (int64, time.Duration) {
	if len(w.slots) == 0 {
		panic("counter: Window used without NewWindow (the zero Window has no intervals)")
	}
	since := time.Since(w.start)
	e := int64(since / w.interval)
	return e, since - time.Duration(e)*w.interval
}

// Add adds d to the current interval.
func (w *Window) Add(d int64) {
	e, _ := w.now()
	s := &w.slots[e%int64(len(w.slots))]
	if s.epoch.Load() < e {
		w.mu.Lock()
		if s.epoch.Load() < e {
			// Clear before publishing the epoch, so a reader that sees the
			// new epoch never sees the old count.
			s.n.Store(0)
			s.epoch.Store(e)
		}
		w.mu.Unlock()
	}
	s.n.Add(d)
}

// Inc adds one.
func (w *Window) Inc() { w.Add(1) }

// Sum returns the count over the last n intervals, the current, partly
// elapsed one included. n is clamped to [1, slots].
func (w *Window) Sum(n int) int64 {
	e, _ := w.now()
	return w.sum(e, n)
}

func (w *Window) sum(e int64, n int) int64 {
	n = min(max(n, 1), len(w.slots))
	var t int64
	for k := int64(0); k < int64(n) && k <= e; k++ {
		s := &w.slots[(e-k)%int64(len(w.slots))]
		if s.epoch.Load() == e-k {
			t += s.n.Load()
		}
	}
	return t
}

// Rate returns the events per second over the last n intervals: Sum(n)
// divided by the time they span, which is n-1 whole intervals plus the
// elapsed part of the current one (less while the Window is younger than
// that). n is clamped to [1, slots].
func (w *Window) Rate(n int) float64 {
	e, into := w.now()
	n = min(max(n, 1), len(w.slots))
	whole := min(int64(n-1), e)
	span := time.Duration(whole)*w.interval + into
	if span <= 0 {
		return 0
	}
	return float64(w.sum(e, n)) / span.Seconds()
}

// Slots returns the number of intervals in the ring.
func (w *Window) Slots() int { return len(w.slots) }

// Interval returns the length of one interval.
func (w *Window) Interval() time.Duration { return w.interval }
