package lint

import (
	"fmt"
	"slices"
	"testing"
)

func TestCheck(t *testing.T) {
	cases := []struct {
		f    Family
		want []string // rule names, in order
	}{
		{Family{Name: "http_requests_total", Type: "counter", HasHelp: true}, nil},
		{Family{Name: "http_requests", Type: "counter", HasHelp: true}, []string{"counter-total"}},
		{Family{Name: "temp_total", Type: "gauge", HasHelp: true}, []string{"counter-total"}},
		{Family{Name: "x_total", Type: "untyped", HasHelp: true}, nil},
		{Family{Name: "no_help_total", Type: "counter"}, []string{"help"}},
		{Family{Name: "latency_milliseconds", Type: "histogram", HasHelp: true}, []string{"base-units"}},
		{Family{Name: "size_bits", Type: "gauge", HasHelp: true}, []string{"base-units"}},
		{Family{Name: "depth_bucket", Type: "gauge", HasHelp: true}, []string{"reserved-suffix"}},
		{Family{Name: "depth_count", Type: "summary", HasHelp: true}, nil},
		{Family{Name: "depth", Type: "gauge", HasHelp: true, LabelNames: []string{"le"}}, []string{"reserved-suffix"}},
		{Family{Name: "depth", Type: "histogram", HasHelp: true, LabelNames: []string{"quantile"}}, []string{"reserved-suffix"}},
		{Family{Name: "queue_gauge", Type: "gauge", HasHelp: true}, []string{"type-in-name"}},
		{Family{Name: "rule:ratio", Type: "gauge", HasHelp: true}, []string{"colon"}},
		{Family{Name: "requestCount_total", Type: "counter", HasHelp: true}, []string{"snake-case"}},
		{Family{Name: "x_total", Type: "counter", HasHelp: true, LabelNames: []string{"statusCode"}}, []string{"snake-case"}},
		{Family{Name: "latency_ms", Type: "gauge", HasHelp: true}, []string{"unit-abbreviation"}},
		{Family{Name: "go_memstats_alloc_bytes_total", Type: "counter", HasHelp: true}, nil},
	}
	names := map[string]bool{}
	for _, r := range Rules() {
		names[r.Name] = true
	}
	for _, c := range cases {
		var got []string
		for _, p := range Check(c.f) {
			if !names[p.Rule] {
				t.Errorf("%s: rule %q is not in Rules()", c.f.Name, p.Rule)
			}
			if p.Metric != c.f.Name || p.Text == "" || p.String() == "" {
				t.Errorf("%s: problem %+v", c.f.Name, p)
			}
			got = append(got, p.Rule)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s (%s): %v; want %v", c.f.Name, c.f.Type, got, c.want)
		}
	}
}

func ExampleCheck() {
	for _, p := range Check(Family{Name: "latency_ms", Type: "gauge", HasHelp: true}) {
		fmt.Println(p.Rule, "-", p.String())
	}
	// Output: unit-abbreviation - latency_ms: metric names should not contain abbreviated units
}
