package histogram

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/abacusgo/abacus/internal/tick"
)

// A Window is a sliding-window histogram: a Histogram that records, and a
// ring of the last slots-1 completed intervals. Tick ends the current
// interval and drops the oldest; Snapshot merges the completed intervals in
// the ring with the current one, so it covers between slots-1 and slots
// intervals (for example 5 × 1 minute: the last four to five minutes).
//
// Recording is as fast as on a Histogram and never waits for Tick. All
// methods are safe for concurrent use. Use NewWindow: the zero Window is not
// usable, and every method of it panics at once with a message naming
// NewWindow.
type Window struct {
	h    Histogram // in place: recording skips a pointer
	mu   sync.Mutex
	ring []*Snapshot // completed intervals, oldest first once full
	next int
}

// NewWindow returns a Window of the given number of intervals (at least 1)
// recording with the given options.
func NewWindow(slots int, opts ...Option) (*Window, error) {
	if slots < 1 {
		return nil, fmt.Errorf("histogram: a window needs at least one slot, not %d", slots)
	}
	c, err := configure(opts)
	if err != nil {
		return nil, err
	}
	w := &Window{ring: make([]*Snapshot, slots-1)}
	w.h.init(c)
	return w, nil
}

// Observe records v; see Histogram.Observe.
func (w *Window) Observe(v float64) { w.h.Observe(v) }

// ObserveInt records v; see Histogram.ObserveInt.
func (w *Window) ObserveInt(v int64) { w.h.ObserveInt(v) }

// ObserveDuration records d; see Histogram.ObserveDuration.
func (w *Window) ObserveDuration(d time.Duration) { w.h.ObserveDuration(d) }

// ObserveWithExpected records v with coordinated-omission correction; see
// Histogram.ObserveWithExpected.
func (w *Window) ObserveWithExpected(v, expected float64) { w.h.ObserveWithExpected(v, expected) }

// ObserveDurationWithExpected records d with coordinated-omission
// correction; see Histogram.ObserveDurationWithExpected.
func (w *Window) ObserveDurationWithExpected(d, expected time.Duration) {
	w.h.ObserveDurationWithExpected(d, expected)
}

// Scale returns the window's scale.
func (w *Window) Scale() int { return w.h.Scale() }

// Tick ends the current interval: it joins the ring, and the oldest
// completed interval leaves it.
func (w *Window) Tick() {
	w.h.usable()
	w.mu.Lock()
	defer w.mu.Unlock()
	iv := w.h.Interval()
	if len(w.ring) == 0 {
		return
	}
	w.ring[w.next] = iv
	w.next = (w.next + 1) % len(w.ring)
}

// Snapshot returns the merge of the completed intervals in the ring and the
// current interval.
func (w *Window) Snapshot() *Snapshot {
	w.h.usable()
	w.mu.Lock()
	snaps := make([]*Snapshot, 0, len(w.ring)+1)
	for _, s := range w.ring {
		if s != nil {
			snaps = append(snaps, s)
		}
	}
	// The current interval under the lock too: a Tick in between would move
	// it into the ring after the copy and drain it, and it would be missed.
	snaps = append(snaps, w.h.Snapshot())
	w.mu.Unlock()
	return Merge(snaps...)
}

// Run calls Tick every interval until ctx is done, then returns ctx.Err().
func (w *Window) Run(ctx context.Context, interval time.Duration) error {
	w.h.usable()
	return tick.Every(ctx, interval, w.Tick)
}
