package abacus

import "github.com/abacusgo/abacus/counter"

// A Gauge is a float64 value in a registry that goes up and down. Set and
// Value are single atomic operations; Add, Sub, Inc and Dec are
// compare-and-swap loops. All methods are safe for concurrent use.
//
// Get one from Registry.Gauge or GaugeVec.With. The zero value works but is
// in no registry.
type Gauge struct {
	u use // first: see use
	g counter.FloatGauge
}

// Set replaces the value.
func (g *Gauge) Set(v float64) {
	g.g.Set(v)
	g.u.touch()
}

// Add adds v, which may be negative.
func (g *Gauge) Add(v float64) {
	g.g.Add(v)
	g.u.touch()
}

// Sub subtracts v.
func (g *Gauge) Sub(v float64) { g.Add(-v) }

// Inc adds one.
func (g *Gauge) Inc() { g.Add(1) }

// Dec subtracts one.
func (g *Gauge) Dec() { g.Add(-1) }

// Value returns the value.
func (g *Gauge) Value() float64 { return g.g.Load() }

func (g *Gauge) usage() *use { return &g.u }

func (g *Gauge) point(s *Series) { s.Value = g.g.Load() }

// Gauge registers an unlabelled gauge family and returns its gauge.
// Registering the same name again with the same options returns the same
// gauge; with other options it is an *AlreadyRegisteredError.
func (r *Registry) Gauge(o Opts) (*Gauge, error) {
	v, err := registerVec[Gauge](r, o, TypeGauge, nil, "", nil, func(*Gauge) {})
	if err != nil {
		return nil, err
	}
	return v.with(nil), nil
}

// A GaugeVec is a gauge family with variable labels. Its methods are safe
// for concurrent use.
type GaugeVec struct {
	l labelled[Gauge, *Gauge]
}

// GaugeVec registers a gauge family with the given label names.
func (r *Registry) GaugeVec(o Opts, labelNames ...string) (*GaugeVec, error) {
	v, err := registerVec[Gauge](r, o, TypeGauge, labelNames, "", nil, func(*Gauge) {})
	if err != nil {
		return nil, err
	}
	return &GaugeVec{labelled[Gauge, *Gauge]{v: v}}, nil
}

// With returns the gauge of the given label values; see CounterVec.With.
func (gv *GaugeVec) With(values ...string) *Gauge {
	return gv.l.v.get(&gv.l, values)
}

// WithLabels is With for a label map; see CounterVec.WithLabels.
func (gv *GaugeVec) WithLabels(labels map[string]string) *Gauge { return gv.l.withLabels(labels) }

// Curry returns a vector with some labels fixed; see CounterVec.Curry.
func (gv *GaugeVec) Curry(labels map[string]string) (*GaugeVec, error) {
	l, err := gv.l.curry(labels)
	if err != nil {
		return nil, err
	}
	return &GaugeVec{l}, nil
}

// LabelNames returns the names of the labels With takes, in order.
func (gv *GaugeVec) LabelNames() []string { return gv.l.labelNames() }

// Delete removes the series with the given label values and reports whether
// it existed; see CounterVec.Delete.
func (gv *GaugeVec) Delete(values ...string) bool { return gv.l.delete(values) }

// DeleteLabels is Delete for a label map.
func (gv *GaugeVec) DeleteLabels(labels map[string]string) bool { return gv.l.deleteLabels(labels) }

// DeletePartialMatch removes every series whose labels include all of the
// given ones, and returns how many it removed.
func (gv *GaugeVec) DeletePartialMatch(labels map[string]string) int {
	return gv.l.deletePartialMatch(labels)
}

// Reset removes every series; see CounterVec.Reset.
func (gv *GaugeVec) Reset() { gv.l.reset() }

// Family returns the vector's family.
func (gv *GaugeVec) Family() *Family { return gv.l.v.fam }
