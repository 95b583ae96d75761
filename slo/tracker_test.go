package slo

import (
	"bytes"
	"log/slog"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/histogram"
)

// sim is a service under simulated time: every minute it serves rate
// requests, a fraction bad of them failing, and the tracker ticks.
type sim struct {
	t           *testing.T
	now         time.Time
	start       time.Time
	good, total float64
	tr          *Tracker
	events      []Event
}

func newSim(t *testing.T, opts Options) *sim {
	s := &sim{t: t, now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	s.start = s.now
	opts.Now = func() time.Time { return s.now }
	opts.OnAlert = func(e Event) { s.events = append(s.events, e) }
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	tr, err := New(Objective{Name: "api", Target: 0.999, Source: func() (float64, float64) { return s.good, s.total }}, opts)
	if err != nil {
		t.Fatal(err)
	}
	s.tr = tr
	tr.Tick()
	return s
}

const rate = 1000 // requests per minute

// run serves for d at error ratio bad, ticking every minute.
func (s *sim) run(d time.Duration, bad float64) {
	for range int(d / time.Minute) {
		s.now = s.now.Add(time.Minute)
		s.total += rate
		s.good += rate * (1 - bad)
		s.tr.Tick()
	}
}

func (s *sim) fired() []string {
	var out []string
	for _, e := range s.events {
		state := "resolved"
		if e.Firing {
			state = "fired"
		}
		out = append(out, e.Alert.Name()+" "+state+" at "+e.At.Sub(s.start).String())
	}
	return out
}

// TestFastBurn: the error budget burning at 20× (2% errors against 99.9%)
// fires the 1-hour page when the hour's error ratio reaches 14.4 × 0.1%:
// after 43.2 minutes, as the workbook's arithmetic predicts, so at the tick
// of minute 44. Nothing else fires within the hour.
func TestFastBurn(t *testing.T) {
	s := newSim(t, Options{})
	s.run(4*24*time.Hour, 0) // a healthy history longer than every window
	burnStart := s.now
	s.run(time.Hour, 0.02)
	if len(s.events) != 1 || s.events[0].Alert.Name() != "page-1h-5m" || !s.events[0].Firing {
		t.Fatalf("events %v; want the 1h page alone", s.fired())
	}
	if at := s.events[0].At.Sub(burnStart); at != 44*time.Minute {
		t.Errorf("the page fired after %v; the workbook predicts 43.2m, so the tick at 44m", at)
	}
	if b := s.events[0].LongBurn; b < 14.4 || b > 15 {
		t.Errorf("long burn at firing %v", b)
	}
	// Recovery: two minutes after the burn stops, the 5-minute window holds
	// three bad minutes, a burn of 12 (under 14.4); the alert resolves 5
	// minutes (ResolveAfter = Short) after that.
	s.events = nil
	s.run(30*time.Minute, 0)
	if len(s.events) != 1 || s.events[0].Firing {
		t.Fatalf("after recovery: %v", s.fired())
	}
	if at := s.events[0].At.Sub(burnStart.Add(time.Hour)); at != 7*time.Minute {
		t.Errorf("resolved %v after the burn stopped; want 2m for the short window to clear plus 5m", at)
	}
}

// TestSlowBurn: 2× (0.2% errors) fires only the 3-day ticket (factor 1),
// when the 3-day error ratio reaches 0.1%: after 36 hours.
func TestSlowBurn(t *testing.T) {
	s := newSim(t, Options{})
	s.run(4*24*time.Hour, 0)
	burnStart := s.now
	s.run(3*24*time.Hour, 0.002)
	if len(s.events) != 1 || s.events[0].Alert.Name() != "ticket-3d-6h" {
		t.Fatalf("events %v; want the 3-day ticket alone", s.fired())
	}
	if at := s.events[0].At.Sub(burnStart); at != 36*time.Hour {
		t.Errorf("the ticket fired after %v; want 36h", at)
	}
}

// TestHealthy: a service spending half its budget fires nothing, and the
// budget left is 50%.
func TestHealthy(t *testing.T) {
	s := newSim(t, Options{})
	s.run(31*24*time.Hour, 0.0005)
	if len(s.events) != 0 {
		t.Fatalf("events %v", s.fired())
	}
	if b := s.tr.BudgetRemaining(); math.Abs(b-0.5) > 1e-9 {
		t.Errorf("budget remaining %v, want 0.5", b)
	}
	if r := s.tr.BurnRate(time.Hour); math.Abs(r-0.5) > 1e-9 {
		t.Errorf("burn rate %v, want 0.5", r)
	}
}

// TestNoFlapping: errors that come and go (two minutes at 5% in every six)
// keep the hour's burn at 16.7 while the 5-minute window swings between 20
// and 10 around the 14.4 threshold. The page fires once and stays firing;
// without the resolve delay it would resolve and fire again every cycle.
func TestNoFlapping(t *testing.T) {
	for _, c := range []struct {
		resolveAfter time.Duration
		changes      func(int) bool
	}{
		{0, func(n int) bool { return n == 1 }},
		{time.Minute, func(n int) bool { return n > 10 }}, // the control: it does flap
	} {
		s := newSim(t, Options{ResolveAfter: c.resolveAfter})
		s.run(4*24*time.Hour, 0)
		s.run(50*time.Minute, 0.03)
		for range 20 {
			s.run(4*time.Minute, 0)
			s.run(2*time.Minute, 0.05)
		}
		var pages []string
		for _, f := range s.fired() {
			if strings.HasPrefix(f, "page-1h-5m") {
				pages = append(pages, f)
			}
		}
		if !c.changes(len(pages)) {
			t.Errorf("ResolveAfter %v: the 1h page changed state %d times: %v", c.resolveAfter, len(pages), pages)
		}
	}
}

// TestCounterRestart: counters that restart from zero keep what was
// counted.
func TestCounterRestart(t *testing.T) {
	s := newSim(t, Options{})
	s.run(time.Hour, 0.01)
	before := s.tr.BurnRate(time.Hour)
	s.good, s.total = 0, 0 // the process restarted
	s.run(time.Minute, 0.01)
	if after := s.tr.BurnRate(time.Hour); math.Abs(after-before) > 0.5 {
		t.Errorf("burn rate %v after a restart, %v before", after, before)
	}
}

func TestMetricsAndLogs(t *testing.T) {
	var logs bytes.Buffer
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	s := newSim(t, Options{Registry: reg, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	s.run(2*time.Hour, 0.05)
	got := map[string]float64{}
	for f, series := range reg.Gather() {
		for smp := range series {
			got[f.Name()+smp.Labels.String()] = smp.Value
		}
	}
	if got[`slo_alert_firing{slo="api",alert="page-1h-5m",severity="page"}`] != 1 ||
		got[`slo_target{slo="api"}`] != 0.999 ||
		math.Abs(got[`slo_burn_rate{slo="api",window="1h"}`]-50) > 1e-9 ||
		got[`slo_error_budget_remaining{slo="api"}`] >= 0 {
		t.Errorf("metrics %v", got)
	}
	if !strings.Contains(logs.String(), `msg="slo: alert firing" slo=api alert=page-1h-5m`) {
		t.Errorf("logs:\n%s", logs.String())
	}
}

func TestBoundedMemory(t *testing.T) {
	s := newSim(t, Options{})
	fine, coarse := len(s.tr.fine.buf), len(s.tr.coarse.buf)
	s.run(40*24*time.Hour, 0.001)
	if len(s.tr.fine.buf) != fine || len(s.tr.coarse.buf) != coarse {
		t.Fatal("the history grew")
	}
	if fine != 3*24*60+2 || coarse != 30*24+2 {
		t.Errorf("rings of %d and %d samples", fine, coarse)
	}
}

func TestInvalid(t *testing.T) {
	src := func() (float64, float64) { return 0, 0 }
	for _, c := range []struct {
		o    Objective
		opts Options
	}{
		{Objective{Name: "", Target: 0.9, Source: src}, Options{}},
		{Objective{Name: "a b", Target: 0.9, Source: src}, Options{}},
		{Objective{Name: "a", Target: 1, Source: src}, Options{}},
		{Objective{Name: "a", Target: 0, Source: src}, Options{}},
		{Objective{Name: "a", Target: math.NaN(), Source: src}, Options{}},
		{Objective{Name: "a", Target: 0.9}, Options{}},
		{Objective{Name: "a", Target: 0.9, Source: src}, Options{Alerts: []Alert{{Severity: "page", Factor: 2, Long: time.Minute, Short: time.Hour}}}},
		{Objective{Name: "a", Target: 0.9, Source: src}, Options{Alerts: []Alert{{Severity: "Page!", Factor: 2, Long: time.Hour, Short: time.Minute}}}},
		{Objective{Name: "a", Target: 0.9, Source: src}, Options{Alerts: []Alert{{Severity: "page", Factor: 2, Long: time.Hour, Short: 90 * time.Second}}}},
		{Objective{Name: "a", Target: 0.9, Source: src}, Options{Resolution: -1}},
	} {
		if _, err := New(c.o, c.opts); err == nil {
			t.Errorf("New(%+v, %+v) succeeded", c.o, c.opts)
		}
	}
}

// TestLatencySource: the good events of a latency objective are the
// observations at or below the threshold, counted exactly at a bucket
// boundary and conservatively between boundaries.
func TestLatencySource(t *testing.T) {
	h := histogram.MustNew()
	for i := 1; i <= 1000; i++ {
		h.Observe(float64(i) / 1000) // 1 ms to 1 s
	}
	for _, c := range []struct {
		threshold float64
		good      float64
	}{
		{0.25, 250}, // a power of two: exact
		{0.5, 500},  // likewise
		{1, 1000},   // everything
		{0.001, 0},  // not a boundary: the bucket of 0.001 straddles it, so that observation counts as slow
		{0.3, 299},  // between boundaries: the largest boundary below 0.3 counts 299 or fewer
	} {
		good, total := Latency(h.Snapshot, c.threshold)()
		if total != 1000 {
			t.Fatalf("total %v", total)
		}
		if c.threshold == 0.3 {
			if good > 300 || good < 290 {
				t.Errorf("threshold 0.3: %v good, want a little under 300", good)
			}
			continue
		}
		if good != c.good {
			t.Errorf("threshold %v: %v good, want %v", c.threshold, good, c.good)
		}
	}
}

// TestStraddlingReads: during an outage, good derived as total - errors
// from two reads can appear to go back by one; that must not be taken for a
// counter restart, which would count the whole history again and hide the
// outage.
func TestStraddlingReads(t *testing.T) {
	s := newSim(t, Options{})
	s.run(4*24*time.Hour, 0)
	s.run(3*time.Minute, 1) // everything fails
	s.good--                // one read straddled a failure
	s.run(0, 0)
	s.tr.Tick()
	s.good++
	s.run(20*time.Minute, 1)
	if b := s.tr.BurnRate(time.Hour); b < 200 {
		t.Fatalf("burn over the hour %v during a total outage; the history was counted again", b)
	}
	for _, e := range s.events {
		if !e.Firing {
			t.Fatalf("an alert resolved during the outage: %v", s.fired())
		}
	}
}

// TestClockStepsBack: a wall clock that steps back does not scramble the
// history.
func TestClockStepsBack(t *testing.T) {
	s := newSim(t, Options{})
	s.run(2*time.Hour, 0.01)
	before := s.tr.BurnRate(time.Hour)
	s.now = s.now.Add(-30 * time.Minute)
	s.run(10*time.Minute, 0.01) // ticks before the newest sample are ignored
	if after := s.tr.BurnRate(time.Hour); math.Abs(after-before) > 0.01*before {
		t.Fatalf("burn %v after the clock stepped back, %v before", after, before)
	}
	s.run(60*time.Minute, 0.01)
	if r := s.tr.BurnRate(time.Hour); math.Abs(r-10) > 0.5 {
		t.Fatalf("burn %v once the clock caught up, want 10", r)
	}
}

func TestLatencyInvalid(t *testing.T) {
	for _, v := range []float64{0, -1, math.NaN(), math.Inf(1)} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Latency(%v) did not panic", v)
				}
			}()
			Latency(histogram.MustNew().Snapshot, v)
		}()
	}
}
