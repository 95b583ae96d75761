package abacus

import (
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// A Family is a registered metric family: a name, help, unit, type, label
// names, and its series, which Registry.Gather yields. Its methods are safe
// for concurrent use.
type Family struct {
	reg         *Registry
	name        string
	help        string
	unit        string
	typ         Type
	labelNames  []string
	constNames  []string // sorted
	constValues []string
	constText   string // rendered, without braces
	limit       int
	ttl         time.Duration
	lay         *layout // a histogram family's buckets; nil for others
	isFunc      bool
	omClash     atomic.Bool // a counter whose OpenMetrics family name another family has
	shape       string      // what registration asked for, to compare two
	impl        familyImpl
}

// familyImpl is a family's series, whatever their metric type: each metric
// type fills the read model through it, and the writers never see the type.
type familyImpl interface {
	// gather returns the series as of now, for one pass of Gather: n of
	// them, yielded into s by each.
	gather() (n int, each func(s *Series, yield func(*Series) bool) bool)
	// len returns the number of series, cheaply; funcs report 1.
	len() int
	// dropped returns the label sets refused, by reason.
	dropped() (limit, invalid uint64)
	// sweep removes series not written for longer than the family's TTL.
	sweep(now int64)
	// rejected returns the observations histograms refused (NaN, ±Inf).
	rejected() (nan, inf uint64)
}

// Name returns the family's name.
func (f *Family) Name() string { return f.name }

// Help returns the family's help text.
func (f *Family) Help() string { return f.help }

// Unit returns the family's OpenMetrics unit, or "".
func (f *Family) Unit() string { return f.unit }

// Type returns the family's type.
func (f *Family) Type() Type { return f.typ }

// LabelNames returns the names of the family's variable labels.
func (f *Family) LabelNames() []string { return slices.Clone(f.labelNames) }

// ConstLabels returns the family's constant labels.
func (f *Family) ConstLabels() map[string]string {
	m := make(map[string]string, len(f.constNames))
	for i, n := range f.constNames {
		m[n] = f.constValues[i]
	}
	return m
}

// Limit returns the family's cardinality limit.
func (f *Family) Limit() int { return f.limit }

// TTL returns how long a series of the family may go unwritten before
// Gather removes it (0: never). Removal is decided at each Gather (each
// scrape): a series is removed by the first Gather at least TTL after the
// last Gather that found it written (or after its creation), so it stays
// between TTL and TTL plus one scrape interval after its last write. A
// handle kept across the removal brings the series back, with its value, on
// its next write.
func (f *Family) TTL() time.Duration { return f.ttl }

// Buckets returns a histogram family's classic bucket upper bounds (the
// +Inf bucket is implied): the same for every series at every Gather. It is
// nil for other families.
func (f *Family) Buckets() []float64 {
	if f.lay == nil {
		return nil
	}
	return slices.Clone(f.lay.bounds)
}

// Schema returns a histogram family's native histogram schema: the scale of
// its exponential buckets (see histogram.WithScale). It is 0 for other
// families.
func (f *Family) Schema() int {
	if f.lay == nil {
		return 0
	}
	return f.lay.scale
}

// Len returns the number of series, the overflow series included.
func (f *Family) Len() int { return f.impl.len() }

// Dropped returns how many times a label set was sent to the overflow
// series: because the family was at its cardinality limit, or because the
// label values were invalid (wrong number, or not UTF-8). For scrape-time
// label vectors (CounterVecFunc, GaugeVecFunc) it counts series left out.
func (f *Family) Dropped() (limit, invalid uint64) { return f.impl.dropped() }

// Rejected returns how many observations a histogram family's series
// refused: NaN, and ±Inf or beyond ±histogram.MaxValue. They are in no
// bucket, count or sum of any format; abacus_observations_rejected_total
// exposes them. Other families return zeros.
func (f *Family) Rejected() (nan, inf uint64) { return f.impl.rejected() }

// OpenMetricsClash reports whether the family is a counter whose
// OpenMetrics family name (its name without _total) is another family's
// name. OpenMetrics writers then write it as type unknown under its full
// name, which keeps the output valid. Only the built-in Go metric
// go_memstats_alloc_bytes_total (beside the gauge go_memstats_alloc_bytes)
// is such a counter: registration refuses such clashes otherwise.
func (f *Family) OpenMetricsClash() bool { return f.omClash.Load() }

// newFamily validates o and builds a family of the given type and labels,
// not yet registered. extra adds to the shape what the type has beyond Opts.
func (r *Registry) newFamily(o Opts, typ Type, labelNames []string, extra string) (*Family, error) {
	r.check()
	if err := checkOpts(o, typ, labelNames, r.strict); err != nil {
		return nil, err
	}
	f := &Family{
		name:       o.Name,
		help:       strings.TrimSpace(o.Help), // the text format cannot carry surrounding spaces
		unit:       o.Unit,
		typ:        typ,
		labelNames: slices.Clone(labelNames),
		limit:      r.limit,
		ttl:        o.TTL,
	}
	f.constNames, f.constValues = sortedPairs(o.ConstLabels)
	f.constText = renderPairs(f.constNames, f.constValues)
	if o.Limit > 0 {
		f.limit = o.Limit
	}
	if len(labelNames) == 0 {
		f.limit = 1 // the one series of an unlabelled family
	}
	f.shape = fmt.Sprintf("%s{%s} help %q unit %q const {%s} limit %d ttl %v%s",
		typ, strings.Join(labelNames, ","), f.help, f.unit, f.constText, f.limit, f.ttl, extra)
	return f, nil
}

// registerVec builds and registers the vec of a family, or returns the vec
// of the same family registered before.
func registerVec[M any, P metricPtr[M]](r *Registry, o Opts, typ Type, labelNames []string, extra string, lay *layout, init func(*M)) (*vec[M, P], error) {
	f, err := r.newFamily(o, typ, labelNames, extra)
	if err != nil {
		return nil, err
	}
	f.lay = lay
	v := newVec[M, P](f, init)
	got, err := r.register(f, false)
	if err != nil {
		return nil, err
	}
	if got != f {
		old, ok := got.impl.(*vec[M, P])
		if !ok { // the shape names the type, so this cannot happen
			return nil, &AlreadyRegisteredError{Name: o.Name, Existing: got, Want: f.shape, Have: got.shape}
		}
		return old, nil
	}
	return v, nil
}
