package expo

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"expvar"
	"flag"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/histogram"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// fixture is a registry with one of everything and awkward values, on a
// fixed clock and without meta metrics, so its output is the same every run.
func fixture(t testing.TB) *abacus.Registry {
	t.Helper()
	clock := func() time.Time { return time.Unix(1700000000, 123456789) }
	r := abacus.NewRegistry(abacus.WithoutMetaMetrics(), abacus.WithClock(clock))
	c := abacus.Must(r.Counter(abacus.Opts{Name: "app_requests_total", Help: "Requests served.\nAll of them, \"really\" \\ all."}))
	c.Add(1027)
	cv := abacus.Must(r.CounterVec(abacus.Opts{Name: "app_hits_total", Help: "Hits by route.", ConstLabels: map[string]string{"app": "demo"}}, "route", "code"))
	cv.With("/a", "200").Add(3)
	cv.With("/b\"q\\\n", "500").Inc()
	g := abacus.Must(r.Gauge(abacus.Opts{Name: "app_temperature_celsius", Help: "Temperature.", Unit: "celsius"}))
	g.Set(-12.5)
	gv := abacus.Must(r.GaugeVec(abacus.Opts{Name: "app_ratio", Help: "Ratios."}, "kind"))
	gv.With("inf").Set(math.Inf(1))
	gv.With("neginf").Set(math.Inf(-1))
	gv.With("nan").Set(math.NaN())
	gv.With("big").Set(1.5e300)
	h := abacus.Must(r.Histogram(abacus.HistogramOpts{Opts: abacus.Opts{
		Name: "app_latency_seconds", Help: "Latency.", Unit: "seconds"}}))
	for _, v := range []float64{0.003, 0.004, 0.1, 0.25, 0.26, 1.5} {
		h.Observe(v)
	}
	hv := abacus.Must(r.HistogramVec(abacus.HistogramOpts{
		Opts:    abacus.Opts{Name: "app_size_bytes", Help: "Sizes.", Unit: "bytes"},
		Options: []histogram.Option{histogram.WithScale(2)},
		Buckets: []float64{100, 1000, 10000},
	}, "dir"))
	hv.With("in").Observe(512)
	hv.With("in").Observe(2048)
	hv.With("out").Observe(64)
	if err := r.GaugeFunc(abacus.Opts{Name: "app_uptime_seconds", Help: "Uptime.", Unit: "seconds"}, func() float64 { return 42 }); err != nil {
		t.Fatal(err)
	}
	return r
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestGoldenText(t *testing.T) {
	var b bytes.Buffer
	if err := WriteText(&b, fixture(t)); err != nil {
		t.Fatal(err)
	}
	golden(t, "fixture.prom", b.Bytes())
}

func TestGoldenOpenMetrics(t *testing.T) {
	var b bytes.Buffer
	if err := WriteOpenMetrics(&b, fixture(t)); err != nil {
		t.Fatal(err)
	}
	golden(t, "fixture.om", b.Bytes())
	if !bytes.HasSuffix(b.Bytes(), []byte("\n# EOF\n")) {
		t.Fatal("OpenMetrics output does not end in # EOF")
	}
}

// The text output parses with the reference parser (UTF-8 validation), and
// every value survives the round trip.
func TestTextParsesWithExpfmt(t *testing.T) {
	var b bytes.Buffer
	if err := WriteText(&b, fixture(t)); err != nil {
		t.Fatal(err)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(&b)
	if err != nil {
		t.Fatalf("expfmt: %v\n%s", err, b.String())
	}
	if got := fams["app_requests_total"].GetMetric()[0].GetCounter().GetValue(); got != 1027 {
		t.Errorf("app_requests_total = %v", got)
	}
	hits := fams["app_hits_total"].GetMetric()
	found := false
	for _, m := range hits {
		for _, l := range m.GetLabel() {
			if l.GetName() == "route" && l.GetValue() == "/b\"q\\\n" {
				found = true
			}
		}
	}
	if !found {
		t.Errorf("the escaped label value did not round-trip: %v", hits)
	}
	h := fams["app_latency_seconds"].GetMetric()[0].GetHistogram()
	if h.GetSampleCount() != 6 || math.Abs(h.GetSampleSum()-2.117) > 1e-12 {
		t.Errorf("histogram count %d sum %v", h.GetSampleCount(), h.GetSampleSum())
	}
	ratios := map[string]float64{}
	for _, m := range fams["app_ratio"].GetMetric() {
		ratios[m.GetLabel()[0].GetValue()] = m.GetGauge().GetValue()
	}
	if !math.IsInf(ratios["inf"], 1) || !math.IsInf(ratios["neginf"], -1) || !math.IsNaN(ratios["nan"]) || ratios["big"] != 1.5e300 {
		t.Errorf("special values: %v", ratios)
	}
	if fams["app_hits_total"].GetHelp() != "Hits by route." {
		t.Errorf("help %q", fams["app_hits_total"].GetHelp())
	}
	if got := fams["app_requests_total"].GetHelp(); got != "Requests served.\nAll of them, \"really\" \\ all." {
		t.Errorf("escaped help did not round-trip: %q", got)
	}
}

func TestJSON(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSON(&b, fixture(t)); err != nil {
		t.Fatal(err)
	}
	s := b.String()
	for _, want := range []string{`"cmdline":`, `"memstats":`, `"app_requests_total":1027`,
		`"app_hits_total":{"route=\"/a\",code=\"200\"":3`, `"app_latency_seconds":{"count":6`, `"app_ratio":{"kind=\"big\"":1.5e+300`} {
		if !strings.Contains(s, want) {
			t.Errorf("JSON lacks %s:\n%s", want, s)
		}
	}
}

func TestHandlerNegotiation(t *testing.T) {
	srv := httptest.NewServer(Handler(fixture(t)))
	defer srv.Close()
	cases := []struct {
		accept, wantType string
		status           int
	}{
		{"", ContentTypeText, 200},
		{"*/*", ContentTypeText, 200},
		{"text/plain;version=0.0.4", ContentTypeText, 200},
		{"application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5", ContentTypeOpenMetrics, 200},
		{"application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1", ContentTypeOpenMetrics, 200},
		{"application/openmetrics-text;version=1.0.0;q=0.2,text/plain;q=0.9", ContentTypeText, 200},
		{"application/json", ContentTypeJSON, 200},
		// What no encoder matches gets the text format, as from client_golang.
		{"application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited", ContentTypeText, 200},
		{"image/png", ContentTypeText, 200},
		{"text/plain;version=9.9", ContentTypeText, 200},
		{"text/plain;version=1.0.0;escaping=allow-utf-8", ContentTypeText, 200},
		{"application/*", ContentTypeText, 200},
		{"application/*;q=0.5,application/json;q=0.4", ContentTypeText, 200},
	}
	for _, c := range cases {
		req, _ := http.NewRequest("GET", srv.URL, nil)
		req.Header.Set("Accept", c.accept)
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Errorf("Accept %q: status %d; want %d (%s)", c.accept, resp.StatusCode, c.status, body)
			continue
		}
		if c.status == 200 && resp.Header.Get("Content-Type") != c.wantType {
			t.Errorf("Accept %q: Content-Type %q; want %q", c.accept, resp.Header.Get("Content-Type"), c.wantType)
		}
	}
	resp, err := http.Post(srv.URL, "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: status %d", resp.StatusCode)
	}
}

func TestHandlerGzip(t *testing.T) {
	srv := httptest.NewServer(Handler(fixture(t)))
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding %q", resp.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	var plain bytes.Buffer
	_ = WriteText(&plain, fixture(t))
	if !bytes.Equal(body, plain.Bytes()) {
		t.Fatal("gzip body differs from the plain text output")
	}
	for h, want := range map[string]bool{"gzip;q=0": false, "identity": false, "br": false, "*": true,
		"gzip;q=0, *": false, "*;q=0": false, "br, *;q=0.1": true, "GZIP": true, "x-gzip": true} {
		if acceptsGzip(h) != want {
			t.Errorf("acceptsGzip(%q) = %v", h, !want)
		}
	}
}

// FuzzLabelValue: any valid UTF-8 label value is escaped so that the
// reference parser reads back exactly that value.
func FuzzLabelValue(f *testing.F) {
	for _, s := range []string{"", "plain", `q"uote`, `back\slash`, "new\nline", "ünïcödé", `\n`, `\"`, "tab\there"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		r := abacus.NewRegistry(abacus.WithoutMetaMetrics())
		help := v
		if !isValidUTF8(v) {
			help = "" // help must be UTF-8: registration would (rightly) refuse it
		}
		cv := abacus.Must(r.CounterVec(abacus.Opts{Name: "x_total", Help: help}, "l"))
		cv.With(v).Inc()
		var b bytes.Buffer
		if err := WriteText(&b, r); err != nil {
			t.Fatal(err)
		}
		p := expfmt.NewTextParser(model.UTF8Validation)
		fams, err := p.TextToMetricFamilies(&b)
		if err != nil {
			t.Fatalf("value %q: %v\n%s", v, err, b.String())
		}
		ms := fams["x_total"].GetMetric()
		if len(ms) != 1 {
			t.Fatalf("value %q: %d series", v, len(ms))
		}
		if help = strings.TrimSpace(help); fams["x_total"].GetHelp() != help {
			t.Fatalf("help %q came back as %q", help, fams["x_total"].GetHelp())
		}
		got := ""
		for _, l := range ms[0].GetLabel() {
			if l.GetName() == "l" {
				got = l.GetValue()
			}
		}
		want := v
		if !isValidUTF8(v) {
			want = "" // invalid UTF-8 goes to the overflow series, which has no l label
		}
		if got != want {
			t.Fatalf("label value %q came back as %q", v, got)
		}
	})
}

func isValidUTF8(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }

// The Go runtime and process metrics parse, under client_golang's names and
// types.
func TestRuntimeAndProcessMetrics(t *testing.T) {
	r := abacus.NewRegistry()
	if err := r.RegisterGoMetrics(); err != nil {
		t.Fatal(err)
	}
	process := runtime.GOOS == "linux" // read from /proc; elsewhere RegisterProcessMetrics says it cannot
	if err := r.RegisterProcessMetrics(); (err == nil) != process {
		t.Fatalf("RegisterProcessMetrics on %s: %v", runtime.GOOS, err)
	}
	var b bytes.Buffer
	if err := WriteText(&b, r); err != nil {
		t.Fatal(err)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	want := map[string]string{
		"go_goroutines": "GAUGE", "go_threads": "GAUGE", "go_info": "GAUGE", "go_gc_duration_seconds": "SUMMARY",
		"go_memstats_alloc_bytes_total": "COUNTER", "go_memstats_heap_inuse_bytes": "GAUGE", "go_sched_gomaxprocs_threads": "GAUGE",
		"process_cpu_seconds_total": "COUNTER", "process_resident_memory_bytes": "GAUGE", "process_start_time_seconds": "GAUGE",
		"process_open_fds": "GAUGE", "process_max_fds": "GAUGE",
	}
	for name, typ := range want {
		if strings.HasPrefix(name, "process_") && !process {
			continue
		}
		f, ok := fams[name]
		if !ok {
			t.Errorf("%s missing", name)
			continue
		}
		if f.GetType().String() != typ {
			t.Errorf("%s is a %s; want %s", name, f.GetType(), typ)
		}
	}
	if v := fams["go_goroutines"].GetMetric()[0].GetGauge().GetValue(); v < 1 {
		t.Errorf("go_goroutines = %v", v)
	}
	if process {
		if v := fams["process_resident_memory_bytes"].GetMetric()[0].GetGauge().GetValue(); v < 1<<20 {
			t.Errorf("process_resident_memory_bytes = %v", v)
		}
		if v := fams["process_start_time_seconds"].GetMetric()[0].GetGauge().GetValue(); v < 1.6e9 || v > float64(time.Now().Unix()+2) { // btime in /proc/stat is whole seconds
			t.Errorf("process_start_time_seconds = %v", v)
		}
	}
	if fams["go_info"].GetMetric()[0].GetLabel()[0].GetValue() == "" {
		t.Error("go_info has no version")
	}
	if got := len(fams["go_gc_duration_seconds"].GetMetric()[0].GetSummary().GetQuantile()); got != 5 {
		t.Errorf("go_gc_duration_seconds has %d quantiles", got)
	}
	var om bytes.Buffer
	if err := WriteOpenMetrics(&om, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(om.String(), `go_gc_duration_seconds{quantile="0.0"}`) {
		t.Error("OpenMetrics quantile label not canonical")
	}
}

// Vars (the expvar shape without cmdline and memstats) is deterministic:
// golden-checked.
func TestGoldenVars(t *testing.T) {
	b, err := json.MarshalIndent(Vars(fixture(t)), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "fixture.json", append(b, '\n'))
}

// Publish puts the registry into the standard expvar package.
func TestPublishExpvar(t *testing.T) {
	Publish("abacus_test_registry", fixture(t))
	v := expvar.Get("abacus_test_registry")
	if v == nil {
		t.Fatal("not published")
	}
	if s := v.String(); !strings.Contains(s, `"app_requests_total":1027`) {
		t.Fatalf("expvar value: %s", s)
	}
}

// TestHandlerEdgeCases: a NaN summary sum in JSON, HEAD with gzip, odd
// Accept-Encoding spellings, malformed and out-of-range q-values.
func TestHandlerEdgeCases(t *testing.T) {
	r := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	if err := r.SummaryFunc(abacus.Opts{Name: "nan_summary", Help: "h"}, func() abacus.Summary {
		return abacus.Summary{Count: 1, Sum: math.NaN()}
	}); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteJSON(&b, r); err != nil || !json.Valid(b.Bytes()) {
		t.Errorf("JSON with a NaN summary sum: %v\n%.200s", err, b.String())
	}
	h := Handler(r)
	for _, c := range []struct {
		method, accept, encoding string
		gzip                     bool
		code                     int
	}{
		{"HEAD", "", "gzip", true, 200},
		{"GET", "", "GZIP", true, 200},
		{"GET", "", "x-gzip", true, 200},
		{"GET", "", "gzip;level=1;q=0", false, 200},
		{"GET", "text/plain;q=abc", "", false, 200},
		{"GET", "application/openmetrics-text;q=2, text/plain;q=0.5", "", false, 200},
	} {
		req := httptest.NewRequest(c.method, "/metrics", nil)
		req.Header.Set("Accept", c.accept)
		req.Header.Set("Accept-Encoding", c.encoding)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != c.code || (w.Header().Get("Content-Encoding") == "gzip") != c.gzip {
			t.Errorf("%s Accept %q Accept-Encoding %q: %d, Content-Encoding %q", c.method, c.accept, c.encoding, w.Code, w.Header().Get("Content-Encoding"))
		}
		if c.accept == "application/openmetrics-text;q=2, text/plain;q=0.5" && !strings.HasPrefix(w.Header().Get("Content-Type"), "text/plain") {
			t.Errorf("a q above 1 won: %s", w.Header().Get("Content-Type"))
		}
	}
}

// Vars (and so Publish) reads through Gather: TTL expiry runs behind expvar.
func TestVarsRunsTTL(t *testing.T) {
	now := time.Unix(1000, 0)
	r := abacus.NewRegistry(abacus.WithoutMetaMetrics(), abacus.WithClock(func() time.Time { return now }))
	cv := abacus.Must(r.CounterVec(abacus.Opts{Name: "seen_total", Help: "h", TTL: time.Minute}, "user"))
	cv.With("gone").Inc()
	if v := Vars(r)["seen_total"].(map[string]any); len(v) != 1 {
		t.Fatalf("vars %v", v)
	}
	now = now.Add(2 * time.Minute)
	if _, ok := Vars(r)["seen_total"]; ok {
		t.Fatal("an expired series is still in Vars")
	}
}
