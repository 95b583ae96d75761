package otelbridge

import (
	"context"

	"github.com/abacusgo/abacus"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// A syncCore is the core of a synchronous instrument, whose series handles
// are of type H (*abacus.Counter, *abacus.Gauge or *abacus.Histogram): the
// family's label vector, registered once the label names are known, and the
// cache from attribute sets to handles that makes a measurement with a set
// seen before a map lookup and an add.
type syncCore[H comparable] struct {
	core
	// register registers the family with the given options and label
	// names, returning its With and the family.
	register func(o abacus.Opts, names []string) (func(...string) H, *abacus.Family, error)
	with     func(...string) H // nil until registered; guarded by mu
	cache    setCache[H]       // guarded by mu, but for get
}

// newSyncCore returns the core of a synchronous instrument, registering its
// family at once if its attribute keys are declared.
func newSyncCore[H comparable](p *MeterProvider, name, unit, help string, k kind,
	register func(abacus.Opts, []string) (func(...string) H, *abacus.Family, error)) (*syncCore[H], error) {
	s := &syncCore[H]{register: register}
	s.init(p, name, unit, help, k)
	s.cache.init(0)
	if keys := s.declared(); keys != nil {
		s.mu.Lock()
		defer s.mu.Unlock()
		if err := s.registerLocked(keys); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// registerLocked registers the family with the label names of keys. The
// caller holds s.mu.
func (s *syncCore[H]) registerLocked(keys *keyMap) error {
	with, fam, err := s.register(s.familyOpts(keys.names), keys.names)
	if err != nil {
		s.fail(err)
		return err
	}
	s.keys, s.with = keys, with
	// Room for every series the family keeps, and as many sets again that
	// map to them (sets with dropped keys, or beyond the limit: overflow).
	s.cache.max = 2*fam.Limit() + 64
	return nil
}

// handle returns the series handle of the attribute set, and false when
// the family could not be registered (the measurement is counted as
// refused). For a set seen before it is a lock-free map lookup that
// allocates nothing.
func (s *syncCore[H]) handle(set *attribute.Set) (H, bool) {
	e, ok := s.cache.get(set.Equivalent())
	if !ok {
		return s.miss(set)
	}
	if e.dropped != 0 {
		s.countDropped(e.dropped)
	}
	return e.h, true
}

// miss finds the handle of a set not in the read cache: it registers the
// family at the first measurement if its keys were not declared, maps the
// set to label values, and caches the handle.
func (s *syncCore[H]) miss(set *attribute.Set) (H, bool) {
	d := set.Equivalent()
	s.mu.Lock()
	if e, ok := s.cache.getLocked(d); ok {
		s.mu.Unlock()
		if e.dropped != 0 {
			s.countDropped(e.dropped)
		}
		return e.h, true
	}
	if s.keys == nil && s.err == nil {
		_ = s.registerLocked(learnKeys(set)) // a failure is logged and kept in s.err
	}
	keys, with := s.keys, s.with
	s.mu.Unlock()
	if with == nil {
		s.refuse(reasonUnregistered, nil)
		var zero H
		return zero, false
	}
	values, dropped := keys.values(set)
	e := entry[H]{h: with(values...), dropped: uint32(len(dropped))}
	s.mu.Lock()
	if len(dropped) > 0 {
		s.logDropped(dropped)
	}
	s.cache.setLocked(d, e) // a concurrent miss may have stored the same handle: harmless
	s.mu.Unlock()
	if e.dropped != 0 {
		s.countDropped(e.dropped)
	}
	return e.h, true
}

// enabled reports whether measurements are recorded.
func (s *syncCore[H]) enabled() bool { return !s.failed.Load() }

// exemplar returns the exemplar labels of a measurement made in ctx: the
// trace and span IDs of a sampled span, or nil.
func (c *core) exemplar(ctx context.Context) map[string]string {
	if !c.p.exemplars {
		return nil
	}
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsSampled() {
		return nil
	}
	return map[string]string{"trace_id": sc.TraceID().String(), "span_id": sc.SpanID().String()}
}

// Registration of each kind's family.

func counterFamily(reg *abacus.Registry) func(abacus.Opts, []string) (func(...string) *abacus.Counter, *abacus.Family, error) {
	return func(o abacus.Opts, names []string) (func(...string) *abacus.Counter, *abacus.Family, error) {
		v, err := reg.CounterVec(o, names...)
		if err != nil {
			return nil, nil, err
		}
		return v.With, v.Family(), nil
	}
}

func gaugeFamily(reg *abacus.Registry) func(abacus.Opts, []string) (func(...string) *abacus.Gauge, *abacus.Family, error) {
	return func(o abacus.Opts, names []string) (func(...string) *abacus.Gauge, *abacus.Family, error) {
		v, err := reg.GaugeVec(o, names...)
		if err != nil {
			return nil, nil, err
		}
		return v.With, v.Family(), nil
	}
}

func histogramFamily(reg *abacus.Registry, buckets []float64) func(abacus.Opts, []string) (func(...string) *abacus.Histogram, *abacus.Family, error) {
	return func(o abacus.Opts, names []string) (func(...string) *abacus.Histogram, *abacus.Family, error) {
		v, err := reg.HistogramVec(abacus.HistogramOpts{Opts: o, Buckets: buckets}, names...)
		if err != nil {
			return nil, nil, err
		}
		return v.With, v.Family(), nil
	}
}
