package integration

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"math"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/expo"
	"github.com/abacusgo/abacus/expo/promproto"
	abhist "github.com/abacusgo/abacus/histogram"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/exemplar"
	"github.com/prometheus/prometheus/model/histogram"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/textparse"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"
)

// expositions writes r in the three Prometheus formats.
func expositions(t *testing.T, r *abacus.Registry) (txt, om, pb []byte) {
	t.Helper()
	var a, b, c bytes.Buffer
	for _, w := range []struct {
		buf   *bytes.Buffer
		write func(io.Writer, *abacus.Registry) error
	}{{&a, expo.WriteText}, {&b, expo.WriteOpenMetrics}, {&c, promproto.Write}} {
		if err := w.write(w.buf, r); err != nil {
			t.Fatal(err)
		}
	}
	return a.Bytes(), b.Bytes(), c.Bytes()
}

// TestHostileRegistryInEveryFormat writes a registry of every metric type
// with hostile names, values and labels in every format, parses each with
// Prometheus's own parsers (textparse, the scrape path; expfmt), Python's
// prometheus_client (an independent OpenMetrics and text parser) and
// promtool check metrics, and compares every sample each read with what the
// registry holds: zero differences.
func TestHostileRegistryInEveryFormat(t *testing.T) {
	r := hostile(t, false)
	txt, om, pb := expositions(t, r)
	wantText, wantOM, wantPB := expected(r, text), expected(r, openMetrics), expected(r, protobuf)

	t.Run("textparse text", func(t *testing.T) {
		compare(t, "textparse (text)", scrape(t, txt, "text/plain; version=0.0.4", nil), wantText)
	})
	t.Run("textparse OpenMetrics", func(t *testing.T) {
		var ex []exemplar.Exemplar
		compare(t, "textparse (OpenMetrics)", scrape(t, om, expo.ContentTypeOpenMetrics, &ex), wantOM)
		if len(ex) != 2 {
			t.Errorf("%d exemplars; want the counter's and the histogram bucket's", len(ex))
		}
	})
	t.Run("textparse protobuf", func(t *testing.T) {
		var ex []exemplar.Exemplar
		compare(t, "textparse (protobuf, classic part)", scrape(t, pb, promproto.ContentType, &ex), wantPB)
		if len(ex) < 2 {
			t.Errorf("%d exemplars", len(ex))
		}
		compareNative(t, r, pb)
	})
	t.Run("expfmt text", func(t *testing.T) {
		p := expfmt.NewTextParser(model.UTF8Validation)
		fams, err := p.TextToMetricFamilies(bytes.NewReader(txt))
		if err != nil {
			t.Fatal(err)
		}
		var all []*dto.MetricFamily
		for _, f := range fams {
			all = append(all, f)
		}
		compare(t, "expfmt (text)", flatten(all), wantText)
	})
	t.Run("expfmt protobuf", func(t *testing.T) {
		dec := expfmt.NewDecoder(bytes.NewReader(pb), expfmt.NewFormat(expfmt.TypeProtoDelim))
		var all []*dto.MetricFamily
		for {
			mf := &dto.MetricFamily{}
			if err := dec.Decode(mf); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatal(err)
			}
			all = append(all, mf)
		}
		// The generated types read what the hand-written encoder wrote: the
		// same messages promproto.Gather builds.
		ref := promproto.Gather(r)
		if len(ref) != len(all) {
			t.Fatalf("%d families decoded, %d gathered", len(all), len(ref))
		}
		for i := range ref {
			if !proto.Equal(ref[i], all[i]) {
				t.Errorf("family %s: encoded\n%s\ngathered\n%s", ref[i].GetName(), prototext.Format(all[i]), prototext.Format(ref[i]))
			}
		}
		want := expected(r, text) // expfmt keeps every classic bucket, as the text format has them
		for k := range want {
			if strings.Contains(k, "h_native_only_seconds") {
				delete(want, k)
			}
		}
		var classic []*dto.MetricFamily
		for _, f := range all {
			if f.GetName() != "h_native_only_seconds" {
				classic = append(classic, f)
			}
		}
		compare(t, "expfmt (protobuf)", flatten(classic), want)
	})
	t.Run("python OpenMetrics", func(t *testing.T) {
		compare(t, "prometheus_client (OpenMetrics)", python(t, om, true), wantOM)
	})
	t.Run("python text", func(t *testing.T) {
		compare(t, "prometheus_client (text)", python(t, txt, false), wantText)
	})
	t.Run("promtool", func(t *testing.T) { promtoolCheck(t, txt) })
	t.Run("JSON", func(t *testing.T) { compareJSON(t, r) })
}

// compareJSON checks that the expvar JSON has one key per series, with its
// value: different label sets never share a key.
func compareJSON(t *testing.T, r *abacus.Registry) {
	var b bytes.Buffer
	if err := expo.WriteJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	var vars map[string]json.RawMessage
	if err := json.Unmarshal(b.Bytes(), &vars); err != nil {
		t.Fatalf("invalid JSON: %v", err)
	}
	for f, series := range r.Gather() {
		if len(f.LabelNames()) == 0 {
			continue
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(vars[f.Name()], &obj); err != nil {
			t.Fatalf("%s: %v", f.Name(), err)
		}
		n := 0
		for s := range series {
			n++
			if f.Type() != abacus.TypeCounter && f.Type() != abacus.TypeGauge {
				continue
			}
			want := s.Value
			if math.IsNaN(want) || math.IsInf(want, 0) {
				want = 0
			}
			var found bool
			for _, raw := range obj {
				var v float64
				if json.Unmarshal(raw, &v) == nil && v == want {
					found = true
				}
			}
			if !found {
				t.Errorf("%s%s = %v missing from the JSON", f.Name(), s.Labels.String(), s.Value)
			}
		}
		if len(obj) != n {
			t.Errorf("%s: %d series but %d JSON keys: label sets collided", f.Name(), n, len(obj))
		}
	}
}

// TestFullRegistryParses: with the meta metrics and the Go and process
// metrics (values that change between reads), every format still parses
// with every parser, and promtool's lint passes.
func TestFullRegistryParses(t *testing.T) {
	r := hostile(t, true)
	txt, om, pb := expositions(t, r)
	scrape(t, txt, "text/plain", nil)
	scrape(t, om, expo.ContentTypeOpenMetrics, nil)
	scrape(t, pb, promproto.ContentType, nil)
	python(t, om, true)
	python(t, txt, false)
	promtoolCheck(t, txt)
	tp := expfmt.NewTextParser(model.UTF8Validation)
	if _, err := tp.TextToMetricFamilies(bytes.NewReader(txt)); err != nil {
		t.Fatal(err)
	}
	// The default registry, as a service without a registry of its own has it.
	var d bytes.Buffer
	if err := expo.WriteOpenMetrics(&d, abacus.Default()); err != nil {
		t.Fatal(err)
	}
	python(t, d.Bytes(), true)
	scrape(t, d.Bytes(), expo.ContentTypeOpenMetrics, nil)
}

// scrape parses an exposition as a Prometheus scrape does and returns its
// float samples (and, if ex is not nil, its exemplars).
func scrape(t *testing.T, body []byte, contentType string, ex *[]exemplar.Exemplar) []sample {
	t.Helper()
	p, err := textparse.New(body, contentType, labels.NewSymbolTable(), textparse.ParserOptions{KeepClassicOnClassicAndNativeHistograms: true})
	if err != nil {
		t.Fatal(err)
	}
	var out []sample
	for {
		e, err := p.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("%s: %v", contentType, err)
		}
		if e == textparse.EntryHistogram {
			p.Histogram() // the parser then goes on with the classic part, as a scrape does
			continue
		}
		if e != textparse.EntrySeries {
			continue
		}
		_, _, v := p.Series()
		var l labels.Labels
		p.Labels(&l)
		s := sample{name: l.Get(model.MetricNameLabel), labels: map[string]string{}, value: v}
		l.Range(func(x labels.Label) {
			if x.Name != model.MetricNameLabel {
				s.labels[x.Name] = x.Value
			}
		})
		out = append(out, s)
		if ex != nil {
			var e exemplar.Exemplar
			for p.Exemplar(&e) {
				*ex = append(*ex, e)
			}
		}
	}
}

// compareNative checks every native histogram in a protobuf exposition,
// as Prometheus reads it, against the registry's exponential buckets.
func compareNative(t *testing.T, r *abacus.Registry, pb []byte) {
	t.Helper()
	want := map[string]abhist.Native{}
	for f, series := range r.Gather() {
		if f.Type() != abacus.TypeHistogram {
			continue
		}
		for s := range series {
			var n abhist.Native
			s.Histogram.Native(&n)
			l := map[string]string{}
			for k, v := range s.Labels.All() {
				l[k] = v
			}
			want[sample{name: f.Name(), labels: l}.key()] = n
		}
	}
	p, err := textparse.New(pb, promproto.ContentType, labels.NewSymbolTable(), textparse.ParserOptions{})
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for {
		e, err := p.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if e != textparse.EntryHistogram {
			continue
		}
		_, _, h, fh := p.Histogram()
		var l labels.Labels
		p.Labels(&l)
		s := sample{name: l.Get(model.MetricNameLabel), labels: map[string]string{}}
		l.Range(func(x labels.Label) {
			if x.Name != model.MetricNameLabel {
				s.labels[x.Name] = x.Value
			}
		})
		n, ok := want[s.key()]
		if !ok || h == nil || fh != nil {
			t.Errorf("native histogram %s: unexpected (integer: %v)", s.key(), h != nil)
			continue
		}
		seen++
		gotPos, gotNeg := expand(h.PositiveSpans, h.PositiveBuckets), expand(h.NegativeSpans, h.NegativeBuckets)
		wantPos, wantNeg := expandNative(n.PositiveSpans, n.PositiveDeltas), expandNative(n.NegativeSpans, n.NegativeDeltas)
		switch {
		case int32(h.Schema) != n.Schema || h.ZeroThreshold != n.ZeroThreshold || h.ZeroCount != n.ZeroCount ||
			h.Count != n.Count || !(h.Sum == n.Sum || math.IsNaN(h.Sum) && math.IsNaN(n.Sum)):
			t.Errorf("%s: schema %d zero %v/%d count %d sum %v; want %+v", s.key(), h.Schema, h.ZeroThreshold, h.ZeroCount, h.Count, h.Sum, n)
		case !maps.Equal(gotPos, wantPos) || !maps.Equal(gotNeg, wantNeg):
			t.Errorf("%s: buckets %v / %v; want %v / %v", s.key(), gotPos, gotNeg, wantPos, wantNeg)
		}
	}
	if seen != len(want) {
		t.Errorf("%d native histograms read; the registry has %d", seen, len(want))
	}
}

// expand returns the non-empty buckets of Prometheus spans and deltas, by
// bucket index: what a native histogram means, however its spans are cut.
func expand(spans []histogram.Span, deltas []int64) map[int32]int64 {
	out := map[int32]int64{}
	var idx int32
	var c int64
	k := 0
	for i, s := range spans {
		if i == 0 {
			idx = s.Offset
		} else {
			idx += s.Offset
		}
		for range s.Length {
			c += deltas[k]
			k++
			if c != 0 {
				out[idx] = c
			}
			idx++
		}
	}
	return out
}

func expandNative(spans []abhist.Span, deltas []int64) map[int32]int64 {
	ps := make([]histogram.Span, len(spans))
	for i, s := range spans {
		ps[i] = histogram.Span{Offset: s.Offset, Length: s.Length}
	}
	return expand(ps, deltas)
}

// flatten turns parsed families into the samples of the text format.
func flatten(fams []*dto.MetricFamily) []sample {
	var out []sample
	for _, f := range fams {
		for _, m := range f.GetMetric() {
			l := map[string]string{}
			for _, p := range m.GetLabel() {
				l[p.GetName()] = p.GetValue()
			}
			with := func(k, v string) map[string]string {
				c := map[string]string{k: v}
				for a, b := range l {
					c[a] = b
				}
				return c
			}
			name := f.GetName()
			switch f.GetType() {
			case dto.MetricType_COUNTER:
				out = append(out, sample{name, l, m.GetCounter().GetValue()})
			case dto.MetricType_GAUGE:
				out = append(out, sample{name, l, m.GetGauge().GetValue()})
			case dto.MetricType_UNTYPED:
				out = append(out, sample{name, l, m.GetUntyped().GetValue()})
			case dto.MetricType_SUMMARY:
				for _, q := range m.GetSummary().GetQuantile() {
					out = append(out, sample{name, with("quantile", strconv.FormatFloat(q.GetQuantile(), 'g', -1, 64)), q.GetValue()})
				}
				out = append(out, sample{name + "_sum", l, m.GetSummary().GetSampleSum()}, sample{name + "_count", l, float64(m.GetSummary().GetSampleCount())})
			case dto.MetricType_HISTOGRAM:
				h := m.GetHistogram()
				inf := false
				for _, b := range h.GetBucket() {
					inf = inf || math.IsInf(b.GetUpperBound(), 1)
					out = append(out, sample{name + "_bucket", with("le", strconv.FormatFloat(b.GetUpperBound(), 'g', -1, 64)), float64(b.GetCumulativeCount())})
				}
				if !inf {
					out = append(out, sample{name + "_bucket", with("le", "+Inf"), float64(h.GetSampleCount())})
				}
				out = append(out, sample{name + "_sum", l, h.GetSampleSum()}, sample{name + "_count", l, float64(h.GetSampleCount())})
			}
		}
	}
	return out
}

// pythonParser reads an exposition from stdin with prometheus_client and
// prints every sample as a JSON list [name, labels, repr(value)].
const pythonParser = `
import json, sys
from prometheus_client.openmetrics import parser as om
from prometheus_client import parser as text
data = sys.stdin.read()
families = om.text_string_to_metric_families(data) if sys.argv[1] == "om" else text.text_string_to_metric_families(data)
for f in families:
    for s in f.samples:
        print(json.dumps([s.name, s.labels, repr(float(s.value))]))
`

// python parses body with Debian's python3-prometheus-client (under
// /usr/bin/python3: the python3 first on PATH may be another
// interpreter) and returns its samples.
func python(t *testing.T, body []byte, openMetrics bool) []sample {
	t.Helper()
	bin := os.Getenv("ABACUS_PYTHON3")
	if bin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("ABACUS_PYTHON3 is not set under CI")
		}
		t.Skip("ABACUS_PYTHON3 is not set; ./scripts/test installs python3-prometheus-client and sets it")
	}
	mode := "text"
	if openMetrics {
		mode = "om"
	}
	cmd := exec.Command(bin, "-c", pythonParser, mode)
	cmd.Stdin = bytes.NewReader(body)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("prometheus_client (%s) refused the exposition: %v\n%s", mode, err, stderr.String())
	}
	var got []sample
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line == "" {
			continue
		}
		var rec []json.RawMessage
		if err := json.Unmarshal([]byte(line), &rec); err != nil || len(rec) != 3 {
			t.Fatalf("python output %q: %v", line, err)
		}
		var s sample
		var v string
		_ = json.Unmarshal(rec[0], &s.name)
		_ = json.Unmarshal(rec[1], &s.labels)
		_ = json.Unmarshal(rec[2], &v)
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			t.Fatalf("python value %q: %v", v, err)
		}
		s.value = f
		got = append(got, s)
	}
	return got
}

// promtoolCheck runs promtool check metrics (parse and lint).
func promtoolCheck(t *testing.T, txt []byte) {
	t.Helper()
	bin := binary(t, "ABACUS_PROMTOOL")
	cmd := exec.Command(bin, "check", "metrics")
	cmd.Stdin = bytes.NewReader(txt)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check metrics: %v\n%s", err, out)
	}
}
