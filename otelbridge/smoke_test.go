package otelbridge_test

import (
	"context"
	"os"
	"testing"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/expo"
	"github.com/abacusgo/abacus/otelbridge"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

func TestSmoke(t *testing.T) {
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	mp := otelbridge.NewMeterProvider(reg)
	m := mp.Meter("smoke")
	ctx := context.Background()
	c, _ := m.Float64Counter("bytes.sent", metric.WithUnit("By"), metric.WithDescription("Bytes."))
	c.Add(ctx, 1.5, metric.WithAttributes(attribute.String("peer", "a")))
	c.Add(ctx, -1, metric.WithAttributes(attribute.String("peer", "a")))
	c.Add(ctx, 2, metric.WithAttributes(attribute.String("peer", "b"), attribute.Bool("x", true)))
	u, _ := m.Int64UpDownCounter("queue.length")
	u.Add(ctx, 5)
	u.Add(ctx, -2)
	g, _ := m.Float64Gauge("temperature", metric.WithUnit("Cel"))
	g.Record(ctx, 21.5, metric.WithAttributes(attribute.Int("room", 1)))
	h, _ := m.Float64Histogram("http.server.request.duration", metric.WithUnit("s"), metric.WithExplicitBucketBoundaries(0.1, 1))
	h.Record(ctx, 0.05, metric.WithAttributes(attribute.String("http.request.method", "GET"), attribute.Int("http.response.status_code", 200)))
	h.Record(ctx, 0.5, metric.WithAttributes(attribute.String("http.request.method", "GET"), attribute.Int("http.response.status_code", 200)))
	oc, _ := m.Int64ObservableCounter("process.cpu.time", metric.WithUnit("s"), metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
		o.Observe(42, metric.WithAttributes(attribute.String("mode", "user")))
		o.Observe(7, metric.WithAttributes(attribute.String("mode", "system")))
		return nil
	}))
	og, _ := m.Float64ObservableGauge("memory.usage", metric.WithUnit("By"))
	reg1, err := m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		o.ObserveFloat64(og, 1024)
		o.ObserveInt64(oc, 1)
		return nil
	}, og)
	if err != nil {
		t.Fatal(err)
	}
	_ = expo.WriteText(os.Stdout, reg)
	reg1.Unregister()
	_ = expo.WriteText(os.Stdout, reg)
	t.Logf("%+v", mp.Stats())
}
