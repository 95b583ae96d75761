package otelbridge

import (
	"context"
	"math"

	"github.com/abacusgo/abacus"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/embedded"
)

// The synchronous instruments. Each is a thin type over the core of its
// family; all their methods are safe for concurrent use, lock-free and
// allocation-free for an attribute set seen before (outside a sampled
// span: see the package doc on exemplars).

type int64Counter struct {
	embedded.Int64Counter
	c *syncCore[*abacus.Counter]
}

// Add adds incr; a negative incr is refused (counted and logged once).
func (i *int64Counter) Add(ctx context.Context, incr int64, opts ...metric.AddOption) {
	if incr < 0 {
		i.c.refuse(reasonNegative, incr)
		return
	}
	set := metric.NewAddConfig(opts).Attributes()
	h, ok := i.c.handle(&set)
	if !ok {
		return
	}
	if ex := i.c.exemplar(ctx); ex != nil {
		_ = h.AddWithExemplar(uint64(incr), ex) // trace and span IDs are valid exemplar labels
		return
	}
	h.Add(uint64(incr))
}

func (i *int64Counter) Enabled(context.Context) bool { return i.c.enabled() }

type float64Counter struct {
	embedded.Float64Counter
	c *syncCore[*abacus.Counter]
}

// Add adds incr. A negative, NaN or infinite incr is refused (counted and
// logged once). A whole incr below 2^63 is a lock-free integer add; any
// other is a compare-and-swap loop on the counter's fractional part, and
// records no exemplar.
func (f *float64Counter) Add(ctx context.Context, incr float64, opts ...metric.AddOption) {
	switch {
	case incr < 0:
		f.c.refuse(reasonNegative, incr)
		return
	case !(incr <= math.MaxFloat64): // NaN, +Inf
		f.c.refuse(reasonInvalid, incr)
		return
	}
	set := metric.NewAddConfig(opts).Attributes()
	h, ok := f.c.handle(&set)
	if !ok {
		return
	}
	if incr < 1<<63 && incr == math.Trunc(incr) {
		if ex := f.c.exemplar(ctx); ex != nil {
			_ = h.AddWithExemplar(uint64(incr), ex)
			return
		}
		h.Add(uint64(incr))
		return
	}
	_ = h.AddFloat(incr) // finite and not negative: cannot fail
}

func (f *float64Counter) Enabled(context.Context) bool { return f.c.enabled() }

type int64UpDownCounter struct {
	embedded.Int64UpDownCounter
	c *syncCore[*abacus.Gauge]
}

// Add adds incr to the gauge (exact while the total stays within ±2^53).
func (i *int64UpDownCounter) Add(_ context.Context, incr int64, opts ...metric.AddOption) {
	set := metric.NewAddConfig(opts).Attributes()
	if h, ok := i.c.handle(&set); ok {
		h.Add(float64(incr))
	}
}

func (i *int64UpDownCounter) Enabled(context.Context) bool { return i.c.enabled() }

type float64UpDownCounter struct {
	embedded.Float64UpDownCounter
	c *syncCore[*abacus.Gauge]
}

// Add adds incr to the gauge; NaN and infinities, which would stay in the
// sum forever, are refused (counted and logged once).
func (f *float64UpDownCounter) Add(_ context.Context, incr float64, opts ...metric.AddOption) {
	if math.IsNaN(incr) || math.IsInf(incr, 0) {
		f.c.refuse(reasonInvalid, incr)
		return
	}
	set := metric.NewAddConfig(opts).Attributes()
	if h, ok := f.c.handle(&set); ok {
		h.Add(incr)
	}
}

func (f *float64UpDownCounter) Enabled(context.Context) bool { return f.c.enabled() }

type int64Gauge struct {
	embedded.Int64Gauge
	c *syncCore[*abacus.Gauge]
}

// Record sets the gauge to value.
func (i *int64Gauge) Record(_ context.Context, value int64, opts ...metric.RecordOption) {
	set := metric.NewRecordConfig(opts).Attributes()
	if h, ok := i.c.handle(&set); ok {
		h.Set(float64(value))
	}
}

func (i *int64Gauge) Enabled(context.Context) bool { return i.c.enabled() }

type float64Gauge struct {
	embedded.Float64Gauge
	c *syncCore[*abacus.Gauge]
}

// Record sets the gauge to value, any value: Abacus gauges, like
// Prometheus's, take NaN and infinities.
func (f *float64Gauge) Record(_ context.Context, value float64, opts ...metric.RecordOption) {
	set := metric.NewRecordConfig(opts).Attributes()
	if h, ok := f.c.handle(&set); ok {
		h.Set(value)
	}
}

func (f *float64Gauge) Enabled(context.Context) bool { return f.c.enabled() }

type int64Histogram struct {
	embedded.Int64Histogram
	c *syncCore[*abacus.Histogram]
}

// Record observes value.
func (i *int64Histogram) Record(ctx context.Context, value int64, opts ...metric.RecordOption) {
	set := metric.NewRecordConfig(opts).Attributes()
	h, ok := i.c.handle(&set)
	if !ok {
		return
	}
	if ex := i.c.exemplar(ctx); ex != nil {
		_ = h.ObserveWithExemplar(float64(value), ex)
		return
	}
	h.ObserveInt(value)
}

func (i *int64Histogram) Enabled(context.Context) bool { return i.c.enabled() }

type float64Histogram struct {
	embedded.Float64Histogram
	c *syncCore[*abacus.Histogram]
}

// Record observes value. NaN, infinities and values beyond
// ±histogram.MaxValue are refused by the histogram and counted in
// abacus_observations_rejected_total.
func (f *float64Histogram) Record(ctx context.Context, value float64, opts ...metric.RecordOption) {
	set := metric.NewRecordConfig(opts).Attributes()
	h, ok := f.c.handle(&set)
	if !ok {
		return
	}
	if ex := f.c.exemplar(ctx); ex != nil {
		_ = h.ObserveWithExemplar(value, ex)
		return
	}
	h.Observe(value)
}

func (f *float64Histogram) Enabled(context.Context) bool { return f.c.enabled() }
