package abacus

import "time"

// funcFamily is the one series of a func metric.
type funcFamily struct {
	fam *Family
	fn  func() float64
}

func (f *funcFamily) each(yield func(Sample)) {
	labels := ""
	if f.fam.constLabels != "" {
		labels = "{" + f.fam.constLabels + "}"
	}
	yield(Sample{Labels: labels, Value: f.fn()})
}
func (f *funcFamily) len() int                               { return 1 }
func (f *funcFamily) dropped() (limit, invalid uint64)       { return 0, 0 }
func (f *funcFamily) sweep(now time.Time, ttl time.Duration) {}

func (r *Registry) registerFunc(o Opts, typ Type, fn func() float64) error {
	if fn == nil {
		return errorf("abacus: metric %q: nil func", o.Name)
	}
	f, err := r.newFamily(o, typ, nil)
	if err != nil {
		return err
	}
	f.isFunc = true
	f.impl = &funcFamily{fam: f, fn: fn}
	_, err = r.register(f)
	return err
}

// CounterFunc registers a counter whose value is read from fn at every
// exposition, for example the Load of a counter.PerCPU. fn must be safe to
// call concurrently and return a value that never decreases.
func (r *Registry) CounterFunc(o Opts, fn func() float64) error {
	return r.registerFunc(o, TypeCounter, fn)
}

// GaugeFunc registers a gauge whose value is read from fn at every
// exposition. fn must be safe to call concurrently.
func (r *Registry) GaugeFunc(o Opts, fn func() float64) error {
	return r.registerFunc(o, TypeGauge, fn)
}
