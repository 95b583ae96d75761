package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"text/tabwriter"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/expo"
	"github.com/abacusgo/abacus/expo/promproto"
	"github.com/abacusgo/abacus/otlp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"go.opentelemetry.io/collector/pdata/pmetric"
)

// reading is what one format says of the three metrics.
type reading struct {
	format   string
	counter  float64
	gauge    float64
	count    uint64
	sum      float64
	min, max float64 // NaN where the format has none
	// classic: cumulative count by upper bound ("+Inf" included), nil
	// where the format has no classic buckets
	classic map[float64]uint64
	// exponential buckets, OTLP numbering (bucket i is (base^i, base^(i+1)]),
	// with the scale and zero bucket; nil where the format has none
	buckets   map[int]uint64
	scale     int
	zeroCount uint64
	zeroWidth float64
}

func newReading(format string) *reading {
	return &reading{format: format, min: math.NaN(), max: math.NaN()}
}

// TestOneMetricEveryFormat is the seeds' P5 check: one counter, one gauge
// and one histogram are recorded once in a registry and read back from
// every format Abacus writes, each decoded by someone else's code:
//
//   - expvar JSON (expo.WriteJSON), decoded with encoding/json;
//   - the Prometheus text format (expo.WriteText), parsed with
//     prometheus/common/expfmt;
//   - the Prometheus protobuf format (promproto.Write), decoded with expfmt
//     into client_model's types, native histogram and classic buckets;
//   - OTLP pushed by otlp.Exporter and received by the OpenTelemetry
//     Collector's own OTLP receiver (exponential histogram), and a second
//     export with otlp.Options.ClassicHistograms (explicit buckets).
//
// Every format must say the same: counter total, gauge value, histogram
// count and sum; the classic cumulative buckets wherever there are classic
// buckets (and as the exponential buckets sum up at the same bounds); the
// exponential buckets bucket by bucket where there are any (Prometheus's
// native bucket i is OTLP's bucket i-1 at the same schema and scale); min
// and max where the format has them. The test log holds a table of what
// each format said.
func TestOneMetricEveryFormat(t *testing.T) {
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	requests := abacus.Must(reg.Counter(abacus.Opts{Name: "p5_requests_total", Help: "Requests served."}))
	queue := abacus.Must(reg.Gauge(abacus.Opts{Name: "p5_queue_length", Help: "Requests waiting."}))
	latency := abacus.Must(reg.Histogram(abacus.HistogramOpts{Opts: abacus.Opts{Name: "p5_latency_seconds", Help: "Request latency.", Unit: "seconds"}}))

	requests.Add(42)
	queue.Set(12.5)
	for _, v := range []float64{0, 0.0007, 0.003, 0.003, 0.012, 0.25, 0.5, 0.8, 1.9, 20} {
		latency.Observe(v)
	}

	readings := []*reading{
		readJSON(t, reg),
		readText(t, reg),
		readProtobuf(t, reg),
		readOTLP(t, reg, false),
		readOTLP(t, reg, true),
	}

	// The registry's own view, for the record.
	snap := latency.Snapshot()
	t.Logf("recorded: counter %v, gauge %v, histogram count %d sum %v min %v max %v (scale %d)",
		requests.Value(), queue.Value(), snap.Count(), snap.Sum(), snap.Min(), snap.Max(), snap.Scale())
	logTable(t, readings)

	for _, r := range readings {
		if r.counter != requests.Value() || r.gauge != queue.Value() || r.count != snap.Count() || r.sum != snap.Sum() {
			t.Errorf("%s: counter %v gauge %v count %d sum %v; recorded %v %v %d %v",
				r.format, r.counter, r.gauge, r.count, r.sum, requests.Value(), queue.Value(), snap.Count(), snap.Sum())
		}
		if !math.IsNaN(r.min) && (r.min != snap.Min() || r.max != snap.Max()) {
			t.Errorf("%s: min %v max %v; recorded %v %v", r.format, r.min, r.max, snap.Min(), snap.Max())
		}
	}
	// classic buckets: text, protobuf and OTLP's explicit histogram alike,
	// and the exponential buckets summed up to the same bounds
	var classic *reading
	for _, r := range readings {
		if r.classic == nil {
			continue
		}
		if classic == nil {
			classic = r
			continue
		}
		if !maps.Equal(r.classic, classic.classic) {
			t.Errorf("classic buckets: %s says %v, %s says %v", r.format, sortedBuckets(r.classic), classic.format, sortedBuckets(classic.classic))
		}
	}
	// exponential buckets: protobuf's native histogram and OTLP's, bucket by bucket
	var exp *reading
	for _, r := range readings {
		if r.buckets == nil {
			continue
		}
		if got := cumulativeAt(r, classic.classic); !maps.Equal(got, classic.classic) {
			t.Errorf("%s: its exponential buckets summed to the classic bounds give %v; %s says %v",
				r.format, sortedBuckets(got), classic.format, sortedBuckets(classic.classic))
		}
		if exp == nil {
			exp = r
			continue
		}
		if r.scale != exp.scale || r.zeroCount != exp.zeroCount || r.zeroWidth != exp.zeroWidth || !maps.Equal(r.buckets, exp.buckets) {
			t.Errorf("exponential buckets: %s says scale %d zero %d (±%g) %v; %s says %d %d (±%g) %v",
				r.format, r.scale, r.zeroCount, r.zeroWidth, r.buckets, exp.format, exp.scale, exp.zeroCount, exp.zeroWidth, exp.buckets)
		}
	}
	if classic == nil || exp == nil {
		t.Fatal("a format is missing from the comparison")
	}
}

func readJSON(t *testing.T, reg *abacus.Registry) *reading {
	var b bytes.Buffer
	if err := expo.WriteJSON(&b, reg); err != nil {
		t.Fatal(err)
	}
	var v struct {
		Requests float64            `json:"p5_requests_total"`
		Queue    float64            `json:"p5_queue_length"`
		Latency  map[string]float64 `json:"p5_latency_seconds"`
	}
	if err := json.Unmarshal(b.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	r := newReading("expvar JSON")
	r.counter, r.gauge = v.Requests, v.Queue
	r.count, r.sum = uint64(v.Latency["count"]), v.Latency["sum"]
	r.min, r.max = v.Latency["min"], v.Latency["max"]
	return r
}

func readText(t *testing.T, reg *abacus.Registry) *reading {
	var b bytes.Buffer
	if err := expo.WriteText(&b, reg); err != nil {
		t.Fatal(err)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(&b)
	if err != nil {
		t.Fatal(err)
	}
	r := newReading("Prometheus text (expfmt)")
	fromDTO(t, r, fams["p5_requests_total"], fams["p5_queue_length"], fams["p5_latency_seconds"])
	return r
}

func readProtobuf(t *testing.T, reg *abacus.Registry) *reading {
	var b bytes.Buffer
	if err := promproto.Write(&b, reg); err != nil {
		t.Fatal(err)
	}
	fams := map[string]*dto.MetricFamily{}
	dec := expfmt.NewDecoder(&b, expfmt.NewFormat(expfmt.TypeProtoDelim))
	for {
		mf := &dto.MetricFamily{}
		if err := dec.Decode(mf); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		fams[mf.GetName()] = mf
	}
	r := newReading("Prometheus protobuf (client_model)")
	fromDTO(t, r, fams["p5_requests_total"], fams["p5_queue_length"], fams["p5_latency_seconds"])
	h := fams["p5_latency_seconds"].GetMetric()[0].GetHistogram()
	if h.GetSchema() == 0 && len(h.GetPositiveSpan()) == 0 {
		t.Fatal("the protobuf histogram has no native part")
	}
	r.scale, r.zeroCount, r.zeroWidth = int(h.GetSchema()), h.GetZeroCount(), h.GetZeroThreshold()
	r.buckets = map[int]uint64{}
	for sign, side := range map[int]struct {
		spans  []*dto.BucketSpan
		deltas []int64
	}{1: {h.GetPositiveSpan(), h.GetPositiveDelta()}, -1: {h.GetNegativeSpan(), h.GetNegativeDelta()}} {
		idx, k, count := 0, 0, int64(0)
		for _, s := range side.spans {
			idx += int(s.GetOffset())
			for range s.GetLength() {
				count += side.deltas[k]
				k++
				switch {
				case count != 0 && sign < 0:
					t.Fatal("negative native buckets in a histogram of positive values")
				case count != 0:
					// Prometheus's native bucket idx is (base^(idx-1), base^idx]:
					// OTLP's bucket idx-1
					r.buckets[idx-1] = uint64(count)
				}
				idx++
			}
		}
	}
	return r
}

// fromDTO reads the three families as client_model holds them.
func fromDTO(t *testing.T, r *reading, counter, gauge, hist *dto.MetricFamily) {
	t.Helper()
	if counter == nil || gauge == nil || hist == nil {
		t.Fatalf("%s: a family is missing", r.format)
	}
	r.counter = counter.GetMetric()[0].GetCounter().GetValue()
	r.gauge = gauge.GetMetric()[0].GetGauge().GetValue()
	h := hist.GetMetric()[0].GetHistogram()
	r.count, r.sum = h.GetSampleCount(), h.GetSampleSum()
	r.classic = map[float64]uint64{math.Inf(1): h.GetSampleCount()}
	for _, b := range h.GetBucket() {
		r.classic[b.GetUpperBound()] = b.GetCumulativeCount()
	}
}

// readOTLP pushes the registry with otlp.Exporter to the Collector's
// receiver and reads what its sink got.
func readOTLP(t *testing.T, reg *abacus.Registry, classic bool) *reading {
	c := startCollector(t)
	x, err := otlp.NewExporter(reg, otlp.ExporterOptions{Endpoint: c.URL, Options: otlp.Options{ClassicHistograms: classic}})
	if err != nil {
		t.Fatal(err)
	}
	if err := x.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	all := c.Sink.AllMetrics()
	if len(all) != 1 {
		t.Fatalf("the Collector received %d requests", len(all))
	}
	md := all[0]
	r := newReading("OTLP, exponential (Collector)")
	if classic {
		r.format = "OTLP, classic (Collector)"
	}
	m, ok1 := byName(md, "p5_requests_total")
	g, ok2 := byName(md, "p5_queue_length")
	h, ok3 := byName(md, "p5_latency_seconds")
	if !ok1 || !ok2 || !ok3 {
		t.Fatalf("%s: a metric is missing", r.format)
	}
	r.counter = m.Sum().DataPoints().At(0).DoubleValue()
	r.gauge = g.Gauge().DataPoints().At(0).DoubleValue()
	if classic {
		if h.Type() != pmetric.MetricTypeHistogram {
			t.Fatalf("%s: %v", r.format, h.Type())
		}
		p := h.Histogram().DataPoints().At(0)
		r.count, r.sum = p.Count(), p.Sum()
		if p.HasMin() {
			r.min, r.max = p.Min(), p.Max()
		}
		r.classic = map[float64]uint64{}
		bounds, counts := p.ExplicitBounds().AsRaw(), p.BucketCounts().AsRaw()
		cum := uint64(0)
		for i, n := range counts {
			cum += n
			le := math.Inf(1)
			if i < len(bounds) {
				le = bounds[i]
			}
			r.classic[le] = cum
		}
		return r
	}
	if h.Type() != pmetric.MetricTypeExponentialHistogram {
		t.Fatalf("%s: %v", r.format, h.Type())
	}
	p := h.ExponentialHistogram().DataPoints().At(0)
	r.count, r.sum, r.min, r.max = p.Count(), p.Sum(), p.Min(), p.Max()
	r.scale, r.zeroCount, r.zeroWidth = int(p.Scale()), p.ZeroCount(), p.ZeroThreshold()
	r.buckets = map[int]uint64{}
	for j, n := range p.Positive().BucketCounts().AsRaw() {
		if n != 0 {
			r.buckets[int(p.Positive().Offset())+j] = n
		}
	}
	if p.Negative().BucketCounts().Len() != 0 {
		t.Fatal("negative buckets in a histogram of positive values")
	}
	return r
}

// cumulativeAt sums exponential buckets up to each classic bound: bucket i
// is (base^i, base^(i+1)], so it is at or below a bound 2^e when
// (i+1) / 2^scale <= e. The classic bounds here are powers of two, which are
// bucket boundaries at every scale from 0 up.
func cumulativeAt(r *reading, classic map[float64]uint64) map[float64]uint64 {
	out := map[float64]uint64{}
	for le := range classic {
		n := r.zeroCount
		for i, c := range r.buckets {
			if math.IsInf(le, 1) || float64(i+1)/math.Exp2(float64(r.scale)) <= math.Log2(le) {
				n += c
			}
		}
		out[le] = n
	}
	return out
}

func sortedBuckets(m map[float64]uint64) string {
	var b strings.Builder
	for _, le := range slices.Sorted(maps.Keys(m)) {
		fmt.Fprintf(&b, "%g:%d ", le, m[le])
	}
	return strings.TrimSpace(b.String())
}

func logTable(t *testing.T, readings []*reading) {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "format\tcounter\tgauge\tcount\tsum\tmin\tmax\tclassic buckets (le:cumulative)\texponential buckets (OTLP index:count)")
	num := func(v float64) string {
		if math.IsNaN(v) {
			return "-"
		}
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	for _, r := range readings {
		cl, ex := "-", "-"
		if r.classic != nil {
			cl = sortedBuckets(r.classic)
		}
		if r.buckets != nil {
			var parts []string
			for _, i := range slices.Sorted(maps.Keys(r.buckets)) {
				parts = append(parts, fmt.Sprintf("%d:%d", i, r.buckets[i]))
			}
			ex = fmt.Sprintf("scale %d, zero %d (±%g), %s", r.scale, r.zeroCount, r.zeroWidth, strings.Join(parts, " "))
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\n", r.format, num(r.counter), num(r.gauge), r.count, num(r.sum), num(r.min), num(r.max), cl, ex)
	}
	w.Flush()
	t.Logf("one counter, one gauge, one histogram, in every format:\n%s", b.String())
}
