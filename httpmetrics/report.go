package httpmetrics

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/abacusgo/abacus/internal/tick"
)

// A Drainer gives up what it accumulated since the last Drain: every
// resettable type in package counter is one.
type Drainer interface{ Drain() int64 }

// Delta makes a Drainer of a count that only grows (a Middleware's
// Requests, a registry counter's value): each Drain returns how much it grew
// since the previous one, the first since Delta was called. It is safe for
// concurrent use.
func Delta(read func() int64) Drainer {
	return &delta{read: read, last: read()}
}

type delta struct {
	mu   sync.Mutex
	read func() int64
	last int64
}

func (d *delta) Drain() int64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	v := d.read()
	n := v - d.last
	d.last = v
	return n
}

// A Reporter logs, every interval, what chosen counters accumulated in it:
// "in the last 10s" requests=1234 errors=5. It drains them, so each count
// appears in exactly one line: nothing is lost or reported twice. Make one
// with NewReporter; its methods are safe for concurrent use.
type Reporter struct {
	logger   *slog.Logger
	interval time.Duration
	now      func() time.Time

	mu    sync.Mutex
	names []string
	items []Drainer
	last  time.Time
}

// NewReporter returns a Reporter that logs to logger (nil means
// slog.Default()) every interval once Run is called.
func NewReporter(logger *slog.Logger, interval time.Duration) *Reporter {
	if logger == nil {
		logger = slog.Default()
	}
	return &Reporter{logger: logger, interval: interval, now: time.Now, last: time.Now()}
}

// Add adds a counter to report under name.
func (r *Reporter) Add(name string, d Drainer) *Reporter {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.names = append(r.names, name)
	r.items = append(r.items, d)
	return r
}

// Report drains every counter and logs one line with their counts and the
// time they cover; it returns the counts by name.
func (r *Reporter) Report(ctx context.Context) map[string]int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	since := now.Sub(r.last).Round(time.Millisecond)
	r.last = now
	counts := make(map[string]int64, len(r.items))
	attrs := make([]slog.Attr, 0, len(r.items)+1)
	attrs = append(attrs, slog.Duration("period", since))
	for i, d := range r.items {
		n := d.Drain()
		counts[r.names[i]] = n
		attrs = append(attrs, slog.Int64(r.names[i], n))
	}
	r.logger.LogAttrs(ctx, slog.LevelInfo, "in the last "+since.String(), attrs...)
	return counts
}

// Run reports every interval until ctx is done, then reports what
// accumulated since the last line, and returns ctx.Err().
func (r *Reporter) Run(ctx context.Context) error {
	err := tick.Every(ctx, r.interval, func() { r.Report(ctx) })
	r.Report(context.WithoutCancel(ctx))
	return err
}
