package otelbridge_test

import (
	"context"
	"testing"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/abacustest"
	"github.com/abacusgo/abacus/otelbridge"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

func TestCounterAllocs(t *testing.T) {
	reg := abacus.NewRegistry()
	mp := otelbridge.NewMeterProvider(reg)
	c, err := mp.Meter("test").Int64Counter("requests", metric.WithDescription("Requests."))
	if err != nil {
		t.Fatal(err)
	}
	set := attribute.NewSet(attribute.String("route", "/users"), attribute.Int("code", 200))
	opt := metric.WithAttributeSet(set)
	ctx := context.Background()
	c.Add(ctx, 1, opt)
	if n := testing.AllocsPerRun(1000, func() { c.Add(ctx, 1, opt) }); n != 0 {
		t.Errorf("Add allocates %v times; want 0", n)
	}
	if v, err := abacustest.Value(reg, "requests_total", "route", "/users", "code", "200"); err != nil || v != 1002 {
		t.Fatalf("requests_total = %v, %v; want 1002", v, err)
	}
}
