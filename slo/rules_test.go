package slo

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/histogram"
)

func TestRules(t *testing.T) {
	obj := Objective{Name: "api", Target: 0.999}
	q := Query{Total: `http_server_requests_total{route="GET /api/{id}"}`, Errors: `http_server_errors_total{route="GET /api/{id}"}`}
	out, err := Rules(obj, q, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	for _, want := range []string{
		"record: slo:error_ratio:rate5m",
		"record: slo:error_ratio:rate3d",
		`expr: "sum(rate(http_server_errors_total{route=\"GET /api/{id}\"}[1h1ms])) / sum(rate(http_server_requests_total{route=\"GET /api/{id}\"}[1h1ms]))"`,
		`expr: "slo:error_ratio:rate1h{slo=\"api\"} >= (14.4 * 0.001) and slo:error_ratio:rate5m{slo=\"api\"} >= (14.4 * 0.001)"`,
		"keep_firing_for: 5m",
		`severity: "ticket"`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("rules lack %s:\n%s", want, text)
		}
	}
	if n := strings.Count(text, "- record:"); n != 7 {
		t.Errorf("%d recording rules; the workbook alerts use 7 distinct windows", n)
	}
	if n := strings.Count(text, "- alert:"); n != 4 {
		t.Errorf("%d alerting rules", n)
	}
	latency, err := Rules(Objective{Name: "api-latency", Target: 0.99}, Query{
		Total: "http_server_request_duration_seconds_count",
		Good:  `http_server_request_duration_seconds_bucket{le="0.25"}`,
	}, []Alert{{Severity: "page", Factor: 10, Long: time.Hour, Short: 5 * time.Minute}}, 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(latency), `"1 - sum(rate(http_server_request_duration_seconds_bucket{le=\"0.25\"}[5m1ms]))`) ||
		!strings.Contains(string(latency), "keep_firing_for: 10m") {
		t.Errorf("latency rules:\n%s", latency)
	}
	promtoolCheck(t, out, latency)

	for _, bad := range []Query{{}, {Total: "a"}, {Total: "a", Good: "b", Errors: "c"}, {Total: "a[5m]", Good: "b"}} {
		if _, err := Rules(obj, bad, nil, 0); err == nil {
			t.Errorf("Rules with %+v succeeded", bad)
		}
	}
}

// promtoolCheck runs promtool check rules on each file, when promtool is
// available: ./scripts/test installs it and sets ABACUS_PROMTOOL.
func promtoolCheck(t *testing.T, files ...[]byte) {
	bin := promtool(t)
	if bin == "" {
		return
	}
	dir := t.TempDir()
	var paths []string
	for i, f := range files {
		p := filepath.Join(dir, "rules"+string(rune('a'+i))+".yml")
		if err := os.WriteFile(p, f, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	out, err := exec.Command(bin, append([]string{"check", "rules"}, paths...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}
	t.Logf("promtool:\n%s", out)
}

// Latency rules read a histogram family, and refuse a threshold that is
// not one of its bucket boundaries.
func TestRulesOverHistograms(t *testing.T) {
	reg := abacus.NewRegistry()
	hv := abacus.Must(reg.HistogramVec(abacus.HistogramOpts{Opts: abacus.Opts{Name: "lat_seconds", Help: "h"},
		Buckets: []float64{0.1, 0.25, 1}}, "route"))
	f := hv.Family()
	obj := Objective{Name: "lat", Target: 0.99}
	alerts := []Alert{{Severity: "page", Factor: 10, Long: time.Hour, Short: 5 * time.Minute}}
	classic, err := Rules(obj, Query{Histogram: f, Matchers: `route="/a"`, Threshold: 0.25}, alerts, 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := `1 - sum(rate(lat_seconds_bucket{route=\"/a\",le=~\"0.25\"}[5m1ms])) / sum(rate(lat_seconds_count{route=\"/a\"}[5m1ms]))`; !strings.Contains(string(classic), want) {
		t.Errorf("classic rules lack %s:\n%s", want, classic)
	}
	whole, err := Rules(obj, Query{Histogram: f, Threshold: 1}, alerts, 0)
	if err != nil || !strings.Contains(string(whole), `le=~\"1|1.0\"`) {
		t.Errorf("a whole-number bound must match both text forms: %v\n%s", err, whole)
	}
	native, err := Rules(obj, Query{Histogram: f, Matchers: `route="/a"`, Threshold: 0.25, Native: true}, alerts, 0)
	if err != nil || !strings.Contains(string(native), `1 - histogram_fraction(-Inf, 0.25, sum(rate(lat_seconds{route=\"/a\"}[5m1ms])))`) {
		t.Errorf("native rules: %v\n%s", err, native)
	}
	promtoolCheck(t, classic, native)
	for name, q := range map[string]Query{
		"not a classic bound":    {Histogram: f, Threshold: 0.5},
		"not a native boundary":  {Histogram: f, Threshold: 0.1, Native: true},
		"not positive":           {Histogram: f, Threshold: 0},
		"not a histogram":        {Histogram: reg.Family("abacus_scrapes_total"), Threshold: 0.25},
		"counters and histogram": {Histogram: f, Threshold: 0.25, Total: "x"},
		"braces in the matchers": {Histogram: f, Threshold: 0.25, Matchers: `{a="b"}`},
	} {
		if _, err := Rules(obj, q, alerts, 0); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestClassicLatencySource(t *testing.T) {
	reg := abacus.NewRegistry()
	h := abacus.Must(reg.Histogram(abacus.HistogramOpts{Opts: abacus.Opts{Name: "op_seconds", Help: "h"}, Buckets: []float64{0.1, 1}}))
	for _, v := range []float64{0.05, 0.1, 0.2, 3} {
		h.Observe(v)
	}
	src := ClassicLatency(func() []histogram.ClassicBucket { b, _ := h.Classic(nil); return b }, 0.1)
	if good, total := src(); good != 2 || total != 4 {
		t.Fatalf("good %v total %v; want 2 of 4", good, total)
	}
	// Latency reads the exponential buckets: 0.1 is not a boundary, so it
	// counts at the boundary below, which excludes 0.1 itself.
	if good, total := Latency(h.Snapshot, 0.1)(); good != 1 || total != 4 {
		t.Fatalf("Latency: good %v total %v", good, total)
	}
}
