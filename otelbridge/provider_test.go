package otelbridge_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/abacustest"
	"github.com/abacusgo/abacus/otelbridge"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// newProvider returns a registry without meta metrics, a provider over it
// logging into the returned buffer, and a meter.
func newProvider(t *testing.T, opts ...otelbridge.Option) (*abacus.Registry, *otelbridge.MeterProvider, metric.Meter, *bytes.Buffer) {
	t.Helper()
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	var log bytes.Buffer
	opts = append([]otelbridge.Option{otelbridge.WithLogger(slog.New(slog.NewTextHandler(&log, nil)))}, opts...)
	mp := otelbridge.NewMeterProvider(reg, opts...)
	return reg, mp, mp.Meter("test"), &log
}

func attrs(kv ...attribute.KeyValue) metric.MeasurementOption {
	return metric.WithAttributeSet(attribute.NewSet(kv...))
}

// TestInstrumentFamilies: every instrument, int and float, makes the
// family the package doc says, with the values it was given.
func TestInstrumentFamilies(t *testing.T) {
	ctx := context.Background()
	get := attrs(attribute.String("method", "GET"))
	for _, tc := range []struct {
		name   string
		record func(m metric.Meter) error
		family string
		typ    abacus.Type
		unit   string
		help   string
		value  float64 // of the series method="GET"; a histogram's count
		sum    float64 // a histogram's sum
	}{
		{"Int64Counter", func(m metric.Meter) error {
			c, err := m.Int64Counter("http.requests", metric.WithDescription("Requests."), metric.WithUnit("{request}"))
			c.Add(ctx, 2, get)
			c.Add(ctx, 3, get)
			return err
		}, "http_requests_total", abacus.TypeCounter, "", "Requests.", 5, 0},
		{"Float64Counter", func(m metric.Meter) error {
			c, err := m.Float64Counter("network.io", metric.WithUnit("By"))
			c.Add(ctx, 1.5, get)
			c.Add(ctx, 2, get)
			return err
		}, "network_io_bytes_total", abacus.TypeCounter, "bytes", "", 3.5, 0},
		{"Int64UpDownCounter", func(m metric.Meter) error {
			c, err := m.Int64UpDownCounter("db.client.connection.count", metric.WithUnit("{connection}"))
			c.Add(ctx, 5, get)
			c.Add(ctx, -2, get)
			return err
		}, "db_client_connection_count_value", abacus.TypeGauge, "", "", 3, 0},
		{"Float64UpDownCounter", func(m metric.Meter) error {
			c, err := m.Float64UpDownCounter("memory.limit", metric.WithUnit("By"))
			c.Add(ctx, 1.25, get)
			c.Add(ctx, -0.5, get)
			return err
		}, "memory_limit_bytes", abacus.TypeGauge, "bytes", "", 0.75, 0},
		{"Int64Gauge", func(m metric.Meter) error {
			c, err := m.Int64Gauge("cpu.utilization", metric.WithUnit("1"))
			c.Record(ctx, 7, get)
			c.Record(ctx, 1, get)
			return err
		}, "cpu_utilization_ratio", abacus.TypeGauge, "ratio", "", 1, 0},
		{"Float64Gauge", func(m metric.Meter) error {
			c, err := m.Float64Gauge("room.temperature", metric.WithUnit("Cel"))
			c.Record(ctx, 21.5, get)
			return err
		}, "room_temperature_celsius", abacus.TypeGauge, "celsius", "", 21.5, 0},
		{"Int64Histogram", func(m metric.Meter) error {
			c, err := m.Int64Histogram("message.size", metric.WithUnit("By"))
			c.Record(ctx, 100, get)
			c.Record(ctx, 300, get)
			return err
		}, "message_size_bytes", abacus.TypeHistogram, "bytes", "", 2, 400},
		{"Float64Histogram", func(m metric.Meter) error {
			c, err := m.Float64Histogram("rpc.duration", metric.WithUnit("ms"))
			c.Record(ctx, 1.5, get)
			c.Record(ctx, 2.5, get)
			c.Record(ctx, math.NaN(), get) // refused by the histogram, counted by the registry
			return err
		}, "rpc_duration_milliseconds", abacus.TypeHistogram, "milliseconds", "", 2, 4},
		{"Int64ObservableCounter", func(m metric.Meter) error {
			_, err := m.Int64ObservableCounter("process.cpu.time", metric.WithUnit("s"),
				metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error { o.Observe(42, get); return nil }))
			return err
		}, "process_cpu_time_seconds_total", abacus.TypeCounter, "seconds", "", 42, 0},
		{"Float64ObservableCounter", func(m metric.Meter) error {
			_, err := m.Float64ObservableCounter("energy", metric.WithUnit("J"),
				metric.WithFloat64Callback(func(_ context.Context, o metric.Float64Observer) error { o.Observe(1.5, get); return nil }))
			return err
		}, "energy_joules_total", abacus.TypeCounter, "joules", "", 1.5, 0},
		{"Int64ObservableUpDownCounter", func(m metric.Meter) error {
			_, err := m.Int64ObservableUpDownCounter("queue.depth",
				metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error { o.Observe(-3, get); return nil }))
			return err
		}, "queue_depth", abacus.TypeGauge, "", "", -3, 0},
		{"Float64ObservableUpDownCounter", func(m metric.Meter) error {
			_, err := m.Float64ObservableUpDownCounter("balance", metric.WithDescription("Balance."),
				metric.WithFloat64Callback(func(_ context.Context, o metric.Float64Observer) error { o.Observe(2.5, get); return nil }))
			return err
		}, "balance", abacus.TypeGauge, "", "Balance.", 2.5, 0},
		{"Int64ObservableGauge", func(m metric.Meter) error {
			_, err := m.Int64ObservableGauge("goroutines",
				metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error { o.Observe(12, get); return nil }))
			return err
		}, "goroutines", abacus.TypeGauge, "", "", 12, 0},
		{"Float64ObservableGauge", func(m metric.Meter) error {
			_, err := m.Float64ObservableGauge("load", metric.WithUnit("1"),
				metric.WithFloat64Callback(func(_ context.Context, o metric.Float64Observer) error { o.Observe(0.25, get); return nil }))
			return err
		}, "load_ratio", abacus.TypeGauge, "ratio", "", 0.25, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg, mp, m, log := newProvider(t)
			if err := tc.record(m); err != nil {
				t.Fatal(err)
			}
			f := reg.Family(tc.family)
			if f == nil {
				t.Fatalf("no family %s; have %v", tc.family, familyNames(reg))
			}
			if f.Type() != tc.typ || f.Unit() != tc.unit || f.Help() != tc.help {
				t.Errorf("family %s: type %v, unit %q, help %q; want %v, %q, %q", tc.family, f.Type(), f.Unit(), f.Help(), tc.typ, tc.unit, tc.help)
			}
			if got := f.LabelNames(); len(got) != 1 || got[0] != "method" {
				t.Errorf("label names %v; want [method]", got)
			}
			s, err := abacustest.Find(reg, tc.family, "method", "GET")
			if err != nil {
				t.Fatal(err)
			}
			if s.Value != tc.value || tc.typ == abacus.TypeHistogram && s.Sum != tc.sum {
				t.Errorf("value %v (sum %v); want %v (sum %v)", s.Value, s.Sum, tc.value, tc.sum)
			}
			if st := mp.Stats(); st != (otelbridge.Stats{}) {
				t.Errorf("stats %+v; want zeros", st)
			}
			if log.Len() > 0 {
				t.Errorf("logged: %s", log)
			}
		})
	}
}

func familyNames(reg *abacus.Registry) []string {
	var names []string
	for _, f := range reg.Families() {
		names = append(names, f.Name())
	}
	return names
}

// TestRefused: negative increments and non-finite values are not recorded,
// and are counted, in Stats and abacus_otel_measurements_refused_total, and
// logged once per instrument and reason.
func TestRefused(t *testing.T) {
	ctx := context.Background()
	reg, mp, m, log := newProvider(t)
	ic, _ := m.Int64Counter("a")
	fc, _ := m.Float64Counter("b")
	ud, _ := m.Float64UpDownCounter("c")
	ic.Add(ctx, -1)
	ic.Add(ctx, -2)
	ic.Add(ctx, 4)
	fc.Add(ctx, -0.5)
	fc.Add(ctx, math.NaN())
	fc.Add(ctx, math.Inf(1))
	fc.Add(ctx, 0.25)
	ud.Add(ctx, math.Inf(-1))
	ud.Add(ctx, -1)
	want := otelbridge.Stats{Negative: 3, Invalid: 3}
	if st := mp.Stats(); st != want {
		t.Errorf("stats %+v; want %+v", st, want)
	}
	for _, c := range []struct {
		name  string
		label []string
		want  float64
	}{
		{"a_total", nil, 4},
		{"b_total", nil, 0.25},
		{"c", nil, -1},
		{"abacus_otel_measurements_refused_total", []string{"instrument", "a", "reason", "negative"}, 2},
		{"abacus_otel_measurements_refused_total", []string{"instrument", "b", "reason", "negative"}, 1},
		{"abacus_otel_measurements_refused_total", []string{"instrument", "b", "reason", "invalid"}, 2},
		{"abacus_otel_measurements_refused_total", []string{"instrument", "c", "reason", "invalid"}, 1},
	} {
		if v, err := abacustest.Value(reg, c.name, c.label...); err != nil || v != c.want {
			t.Errorf("%s%v = %v, %v; want %v", c.name, c.label, v, err, c.want)
		}
	}
	if n := strings.Count(log.String(), "not recorded"); n != 4 {
		t.Errorf("logged %d refusals; want 4 (once per instrument and reason):\n%s", n, log)
	}
}

// TestRegistrationFailure: an instrument whose family the registry refuses
// (its name is taken by another shape) records nothing, says so in
// Enabled, and counts every measurement.
func TestRegistrationFailure(t *testing.T) {
	ctx := context.Background()
	reg, mp, m, log := newProvider(t)
	abacus.Must(reg.CounterVec(abacus.Opts{Name: "jobs_total", Help: "Jobs."}, "queue"))
	c, err := m.Int64Counter("jobs") // no declared keys: registered at the first measurement
	if err != nil {
		t.Fatal(err)
	}
	if !c.Enabled(ctx) {
		t.Error("Enabled before the first measurement = false")
	}
	c.Add(ctx, 1, attrs(attribute.String("kind", "x")))
	c.Add(ctx, 1, attrs(attribute.String("kind", "x")))
	if c.Enabled(ctx) {
		t.Error("Enabled after the family was refused = true")
	}
	if st := mp.Stats(); st.Unregistered != 2 {
		t.Errorf("stats %+v; want 2 unregistered", st)
	}
	if !strings.Contains(log.String(), "cannot register") {
		t.Errorf("log does not say the family was refused:\n%s", log)
	}

	// With declared keys the family is registered at once: the error is
	// the constructor's.
	reg2 := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	abacus.Must(reg2.CounterVec(abacus.Opts{Name: "jobs_total"}, "queue"))
	mp2 := otelbridge.NewMeterProvider(reg2, otelbridge.WithAttributeKeys("jobs", "queue", "kind"), otelbridge.WithLogger(discard))
	if _, err := mp2.Meter("m").Int64Counter("jobs"); !errors.Is(err, otelbridge.ErrInstrument) {
		t.Errorf("declared keys, family refused: err %v; want ErrInstrument", err)
	}
}

var discard = slog.New(slog.DiscardHandler)

// TestInstrumentErrors: what a meter refuses to make.
func TestInstrumentErrors(t *testing.T) {
	_, _, m, _ := newProvider(t)
	if _, err := m.Int64Counter("shared"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		make func() error
	}{
		{"invalid name", func() error { _, err := m.Int64Counter("1abc"); return err }},
		{"empty name", func() error { _, err := m.Float64Gauge(""); return err }},
		{"other kind, same family", func() error { _, err := m.Int64ObservableCounter("shared"); return err }},
		{"bad buckets", func() error {
			_, err := m.Float64Histogram("h", metric.WithExplicitBucketBoundaries(1, 0.5))
			return err
		}},
		{"NaN bucket", func() error {
			_, err := m.Int64Histogram("h2", metric.WithExplicitBucketBoundaries(math.NaN()))
			return err
		}},
	} {
		if err := tc.make(); !errors.Is(err, otelbridge.ErrInstrument) {
			t.Errorf("%s: err %v; want ErrInstrument", tc.name, err)
		}
	}
	// The same instrument again, and its float twin, share the family.
	a, _ := m.Int64Counter("shared")
	b, err := m.Float64Counter("shared")
	if err != nil {
		t.Fatal(err)
	}
	a.Add(context.Background(), 1)
	b.Add(context.Background(), 0.5)
}

// TestMeterCached: a meter per scope.
func TestMeterCached(t *testing.T) {
	_, mp, _, _ := newProvider(t)
	a := mp.Meter("a", metric.WithInstrumentationVersion("1"))
	if mp.Meter("a", metric.WithInstrumentationVersion("1")) != a {
		t.Error("the same scope gives another meter")
	}
	if mp.Meter("a", metric.WithInstrumentationVersion("2")) == a || mp.Meter("b") == a {
		t.Error("another scope gives the same meter")
	}
	// Instruments of one name from two meters share a family.
	ctx := context.Background()
	c1, _ := mp.Meter("x").Int64Counter("hits")
	c2, _ := mp.Meter("y").Int64Counter("hits")
	c1.Add(ctx, 1)
	c2.Add(ctx, 2)
	if v, err := abacustest.Value(mp.Registry(), "hits_total"); err != nil || v != 3 {
		t.Errorf("hits_total = %v, %v; want 3", v, err)
	}
}

// TestSharedRegistry: two providers over one registry share a synchronous
// instrument's family; an observable one belongs to the first.
func TestSharedRegistry(t *testing.T) {
	ctx := context.Background()
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	a := otelbridge.NewMeterProvider(reg, otelbridge.WithLogger(discard)).Meter("a")
	b := otelbridge.NewMeterProvider(reg, otelbridge.WithLogger(discard)).Meter("b")
	for _, m := range []metric.Meter{a, b} {
		c, err := m.Int64Counter("hits")
		if err != nil {
			t.Fatal(err)
		}
		c.Add(ctx, 1, attrs(attribute.String("k", "v")))
	}
	if v, err := abacustest.Value(reg, "hits_total", "k", "v"); err != nil || v != 2 {
		t.Errorf("hits_total = %v, %v; want 2", v, err)
	}
	cb := metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error { o.Observe(1); return nil })
	if _, err := a.Int64ObservableGauge("g", cb); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Int64ObservableGauge("g", cb); err != nil {
		t.Fatal(err) // no declared keys: the family is registered at the probe, where the second fails and logs
	}
	if v, err := abacustest.Value(reg, "g"); err != nil || v != 1 {
		t.Errorf("g = %v, %v; want 1", v, err)
	}
}

// TestTTL: WithTTL expires idle series; a cached handle brings its series
// back at the next measurement.
func TestTTL(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics(), abacus.WithClock(func() time.Time { return now }))
	m := otelbridge.NewMeterProvider(reg, otelbridge.WithTTL(time.Minute)).Meter("m")
	c, _ := m.Int64Counter("hits")
	opt := attrs(attribute.String("k", "v"))
	c.Add(ctx, 1, opt)
	if f := reg.Family("hits_total"); f.TTL() != time.Minute {
		t.Fatalf("TTL %v; want 1m", f.TTL())
	}
	for range 3 { // a scrape marks the series idle, the next removes it
		now = now.Add(2 * time.Minute)
		_, _ = abacustest.Samples(reg, "hits_total")
	}
	if s, _ := abacustest.Samples(reg, "hits_total"); len(s) != 0 {
		t.Fatalf("series %v after the TTL; want none", s)
	}
	c.Add(ctx, 1, opt)
	if v, err := abacustest.Value(reg, "hits_total", "k", "v"); err != nil || v != 2 {
		t.Errorf("hits_total = %v, %v; want 2 (the series back, value and all)", v, err)
	}
}
