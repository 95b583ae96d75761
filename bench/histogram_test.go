package bench

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
	vm "github.com/VictoriaMetrics/metrics"
	"github.com/abacusgo/abacus/histogram"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"go.opentelemetry.io/otel/attribute"
	otelmetric "go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"google.golang.org/protobuf/proto"
)

// lognormal returns n latencies in seconds, lognormal and clamped to
// 1 µs–10 s: the workload of the anchors.
func lognormal(n int, seed uint64) []float64 {
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([]float64, n)
	for i := range out {
		out[i] = math.Min(10, math.Max(1e-6, math.Exp(r.NormFloat64()*2-7)))
	}
	return out
}

var workload = lognormal(1<<12, 1)

// mutexHDR is hdrhistogram-go behind a mutex, as users make it concurrent.
type mutexHDR struct {
	mu sync.Mutex
	h  *hdr.Histogram
}

func newHDR() *mutexHDR { return &mutexHDR{h: hdr.New(1, 10_000_000_000, 3)} } // 1 ns – 10 s, 3 figures

func (m *mutexHDR) observe(v float64) {
	m.mu.Lock()
	_ = m.h.RecordValue(int64(v * 1e9))
	m.mu.Unlock()
}

// otelHistogram returns an OTel SDK histogram with the given aggregation and
// the reader that collects it.
func otelHistogram(agg sdkmetric.Aggregation) (otelmetric.Float64Histogram, *sdkmetric.ManualReader) {
	reader := sdkmetric.NewManualReader()
	view := sdkmetric.NewView(sdkmetric.Instrument{Name: "latency"}, sdkmetric.Stream{Aggregation: agg})
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader), sdkmetric.WithView(view))
	h, err := mp.Meter("bench").Float64Histogram("latency")
	if err != nil {
		panic(err)
	}
	return h, reader
}

// observeCases are the recorders compared; each returns the func a
// RunParallel goroutine calls per value.
func observeCases() []struct {
	name string
	make func() func(float64)
} {
	return []struct {
		name string
		make func() func(float64)
	}{
		// The floor of an exact lock-free recorder with a float sum: a
		// compare-and-swap of the sum and an atomic add to a bucket picked
		// from the exponent bits, two locked instructions and nothing else
		// (no scale, no extremes, no shards).
		{"limit=sum-cas+bucket-add", func() func(float64) {
			var sum atomic.Uint64
			var buckets [2048]atomic.Uint64
			return func(v float64) {
				bits := math.Float64bits(v)
				for {
					old := sum.Load()
					if sum.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
						break
					}
				}
				buckets[bits>>52&2047].Add(1)
			}
		}},
		{"impl=abacus", func() func(float64) { return histogram.MustNew().Observe }},
		{"impl=abacus.ObserveDuration", func() func(float64) {
			h := histogram.MustNew()
			return func(v float64) { h.ObserveDuration(time.Duration(v * 1e9)) }
		}},
		{"impl=client_golang.classic", func() func(float64) {
			return prometheus.NewHistogram(prometheus.HistogramOpts{Name: "h", Help: "h", Buckets: prometheus.DefBuckets}).Observe
		}},
		{"impl=client_golang.native", func() func(float64) {
			return prometheus.NewHistogram(prometheus.HistogramOpts{Name: "h", Help: "h", NativeHistogramBucketFactor: 1.1}).Observe
		}},
		{"impl=victoriametrics", func() func(float64) { return vm.NewSet().NewHistogram("h").Update }},
		{"impl=otel.explicit", func() func(float64) {
			h, _ := otelHistogram(sdkmetric.AggregationExplicitBucketHistogram{
				Boundaries: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10},
			})
			ctx := context.Background()
			return func(v float64) { h.Record(ctx, v) }
		}},
		{"impl=otel.exponential", func() func(float64) {
			h, _ := otelHistogram(sdkmetric.AggregationBase2ExponentialHistogram{MaxSize: 160, MaxScale: 20})
			ctx := context.Background()
			return func(v float64) { h.Record(ctx, v) }
		}},
		{"impl=hdr.mutex", func() func(float64) { return newHDR().observe }},
	}
}

// BenchmarkObserve: one observation of a lognormal latency, all goroutines
// on one histogram (run with -cpu=1,2). The abacus rows call the method
// through a func value, as every other row does.
func BenchmarkObserve(b *testing.B) {
	for _, c := range observeCases() {
		b.Run(c.name, func(b *testing.B) {
			observe := c.make()
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					observe(workload[i&(len(workload)-1)])
					i++
				}
			})
		})
	}
}

// BenchmarkObserveDirect calls abacus's Observe as a method, the way code
// using it does, for comparison with the func-value rows above.
func BenchmarkObserveDirect(b *testing.B) {
	h := histogram.MustNew()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			h.Observe(workload[i&(len(workload)-1)])
			i++
		}
	})
}

// loadedValues is a realistic load: 100,000 lognormal latencies.
var loadedValues = lognormal(100_000, 2)

// BenchmarkQuantile: reading p99 from a histogram holding 100,000
// latencies, including whatever snapshot the library needs.
func BenchmarkQuantile(b *testing.B) {
	var sink float64
	b.Run("impl=abacus", func(b *testing.B) {
		h := histogram.MustNew()
		for _, v := range loadedValues {
			h.Observe(v)
		}
		b.ReportAllocs()
		for b.Loop() {
			sink += h.Snapshot().Quantile(0.99)
		}
	})
	b.Run("impl=abacus.fromSnapshot", func(b *testing.B) {
		h := histogram.MustNew()
		for _, v := range loadedValues {
			h.Observe(v)
		}
		s := h.Snapshot()
		b.ReportAllocs()
		for b.Loop() {
			sink += s.Quantile(0.99)
		}
	})
	b.Run("impl=hdr.mutex", func(b *testing.B) {
		m := newHDR()
		for _, v := range loadedValues {
			m.observe(v)
		}
		b.ReportAllocs()
		for b.Loop() {
			m.mu.Lock()
			sink += float64(m.h.ValueAtQuantile(99))
			m.mu.Unlock()
		}
	})
	b.Run("impl=client_golang.native.Write", func(b *testing.B) {
		h := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "h", Help: "h", NativeHistogramBucketFactor: 1.1})
		for _, v := range loadedValues {
			h.Observe(v)
		}
		b.ReportAllocs()
		for b.Loop() {
			var m dto.Metric
			if err := h.Write(&m); err != nil {
				b.Fatal(err)
			}
			sink += m.GetHistogram().GetSampleSum() // no quantile API: the snapshot alone
		}
	})
	b.Run("impl=otel.exponential.Collect", func(b *testing.B) {
		h, reader := otelHistogram(sdkmetric.AggregationBase2ExponentialHistogram{MaxSize: 160, MaxScale: 20})
		ctx := context.Background()
		for _, v := range loadedValues {
			h.Record(ctx, v)
		}
		b.ReportAllocs()
		for b.Loop() {
			var rm metricdata.ResourceMetrics
			if err := reader.Collect(ctx, &rm); err != nil {
				b.Fatal(err)
			}
		}
	})
	_ = sink
}

// BenchmarkMerge: merging two histograms of 100,000 latencies each.
func BenchmarkMerge(b *testing.B) {
	b.Run("impl=abacus", func(b *testing.B) {
		x, y := histogram.MustNew(), histogram.MustNew()
		for i, v := range loadedValues {
			x.Observe(v)
			y.Observe(loadedValues[len(loadedValues)-1-i])
		}
		sx, sy := x.Snapshot(), y.Snapshot()
		b.ReportAllocs()
		for b.Loop() {
			histogram.Merge(sx, sy)
		}
	})
	b.Run("impl=hdr", func(b *testing.B) {
		x, y := newHDR(), newHDR()
		for i, v := range loadedValues {
			x.observe(v)
			y.observe(loadedValues[len(loadedValues)-1-i])
		}
		b.ReportAllocs()
		for b.Loop() {
			m := hdr.New(1, 10_000_000_000, 3)
			m.Merge(x.h)
			m.Merge(y.h)
		}
	})
	b.Run("impl=victoriametrics", func(b *testing.B) {
		s := vm.NewSet()
		x, y := s.NewHistogram("x"), s.NewHistogram("y")
		for i, v := range loadedValues {
			x.Update(v)
			y.Update(loadedValues[len(loadedValues)-1-i])
		}
		b.ReportAllocs()
		for b.Loop() {
			var m vm.Histogram
			m.Merge(x)
			m.Merge(y)
		}
	})
}

// BenchmarkHistogramMemory reports heap bytes per histogram: idle, and after
// 10,000 lognormal latencies. Run with -benchtime=1x.
func BenchmarkHistogramMemory(b *testing.B) {
	values := lognormal(10_000, 3)
	ctx := context.Background()
	cases := []struct {
		name string
		make func() (keep any, observe func(float64))
	}{
		{"impl=abacus", func() (any, func(float64)) { h := histogram.MustNew(); return h, h.Observe }},
		{"impl=client_golang.classic", func() (any, func(float64)) {
			h := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "h", Help: "h"})
			return h, h.Observe
		}},
		{"impl=client_golang.native", func() (any, func(float64)) {
			h := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "h", Help: "h", NativeHistogramBucketFactor: 1.1})
			return h, h.Observe
		}},
		{"impl=victoriametrics", func() (any, func(float64)) { h := new(vm.Histogram); return h, h.Update }},
		{"impl=otel.exponential", func() (any, func(float64)) {
			h, r := otelHistogram(sdkmetric.AggregationBase2ExponentialHistogram{MaxSize: 160, MaxScale: 20})
			return [2]any{h, r}, func(v float64) { h.Record(ctx, v) }
		}},
		{"impl=hdr", func() (any, func(float64)) { m := newHDR(); return m, m.observe }},
	}
	const n = 50
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var idle, loaded float64
			for b.Loop() {
				keep := make([]any, n)
				obs := make([]func(float64), n)
				before := heapBytes()
				for i := range keep {
					keep[i], obs[i] = c.make()
				}
				mid := heapBytes()
				for _, o := range obs {
					for _, v := range values {
						o(v)
					}
				}
				after := heapBytes()
				runtime.KeepAlive(keep)
				idle = float64(mid-before) / n
				loaded = float64(after-before) / n
			}
			b.ReportMetric(idle, "B/idle")
			b.ReportMetric(loaded, "B/loaded")
		})
	}
}

// TestNativeBucketsMatchClientGolang records the same values in abacus and in
// client_golang native histograms at every schema, and checks that the
// Prometheus exports agree bucket for bucket: the layouts are the same, so
// export needs no re-bucketing. The one difference is at the boundaries
// themselves: abacus puts a float in the bucket real arithmetic gives it
// (its boundary floats are the true boundaries rounded down), while
// client_golang's boundary floats come from repeated multiplication and can
// be one ULP off. Floats within two ULPs of a boundary are therefore checked
// separately, and their disagreements counted and logged.
func TestNativeBucketsMatchClientGolang(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	values := lognormal(20000, 4)
	for range 20000 {
		values = append(values, math.Ldexp(1+r.Float64(), r.IntN(120)-60))
	}
	for schema := histogram.MinScale; schema <= histogram.MaxScale; schema++ {
		var edge []float64
		if schema > 0 {
			for range 2000 {
				i := r.IntN(128<<schema) - 64<<schema
				b := histogram.LowerBound(i, schema)
				edge = append(edge, b, math.Nextafter(b, 0), math.Nextafter(b, math.Inf(1)))
			}
		}
		got, want := nativeBuckets(schema, values)
		if len(got) != len(want) {
			t.Fatalf("schema %d: %d buckets; client_golang has %d", schema, len(got), len(want))
		}
		for key, c := range want {
			if got[key] != c {
				t.Fatalf("schema %d: bucket %d holds %d; client_golang's holds %d", schema, key, got[key], c)
			}
		}
		differ := 0
		for _, v := range edge {
			g, w := nativeBuckets(schema, []float64{v})
			for key := range w {
				if g[key] != 1 {
					differ++
				}
			}
		}
		if len(edge) > 0 {
			t.Logf("schema %d: %d of %d floats within one ULP of a boundary land in another bucket than client_golang's", schema, differ, len(edge))
		}
	}
}

// nativeBuckets records values in an abacus and a client_golang native
// histogram at schema and returns both as Prometheus key → count.
func nativeBuckets(schema int, values []float64) (abacus, clientGolang map[int32]int64) {
	factor := math.Exp2(math.Exp2(float64(-schema))) * (1 + 1e-12)
	cg := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "h", Help: "h", NativeHistogramBucketFactor: factor,
		NativeHistogramZeroThreshold: histogram.MinValue,
	})
	ab := histogram.MustNew(histogram.WithScale(schema))
	for _, v := range values {
		cg.Observe(v)
		ab.Observe(v)
	}
	var m dto.Metric
	if err := cg.Write(&m); err != nil {
		panic(err)
	}
	hm := m.GetHistogram()
	if hm.GetSchema() != int32(schema) {
		panic(fmt.Sprintf("client_golang picked schema %d; want %d", hm.GetSchema(), schema))
	}
	n := ab.Snapshot().Native()
	spans := make([]*dto.BucketSpan, len(n.PositiveSpans))
	for i, sp := range n.PositiveSpans {
		spans[i] = &dto.BucketSpan{Offset: proto.Int32(sp.Offset), Length: proto.Uint32(sp.Length)}
	}
	return decodeDTO(spans, n.PositiveDeltas), decodeDTO(hm.GetPositiveSpan(), hm.GetPositiveDelta())
}

func decodeDTO(spans []*dto.BucketSpan, deltas []int64) map[int32]int64 {
	out := map[int32]int64{}
	var key int32
	var c int64
	k := 0
	for si, sp := range spans {
		if si == 0 {
			key = sp.GetOffset()
		} else {
			key += sp.GetOffset()
		}
		for range sp.GetLength() {
			c += deltas[k]
			k++
			if c != 0 {
				out[key] = c
			}
			key++
		}
	}
	return out
}

// TestQuantileErrorAgainstField measures the worst relative error of
// quantiles 0.01 … 0.999 on lognormal latencies for abacus at its default
// scale, for HdrHistogram at 3 significant figures, and for the
// client_golang native layout at factor 1.1 (schema 3), reading a bucket's
// value as abacus does. It logs the numbers docs/BENCHMARKS.md quotes and
// fails if abacus exceeds its stated bound.
func TestQuantileErrorAgainstField(t *testing.T) {
	values := lognormal(200_000, 6)
	sorted := append([]float64(nil), values...)
	sort.Float64s(sorted)
	ab := histogram.MustNew()
	ab3 := histogram.MustNew(histogram.WithScale(3))
	hd := newHDR()
	for _, v := range values {
		ab.Observe(v)
		ab3.Observe(v)
		hd.observe(v)
	}
	sa, s3 := ab.Snapshot(), ab3.Snapshot()
	var worstAB, worstCG, worstHDR float64
	for i := 1; i <= 100; i++ {
		q := float64(i) / 100
		if i == 100 {
			q = 0.999
		}
		k := max(int(math.Ceil(q*float64(len(sorted)))), 1)
		exact := sorted[k-1]
		rel := func(x float64) float64 { return math.Abs(x-exact) / exact }
		worstAB = math.Max(worstAB, rel(sa.Quantile(q)))
		worstCG = math.Max(worstCG, rel(s3.Quantile(q)))
		worstHDR = math.Max(worstHDR, rel(float64(hd.h.ValueAtQuantile(q*100))/1e9))
	}
	t.Logf("worst relative quantile error: abacus scale 6 %.3f%% (bound %.3f%%), HdrHistogram 3 figures %.3f%%, client_golang native factor 1.1 layout %.3f%% (bound %.3f%%)",
		100*worstAB, 100*histogram.RelativeError(6), 100*worstHDR, 100*worstCG, 100*histogram.RelativeError(3))
	if worstAB > histogram.RelativeError(6) {
		t.Fatalf("abacus worst error %.4f%% exceeds its bound", 100*worstAB)
	}
}

var _ = attribute.Int // OTel attributes are not used: every row records without them
