package abacus

import (
	"iter"
	"math"
	"time"

	"github.com/abacusgo/abacus/histogram"
)

// Gather is the registry's one read path: every exposition format, the
// bridges and any exporter read the registry through it. It yields each
// family that has series, in name order, with an iterator over the
// family's series, sorted by label values with the overflow series last.
//
//	for f, series := range reg.Gather() {
//		for s := range series {
//			// f.Name(), f.Type(), s.Labels, s.Value, s.Histogram, …
//		}
//	}
//
// Gather does the registry's housekeeping itself, so that no reader can
// skip it: before the first family it removes the series that a family's
// TTL expired (see Family.TTL), and when the loop ends it counts one scrape
// in abacus_scrapes_total and its duration (the writer's work included) in
// abacus_scrape_duration_seconds.
//
// A family's series iterator is good only during the step of the loop that
// yielded it, and the *Series it yields only until the next one: copy what
// you keep. Values are read as the loop reaches them, not as of one
// instant. Gather is safe to run concurrently with itself and with
// recording.
func (r *Registry) Gather() iter.Seq2[*Family, iter.Seq[*Series]] {
	r.check()
	return func(yield func(*Family, iter.Seq[*Series]) bool) {
		start := time.Now()
		defer r.scraped(start)
		r.sweep()
		s := new(Series)
		for _, f := range r.Families() {
			n, each := f.impl.gather()
			if n == 0 {
				continue
			}
			if !yield(f, func(y func(*Series) bool) { each(s, y) }) {
				return
			}
		}
	}
}

// sweep removes the series idle for longer than their family's TTL.
func (r *Registry) sweep() {
	now := r.now().UnixNano()
	for _, f := range r.Families() {
		if f.ttl > 0 {
			f.impl.sweep(now)
		}
	}
}

// A Series is one series of a family, as Gather yields it. Which value
// fields are set depends on the family's Type: Value (and Exemplar) for
// counters and gauges, Histogram for histograms, Summary for summaries.
type Series struct {
	Labels Labels
	// Created is when the series was created, in unix nanoseconds; 0 where
	// it is not known (func metrics).
	Created int64
	// Value is a counter's count or a gauge's value.
	Value float64
	// Exemplar is a counter's latest exemplar, or nil.
	Exemplar *Exemplar
	// Histogram reads a histogram's buckets.
	Histogram HistogramValue
	// Summary is a summary's value.
	Summary *Summary
}

// HistogramValue reads one histogram series during Gather. Each read is
// taken while writers run: Classic, Native and Snapshot are each consistent
// in themselves (a count is the sum of its buckets) but may differ from one
// another by the observations recorded in between. The HistogramValue of a
// series of another type is the zero value, which reads as an empty
// histogram with no buckets.
type HistogramValue struct {
	h *Histogram
}

// Classic appends to dst the cumulative classic buckets at the family's
// layout (Family.Buckets), then the +Inf bucket, whose count is the
// histogram's count, and returns them with the sum of the observations. It
// takes no snapshot and allocates nothing when dst has room.
func (v HistogramValue) Classic(dst []histogram.ClassicBucket) ([]histogram.ClassicBucket, float64) {
	if v.h == nil {
		return append(dst, histogram.ClassicBucket{UpperBound: math.Inf(1)}), 0
	}
	return v.h.classicBuckets(dst)
}

// Native fills dst with the histogram as a Prometheus native histogram,
// reusing dst's slices: allocation-free once they have grown.
func (v HistogramValue) Native(dst *histogram.Native) {
	if v.h == nil {
		*dst = histogram.Merge().Native()
		return
	}
	v.h.h.AppendNative(dst)
}

// Snapshot returns a snapshot of the exponential buckets, with the
// extremes (it allocates).
func (v HistogramValue) Snapshot() *histogram.Snapshot {
	if v.h == nil {
		return histogram.Merge()
	}
	return v.h.h.Snapshot()
}

// Exemplar returns the newest exemplar with lo < value ≤ hi, or nil.
func (v HistogramValue) Exemplar(lo, hi float64) *Exemplar {
	if v.h == nil {
		return nil
	}
	return v.h.ex.newest(lo, hi)
}

// Exemplars appends the histogram's recent exemplars (at most a few) to dst.
func (v HistogramValue) Exemplars(dst []*Exemplar) []*Exemplar {
	if v.h == nil {
		return dst
	}
	return v.h.ex.all(dst)
}
