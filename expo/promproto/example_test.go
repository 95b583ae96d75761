package promproto_test

import (
	"bytes"
	"fmt"
	"net/http/httptest"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/expo"
	"github.com/abacusgo/abacus/expo/promproto"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

func ExampleWrite() {
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	h := abacus.Must(reg.Histogram(abacus.HistogramOpts{Opts: abacus.Opts{Name: "op_seconds", Help: "Latency."}}))
	h.Observe(0.3)
	h.Observe(0.3)
	var b bytes.Buffer
	_ = promproto.Write(&b, reg)
	var mf dto.MetricFamily
	_ = expfmt.NewDecoder(&b, expfmt.NewFormat(expfmt.TypeProtoDelim)).Decode(&mf)
	n := mf.GetMetric()[0].GetHistogram()
	fmt.Println(mf.GetName(), n.GetSchema(), n.GetSampleCount(), len(n.GetPositiveSpan()), len(n.GetBucket()))
	// Output: op_seconds 6 2 1 15
}

func ExampleGather() {
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	abacus.Must(reg.Gauge(abacus.Opts{Name: "temp_celsius", Help: "Temperature.", Unit: "celsius"})).Set(21)
	for _, mf := range promproto.Gather(reg) {
		fmt.Println(mf.GetName(), mf.GetType(), mf.GetUnit(), mf.GetMetric()[0].GetGauge().GetValue())
	}
	// Output: temp_celsius GAUGE celsius 21
}

func ExampleHandler() {
	h := promproto.Handler(abacus.NewRegistry())
	req := httptest.NewRequest("GET", "/metrics", nil)
	req.Header.Set("Accept", "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.7,text/plain;q=0.3")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	fmt.Println(w.Header().Get("Content-Type") == promproto.ContentType)
	// Output: true
}

func ExampleEncoder() {
	fmt.Println(expo.Formats(expo.WithEncoder(promproto.Encoder()))[0])
	// Output: application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited
}
