package bench

import (
	"context"
	"testing"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/otelbridge"
	"go.opentelemetry.io/otel/attribute"
	otelmetric "go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// otelProviders are the two MeterProviders the OpenTelemetry API
// benchmarks compare: Abacus's (otelbridge, over a registry) and the SDK's
// (its default aggregations, read by a ManualReader; histograms as
// base-2 exponential histograms, the SDK's MaxSize 160 and MaxScale 20).
func otelProviders() []struct {
	name string
	mp   otelmetric.MeterProvider
} {
	sdk := sdkmetric.NewMeterProvider(
		sdkmetric.WithReader(sdkmetric.NewManualReader()),
		sdkmetric.WithView(sdkmetric.NewView(sdkmetric.Instrument{Kind: sdkmetric.InstrumentKindHistogram},
			sdkmetric.Stream{Aggregation: sdkmetric.AggregationBase2ExponentialHistogram{MaxSize: 160, MaxScale: 20}})))
	return []struct {
		name string
		mp   otelmetric.MeterProvider
	}{
		{"impl=abacus", otelbridge.NewMeterProvider(abacus.NewRegistry())},
		{"impl=otel", sdk},
	}
}

// otelSet is the attribute set every API benchmark records with, built
// once, as OpenTelemetry recommends for hot paths. Passing it as one
// variadic argument makes the caller allocate the []AddOption (Go's
// escape analysis cannot see through the interface method), whoever
// implements the API; passing a prebuilt slice (otelOpts...) does not.
var (
	otelSet = otelmetric.WithAttributeSet(attribute.NewSet(
		attribute.String("http.request.method", "GET"), attribute.Int("http.response.status_code", 200)))
	otelOpts       = []otelmetric.AddOption{otelSet}
	otelRecordOpts = []otelmetric.RecordOption{otelSet}
)

// BenchmarkOTelCounterAdd: Int64Counter.Add(ctx, 1, prebuilt set) through
// the OpenTelemetry metrics API, from every goroutine (-cpu 1,2).
func BenchmarkOTelCounterAdd(b *testing.B) {
	for _, p := range otelProviders() {
		c, err := p.mp.Meter("bench").Int64Counter("requests")
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		b.Run(p.name+"/opts=slice", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					c.Add(ctx, 1, otelOpts...)
				}
			})
		})
		b.Run(p.name+"/opts=one", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					c.Add(ctx, 1, otelSet)
				}
			})
		})
	}
}

// BenchmarkOTelHistogramRecord: Float64Histogram.Record with the prebuilt
// set, values cycling through the histogram benchmarks' lognormal
// latencies (seconds).
func BenchmarkOTelHistogramRecord(b *testing.B) {
	for _, p := range otelProviders() {
		h, err := p.mp.Meter("bench").Float64Histogram("latency", otelmetric.WithUnit("s"))
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		b.Run(p.name+"/opts=slice", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for i := 0; pb.Next(); i++ {
					h.Record(ctx, workload[i&(len(workload)-1)], otelRecordOpts...)
				}
			})
		})
	}
}
