package integration

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/abacusgo/abacus"
	abhist "github.com/abacusgo/abacus/histogram"
	"github.com/abacusgo/abacus/otlp"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configgrpc"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver/otlpreceiver"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	otelmetric "go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
)

// collector is the OpenTelemetry Collector's own OTLP receiver, HTTP only,
// on a loopback port, delivering what it accepts to a MetricsSink. It runs
// in the test's process: the receiver is the Collector's code, configured
// as a collector.yaml with `protocols: {http: {endpoint: …}}` would.
type collector struct {
	URL  string // the metrics endpoint: http://127.0.0.1:port/v1/metrics
	Sink *consumertest.MetricsSink
}

// freeAddr returns a loopback address with a port that was free a moment
// ago. The receiver's config takes an endpoint, not a listener, and does
// not say which port ":0" got, so the test picks one.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func startCollector(t *testing.T) *collector {
	t.Helper()
	sink := new(consumertest.MetricsSink)
	return &collector{URL: startReceiver(t, sink), Sink: sink}
}

// startReceiver starts the Collector's OTLP receiver delivering to next and
// returns its metrics endpoint.
func startReceiver(t *testing.T, next consumer.Metrics) string {
	t.Helper()
	ctx := context.Background()
	f := otlpreceiver.NewFactory()
	var last error
	for range 5 { // the port picked may be taken by the time the receiver listens
		addr := freeAddr(t)
		cfg := f.CreateDefaultConfig().(*otlpreceiver.Config)
		cfg.Protocols.GRPC = configoptional.None[configgrpc.ServerConfig]()
		cfg.Protocols.HTTP.GetOrInsertDefault().ServerConfig.NetAddr.Endpoint = addr
		r, err := f.CreateMetrics(ctx, receivertest.NewNopSettings(f.Type()), cfg, next)
		if err != nil {
			t.Fatal(err)
		}
		if last = r.Start(ctx, componenttest.NewNopHost()); last != nil {
			continue
		}
		t.Cleanup(func() {
			if err := r.Shutdown(ctx); err != nil {
				t.Errorf("collector receiver shutdown: %v", err)
			}
		})
		return "http://" + addr + "/v1/metrics"
	}
	t.Fatalf("the OTLP receiver does not start: %v", last)
	return ""
}

// recorded is what a recorder saw of one request and its answer.
type recorded struct {
	Method, Path, ContentType, ContentEncoding, UserAgent string
	Status                                                int
}

// recorder is a transparent proxy in front of a receiver that records the
// headers of the requests and the receiver's status codes.
type recorder struct {
	URL  string
	mu   sync.Mutex
	seen []recorded
}

func record(t *testing.T, target string) *recorder {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: u.Scheme, Host: u.Host})
	proxy.ModifyResponse = func(resp *http.Response) error {
		r := resp.Request
		rec.mu.Lock()
		rec.seen = append(rec.seen, recorded{r.Method, r.URL.Path, r.Header.Get("Content-Type"),
			r.Header.Get("Content-Encoding"), r.Header.Get("User-Agent"), resp.StatusCode})
		rec.mu.Unlock()
		return nil
	}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	rec.URL = srv.URL + u.Path
	return rec
}

func (r *recorder) requests() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.seen)
}

// byName returns the metric of that name of one received request.
func byName(md pmetric.Metrics, name string) (pmetric.Metric, bool) {
	for _, rm := range md.ResourceMetrics().All() {
		for _, sm := range rm.ScopeMetrics().All() {
			for _, m := range sm.Metrics().All() {
				if m.Name() == name {
					return m, true
				}
			}
		}
	}
	return pmetric.Metric{}, false
}

// attrs returns a map of string attributes, failing on other types.
func attrs(t *testing.T, m pcommon.Map) map[string]string {
	t.Helper()
	out := map[string]string{}
	for k, v := range m.All() {
		if v.Type() != pcommon.ValueTypeStr {
			t.Errorf("attribute %s is a %v, want a string", k, v.Type())
		}
		out[k] = v.Str()
	}
	return out
}

func attrKey(m map[string]string) string {
	keys := slices.Sorted(maps.Keys(m))
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%q,", k, m[k])
	}
	return b.String()
}

// TestCollectorReceivesSDKExporter is the harness's reference: the
// OpenTelemetry SDK's own OTLP/HTTP exporter pushes a counter, an explicit
// histogram and an exponential histogram to the Collector's receiver, and
// the sink must hold them as recorded. What the SDK's request looks like
// (method, path, headers) is logged beside Abacus's in
// TestCollectorRequestHeaders.
func TestCollectorReceivesSDKExporter(t *testing.T) {
	c := startCollector(t)
	rec := record(t, c.URL)
	ctx := context.Background()
	exp, err := otlpmetrichttp.New(ctx, otlpmetrichttp.WithEndpointURL(rec.URL))
	if err != nil {
		t.Fatal(err)
	}
	mp := sdkmetric.NewMeterProvider(
		sdkmetric.WithReader(sdkmetric.NewPeriodicReader(exp, sdkmetric.WithInterval(time.Hour))),
		sdkmetric.WithResource(resource.NewSchemaless(attribute.String("service.name", "sdk-reference"))),
		sdkmetric.WithView(sdkmetric.NewView(sdkmetric.Instrument{Name: "sdk.latency.exp"},
			sdkmetric.Stream{Aggregation: sdkmetric.AggregationBase2ExponentialHistogram{MaxSize: 160, MaxScale: 20}})),
	)
	meter := mp.Meter("reference")
	requests, _ := meter.Int64Counter("sdk.requests", otelmetric.WithUnit("{request}"))
	latency, _ := meter.Float64Histogram("sdk.latency", otelmetric.WithUnit("s"))
	latencyExp, _ := meter.Float64Histogram("sdk.latency.exp", otelmetric.WithUnit("s"))
	get := otelmetric.WithAttributes(attribute.String("method", "GET"))
	requests.Add(ctx, 5, get)
	requests.Add(ctx, 2, otelmetric.WithAttributes(attribute.String("method", "PUT")))
	for _, v := range []float64{0.002, 0.3, 0.3, 4} {
		latency.Record(ctx, v, get)
		latencyExp.Record(ctx, v, get)
	}
	if err := mp.ForceFlush(ctx); err != nil {
		t.Fatalf("the SDK's export to the Collector: %v", err)
	}
	if err := mp.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}

	all := c.Sink.AllMetrics()
	if len(all) == 0 {
		t.Fatal("the sink received nothing from the SDK")
	}
	md := all[0]
	if got := md.ResourceMetrics().At(0).Resource().Attributes().AsRaw()["service.name"]; got != "sdk-reference" {
		t.Errorf("service.name = %v", got)
	}
	m, ok := byName(md, "sdk.requests")
	if !ok || m.Type() != pmetric.MetricTypeSum || !m.Sum().IsMonotonic() ||
		m.Sum().AggregationTemporality() != pmetric.AggregationTemporalityCumulative {
		t.Fatalf("sdk.requests: %v %v", ok, m.Type())
	}
	sums := map[string]int64{}
	for _, p := range m.Sum().DataPoints().All() {
		sums[attrs(t, p.Attributes())["method"]] = p.IntValue()
	}
	if sums["GET"] != 5 || sums["PUT"] != 2 || len(sums) != 2 {
		t.Errorf("sdk.requests points: %v", sums)
	}
	if m, ok := byName(md, "sdk.latency"); !ok || m.Type() != pmetric.MetricTypeHistogram {
		t.Errorf("sdk.latency: %v %v", ok, m.Type())
	} else if p := m.Histogram().DataPoints().At(0); p.Count() != 4 || p.Sum() != 4.602 || p.Min() != 0.002 || p.Max() != 4 {
		t.Errorf("sdk.latency: count %d sum %v min %v max %v", p.Count(), p.Sum(), p.Min(), p.Max())
	}
	if m, ok := byName(md, "sdk.latency.exp"); !ok || m.Type() != pmetric.MetricTypeExponentialHistogram {
		t.Errorf("sdk.latency.exp: %v %v", ok, m.Type())
	} else if p := m.ExponentialHistogram().DataPoints().At(0); p.Count() != 4 || p.Sum() != 4.602 || total(p.Positive().BucketCounts().AsRaw()) != 4 {
		t.Errorf("sdk.latency.exp: count %d sum %v buckets %v", p.Count(), p.Sum(), p.Positive().BucketCounts().AsRaw())
	}
	for _, r := range rec.requests() {
		t.Logf("SDK request: %+v", r)
	}
}

func total(counts []uint64) uint64 {
	var n uint64
	for _, c := range counts {
		n += c
	}
	return n
}

// TestCollectorRequestHeaders sends one request from the SDK's exporter
// and two from Abacus's (gzip on and off) through a recording proxy to the
// Collector's receiver: the same method, path and content type, and both
// accepted with 200.
func TestCollectorRequestHeaders(t *testing.T) {
	c := startCollector(t)
	rec := record(t, c.URL)
	ctx := context.Background()
	exp, err := otlpmetrichttp.New(ctx, otlpmetrichttp.WithEndpointURL(rec.URL), otlpmetrichttp.WithCompression(otlpmetrichttp.GzipCompression))
	if err != nil {
		t.Fatal(err)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewPeriodicReader(exp, sdkmetric.WithInterval(time.Hour))))
	n, _ := mp.Meter("reference").Int64Counter("sdk.requests")
	n.Add(ctx, 1)
	if err := mp.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	reg := abacus.NewRegistry()
	abacus.Must(reg.Counter(abacus.Opts{Name: "it_requests_total"})).Inc()
	for _, plain := range []bool{false, true} {
		x, err := otlp.NewExporter(reg, otlp.ExporterOptions{Endpoint: rec.URL, NoCompression: plain})
		if err != nil {
			t.Fatal(err)
		}
		if err := x.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	seen := rec.requests()
	if len(seen) != 3 {
		t.Fatalf("%d requests recorded: %+v", len(seen), seen)
	}
	for i, r := range seen {
		t.Logf("%s: %+v", []string{"SDK (gzip)", "Abacus (gzip)", "Abacus (no compression)"}[i], r)
		wantEnc := "gzip"
		if i == 2 {
			wantEnc = ""
		}
		if r.Method != http.MethodPost || r.Path != "/v1/metrics" || r.ContentType != "application/x-protobuf" ||
			r.ContentEncoding != wantEnc || r.Status != http.StatusOK {
			t.Errorf("request %d: %+v", i, r)
		}
	}
	if len(c.Sink.AllMetrics()) != 3 {
		t.Errorf("the sink holds %d requests, want 3", len(c.Sink.AllMetrics()))
	}
}

const (
	traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	spanID  = "00f067aa0ba902b7"
)

// richRegistry holds one of every kind the Encoder writes: a counter vec
// with constant labels, an exemplar and an empty label value; a gauge;
// two histogram families (one at the default scale with negative values, a
// zero bucket and an exemplar; one at scale 2 with a wide zero bucket and
// classic bounds that are not bucket boundaries); a summary.
func richRegistry(t *testing.T) *abacus.Registry {
	t.Helper()
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	jobs := abacus.Must(reg.CounterVec(abacus.Opts{Name: "it_jobs_total", Help: "Jobs done.",
		ConstLabels: map[string]string{"region": "eu"}}, "queue"))
	if err := jobs.With("email").AddWithExemplar(3, map[string]string{"trace_id": traceID, "span_id": spanID, "user": "ann"}); err != nil {
		t.Fatal(err)
	}
	jobs.With("sms").Add(2)
	jobs.With("").Add(1) // an empty label value is an absent attribute
	abacus.Must(reg.Gauge(abacus.Opts{Name: "it_temperature_celsius", Help: "Temperature.", Unit: "celsius"})).Set(-4.5)
	lat := abacus.Must(reg.HistogramVec(abacus.HistogramOpts{Opts: abacus.Opts{Name: "it_latency_seconds", Help: "Latency.", Unit: "seconds"}}, "op"))
	for _, v := range []float64{-2, -0.5, 0, 0, 0.001, 0.25, 0.5, 1.5, 3, 1000} {
		lat.With("read").Observe(v)
	}
	if err := lat.With("read").ObserveWithExemplar(0.75, map[string]string{"trace_id": traceID, "span_id": spanID}); err != nil {
		t.Fatal(err)
	}
	lat.With("write").Observe(0.1)
	off := abacus.Must(reg.Histogram(abacus.HistogramOpts{
		Opts:    abacus.Opts{Name: "it_offset_seconds", Help: "Clock offset.", Unit: "seconds"},
		Options: []abhist.Option{abhist.WithScale(2), abhist.WithZeroThreshold(0.01)},
		Buckets: []float64{0.05, 0.3, 2.5},
	}))
	for _, v := range []float64{-0.2, -0.005, 0, 0.004, 0.02, 0.3, 1, 4} {
		off.Observe(v)
	}
	if err := reg.SummaryFunc(abacus.Opts{Name: "it_gc_seconds", Help: "GC pauses.", Unit: "seconds"}, func() abacus.Summary {
		return abacus.Summary{Count: 7, Sum: 1.5, Quantiles: []abacus.Quantile{{Q: 0, Value: 0.01}, {Q: 0.5, Value: 0.1}, {Q: 1, Value: 0.5}}}
	}); err != nil {
		t.Fatal(err)
	}
	return reg
}

// wantPoint is one series as the registry holds it, copied out of Gather.
type wantPoint struct {
	attrs     map[string]string
	created   int64
	value     float64
	exemplars []*abacus.Exemplar
	snap      *abhist.Snapshot
	classic   []abhist.ClassicBucket
	sum       float64
	summary   *abacus.Summary
}

type wantMetric struct {
	name, help string
	typ        abacus.Type
	points     map[string]*wantPoint // by attrKey
}

// holds reads what the registry holds, independently of package otlp.
func holds(reg *abacus.Registry) map[string]*wantMetric {
	out := map[string]*wantMetric{}
	for f, series := range reg.Gather() {
		w := &wantMetric{name: f.Name(), help: f.Help(), typ: f.Type(), points: map[string]*wantPoint{}}
		for s := range series {
			p := &wantPoint{attrs: map[string]string{}, created: s.Created, value: s.Value}
			for k, v := range s.Labels.All() {
				if v != "" {
					p.attrs[k] = v
				}
			}
			switch f.Type() {
			case abacus.TypeCounter:
				if s.Exemplar != nil {
					p.exemplars = []*abacus.Exemplar{s.Exemplar}
				}
			case abacus.TypeHistogram:
				p.snap = s.Histogram.Snapshot()
				p.classic, p.sum = s.Histogram.Classic(nil)
				p.exemplars = s.Histogram.Exemplars(nil)
			case abacus.TypeSummary:
				sum := *s.Summary
				p.summary = &sum
			}
			w.points[attrKey(p.attrs)] = p
		}
		out[f.Name()] = w
	}
	return out
}

// bounds is a time interval, unix nanoseconds.
type bounds struct{ lo, hi int64 }

func (b bounds) holds(ts pcommon.Timestamp) bool {
	return int64(ts) >= b.lo && int64(ts) <= b.hi
}

// expectation is how a request received should compare with the registry.
type expectation struct {
	classic     bool
	temporality pmetric.AggregationTemporality
	at          bounds // the points' timestamps: the Flush
	start       bounds // start of series whose creation is not known: NewExporter
	resource    map[string]string
}

var otelUnits = map[string]string{"seconds": "s", "celsius": "Cel", "": ""}

// checkReceived compares one received request with what the registry held:
// every metric and every data point, with the values sent.
func checkReceived(t *testing.T, md pmetric.Metrics, want map[string]*wantMetric, reg *abacus.Registry, e expectation) {
	t.Helper()
	if n := md.ResourceMetrics().Len(); n != 1 {
		t.Fatalf("%d resource metrics, want 1", n)
	}
	rm := md.ResourceMetrics().At(0)
	if got := attrs(t, rm.Resource().Attributes()); !maps.Equal(got, e.resource) {
		t.Errorf("resource %v, want %v", got, e.resource)
	}
	if n := rm.ScopeMetrics().Len(); n != 1 {
		t.Fatalf("%d scopes, want 1", n)
	}
	sm := rm.ScopeMetrics().At(0)
	if sm.Scope().Name() != otlp.ScopeName {
		t.Errorf("scope %q, want %q", sm.Scope().Name(), otlp.ScopeName)
	}
	seen := map[string]bool{}
	for _, m := range sm.Metrics().All() {
		w := want[m.Name()]
		if w == nil {
			t.Errorf("metric %s was not sent", m.Name())
			continue
		}
		seen[m.Name()] = true
		f := reg.Family(m.Name())
		if m.Description() != w.help || m.Unit() != otelUnits[f.Unit()] {
			t.Errorf("%s: description %q unit %q, want %q %q", m.Name(), m.Description(), m.Unit(), w.help, otelUnits[f.Unit()])
		}
		if got := m.Metadata().AsRaw()["prometheus.type"]; got != w.typ.String() {
			t.Errorf("%s: metadata prometheus.type %v, want %s", m.Name(), got, w.typ)
		}
		checkMetric(t, m, w, e)
	}
	for name := range want {
		if !seen[name] {
			t.Errorf("metric %s did not arrive", name)
		}
	}
}

func checkMetric(t *testing.T, m pmetric.Metric, w *wantMetric, e expectation) {
	t.Helper()
	name := m.Name()
	points := map[string]bool{}
	// point finds the series of a received point and checks the times
	// every point has.
	point := func(a pcommon.Map, start, at pcommon.Timestamp, hasStart bool) *wantPoint {
		k := attrKey(attrs(t, a))
		if points[k] {
			t.Errorf("%s{%s}: twice", name, k)
		}
		points[k] = true
		p := w.points[k]
		if p == nil {
			t.Errorf("%s{%s}: not a series of the registry", name, k)
			return nil
		}
		if !e.at.holds(at) {
			t.Errorf("%s{%s}: time %v outside the Flush %v", name, k, at, e.at)
		}
		switch {
		case !hasStart:
			if start != 0 {
				t.Errorf("%s{%s}: a gauge with a start time %v", name, k, start)
			}
		case p.created != 0:
			if int64(start) != p.created {
				t.Errorf("%s{%s}: start %d, want the series' creation %d", name, k, start, p.created)
			}
		case !e.start.holds(start):
			t.Errorf("%s{%s}: start %v outside NewExporter %v", name, k, start, e.start)
		}
		return p
	}
	switch w.typ {
	case abacus.TypeCounter:
		if m.Type() != pmetric.MetricTypeSum || !m.Sum().IsMonotonic() || m.Sum().AggregationTemporality() != e.temporality {
			t.Errorf("%s: %v monotonic %v %v, want a monotonic %v sum", name, m.Type(), m.Sum().IsMonotonic(), m.Sum().AggregationTemporality(), e.temporality)
			return
		}
		for _, dp := range m.Sum().DataPoints().All() {
			p := point(dp.Attributes(), dp.StartTimestamp(), dp.Timestamp(), true)
			if p == nil {
				continue
			}
			if dp.ValueType() != pmetric.NumberDataPointValueTypeDouble || dp.DoubleValue() != p.value {
				t.Errorf("%s%v: %v %v, want %v", name, p.attrs, dp.ValueType(), dp.DoubleValue(), p.value)
			}
			checkExemplars(t, name, dp.Exemplars(), p.exemplars)
		}
	case abacus.TypeGauge:
		if m.Type() != pmetric.MetricTypeGauge {
			t.Errorf("%s: %v, want a gauge", name, m.Type())
			return
		}
		for _, dp := range m.Gauge().DataPoints().All() {
			if p := point(dp.Attributes(), dp.StartTimestamp(), dp.Timestamp(), false); p != nil && dp.DoubleValue() != p.value {
				t.Errorf("%s%v: %v, want %v", name, p.attrs, dp.DoubleValue(), p.value)
			}
		}
	case abacus.TypeHistogram:
		if e.classic {
			if m.Type() != pmetric.MetricTypeHistogram || m.Histogram().AggregationTemporality() != e.temporality {
				t.Errorf("%s: %v, want a %v histogram", name, m.Type(), e.temporality)
				return
			}
			for _, dp := range m.Histogram().DataPoints().All() {
				if p := point(dp.Attributes(), dp.StartTimestamp(), dp.Timestamp(), true); p != nil {
					checkClassic(t, name, dp, p)
				}
			}
			break
		}
		if m.Type() != pmetric.MetricTypeExponentialHistogram || m.ExponentialHistogram().AggregationTemporality() != e.temporality {
			t.Errorf("%s: %v, want a %v exponential histogram", name, m.Type(), e.temporality)
			return
		}
		for _, dp := range m.ExponentialHistogram().DataPoints().All() {
			if p := point(dp.Attributes(), dp.StartTimestamp(), dp.Timestamp(), true); p != nil {
				checkExponential(t, name, dp, p.snap)
				checkExemplars(t, name, dp.Exemplars(), p.exemplars)
			}
		}
	case abacus.TypeSummary:
		if m.Type() != pmetric.MetricTypeSummary {
			t.Errorf("%s: %v, want a summary", name, m.Type())
			return
		}
		for _, dp := range m.Summary().DataPoints().All() {
			p := point(dp.Attributes(), dp.StartTimestamp(), dp.Timestamp(), true)
			if p == nil {
				continue
			}
			var qs []abacus.Quantile
			for _, q := range dp.QuantileValues().All() {
				qs = append(qs, abacus.Quantile{Q: q.Quantile(), Value: q.Value()})
			}
			if dp.Count() != p.summary.Count || dp.Sum() != p.summary.Sum || !slices.Equal(qs, p.summary.Quantiles) {
				t.Errorf("%s: count %d sum %v quantiles %v, want %d %v %v", name, dp.Count(), dp.Sum(), qs, p.summary.Count, p.summary.Sum, p.summary.Quantiles)
			}
		}
	}
	for k := range w.points {
		if !points[k] {
			t.Errorf("%s{%s}: the series did not arrive", name, k)
		}
	}
}

// checkExponential compares an exponential histogram point with a
// snapshot: count, sum, scale, zero bucket, extremes and every bucket.
func checkExponential(t *testing.T, name string, dp pmetric.ExponentialHistogramDataPoint, s *abhist.Snapshot) {
	t.Helper()
	if dp.Count() != s.Count() || !dp.HasSum() || dp.Sum() != s.Sum() || int(dp.Scale()) != s.Scale() ||
		dp.ZeroCount() != s.ZeroCount() || dp.ZeroThreshold() != s.ZeroThreshold() {
		t.Errorf("%s: count %d sum %v scale %d zero %d (threshold %v), want %d %v %d %d (%v)", name,
			dp.Count(), dp.Sum(), dp.Scale(), dp.ZeroCount(), dp.ZeroThreshold(),
			s.Count(), s.Sum(), s.Scale(), s.ZeroCount(), s.ZeroThreshold())
	}
	if !dp.HasMin() || !dp.HasMax() || dp.Min() != s.Min() || dp.Max() != s.Max() {
		t.Errorf("%s: min %v (%v) max %v (%v), want %v %v", name, dp.Min(), dp.HasMin(), dp.Max(), dp.HasMax(), s.Min(), s.Max())
	}
	for _, side := range []struct {
		sign string
		got  pmetric.ExponentialHistogramDataPointBuckets
		want abhist.Buckets
	}{{"positive", dp.Positive(), s.Positive()}, {"negative", dp.Negative(), s.Negative()}} {
		got, want := side.got.BucketCounts().AsRaw(), side.want.Counts
		if len(want) == 0 && len(got) == 0 {
			continue
		}
		if int(side.got.Offset()) != side.want.Offset || !slices.Equal(got, want) {
			t.Errorf("%s %s buckets: offset %d %v, want %d %v", name, side.sign, side.got.Offset(), got, side.want.Offset, want)
		}
	}
}

// checkClassic compares a classic histogram point with the registry's
// cumulative classic buckets.
func checkClassic(t *testing.T, name string, dp pmetric.HistogramDataPoint, p *wantPoint) {
	t.Helper()
	var wantBounds []float64
	var wantCounts []uint64
	prev := uint64(0)
	for _, b := range p.classic {
		if !math.IsInf(b.UpperBound, 1) {
			wantBounds = append(wantBounds, b.UpperBound)
		}
		wantCounts = append(wantCounts, b.Count-prev)
		prev = b.Count
	}
	count := p.classic[len(p.classic)-1].Count
	if dp.Count() != count || !dp.HasSum() || dp.Sum() != p.sum ||
		!slices.Equal(dp.ExplicitBounds().AsRaw(), wantBounds) || !slices.Equal(dp.BucketCounts().AsRaw(), wantCounts) {
		t.Errorf("%s: count %d sum %v bounds %v counts %v, want %d %v %v %v", name,
			dp.Count(), dp.Sum(), dp.ExplicitBounds().AsRaw(), dp.BucketCounts().AsRaw(), count, p.sum, wantBounds, wantCounts)
	}
	if dp.HasMin() && dp.Min() != p.snap.Min() || dp.HasMax() && dp.Max() != p.snap.Max() {
		t.Errorf("%s: min %v max %v, want %v %v", name, dp.Min(), dp.Max(), p.snap.Min(), p.snap.Max())
	}
}

// checkExemplars compares received exemplars with the registry's: value,
// time, trace and span IDs from the trace_id and span_id labels, the other
// labels as filtered attributes.
func checkExemplars(t *testing.T, name string, got pmetric.ExemplarSlice, want []*abacus.Exemplar) {
	t.Helper()
	describe := func(value float64, ts int64, trace, span string, a map[string]string) string {
		return fmt.Sprintf("%v@%d trace %s span %s %v", value, ts, trace, span, attrKey(a))
	}
	var g, w []string
	for _, x := range got.All() {
		tid, sid := x.TraceID(), x.SpanID()
		g = append(g, describe(x.DoubleValue(), int64(x.Timestamp()), hex.EncodeToString(tid[:]), hex.EncodeToString(sid[:]), attrs(t, x.FilteredAttributes())))
	}
	for _, x := range want {
		trace, span := hex.EncodeToString(make([]byte, 16)), hex.EncodeToString(make([]byte, 8))
		a := map[string]string{}
		for _, l := range x.Labels {
			switch l.Name {
			case "trace_id":
				trace = l.Value
			case "span_id":
				span = l.Value
			default:
				a[l.Name] = l.Value
			}
		}
		w = append(w, describe(x.Value, x.Time.UnixNano(), trace, span, a))
	}
	sort.Strings(g)
	sort.Strings(w)
	if !slices.Equal(g, w) {
		t.Errorf("%s exemplars:\n got %q\nwant %q", name, g, w)
	}
}

// TestCollectorReceivesAbacus pushes a registry of every kind through
// otlp.Exporter to the Collector's receiver, cumulative and delta, gzip on
// and off, exponential and classic histograms: every metric and every data
// point arrives with the values the registry holds.
func TestCollectorReceivesAbacus(t *testing.T) {
	c := startCollector(t)
	for _, temp := range []otlp.Temporality{otlp.Cumulative, otlp.Delta} {
		for _, classic := range []bool{false, true} {
			for _, plain := range []bool{false, true} {
				name := fmt.Sprintf("%v/classic=%v/gzip=%v", temp, classic, !plain)
				t.Run(name, func(t *testing.T) {
					c.Sink.Reset()
					reg := richRegistry(t)
					res := map[string]string{"service.name": "abacus-integration", "service.instance.id": name}
					before := time.Now().UnixNano()
					x, err := otlp.NewExporter(reg, otlp.ExporterOptions{
						Endpoint: c.URL, NoCompression: plain,
						Options: otlp.Options{Resource: res, Temporality: temp, ClassicHistograms: classic},
					})
					if err != nil {
						t.Fatal(err)
					}
					created := bounds{before, time.Now().UnixNano()}
					want := holds(reg)
					at := time.Now().UnixNano()
					if err := x.Flush(context.Background()); err != nil {
						t.Fatalf("Flush: %v", err)
					}
					e := expectation{classic: classic, at: bounds{at, time.Now().UnixNano()}, start: created, resource: res,
						temporality: pmetric.AggregationTemporalityCumulative}
					if temp == otlp.Delta {
						e.temporality = pmetric.AggregationTemporalityDelta
					}
					all := c.Sink.AllMetrics()
					if len(all) != 1 {
						t.Fatalf("the sink holds %d requests, want 1", len(all))
					}
					checkReceived(t, all[0], want, reg, e)
					if st := x.Stats(); st.Points != uint64(all[0].DataPointCount()) || st.Requests != 1 {
						t.Errorf("exporter stats %+v; the sink counted %d points", st, all[0].DataPointCount())
					}
				})
			}
		}
	}
}

// TestCollectorDeltasAddUp pushes delta requests while writers add to
// counters (creating series as they go) and observe into a histogram;
// after the writers stop, one more Flush. The deltas the Collector received
// must add up exactly to each series' total, bucket by bucket for the
// histogram, and each delta point must start where that series' previous
// one ended.
func TestCollectorDeltasAddUp(t *testing.T) {
	for _, classic := range []bool{false, true} {
		t.Run(fmt.Sprintf("classic=%v", classic), func(t *testing.T) { testDeltasAddUp(t, classic) })
	}
}

func testDeltasAddUp(t *testing.T, classic bool) {
	c := startCollector(t)
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	jobs := abacus.Must(reg.CounterVec(abacus.Opts{Name: "it_jobs_total"}, "worker", "n"))
	lat := abacus.Must(reg.Histogram(abacus.HistogramOpts{Opts: abacus.Opts{Name: "it_latency_seconds", Unit: "seconds"}}))
	x, err := otlp.NewExporter(reg, otlp.ExporterOptions{Endpoint: c.URL,
		Options: otlp.Options{Temporality: otlp.Delta, ClassicHistograms: classic}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				// new series keep appearing: n counts up to 7
				jobs.With(fmt.Sprint(w), fmt.Sprint(min(i/2000, 7))).Add(uint64(1 + i%3))
				// dyadic values: every sum and difference of sums is exact
				lat.Observe(float64(i%64-8) / 16)
				if i%256 == 0 {
					time.Sleep(time.Millisecond)
				}
			}
		})
	}
	flushes := 0
	for range 8 {
		time.Sleep(30 * time.Millisecond)
		if err := x.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		flushes++
	}
	stop()
	wg.Wait()
	if err := x.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	flushes++
	want := holds(reg)

	all := c.Sink.AllMetrics()
	if len(all) != flushes {
		t.Fatalf("the sink holds %d requests, want %d", len(all), flushes)
	}
	type acc struct {
		value   float64
		last    pcommon.Timestamp // the previous point's time
		count   uint64
		sum     float64
		zero    uint64
		buckets map[bucketKey]uint64 // exponential, at scale
		scale   int32
		classic []uint64
		points  int
	}
	sums := map[string]*acc{}
	for i, md := range all {
		for _, m := range []string{"it_jobs_total", "it_latency_seconds"} {
			met, ok := byName(md, m)
			if !ok {
				if i == 0 {
					continue // nothing recorded yet at the first flush
				}
				t.Fatalf("request %d has no %s", i, m)
			}
			var temporality pmetric.AggregationTemporality
			switch met.Type() {
			case pmetric.MetricTypeSum:
				temporality = met.Sum().AggregationTemporality()
			case pmetric.MetricTypeHistogram:
				temporality = met.Histogram().AggregationTemporality()
			case pmetric.MetricTypeExponentialHistogram:
				temporality = met.ExponentialHistogram().AggregationTemporality()
			}
			if temporality != pmetric.AggregationTemporalityDelta {
				t.Errorf("request %d: %s is %v", i, m, temporality)
			}
		}
		// continuity: a point starts where the series' previous one ended
		// (or at its creation)
		step := func(key string, start, at pcommon.Timestamp) *acc {
			a := sums[key]
			if a == nil {
				a = &acc{buckets: map[bucketKey]uint64{}, scale: math.MaxInt32}
				sums[key] = a
			} else if start != a.last {
				t.Errorf("request %d: %s starts at %d; its previous point ended at %d", i, key, start, a.last)
			}
			a.last = at
			a.points++
			return a
		}
		if met, ok := byName(md, "it_jobs_total"); ok {
			for _, dp := range met.Sum().DataPoints().All() {
				key := "it_jobs_total" + attrKey(attrs(t, dp.Attributes()))
				a := step(key, dp.StartTimestamp(), dp.Timestamp())
				if a.points == 1 {
					if w := want["it_jobs_total"].points[attrKey(attrs(t, dp.Attributes()))]; w != nil && int64(dp.StartTimestamp()) != w.created {
						t.Errorf("%s: first delta starts at %d, want the series' creation %d", key, dp.StartTimestamp(), w.created)
					}
				}
				a.value += dp.DoubleValue()
			}
		}
		if met, ok := byName(md, "it_latency_seconds"); ok && classic {
			dp := met.Histogram().DataPoints().At(0)
			a := step("it_latency_seconds", dp.StartTimestamp(), dp.Timestamp())
			a.count += dp.Count()
			a.sum += dp.Sum()
			counts := dp.BucketCounts().AsRaw()
			if a.classic == nil {
				a.classic = make([]uint64, len(counts))
			}
			for j, n := range counts {
				a.classic[j] += n
			}
		} else if ok {
			dp := met.ExponentialHistogram().DataPoints().At(0)
			a := step("it_latency_seconds", dp.StartTimestamp(), dp.Timestamp())
			if a.points > 1 && (dp.HasMin() || dp.HasMax()) {
				t.Errorf("request %d: a delta exponential histogram with extremes (min %v max %v)", i, dp.Min(), dp.Max())
			}
			a.count += dp.Count()
			a.sum += dp.Sum()
			a.zero += dp.ZeroCount()
			addBuckets(a.buckets, &a.scale, dp.Scale(), int(dp.Positive().Offset()), dp.Positive().BucketCounts().AsRaw(), 1)
			addBuckets(a.buckets, &a.scale, dp.Scale(), int(dp.Negative().Offset()), dp.Negative().BucketCounts().AsRaw(), -1)
		}
	}

	for _, p := range want["it_jobs_total"].points {
		key := "it_jobs_total" + attrKey(p.attrs)
		a := sums[key]
		if a == nil {
			t.Errorf("%s: no delta arrived; its total is %v", key, p.value)
			continue
		}
		if a.value != p.value {
			t.Errorf("%s: deltas add up to %v over %d points; the counter holds %v", key, a.value, a.points, p.value)
		}
	}
	if n := len(want["it_jobs_total"].points); len(sums)-1 != n {
		t.Errorf("%d counter series received, the registry holds %d", len(sums)-1, n)
	}
	h := want["it_latency_seconds"].points[""]
	a := sums["it_latency_seconds"]
	if a.count != h.snap.Count() || a.sum != h.snap.Sum() {
		t.Errorf("histogram deltas add up to count %d sum %v; it holds %d %v", a.count, a.sum, h.snap.Count(), h.snap.Sum())
	}
	if classic {
		var cum []uint64
		run := uint64(0)
		for _, n := range a.classic {
			run += n
			cum = append(cum, run)
		}
		var wantCum []uint64
		for _, b := range h.classic {
			wantCum = append(wantCum, b.Count)
		}
		if !slices.Equal(cum, wantCum) {
			t.Errorf("classic bucket deltas add up to %v; the histogram holds %v", cum, wantCum)
		}
	} else {
		wantBuckets, scale := map[bucketKey]uint64{}, int32(math.MaxInt32)
		addBuckets(wantBuckets, &scale, int32(h.snap.Scale()), h.snap.Positive().Offset, h.snap.Positive().Counts, 1)
		addBuckets(wantBuckets, &scale, int32(h.snap.Scale()), h.snap.Negative().Offset, h.snap.Negative().Counts, -1)
		if scale != a.scale || !maps.Equal(wantBuckets, a.buckets) || a.zero != h.snap.ZeroCount() {
			t.Errorf("exponential bucket deltas add up to scale %d zero %d %v; the histogram holds scale %d zero %d %v",
				a.scale, a.zero, a.buckets, scale, h.snap.ZeroCount(), wantBuckets)
		}
	}
	t.Logf("%d requests; %d counter series, the histogram in %d points, %d observations", flushes, len(sums)-1, a.points, a.count)
}

// bucketKey is an exponential bucket: its sign and its index.
type bucketKey struct{ sign, index int }

// addBuckets adds exponential buckets at a scale into acc, downscaling acc
// or the buckets to the coarser of the two scales (bucket i at scale s is
// within bucket i>>d at scale s-d).
func addBuckets(acc map[bucketKey]uint64, accScale *int32, scale int32, offset int, counts []uint64, sign int) {
	if scale < *accScale {
		if *accScale != math.MaxInt32 {
			old := maps.Clone(acc)
			clear(acc)
			for k, n := range old {
				acc[bucketKey{k.sign, k.index >> (*accScale - scale)}] += n
			}
		}
		*accScale = scale
	}
	for j, n := range counts {
		if n != 0 {
			acc[bucketKey{sign, (offset + j) >> (scale - *accScale)}] += n
		}
	}
}

// TestSDKAndAbacusBucketsAgree records the same values into an OpenTelemetry
// SDK exponential histogram (MaxScale 6, room enough never to downscale)
// and an Abacus histogram at scale 6, pushes both to the Collector's
// receiver, and compares what arrived: the same scale, zero count, count,
// sum, min, max, and every bucket, so Abacus's bucket of a value is the
// reference implementation's. The values include exact powers of two (a
// bucket's inclusive upper bound) and their floating-point neighbours.
func TestSDKAndAbacusBucketsAgree(t *testing.T) {
	var values []float64
	for e := -12; e <= 12; e++ {
		p := math.Ldexp(1, e)
		values = append(values, p, math.Nextafter(p, 0), math.Nextafter(p, math.Inf(1)))
	}
	x := 0.000123
	for range 500 { // a deterministic spread over 1e-4 … 1e4
		values = append(values, x)
		x *= 1.0371
		if x > 1e4 {
			x /= 1e8
		}
	}
	values = append(values, 0, 0)

	c := startCollector(t)
	ctx := context.Background()
	exp, err := otlpmetrichttp.New(ctx, otlpmetrichttp.WithEndpointURL(c.URL))
	if err != nil {
		t.Fatal(err)
	}
	mp := sdkmetric.NewMeterProvider(
		sdkmetric.WithReader(sdkmetric.NewPeriodicReader(exp, sdkmetric.WithInterval(time.Hour))),
		sdkmetric.WithView(sdkmetric.NewView(sdkmetric.Instrument{Name: "latency"},
			sdkmetric.Stream{Aggregation: sdkmetric.AggregationBase2ExponentialHistogram{MaxSize: 4096, MaxScale: 6}})),
	)
	sdkHist, _ := mp.Meter("reference").Float64Histogram("latency", otelmetric.WithUnit("s"))
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	h := abacus.Must(reg.Histogram(abacus.HistogramOpts{Opts: abacus.Opts{Name: "latency_seconds", Unit: "seconds"},
		Options: []abhist.Option{abhist.WithScale(6)}}))
	for _, v := range values {
		sdkHist.Record(ctx, v)
		h.Observe(v)
	}
	if err := mp.Shutdown(ctx); err != nil { // exports once
		t.Fatal(err)
	}
	ax, err := otlp.NewExporter(reg, otlp.ExporterOptions{Endpoint: c.URL})
	if err != nil {
		t.Fatal(err)
	}
	if err := ax.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	all := c.Sink.AllMetrics()
	if len(all) != 2 {
		t.Fatalf("the sink holds %d requests, want 2", len(all))
	}
	sm, ok1 := byName(all[0], "latency")
	am, ok2 := byName(all[1], "latency_seconds")
	if !ok1 || !ok2 {
		t.Fatalf("missing metrics: SDK %v, Abacus %v", ok1, ok2)
	}
	s, a := sm.ExponentialHistogram().DataPoints().At(0), am.ExponentialHistogram().DataPoints().At(0)
	sparse := func(p pmetric.ExponentialHistogramDataPoint) map[int]uint64 {
		out := map[int]uint64{}
		for j, n := range p.Positive().BucketCounts().AsRaw() {
			if n != 0 {
				out[int(p.Positive().Offset())+j] = n
			}
		}
		return out
	}
	t.Logf("SDK: scale %d count %d zero %d sum %v min %v max %v, %d buckets; Abacus: scale %d count %d zero %d sum %v min %v max %v, %d buckets",
		s.Scale(), s.Count(), s.ZeroCount(), s.Sum(), s.Min(), s.Max(), len(sparse(s)),
		a.Scale(), a.Count(), a.ZeroCount(), a.Sum(), a.Min(), a.Max(), len(sparse(a)))
	if s.Scale() != a.Scale() || s.Count() != a.Count() || s.ZeroCount() != a.ZeroCount() || s.Min() != a.Min() || s.Max() != a.Max() {
		t.Errorf("the SDK and Abacus differ (see above)")
	}
	if math.Abs(s.Sum()-a.Sum()) > 1e-9*math.Abs(s.Sum()) { // summed in different orders
		t.Errorf("sum: SDK %v, Abacus %v", s.Sum(), a.Sum())
	}
	sb, ab := sparse(s), sparse(a)
	for i := range sb {
		if sb[i] != ab[i] {
			lo, hi := math.Exp2(float64(i)/64), math.Exp2(float64(i+1)/64)
			var in []float64
			for _, v := range values {
				if v > lo*(1-1e-9) && v <= hi*(1+1e-9) {
					in = append(in, v)
				}
			}
			t.Errorf("bucket %d (%g, %g]: SDK %d, Abacus %d; values near it %v", i, lo, hi, sb[i], ab[i], in)
		}
	}
	for i := range ab {
		if _, ok := sb[i]; !ok {
			t.Errorf("bucket %d: Abacus %d, the SDK none", i, ab[i])
		}
	}
}

// TestCollectorRetryRules puts the Collector's receiver in front of a
// consumer that fails as a pipeline does, and checks otlp.Exporter against
// the statuses the receiver really answers with: a temporary failure is 503
// (retried, delivered once), throttling with RetryInfo is 429 with
// Retry-After in seconds (honoured), a permanent failure is 500 and an
// invalid argument 400 (neither retried; the receiver's google.rpc.Status
// message reaches the RejectedError).
func TestCollectorRetryRules(t *testing.T) {
	throttled, err := status.New(codes.ResourceExhausted, "slow down").WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		failures  []error // returned by the consumer, one per call, then nil
		status    int     // of a rejection; 0: delivered
		message   string  // the rejection's message
		retries   uint64
		minWait   time.Duration
		delivered int
	}{
		{name: "temporary 503", failures: []error{errors.New("busy"), errors.New("still busy")}, retries: 2, delivered: 1},
		{name: "throttled 429 Retry-After", failures: []error{throttled.Err()}, retries: 1, minWait: time.Second, delivered: 1},
		{name: "permanent 500", failures: []error{consumererror.NewPermanent(errors.New("refused for good"))},
			status: http.StatusInternalServerError, message: "Permanent error: refused for good"},
		{name: "invalid 400", failures: []error{status.Error(codes.InvalidArgument, "bad points")},
			status: http.StatusBadRequest, message: "bad points"},
	} {
		t.Run(c.name, func(t *testing.T) {
			sink := new(consumertest.MetricsSink)
			var mu sync.Mutex
			calls := 0
			next, err := consumer.NewMetrics(func(ctx context.Context, md pmetric.Metrics) error {
				mu.Lock()
				i := calls
				calls++
				mu.Unlock()
				if i < len(c.failures) {
					return c.failures[i]
				}
				return sink.ConsumeMetrics(ctx, md)
			})
			if err != nil {
				t.Fatal(err)
			}
			url := startReceiver(t, next)
			rec := record(t, url)
			reg := abacus.NewRegistry(abacus.WithoutMetaMetrics())
			abacus.Must(reg.Counter(abacus.Opts{Name: "it_jobs_total"})).Add(7)
			x, err := otlp.NewExporter(reg, otlp.ExporterOptions{Endpoint: rec.URL, Logger: testLogger(t),
				InitialBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond, MaxElapsed: 10 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			err = x.Flush(context.Background())
			took := time.Since(start)
			var rej *otlp.RejectedError
			switch {
			case c.status == 0 && err != nil:
				t.Errorf("Flush: %v, want delivery", err)
			case c.status != 0 && !errors.As(err, &rej):
				t.Errorf("Flush: %v, want a rejection with %d", err, c.status)
			case c.status != 0 && (rej.StatusCode != c.status || rej.Message != c.message):
				t.Errorf("rejection %d %q, want %d %q", rej.StatusCode, rej.Message, c.status, c.message)
			}
			if st := x.Stats(); st.Retries != c.retries {
				t.Errorf("%d retries, want %d", st.Retries, c.retries)
			}
			if took < c.minWait {
				t.Errorf("delivered after %v; the receiver asked for %v", took, c.minWait)
			}
			if n := len(sink.AllMetrics()); n != c.delivered {
				t.Errorf("the sink holds %d requests, want %d", n, c.delivered)
			}
			var statuses []string
			for _, r := range rec.requests() {
				statuses = append(statuses, strconv.Itoa(r.Status))
			}
			t.Logf("the receiver answered %s; Flush returned %v after %v", strings.Join(statuses, ", "), err, took.Round(time.Millisecond))
		})
	}
}

// TestCollectorNamesAndUpDownSums exports with Options.Name (OpenTelemetry
// names for the families) and Options.NonMonotonic (a gauge as an
// UpDownCounter's non-monotonic cumulative sum): the Collector receives the
// names given, and the gauge as a non-monotonic cumulative Sum that starts
// at the series' creation.
func TestCollectorNamesAndUpDownSums(t *testing.T) {
	c := startCollector(t)
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	abacus.Must(reg.Counter(abacus.Opts{Name: "http_server_requests_total"})).Add(9)
	inflight := abacus.Must(reg.GaugeVec(abacus.Opts{Name: "http_server_active_requests"}, "method"))
	inflight.With("GET").Set(3)
	inflight.With("PUT").Set(-1)
	otelNames := map[string]string{"http_server_requests_total": "http.server.requests", "http_server_active_requests": "http.server.active_requests"}
	x, err := otlp.NewExporter(reg, otlp.ExporterOptions{Endpoint: c.URL, Options: otlp.Options{
		Name:         func(f *abacus.Family) string { return otelNames[f.Name()] },
		NonMonotonic: func(f *abacus.Family) bool { return f.Name() == "http_server_active_requests" },
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := holds(reg)
	if err := x.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	md := c.Sink.AllMetrics()[0]
	if m, ok := byName(md, "http.server.requests"); !ok || m.Sum().DataPoints().At(0).DoubleValue() != 9 || !m.Sum().IsMonotonic() {
		t.Errorf("http.server.requests: %v", ok)
	}
	m, ok := byName(md, "http.server.active_requests")
	if !ok || m.Type() != pmetric.MetricTypeSum || m.Sum().IsMonotonic() || m.Sum().AggregationTemporality() != pmetric.AggregationTemporalityCumulative {
		t.Fatalf("http.server.active_requests: %v %v", ok, m.Type())
	}
	for _, p := range m.Sum().DataPoints().All() {
		w := want["http_server_active_requests"].points[attrKey(attrs(t, p.Attributes()))]
		if w == nil || p.DoubleValue() != w.value || int64(p.StartTimestamp()) != w.created {
			t.Errorf("point %v = %v from %d; want %+v", p.Attributes().AsRaw(), p.DoubleValue(), p.StartTimestamp(), w)
		}
	}
	if n := m.Sum().DataPoints().Len(); n != 2 {
		t.Errorf("%d points, want 2", n)
	}
}

// TestCollectorLargeRequest sends one request with messages of every size
// class of a protobuf length prefix (1, 2 and 3 bytes): label values from
// 0 to 299 bytes over 3,000 series, a description of 20,000 bytes, and a
// histogram at scale 8 over 30 decades (thousands of buckets in one data
// point). The Collector's receiver must decode it and every point must be
// the registry's.
func TestCollectorLargeRequest(t *testing.T) {
	c := startCollector(t)
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics(), abacus.WithCardinalityLimit(10000))
	jobs := abacus.Must(reg.CounterVec(abacus.Opts{Name: "it_jobs_total", Help: strings.Repeat("Jobs done. ", 1820)}, "k"))
	for i := range 3000 {
		jobs.With(strings.Repeat("x", i%300) + strconv.Itoa(i)).Add(uint64(i))
	}
	h := abacus.Must(reg.Histogram(abacus.HistogramOpts{Opts: abacus.Opts{Name: "it_spread_seconds", Unit: "seconds"},
		Options: []abhist.Option{abhist.WithScale(8)}}))
	for v := 1e-15; v < 1e15; v *= 1.0013 {
		h.Observe(v)
	}
	res := map[string]string{"service.name": "large"}
	before := time.Now().UnixNano()
	x, err := otlp.NewExporter(reg, otlp.ExporterOptions{Endpoint: c.URL, Options: otlp.Options{Resource: res}})
	if err != nil {
		t.Fatal(err)
	}
	created := bounds{before, time.Now().UnixNano()}
	want := holds(reg)
	at := time.Now().UnixNano()
	if err := x.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	all := c.Sink.AllMetrics()
	if len(all) != 1 {
		t.Fatalf("the sink holds %d requests", len(all))
	}
	checkReceived(t, all[0], want, reg, expectation{at: bounds{at, time.Now().UnixNano()}, start: created, resource: res,
		temporality: pmetric.AggregationTemporalityCumulative})
	p := want["it_spread_seconds"].points[""].snap
	t.Logf("%d points, %d bytes sent (gzip); the histogram at scale %d with %d buckets", all[0].DataPointCount(), x.Stats().Bytes, p.Scale(), len(p.Positive().Counts))
}
