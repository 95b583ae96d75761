package slo

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"sync"
	"time"

	"github.com/abacusgo/abacus/histogram"
)

// A Source returns cumulative counts of good events and of all events since
// some start. Both only grow; a decrease is taken as a restart of the
// counters (the Tracker keeps what it had counted).
type Source func() (good, total float64)

// Ratio is a Source over two cumulative counters, for example the requests
// that succeeded and all requests. good is read first: when an event bumps
// total before good (as httpmetrics does), reading in the other order could
// see good ahead of total.
func Ratio(good, total func() float64) Source {
	return func() (float64, float64) {
		g := good()
		return g, total()
	}
}

// ErrorRatio is a Source over a counter of failed events and one of all
// events: good = total - errors. errors is read first. Reads that straddle
// an event can make good appear to go back by a little for one sample; the
// Tracker holds it instead of taking it for a restart.
func ErrorRatio(errs, total func() float64) Source {
	return func() (float64, float64) {
		e := errs()
		t := total()
		return max(t-e, 0), t
	}
}

// Latency is a Source over a histogram's exponential buckets: the good
// events are the observations at or below threshold. The count is exact:
// when threshold is not a bucket boundary of the histogram, the largest
// boundary below it is used (see histogram.Snapshot.Classic), so the
// objective errs on the strict side. At a boundary (a power of two always
// is), it agrees with the rules Rules writes for the same threshold, native
// or classic. For a classic bound that is not a boundary (such as 0.1), use
// ClassicLatency.
//
// Latency panics if threshold is not a positive number: that is a
// programming error, found when the objective is set up.
func Latency(snapshot func() *histogram.Snapshot, threshold float64) Source {
	if !(threshold > 0) || math.IsInf(threshold, 0) {
		panic(fmt.Sprintf("slo: Latency threshold %v is not a positive number", threshold))
	}
	bounds := []float64{threshold}
	return func() (float64, float64) {
		s := snapshot()
		b, err := s.Classic(bounds)
		if err != nil || len(b) == 0 {
			return 0, float64(s.Count())
		}
		return float64(b[0].Count), float64(s.Count())
	}
}

// ClassicLatency is a Source over a histogram's classic buckets, as
// abacus.Histogram.Classic returns them: the good events are the count of
// the bucket whose bound is threshold, the total the +Inf bucket's. It
// agrees with the classic rules Rules writes for that threshold.
//
// ClassicLatency panics if threshold is not a positive number; a Source
// whose buckets have no bound at threshold counts no good events, which
// makes the mistake visible at once (every event fails).
func ClassicLatency(buckets func() []histogram.ClassicBucket, threshold float64) Source {
	if !(threshold > 0) || math.IsInf(threshold, 0) {
		panic(fmt.Sprintf("slo: ClassicLatency threshold %v is not a positive number", threshold))
	}
	return func() (float64, float64) {
		b := buckets()
		if len(b) == 0 {
			return 0, 0
		}
		total := float64(b[len(b)-1].Count)
		for _, c := range b {
			if c.UpperBound == threshold {
				return float64(c.Count), total
			}
		}
		return 0, total
	}
}

// An Objective is a target fraction of good events over a rolling window.
type Objective struct {
	// Name identifies the objective in metrics, logs and rules:
	// [a-zA-Z0-9_:.-]{1,64}.
	Name string
	// Target is the fraction of events that must be good, in (0, 1), e.g.
	// 0.999.
	Target float64
	// Window is the rolling window of the error budget; 0 means 30 days.
	Window time.Duration
	// Source reads the counts.
	Source Source
}

var validName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-zA-Z0-9_:.-]{1,64}$`) })

func (o *Objective) check() error {
	switch {
	case !validName().MatchString(o.Name):
		return fmt.Errorf("slo: objective name %q: want 1 to 64 of [a-zA-Z0-9_:.-]", o.Name)
	case !(o.Target > 0 && o.Target < 1):
		return fmt.Errorf("slo: objective %s: target %v is not in (0, 1)", o.Name, o.Target)
	case o.Window < 0:
		return fmt.Errorf("slo: objective %s: negative window", o.Name)
	case o.Source == nil:
		return fmt.Errorf("slo: objective %s: no Source", o.Name)
	}
	if o.Window == 0 {
		o.Window = 30 * 24 * time.Hour
	}
	return nil
}

// An Alert fires when the error budget burns at least Factor times faster
// than the rate that would spend it exactly over the objective's window,
// measured over both Long and Short.
type Alert struct {
	Severity string        // "page" or "ticket" in the workbook; any [a-z]+
	Factor   float64       // the burn rate threshold, e.g. 14.4
	Long     time.Duration // e.g. 1h
	Short    time.Duration // e.g. 5m; confirms the burn is still going on
}

// Name returns e.g. "page-1h-5m".
func (a Alert) Name() string {
	return fmt.Sprintf("%s-%s-%s", a.Severity, promDuration(a.Long), promDuration(a.Short))
}

// WorkbookAlerts are the SRE workbook's recommended alerts for a 30-day
// objective: page on 2% of the budget spent in an hour or 5% in six hours,
// ticket on 10% in three days (1× over 3 days) or in a day (3×).
func WorkbookAlerts() []Alert {
	return []Alert{
		{Severity: "page", Factor: 14.4, Long: time.Hour, Short: 5 * time.Minute},
		{Severity: "page", Factor: 6, Long: 6 * time.Hour, Short: 30 * time.Minute},
		{Severity: "ticket", Factor: 3, Long: 24 * time.Hour, Short: 2 * time.Hour},
		{Severity: "ticket", Factor: 1, Long: 72 * time.Hour, Short: 6 * time.Hour},
	}
}

var validSeverity = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z]{1,32}$`) })

func checkAlerts(alerts []Alert, resolution time.Duration) error {
	var errs []error
	for _, a := range alerts {
		switch {
		case !validSeverity().MatchString(a.Severity):
			errs = append(errs, fmt.Errorf("slo: alert severity %q: want [a-z]+", a.Severity))
		case !(a.Factor > 0) || math.IsInf(a.Factor, 0):
			errs = append(errs, fmt.Errorf("slo: alert %s: factor %v", a.Severity, a.Factor))
		case a.Short <= 0 || a.Long <= a.Short:
			errs = append(errs, fmt.Errorf("slo: alert %s: want 0 < Short < Long, have %v and %v", a.Severity, a.Short, a.Long))
		case a.Short < resolution || a.Short%resolution != 0 || a.Long%resolution != 0:
			errs = append(errs, fmt.Errorf("slo: alert %s: windows %v and %v are not multiples of the resolution %v", a.Severity, a.Long, a.Short, resolution))
		}
	}
	return errors.Join(errs...)
}

// promDuration formats d as Prometheus does: 5m, 1h, 3d, 90s.
func promDuration(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	case d%time.Second == 0:
		return fmt.Sprintf("%ds", d/time.Second)
	}
	return fmt.Sprintf("%dms", d/time.Millisecond)
}
