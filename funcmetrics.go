package abacus

import (
	"slices"
	"sync/atomic"
)

// funcFamily is the one series of a func metric, read at each Gather.
type funcFamily struct {
	fam     *Family
	text    string
	fn      func() float64
	invalid atomic.Uint64
}

func (f *funcFamily) gather() (int, func(*Series, func(*Series) bool) bool) {
	v := f.fn()
	if !f.fam.valid(v) {
		f.invalid.Add(1)
		return 0, nil
	}
	return 1, func(s *Series, yield func(*Series) bool) bool {
		*s = Series{Labels: Labels{fam: f.fam, text: f.text}, Value: v}
		return yield(s)
	}
}
func (f *funcFamily) len() int                         { return 1 }
func (f *funcFamily) dropped() (limit, invalid uint64) { return 0, f.invalid.Load() }

// valid reports whether a func's value can be exposed: a counter's must not
// be NaN or negative (OpenMetrics and rate() cannot take one).
func (f *Family) valid(v float64) bool            { return f.typ != TypeCounter || v >= 0 }
func (f *funcFamily) sweep(int64)                 {}
func (f *funcFamily) rejected() (nan, inf uint64) { return 0, 0 }

// constSet returns the label set of an unlabelled family's one series.
func (f *Family) constSet() string {
	if f.constText == "" {
		return ""
	}
	return "{" + f.constText + "}"
}

// registerScrapeTime registers a family whose series are read at each
// Gather: impl makes its implementation; missing says the func was nil.
// clash allows an OpenMetrics name clash (the built-in Go metrics only).
func (r *Registry) registerScrapeTime(o Opts, typ Type, labelNames []string, missing bool, impl func(*Family) familyImpl, clash bool) error {
	if missing {
		return &RegistrationError{Name: o.Name, Problems: []error{&problem{kind: ErrInvalidOptions, msg: "nil func"}}}
	}
	f, err := r.newFamily(o, typ, labelNames, " func")
	if err != nil {
		return err
	}
	f.isFunc = true
	f.impl = impl(f)
	_, err = r.register(f, clash)
	return err
}

func (r *Registry) registerFunc(o Opts, typ Type, fn func() float64, clash bool) error {
	return r.registerScrapeTime(o, typ, nil, fn == nil, func(f *Family) familyImpl {
		return &funcFamily{fam: f, text: f.constSet(), fn: fn}
	}, clash)
}

// CounterFunc registers a counter whose value is read from fn at every
// Gather, for example the Load of a counter.PerCPU. fn must be safe to call
// concurrently and return a value that never decreases; a NaN or negative
// value is not exposed, and is counted in Family.Dropped (invalid). A func cannot be
// registered twice under one name: the second is an
// *AlreadyRegisteredError.
func (r *Registry) CounterFunc(o Opts, fn func() float64) error {
	return r.registerFunc(o, TypeCounter, fn, false)
}

// GaugeFunc registers a gauge whose value is read from fn at every Gather.
// fn must be safe to call concurrently.
func (r *Registry) GaugeFunc(o Opts, fn func() float64) error {
	return r.registerFunc(o, TypeGauge, fn, false)
}

// vecFunc is a labelled family whose series collect lists at each Gather.
type vecFunc struct {
	fam      *Family
	collect  func(emit func(labelValues []string, value float64))
	last     atomic.Int64 // series at the last Gather
	limitHit atomic.Uint64
	invalid  atomic.Uint64
}

type collectedSeries struct {
	key, text string
	value     float64
}

// gather runs collect and keeps, sorted by label values, the series it
// emitted with valid values, up to the family's limit; the others are
// counted in Dropped.
func (c *vecFunc) gather() (int, func(*Series, func(*Series) bool) bool) {
	var got []collectedSeries
	seen := map[string]bool{}
	c.collect(func(values []string, v float64) {
		if len(values) != len(c.fam.labelNames) || !allUTF8(values) || !c.fam.valid(v) {
			c.invalid.Add(1)
			return
		}
		key := joinKey(values)
		if seen[key] {
			c.invalid.Add(1) // a second series with one label set
			return
		}
		if len(got) >= c.fam.limit {
			c.limitHit.Add(1)
			return
		}
		seen[key] = true
		got = append(got, collectedSeries{key: key, text: c.fam.render(values), value: v})
	})
	slices.SortFunc(got, func(a, b collectedSeries) int { return compareKeys(a.key, b.key) })
	c.last.Store(int64(len(got)))
	return len(got), func(s *Series, yield func(*Series) bool) bool {
		for _, g := range got {
			*s = Series{Labels: Labels{fam: c.fam, key: g.key, text: g.text}, Value: g.value}
			if !yield(s) {
				return false
			}
		}
		return true
	}
}

func (c *vecFunc) len() int { return int(c.last.Load()) }
func (c *vecFunc) dropped() (limit, invalid uint64) {
	return c.limitHit.Load(), c.invalid.Load()
}
func (c *vecFunc) sweep(int64)                 {}
func (c *vecFunc) rejected() (nan, inf uint64) { return 0, 0 }

func (r *Registry) registerVecFunc(o Opts, typ Type, labelNames []string, collect func(emit func([]string, float64))) error {
	return r.registerScrapeTime(o, typ, labelNames, collect == nil, func(f *Family) familyImpl {
		return &vecFunc{fam: f, collect: collect}
	}, false)
}

// CounterVecFunc registers a labelled counter family whose series are
// listed at every Gather by collect, which calls emit once per series with
// its label values (in the order of labelNames) and its value: values read
// at scrape time from something that keeps its own counts, as a
// client_golang Collector does. collect must be safe to call concurrently
// and each series' value must never decrease.
//
// Series are exposed sorted by label values. An emit with label values of
// the wrong number or not valid UTF-8 (or, for a counter, a NaN or negative
// value), a second emit of one label set, and emits beyond the family's
// cardinality limit are left out and counted in Family.Dropped (and
// abacus_series_dropped_total).
func (r *Registry) CounterVecFunc(o Opts, labelNames []string, collect func(emit func(labelValues []string, value float64))) error {
	return r.registerVecFunc(o, TypeCounter, labelNames, collect)
}

// GaugeVecFunc is CounterVecFunc for a gauge family.
func (r *Registry) GaugeVecFunc(o Opts, labelNames []string, collect func(emit func(labelValues []string, value float64))) error {
	return r.registerVecFunc(o, TypeGauge, labelNames, collect)
}
