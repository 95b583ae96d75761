package promproto

import (
	"math"
	"time"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/histogram"
	dto "github.com/prometheus/client_model/go"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Gather reads r through Registry.Gather and returns its families as the
// generated client_model types, for code that works with them (a
// client_golang Gatherer, promclient). It allocates per series; Write does
// not.
func Gather(r *abacus.Registry) []*dto.MetricFamily {
	var out []*dto.MetricFamily
	for f, series := range r.Gather() {
		mf := &dto.MetricFamily{Name: proto.String(f.Name()), Type: metricType(f.Type()).Enum()}
		if f.Help() != "" {
			mf.Help = proto.String(f.Help())
		}
		if f.Unit() != "" {
			mf.Unit = proto.String(f.Unit())
		}
		for s := range series {
			mf.Metric = append(mf.Metric, metric(f, s))
		}
		out = append(out, mf)
	}
	return out
}

func metricType(t abacus.Type) dto.MetricType {
	switch t {
	case abacus.TypeCounter:
		return dto.MetricType_COUNTER
	case abacus.TypeGauge:
		return dto.MetricType_GAUGE
	case abacus.TypeHistogram:
		return dto.MetricType_HISTOGRAM
	case abacus.TypeSummary:
		return dto.MetricType_SUMMARY
	}
	return dto.MetricType_UNTYPED
}

func metric(f *abacus.Family, s *abacus.Series) *dto.Metric {
	m := &dto.Metric{}
	for n, v := range s.Labels.All() {
		m.Label = append(m.Label, &dto.LabelPair{Name: proto.String(n), Value: proto.String(v)})
	}
	switch f.Type() {
	case abacus.TypeCounter:
		m.Counter = &dto.Counter{Value: proto.Float64(s.Value)}
		if s.Created != 0 {
			m.Counter.CreatedTimestamp = timestamppb.New(time.Unix(0, s.Created))
		}
		if s.Exemplar != nil {
			m.Counter.Exemplar = exemplar(s.Exemplar)
		}
	case abacus.TypeGauge:
		m.Gauge = &dto.Gauge{Value: proto.Float64(s.Value)}
	case abacus.TypeSummary:
		m.Summary = &dto.Summary{SampleCount: proto.Uint64(s.Summary.Count), SampleSum: proto.Float64(s.Summary.Sum)}
		for _, q := range s.Summary.Quantiles {
			m.Summary.Quantile = append(m.Summary.Quantile, &dto.Quantile{Quantile: proto.Float64(q.Q), Value: proto.Float64(q.Value)})
		}
	case abacus.TypeHistogram:
		m.Histogram = histogramOf(s)
	}
	return m
}

// histogramOf builds both the native and the classic form of a histogram.
func histogramOf(s *abacus.Series) *dto.Histogram {
	var n histogram.Native
	s.Histogram.Native(&n)
	h := &dto.Histogram{
		SampleCount:   proto.Uint64(n.Count),
		SampleSum:     proto.Float64(n.Sum),
		Schema:        proto.Int32(n.Schema),
		ZeroThreshold: proto.Float64(n.ZeroThreshold),
		ZeroCount:     proto.Uint64(n.ZeroCount),
		PositiveSpan:  spans(n.PositiveSpans),
		PositiveDelta: n.PositiveDeltas,
		NegativeSpan:  spans(n.NegativeSpans),
		NegativeDelta: n.NegativeDeltas,
	}
	if s.Created != 0 {
		h.CreatedTimestamp = timestamppb.New(time.Unix(0, s.Created))
	}
	cb, _ := s.Histogram.Classic(nil)
	lo := math.Inf(-1)
	for _, c := range cb[:len(cb)-1] { // the +Inf bucket is implicit
		b := &dto.Bucket{CumulativeCount: proto.Uint64(c.Count), UpperBound: proto.Float64(c.UpperBound)}
		if e := s.Histogram.Exemplar(lo, c.UpperBound); e != nil {
			b.Exemplar = exemplar(e)
		}
		h.Bucket = append(h.Bucket, b)
		lo = c.UpperBound
	}
	if len(n.PositiveSpans) == 0 && len(n.NegativeSpans) == 0 {
		// A native histogram with no buckets needs a span to be told
		// from a classic one (as client_golang writes it).
		h.PositiveSpan = []*dto.BucketSpan{{Offset: proto.Int32(0), Length: proto.Uint32(0)}}
	}
	for _, e := range s.Histogram.Exemplars(nil) {
		h.Exemplars = append(h.Exemplars, exemplar(e))
	}
	return h
}

func spans(ss []histogram.Span) []*dto.BucketSpan {
	if len(ss) == 0 {
		return nil
	}
	out := make([]*dto.BucketSpan, len(ss))
	for i, s := range ss {
		out[i] = &dto.BucketSpan{Offset: proto.Int32(s.Offset), Length: proto.Uint32(s.Length)}
	}
	return out
}

func exemplar(e *abacus.Exemplar) *dto.Exemplar {
	x := &dto.Exemplar{Value: proto.Float64(e.Value), Timestamp: timestamppb.New(e.Time)}
	for _, l := range e.Labels {
		x.Label = append(x.Label, &dto.LabelPair{Name: proto.String(l.Name), Value: proto.String(l.Value)})
	}
	return x
}
