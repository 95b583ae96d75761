package histogram

import (
	"errors"
	"fmt"
	"math"
)

// Native is a snapshot in the form of a Prometheus native histogram (the
// fields of io.prometheus.client.Histogram): Prometheus numbers bucket i+1
// what this package numbers i, counts are delta-encoded across each sign's
// buckets, and runs of buckets are described by spans. Gaps of up to two
// empty buckets are kept inside a span, as client_golang does. It is plain
// data; a zero Native is a dst for AppendNative like any other.
type Native struct {
	Schema         int32
	ZeroThreshold  float64
	ZeroCount      uint64
	Count          uint64
	Sum            float64
	PositiveSpans  []Span
	PositiveDeltas []int64
	NegativeSpans  []Span
	NegativeDeltas []int64
}

// Span is a run of Length consecutive buckets, starting Offset buckets after
// the end of the previous span (or at bucket Offset, for the first span).
type Span struct {
	Offset int32
	Length uint32
}

// Native returns the snapshot as a Prometheus native histogram. No
// re-bucketing is involved: the scale is the schema.
func (s *Snapshot) Native() Native {
	s = s.orEmpty()
	n := Native{
		Schema:        int32(s.scale),
		ZeroThreshold: s.zeroThr,
		ZeroCount:     s.zero,
		Count:         s.count,
		Sum:           s.sum,
	}
	n.PositiveSpans, n.PositiveDeltas = spans(s.pos)
	n.NegativeSpans, n.NegativeDeltas = spans(s.neg)
	return n
}

// spans encodes a dense run as Prometheus spans and deltas.
func spans(b Buckets) ([]Span, []int64) {
	var ss []Span
	var ds []int64
	var prev int64
	end := 0 // Prometheus index one past the last span
	for k := 0; k < len(b.Counts); {
		if b.Counts[k] == 0 {
			k++
			continue
		}
		// A span starts here and runs on through gaps of at most two.
		start := k
		last := k
		for j := k + 1; j < len(b.Counts) && j-last <= 3; j++ {
			if b.Counts[j] != 0 {
				last = j
			}
		}
		key := b.Offset + start + 1 // Prometheus numbering
		off := key
		if len(ss) > 0 {
			off = key - end
		}
		ss = append(ss, Span{Offset: int32(off), Length: uint32(last - start + 1)})
		for j := start; j <= last; j++ {
			c := int64(b.Counts[j])
			ds = append(ds, c-prev)
			prev = c
		}
		end = key + last - start + 1
		k = last + 1
	}
	return ss, ds
}

// OTLP is a snapshot in the form of an OpenTelemetry exponential histogram
// data point (the fields of ExponentialHistogramDataPoint). The numbering
// and the scale are the same as this package's, so nothing is converted.
type OTLP struct {
	Scale         int32
	Count         uint64
	Sum           float64
	Min, Max      float64 // NaN when Count is 0
	ZeroCount     uint64
	ZeroThreshold float64
	Positive      OTLPBuckets
	Negative      OTLPBuckets
}

// OTLPBuckets is a dense run of bucket counts starting at index Offset.
type OTLPBuckets struct {
	Offset       int32
	BucketCounts []uint64
}

// OTLP returns the snapshot as an OpenTelemetry exponential histogram.
func (s *Snapshot) OTLP() OTLP {
	s = s.orEmpty()
	return OTLP{
		Scale:         int32(s.scale),
		Count:         s.count,
		Sum:           s.sum,
		Min:           s.min,
		Max:           s.max,
		ZeroCount:     s.zero,
		ZeroThreshold: s.zeroThr,
		Positive:      OTLPBuckets{Offset: int32(s.pos.Offset), BucketCounts: append([]uint64(nil), s.pos.Counts...)},
		Negative:      OTLPBuckets{Offset: int32(s.neg.Offset), BucketCounts: append([]uint64(nil), s.neg.Counts...)},
	}
}

// ClassicBucket is one cumulative bucket of a classic Prometheus histogram:
// Count observations are ≤ UpperBound.
type ClassicBucket struct {
	UpperBound float64
	Count      uint64
}

// Classic returns cumulative classic buckets for the given upper bounds,
// followed by a +Inf bucket holding every observation. Counts are exact, not
// interpolated: for each requested bound b, the bucket reports the largest
// bucket boundary b' ≤ b (b' = b when b is a boundary at this scale, such as
// a power of two) as its UpperBound, and counts every observation ≤ b'.
// Bounds must be increasing, not NaN, and at least the zero threshold
// (negative bounds would split the zero bucket).
func (s *Snapshot) Classic(bounds []float64) ([]ClassicBucket, error) {
	s = s.orEmpty()
	var errs []error
	for i, b := range bounds {
		switch {
		case math.IsNaN(b) || math.IsInf(b, 0):
			errs = append(errs, fmt.Errorf("histogram: classic bound %d is %v", i, b))
		case b < s.zeroThr:
			errs = append(errs, fmt.Errorf("histogram: classic bound %v is below the zero threshold %v", b, s.zeroThr))
		case i > 0 && b <= bounds[i-1]:
			errs = append(errs, fmt.Errorf("histogram: classic bounds not increasing at %v", b))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	out := make([]ClassicBucket, 0, len(bounds)+1)
	cum := addSat(s.zero, total(s.neg.Counts)) // every negative and zero-bucket value is ≤ any bound
	k := 0                                     // next positive bucket to add
	for _, b := range bounds {
		eff := s.zeroThr
		switch {
		case b >= MaxValue:
			eff = MaxValue // every recorded value is at most MaxValue: all of them
		case b > s.zeroThr:
			eff = LowerBound(Index(b, s.scale), s.scale)
			if UpperBound(Index(b, s.scale), s.scale) == b {
				eff = b
			}
			eff = math.Max(eff, s.zeroThr)
		}
		for ; k < len(s.pos.Counts) && UpperBound(s.pos.Offset+k, s.scale) <= eff; k++ {
			cum = addSat(cum, s.pos.Counts[k])
		}
		out = append(out, ClassicBucket{UpperBound: eff, Count: cum})
	}
	return append(out, ClassicBucket{UpperBound: math.Inf(1), Count: s.count}), nil
}
