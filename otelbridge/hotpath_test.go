package otelbridge_test

import (
	"context"
	"runtime"
	"strconv"
	"sync"
	"testing"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/abacustest"
	"github.com/abacusgo/abacus/otelbridge"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

var httpSet = attribute.NewSet(attribute.String("http.request.method", "GET"), attribute.Int("http.response.status_code", 200))

// TestZeroAllocs: a measurement with an attribute set seen before
// allocates nothing in the provider. The one allocation of c.Add(ctx, 1,
// opt) is the caller's: Go puts the variadic []AddOption of a call
// through an interface on the heap (the SDK's Add costs the same one), so
// the allocation-free call passes a slice built once: c.Add(ctx, 1,
// opts...).
func TestZeroAllocs(t *testing.T) {
	if testing.CoverMode() != "" || raceEnabled {
		t.Skip("allocation counts differ under -cover and -race")
	}
	ctx := context.Background()
	_, _, m, _ := newProvider(t)
	opt := metric.WithAttributeSet(httpSet)
	add := []metric.AddOption{opt}
	rec := []metric.RecordOption{opt}
	ic, _ := m.Int64Counter("a")
	fc, _ := m.Float64Counter("b")
	iu, _ := m.Int64UpDownCounter("c")
	fu, _ := m.Float64UpDownCounter("d")
	ig, _ := m.Int64Gauge("e")
	fg, _ := m.Float64Gauge("f")
	ih, _ := m.Int64Histogram("g")
	fh, _ := m.Float64Histogram("h", metric.WithUnit("s"))
	for _, tc := range []struct {
		name string
		f    func()
		want float64
	}{
		{"Int64Counter.Add", func() { ic.Add(ctx, 1, add...) }, 0},
		{"Int64Counter.Add (one option: the caller's slice)", func() { ic.Add(ctx, 1, opt) }, 1},
		{"Int64Counter.Add, no attributes", func() { ic.Add(ctx, 1) }, 0},
		{"Float64Counter.Add", func() { fc.Add(ctx, 1, add...) }, 0},
		{"Float64Counter.Add (fraction)", func() { fc.Add(ctx, 0.5, add...) }, 0},
		{"Int64UpDownCounter.Add", func() { iu.Add(ctx, -1, add...) }, 0},
		{"Float64UpDownCounter.Add", func() { fu.Add(ctx, 0.5, add...) }, 0},
		{"Int64Gauge.Record", func() { ig.Record(ctx, 3, rec...) }, 0},
		{"Float64Gauge.Record", func() { fg.Record(ctx, 3, rec...) }, 0},
		{"Int64Histogram.Record", func() { ih.Record(ctx, 300, rec...) }, 0},
		{"Float64Histogram.Record", func() { fh.Record(ctx, 0.01, rec...) }, 0},
		{"Float64Histogram.Record (one option: the caller's slice)", func() { fh.Record(ctx, 0.01, opt) }, 1},
	} {
		tc.f() // the series exists, its set is cached
		if n := testing.AllocsPerRun(1000, tc.f); n != tc.want {
			t.Errorf("%s: %v allocations; want %v", tc.name, n, tc.want)
		}
	}
}

// TestConcurrentAdds: goroutines adding through the API, on shared and
// own attribute sets, first measurements racing, give exact totals.
func TestConcurrentAdds(t *testing.T) {
	const goroutines, adds = 16, 2000
	ctx := context.Background()
	reg, mp, m, _ := newProvider(t)
	c, _ := m.Int64Counter("jobs")
	f, _ := m.Float64Counter("work", metric.WithUnit("s"))
	u, _ := m.Int64UpDownCounter("inflight")
	h, _ := m.Float64Histogram("latency", metric.WithUnit("s"))
	shared := []metric.AddOption{metric.WithAttributeSet(httpSet)}
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			own := metric.WithAttributes(attribute.String("http.request.method", "POST"), attribute.Int("http.response.status_code", 200+g))
			for i := range adds {
				c.Add(ctx, 1, shared...)
				c.Add(ctx, 2, own)
				f.Add(ctx, 0.5, shared...)
				u.Add(ctx, 1, shared...)
				u.Add(ctx, -1, shared...)
				h.Record(ctx, float64(i%10)/100, metric.WithAttributeSet(httpSet))
				if i%500 == 0 {
					runtime.Gosched()
				}
			}
		}()
	}
	wg.Wait()
	checks := []struct {
		name   string
		labels []string
		want   float64
	}{
		{"jobs_total", []string{"http_request_method", "GET"}, goroutines * adds},
		{"work_seconds_total", nil, goroutines * adds / 2},
		{"inflight", nil, 0},
		{"latency_seconds", nil, goroutines * adds}, // the count
	}
	for g := range goroutines {
		checks = append(checks, struct {
			name   string
			labels []string
			want   float64
		}{"jobs_total", []string{"http_request_method", "POST", "http_response_status_code", itoa(200 + g)}, 2 * adds})
	}
	for _, ch := range checks {
		if v, err := abacustest.Value(reg, ch.name, ch.labels...); err != nil || v != ch.want {
			t.Errorf("%s%v = %v, %v; want %v", ch.name, ch.labels, v, err, ch.want)
		}
	}
	if st := mp.Stats(); st != (otelbridge.Stats{}) {
		t.Errorf("stats %+v; want zeros", st)
	}
}

// TestConcurrentFirstMeasurements: instruments whose label names are
// learned, first measured from many goroutines at once, register one
// family and lose nothing.
func TestConcurrentFirstMeasurements(t *testing.T) {
	ctx := context.Background()
	for range 20 {
		reg := abacus.NewRegistry(abacus.WithoutMetaMetrics())
		m := otelbridge.NewMeterProvider(reg, otelbridge.WithLogger(discard)).Meter("test")
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := m.Int64Counter("hits") // instruments made concurrently too
				if err != nil {
					t.Error(err)
					return
				}
				c.Add(ctx, 1, metric.WithAttributes(attribute.Int("g", g%2)))
			}()
		}
		wg.Wait()
		samples, _ := abacustest.Samples(reg, "hits_total")
		var total float64
		for _, s := range samples {
			total += s.Value
		}
		if total != 8 || len(samples) != 2 {
			t.Fatalf("%d series, total %v; want 2, 8", len(samples), total)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// sampled returns a context holding a sampled span.
func sampled() (context.Context, trace.SpanContext) {
	tid, _ := trace.TraceIDFromHex(traceHex)
	sid, _ := trace.SpanIDFromHex(spanHex)
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled})
	return trace.ContextWithSpanContext(context.Background(), sc), sc
}

// TestExemplars: measurements in a sampled span's context carry its trace
// and span IDs as an exemplar; an unsampled span, WithoutExemplars, a
// fractional float increment and gauges record none.
func TestExemplars(t *testing.T) {
	ctx, _ := sampled()
	want := map[string]string{"trace_id": traceHex, "span_id": spanHex}
	reg, _, m, _ := newProvider(t)
	c, _ := m.Int64Counter("jobs")
	h, _ := m.Float64Histogram("latency", metric.WithUnit("s"))
	ih, _ := m.Int64Histogram("size", metric.WithUnit("By"))
	c.Add(ctx, 3)
	h.Record(ctx, 0.25)
	ih.Record(ctx, 100)
	s, err := abacustest.Find(reg, "jobs_total")
	if err != nil || s.Exemplar == nil || s.Exemplar.Value != 3 || !labelsAre(s.Exemplar.Labels, want) {
		t.Errorf("counter exemplar %+v, %v; want value 3 with %v", s.Exemplar, err, want)
	}
	for name, v := range map[string]float64{"latency_seconds": 0.25, "size_bytes": 100} {
		xs := histogramExemplars(reg, name)
		if len(xs) == 0 {
			t.Errorf("%s: no exemplar", name)
			continue
		}
		if x := xs[0]; x.Value != v || !labelsAre(x.Labels, want) {
			t.Errorf("%s exemplar %+v; want value %v with %v", name, x, v, want)
		}
	}

	tid, _ := trace.TraceIDFromHex(traceHex)
	sid, _ := trace.SpanIDFromHex(spanHex)
	unsampled := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid}))
	reg2, _, m2, _ := newProvider(t)
	reg3, _, m3, _ := newProvider(t, otelbridge.WithoutExemplars())
	for _, tc := range []struct {
		reg *abacus.Registry
		m   metric.Meter
		ctx context.Context
		inc float64
	}{{reg2, m2, unsampled, 1}, {reg3, m3, ctx, 1}} {
		c, _ := tc.m.Int64Counter("jobs")
		c.Add(tc.ctx, 1)
		if s, _ := abacustest.Find(tc.reg, "jobs_total"); s.Exemplar != nil {
			t.Errorf("exemplar %+v; want none", s.Exemplar)
		}
	}
	reg4, _, m4, _ := newProvider(t)
	fc, _ := m4.Float64Counter("work")
	fc.Add(ctx, 0.5)
	if s, _ := abacustest.Find(reg4, "work_total"); s.Exemplar != nil || s.Value != 0.5 {
		t.Errorf("fractional increment: %+v; want 0.5 and no exemplar", s)
	}
}

func labelsAre(ls []abacus.Label, want map[string]string) bool {
	if len(ls) != len(want) {
		return false
	}
	for _, l := range ls {
		if want[l.Name] != l.Value {
			return false
		}
	}
	return true
}

// histogramExemplars returns the exemplars of the first series of a
// histogram family.
func histogramExemplars(reg *abacus.Registry, name string) []*abacus.Exemplar {
	var out []*abacus.Exemplar
	for f, series := range reg.Gather() {
		if f.Name() != name {
			continue
		}
		for s := range series {
			return s.Histogram.Exemplars(nil)
		}
	}
	return out
}
