package slo

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/internal/tick"
)

// Options configure a Tracker. The zero value uses the workbook's alerts,
// samples every minute and logs to slog.Default().
type Options struct {
	// Alerts to evaluate; nil means WorkbookAlerts(). An empty non-nil
	// slice evaluates none.
	Alerts []Alert
	// Resolution is how often the Source is sampled (default 1m). Alert
	// windows must be multiples of it.
	Resolution time.Duration
	// ResolveAfter is how long an alert's condition must stay false before
	// the alert resolves; 0 means the alert's Short window. It keeps an
	// alert from flapping while the burn rate hovers at its threshold.
	ResolveAfter time.Duration
	// OnAlert, if set, is called (on the ticking goroutine) when an alert
	// fires and when it resolves.
	OnAlert func(Event)
	// Logger gets a line for every firing and resolution; nil means
	// slog.Default().
	Logger *slog.Logger
	// Registry, if set, receives the tracker's metrics:
	// slo_target, slo_error_budget_remaining, slo_burn_rate{window} and
	// slo_alert_firing{alert,severity}, each labelled slo=<name>.
	Registry *abacus.Registry
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// An Event is an alert firing or resolving.
type Event struct {
	Objective string
	Alert     Alert
	Firing    bool      // true when it fires, false when it resolves
	At        time.Time // the tick that decided it
	// LongBurn and ShortBurn are the burn rates over the alert's windows.
	LongBurn, ShortBurn float64
	// BudgetRemaining is the fraction of the window's error budget left.
	BudgetRemaining float64
}

// AlertState is an alert's state as of the last tick.
type AlertState struct {
	Alert
	Firing              bool
	Since               time.Time // when it last fired or resolved; zero if never fired
	LongBurn, ShortBurn float64
}

// A Tracker follows one Objective. Make one with New and call Tick every
// Resolution, or Run.
type Tracker struct {
	obj    Objective
	opts   Options
	logger *slog.Logger

	mu          sync.Mutex
	fine        ring // one sample per Resolution over the longest alert window
	coarse      ring // one sample per hour over the objective's window
	lastRaw     sample
	offset      sample // what counter restarts took away
	alerts      []alertState
	lastTick    time.Time
	budgetLeft  float64
	windowTotal float64

	budgetGauge *abacus.Gauge
	burnGauges  map[time.Duration]*abacus.Gauge
	firingGauge []*abacus.Gauge
}

type alertState struct {
	a          Alert
	firing     bool
	since      time.Time
	falseSince time.Time
	long, shrt float64
}

const coarseStep = time.Hour

// New returns a Tracker for obj. It returns an error for an invalid
// objective, alert or option, or metrics that clash in opts.Registry.
func New(obj Objective, opts Options) (*Tracker, error) {
	if err := obj.check(); err != nil {
		return nil, err
	}
	if opts.Resolution == 0 {
		opts.Resolution = time.Minute
	}
	if opts.Resolution < 0 || opts.ResolveAfter < 0 {
		return nil, fmt.Errorf("slo: negative Resolution or ResolveAfter")
	}
	if opts.Alerts == nil {
		opts.Alerts = WorkbookAlerts()
	}
	if err := checkAlerts(opts.Alerts, opts.Resolution); err != nil {
		return nil, err
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	longest := opts.Resolution
	for _, a := range opts.Alerts {
		longest = max(longest, a.Long)
	}
	t := &Tracker{
		obj:        obj,
		opts:       opts,
		logger:     opts.Logger,
		fine:       newRing(int(longest/opts.Resolution) + 2),
		coarse:     newRing(int(obj.Window/coarseStep) + 2),
		budgetLeft: 1,
	}
	if t.logger == nil {
		t.logger = slog.Default()
	}
	for _, a := range opts.Alerts {
		t.alerts = append(t.alerts, alertState{a: a})
	}
	if opts.Registry != nil {
		if err := t.register(opts.Registry); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// Objective returns the tracked objective.
func (t *Tracker) Objective() Objective { return t.obj }

// Run ticks every Resolution until ctx is done, and returns ctx.Err().
func (t *Tracker) Run(ctx context.Context) error {
	t.Tick()
	return tick.Every(ctx, t.opts.Resolution, t.Tick)
}

// Tick samples the Source, updates the budget and the burn rates, and
// evaluates the alerts, calling OnAlert for each that fires or resolves.
// Ticks closer together than Resolution only update the newest sample.
func (t *Tracker) Tick() {
	now := t.opts.Now()
	good, total := t.obj.Source()
	t.mu.Lock()
	events := t.tickLocked(now, good, total)
	t.mu.Unlock()
	for _, e := range events {
		t.announce(e)
	}
}

func (t *Tracker) tickLocked(now time.Time, good, total float64) []Event {
	at := now.UnixNano()
	if last, ok := t.fine.newest(); ok && at < last.at {
		return nil // the wall clock stepped back: wait until it passes the newest sample
	}
	switch {
	case total < t.lastRaw.total:
		// The counters restarted: keep what they had counted.
		t.offset.good += t.lastRaw.good
		t.offset.total += t.lastRaw.total
	case good < t.lastRaw.good:
		// Good went back while total did not: the two reads straddled an
		// event (ErrorRatio derives good from two counters), not a restart.
		good = t.lastRaw.good
	}
	good = min(good, total)
	t.lastRaw = sample{good: good, total: total}
	s := sample{at: at, good: good + t.offset.good, total: total + t.offset.total}
	res := int64(t.opts.Resolution)
	if last, ok := t.fine.newest(); ok && s.at/res == last.at/res {
		t.fine.buf[(t.fine.head-1+len(t.fine.buf))%len(t.fine.buf)] = s // same slot
	} else {
		t.fine.push(s)
	}
	step := int64(coarseStep)
	if last, ok := t.coarse.newest(); !ok || s.at/step != last.at/step {
		t.coarse.push(s)
	}
	t.lastTick = now

	errs, tot := t.window(s, t.obj.Window)
	t.windowTotal = tot
	t.budgetLeft = budget(errs, tot, t.obj.Target)
	if t.budgetGauge != nil {
		t.budgetGauge.Set(t.budgetLeft)
		for w, g := range t.burnGauges {
			g.Set(t.burnLocked(s, w))
		}
	}

	var events []Event
	resolveAfter := t.opts.ResolveAfter
	for i := range t.alerts {
		st := &t.alerts[i]
		st.long, st.shrt = t.burnLocked(s, st.a.Long), t.burnLocked(s, st.a.Short)
		// A burn rate exactly at the factor counts as reaching it, up to
		// the rounding of the float arithmetic that computed it.
		threshold := st.a.Factor * (1 - 1e-9)
		cond := st.long >= threshold && st.shrt >= threshold
		after := resolveAfter
		if after == 0 {
			after = st.a.Short
		}
		switch {
		case cond:
			st.falseSince = time.Time{}
			if !st.firing {
				st.firing, st.since = true, now
				events = append(events, t.event(st, now))
			}
		case st.firing:
			if st.falseSince.IsZero() {
				st.falseSince = now
			}
			if now.Sub(st.falseSince) >= after {
				st.firing, st.since, st.falseSince = false, now, time.Time{}
				events = append(events, t.event(st, now))
			}
		}
		if t.firingGauge != nil {
			t.firingGauge[i].Set(boolFloat(st.firing))
		}
	}
	return events
}

func (t *Tracker) event(st *alertState, now time.Time) Event {
	return Event{Objective: t.obj.Name, Alert: st.a, Firing: st.firing, At: now,
		LongBurn: st.long, ShortBurn: st.shrt, BudgetRemaining: t.budgetLeft}
}

func (t *Tracker) announce(e Event) {
	attrs := []any{"slo", e.Objective, "alert", e.Alert.Name(), "severity", e.Alert.Severity,
		"long_burn", round(e.LongBurn), "short_burn", round(e.ShortBurn), "factor", e.Alert.Factor,
		"budget_remaining", round(e.BudgetRemaining)}
	if e.Firing {
		t.logger.Warn("slo: alert firing", attrs...)
	} else {
		t.logger.Info("slo: alert resolved", attrs...)
	}
	if t.opts.OnAlert != nil {
		t.opts.OnAlert(e)
	}
}

// window returns the bad and total events in the window of length w that
// ends at the sample s.
func (t *Tracker) window(s sample, w time.Duration) (bad, total float64) {
	r := &t.fine
	if w > time.Duration(len(t.fine.buf)-2)*t.opts.Resolution {
		r = &t.coarse
	}
	base, _ := r.atOrBefore(s.at - int64(w))
	total = s.total - base.total
	bad = total - (s.good - base.good)
	return max(bad, 0), max(total, 0)
}

// burnLocked returns the burn rate over w: the error ratio over the
// window divided by the ratio the objective allows.
func (t *Tracker) burnLocked(s sample, w time.Duration) float64 {
	bad, total := t.window(s, w)
	if total == 0 {
		return 0
	}
	return bad / total / (1 - t.obj.Target)
}

// budget returns the fraction of the error budget left: 1 when nothing
// failed, 0 when exactly the allowance failed, negative beyond.
func budget(bad, total, target float64) float64 {
	if total == 0 {
		return 1
	}
	return 1 - bad/(total*(1-target))
}

// BudgetRemaining returns the fraction of the error budget of the rolling
// window left as of the last tick: 1 is untouched, 0 spent, negative
// overspent.
func (t *Tracker) BudgetRemaining() float64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.budgetLeft
}

// BurnRate returns the burn rate over the window w ending at the last tick
// (1 spends the budget exactly over the objective's window). A window longer
// than the history covers the history.
func (t *Tracker) BurnRate(w time.Duration) float64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.fine.newest()
	if !ok {
		return 0
	}
	return t.burnLocked(s, w)
}

// Alerts returns the state of every alert as of the last tick.
func (t *Tracker) Alerts() []AlertState {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]AlertState, len(t.alerts))
	for i, st := range t.alerts {
		out[i] = AlertState{Alert: st.a, Firing: st.firing, Since: st.since, LongBurn: st.long, ShortBurn: st.shrt}
	}
	return out
}

func (t *Tracker) register(reg *abacus.Registry) error {
	target, err := reg.GaugeVec(abacus.Opts{Name: "slo_target", Help: "The objective: the fraction of events that must be good."}, "slo")
	if err != nil {
		return fmt.Errorf("slo: %w", err)
	}
	target.With(t.obj.Name).Set(t.obj.Target)
	budget, err := reg.GaugeVec(abacus.Opts{Name: "slo_error_budget_remaining",
		Help: "Fraction of the error budget of the rolling window left: 1 untouched, 0 spent, negative overspent."}, "slo")
	if err != nil {
		return fmt.Errorf("slo: %w", err)
	}
	t.budgetGauge = budget.With(t.obj.Name)
	t.budgetGauge.Set(1)
	burn, err := reg.GaugeVec(abacus.Opts{Name: "slo_burn_rate",
		Help: "Error ratio over the window divided by the ratio the objective allows."}, "slo", "window")
	if err != nil {
		return fmt.Errorf("slo: %w", err)
	}
	t.burnGauges = map[time.Duration]*abacus.Gauge{}
	for _, a := range t.opts.Alerts {
		for _, w := range []time.Duration{a.Long, a.Short} {
			if t.burnGauges[w] == nil {
				t.burnGauges[w] = burn.With(t.obj.Name, promDuration(w))
			}
		}
	}
	firing, err := reg.GaugeVec(abacus.Opts{Name: "slo_alert_firing",
		Help: "1 while the burn-rate alert fires, else 0."}, "slo", "alert", "severity")
	if err != nil {
		return fmt.Errorf("slo: %w", err)
	}
	for _, a := range t.opts.Alerts {
		g := firing.With(t.obj.Name, a.Name(), a.Severity)
		g.Set(0)
		t.firingGauge = append(t.firingGauge, g)
	}
	return nil
}

func boolFloat(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func round(v float64) float64 { return math.Round(v*1000) / 1000 }
