package abacus

import (
	"math"

	"github.com/abacusgo/abacus/counter"
)

// A Gauge is a float64 value that goes up and down. Set and Value are single
// atomic operations; Add, Sub, Inc and Dec are compare-and-swap loops.
type Gauge struct {
	g counter.FloatGauge
}

// Set replaces the value.
func (g *Gauge) Set(v float64) { g.g.Set(v) }

// Add adds v, which may be negative.
func (g *Gauge) Add(v float64) { g.g.Add(v) }

// Sub subtracts v.
func (g *Gauge) Sub(v float64) { g.g.Add(-v) }

// Inc adds one.
func (g *Gauge) Inc() { g.g.Add(1) }

// Dec subtracts one.
func (g *Gauge) Dec() { g.g.Add(-1) }

// Value returns the value.
func (g *Gauge) Value() float64 { return g.g.Load() }

func (g *Gauge) activity() uint64 { return math.Float64bits(g.g.Load()) }

// Gauge registers an unlabelled gauge family and returns its gauge.
func (r *Registry) Gauge(o Opts) (*Gauge, error) {
	v, err := registerVec[Gauge](r, o, TypeGauge, nil, "", func(*Gauge) {})
	if err != nil {
		return nil, err
	}
	return single(v), nil
}

// A GaugeVec is a gauge family with variable labels.
type GaugeVec struct{ v *vec[Gauge] }

// GaugeVec registers a gauge family with the given label names.
func (r *Registry) GaugeVec(o Opts, labelNames ...string) (*GaugeVec, error) {
	v, err := registerVec[Gauge](r, o, TypeGauge, labelNames, "", func(*Gauge) {})
	if err != nil {
		return nil, err
	}
	return &GaugeVec{v}, nil
}

// With returns the gauge of the given label values; see CounterVec.With.
func (gv *GaugeVec) With(values ...string) *Gauge { return gv.v.with(values) }

// Delete removes the series with the given label values.
func (gv *GaugeVec) Delete(values ...string) bool { return gv.v.remove(values) }

// Reset removes every series.
func (gv *GaugeVec) Reset() { gv.v.reset() }

// Family returns the vector's family.
func (gv *GaugeVec) Family() *Family { return gv.v.fam }
