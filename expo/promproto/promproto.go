// Package promproto writes an abacus.Registry in the Prometheus protobuf
// exposition format: length-delimited io.prometheus.client.MetricFamily
// messages, the only format in which Prometheus scrapes native histograms.
// It is a separate package so that importing expo does not import protobuf.
//
// Histograms carry both forms: the native one (schema, zero bucket, spans
// and deltas, straight from the exponential buckets) and the classic
// cumulative buckets the text formats show.
package promproto

import (
	"io"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/expo"
	"github.com/abacusgo/abacus/histogram"
	dto "github.com/prometheus/client_model/go"
	"google.golang.org/protobuf/encoding/protodelim"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// ContentType is the Content-Type of the format.
const ContentType = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"

// Encoder is the format for expo.WithEncoder:
//
//	expo.Handler(reg, expo.WithEncoder(promproto.Encoder))
var Encoder = expo.Encoder{
	ContentType: ContentType,
	MediaType:   "application/vnd.google.protobuf",
	Params:      map[string]string{"proto": "io.prometheus.client.MetricFamily", "encoding": "delimited"},
	Write:       Write,
}

// Handler is expo.Handler with the protobuf format added, so that a
// Prometheus with native histograms enabled gets them.
func Handler(r *abacus.Registry, opts ...expo.HandlerOption) http.Handler {
	return expo.Handler(r, append([]expo.HandlerOption{expo.WithEncoder(Encoder)}, opts...)...)
}

// Write writes every family of r as a length-delimited MetricFamily.
func Write(w io.Writer, r *abacus.Registry) error {
	start := time.Now()
	r.Sweep()
	for _, f := range Gather(r) {
		if _, err := protodelim.MarshalTo(w, f); err != nil {
			return err
		}
	}
	r.Scraped(time.Since(start))
	return nil
}

// Gather converts every non-empty family of r to its protobuf form.
func Gather(r *abacus.Registry) []*dto.MetricFamily {
	var out []*dto.MetricFamily
	for _, f := range r.Families() {
		if f.Len() == 0 {
			continue
		}
		out = append(out, family(f))
	}
	return out
}

func family(f *abacus.Family) *dto.MetricFamily {
	mf := &dto.MetricFamily{Name: proto.String(f.Name())}
	if f.Help() != "" {
		mf.Help = proto.String(f.Help())
	}
	if f.Unit() != "" {
		mf.Unit = proto.String(f.Unit())
	}
	switch f.Type() {
	case abacus.TypeCounter:
		mf.Type = dto.MetricType_COUNTER.Enum()
	case abacus.TypeGauge:
		mf.Type = dto.MetricType_GAUGE.Enum()
	case abacus.TypeHistogram:
		mf.Type = dto.MetricType_HISTOGRAM.Enum()
	case abacus.TypeSummary:
		mf.Type = dto.MetricType_SUMMARY.Enum()
	}
	f.Each(func(s abacus.Sample) {
		m := &dto.Metric{Label: labelPairs(s.Labels)}
		switch {
		case s.Histogram != nil:
			m.Histogram = histogramOf(s)
		case s.Summary != nil:
			m.Summary = &dto.Summary{SampleCount: proto.Uint64(s.Summary.Count), SampleSum: proto.Float64(s.Summary.Sum)}
			for _, q := range s.Summary.Quantiles {
				m.Summary.Quantile = append(m.Summary.Quantile, &dto.Quantile{Quantile: proto.Float64(q.Q), Value: proto.Float64(q.Value)})
			}
		case f.Type() == abacus.TypeCounter:
			m.Counter = &dto.Counter{Value: proto.Float64(value(s))}
			if s.Created != 0 {
				m.Counter.CreatedTimestamp = timestamppb.New(time.Unix(0, s.Created))
			}
			if s.Counter != nil {
				if e := s.Counter.Exemplar(); e != nil {
					m.Counter.Exemplar = exemplar(e)
				}
			}
		default:
			m.Gauge = &dto.Gauge{Value: proto.Float64(value(s))}
		}
		mf.Metric = append(mf.Metric, m)
	})
	return mf
}

func value(s abacus.Sample) float64 {
	switch {
	case s.Counter != nil:
		return s.Counter.Value()
	case s.Gauge != nil:
		return s.Gauge.Value()
	}
	return s.Value
}

// histogramOf builds both the native and the classic form of a histogram.
func histogramOf(s abacus.Sample) *dto.Histogram {
	snap := s.Histogram.Snapshot()
	n := snap.Native()
	h := &dto.Histogram{
		SampleCount:   proto.Uint64(snap.Count()),
		SampleSum:     proto.Float64(snap.Sum()),
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
	if len(h.Bucket) == 0 && len(h.PositiveSpan) == 0 && len(h.NegativeSpan) == 0 && snap.ZeroCount() == 0 {
		// An empty native histogram needs a span to be told from a classic one.
		h.PositiveSpan = []*dto.BucketSpan{{Offset: proto.Int32(0), Length: proto.Uint32(0)}}
	}
	return h
}

func spans(ss []histogram.Span) []*dto.BucketSpan {
	out := make([]*dto.BucketSpan, len(ss))
	for i, s := range ss {
		out[i] = &dto.BucketSpan{Offset: proto.Int32(s.Offset), Length: proto.Uint32(s.Length)}
	}
	return out
}

func exemplar(e *abacus.Exemplar) *dto.Exemplar {
	return &dto.Exemplar{Label: labelPairs(e.Labels), Value: proto.Float64(e.Value), Timestamp: timestamppb.New(e.Time)}
}

// labelPairs parses a rendered label set `{a="x",b="y\"z"}` back into pairs.
func labelPairs(rendered string) []*dto.LabelPair {
	if rendered == "" {
		return nil
	}
	s := rendered[1 : len(rendered)-1]
	var out []*dto.LabelPair
	for s != "" {
		eq := strings.IndexByte(s, '=')
		name := s[:eq]
		s = s[eq+2:] // skip ="
		var v strings.Builder
		i := 0
		for ; s[i] != '"'; i++ {
			if s[i] == '\\' {
				i++
				switch s[i] {
				case 'n':
					v.WriteByte('\n')
				default:
					v.WriteByte(s[i])
				}
				continue
			}
			v.WriteByte(s[i])
		}
		out = append(out, &dto.LabelPair{Name: proto.String(name), Value: proto.String(v.String())})
		s = strings.TrimPrefix(s[i+1:], ",")
	}
	return out
}
