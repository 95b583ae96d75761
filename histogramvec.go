package abacus

import (
	"fmt"
	"math"
	"sort"
	"sync/atomic"
	"time"

	"github.com/abacusgo/abacus/histogram"
)

// A Histogram is a histogram.Histogram in a registry: lock-free recording
// into base-2 exponential buckets, exposed as a Prometheus native histogram
// (protobuf) and as classic cumulative buckets at its family's fixed layout
// (every format), plus exemplars. All methods are safe for concurrent use.
//
// Get one from Registry.Histogram or HistogramVec.With; the zero value is
// not usable, and recording on it panics naming those.
type Histogram struct {
	u       use // first: see use
	h       *histogram.Histogram
	ex      exemplarRing
	lay     *layout
	classic []atomic.Uint64 // per classic bucket, the last +Inf, not cumulative; nil when the layout is read from h
}

const zeroHistogram = "abacus: zero Histogram: get one from Registry.Histogram or HistogramVec.With"

// Observe records v; see histogram.Histogram.Observe. NaN, ±Inf and values
// beyond ±histogram.MaxValue are refused: in no bucket, count or sum, and
// counted in abacus_observations_rejected_total.
func (h *Histogram) Observe(v float64) {
	if h.h == nil {
		panic(zeroHistogram)
	}
	h.h.Observe(v)
	if h.classic != nil {
		h.countClassic(v)
	}
	h.u.touch()
}

// ObserveInt records v.
func (h *Histogram) ObserveInt(v int64) {
	if h.h == nil {
		panic(zeroHistogram)
	}
	h.h.ObserveInt(v)
	if h.classic != nil {
		h.countClassic(float64(v))
	}
	h.u.touch()
}

// ObserveDuration records d in the histogram's duration unit (seconds
// unless set with histogram.WithDurationUnit).
func (h *Histogram) ObserveDuration(d time.Duration) {
	if h.h == nil {
		panic(zeroHistogram)
	}
	h.h.ObserveDuration(d)
	if h.classic != nil {
		h.countClassic(float64(d) / float64(h.h.DurationUnit()))
	}
	h.u.touch()
}

// ObserveWithExemplar records v and an exemplar for it; invalid exemplar
// labels are refused with an error, the observation is recorded regardless.
func (h *Histogram) ObserveWithExemplar(v float64, labels map[string]string) error {
	h.Observe(v)
	return h.ex.add(labels, v)
}

// countClassic counts v in the classic bucket with the smallest bound ≥ v,
// skipping the values the exponential buckets refuse, so both agree on the
// count.
func (h *Histogram) countClassic(v float64) {
	if !(math.Abs(v) <= histogram.MaxValue) {
		return
	}
	bounds := h.lay.bounds
	i := 0
	if len(bounds) <= 16 {
		for i < len(bounds) && v > bounds[i] {
			i++
		}
	} else {
		i = sort.SearchFloat64s(bounds, v)
	}
	h.classic[i].Add(1)
}

// Snapshot returns the histogram's counts.
func (h *Histogram) Snapshot() *histogram.Snapshot { return h.h.Snapshot() }

// Exemplar returns the newest exemplar with lo < value ≤ hi, or nil.
func (h *Histogram) Exemplar(lo, hi float64) *Exemplar { return h.ex.newest(lo, hi) }

// Classic appends to dst the cumulative classic buckets at the family's
// layout (Family.Buckets) and the +Inf bucket, whose count is the
// histogram's count, and returns them with the sum of the observations:
// what the text formats expose. It takes no snapshot.
func (h *Histogram) Classic(dst []histogram.ClassicBucket) ([]histogram.ClassicBucket, float64) {
	return h.classicBuckets(dst)
}

// classicBuckets appends the cumulative buckets at the family's layout and
// +Inf, and returns them with the sum.
func (h *Histogram) classicBuckets(dst []histogram.ClassicBucket) ([]histogram.ClassicBucket, float64) {
	if h.classic == nil {
		return h.h.AppendClassic(dst, h.lay.exp)
	}
	var cum uint64
	for i := range h.classic {
		cum += h.classic[i].Load()
		upper := math.Inf(1)
		if i < len(h.lay.bounds) {
			upper = h.lay.bounds[i]
		}
		dst = append(dst, histogram.ClassicBucket{UpperBound: upper, Count: cum})
	}
	return dst, h.h.Sum()
}

func (h *Histogram) usage() *use { return &h.u }

func (h *Histogram) point(s *Series) { s.Histogram = HistogramValue{h} }

func (h *Histogram) rejected() (nan, inf uint64) { return h.h.Rejected() }

// HistogramOpts adds to Opts what only histograms have.
type HistogramOpts struct {
	Opts
	// Options configure the exponential buckets (histogram.WithScale and
	// others); they are the native histogram every series exposes.
	Options []histogram.Option
	// Buckets are the classic upper bounds, increasing and finite, that
	// every series of the family exposes (the +Inf bucket is added): the
	// same at every scrape on every instance, so that sum by (le) works in
	// PromQL. Nil means DefaultBuckets(); an empty, non-nil slice exposes
	// the +Inf bucket only (for native-only histograms).
	//
	// Bounds that are bucket boundaries of the exponential buckets (see
	// histogram.IsBoundary; powers of two always are, from scale 0 up) and
	// at least the zero threshold cost nothing when recording: their counts
	// are read from the exponential buckets. Any other bound makes each
	// series keep a count per classic bucket, as client_golang does: one
	// more atomic add per observation.
	Buckets []float64
}

// DefaultBuckets returns the classic layout of histograms registered
// without Buckets: the powers of two from 2^-10 to 2^4 (about 1 ms to 16 s
// in seconds), 15 bounds, read from the exponential buckets at no recording
// cost.
func DefaultBuckets() []float64 { return PowersOfTwo(-10, 4) }

// PowersOfTwo returns the classic bounds 2^from, 2^(from+1), …, 2^to. They
// are bucket boundaries at every scale from 0 up, so a histogram exposes
// them at no recording cost.
func PowersOfTwo(from, to int) []float64 {
	var out []float64
	for e := from; e <= to; e++ {
		out = append(out, math.Ldexp(1, e))
	}
	return out
}

// layout is a histogram family's classic bucket layout.
type layout struct {
	scale  int // of the exponential buckets
	bounds []float64
	exp    *histogram.Layout // read from the exponential buckets; nil: counted per bucket
}

// layout checks o and returns the family's layout and the shape it adds.
func (o HistogramOpts) layout() (*layout, string, error) {
	h, err := histogram.New(o.Options...)
	if err != nil {
		return nil, "", &RegistrationError{Name: o.Name, Problems: []error{&problem{kind: ErrInvalidOptions, msg: err.Error()}}}
	}
	bounds := o.Buckets
	if bounds == nil {
		bounds = DefaultBuckets()
	}
	for i, b := range bounds {
		if math.IsNaN(b) || math.IsInf(b, 0) || (i > 0 && b <= bounds[i-1]) {
			return nil, "", &RegistrationError{Name: o.Name, Problems: []error{&problem{kind: ErrInvalidOptions,
				msg: fmt.Sprintf("classic buckets must increase and be finite: %v", bounds)}}}
		}
	}
	l := &layout{scale: h.Scale(), bounds: append([]float64{}, bounds...)}
	l.exp, _ = h.Layout(bounds) // nil when a bound is not a boundary: counted per bucket
	shape := fmt.Sprintf(" scale %d zero threshold %g duration unit %v buckets %v",
		h.Scale(), h.ZeroThreshold(), h.DurationUnit(), l.bounds)
	return l, shape, nil
}

func (o HistogramOpts) init(l *layout) func(*Histogram) {
	return func(h *Histogram) {
		h.h = histogram.MustNew(o.Options...)
		h.lay = l
		if l.exp == nil {
			h.classic = make([]atomic.Uint64, len(l.bounds)+1)
		}
	}
}

func registerHistogram(r *Registry, o HistogramOpts, labelNames []string) (*vec[Histogram, *Histogram], error) {
	l, shape, err := o.layout()
	if err != nil {
		return nil, err
	}
	return registerVec[Histogram](r, o.Opts, TypeHistogram, labelNames, shape, l, o.init(l))
}

// Histogram registers an unlabelled histogram family and returns its
// histogram. Registering the same name again with the same options returns
// the same histogram; with other options it is an *AlreadyRegisteredError.
func (r *Registry) Histogram(o HistogramOpts) (*Histogram, error) {
	v, err := registerHistogram(r, o, nil)
	if err != nil {
		return nil, err
	}
	return v.with(nil), nil
}

// A HistogramVec is a histogram family with variable labels. Its methods
// are safe for concurrent use.
type HistogramVec struct {
	l labelled[Histogram, *Histogram]
}

// HistogramVec registers a histogram family with the given label names.
func (r *Registry) HistogramVec(o HistogramOpts, labelNames ...string) (*HistogramVec, error) {
	v, err := registerHistogram(r, o, labelNames)
	if err != nil {
		return nil, err
	}
	return &HistogramVec{labelled[Histogram, *Histogram]{v: v}}, nil
}

// With returns the histogram of the given label values; see
// CounterVec.With.
func (hv *HistogramVec) With(values ...string) *Histogram {
	return hv.l.v.get(&hv.l, values)
}

// WithLabels is With for a label map; see CounterVec.WithLabels.
func (hv *HistogramVec) WithLabels(labels map[string]string) *Histogram {
	return hv.l.withLabels(labels)
}

// Curry returns a vector with some labels fixed; see CounterVec.Curry.
func (hv *HistogramVec) Curry(labels map[string]string) (*HistogramVec, error) {
	l, err := hv.l.curry(labels)
	if err != nil {
		return nil, err
	}
	return &HistogramVec{l}, nil
}

// LabelNames returns the names of the labels With takes, in order.
func (hv *HistogramVec) LabelNames() []string { return hv.l.labelNames() }

// Delete removes the series with the given label values; see
// CounterVec.Delete.
func (hv *HistogramVec) Delete(values ...string) bool { return hv.l.delete(values) }

// DeleteLabels is Delete for a label map.
func (hv *HistogramVec) DeleteLabels(labels map[string]string) bool {
	return hv.l.deleteLabels(labels)
}

// DeletePartialMatch removes every series whose labels include all of the
// given ones, and returns how many it removed.
func (hv *HistogramVec) DeletePartialMatch(labels map[string]string) int {
	return hv.l.deletePartialMatch(labels)
}

// Reset removes every series; see CounterVec.Reset.
func (hv *HistogramVec) Reset() { hv.l.reset() }

// Family returns the vector's family.
func (hv *HistogramVec) Family() *Family { return hv.l.v.fam }
