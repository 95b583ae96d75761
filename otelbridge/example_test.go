package otelbridge_test

import (
	"context"
	"fmt"
	"os"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/expo"
	"github.com/abacusgo/abacus/otelbridge"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// Code instrumented with the OpenTelemetry API records into an Abacus
// registry, which serves it in every Abacus format.
func ExampleNewMeterProvider() {
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	mp := otelbridge.NewMeterProvider(reg) // or otel.SetMeterProvider(mp)

	meter := mp.Meter("example.com/shop")
	orders, _ := meter.Int64Counter("shop.orders", metric.WithDescription("Orders placed."), metric.WithUnit("{order}"))
	stock, _ := meter.Int64UpDownCounter("shop.stock", metric.WithDescription("Items in stock."))

	// On hot paths, build the attribute set, and the option slice, once.
	books := []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(attribute.String("shelf", "books")))}
	ctx := context.Background()
	orders.Add(ctx, 2, books...)
	orders.Add(ctx, 1, metric.WithAttributes(attribute.String("shelf", "games")))
	stock.Add(ctx, 10, books...)
	stock.Add(ctx, -2, books...)

	_ = expo.WriteText(os.Stdout, reg)
	// Output:
	// # HELP shop_orders_total Orders placed.
	// # TYPE shop_orders_total counter
	// shop_orders_total{shelf="books"} 2
	// shop_orders_total{shelf="games"} 1
	// # HELP shop_stock Items in stock.
	// # TYPE shop_stock gauge
	// shop_stock{shelf="books"} 8
}

// WithAttributeKeys fixes a family's label names: measurements without a
// key get "", and keys beyond them are counted and logged, their values
// still recorded.
func ExampleWithAttributeKeys() {
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	mp := otelbridge.NewMeterProvider(reg,
		otelbridge.WithAttributeKeys("jobs.done", "queue", "outcome"),
		otelbridge.WithLogger(discard))
	jobs, _ := mp.Meter("worker").Int64Counter("jobs.done")
	ctx := context.Background()
	jobs.Add(ctx, 3, metric.WithAttributes(attribute.String("queue", "email"), attribute.String("outcome", "ok")))
	jobs.Add(ctx, 1, metric.WithAttributes(attribute.String("queue", "email")))
	jobs.Add(ctx, 1, metric.WithAttributes(attribute.String("queue", "sms"), attribute.String("outcome", "ok"), attribute.String("job.id", "42")))

	_ = expo.WriteText(os.Stdout, reg)
	fmt.Printf("%+v\n", mp.Stats())
	// Output:
	// # HELP abacus_otel_attribute_keys_dropped_total Attribute keys of OpenTelemetry measurements whose family has no label for them: the measurements were recorded without them. Declare an instrument's keys with otelbridge.WithAttributeKeys.
	// # TYPE abacus_otel_attribute_keys_dropped_total counter
	// abacus_otel_attribute_keys_dropped_total{instrument="jobs.done"} 1
	// # TYPE jobs_done_total counter
	// jobs_done_total{queue="email",outcome=""} 1
	// jobs_done_total{queue="email",outcome="ok"} 3
	// jobs_done_total{queue="sms",outcome="ok"} 1
	// {DroppedKeys:1 Negative:0 Invalid:0 Unregistered:0 CallbackErrors:0}
}

// An OpenTelemetry SDK pipeline carries a registry's metrics: here a
// ManualReader; a PeriodicReader with any exporter takes the producer the
// same way.
func ExampleNewProducer() {
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	requests := abacus.Must(reg.CounterVec(abacus.Opts{Name: "http_requests_total", Help: "Requests."}, "code"))
	requests.With("200").Add(41)
	requests.With("500").Inc()
	latency := abacus.Must(reg.Histogram(abacus.HistogramOpts{Opts: abacus.Opts{Name: "http_latency_seconds", Help: "Latency.", Unit: "seconds"}}))
	latency.Observe(0.25)
	latency.Observe(0.5)

	reader := sdkmetric.NewManualReader(sdkmetric.WithProducer(otelbridge.NewProducer(reg)))
	_ = sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		fmt.Println(err)
		return
	}
	for _, sm := range rm.ScopeMetrics {
		fmt.Println("scope", sm.Scope.Name)
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[float64]:
				for _, p := range d.DataPoints {
					code, _ := p.Attributes.Value("code")
					fmt.Printf("%s{code=%s} %v monotonic=%v\n", m.Name, code.AsString(), p.Value, d.IsMonotonic)
				}
			case metricdata.ExponentialHistogram[float64]:
				for _, p := range d.DataPoints {
					lo, _ := p.Min.Value()
					hi, _ := p.Max.Value()
					fmt.Printf("%s [%s] count=%d sum=%v min=%v max=%v scale=%d\n", m.Name, m.Unit, p.Count, p.Sum, lo, hi, p.Scale)
				}
			}
		}
	}
	// Output:
	// scope github.com/abacusgo/abacus
	// http_latency_seconds [s] count=2 sum=0.75 min=0.25 max=0.5 scale=6
	// http_requests_total{code=200} 41 monotonic=true
	// http_requests_total{code=500} 1 monotonic=true
}
