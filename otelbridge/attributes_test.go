package otelbridge_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/abacustest"
	"github.com/abacusgo/abacus/otelbridge"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// TestLearnedKeys: without a declaration, the label names are the sorted
// keys of the first measurement; a missing key is "", an extra key is
// dropped (the value still counts), counted per measurement and logged
// once per key.
func TestLearnedKeys(t *testing.T) {
	ctx := context.Background()
	reg, mp, m, log := newProvider(t)
	c, _ := m.Int64Counter("jobs")
	c.Add(ctx, 1, attrs(attribute.String("queue", "email"), attribute.String("priority", "high")))
	c.Add(ctx, 2, attrs(attribute.String("queue", "email")))
	for range 3 {
		c.Add(ctx, 10, attrs(attribute.String("queue", "email"), attribute.String("priority", "high"), attribute.String("tenant", "t1")))
	}
	c.Add(ctx, 100, attrs(attribute.String("queue", "email"), attribute.String("priority", "high"), attribute.String("tenant", "t2"), attribute.Int("shard", 3)))
	if got := reg.Family("jobs_total").LabelNames(); !slices.Equal(got, []string{"priority", "queue"}) {
		t.Fatalf("label names %v; want [priority queue] (the first measurement's, sorted)", got)
	}
	for _, tc := range []struct {
		labels []string
		want   float64
	}{
		{[]string{"priority", "high", "queue", "email"}, 131}, // tenant and shard dropped, values kept
		{[]string{"priority", "", "queue", "email"}, 2},       // priority missing: ""
	} {
		if v, err := abacustest.Value(reg, "jobs_total", tc.labels...); err != nil || v != tc.want {
			t.Errorf("jobs_total%v = %v, %v; want %v", tc.labels, v, err, tc.want)
		}
	}
	if st := mp.Stats(); st.DroppedKeys != 5 {
		t.Errorf("dropped keys %d; want 5 (tenant ×4, shard ×1)", st.DroppedKeys)
	}
	if v, err := abacustest.Value(reg, "abacus_otel_attribute_keys_dropped_total", "instrument", "jobs"); err != nil || v != 5 {
		t.Errorf("abacus_otel_attribute_keys_dropped_total = %v, %v; want 5", v, err)
	}
	for _, key := range []string{"key=tenant", "key=shard"} {
		if n := strings.Count(log.String(), key); n != 1 {
			t.Errorf("%s logged %d times; want once:\n%s", key, n, log)
		}
	}
	if !strings.Contains(log.String(), "WithAttributeKeys") {
		t.Errorf("the log does not name WithAttributeKeys:\n%s", log)
	}
}

// TestDeclaredKeys: WithAttributeKeys fixes the label names in its order,
// registers the family at once, and replaces a built-in declaration.
func TestDeclaredKeys(t *testing.T) {
	ctx := context.Background()
	reg, _, m, _ := newProvider(t,
		otelbridge.WithAttributeKeys("jobs", "tenant", "queue.name", "queue_name"),
		otelbridge.WithAttributeKeys("http.server.request.duration", "http.route"),
		otelbridge.WithAttributeKeys("plain"))
	c, _ := m.Int64Counter("jobs")
	if got := reg.Family("jobs_total").LabelNames(); !slices.Equal(got, []string{"tenant", "queue_name"}) {
		t.Errorf("jobs_total label names %v; want [tenant queue_name] before any measurement", got)
	}
	c.Add(ctx, 1, attrs(attribute.String("queue_name", "b"), attribute.String("queue.name", "a")))
	if v, err := abacustest.Value(reg, "jobs_total", "tenant", "", "queue_name", "a;b"); err != nil || v != 1 {
		t.Errorf("two keys of one label: %v, %v; want the values joined in key order", v, err)
	}
	h, _ := m.Float64Histogram("http.server.request.duration", metric.WithUnit("s"))
	h.Record(ctx, 0.1, attrs(attribute.String("http.route", "/users")))
	if got := reg.Family("http_server_request_duration_seconds").LabelNames(); !slices.Equal(got, []string{"http_route"}) {
		t.Errorf("declared over built-in: label names %v; want [http_route]", got)
	}
	p, _ := m.Int64Counter("plain")
	p.Add(ctx, 1, attrs(attribute.String("x", "y")))
	if got := reg.Family("plain_total").LabelNames(); len(got) != 0 {
		t.Errorf("declared with no keys: label names %v; want none", got)
	}
}

// TestBuiltinKeys: the semantic-convention HTTP instruments have their
// attribute keys declared.
func TestBuiltinKeys(t *testing.T) {
	keys := otelbridge.BuiltinAttributeKeys()
	for _, name := range []string{"http.server.request.duration", "http.server.request.body.size", "http.server.response.body.size",
		"http.server.active_requests", "http.client.request.duration", "http.client.request.body.size", "http.client.response.body.size",
		"http.client.active_requests", "http.client.connection.duration", "http.client.open_connections"} {
		if len(keys[name]) == 0 {
			t.Errorf("no built-in keys for %s", name)
		}
	}
	if !slices.Contains(keys["http.server.request.duration"], "http.route") || slices.Contains(keys["http.client.request.duration"], "http.route") {
		t.Errorf("http.route: server %v, client %v", keys["http.server.request.duration"], keys["http.client.request.duration"])
	}
	keys["http.server.request.duration"][0] = "changed" // a copy
	if otelbridge.BuiltinAttributeKeys()["http.server.request.duration"][0] == "changed" {
		t.Error("BuiltinAttributeKeys returns shared slices")
	}
}

// TestCardinalityLimit: the family's own limit applies; beyond it, sets
// share the overflow series and every value still counts.
func TestCardinalityLimit(t *testing.T) {
	ctx := context.Background()
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics(), abacus.WithCardinalityLimit(3))
	m := otelbridge.NewMeterProvider(reg, otelbridge.WithLogger(discard)).Meter("test")
	c, _ := m.Int64Counter("hits")
	for i := range 10 {
		for range 2 { // the second time from the cache
			c.Add(ctx, 1, attrs(attribute.Int("user", i)))
		}
	}
	samples, err := abacustest.Samples(reg, "hits_total")
	if err != nil {
		t.Fatal(err)
	}
	var total float64
	var over []float64
	for _, s := range samples {
		total += s.Value
		if s.Overflow {
			over = append(over, s.Value)
		}
	}
	if len(samples) != 4 || total != 20 || !slices.Equal(over, []float64{14}) {
		t.Errorf("%d series, total %v, overflow %v; want 3 + overflow, 20, [14]", len(samples), total, over)
	}
	if limit, _ := reg.Family("hits_total").Dropped(); limit == 0 {
		t.Error("Family.Dropped counts no label set sent to the overflow series")
	}
}

// TestInvalidUTF8: a label value that is not UTF-8 goes to the overflow
// series, as the registry does with any invalid label value.
func TestInvalidUTF8(t *testing.T) {
	reg, _, m, _ := newProvider(t)
	c, _ := m.Int64Counter("hits")
	c.Add(context.Background(), 1, attrs(attribute.String("k", "\xff")))
	s, err := abacustest.Samples(reg, "hits_total")
	if err != nil || len(s) != 1 || !s[0].Overflow || s[0].Value != 1 {
		t.Errorf("samples %+v, %v; want one overflow series of 1", s, err)
	}
}

// TestManySets: more attribute sets than the cache holds still record
// exactly (uncached, at a label lookup each).
func TestManySets(t *testing.T) {
	ctx := context.Background()
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics(), abacus.WithCardinalityLimit(10))
	m := otelbridge.NewMeterProvider(reg, otelbridge.WithLogger(discard)).Meter("test")
	c, _ := m.Int64Counter("hits", metric.WithDescription("Hits."))
	sets := make([]metric.AddOption, 500) // beyond the cache's 2×limit+64
	for i := range sets {
		sets[i] = attrs(attribute.String("user", fmt.Sprint(i)), attribute.String("extra", "x"))
	}
	for range 3 {
		for _, s := range sets {
			c.Add(ctx, 1, s)
		}
	}
	var total float64
	samples, _ := abacustest.Samples(reg, "hits_total")
	for _, s := range samples {
		total += s.Value
	}
	if total != 1500 {
		t.Errorf("total %v; want 1500", total)
	}
}
