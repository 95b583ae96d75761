package otlp

import (
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// Field numbers of the OTLP metrics messages (opentelemetry-proto v1,
// collector/metrics/v1/metrics_service.proto, metrics/v1/metrics.proto,
// common/v1/common.proto, resource/v1/resource.proto). The generated
// types of go.opentelemetry.io/proto/slim/otlp are the reference the tests
// decode with.
const (
	reqResourceMetrics = 1 // ExportMetricsServiceRequest

	rmResource, rmScopeMetrics = 1, 2 // ResourceMetrics
	resAttributes              = 1    // Resource
	smScope, smMetrics         = 1, 2 // ScopeMetrics
	scopeName, scopeVersion    = 1, 2 // InstrumentationScope

	// Metric
	metName, metDescription, metUnit = 1, 2, 3
	metGauge, metSum, metHistogram   = 5, 7, 9
	metExpHistogram, metSummary      = 10, 11
	metMetadata                      = 12

	dataPoints                     = 1 // Gauge, Sum, Histogram, ExponentialHistogram, Summary
	aggTemporality, sumIsMonotonic = 2, 3

	// NumberDataPoint
	ndpStart, ndpTime, ndpDouble, ndpExemplars, ndpAttributes = 2, 3, 4, 5, 7

	// HistogramDataPoint
	hdpStart, hdpTime, hdpCount, hdpSum   = 2, 3, 4, 5
	hdpBucketCounts, hdpBounds, hdpExems  = 6, 7, 8
	hdpAttributes, hdpMin, hdpMax         = 9, 11, 12
	edpAttributes, edpStart, edpTime      = 1, 2, 3 // ExponentialHistogramDataPoint
	edpCount, edpSum, edpScale, edpZero   = 4, 5, 6, 7
	edpPositive, edpNegative, edpExems    = 8, 9, 11
	edpMin, edpMax, edpZeroThreshold      = 12, 13, 14
	bucketsOffset, bucketsCounts          = 1, 2       // ExponentialHistogramDataPoint.Buckets
	sdpStart, sdpTime, sdpCount, sdpSum   = 2, 3, 4, 5 // SummaryDataPoint
	sdpQuantiles, sdpAttributes           = 6, 7
	vaqQuantile, vaqValue                 = 1, 2    // ValueAtQuantile
	exAttributes, exTime, exDouble        = 7, 2, 3 // Exemplar
	exSpanID, exTraceID                   = 4, 5
	kvKey, kvValue                        = 1, 2 // KeyValue
	anyString                             = 1    // AnyValue.string_value
	temporalityDelta, temporalityCumulate = 1, 2 // AggregationTemporality

	// ExportMetricsServiceResponse and its ExportMetricsPartialSuccess
	respPartialSuccess                   = 1
	partialRejected, partialErrorMessage = 1, 2
	// google.rpc.Status, the body of an OTLP/HTTP error response
	rpcCode, rpcMessage = 1, 2
)

// buf appends protobuf fields to b. Nested messages are opened with a
// one-byte length placeholder and closed by writing the length there,
// moving the body when the length needs more bytes.
type buf struct{ b []byte }

func (w *buf) open(field protowire.Number) int {
	w.b = protowire.AppendTag(w.b, field, protowire.BytesType)
	w.b = append(w.b, 0)
	return len(w.b)
}

func (w *buf) close(start int) {
	n := len(w.b) - start
	if n < 0x80 {
		w.b[start-1] = byte(n)
		return
	}
	extra := protowire.SizeVarint(uint64(n)) - 1
	for range extra {
		w.b = append(w.b, 0)
	}
	copy(w.b[start+extra:], w.b[start:start+n])
	protowire.AppendVarint(w.b[start-1:start-1], uint64(n))
}

func (w *buf) str(field protowire.Number, s string) {
	w.b = protowire.AppendTag(w.b, field, protowire.BytesType)
	w.b = protowire.AppendString(w.b, s)
}

func (w *buf) bytes(field protowire.Number, p []byte) {
	w.b = protowire.AppendTag(w.b, field, protowire.BytesType)
	w.b = protowire.AppendBytes(w.b, p)
}

func (w *buf) varint(field protowire.Number, v uint64) {
	w.b = protowire.AppendTag(w.b, field, protowire.VarintType)
	w.b = protowire.AppendVarint(w.b, v)
}

func (w *buf) sint(field protowire.Number, v int64) {
	w.varint(field, protowire.EncodeZigZag(v))
}

func (w *buf) fixed64(field protowire.Number, v uint64) {
	w.b = protowire.AppendTag(w.b, field, protowire.Fixed64Type)
	w.b = protowire.AppendFixed64(w.b, v)
}

func (w *buf) double(field protowire.Number, v float64) {
	w.fixed64(field, math.Float64bits(v))
}

// attr appends a KeyValue with a string value.
func (w *buf) attr(field protowire.Number, key, value string) {
	kv := w.open(field)
	w.str(kvKey, key)
	v := w.open(kvValue)
	w.str(anyString, value)
	w.close(v)
	w.close(kv)
}

// packedFixed64 appends a packed repeated fixed64 field.
func (w *buf) packedFixed64(field protowire.Number, vs []uint64) {
	if len(vs) == 0 {
		return
	}
	w.b = protowire.AppendTag(w.b, field, protowire.BytesType)
	w.b = protowire.AppendVarint(w.b, uint64(8*len(vs)))
	for _, v := range vs {
		w.b = protowire.AppendFixed64(w.b, v)
	}
}

// packedDouble appends a packed repeated double field.
func (w *buf) packedDouble(field protowire.Number, vs []float64) {
	if len(vs) == 0 {
		return
	}
	w.b = protowire.AppendTag(w.b, field, protowire.BytesType)
	w.b = protowire.AppendVarint(w.b, uint64(8*len(vs)))
	for _, v := range vs {
		w.b = protowire.AppendFixed64(w.b, math.Float64bits(v))
	}
}

// packedUvarint appends a packed repeated uint64 (varint) field.
func (w *buf) packedUvarint(field protowire.Number, vs []uint64) {
	if len(vs) == 0 {
		return
	}
	n := 0
	for _, v := range vs {
		n += protowire.SizeVarint(v)
	}
	w.b = protowire.AppendTag(w.b, field, protowire.BytesType)
	w.b = protowire.AppendVarint(w.b, uint64(n))
	for _, v := range vs {
		w.b = protowire.AppendVarint(w.b, v)
	}
}
