package promclient

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/abacusgo/abacus"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func abacusRegistry() *abacus.Registry {
	r := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	cv := abacus.Must(r.CounterVec(abacus.Opts{Name: "moved_total", Help: "Moved to Abacus."}, "code"))
	cv.With("200").Add(5)
	h := abacus.Must(r.Histogram(abacus.HistogramOpts{Opts: abacus.Opts{Name: "moved_seconds", Help: "Latency."}}))
	h.Observe(0.25)
	return r
}

// An Abacus registry inside a client_golang registry passes its pedantic
// consistency checks and reads back through testutil.
func TestCollector(t *testing.T) {
	pr := prometheus.NewPedanticRegistry()
	if err := pr.Register(Collector(abacusRegistry())); err != nil {
		t.Fatal(err)
	}
	old := prometheus.NewCounter(prometheus.CounterOpts{Name: "legacy_total", Help: "Still client_golang."})
	old.Add(3)
	pr.MustRegister(old)
	mfs, err := pr.Gather()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, mf := range mfs {
		names[mf.GetName()] = true
	}
	for _, n := range []string{"moved_total", "moved_seconds", "legacy_total"} {
		if !names[n] {
			t.Errorf("%s missing from %v", n, names)
		}
	}
	n, err := testutil.GatherAndCount(pr, "moved_total")
	if err != nil || n != 1 {
		t.Fatalf("GatherAndCount = %d, %v", n, err)
	}
	expected := `
# HELP moved_total Moved to Abacus.
# TYPE moved_total counter
moved_total{code="200"} 5
`
	if err := testutil.GatherAndCompare(pr, strings.NewReader(expected), "moved_total"); err != nil {
		t.Fatal(err)
	}
}

// One Abacus handler serves both, in every negotiated format, and a family
// present in both is shown once, from Abacus.
func TestHandler(t *testing.T) {
	pr := prometheus.NewRegistry()
	legacy := prometheus.NewCounter(prometheus.CounterOpts{Name: "legacy_total", Help: "Still client_golang."})
	legacy.Inc()
	dup := prometheus.NewCounter(prometheus.CounterOpts{Name: "moved_total", Help: "Old copy."})
	dup.Add(99)
	pr.MustRegister(legacy, dup)
	srv := httptest.NewServer(Handler(abacusRegistry(), pr))
	defer srv.Close()
	for _, accept := range []string{
		"text/plain;version=0.0.4",
		"application/openmetrics-text;version=1.0.0",
		"application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited",
	} {
		req, _ := http.NewRequest("GET", srv.URL, nil)
		req.Header.Set("Accept", accept)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		s := string(body)
		if !strings.Contains(s, "legacy_") || !strings.Contains(s, "moved_") {
			t.Errorf("%s: body lacks a family:\n%q", accept, s)
		}
		if strings.Contains(s, "Old copy") || strings.Count(s, "Moved to Abacus") > 1 {
			t.Errorf("%s: the duplicated family is served from client_golang or twice", accept)
		}
		if strings.HasPrefix(accept, "application/openmetrics") && (!strings.HasSuffix(s, "# EOF\n") || strings.Count(s, "# EOF") != 1) {
			t.Errorf("OpenMetrics body must end in exactly one # EOF:\n%s", s)
		}
	}
}

// The Collector reads through the registry's Gather, so a family's TTL
// expires idle series behind client_golang too.
func TestCollectorRunsTTL(t *testing.T) {
	now := time.Unix(1000, 0)
	r := abacus.NewRegistry(abacus.WithoutMetaMetrics(), abacus.WithClock(func() time.Time { return now }))
	cv := abacus.Must(r.CounterVec(abacus.Opts{Name: "seen_total", Help: "h", TTL: time.Minute}, "user"))
	cv.With("gone").Inc()
	pr := prometheus.NewRegistry()
	pr.MustRegister(Collector(r))
	if n, _ := testutil.GatherAndCount(pr, "seen_total"); n != 1 {
		t.Fatalf("%d series", n)
	}
	now = now.Add(2 * time.Minute)
	if n, _ := testutil.GatherAndCount(pr, "seen_total"); n != 0 {
		t.Fatalf("%d series after the TTL", n)
	}
}
