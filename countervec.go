package abacus

import (
	"fmt"
	"math"

	"github.com/abacusgo/abacus/counter"
)

// A Counter is a monotonic count in a registry. Inc and Add are exact and
// lock-free, and scale across cores (a counter.Adaptive); AddFloat keeps a
// fractional part beside it. Value may not include adds running
// concurrently. All methods are safe for concurrent use.
//
// Get one from Registry.Counter or CounterVec.With. The zero value counts
// but is in no registry.
type Counter struct {
	u  use // first: see use
	n  counter.Adaptive
	f  counter.FloatGauge
	ex exemplarSlot
}

// Inc adds one.
func (c *Counter) Inc() { c.add(1) }

// Add adds n. An n above math.MaxInt64 adds math.MaxInt64: a counter never
// goes down.
func (c *Counter) Add(n uint64) {
	if n > math.MaxInt64 { // the whole-number part is an int64: saturate rather than wrap
		n = math.MaxInt64
	}
	c.add(int64(n))
}

// add is the one call Inc and Add make: the add, and the write mark.
func (c *Counter) add(n int64) {
	c.n.Add(n)
	c.u.touch()
}

// AddFloat adds v, which must be finite and not negative; anything else is
// refused with an error and leaves the counter alone. It costs a
// compare-and-swap loop: prefer Add for whole numbers.
func (c *Counter) AddFloat(v float64) error {
	if !(v >= 0) || math.IsInf(v, 1) {
		return fmt.Errorf("abacus: counter cannot add %v: %w", v, ErrInvalidValue)
	}
	c.f.Add(v)
	c.u.touch()
	return nil
}

// AddWithExemplar adds n and records an exemplar (for example a trace ID)
// that OpenMetrics and protobuf exposition show beside the counter. Invalid
// exemplar labels (see Exemplar) are refused with an error; the add happens
// regardless.
func (c *Counter) AddWithExemplar(n uint64, labels map[string]string) error {
	c.Add(n)
	return c.ex.set(labels, float64(n))
}

// Value returns the count.
func (c *Counter) Value() float64 { return float64(c.n.Load()) + c.f.Load() }

// Exemplar returns the latest exemplar, or nil.
func (c *Counter) Exemplar() *Exemplar { return c.ex.get() }

func (c *Counter) usage() *use { return &c.u }

func (c *Counter) point(s *Series) {
	s.Value = c.Value()
	s.Exemplar = c.ex.get()
}

// Counter registers an unlabelled counter family and returns its counter.
// Registering the same name again with the same options returns the same
// counter; with other options it is an *AlreadyRegisteredError.
func (r *Registry) Counter(o Opts) (*Counter, error) {
	v, err := registerVec[Counter](r, o, TypeCounter, nil, "", nil, func(*Counter) {})
	if err != nil {
		return nil, err
	}
	return v.with(nil), nil
}

// A CounterVec is a counter family with variable labels. Its methods are
// safe for concurrent use.
type CounterVec struct {
	l labelled[Counter, *Counter]
}

// CounterVec registers a counter family with the given label names.
// Registering it again with the same options returns a vector of the same
// family.
func (r *Registry) CounterVec(o Opts, labelNames ...string) (*CounterVec, error) {
	v, err := registerVec[Counter](r, o, TypeCounter, labelNames, "", nil, func(*Counter) {})
	if err != nil {
		return nil, err
	}
	return &CounterVec{labelled[Counter, *Counter]{v: v}}, nil
}

// With returns the counter of the given label values, in the order of the
// label names, creating its series on first use. It allocates nothing when
// the series exists; keep the returned handle to skip even the lookup.
// Values of the wrong number or not valid UTF-8, and new label sets beyond
// the family's cardinality limit, get the overflow series.
func (cv *CounterVec) With(values ...string) *Counter {
	return cv.l.v.get(&cv.l, values)
}

// WithLabels is With for a map from label name to value, which must name
// every label of the vector and no other (or the overflow series is
// returned, as for invalid values). It allocates nothing once the series
// exists, but costs a map lookup per label: prefer With on hot paths.
func (cv *CounterVec) WithLabels(labels map[string]string) *Counter {
	return cv.l.withLabels(labels)
}

// Curry returns a vector with some labels fixed: its With takes the values
// of the other labels, in order. It shares the family and its series with
// cv. Naming a label the vector does not have (or one already curried) is
// an error wrapping ErrInvalidName.
func (cv *CounterVec) Curry(labels map[string]string) (*CounterVec, error) {
	l, err := cv.l.curry(labels)
	if err != nil {
		return nil, err
	}
	return &CounterVec{l}, nil
}

// LabelNames returns the names of the labels With takes, in order.
func (cv *CounterVec) LabelNames() []string { return cv.l.labelNames() }

// Delete removes the series with the given label values and reports whether
// it existed. Handles to it keep working but are no longer exposed.
func (cv *CounterVec) Delete(values ...string) bool { return cv.l.delete(values) }

// DeleteLabels is Delete for a label map.
func (cv *CounterVec) DeleteLabels(labels map[string]string) bool {
	return cv.l.deleteLabels(labels)
}

// DeletePartialMatch removes every series whose labels include all of the
// given ones, and returns how many it removed.
func (cv *CounterVec) DeletePartialMatch(labels map[string]string) int {
	return cv.l.deletePartialMatch(labels)
}

// Reset removes every series of the family, the overflow series included;
// on a curried vector, only the series with its curried values.
func (cv *CounterVec) Reset() { cv.l.reset() }

// Family returns the vector's family.
func (cv *CounterVec) Family() *Family { return cv.l.v.fam }
