package otelbridge_test

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/otelbridge"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// The benchmarks compare this package's MeterProvider with the SDK's on the
// same instrument, attribute set and values, through the same API calls.
// The SDK's histograms are base-2 exponential (MaxSize 160, MaxScale 20).
// Each runs two call forms: one prebuilt option, c.Add(ctx, 1, opt), which
// costs the caller one allocation for the variadic slice whatever the
// implementation, and a prebuilt option slice, c.Add(ctx, 1, opts...),
// which costs none.

func providers() []struct {
	name string
	mp   metric.MeterProvider
} {
	sdk := sdkmetric.NewMeterProvider(
		sdkmetric.WithReader(sdkmetric.NewManualReader()),
		sdkmetric.WithView(sdkmetric.NewView(sdkmetric.Instrument{Kind: sdkmetric.InstrumentKindHistogram},
			sdkmetric.Stream{Aggregation: sdkmetric.AggregationBase2ExponentialHistogram{MaxSize: 160, MaxScale: 20}})))
	return []struct {
		name string
		mp   metric.MeterProvider
	}{
		{"impl=abacus", otelbridge.NewMeterProvider(abacus.NewRegistry())},
		{"impl=otel", sdk},
	}
}

var benchSet = attribute.NewSet(attribute.String("http.request.method", "GET"), attribute.Int("http.response.status_code", 200))

// latencies are lognormal values around 10 ms, in seconds.
var latencies = func() []float64 {
	r := rand.New(rand.NewPCG(1, 2))
	v := make([]float64, 1024)
	for i := range v {
		v[i] = math.Exp(math.Log(0.01) + r.NormFloat64())
	}
	return v
}()

func BenchmarkCounterAdd(b *testing.B) {
	opt := metric.WithAttributeSet(benchSet)
	opts := []metric.AddOption{opt}
	for _, p := range providers() {
		c, err := p.mp.Meter("bench").Int64Counter("requests")
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		b.Run(p.name+"/call=opt", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					c.Add(ctx, 1, opt)
				}
			})
		})
		b.Run(p.name+"/call=opts", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					c.Add(ctx, 1, opts...)
				}
			})
		})
	}
}

func BenchmarkHistogramRecord(b *testing.B) {
	opt := metric.WithAttributeSet(benchSet)
	opts := []metric.RecordOption{opt}
	for _, p := range providers() {
		h, err := p.mp.Meter("bench").Float64Histogram("latency", metric.WithUnit("s"))
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		b.Run(p.name+"/call=opt", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for i := 0; pb.Next(); i++ {
					h.Record(ctx, latencies[i&(len(latencies)-1)], opt)
				}
			})
		})
		b.Run(p.name+"/call=opts", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for i := 0; pb.Next(); i++ {
					h.Record(ctx, latencies[i&(len(latencies)-1)], opts...)
				}
			})
		})
	}
}

// BenchmarkCounterAddSampled is Add in the context of a sampled span: the
// cost of an exemplar.
func BenchmarkCounterAddSampled(b *testing.B) {
	ctx, _ := sampled()
	opts := []metric.AddOption{metric.WithAttributeSet(benchSet)}
	c, _ := otelbridge.NewMeterProvider(abacus.NewRegistry()).Meter("bench").Int64Counter("requests")
	b.ReportAllocs()
	for b.Loop() {
		c.Add(ctx, 1, opts...)
	}
}

// BenchmarkProduce is one collection of 1,000 counter series and 100
// histogram series through the Producer.
func BenchmarkProduce(b *testing.B) {
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	c := abacus.Must(reg.CounterVec(abacus.Opts{Name: "requests_total", Help: "Requests."}, "route"))
	h := abacus.Must(reg.HistogramVec(abacus.HistogramOpts{Opts: abacus.Opts{Name: "latency_seconds", Help: "Latency.", Unit: "seconds"}}, "route"))
	for i := range 1000 {
		c.With(itoa(i)).Inc()
		if i < 100 {
			for _, v := range latencies[:64] {
				h.With(itoa(i)).Observe(v)
			}
		}
	}
	p := otelbridge.NewProducer(reg)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Produce(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
