package otlp

import (
	"math"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/histogram"
	colpb "go.opentelemetry.io/proto/slim/otlp/collector/metrics/v1"
	commonpb "go.opentelemetry.io/proto/slim/otlp/common/v1"
	metricspb "go.opentelemetry.io/proto/slim/otlp/metrics/v1"
	resourcepb "go.opentelemetry.io/proto/slim/otlp/resource/v1"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"
)

var (
	epoch = time.Unix(1_700_000_000, 0)
	now   = epoch.Add(time.Minute)
)

// decode parses an encoded request with the generated types.
func decode(t testing.TB, b []byte) *colpb.ExportMetricsServiceRequest {
	t.Helper()
	req := new(colpb.ExportMetricsServiceRequest)
	if err := proto.Unmarshal(b, req); err != nil {
		t.Fatalf("the generated types refuse the request: %v", err)
	}
	return req
}

func str(k, v string) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: k, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: v}}}
}

func metadata(typ string) []*commonpb.KeyValue {
	return []*commonpb.KeyValue{str("prometheus.type", typ)}
}

func f64(v float64) *float64 { return &v }

// testRegistry records one of each kind at the epoch's clock.
func testRegistry(t testing.TB) *abacus.Registry {
	t.Helper()
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics(), abacus.WithClock(func() time.Time { return epoch }))
	jobs, err := reg.CounterVec(abacus.Opts{Name: "app_jobs_total", Help: "Jobs done.", ConstLabels: map[string]string{"region": "eu"}}, "queue")
	if err != nil {
		t.Fatal(err)
	}
	jobs.With("email").Add(3)
	jobs.With("").Add(1) // an empty label value is an absent label
	temp, err := reg.Gauge(abacus.Opts{Name: "app_temperature_celsius", Unit: "celsius", Help: "Temperature."})
	if err != nil {
		t.Fatal(err)
	}
	temp.Set(-4.5)
	lat, err := reg.Histogram(abacus.HistogramOpts{
		Opts:    abacus.Opts{Name: "app_latency_seconds", Unit: "seconds", Help: "Latency."},
		Options: []histogram.Option{histogram.WithScale(0)},
		Buckets: []float64{1, 2, 4},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []float64{1, 2, 3, 4, 0.75} {
		lat.Observe(v)
	}
	if err := reg.SummaryFunc(abacus.Opts{Name: "app_gc_seconds", Help: "GC."}, func() abacus.Summary {
		return abacus.Summary{Count: 7, Sum: 1.5, Quantiles: []abacus.Quantile{{Q: 0.5, Value: 0.1}, {Q: 1, Value: 0.5}}}
	}); err != nil {
		t.Fatal(err)
	}
	return reg
}

func TestEncoderCumulative(t *testing.T) {
	reg := testRegistry(t)
	e := NewEncoder(reg, Options{
		Resource: map[string]string{"service.name": "shop", "service.instance.id": "a:1"},
		Now:      func() time.Time { return now }, ScopeVersion: "v1",
	})
	b, points := e.Append(nil)
	if points != 5 {
		t.Errorf("points = %d, want 5", points)
	}
	got := decode(t, b)
	start, at := uint64(epoch.UnixNano()), uint64(now.UnixNano())
	want := &colpb.ExportMetricsServiceRequest{ResourceMetrics: []*metricspb.ResourceMetrics{{
		Resource: &resourcepb.Resource{Attributes: []*commonpb.KeyValue{str("service.instance.id", "a:1"), str("service.name", "shop")}},
		ScopeMetrics: []*metricspb.ScopeMetrics{{
			Scope: &commonpb.InstrumentationScope{Name: ScopeName, Version: "v1"},
			Metrics: []*metricspb.Metric{
				{Name: "app_gc_seconds", Description: "GC.", Metadata: metadata("summary"),
					Data: &metricspb.Metric_Summary{Summary: &metricspb.Summary{DataPoints: []*metricspb.SummaryDataPoint{{
						StartTimeUnixNano: uint64(e.start), TimeUnixNano: at, Count: 7, Sum: 1.5,
						QuantileValues: []*metricspb.SummaryDataPoint_ValueAtQuantile{{Quantile: 0.5, Value: 0.1}, {Quantile: 1, Value: 0.5}},
					}}}}},
				{Name: "app_jobs_total", Description: "Jobs done.", Metadata: metadata("counter"),
					Data: &metricspb.Metric_Sum{Sum: &metricspb.Sum{
						AggregationTemporality: metricspb.AggregationTemporality_AGGREGATION_TEMPORALITY_CUMULATIVE, IsMonotonic: true,
						DataPoints: []*metricspb.NumberDataPoint{
							{Attributes: []*commonpb.KeyValue{str("region", "eu")}, StartTimeUnixNano: start, TimeUnixNano: at,
								Value: &metricspb.NumberDataPoint_AsDouble{AsDouble: 1}},
							{Attributes: []*commonpb.KeyValue{str("region", "eu"), str("queue", "email")}, StartTimeUnixNano: start, TimeUnixNano: at,
								Value: &metricspb.NumberDataPoint_AsDouble{AsDouble: 3}},
						}}}},
				{Name: "app_latency_seconds", Description: "Latency.", Unit: "s", Metadata: metadata("histogram"),
					Data: &metricspb.Metric_ExponentialHistogram{ExponentialHistogram: &metricspb.ExponentialHistogram{
						AggregationTemporality: metricspb.AggregationTemporality_AGGREGATION_TEMPORALITY_CUMULATIVE,
						DataPoints: []*metricspb.ExponentialHistogramDataPoint{{
							StartTimeUnixNano: start, TimeUnixNano: at, Count: 5, Sum: f64(10.75), Scale: 0,
							ZeroThreshold: zeroThreshold(t),
							// scale 0: bucket i is (2^i, 2^(i+1)]; 0.75 and 1 in -1, 2 in 0, 3 and 4 in 1
							Positive: &metricspb.ExponentialHistogramDataPoint_Buckets{Offset: -1, BucketCounts: []uint64{2, 1, 2}},
							Min:      f64(0.75), Max: f64(4),
						}},
					}}},
				{Name: "app_temperature_celsius", Description: "Temperature.", Unit: "Cel", Metadata: metadata("gauge"),
					Data: &metricspb.Metric_Gauge{Gauge: &metricspb.Gauge{DataPoints: []*metricspb.NumberDataPoint{
						{TimeUnixNano: at, Value: &metricspb.NumberDataPoint_AsDouble{AsDouble: -4.5}},
					}}}},
			},
		}},
	}}}
	if !proto.Equal(got, want) {
		t.Errorf("request:\n%s\nwant:\n%s", prototext.Format(got), prototext.Format(want))
	}
}

// zeroThreshold is the default zero threshold of a histogram.
func zeroThreshold(t testing.TB) float64 {
	h, err := histogram.New(histogram.WithScale(0))
	if err != nil {
		t.Fatal(err)
	}
	return h.ZeroThreshold()
}

// points returns the number points of one metric by their attributes'
// string, and the metric.
func points(req *colpb.ExportMetricsServiceRequest, name string) (map[string]*metricspb.NumberDataPoint, *metricspb.Metric) {
	out := map[string]*metricspb.NumberDataPoint{}
	for _, rm := range req.GetResourceMetrics() {
		for _, sm := range rm.GetScopeMetrics() {
			for _, m := range sm.GetMetrics() {
				if m.GetName() != name {
					continue
				}
				for _, p := range append(m.GetSum().GetDataPoints(), m.GetGauge().GetDataPoints()...) {
					out[attrText(p.GetAttributes())] = p
				}
				return out, m
			}
		}
	}
	return out, nil
}

func attrText(kvs []*commonpb.KeyValue) string {
	s := ""
	for _, kv := range kvs {
		s += kv.GetKey() + "=" + kv.GetValue().GetStringValue() + ";"
	}
	return s
}

// expPoint returns the first exponential histogram point of a metric.
func expPoint(t testing.TB, req *colpb.ExportMetricsServiceRequest, name string) *metricspb.ExponentialHistogramDataPoint {
	for _, rm := range req.GetResourceMetrics() {
		for _, sm := range rm.GetScopeMetrics() {
			for _, m := range sm.GetMetrics() {
				if m.GetName() == name {
					return m.GetExponentialHistogram().GetDataPoints()[0]
				}
			}
		}
	}
	t.Fatalf("no metric %s", name)
	return nil
}

func TestEncoderDelta(t *testing.T) {
	clock := epoch
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics(), abacus.WithClock(func() time.Time { return epoch }))
	c, _ := reg.CounterVec(abacus.Opts{Name: "n_total"}, "k")
	h, _ := reg.Histogram(abacus.HistogramOpts{Opts: abacus.Opts{Name: "h"}, Options: []histogram.Option{histogram.WithScale(0)}})
	e := NewEncoder(reg, Options{Temporality: Delta, Now: func() time.Time { return clock }})
	step := func(t *testing.T) *colpb.ExportMetricsServiceRequest {
		clock = clock.Add(10 * time.Second)
		b, _ := e.Append(nil)
		return decode(t, b)
	}

	c.With("a").Add(3)
	h.Observe(1)
	h.Observe(3)
	req := step(t)
	ps, m := points(req, "n_total")
	if got := m.GetSum().GetAggregationTemporality(); got != metricspb.AggregationTemporality_AGGREGATION_TEMPORALITY_DELTA {
		t.Fatalf("temporality %v", got)
	}
	if p := ps["k=a;"]; p.GetAsDouble() != 3 || p.GetStartTimeUnixNano() != uint64(epoch.UnixNano()) {
		t.Errorf("first delta %v, want 3 from the series' creation", p)
	}
	hp := expPoint(t, req, "h")
	if hp.GetCount() != 2 || hp.GetSum() != 4 || hp.Min == nil || hp.GetMin() != 1 || hp.GetMax() != 3 {
		t.Errorf("first histogram delta %v", hp)
	}

	c.With("a").Add(2)
	c.With("b").Add(1)
	h.Observe(3)
	h.Observe(8)
	prev := uint64(clock.UnixNano())
	req = step(t)
	ps, _ = points(req, "n_total")
	if p := ps["k=a;"]; p.GetAsDouble() != 2 || p.GetStartTimeUnixNano() != prev || p.GetTimeUnixNano() != uint64(clock.UnixNano()) {
		t.Errorf("second delta of a: %v, want 2 from %d", p, prev)
	}
	if p := ps["k=b;"]; p.GetAsDouble() != 1 {
		t.Errorf("first delta of b: %v, want 1", p)
	}
	hp = expPoint(t, req, "h")
	// 3 is in bucket 1 of (2,4], 8 in bucket 2 of (4,8]
	if hp.GetCount() != 2 || hp.GetSum() != 11 || hp.Min != nil || hp.Max != nil ||
		hp.GetPositive().GetOffset() != 1 || !equal(hp.GetPositive().GetBucketCounts(), []uint64{1, 1}) || hp.GetStartTimeUnixNano() != prev {
		t.Errorf("second histogram delta %v", prototext.Format(hp))
	}

	// a series deleted and created again starts over, whether its value
	// went down or not
	c.Delete("a")
	c.With("a").Add(1)
	req = step(t)
	ps, _ = points(req, "n_total")
	if p := ps["k=a;"]; p.GetAsDouble() != 1 {
		t.Errorf("delta of a created again: %v, want 1", p)
	}
	reg2 := abacus.NewRegistry(abacus.WithoutMetaMetrics(), abacus.WithClock(func() time.Time { return clock }))
	c2, _ := reg2.CounterVec(abacus.Opts{Name: "n_total"}, "k")
	e2 := NewEncoder(reg2, Options{Temporality: Delta, Now: func() time.Time { return clock }})
	c2.With("a").Add(5)
	e2.Append(nil)
	c2.Delete("a")
	clock = clock.Add(time.Second)
	c2.With("a").Add(7)
	b2, _ := e2.Append(nil)
	if ps, _ := points(decode(t, b2), "n_total"); ps["k=a;"].GetAsDouble() != 7 || ps["k=a;"].GetStartTimeUnixNano() != uint64(clock.UnixNano()) {
		t.Errorf("delta of a created again with a higher value: %v, want 7 from its creation", ps["k=a;"])
	}
	// nothing new: zero deltas, empty buckets
	req = step(t)
	if hp = expPoint(t, req, "h"); hp.GetCount() != 0 || len(hp.GetPositive().GetBucketCounts()) != 0 {
		t.Errorf("idle histogram delta %v", prototext.Format(hp))
	}
}

func equal(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestDeltaTelescopes checks that deltas read while writers run add up to
// the cumulative totals, for counters and for every histogram bucket, and
// that a cumulative reader beside the delta one sees the totals.
func TestDeltaTelescopes(t *testing.T) {
	for _, classic := range []bool{false, true} {
		reg := abacus.NewRegistry(abacus.WithoutMetaMetrics())
		c, _ := reg.CounterVec(abacus.Opts{Name: "n_total"}, "k")
		h, _ := reg.Histogram(abacus.HistogramOpts{Opts: abacus.Opts{Name: "h"}, Buckets: []float64{1, 8, 64}})
		e := NewEncoder(reg, Options{Temporality: Delta, ClassicHistograms: classic})
		cum := NewEncoder(reg, Options{})
		sums := map[string]float64{}
		var count uint64
		buckets := map[int32]uint64{}
		var bounded []uint64
		read := func() {
			b, _ := e.Append(nil)
			req := decode(t, b)
			ps, _ := points(req, "n_total")
			for k, p := range ps {
				sums[k] += p.GetAsDouble()
			}
			for _, m := range req.GetResourceMetrics()[0].GetScopeMetrics()[0].GetMetrics() {
				if m.GetName() != "h" {
					continue
				}
				if classic {
					p := m.GetHistogram().GetDataPoints()[0]
					count += p.GetCount()
					if bounded == nil {
						bounded = make([]uint64, len(p.GetBucketCounts()))
					}
					for i, n := range p.GetBucketCounts() {
						bounded[i] += n
					}
					continue
				}
				p := m.GetExponentialHistogram().GetDataPoints()[0]
				count += p.GetCount()
				for i, n := range p.GetPositive().GetBucketCounts() {
					buckets[p.GetPositive().GetOffset()+int32(i)] += n
				}
			}
			cum.Append(nil) // a second reader must not disturb the first
		}
		var wg sync.WaitGroup
		stop := make(chan struct{})
		for w := range 4 {
			wg.Go(func() {
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					c.With([]string{"a", "b"}[i%2]).Add(uint64(w + 1))
					h.Observe(float64(i%100) + 0.5)
					runtime.Gosched() // js/wasm has one thread and no preemption
				}
			})
		}
		for range 50 {
			read()
			time.Sleep(time.Millisecond)
		}
		close(stop)
		wg.Wait()
		read()
		for _, k := range []string{"a", "b"} {
			if want := c.With(k).Value(); sums["k="+k+";"] != want {
				t.Errorf("classic=%v: deltas of %s add up to %g, want %g", classic, k, sums["k="+k+";"], want)
			}
		}
		snap := h.Snapshot()
		if count != snap.Count() {
			t.Errorf("classic=%v: histogram deltas count %d, want %d", classic, count, snap.Count())
		}
		if classic {
			cb, _ := h.Classic(nil)
			var run uint64
			for i, n := range bounded {
				run += n
				if run != cb[i].Count {
					t.Errorf("bucket le=%g: deltas add up to %d, want %d", cb[i].UpperBound, run, cb[i].Count)
				}
			}
			continue
		}
		o := snap.OTLP()
		for i, n := range o.Positive.BucketCounts {
			if idx := o.Positive.Offset + int32(i); buckets[idx] != n {
				t.Errorf("bucket %d: deltas add up to %d, want %d", idx, buckets[idx], n)
			}
		}
	}
}

func TestEncoderForgetsSeries(t *testing.T) {
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	c, _ := reg.CounterVec(abacus.Opts{Name: "n_total"}, "k")
	c.With("a").Inc()
	c.With("b").Inc()
	e := NewEncoder(reg, Options{Temporality: Delta})
	e.Append(nil)
	c.Delete("a")
	e.Append(nil)
	if n := len(e.prev[reg.Family("n_total")]); n != 1 {
		t.Errorf("delta state of %d series, want 1", n)
	}
}

func TestEncoderClassic(t *testing.T) {
	reg := testRegistry(t)
	e := NewEncoder(reg, Options{ClassicHistograms: true, Now: func() time.Time { return now }})
	b, _ := e.Append(nil)
	for _, m := range decode(t, b).GetResourceMetrics()[0].GetScopeMetrics()[0].GetMetrics() {
		if m.GetName() != "app_latency_seconds" {
			continue
		}
		want := &metricspb.Histogram{
			AggregationTemporality: metricspb.AggregationTemporality_AGGREGATION_TEMPORALITY_CUMULATIVE,
			DataPoints: []*metricspb.HistogramDataPoint{{
				StartTimeUnixNano: uint64(epoch.UnixNano()), TimeUnixNano: uint64(now.UnixNano()),
				Count: 5, Sum: f64(10.75),
				// 0.75 and 1 ≤ 1; 2 ≤ 2; 3 and 4 ≤ 4; none above
				ExplicitBounds: []float64{1, 2, 4}, BucketCounts: []uint64{2, 1, 2, 0},
			}},
		}
		if !proto.Equal(m.GetHistogram(), want) {
			t.Errorf("classic histogram:\n%s\nwant:\n%s", prototext.Format(m.GetHistogram()), prototext.Format(want))
		}
		return
	}
	t.Fatal("no histogram")
}

func TestEncoderNonMonotonic(t *testing.T) {
	reg := testRegistry(t)
	e := NewEncoder(reg, Options{NonMonotonic: func(f *abacus.Family) bool { return f.Name() == "app_temperature_celsius" }})
	b, _ := e.Append(nil)
	_, m := points(decode(t, b), "app_temperature_celsius")
	if s := m.GetSum(); s == nil || s.GetIsMonotonic() || s.GetAggregationTemporality() != metricspb.AggregationTemporality_AGGREGATION_TEMPORALITY_CUMULATIVE ||
		s.GetDataPoints()[0].GetAsDouble() != -4.5 || s.GetDataPoints()[0].GetStartTimeUnixNano() == 0 {
		t.Errorf("non-monotonic sum: %v", m)
	}
}

func TestEncoderExemplars(t *testing.T) {
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	c, _ := reg.Counter(abacus.Opts{Name: "n_total"})
	h, _ := reg.Histogram(abacus.HistogramOpts{Opts: abacus.Opts{Name: "h"}})
	trace, span := "0123456789abcdef0123456789abcdef", "0123456789abcdef"
	if err := c.AddWithExemplar(2, map[string]string{"trace_id": trace, "span_id": span, "user": "u1"}); err != nil {
		t.Fatal(err)
	}
	if err := h.ObserveWithExemplar(0.5, map[string]string{"trace_id": "not-hex"}); err != nil {
		t.Fatal(err)
	}
	b, _ := NewEncoder(reg, Options{}).Append(nil)
	req := decode(t, b)
	ps, _ := points(req, "n_total")
	x := ps[""].GetExemplars()
	if len(x) != 1 || x[0].GetAsDouble() != 2 || x[0].GetTimeUnixNano() == 0 ||
		len(x[0].GetTraceId()) != 16 || x[0].GetTraceId()[0] != 0x01 || len(x[0].GetSpanId()) != 8 ||
		attrText(x[0].GetFilteredAttributes()) != "user=u1;" {
		t.Errorf("counter exemplar %v", x)
	}
	hx := expPoint(t, req, "h").GetExemplars()
	if len(hx) != 1 || hx[0].GetAsDouble() != 0.5 || len(hx[0].GetTraceId()) != 0 || attrText(hx[0].GetFilteredAttributes()) != "trace_id=not-hex;" {
		t.Errorf("histogram exemplar %v", hx)
	}
	if math.IsNaN(expPoint(t, req, "h").GetSum()) {
		t.Error("sum NaN")
	}
}
