package abacus

import (
	"fmt"
	"math"
	"time"

	"github.com/abacusgo/abacus/histogram"
)

// A Histogram is a histogram.Histogram registered in a family: lock-free
// recording into base-2 exponential buckets, exported as a Prometheus native
// histogram (protobuf) and as classic cumulative buckets (text formats), plus
// exemplars for OpenMetrics.
type Histogram struct {
	h      *histogram.Histogram
	ex     exemplarRing
	bounds []float64 // the family's classic bounds; nil for powers of two
}

// Observe records v; see histogram.Histogram.Observe.
func (h *Histogram) Observe(v float64) { h.h.Observe(v) }

// ObserveInt records v.
func (h *Histogram) ObserveInt(v int64) { h.h.ObserveInt(v) }

// ObserveDuration records d in the histogram's duration unit (seconds).
func (h *Histogram) ObserveDuration(d time.Duration) { h.h.ObserveDuration(d) }

// ObserveWithExemplar records v and an exemplar for it; invalid exemplar
// labels are reported and dropped, the observation is recorded regardless.
func (h *Histogram) ObserveWithExemplar(v float64, labels map[string]string) error {
	h.h.Observe(v)
	return h.ex.add(labels, v)
}

// Snapshot returns the histogram's counts.
func (h *Histogram) Snapshot() *histogram.Snapshot { return h.h.Snapshot() }

// Exemplar returns the newest exemplar with lo < value ≤ hi, or nil.
func (h *Histogram) Exemplar(lo, hi float64) *Exemplar { return h.ex.newest(lo, hi) }

// ClassicBounds returns the upper bounds the text formats expose for s: the
// family's Buckets if set, else every power of two from just below s's
// smallest positive observation to just above its largest (exact at every
// scale). The +Inf bucket is implicit.
func (h *Histogram) ClassicBounds(s *histogram.Snapshot) []float64 {
	if h.bounds != nil {
		return h.bounds
	}
	if s.Count() == 0 || !(s.Max() > 0) {
		return nil
	}
	lo := math.Max(s.ZeroThreshold(), s.Min())
	if lo <= 0 || lo > s.Max() {
		lo = s.Max()
	}
	e0 := int(math.Floor(math.Log2(lo)))
	e1 := int(math.Ceil(math.Log2(s.Max())))
	out := make([]float64, 0, e1-e0+1)
	for e := e0; e <= e1; e++ {
		out = append(out, math.Ldexp(1, e))
	}
	return out
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
	// Buckets are the classic upper bounds exposed by the text formats,
	// increasing. Each is reported at the largest bucket boundary at or
	// below it, with an exact count; powers of two are boundaries at every
	// scale. Nil exposes the powers of two that span the observations.
	Buckets []float64
}

func (o HistogramOpts) shape() string {
	h, err := histogram.New(o.Options...)
	scale := 0
	if err == nil {
		scale = h.Scale()
	}
	return fmt.Sprintf(" scale %d buckets %v", scale, o.Buckets)
}

func (o HistogramOpts) init() (func(*Histogram), error) {
	if _, err := histogram.New(o.Options...); err != nil {
		return nil, fmt.Errorf("abacus: histogram %q: %w", o.Name, err)
	}
	for i, b := range o.Buckets {
		if math.IsNaN(b) || (i > 0 && b <= o.Buckets[i-1]) {
			return nil, fmt.Errorf("abacus: histogram %q: classic buckets must increase and not be NaN: %v", o.Name, o.Buckets)
		}
	}
	bounds := append([]float64(nil), o.Buckets...)
	if o.Buckets == nil {
		bounds = nil
	}
	return func(h *Histogram) {
		h.h = histogram.MustNew(o.Options...)
		h.bounds = bounds
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
