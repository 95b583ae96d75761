package otelbridge_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/histogram"
	"github.com/abacusgo/abacus/otelbridge"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
)

var (
	created   = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC) // the registry's clock: series creation
	started   = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)  // the producer's start
	collected = time.Date(2026, 12, 1, 11, 0, 0, 0, time.UTC) // the collection
)

const (
	traceHex = "0102030405060708090a0b0c0d0e0f10"
	spanHex  = "1112131415161718"
)

var (
	traceID = []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	spanID  = []byte{0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18}
)

// knownRegistry returns a registry holding one family of every type, with
// known values.
func knownRegistry(t *testing.T) (*abacus.Registry, *abacus.Counter, *abacus.Histogram) {
	t.Helper()
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics(), abacus.WithClock(func() time.Time { return created }))
	jobs := abacus.Must(reg.CounterVec(abacus.Opts{Name: "jobs_total", Help: "Jobs done.", ConstLabels: map[string]string{"service": "api"}}, "queue", "tenant"))
	email := jobs.With("email", "")
	email.Add(3)
	if err := email.AddWithExemplar(2, map[string]string{"trace_id": traceHex, "span_id": spanHex, "user": "ann"}); err != nil {
		t.Fatal(err)
	}
	temp := abacus.Must(reg.Gauge(abacus.Opts{Name: "room_temperature_celsius", Help: "Temperature.", Unit: "celsius"}))
	temp.Set(21.5)
	lat := abacus.Must(reg.Histogram(abacus.HistogramOpts{Opts: abacus.Opts{Name: "latency_seconds", Help: "Latency.", Unit: "seconds"}, Buckets: []float64{0.25, 1}}))
	for _, v := range []float64{0.5, 2, 2, 4, 0, -1} {
		lat.Observe(v)
	}
	if err := lat.ObserveWithExemplar(0.125, map[string]string{"trace_id": traceHex, "span_id": spanHex}); err != nil {
		t.Fatal(err)
	}
	abacus.Must(0, reg.CounterFunc(abacus.Opts{Name: "ticks_total", Help: "Ticks."}, func() float64 { return 9 }))
	abacus.Must(0, reg.SummaryFunc(abacus.Opts{Name: "gc_seconds", Help: "GC pauses.", Unit: "seconds"}, func() abacus.Summary {
		return abacus.Summary{Quantiles: []abacus.Quantile{{Q: 0.5, Value: 0.001}, {Q: 1, Value: 0.01}}, Sum: 0.05, Count: 20}
	}))
	return reg, email, lat
}

// bucketIndex is the OTLP exponential bucket index of 2^k at scale: the
// bucket (base^i, base^(i+1)] holding it, base = 2^(2^-scale).
func bucketIndex(k, scale int) int32 { return int32(k<<scale - 1) }

func TestProducerManualReader(t *testing.T) {
	reg, email, lat := knownRegistry(t)
	r := sdkmetric.NewManualReader(sdkmetric.WithProducer(
		otelbridge.NewProducer(reg, otelbridge.WithProducerClock(clock(started, collected)))))
	_ = sdkmetric.NewMeterProvider(sdkmetric.WithReader(r)) // a reader collects once registered
	var rm metricdata.ResourceMetrics
	if err := r.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	if len(rm.ScopeMetrics) != 1 {
		t.Fatalf("got %d scopes; want 1 (the SDK has no instruments of its own here)", len(rm.ScopeMetrics))
	}

	scale := reg.Family("latency_seconds").Schema()
	if scale != histogram.DefaultScale {
		t.Fatalf("scale %d; want the default %d", scale, histogram.DefaultScale)
	}
	// Observations 0.5, 2, 2, 4, 0, -1, 0.125 at the default scale.
	pos := map[int32]uint64{bucketIndex(-3, scale): 1, bucketIndex(-1, scale): 1, bucketIndex(1, scale): 2, bucketIndex(2, scale): 1}
	offset := bucketIndex(-3, scale)
	counts := make([]uint64, bucketIndex(2, scale)-offset+1)
	for i, c := range pos {
		counts[i-offset] = c
	}
	xHist := lat.Exemplar(0, 0.25)
	xJobs := email.Exemplar()
	want := metricdata.ScopeMetrics{
		Scope: instrumentation.Scope{Name: otelbridge.ScopeName},
		Metrics: []metricdata.Metrics{
			{Name: "gc_seconds", Description: "GC pauses.", Unit: "s", Data: metricdata.Summary{DataPoints: []metricdata.SummaryDataPoint{{
				Attributes: *attribute.EmptySet(), StartTime: started, Time: collected, Count: 20, Sum: 0.05,
				QuantileValues: []metricdata.QuantileValue{{Quantile: 0.5, Value: 0.001}, {Quantile: 1, Value: 0.01}},
			}}}},
			{Name: "jobs_total", Description: "Jobs done.", Data: metricdata.Sum[float64]{
				Temporality: metricdata.CumulativeTemporality, IsMonotonic: true,
				DataPoints: []metricdata.DataPoint[float64]{{
					// tenant="" is absent, as in Prometheus
					Attributes: attribute.NewSet(attribute.String("queue", "email"), attribute.String("service", "api")),
					StartTime:  created, Time: collected, Value: 5,
					Exemplars: []metricdata.Exemplar[float64]{{
						FilteredAttributes: []attribute.KeyValue{attribute.String("user", "ann")},
						Time:               xJobs.Time, Value: 2, TraceID: traceID, SpanID: spanID,
					}},
				}},
			}},
			{Name: "latency_seconds", Description: "Latency.", Unit: "s", Data: metricdata.ExponentialHistogram[float64]{
				Temporality: metricdata.CumulativeTemporality,
				DataPoints: []metricdata.ExponentialHistogramDataPoint[float64]{{
					Attributes: *attribute.EmptySet(), StartTime: created, Time: collected,
					Count: 7, Sum: 0.5 + 2 + 2 + 4 + 0 - 1 + 0.125,
					Min: metricdata.NewExtrema(-1.0), Max: metricdata.NewExtrema(4.0),
					Scale: int32(scale), ZeroCount: 1, ZeroThreshold: histogram.MinValue,
					PositiveBucket: metricdata.ExponentialBucket{Offset: offset, Counts: counts},
					NegativeBucket: metricdata.ExponentialBucket{Offset: bucketIndex(0, scale), Counts: []uint64{1}},
					Exemplars:      []metricdata.Exemplar[float64]{{Time: xHist.Time, Value: 0.125, TraceID: traceID, SpanID: spanID}},
				}},
			}},
			{Name: "room_temperature_celsius", Description: "Temperature.", Unit: "Cel", Data: metricdata.Gauge[float64]{
				DataPoints: []metricdata.DataPoint[float64]{{Attributes: *attribute.EmptySet(), Time: collected, Value: 21.5}},
			}},
			{Name: "ticks_total", Description: "Ticks.", Data: metricdata.Sum[float64]{
				Temporality: metricdata.CumulativeTemporality, IsMonotonic: true,
				DataPoints: []metricdata.DataPoint[float64]{{Attributes: *attribute.EmptySet(), StartTime: started, Time: collected, Value: 9}},
			}},
		},
	}
	metricdatatest.AssertEqual(t, want, rm.ScopeMetrics[0])

	// The exponential buckets are the histogram's own, unchanged.
	o := lat.Snapshot().OTLP()
	got := rm.ScopeMetrics[0].Metrics[2].Data.(metricdata.ExponentialHistogram[float64]).DataPoints[0]
	if o.Scale != got.Scale || o.Positive.Offset != got.PositiveBucket.Offset || o.Negative.Offset != got.NegativeBucket.Offset ||
		o.ZeroThreshold != got.ZeroThreshold || o.ZeroCount != got.ZeroCount {
		t.Errorf("exported %+v; the histogram's OTLP form is %+v", got, o)
	}
}

func TestProducerClassicHistograms(t *testing.T) {
	reg, _, lat := knownRegistry(t)
	p := otelbridge.NewProducer(reg, otelbridge.WithClassicHistograms(), otelbridge.WithProducerClock(clock(started, collected)),
		otelbridge.WithFilter(func(f *abacus.Family) bool { return f.Type() == abacus.TypeHistogram }),
		otelbridge.WithMetricName(func(f *abacus.Family) string { return "app." + f.Name() }))
	sms, err := p.Produce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	xHist := lat.Exemplar(0, 0.25)
	want := metricdata.ScopeMetrics{
		Scope: instrumentation.Scope{Name: otelbridge.ScopeName},
		Metrics: []metricdata.Metrics{{Name: "app.latency_seconds", Description: "Latency.", Unit: "s", Data: metricdata.Histogram[float64]{
			Temporality: metricdata.CumulativeTemporality,
			DataPoints: []metricdata.HistogramDataPoint[float64]{{
				Attributes: *attribute.EmptySet(), StartTime: created, Time: collected,
				Count: 7, Sum: 0.5 + 2 + 2 + 4 + 0 - 1 + 0.125,
				// ≤0.25: -1, 0, 0.125; ≤1: 0.5; above: 2, 2, 4
				Bounds: []float64{0.25, 1}, BucketCounts: []uint64{3, 1, 3},
				Exemplars: []metricdata.Exemplar[float64]{{Time: xHist.Time, Value: 0.125, TraceID: traceID, SpanID: spanID}},
			}},
		}}},
	}
	if len(sms) != 1 {
		t.Fatalf("%d scopes; want 1", len(sms))
	}
	metricdatatest.AssertEqual(t, want, sms[0])
}

func TestProducerCanceled(t *testing.T) {
	reg, _, _ := knownRegistry(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := otelbridge.NewProducer(reg).Produce(ctx); err == nil {
		t.Fatal("Produce with a canceled context: no error")
	}
}

func TestProducerEmptyHistogram(t *testing.T) {
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	abacus.Must(reg.Histogram(abacus.HistogramOpts{Opts: abacus.Opts{Name: "idle_seconds", Help: "Idle."}}))
	sms, err := otelbridge.NewProducer(reg).Produce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	dp := sms[0].Metrics[0].Data.(metricdata.ExponentialHistogram[float64]).DataPoints[0]
	if _, ok := dp.Min.Value(); ok || dp.Count != 0 || !(dp.Sum == 0) || math.Signbit(dp.Sum) {
		t.Fatalf("empty histogram: %+v; want count 0, sum 0, no min or max", dp)
	}
}

// clock returns a clock that reads first, then next at every later call.
func clock(first, next time.Time) func() time.Time {
	calls := 0
	return func() time.Time {
		calls++
		if calls == 1 {
			return first
		}
		return next
	}
}
