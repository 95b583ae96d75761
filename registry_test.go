package abacus_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/histogram"
)

func TestRegistrationValidates(t *testing.T) {
	cases := []struct {
		name string
		reg  func(r *abacus.Registry) error
		kind error  // what errors.Is must match; nil for success
		text string // a substring of the message
	}{
		{"counter", func(r *abacus.Registry) error {
			_, err := r.Counter(abacus.Opts{Name: "requests_total", Help: "h"})
			return err
		}, nil, ""},
		{"counter without _total", func(r *abacus.Registry) error { _, err := r.Counter(abacus.Opts{Name: "requests"}); return err }, abacus.ErrInvalidName, "must end in _total"},
		{"bad name", func(r *abacus.Registry) error { _, err := r.Counter(abacus.Opts{Name: "9lives_total"}); return err }, abacus.ErrInvalidName, "invalid metric name"},
		{"bad label", func(r *abacus.Registry) error {
			_, err := r.CounterVec(abacus.Opts{Name: "x_total"}, "a-b")
			return err
		}, abacus.ErrInvalidName, "invalid variable label name"},
		{"reserved label", func(r *abacus.Registry) error { _, err := r.CounterVec(abacus.Opts{Name: "y_total"}, "le"); return err }, abacus.ErrInvalidName, "reserved for histogram buckets"},
		{"dunder label", func(r *abacus.Registry) error {
			_, err := r.CounterVec(abacus.Opts{Name: "z_total"}, "__x")
			return err
		}, abacus.ErrInvalidName, "not starting with __"},
		{"duplicate label", func(r *abacus.Registry) error {
			_, err := r.CounterVec(abacus.Opts{Name: "w_total"}, "a", "a")
			return err
		}, abacus.ErrInvalidName, "appears twice"},
		{"unit mismatch", func(r *abacus.Registry) error {
			_, err := r.Gauge(abacus.Opts{Name: "temp", Unit: "celsius"})
			return err
		}, abacus.ErrInvalidUnit, "must end in _celsius"},
		{"bad unit", func(r *abacus.Registry) error {
			_, err := r.Gauge(abacus.Opts{Name: "temp_x", Unit: "x-y"})
			return err
		}, abacus.ErrInvalidUnit, "invalid unit"},
		{"reserved suffix", func(r *abacus.Registry) error { _, err := r.Gauge(abacus.Opts{Name: "latency_bucket"}); return err }, abacus.ErrInvalidName, "reserve"},
		{"TTL without labels", func(r *abacus.Registry) error {
			_, err := r.Counter(abacus.Opts{Name: "ttl_total", TTL: time.Minute})
			return err
		}, abacus.ErrInvalidOptions, "TTL"},
		{"help not UTF-8", func(r *abacus.Registry) error { _, err := r.Gauge(abacus.Opts{Name: "g", Help: "\xff"}); return err }, abacus.ErrInvalidOptions, "UTF-8"},
		{"nil func", func(r *abacus.Registry) error { return r.GaugeFunc(abacus.Opts{Name: "f"}, nil) }, abacus.ErrInvalidOptions, "nil func"},
		{"buckets not increasing", func(r *abacus.Registry) error {
			_, err := r.Histogram(abacus.HistogramOpts{Opts: abacus.Opts{Name: "h"}, Buckets: []float64{1, 1}})
			return err
		}, abacus.ErrInvalidOptions, "increase"},
		{"bad histogram option", func(r *abacus.Registry) error {
			_, err := r.Histogram(abacus.HistogramOpts{Opts: abacus.Opts{Name: "h"}, Options: []histogram.Option{histogram.WithScale(99)}})
			return err
		}, abacus.ErrInvalidOptions, "scale"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.reg(abacus.NewRegistry())
			if c.kind == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var re *abacus.RegistrationError
			if !errors.Is(err, c.kind) || !errors.As(err, &re) || !strings.Contains(err.Error(), c.text) {
				t.Fatalf("error %v; want a *RegistrationError matching %v and containing %q", err, c.kind, c.text)
			}
		})
	}
}

// Every problem is reported at once, each with its kind.
func TestRegistrationErrorListsEveryProblem(t *testing.T) {
	_, err := abacus.NewRegistry().CounterVec(abacus.Opts{Name: "bad", Unit: "x-y"}, "le")
	var re *abacus.RegistrationError
	if !errors.As(err, &re) || len(re.Problems) != 3 {
		t.Fatalf("%v: want three problems", err)
	}
	if !errors.Is(err, abacus.ErrInvalidName) || !errors.Is(err, abacus.ErrInvalidUnit) || errors.Is(err, abacus.ErrLint) {
		t.Fatalf("kinds of %v", err)
	}
}

func TestRegisteringAgain(t *testing.T) {
	r := abacus.NewRegistry()
	a := abacus.Must(r.Counter(abacus.Opts{Name: "a_total", Help: "h"}))
	if b := abacus.Must(r.Counter(abacus.Opts{Name: "a_total", Help: "h"})); a != b {
		t.Error("the same counter twice gave two counters")
	}
	v := abacus.Must(r.CounterVec(abacus.Opts{Name: "v_total", Help: "h", Limit: 10, TTL: time.Hour}, "x"))
	if w := abacus.Must(r.CounterVec(abacus.Opts{Name: "v_total", Help: "h", Limit: 10, TTL: time.Hour}, "x")); v.Family() != w.Family() {
		t.Error("the same vector twice gave two families")
	}
	for name, o := range map[string]func() error{
		"other type": func() error {
			_, _ = r.Gauge(abacus.Opts{Name: "g", Help: "h"})
			_, err := r.Histogram(abacus.HistogramOpts{Opts: abacus.Opts{Name: "g", Help: "h"}})
			return err
		},
		"other help":   func() error { _, err := r.Counter(abacus.Opts{Name: "a_total", Help: "other"}); return err },
		"other labels": func() error { _, err := r.CounterVec(abacus.Opts{Name: "a_total", Help: "h"}, "code"); return err },
		"other limit": func() error {
			_, err := r.CounterVec(abacus.Opts{Name: "v_total", Help: "h", Limit: 11, TTL: time.Hour}, "x")
			return err
		},
		"other TTL": func() error {
			_, err := r.CounterVec(abacus.Opts{Name: "v_total", Help: "h", Limit: 10, TTL: time.Minute}, "x")
			return err
		},
		"a func twice": func() error {
			_ = r.GaugeFunc(abacus.Opts{Name: "f", Help: "h"}, func() float64 { return 1 })
			return r.GaugeFunc(abacus.Opts{Name: "f", Help: "h"}, func() float64 { return 1 })
		},
	} {
		err := o()
		var are *abacus.AlreadyRegisteredError
		if !errors.Is(err, abacus.ErrAlreadyRegistered) || !errors.As(err, &are) || are.Existing == nil {
			t.Errorf("%s: %v; want an *AlreadyRegisteredError", name, err)
		}
	}
	_, err := r.Counter(abacus.Opts{Name: "a_total", Help: "other"})
	var are *abacus.AlreadyRegisteredError
	if !errors.As(err, &are) || are.Existing.Name() != "a_total" {
		t.Errorf("Existing is %s", are.Existing.Name())
	}
}

// A counter x_total is OpenMetrics family x: a gauge x beside it is
// refused, in either order.
func TestOpenMetricsNameClashRefused(t *testing.T) {
	r := abacus.NewRegistry()
	abacus.Must(r.Counter(abacus.Opts{Name: "jobs_total", Help: "h"}))
	if _, err := r.Gauge(abacus.Opts{Name: "jobs", Help: "h"}); !errors.Is(err, abacus.ErrAlreadyRegistered) || !strings.Contains(err.Error(), "OpenMetrics") {
		t.Errorf("gauge jobs beside counter jobs_total: %v", err)
	}
	abacus.Must(r.Histogram(abacus.HistogramOpts{Opts: abacus.Opts{Name: "work", Help: "h"}}))
	if _, err := r.Counter(abacus.Opts{Name: "work_total", Help: "h"}); !errors.Is(err, abacus.ErrAlreadyRegistered) {
		t.Errorf("counter work_total beside histogram work: %v", err)
	}
	// Once the other is gone, the name is free.
	r.Unregister("work")
	if _, err := r.Counter(abacus.Opts{Name: "work_total", Help: "h"}); err != nil {
		t.Error(err)
	}
}

func TestGoAndProcessMetricsTwice(t *testing.T) {
	r := abacus.NewRegistry()
	for range 2 {
		if err := r.RegisterGoMetrics(); err != nil {
			t.Fatal(err)
		}
		if err := r.RegisterProcessMetrics(); err != nil && !strings.Contains(err.Error(), "/proc") {
			t.Fatal(err)
		}
	}
	f := r.Family("go_memstats_alloc_bytes_total")
	if f == nil || !f.OpenMetricsClash() || r.Family("go_memstats_alloc_bytes").OpenMetricsClash() {
		t.Fatal("go_memstats_alloc_bytes_total should be the one clashing family")
	}
}

func TestStrictRegistryLints(t *testing.T) {
	r := abacus.NewRegistry(abacus.WithStrict())
	if err := r.RegisterGoMetrics(); err != nil {
		t.Fatalf("the Go metrics fail strict mode: %v", err)
	}
	for _, o := range []abacus.Opts{
		{Name: "no_help_total"},
		{Name: "latency_milliseconds", Help: "h"},
		{Name: "requestCount_total", Help: "h"},
		{Name: "req_counter_total", Help: "h"},
		{Name: "rule:ratio_total", Help: "h"},
		{Name: "latency_ms_total", Help: "h"},
	} {
		if _, err := r.Counter(o); !errors.Is(err, abacus.ErrLint) {
			t.Errorf("%s: %v; want ErrLint", o.Name, err)
		}
	}
	if _, err := r.Counter(abacus.Opts{Name: "good_total", Help: "Fine."}); err != nil {
		t.Error(err)
	}
	// Outside strict mode the same names register.
	if _, err := abacus.NewRegistry().Counter(abacus.Opts{Name: "requestCount_total"}); err != nil {
		t.Error(err)
	}
}

func TestDefaultMadeOnFirstUse(t *testing.T) {
	old := abacus.SetDefault(nil)
	defer abacus.SetDefault(old)
	d := abacus.Default()
	if d == nil || d != abacus.Default() {
		t.Fatal("Default is not one registry")
	}
	if d.Family("go_goroutines") == nil {
		t.Fatal("the default registry lacks the Go metrics")
	}
	r := abacus.NewRegistry()
	if abacus.SetDefault(r) != d || abacus.Default() != r {
		t.Fatal("SetDefault")
	}
}

func TestUnregister(t *testing.T) {
	r := abacus.NewRegistry()
	c := abacus.Must(r.Counter(abacus.Opts{Name: "a_total"}))
	if !r.Unregister("a_total") || r.Unregister("a_total") || r.Family("a_total") != nil {
		t.Fatal("Unregister")
	}
	c.Inc() // a handle keeps working
	if c.Value() != 1 {
		t.Fatal("handle after Unregister")
	}
}

func TestMustPanicsWithBUG(t *testing.T) {
	defer func() {
		if r, _ := recover().(string); !strings.HasPrefix(r, "BUG: ") || !strings.Contains(r, "nope") {
			t.Fatalf("panic %q", r)
		}
	}()
	abacus.Must(abacus.NewRegistry().Counter(abacus.Opts{Name: "nope"}))
}

func TestZeroValuesFailClearly(t *testing.T) {
	for name, f := range map[string]func(){
		"Registry":  func() { var r abacus.Registry; r.Families() },
		"Histogram": func() { var h abacus.Histogram; h.Observe(1) },
	} {
		func() {
			defer func() {
				msg, _ := recover().(string)
				if !strings.Contains(msg, "abacus:") {
					t.Errorf("zero %s: panic %q, want one naming the constructor", name, msg)
				}
			}()
			f()
		}()
	}
	var c abacus.Counter // works, unregistered
	c.Inc()
	var g abacus.Gauge
	g.Set(2)
	if c.Value() != 1 || g.Value() != 2 {
		t.Error("zero Counter or Gauge does not work")
	}
}
