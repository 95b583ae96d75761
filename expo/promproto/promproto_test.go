package promproto

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/histogram"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

func registry(t *testing.T) (*abacus.Registry, *abacus.Histogram) {
	t.Helper()
	r := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	cv := abacus.Must(r.CounterVec(abacus.Opts{Name: "req_total", Help: "Requests."}, "code"))
	cv.With("200").Add(7)
	if err := cv.With("500").AddWithExemplar(2, map[string]string{"trace_id": "abc"}); err != nil {
		t.Fatal(err)
	}
	abacus.Must(r.Gauge(abacus.Opts{Name: "temp_celsius", Unit: "celsius"})).Set(21.5)
	h := abacus.Must(r.Histogram(abacus.HistogramOpts{Opts: abacus.Opts{Name: "lat_seconds", Help: "Latency.", Unit: "seconds"},
		Options: []histogram.Option{histogram.WithScale(3)}}))
	for _, v := range []float64{0.001, 0.002, 0.002, 0.5, -1} {
		h.Observe(v)
	}
	if err := h.ObserveWithExemplar(0.3, map[string]string{"trace_id": "def"}); err != nil {
		t.Fatal(err)
	}
	return r, h
}

func decode(t *testing.T, data []byte) map[string]*dto.MetricFamily {
	t.Helper()
	dec := expfmt.NewDecoder(bytes.NewReader(data), expfmt.NewFormat(expfmt.TypeProtoDelim))
	out := map[string]*dto.MetricFamily{}
	for {
		var mf dto.MetricFamily
		if err := dec.Decode(&mf); err == io.EOF {
			return out
		} else if err != nil {
			t.Fatal(err)
		}
		out[mf.GetName()] = &mf
	}
}

// The protobuf output decodes with expfmt, and the native histogram in it is
// the histogram's own buckets, not a re-bucketing.
func TestWriteDecodes(t *testing.T) {
	r, h := registry(t)
	var b bytes.Buffer
	if err := Write(&b, r); err != nil {
		t.Fatal(err)
	}
	fams := decode(t, b.Bytes())
	req := fams["req_total"]
	if req.GetType() != dto.MetricType_COUNTER || len(req.GetMetric()) != 2 {
		t.Fatalf("req_total: %v", req)
	}
	if e := req.GetMetric()[1].GetCounter().GetExemplar(); e.GetValue() != 2 || e.GetLabel()[0].GetValue() != "abc" {
		t.Fatalf("exemplar %v", e)
	}
	if fams["temp_celsius"].GetUnit() != "celsius" || fams["temp_celsius"].GetMetric()[0].GetGauge().GetValue() != 21.5 {
		t.Fatalf("temp_celsius: %v", fams["temp_celsius"])
	}
	ph := fams["lat_seconds"].GetMetric()[0].GetHistogram()
	n := h.Snapshot().Native()
	if ph.GetSchema() != n.Schema || ph.GetSampleCount() != 6 || ph.GetZeroThreshold() != n.ZeroThreshold {
		t.Fatalf("native header: schema %d count %d", ph.GetSchema(), ph.GetSampleCount())
	}
	if len(ph.GetPositiveSpan()) != len(n.PositiveSpans) || len(ph.GetPositiveDelta()) != len(n.PositiveDeltas) || len(ph.GetNegativeDelta()) != 1 {
		t.Fatalf("native buckets: %v / %v", ph.GetPositiveSpan(), n.PositiveSpans)
	}
	for i, d := range n.PositiveDeltas {
		if ph.GetPositiveDelta()[i] != d {
			t.Fatalf("delta %d: %d != %d", i, ph.GetPositiveDelta()[i], d)
		}
	}
	var ex int
	for _, bk := range ph.GetBucket() {
		if bk.GetExemplar() != nil {
			ex++
			if v := bk.GetExemplar().GetValue(); v > bk.GetUpperBound() {
				t.Fatalf("exemplar %v on the bucket le=%v", v, bk.GetUpperBound())
			}
		}
	}
	if ex != 1 {
		t.Fatalf("%d exemplars on buckets; want 1", ex)
	}
}

// A Prometheus with native histograms enabled asks for protobuf first.
func TestHandlerServesProtobuf(t *testing.T) {
	r, _ := registry(t)
	srv := httptest.NewServer(Handler(r))
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL, nil)
	req.Header.Set("Accept", "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.7,text/plain;version=0.0.4;q=0.3,*/*;q=0.2")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Content-Type") != ContentType {
		t.Fatalf("Content-Type %q", resp.Header.Get("Content-Type"))
	}
	body, _ := io.ReadAll(resp.Body)
	if len(decode(t, body)) != 3 {
		t.Fatal("expected three families")
	}
}

// A family larger than the flush size is still one MetricFamily: readers
// expect each family once.
func TestLargeFamilyIsOneMessage(t *testing.T) {
	r := abacus.NewRegistry(abacus.WithoutMetaMetrics(), abacus.WithCardinalityLimit(3000))
	hv := abacus.Must(r.HistogramVec(abacus.HistogramOpts{Opts: abacus.Opts{Name: "big_seconds", Help: "h"}}, "id"))
	for i := range 3000 {
		hv.With(strconv.Itoa(i)).Observe(float64(i) / 1000)
	}
	var b bytes.Buffer
	if err := Write(&b, r); err != nil {
		t.Fatal(err)
	}
	dec := expfmt.NewDecoder(&b, expfmt.NewFormat(expfmt.TypeProtoDelim))
	var fams, metrics int
	for {
		var mf dto.MetricFamily
		if err := dec.Decode(&mf); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		fams++
		metrics += len(mf.GetMetric())
	}
	if fams != 1 || metrics != 3000 {
		t.Fatalf("%d families holding %d metrics; want 1 and 3000", fams, metrics)
	}
}
