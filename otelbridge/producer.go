package otelbridge

import (
	"context"
	"encoding/hex"
	"math"
	"time"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/otlp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// ScopeName is the instrumentation scope of the metrics a Producer
// produces.
const ScopeName = "github.com/abacusgo/abacus"

// A producer reads a registry for an OpenTelemetry SDK reader.
type producer struct {
	reg     *abacus.Registry
	start   time.Time
	now     func() time.Time
	classic bool
	name    func(*abacus.Family) string
	keep    func(*abacus.Family) bool
}

// A ProducerOption configures NewProducer, which applies the options in
// order before the producer is used.
type ProducerOption func(*producer)

// WithClassicHistograms makes the producer export histograms as OTLP
// explicit-bucket Histograms, from their classic buckets (the family's
// fixed layout, abacus.Family.Buckets), instead of ExponentialHistograms.
// The points then carry no min and max.
func WithClassicHistograms() ProducerOption {
	return func(p *producer) { p.classic = true }
}

// WithMetricName sets the OTLP metric name of each family: the family's
// Prometheus name unaltered unless set, as the compatibility
// specification's default is.
func WithMetricName(name func(f *abacus.Family) string) ProducerOption {
	return func(p *producer) {
		if name != nil {
			p.name = name
		}
	}
}

// WithFilter makes the producer export only the families keep returns true
// for, such as those that another pipeline does not export already. keep
// must be safe for concurrent use.
func WithFilter(keep func(f *abacus.Family) bool) ProducerOption {
	return func(p *producer) { p.keep = keep }
}

// withClock sets the producer's clock, for tests.
func withClock(now func() time.Time) ProducerOption {
	return func(p *producer) { p.now = now }
}

// NewProducer returns an OpenTelemetry SDK Producer that reads reg at each
// collection, so that an SDK pipeline (sdkmetric.NewManualReader or
// NewPeriodicReader with any exporter, given sdkmetric.WithProducer)
// carries Abacus's metrics. Its Produce is safe for concurrent use; each
// call is one Gather of the registry (one scrape in its meta metrics).
//
// The conversion is the OpenTelemetry–Prometheus compatibility
// specification's, Prometheus to OTLP, with cumulative temporality:
//   - a counter is a monotonic Sum, a gauge a Gauge, a summary a Summary
//     with its quantiles;
//   - a histogram is an ExponentialHistogram carrying the registry's own
//     buckets unchanged (scale, zero threshold and count, positive and
//     negative offsets and counts, min, max, sum, count), or with
//     WithClassicHistograms a Histogram of the classic buckets;
//   - labels, constant labels included, are attributes; a label whose
//     value is "" (absent in Prometheus) is left out;
//   - exemplars carry their trace_id and span_id labels as TraceID and
//     SpanID and their other labels as filtered attributes;
//   - a point's start time is its series' creation time (abacus
//     Series.Created), or the producer's start for series whose creation
//     is not known (func metrics); its time is the collection's;
//   - the metric's name is the family's (WithMetricName changes it), its
//     unit the family's converted to UCUM (otlp.OTelUnit: "seconds" is
//     "s"), its description the family's help;
//   - every value is a float64 (counters included); every metric is in
//     one scope, ScopeName.
//
// A registry that a MeterProvider records into is exported once by a
// Producer: the MeterProvider exports nothing itself. Do not also export
// the same registry to the same backend another way (otlp.Exporter, or a
// second Producer on the same reader), or use WithFilter to split it.
func NewProducer(reg *abacus.Registry, opts ...ProducerOption) sdkmetric.Producer {
	p := &producer{reg: reg, now: time.Now, name: (*abacus.Family).Name}
	for _, o := range opts {
		o(p)
	}
	p.start = p.now()
	return p
}

// Produce returns the registry's metrics as of now.
func (p *producer) Produce(ctx context.Context) ([]metricdata.ScopeMetrics, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	now := p.now()
	var ms []metricdata.Metrics
	for f, series := range p.reg.Gather() {
		if p.keep != nil && !p.keep(f) {
			continue
		}
		m := metricdata.Metrics{Name: p.name(f), Description: f.Help(), Unit: otlp.OTelUnit(f.Unit())}
		switch f.Type() {
		case abacus.TypeCounter:
			sum := metricdata.Sum[float64]{Temporality: metricdata.CumulativeTemporality, IsMonotonic: true}
			for s := range series {
				dp := metricdata.DataPoint[float64]{Attributes: attributes(s), StartTime: p.started(s), Time: now, Value: s.Value}
				if s.Exemplar != nil {
					dp.Exemplars = []metricdata.Exemplar[float64]{exemplar(s.Exemplar)}
				}
				sum.DataPoints = append(sum.DataPoints, dp)
			}
			m.Data = sum
		case abacus.TypeGauge:
			var g metricdata.Gauge[float64]
			for s := range series {
				g.DataPoints = append(g.DataPoints, metricdata.DataPoint[float64]{Attributes: attributes(s), Time: now, Value: s.Value})
			}
			m.Data = g
		case abacus.TypeHistogram:
			if p.classic {
				h := metricdata.Histogram[float64]{Temporality: metricdata.CumulativeTemporality}
				for s := range series {
					h.DataPoints = append(h.DataPoints, p.classicPoint(s, now))
				}
				m.Data = h
			} else {
				h := metricdata.ExponentialHistogram[float64]{Temporality: metricdata.CumulativeTemporality}
				for s := range series {
					h.DataPoints = append(h.DataPoints, p.exponentialPoint(s, now))
				}
				m.Data = h
			}
		case abacus.TypeSummary:
			var sm metricdata.Summary
			for s := range series {
				dp := metricdata.SummaryDataPoint{Attributes: attributes(s), StartTime: p.started(s), Time: now}
				if v := s.Summary; v != nil {
					dp.Count, dp.Sum = v.Count, v.Sum
					for _, q := range v.Quantiles {
						dp.QuantileValues = append(dp.QuantileValues, metricdata.QuantileValue{Quantile: q.Q, Value: q.Value})
					}
				}
				sm.DataPoints = append(sm.DataPoints, dp)
			}
			m.Data = sm
		default:
			continue
		}
		ms = append(ms, m)
	}
	return []metricdata.ScopeMetrics{{Scope: instrumentation.Scope{Name: ScopeName}, Metrics: ms}}, nil
}

// started returns a series' start time: its creation, or the producer's.
func (p *producer) started(s *abacus.Series) time.Time {
	if s.Created > 0 {
		return time.Unix(0, s.Created)
	}
	return p.start
}

func (p *producer) exponentialPoint(s *abacus.Series, now time.Time) metricdata.ExponentialHistogramDataPoint[float64] {
	o := s.Histogram.Snapshot().OTLP()
	dp := metricdata.ExponentialHistogramDataPoint[float64]{
		Attributes:     attributes(s),
		StartTime:      p.started(s),
		Time:           now,
		Count:          o.Count,
		Sum:            o.Sum,
		Scale:          o.Scale,
		ZeroCount:      o.ZeroCount,
		ZeroThreshold:  o.ZeroThreshold,
		PositiveBucket: metricdata.ExponentialBucket{Offset: o.Positive.Offset, Counts: o.Positive.BucketCounts},
		NegativeBucket: metricdata.ExponentialBucket{Offset: o.Negative.Offset, Counts: o.Negative.BucketCounts},
		Exemplars:      exemplars(s),
	}
	if o.Count > 0 && !math.IsNaN(o.Min) {
		dp.Min, dp.Max = metricdata.NewExtrema(o.Min), metricdata.NewExtrema(o.Max)
	}
	return dp
}

func (p *producer) classicPoint(s *abacus.Series, now time.Time) metricdata.HistogramDataPoint[float64] {
	buckets, sum := s.Histogram.Classic(nil) // cumulative, +Inf last
	dp := metricdata.HistogramDataPoint[float64]{
		Attributes:   attributes(s),
		StartTime:    p.started(s),
		Time:         now,
		Count:        buckets[len(buckets)-1].Count,
		Sum:          sum,
		Bounds:       make([]float64, 0, len(buckets)-1),
		BucketCounts: make([]uint64, len(buckets)),
		Exemplars:    exemplars(s),
	}
	var below uint64
	for i, b := range buckets {
		if i < len(buckets)-1 {
			dp.Bounds = append(dp.Bounds, b.UpperBound)
		}
		dp.BucketCounts[i] = b.Count - below
		below = b.Count
	}
	return dp
}

// attributes returns a series' labels as attributes, those with empty
// values left out.
func attributes(s *abacus.Series) attribute.Set {
	kvs := make([]attribute.KeyValue, 0, s.Labels.Len())
	for k, v := range s.Labels.All() {
		if v != "" {
			kvs = append(kvs, attribute.String(k, v))
		}
	}
	return attribute.NewSet(kvs...)
}

func exemplars(s *abacus.Series) []metricdata.Exemplar[float64] {
	var out []metricdata.Exemplar[float64]
	for _, x := range s.Histogram.Exemplars(nil) {
		out = append(out, exemplar(x))
	}
	return out
}

// exemplar converts an Abacus exemplar: trace_id and span_id labels of the
// right length in hex are the IDs, other labels filtered attributes.
func exemplar(x *abacus.Exemplar) metricdata.Exemplar[float64] {
	e := metricdata.Exemplar[float64]{Time: x.Time, Value: x.Value}
	for _, l := range x.Labels {
		switch id, err := hex.DecodeString(l.Value); {
		case l.Name == "trace_id" && err == nil && len(id) == 16:
			e.TraceID = id
		case l.Name == "span_id" && err == nil && len(id) == 8:
			e.SpanID = id
		default:
			e.FilteredAttributes = append(e.FilteredAttributes, attribute.String(l.Name, l.Value))
		}
	}
	return e
}
