package counter

import (
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// EWMATick is how often an EWMA folds its recent count into the average:
// every five seconds, as the Unix load average does.
const EWMATick = 5 * time.Second

// An EWMA is an exponentially weighted moving average of an event rate, the
// way the Unix load average smooths the run queue: every EWMATick the events
// counted since the last tick, as a rate, move the average by a factor of
// 1 - exp(-tick/window). Windows of 1, 5 and 15 minutes give the familiar
// triple.
//
// Ticks happen lazily: Add and Rate read the monotonic clock and catch up on
// the ticks that have passed, so no goroutine is needed, and an EWMA nobody
// touches decays correctly when it is next read. All methods are safe for
// concurrent use. Add costs a clock read and an atomic add; catching up takes
// a mutex once per tick. An EWMA costs 64 bytes. Use NewEWMA: Add and Rate
// of the zero EWMA panic with a message that says so.
type EWMA struct {
	_       noCopy
	pending atomic.Int64 // events since the last tick
	next    atomic.Int64 // clock reading (ns since start) of the next tick
	rate    atomic.Uint64
	alpha   float64
	start   time.Time
	mu      sync.Mutex // serialises ticking
}

// NewEWMA returns an EWMA over the given window (for example time.Minute).
// It panics if window ≤ 0, a programming error.
func NewEWMA(window time.Duration) *EWMA {
	if window <= 0 {
		panic(fmt.Sprintf("BUG: counter.NewEWMA(%v): window must be positive", window))
	}
	e := &EWMA{alpha: 1 - math.Exp(-EWMATick.Seconds()/window.Seconds()), start: time.Now()}
	e.next.Store(int64(EWMATick))
	return e
}

// Add counts n events.
func (e *EWMA) Add(n int64) {
	e.catchUp()
	e.pending.Add(n)
}

// Inc counts one event.
func (e *EWMA) Inc() { e.Add(1) }

// Rate returns the average in events per second as of the last tick.
func (e *EWMA) Rate() float64 {
	e.catchUp()
	return math.Float64frombits(e.rate.Load())
}

// catchUp folds in every tick that has passed: the pending count goes into
// the first, and each further tick decays the average as an interval with no
// events.
func (e *EWMA) catchUp() {
	now := int64(time.Since(e.start))
	if now < e.next.Load() {
		return
	}
	if e.alpha == 0 { // only the zero EWMA: its first tick is due at once
		panic("counter: EWMA used without NewEWMA (the zero EWMA has no window)")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	next := e.next.Load()
	if now < next {
		return
	}
	ticks := (now-next)/int64(EWMATick) + 1
	r := math.Float64frombits(e.rate.Load())
	instant := float64(e.pending.Swap(0)) / EWMATick.Seconds()
	r += e.alpha * (instant - r)
	r *= math.Pow(1-e.alpha, float64(ticks-1))
	e.rate.Store(math.Float64bits(r))
	e.next.Store(next + ticks*int64(EWMATick))
}
