package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/abacusgo/abacus"
	abhist "github.com/abacusgo/abacus/histogram"
	"github.com/abacusgo/abacus/otlp"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
)

// startPrometheus3 runs a Prometheus 3 with its OTLP receiver on a loopback
// port and no scrape targets, and returns the URL of its API once it is
// ready. The translation strategy is written out although it is the
// default: it decides the series' names.
func startPrometheus3(t *testing.T, bin string, flags ...string) string {
	t.Helper()
	dir := t.TempDir()
	config := "global:\n  evaluation_interval: 1m\notlp:\n  translation_strategy: UnderscoreEscapingWithSuffixes\n"
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	args := append([]string{
		"--config.file=" + filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path=" + filepath.Join(dir, "data"),
		"--web.listen-address=" + addr,
		"--web.enable-otlp-receiver",
	}, flags...)
	cmd := exec.Command(bin, args...)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("prometheus log:\n%s", logs.String())
		}
	})
	api := "http://" + addr
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(api + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return api
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("Prometheus 3 is not ready after 60 s: %v\n%s", err, logs.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// testLogger sends an Exporter's log to the test's.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, nil))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

// promSample is one element of an instant vector from the HTTP API: a float
// value or a native histogram.
type promSample struct {
	Metric    map[string]string
	Value     []any // [time, "value"]
	Histogram []any // [time, {count, sum, buckets}]
}

// promHistogram is a native histogram as the HTTP API writes it; each
// bucket is [boundary rule, lower, upper, count], numbers as strings.
type promHistogram struct {
	Count, Sum string
	Buckets    [][]any
}

func queryVector(api, q string) ([]promSample, error) {
	resp, err := http.Get(api + "/api/v1/query?query=" + url.QueryEscape(q))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var body struct {
		Status, Error string
		Data          struct {
			ResultType string
			Result     []promSample
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, err
	}
	if body.Status != "success" {
		return nil, fmt.Errorf("%s: %s", q, body.Error)
	}
	return body.Data.Result, nil
}

// seriesNames lists the metric names Prometheus holds, with their labels
// other than __name__, for the log.
func seriesNames(t *testing.T, api string) []string {
	t.Helper()
	resp, err := http.Get(api + "/api/v1/series?match[]=" + url.QueryEscape(`{__name__=~".+"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Data []map[string]string }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range body.Data {
		name := s["__name__"]
		delete(s, "__name__")
		out = append(out, name+"{"+strings.TrimSuffix(attrKey(s), ",")+"}")
	}
	slices.Sort(out)
	return out
}

// waitValue polls an instant query until it gives exactly one float value
// equal to want.
func waitValue(t *testing.T, api, q string, want float64) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		r, err := queryVector(api, q)
		switch {
		case err != nil:
			last = err.Error()
		case len(r) != 1 || len(r[0].Value) != 2:
			last = fmt.Sprintf("%d results: %+v", len(r), r)
		default:
			s, _ := r[0].Value[1].(string)
			v, err := strconv.ParseFloat(s, 64)
			if err == nil && v == want {
				t.Logf("%s = %v", q, v)
				return
			}
			last = fmt.Sprintf("%s (%v), want %v", s, err, want)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Errorf("%s: %s", q, last)
}

// TestPrometheus3ReceivesOTLP pushes a registry of every kind with
// otlp.Exporter (cumulative, gzip) to Prometheus 3's OTLP receiver, then
// reads each value back through PromQL: counters, the gauge, the summary,
// the exponential histograms as native histograms bucket by bucket, and
// (from a second exporter) the classic histograms as _bucket series. It
// logs the series names Prometheus made of the OTLP metrics.
func TestPrometheus3ReceivesOTLP(t *testing.T) {
	bin := binary(t, "ABACUS_PROMETHEUS3")
	api := startPrometheus3(t, bin, "--enable-feature=exemplar-storage")
	ctx := context.Background()
	reg := richRegistry(t)
	res := map[string]string{"service.name": "abacus-integration", "service.instance.id": "it-1", "host.name": "box"}
	x, err := otlp.NewExporter(reg, otlp.ExporterOptions{Endpoint: api + "/api/v1/otlp/v1/metrics",
		Options: otlp.Options{Resource: res}})
	if err != nil {
		t.Fatal(err)
	}
	classic, err := otlp.NewExporter(reg, otlp.ExporterOptions{Endpoint: api + "/api/v1/otlp/v1/metrics", NoCompression: true,
		Options: otlp.Options{Resource: map[string]string{"service.name": "abacus-classic"}, ClassicHistograms: true}})
	if err != nil {
		t.Fatal(err)
	}
	want := holds(reg)
	for _, e := range []*otlp.Exporter{x, classic} {
		if err := e.Flush(ctx); err != nil {
			t.Fatalf("Flush to Prometheus 3: %v", err)
		}
	}

	// service.name is the job, service.instance.id the instance; the other
	// resource attributes go to target_info.
	sel := `job="abacus-integration",instance="it-1"`
	for _, p := range want["it_jobs_total"].points {
		waitValue(t, api, fmt.Sprintf(`it_jobs_total{%s,region="eu",queue=%q}`, sel, p.attrs["queue"]), p.value)
	}
	waitValue(t, api, fmt.Sprintf(`it_temperature_celsius{%s}`, sel), want["it_temperature_celsius"].points[""].value)
	waitValue(t, api, fmt.Sprintf(`target_info{%s,host_name="box"}`, sel), 1)
	gc := want["it_gc_seconds"].points[""].summary
	waitValue(t, api, fmt.Sprintf(`it_gc_seconds_count{%s}`, sel), float64(gc.Count))
	waitValue(t, api, fmt.Sprintf(`it_gc_seconds_sum{%s}`, sel), gc.Sum)
	for _, q := range gc.Quantiles {
		waitValue(t, api, fmt.Sprintf(`it_gc_seconds{%s,quantile=%q}`, sel, strconv.FormatFloat(q.Q, 'g', -1, 64)), q.Value)
	}
	for _, name := range []string{"it_latency_seconds", "it_offset_seconds"} {
		for k, p := range want[name].points {
			labels := sel
			if op := p.attrs["op"]; op != "" {
				labels += fmt.Sprintf(",op=%q", op)
			}
			waitValue(t, api, fmt.Sprintf(`histogram_count(%s{%s})`, name, labels), float64(p.snap.Count()))
			waitValue(t, api, fmt.Sprintf(`histogram_sum(%s{%s})`, name, labels), p.snap.Sum())
			r, err := queryVector(api, fmt.Sprintf(`%s{%s}`, name, labels))
			if err != nil || len(r) != 1 || len(r[0].Histogram) != 2 {
				t.Errorf("%s{%s}: %v %+v", name, k, err, r)
				continue
			}
			checkNativeBuckets(t, name+"{"+k+"}", r[0].Histogram[1], p.snap)
			// classic: the _bucket series of the second exporter
			csel := `job="abacus-classic"`
			if op := p.attrs["op"]; op != "" {
				csel += fmt.Sprintf(",op=%q", op)
			}
			for _, b := range p.classic {
				le := strconv.FormatFloat(b.UpperBound, 'g', -1, 64)
				if math.IsInf(b.UpperBound, 1) {
					le = "+Inf"
				}
				waitValue(t, api, fmt.Sprintf(`%s_bucket{%s,le=%q}`, name, csel, le), float64(b.Count))
			}
			waitValue(t, api, fmt.Sprintf(`%s_count{%s}`, name, csel), float64(p.classic[len(p.classic)-1].Count))
			waitValue(t, api, fmt.Sprintf(`%s_sum{%s}`, name, csel), p.sum)
		}
	}

	// Exemplars: the counter's, with its trace and span IDs as labels.
	checkExemplar(t, api, fmt.Sprintf(`it_jobs_total{%s,queue="email"}`, sel),
		map[string]string{"trace_id": traceID, "span_id": spanID, "user": "ann"}, 3)
	checkExemplar(t, api, fmt.Sprintf(`it_latency_seconds{%s,op="read"}`, sel),
		map[string]string{"trace_id": traceID, "span_id": spanID}, 0.75)

	// A second push after more adds: the newer values win.
	abacus.Must(reg.CounterVec(abacus.Opts{Name: "it_jobs_total", Help: "Jobs done.",
		ConstLabels: map[string]string{"region": "eu"}}, "queue")).With("sms").Add(40)
	if err := x.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	waitValue(t, api, fmt.Sprintf(`it_jobs_total{%s,queue="sms"}`, sel), 42)

	names := seriesNames(t, api)
	t.Logf("Prometheus 3 holds %d series:\n  %s", len(names), strings.Join(names, "\n  "))
}

// checkExemplar waits for Prometheus's exemplar storage to hold an exemplar
// of the series with these labels and value.
func checkExemplar(t *testing.T, api, series string, labels map[string]string, value float64) {
	t.Helper()
	q := url.Values{"query": {series},
		"start": {strconv.FormatInt(time.Now().Add(-time.Hour).Unix(), 10)},
		"end":   {strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10)}}
	deadline := time.Now().Add(10 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		resp, err := http.Get(api + "/api/v1/query_exemplars?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Data []struct {
				Exemplars []struct {
					Labels map[string]string
					Value  string
				}
			}
		}
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		last = fmt.Sprintf("%+v", body.Data)
		for _, d := range body.Data {
			for _, e := range d.Exemplars {
				if v, _ := strconv.ParseFloat(e.Value, 64); v == value && maps.Equal(e.Labels, labels) {
					t.Logf("exemplar of %s: %v %v", series, e.Labels, e.Value)
					return
				}
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Errorf("%s: no exemplar %v %v; Prometheus holds %s", series, labels, value, last)
}

// checkNativeBuckets compares the buckets of a native histogram as
// Prometheus's API gives them with a snapshot's: the zero bucket and, for
// every non-empty bucket i at scale s, the bounds base^i and base^(i+1)
// (negated for negative buckets) with its count.
func checkNativeBuckets(t *testing.T, name string, v any, s *abhist.Snapshot) {
	t.Helper()
	raw, _ := json.Marshal(v)
	var h promHistogram
	if err := json.Unmarshal(raw, &h); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	type bucket struct {
		lo, hi float64
		count  uint64
	}
	var got, want []bucket
	for _, b := range h.Buckets {
		if len(b) != 4 {
			t.Fatalf("%s: bucket %v", name, b)
		}
		var f [3]float64
		for i := range f {
			f[i], _ = strconv.ParseFloat(b[i+1].(string), 64)
		}
		got = append(got, bucket{f[0], f[1], uint64(f[2])})
	}
	if s.ZeroCount() > 0 {
		// Prometheus's OTLP translator does not read the point's
		// zero_threshold: every native histogram it makes of an OTLP one
		// has a zero bucket of ±1e-128 (prometheusremotewrite/histograms.go,
		// defaultZeroThreshold, "TODO use zero_threshold"), whatever width
		// the zero bucket had. Its count is kept.
		zt := s.ZeroThreshold()
		for _, b := range got {
			if b.lo == -promOTLPZeroThreshold && b.hi == promOTLPZeroThreshold {
				zt = promOTLPZeroThreshold
				if s.ZeroThreshold() != promOTLPZeroThreshold {
					t.Logf("%s: Prometheus gives the zero bucket as ±%g; Abacus sent ±%g", name, promOTLPZeroThreshold, s.ZeroThreshold())
				}
			}
		}
		want = append(want, bucket{-zt, zt, s.ZeroCount()})
	}
	bound := func(i int) float64 { return math.Exp2(float64(i) * math.Exp2(-float64(s.Scale()))) }
	for _, side := range []struct {
		sign float64
		b    abhist.Buckets
	}{{-1, s.Negative()}, {1, s.Positive()}} {
		for j, n := range side.b.Counts {
			if n == 0 {
				continue
			}
			i := side.b.Offset + j
			lo, hi := bound(i), bound(i+1)
			if side.sign < 0 {
				lo, hi = -hi, -lo
			}
			want = append(want, bucket{lo, hi, n})
		}
	}
	slices.SortFunc(got, func(a, b bucket) int { return cmpFloat(a.lo, b.lo) })
	slices.SortFunc(want, func(a, b bucket) int { return cmpFloat(a.lo, b.lo) })
	close := func(a, b float64) bool { return a == b || math.Abs(a-b) <= 1e-12*math.Max(math.Abs(a), math.Abs(b)) }
	ok := len(got) == len(want)
	for i := 0; ok && i < len(got); i++ {
		ok = close(got[i].lo, want[i].lo) && close(got[i].hi, want[i].hi) && got[i].count == want[i].count
	}
	if !ok {
		t.Errorf("%s native buckets:\n got %v\nwant %v", name, got, want)
	}
}

// promOTLPZeroThreshold is the zero threshold of the native histograms
// Prometheus's OTLP receiver makes of exponential histograms.
const promOTLPZeroThreshold = 1e-128

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// TestPrometheus3RefusesDelta records what Prometheus 3 does with a delta
// request when it runs without otlp-native-delta-ingestion or
// otlp-deltatocumulative: it answers 500 ("invalid temporality and type
// combination") and rolls the whole request back, the gauge in it too; 500
// is not a status the specification lets a client retry, so otlp.Exporter
// counts one rejection and no retry.
func TestPrometheus3RefusesDelta(t *testing.T) {
	bin := binary(t, "ABACUS_PROMETHEUS3")
	api := startPrometheus3(t, bin)
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	abacus.Must(reg.Counter(abacus.Opts{Name: "it_jobs_total"})).Add(5)
	abacus.Must(reg.Gauge(abacus.Opts{Name: "it_queue_length"})).Set(3)
	x, err := otlp.NewExporter(reg, otlp.ExporterOptions{Endpoint: api + "/api/v1/otlp/v1/metrics",
		Options: otlp.Options{Temporality: otlp.Delta, Resource: map[string]string{"service.name": "delta"}},
		Logger:  testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	err = x.Flush(context.Background())
	var rej *otlp.RejectedError
	if !errors.As(err, &rej) {
		t.Fatalf("Flush of a delta request: %v; want a *otlp.RejectedError", err)
	}
	t.Logf("Prometheus 3 answers a delta request with: %v", err)
	if st := x.Stats(); st.Retries != 0 || st.Rejected != 1 {
		t.Errorf("stats %+v: want one rejection and no retry", st)
	}
	if rej.StatusCode != http.StatusInternalServerError {
		t.Errorf("status %d, want 500 (if Prometheus now answers otherwise, update this test and the report)", rej.StatusCode)
	}
	time.Sleep(time.Second)
	for _, q := range []string{`it_jobs_total`, `it_queue_length`} {
		if r, err := queryVector(api, q); err != nil || len(r) != 0 {
			t.Errorf("%s: %v %+v, want no series (the request is rolled back)", q, err, r)
		}
	}
}

// TestPrometheus3DeltaToCumulative pushes delta requests to a Prometheus 3
// running with --enable-feature=otlp-deltatocumulative, which sums deltas
// into cumulative series (the Collector's deltatocumulative processor,
// built in): after each Flush the counter Prometheus holds is the
// registry's total, and the histogram's count and sum are too.
func TestPrometheus3DeltaToCumulative(t *testing.T) {
	bin := binary(t, "ABACUS_PROMETHEUS3")
	api := startPrometheus3(t, bin, "--enable-feature=otlp-deltatocumulative")
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	jobs := abacus.Must(reg.CounterVec(abacus.Opts{Name: "it_jobs_total"}, "queue"))
	lat := abacus.Must(reg.Histogram(abacus.HistogramOpts{Opts: abacus.Opts{Name: "it_latency_seconds", Unit: "seconds"}}))
	x, err := otlp.NewExporter(reg, otlp.ExporterOptions{Endpoint: api + "/api/v1/otlp/v1/metrics",
		Options: otlp.Options{Temporality: otlp.Delta, Resource: map[string]string{"service.name": "delta"}}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		jobs.With("email").Add(uint64(3 + i))
		if i >= 2 {
			jobs.With("sms").Inc() // a series that starts later
		}
		lat.Observe(float64(i) / 4)
		lat.Observe(2)
		if err := x.Flush(context.Background()); err != nil {
			t.Fatalf("Flush %d: %v", i, err)
		}
		waitValue(t, api, `it_jobs_total{job="delta",queue="email"}`, jobs.With("email").Value())
		if i >= 2 {
			waitValue(t, api, `it_jobs_total{job="delta",queue="sms"}`, jobs.With("sms").Value())
		}
		s := lat.Snapshot()
		waitValue(t, api, `histogram_count(it_latency_seconds{job="delta"})`, float64(s.Count()))
		waitValue(t, api, `histogram_sum(it_latency_seconds{job="delta"})`, s.Sum())
		time.Sleep(50 * time.Millisecond) // the next points a little later
	}
}

// nameCases are OTLP metric names, units and kinds, with the Prometheus
// name otlp.PrometheusName gives each (its own table test's cases).
var nameCases = []struct {
	name, unit string
	kind       otlp.Kind
}{
	{"http.server.request.duration", "s", otlp.Histogram},
	{"http.server.request.duration", "s", otlp.ExponentialHistogram},
	{"system.network.io", "By", otlp.MonotonicSum},
	{"system.filesystem.usage", "By", otlp.Sum},
	{"system.network.dropped", "{packets}", otlp.MonotonicSum},
	{"system.network.dropped", "packets", otlp.Gauge},
	{"system.memory.utilization", "1", otlp.Gauge},
	{"system.memory.utilization", "1", otlp.Sum},
	{"requests", "", otlp.MonotonicSum},
	{"requests_total", "", otlp.MonotonicSum},
	{"request.duration.seconds", "s", otlp.Histogram},
	{"seconds.before.my.birthday", "s", otlp.Gauge},
	{"latency_seconds_total", "s", otlp.MonotonicSum},
	{"throughput", "By/s", otlp.Gauge},
	{"rate", "1/s", otlp.Gauge},
	{"temp", "Cel", otlp.Gauge},
	{"(lambda).function.executions(#)", "", otlp.Sum},
	{"total.requests", "", otlp.MonotonicSum},
	{"envoy__rule_engine_zlib_buf_error", "", otlp.Gauge},
	{":foo::bar", "", otlp.MonotonicSum},
	{"3.14 digits", "", otlp.Gauge},
	{"foo.bar", "1", otlp.Gauge},
	{"system.io", "foo/bar", otlp.MonotonicSum},
	{"a..b__c", "", otlp.Gauge},
	{"2xx.responses", "", otlp.MonotonicSum},
	{"ns:metric", "ms", otlp.Gauge},
	{"queue.size", "{item}", otlp.Gauge},
	{"odd", "weird-unit", otlp.Gauge},
	{"gc.pause", "ms", otlp.Summary},
	{"db.client.connections.usage", "{connection}", otlp.Sum},
	{"process.cpu.time", "s", otlp.MonotonicSum},
	{"http.client.response.body.size", "By", otlp.ExponentialHistogram},
	{"ünïcode", "", otlp.Gauge},
	{"disk.usage", "%", otlp.Gauge},
	{"mem.size", "KiBy", otlp.Gauge},
	{"rpc.latency", "us", otlp.Histogram},
	{"clock.frequency", "Hz", otlp.Gauge},
	{"speed", "m/s", otlp.Gauge},
	{"energy", "J", otlp.MonotonicSum},
	{"sent_total", "", otlp.Gauge},
	{"cpu.utilization.ratio", "1", otlp.Gauge},
	{"packets.rate", "{packet}/s", otlp.Gauge},
	{"uptime", "d", otlp.Sum},
	{"transfer", "By/min", otlp.MonotonicSum},
	{"transfer.rate", "By/m", otlp.Gauge},
	{"speed.per.byte", "m/By", otlp.Gauge},
	{"throughput.hourly", "By/h", otlp.Gauge},
	// names that already hold a per-unit: Prometheus's translator looks
	// for "per_second" among the name's words, one word each, never finds
	// it, and appends it again
	{"throughput.bytes.per.second", "By/s", otlp.Gauge},
	{"requests.per.second", "1/s", otlp.Gauge},
	{"it_throughput_bytes_per_second", "By/s", otlp.Gauge},
}

// TestPrometheus3Names sends one OTLP metric per case of otlp.PrometheusName
// (built with pdata, one request per case, each point labelled with its
// case number) to Prometheus 3 and reads back the name Prometheus gave it:
// otlp.PrometheusName must give the same name. For histograms and
// summaries the name is that of the _count series.
func TestPrometheus3Names(t *testing.T) {
	bin := binary(t, "ABACUS_PROMETHEUS3")
	api := startPrometheus3(t, bin)
	now := pcommon.NewTimestampFromTime(time.Now())
	for i, c := range nameCases {
		md := pmetric.NewMetrics()
		rm := md.ResourceMetrics().AppendEmpty()
		rm.Resource().Attributes().PutStr("service.name", "names")
		m := rm.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
		m.SetName(c.name)
		m.SetUnit(c.unit)
		var a pcommon.Map
		switch c.kind {
		case otlp.Gauge:
			p := m.SetEmptyGauge().DataPoints().AppendEmpty()
			p.SetTimestamp(now)
			p.SetDoubleValue(1)
			a = p.Attributes()
		case otlp.Sum, otlp.MonotonicSum:
			s := m.SetEmptySum()
			s.SetIsMonotonic(c.kind == otlp.MonotonicSum)
			s.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
			p := s.DataPoints().AppendEmpty()
			p.SetTimestamp(now)
			p.SetDoubleValue(1)
			a = p.Attributes()
		case otlp.Histogram:
			h := m.SetEmptyHistogram()
			h.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
			p := h.DataPoints().AppendEmpty()
			p.SetTimestamp(now)
			p.SetCount(1)
			p.SetSum(1)
			p.BucketCounts().FromRaw([]uint64{0, 1})
			p.ExplicitBounds().FromRaw([]float64{0.5})
			a = p.Attributes()
		case otlp.ExponentialHistogram:
			h := m.SetEmptyExponentialHistogram()
			h.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
			p := h.DataPoints().AppendEmpty()
			p.SetTimestamp(now)
			p.SetCount(1)
			p.SetSum(1)
			p.Positive().BucketCounts().FromRaw([]uint64{1})
			a = p.Attributes()
		case otlp.Summary:
			p := m.SetEmptySummary().DataPoints().AppendEmpty()
			p.SetTimestamp(now)
			p.SetCount(1)
			p.SetSum(1)
			a = p.Attributes()
		}
		a.PutStr("case", strconv.Itoa(i))
		body, err := pmetricotlp.NewExportRequestFromMetrics(md).MarshalProto()
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.Post(api+"/api/v1/otlp/v1/metrics", "application/x-protobuf", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		msg, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("case %d %q: %d %s", i, c.name, resp.StatusCode, msg)
		}
	}
	time.Sleep(500 * time.Millisecond)
	var table strings.Builder
	for i, c := range nameCases {
		r, err := queryVector(api, fmt.Sprintf(`{job="names",case="%d"}`, i))
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, s := range r {
			names = append(names, s.Metric["__name__"])
		}
		slices.Sort(names)
		got := strings.Join(names, " ")
		switch c.kind {
		case otlp.Histogram, otlp.Summary:
			got = "none"
			for _, n := range names {
				if base, ok := strings.CutSuffix(n, "_count"); ok {
					got = base
				}
			}
		}
		want := otlp.PrometheusName(c.name, c.unit, c.kind)
		mark := ""
		if got != want {
			mark = "  <- otlp.PrometheusName differs"
			t.Errorf("%q %q (kind %d): Prometheus names it %q (series %v); otlp.PrometheusName says %q", c.name, c.unit, c.kind, got, names, want)
		}
		fmt.Fprintf(&table, "  %-36q %-14q %-22s %s%s\n", c.name, c.unit, kindName(c.kind), got, mark)
	}
	t.Logf("OTLP name, unit, kind -> the Prometheus 3 name (translation_strategy UnderscoreEscapingWithSuffixes):\n%s", table.String())
}

func kindName(k otlp.Kind) string {
	return [...]string{"Gauge", "Sum", "MonotonicSum", "Histogram", "ExponentialHistogram", "Summary"}[k]
}

// TestPrometheus3KeepsAbacusNames pushes families with units of every
// shape through otlp.Exporter (names unaltered, units in UCUM by
// otlp.OTelUnit) to Prometheus 3 and lists the series names it made: each
// is what otlp.PrometheusName predicts, which is the family's own name,
// as a scrape gives it, except for units with a per-unit: Prometheus's
// translator appends the per-unit again (it_throughput_bytes_per_second
// arrives as it_throughput_bytes_per_second_per_second), as the Encoder's
// doc says.
func TestPrometheus3KeepsAbacusNames(t *testing.T) {
	bin := binary(t, "ABACUS_PROMETHEUS3")
	api := startPrometheus3(t, bin)
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	want := map[string]bool{}
	for _, f := range []struct {
		name, unit string
		typ        abacus.Type
	}{
		{"it_requests_total", "", abacus.TypeCounter},
		{"it_sent_bytes_total", "bytes", abacus.TypeCounter},
		{"it_cpu_seconds_total", "seconds", abacus.TypeCounter},
		{"it_queue_length", "", abacus.TypeGauge},
		{"it_temperature_celsius", "celsius", abacus.TypeGauge},
		{"it_cpu_ratio", "ratio", abacus.TypeGauge},
		{"it_disk_used_percent", "percent", abacus.TypeGauge},
		{"it_uptime_days", "days", abacus.TypeGauge},
		{"it_pause_milliseconds", "milliseconds", abacus.TypeGauge},
		{"it_throughput_bytes_per_second", "bytes_per_second", abacus.TypeGauge},
		{"it_transfer_bytes_per_minute", "bytes_per_minute", abacus.TypeGauge},
		{"it_travel_meters_per_second", "meters_per_second", abacus.TypeGauge},
		{"it_latency_seconds", "seconds", abacus.TypeHistogram},
	} {
		o := abacus.Opts{Name: f.name, Help: "A family.", Unit: f.unit}
		var err error
		switch f.typ {
		case abacus.TypeCounter:
			var c *abacus.Counter
			if c, err = reg.Counter(o); err == nil {
				c.Inc()
			}
		case abacus.TypeGauge:
			var g *abacus.Gauge
			if g, err = reg.Gauge(o); err == nil {
				g.Set(1)
			}
		case abacus.TypeHistogram:
			var h *abacus.Histogram
			if h, err = reg.Histogram(abacus.HistogramOpts{Opts: o}); err == nil {
				h.Observe(1)
			}
		}
		if err != nil {
			t.Fatal(err)
		}
		kind := map[abacus.Type]otlp.Kind{abacus.TypeCounter: otlp.MonotonicSum, abacus.TypeGauge: otlp.Gauge,
			abacus.TypeHistogram: otlp.ExponentialHistogram}[f.typ]
		name := otlp.PrometheusName(f.name, otlp.OTelUnit(f.unit), kind)
		if (name != f.name) != strings.Contains(f.unit, "_per_") {
			t.Errorf("%s: otlp.PrometheusName predicts %s", f.name, name)
		}
		want[name] = true
	}
	x, err := otlp.NewExporter(reg, otlp.ExporterOptions{Endpoint: api + "/api/v1/otlp/v1/metrics",
		Options: otlp.Options{Resource: map[string]string{"service.name": "keep"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := x.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitValue(t, api, `count({job="keep"})`, float64(len(want)))
	got := map[string]bool{}
	for _, s := range seriesNames(t, api) {
		name, _, _ := strings.Cut(s, "{")
		got[name] = true
	}
	for name := range want {
		if !got[name] {
			t.Errorf("Prometheus holds no series %s, which otlp.PrometheusName predicts; it holds %v", name, got)
		}
	}
	for name := range got {
		if !want[name] {
			t.Errorf("Prometheus made a series %s of no family of that name", name)
		}
	}
}
