package integration

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/histogram"
)

// hostileValues are label values that break naive writers: escapes,
// separators of other formats, Unicode, long values, empty ones.
var hostileValues = []string{
	"", "plain", `q"uote`, `back\slash`, "new\nline", `both \" and \n`, "x,b=y", "x", "y,b=z",
	"ünïcödé ☃", "tab\there", "{}=,", "#", "# EOF", strings.Repeat("long", 100), "le", "a=b", "\u2028",
}

// hostile returns a strict registry (so that promtool's lint passes) with
// every metric type, constant and variable labels with hostile values,
// units, exemplars, special float values, empty vectors, an overflow
// series, func metrics, a summary, and histograms with default, decimal,
// negative and +Inf-only layouts, with observations refused as NaN and
// ±Inf. Its values do not change while it is read. meta adds the registry's
// meta metrics and the Go and process metrics (whose values do change).
func hostile(t testing.TB, meta bool) *abacus.Registry {
	t.Helper()
	clock := func() time.Time { return time.Unix(1_700_000_000, 987_654_321) }
	opts := []abacus.Option{abacus.WithStrict(), abacus.WithClock(clock)}
	if !meta {
		opts = append(opts, abacus.WithoutMetaMetrics())
	}
	r := abacus.NewRegistry(opts...)
	if meta {
		if err := r.RegisterGoMetrics(); err != nil {
			t.Fatal(err)
		}
		if err := r.RegisterProcessMetrics(); err != nil {
			t.Fatal(err)
		}
	}
	c := abacus.Must(r.Counter(abacus.Opts{Name: "h_requests_total", Help: "Requests.\nSecond line with \\ and \"quotes\"."}))
	c.Add(1 << 62)
	if err := c.AddWithExemplar(3, map[string]string{"trace_id": "4bf92f3577b34da6", "span": `s"p\n`}); err != nil {
		t.Fatal(err)
	}
	cv := abacus.Must(r.CounterVec(abacus.Opts{Name: "h_hits_total", Help: "Hits.", ConstLabels: map[string]string{"app": `a"b\c`, "zone": "ü"}, Limit: len(hostileValues)}, "value", "code"))
	for i, v := range hostileValues {
		cv.With(v, strconv.Itoa(200+i)).Add(uint64(i + 1))
	}
	cv.With("beyond", "the limit").Inc() // the overflow series
	cv.With("\xff", "invalid UTF-8").Inc()
	pairs := abacus.Must(r.CounterVec(abacus.Opts{Name: "h_pairs_total", Help: "Label sets that join alike."}, "a", "b"))
	pairs.With("x,b=y", "z").Inc() // a="x,b=y",b="z" and a="x",b="y,b=z" are one key when joined naively
	pairs.With("x", "y,b=z").Add(2)
	pairs.With(`x",b="y`, "z").Add(3)
	fc := abacus.Must(r.Counter(abacus.Opts{Name: "h_read_bytes_total", Help: "Fractional.", Unit: "bytes"}))
	_ = fc.AddFloat(0.125)
	gv := abacus.Must(r.GaugeVec(abacus.Opts{Name: "h_ratio", Help: "Special values."}, "kind"))
	for k, v := range map[string]float64{"inf": math.Inf(1), "neginf": math.Inf(-1), "nan": math.NaN(), "big": math.MaxFloat64,
		"tiny": 5e-324, "negzero": math.Copysign(0, -1), "neg": -12.5, "int": 1e15, "frac": 0.1} {
		gv.With(k).Set(v)
	}
	abacus.Must(r.GaugeVec(abacus.Opts{Name: "h_empty", Help: "A vector with no series."}, "x"))
	abacus.Must(r.Gauge(abacus.Opts{Name: "h_temperature_celsius", Help: "Unit.", Unit: "celsius"})).Set(-40)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(r.GaugeFunc(abacus.Opts{Name: "h_uptime_seconds", Help: "A func.", Unit: "seconds", ConstLabels: map[string]string{"k": "v\n"}}, func() float64 { return 42.5 }))
	must(r.CounterFunc(abacus.Opts{Name: "h_events_total", Help: "A counter func."}, func() float64 { return 7 }))
	must(r.GaugeVecFunc(abacus.Opts{Name: "h_queue_depth", Help: "A labelled func."}, []string{"queue"}, func(emit func([]string, float64)) {
		for i, v := range hostileValues[:6] {
			emit([]string{v}, float64(i))
		}
	}))
	must(r.SummaryFunc(abacus.Opts{Name: "h_pause_seconds", Help: "A summary.", Unit: "seconds"}, func() abacus.Summary {
		return abacus.Summary{Count: 9, Sum: 1.5, Quantiles: []abacus.Quantile{{Q: 0, Value: 0.001}, {Q: 0.5, Value: 0.1}, {Q: 0.99, Value: 0.9}, {Q: 1, Value: 1}}}
	}))
	obs := []float64{0, 1e-9, 0.0004, 0.003, 0.1, 0.25, 0.26, 1, 1.5, 17, 1e6, math.NaN(), math.Inf(1), math.Inf(-1)}
	for _, h := range []struct {
		name    string
		buckets []float64
		opts    []histogram.Option
		labels  bool
	}{
		{"h_latency_seconds", nil, nil, true},
		{"h_decimal_seconds", []float64{0.005, 0.01, 0.1, 1, 10}, nil, false},
		{"h_signed", []float64{-1, 0, 1, 1e6}, nil, false},
		{"h_native_only_seconds", []float64{}, []histogram.Option{histogram.WithScale(2)}, false},
	} {
		o := abacus.HistogramOpts{Opts: abacus.Opts{Name: h.name, Help: "A histogram."}, Buckets: h.buckets, Options: h.opts}
		if strings.HasSuffix(h.name, "_seconds") {
			o.Unit = "seconds"
		}
		if h.labels {
			hv := abacus.Must(r.HistogramVec(o, "route"))
			for i, v := range obs {
				hv.With(hostileValues[i%4]).Observe(v)
			}
			if err := hv.With("").ObserveWithExemplar(0.2, map[string]string{"trace_id": "abc"}); err != nil {
				t.Fatal(err)
			}
			hv.With("idle")
			continue
		}
		hh := abacus.Must(r.Histogram(o))
		for _, v := range obs {
			hh.Observe(v)
		}
		hh.Observe(-3)
	}
	return r
}

// A sample is one line of a text format, as a parser returns it.
type sample struct {
	name   string
	labels map[string]string
	value  float64
}

// key is a sample's identity: its name and labels, sorted, with le and
// quantile values normalised (1 and 1.0 are one bound).
func (s sample) key() string {
	names := make([]string, 0, len(s.labels))
	for n := range s.labels {
		names = append(names, n)
	}
	slices.Sort(names)
	var b strings.Builder
	b.WriteString(s.name)
	b.WriteByte('{')
	for i, n := range names {
		if i > 0 {
			b.WriteByte(',')
		}
		v := s.labels[n]
		if n == "le" || n == "quantile" {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				v = strconv.FormatFloat(f, 'g', -1, 64)
			}
		}
		fmt.Fprintf(&b, "%s=%q", n, v)
	}
	b.WriteByte('}')
	return b.String()
}

type format int

const (
	text format = iota
	openMetrics
	protobuf // its classic part; native histograms are compared apart
)

// expected returns the samples format f must carry for r, read from the
// registry's read model directly (not through any writer).
func expected(r *abacus.Registry, f format) map[string]float64 {
	out := map[string]float64{}
	add := func(name string, labels map[string]string, extra map[string]string, v float64) {
		l := map[string]string{}
		for k, x := range labels {
			l[k] = x
		}
		for k, x := range extra {
			l[k] = x
		}
		out[sample{name, l, v}.key()] = v
	}
	for fam, series := range r.Gather() {
		name := fam.Name()
		family := name
		if f == openMetrics && fam.Type() == abacus.TypeCounter && !fam.OpenMetricsClash() {
			family = strings.TrimSuffix(name, "_total")
		}
		bounds := fam.Buckets()
		for s := range series {
			labels := map[string]string{}
			for n, v := range s.Labels.All() {
				labels[n] = v
			}
			created := float64(s.Created/1e6) / 1e3 // OpenMetrics writes milliseconds
			switch fam.Type() {
			case abacus.TypeCounter:
				add(name, labels, nil, s.Value)
				if f == openMetrics && s.Created != 0 && !fam.OpenMetricsClash() {
					add(family+"_created", labels, nil, created)
				}
			case abacus.TypeGauge:
				add(name, labels, nil, s.Value)
			case abacus.TypeSummary:
				for _, q := range s.Summary.Quantiles {
					add(name, labels, map[string]string{"quantile": strconv.FormatFloat(q.Q, 'g', -1, 64)}, q.Value)
				}
				add(name+"_sum", labels, nil, s.Summary.Sum)
				add(name+"_count", labels, nil, float64(s.Summary.Count))
			case abacus.TypeHistogram:
				b, sum := s.Histogram.Classic(nil)
				if f == protobuf && len(b) == 1 {
					// No classic buckets: Prometheus reads a native-only
					// histogram, whose count and sum are compared with
					// the native form.
					continue
				}
				for _, c := range b {
					add(name+"_bucket", labels, map[string]string{"le": strconv.FormatFloat(c.UpperBound, 'g', -1, 64)}, float64(c.Count))
				}
				if f != openMetrics || ((len(bounds) == 0 || bounds[0] >= 0) && sum >= 0) {
					add(name+"_sum", labels, nil, sum)
					add(name+"_count", labels, nil, float64(b[len(b)-1].Count))
				}
				if f == openMetrics && s.Created != 0 {
					add(name+"_created", labels, nil, created)
				}
			}
		}
	}
	return out
}

// compare reports every difference between what a parser read and what the
// format must carry.
func compare(t *testing.T, parser string, got []sample, want map[string]float64) {
	t.Helper()
	seen := map[string]bool{}
	for _, s := range got {
		k := s.key()
		if seen[k] {
			t.Errorf("%s: %s read twice", parser, k)
		}
		seen[k] = true
		w, ok := want[k]
		switch {
		case !ok:
			t.Errorf("%s: unexpected %s = %v", parser, k, s.value)
		case !(w == s.value || (math.IsNaN(w) && math.IsNaN(s.value))):
			t.Errorf("%s: %s = %v; want %v", parser, k, s.value, w)
		}
	}
	for k := range want {
		if !seen[k] {
			t.Errorf("%s: missing %s", parser, k)
		}
	}
	if !t.Failed() {
		t.Logf("%s: %d samples, zero differences", parser, len(got))
	}
}
