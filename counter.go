package abacus

import (
	"fmt"
	"math"

	"github.com/abacusgo/abacus/counter"
)

// A Counter is a monotonic count. Inc and Add are exact and lock-free, and
// scale across cores (a counter.Adaptive); AddFloat keeps a fractional part
// beside it. Value may not include adds running concurrently.
type Counter struct {
	n  counter.Adaptive
	f  counter.FloatGauge
	ex exemplarSlot
}

// Inc adds one.
func (c *Counter) Inc() { c.n.Inc() }

// Add adds n. An n above math.MaxInt64 adds math.MaxInt64: a counter never
// goes down.
func (c *Counter) Add(n uint64) {
	if n > math.MaxInt64 { // the whole-number part is an int64: saturate rather than wrap
		n = math.MaxInt64
	}
	c.n.Add(int64(n))
}

// AddFloat adds v, which must be finite and not negative; anything else is
// refused with an error and leaves the counter alone. It costs a
// compare-and-swap loop: prefer Add for whole numbers.
func (c *Counter) AddFloat(v float64) error {
	if !(v >= 0) || math.IsInf(v, 1) {
		return fmt.Errorf("abacus: counter cannot add %v", v)
	}
	c.f.Add(v)
	return nil
}

// AddWithExemplar adds n and records an exemplar (for example a trace ID)
// that OpenMetrics and protobuf exposition show beside the counter. Invalid
// exemplar labels (see Exemplar) are dropped and reported; the add happens
// regardless.
func (c *Counter) AddWithExemplar(n uint64, labels map[string]string) error {
	c.Add(n)
	return c.ex.set(labels, float64(n))
}

// Value returns the count.
func (c *Counter) Value() float64 { return float64(c.n.Load()) + c.f.Load() }

// Exemplar returns the latest exemplar, or nil.
func (c *Counter) Exemplar() *Exemplar { return c.ex.get() }

func (c *Counter) activity() uint64 {
	return uint64(c.n.Load()) ^ math.Float64bits(c.f.Load())
}

// Counter registers an unlabelled counter family and returns its counter.
// Registering the same name again with the same options returns the same
// counter; with other options it is an error.
func (r *Registry) Counter(o Opts) (*Counter, error) {
	v, err := registerVec[Counter](r, o, TypeCounter, nil, "", func(*Counter) {})
	if err != nil {
		return nil, err
	}
	return single(v), nil
}

// A CounterVec is a counter family with variable labels.
type CounterVec struct{ v *vec[Counter] }

// CounterVec registers a counter family with the given label names.
func (r *Registry) CounterVec(o Opts, labelNames ...string) (*CounterVec, error) {
	v, err := registerVec[Counter](r, o, TypeCounter, labelNames, "", func(*Counter) {})
	if err != nil {
		return nil, err
	}
	return &CounterVec{v}, nil
}

// With returns the counter of the given label values, in the order of the
// label names, creating its series on first use. It allocates nothing when
// the series exists; keep the returned handle to skip even the lookup.
// Values of the wrong number or not valid UTF-8, and new label sets beyond
// the family's cardinality limit, get the overflow series.
func (cv *CounterVec) With(values ...string) *Counter { return cv.v.with(values) }

// Delete removes the series with the given label values and reports whether
// it existed. Handles to it keep working but are no longer exposed.
func (cv *CounterVec) Delete(values ...string) bool { return cv.v.remove(values) }

// Reset removes every series.
func (cv *CounterVec) Reset() { cv.v.reset() }

// Family returns the vector's family.
func (cv *CounterVec) Family() *Family { return cv.v.fam }
