package bench

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/otlp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	otelmetric "go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	colpb "go.opentelemetry.io/proto/slim/otlp/collector/metrics/v1"
	commonpb "go.opentelemetry.io/proto/slim/otlp/common/v1"
	metricspb "go.opentelemetry.io/proto/slim/otlp/metrics/v1"
	resourcepb "go.opentelemetry.io/proto/slim/otlp/resource/v1"
	"google.golang.org/protobuf/proto"
)

// The OTLP encoding benchmarks: 10,000 counter series (one metric, two
// attributes, the exposition benchmarks' route/code pairs) turned into one
// ExportMetricsServiceRequest.
const otlpSeries = 10000

func otlpAbacus() *abacus.Registry {
	r := abacus.NewRegistry(abacus.WithCardinalityLimit(otlpSeries), abacus.WithoutMetaMetrics())
	cv := abacus.Must(r.CounterVec(abacus.Opts{Name: "req_total", Help: "Requests."}, "route", "code"))
	for i, l := range seriesNames(otlpSeries) {
		cv.With(l[0], l[1]).Add(uint64(i + 1))
	}
	return r
}

// otlpSDK returns a MeterProvider holding the same series, its cardinality
// limit raised above them, read by a ManualReader.
func otlpSDK() (*sdkmetric.ManualReader, *sdkmetric.MeterProvider) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader), sdkmetric.WithCardinalityLimit(2*otlpSeries))
	c, _ := mp.Meter("bench").Int64Counter("req_total", otelmetric.WithDescription("Requests."))
	for i, l := range seriesNames(otlpSeries) {
		c.Add(context.Background(), int64(i+1), otelmetric.WithAttributes(attribute.String("route", l[0]), attribute.String("code", l[1])))
	}
	return reader, mp
}

// sdkRequest converts collected SDK data into the OTLP request the SDK's
// exporters send, as their internal transform package does (only sums are
// needed here): the bench's stand-in for that unexported code, so that the
// encode row measures collect + convert + proto.Marshal.
func sdkRequest(rm *metricdata.ResourceMetrics) *colpb.ExportMetricsServiceRequest {
	kvs := func(set attribute.Set) []*commonpb.KeyValue {
		out := make([]*commonpb.KeyValue, 0, set.Len())
		for it := set.Iter(); it.Next(); {
			kv := it.Attribute()
			out = append(out, &commonpb.KeyValue{Key: string(kv.Key),
				Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: kv.Value.String()}}})
		}
		return out
	}
	res := &metricspb.ResourceMetrics{Resource: &resourcepb.Resource{Attributes: kvs(*rm.Resource.Set())}}
	for _, sm := range rm.ScopeMetrics {
		s := &metricspb.ScopeMetrics{Scope: &commonpb.InstrumentationScope{Name: sm.Scope.Name, Version: sm.Scope.Version}}
		for _, m := range sm.Metrics {
			out := &metricspb.Metric{Name: m.Name, Description: m.Description, Unit: m.Unit}
			if sum, ok := m.Data.(metricdata.Sum[int64]); ok {
				ps := make([]*metricspb.NumberDataPoint, 0, len(sum.DataPoints))
				for _, p := range sum.DataPoints {
					ps = append(ps, &metricspb.NumberDataPoint{Attributes: kvs(p.Attributes),
						StartTimeUnixNano: uint64(p.StartTime.UnixNano()), TimeUnixNano: uint64(p.Time.UnixNano()),
						Value: &metricspb.NumberDataPoint_AsInt{AsInt: p.Value}})
				}
				out.Data = &metricspb.Metric_Sum{Sum: &metricspb.Sum{DataPoints: ps, IsMonotonic: sum.IsMonotonic,
					AggregationTemporality: metricspb.AggregationTemporality_AGGREGATION_TEMPORALITY_CUMULATIVE}}
			}
			s.Metrics = append(s.Metrics, out)
		}
		res.ScopeMetrics = append(res.ScopeMetrics, s)
	}
	return &colpb.ExportMetricsServiceRequest{ResourceMetrics: []*metricspb.ResourceMetrics{res}}
}

// BenchmarkOTLPEncode: one OTLP request of 10,000 counter series, in
// memory. abacus: Encoder.Append into a reused buffer (cumulative, and
// delta, which subtracts per series); otel: the SDK's ManualReader.Collect,
// conversion to the generated OTLP types, proto.Marshal; otel.collect:
// Collect alone.
func BenchmarkOTLPEncode(b *testing.B) {
	for _, t := range []otlp.Temporality{otlp.Cumulative, otlp.Delta} {
		b.Run("impl=abacus."+t.String(), func(b *testing.B) {
			e := otlp.NewEncoder(otlpAbacus(), otlp.Options{Temporality: t})
			buf, _ := e.Append(nil)
			b.ReportAllocs()
			for b.Loop() {
				buf, _ = e.Append(buf[:0])
			}
			b.SetBytes(int64(len(buf)))
		})
	}
	b.Run("impl=otel", func(b *testing.B) {
		reader, _ := otlpSDK()
		var rm metricdata.ResourceMetrics
		var n int
		b.ReportAllocs()
		for b.Loop() {
			if err := reader.Collect(context.Background(), &rm); err != nil {
				b.Fatal(err)
			}
			out, err := proto.Marshal(sdkRequest(&rm))
			if err != nil {
				b.Fatal(err)
			}
			n = len(out)
		}
		b.SetBytes(int64(n))
	})
	b.Run("impl=otel.collect", func(b *testing.B) {
		reader, _ := otlpSDK()
		var rm metricdata.ResourceMetrics
		b.ReportAllocs()
		for b.Loop() {
			if err := reader.Collect(context.Background(), &rm); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// discard answers every request with 200 and an empty body, without a
// network, so that the push benchmark measures the exporters.
type discard struct{}

func (discard) RoundTrip(r *http.Request) (*http.Response, error) {
	io.Copy(io.Discard, r.Body)
	r.Body.Close()
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/x-protobuf"}},
		Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
}

// BenchmarkOTLPPush: one export of the 10,000 series through each
// library's own OTLP/HTTP exporter, uncompressed, to a transport that
// answers 200 at once. abacus: Exporter.Flush; otel: ManualReader.Collect
// then otlpmetrichttp's Export (the SDK's own conversion and marshalling).
func BenchmarkOTLPPush(b *testing.B) {
	client := &http.Client{Transport: discard{}}
	b.Run("impl=abacus", func(b *testing.B) {
		x, err := otlp.NewExporter(otlpAbacus(), otlp.ExporterOptions{NoCompression: true, Client: client})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if err := x.Flush(context.Background()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=otel", func(b *testing.B) {
		reader, _ := otlpSDK()
		exp, err := otlpmetrichttp.New(context.Background(), otlpmetrichttp.WithHTTPClient(client),
			otlpmetrichttp.WithInsecure(), otlpmetrichttp.WithEndpoint("localhost:4318"))
		if err != nil {
			b.Fatal(err)
		}
		var rm metricdata.ResourceMetrics
		b.ReportAllocs()
		for b.Loop() {
			if err := reader.Collect(context.Background(), &rm); err != nil {
				b.Fatal(err)
			}
			if err := exp.Export(context.Background(), &rm); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestOTLPEncodersAgree checks the encode benchmark compares equal work:
// both requests hold the 10,000 series with the same values.
func TestOTLPEncodersAgree(t *testing.T) {
	totals := func(req *colpb.ExportMetricsServiceRequest) (int, float64) {
		n, sum := 0, 0.0
		for _, m := range req.GetResourceMetrics()[0].GetScopeMetrics()[0].GetMetrics() {
			for _, p := range m.GetSum().GetDataPoints() {
				n++
				sum += p.GetAsDouble() + float64(p.GetAsInt())
			}
		}
		return n, sum
	}
	b, _ := otlp.NewEncoder(otlpAbacus(), otlp.Options{}).Append(nil)
	ours := new(colpb.ExportMetricsServiceRequest)
	if err := proto.Unmarshal(b, ours); err != nil {
		t.Fatal(err)
	}
	reader, _ := otlpSDK()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	n1, s1 := totals(ours)
	n2, s2 := totals(sdkRequest(&rm))
	if n1 != otlpSeries || n2 != otlpSeries || s1 != s2 {
		t.Fatalf("abacus %d points summing to %g, the SDK %d summing to %g", n1, s1, n2, s2)
	}
}
