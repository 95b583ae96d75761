package abacus

import (
	"fmt"
	"math"
	"sort"
	"sync/atomic"
	"time"

	"github.com/abacusgo/abacus/histogram"
)

// A Histogram is a histogram.Histogram registered in a family: lock-free
// recording into base-2 exponential buckets, exported as a Prometheus native
// histogram (protobuf) and as classic cumulative buckets (text formats), plus
// exemplars for OpenMetrics.
type Histogram struct {
	h       *histogram.Histogram
	ex      exemplarRing
	bounds  []float64       // the family's classic bounds, or nil
	classic []atomic.Uint64 // per classic bucket (the last is +Inf), not cumulative; nil without bounds
}

// Observe records v; see histogram.Histogram.Observe.
func (h *Histogram) Observe(v float64) {
	h.h.Observe(v)
	if h.classic != nil {
		h.countClassic(v)
	}
}

// ObserveInt records v.
func (h *Histogram) ObserveInt(v int64) {
	h.h.ObserveInt(v)
	if h.classic != nil {
		h.countClassic(float64(v))
	}
}

// ObserveDuration records d in the histogram's duration unit (seconds
// unless set with histogram.WithDurationUnit).
func (h *Histogram) ObserveDuration(d time.Duration) {
	h.h.ObserveDuration(d)
	if h.classic != nil {
		h.countClassic(float64(d) / float64(h.h.DurationUnit()))
	}
}

// ObserveWithExemplar records v and an exemplar for it; invalid exemplar
// labels are reported and dropped, the observation is recorded regardless.
func (h *Histogram) ObserveWithExemplar(v float64, labels map[string]string) error {
	h.Observe(v)
	return h.ex.add(labels, v)
}

// countClassic counts v in the classic bucket with the smallest bound ≥ v,
// skipping the values the exponential buckets reject, so both agree on the
// count.
func (h *Histogram) countClassic(v float64) {
	if !(math.Abs(v) <= histogram.MaxValue) {
		return
	}
	i := 0
	if len(h.bounds) <= 16 {
		for i < len(h.bounds) && v > h.bounds[i] {
			i++
		}
	} else {
		i = sort.SearchFloat64s(h.bounds, v)
	}
	h.classic[i].Add(1)
}

// Snapshot returns the histogram's counts.
func (h *Histogram) Snapshot() *histogram.Snapshot { return h.h.Snapshot() }

// Exemplar returns the newest exemplar with lo < value ≤ hi, or nil.
func (h *Histogram) Exemplar(lo, hi float64) *Exemplar { return h.ex.newest(lo, hi) }

// Classic appends to dst the cumulative buckets the text formats expose,
// the last one +Inf, and returns them with the sum of the observations. With
// the family's Buckets they are the exact counts kept at those bounds, as
// client_golang keeps them; without, the exponential buckets read at every
// power of two from the first to the last that bounds an observation (powers
// of two are bucket boundaries at every scale from 0 up, so these counts are
// exact too; at a negative scale, only the powers that are boundaries). It takes no snapshot and allocates nothing when dst has room.
func (h *Histogram) Classic(dst []histogram.ClassicBucket) ([]histogram.ClassicBucket, float64) {
	if h.classic != nil {
		var cum uint64
		for i := range h.classic {
			cum += h.classic[i].Load()
			upper := math.Inf(1)
			if i < len(h.bounds) {
				upper = h.bounds[i]
			}
			dst = append(dst, histogram.ClassicBucket{UpperBound: upper, Count: cum})
		}
		return dst, h.h.Sum()
	}
	var oct [histogram.Octaves]uint64
	first, n, below, sum := h.h.PowersOfTwo(&oct)
	total := below
	// At a negative scale only every 2^-scale-th power of two is a bucket
	// boundary; the others fall inside buckets and are left out.
	step := 1
	if sc := h.h.Scale(); sc < 0 {
		step = 1 << -sc
	}
	for i := range n {
		total = oct[i]
		if (first+i)%step != 0 {
			continue
		}
		dst = append(dst, histogram.ClassicBucket{UpperBound: math.Ldexp(1, first+i), Count: oct[i]})
	}
	return append(dst, histogram.ClassicBucket{UpperBound: math.Inf(1), Count: total}), sum
}

func (h *Histogram) activity() uint64 {
	s := h.h.Snapshot()
	return s.Count() ^ math.Float64bits(s.Sum())
}

// HistogramOpts adds to Opts what only histograms have.
type HistogramOpts struct {
	Opts
	// Options configure the buckets (histogram.WithScale and others).
	Options []histogram.Option
	// Buckets are classic upper bounds, increasing, for the text formats
	// (and the classic part of the protobuf form). With them each series
	// also keeps a count per classic bucket, as client_golang does: one
	// more atomic add per observation. Nil exposes the exponential buckets
	// at the powers of two that span the observations instead, which costs
	// nothing when recording.
	Buckets []float64
}

func (o HistogramOpts) shape() string {
	h, err := histogram.New(o.Options...)
	if err != nil {
		return fmt.Sprintf(" invalid options buckets %v", o.Buckets)
	}
	return fmt.Sprintf(" scale %d zero threshold %g duration unit %v buckets %v",
		h.Scale(), h.ZeroThreshold(), h.DurationUnit(), o.Buckets)
}

func (o HistogramOpts) init() (func(*Histogram), error) {
	if _, err := histogram.New(o.Options...); err != nil {
		return nil, fmt.Errorf("abacus: histogram %q: %w", o.Name, err)
	}
	for i, b := range o.Buckets {
		if math.IsNaN(b) || math.IsInf(b, 0) || (i > 0 && b <= o.Buckets[i-1]) {
			return nil, fmt.Errorf("abacus: histogram %q: classic buckets must increase and not be NaN: %v", o.Name, o.Buckets)
		}
	}
	var bounds []float64
	if len(o.Buckets) > 0 {
		bounds = append(bounds, o.Buckets...)
	}
	return func(h *Histogram) {
		h.h = histogram.MustNew(o.Options...)
		if bounds != nil {
			h.bounds = bounds
			h.classic = make([]atomic.Uint64, len(bounds)+1)
		}
	}, nil
}

// Histogram registers an unlabelled histogram family and returns its
// histogram.
func (r *Registry) Histogram(o HistogramOpts) (*Histogram, error) {
	init, err := o.init()
	if err != nil {
		return nil, err
	}
	v, err := registerVec[Histogram](r, o.Opts, TypeHistogram, nil, o.shape(), init)
	if err != nil {
		return nil, err
	}
	return single(v), nil
}

// A HistogramVec is a histogram family with variable labels.
type HistogramVec struct{ v *vec[Histogram] }

// HistogramVec registers a histogram family with the given label names.
func (r *Registry) HistogramVec(o HistogramOpts, labelNames ...string) (*HistogramVec, error) {
	init, err := o.init()
	if err != nil {
		return nil, err
	}
	v, err := registerVec[Histogram](r, o.Opts, TypeHistogram, labelNames, o.shape(), init)
	if err != nil {
		return nil, err
	}
	return &HistogramVec{v}, nil
}

// With returns the histogram of the given label values; see
// CounterVec.With.
func (hv *HistogramVec) With(values ...string) *Histogram { return hv.v.with(values) }

// Delete removes the series with the given label values.
func (hv *HistogramVec) Delete(values ...string) bool { return hv.v.remove(values) }

// Reset removes every series.
func (hv *HistogramVec) Reset() { hv.v.reset() }

// Family returns the vector's family.
func (hv *HistogramVec) Family() *Family { return hv.v.fam }
