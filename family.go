package abacus

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/abacusgo/abacus/counter"
)

// A Family is a registered metric family: a name, help, unit, type, label
// names and the series that exist. Exposition reads families through Each.
type Family struct {
	reg         *Registry
	name        string
	help        string
	unit        string
	typ         Type
	labelNames  []string
	constLabels string // rendered, without braces
	limit       int
	ttl         time.Duration
	isFunc      bool
	extra       string // more of the shape: histogram layout
	impl        familyImpl
}

// familyImpl is a family's series, whatever their metric type.
type familyImpl interface {
	each(yield func(Sample))
	len() int
	dropped() (limit, invalid uint64)
	sweep(now time.Time, ttl time.Duration)
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

// Len returns the number of series, the overflow series included.
func (f *Family) Len() int { return f.impl.len() }

// Each calls yield for every series, sorted by label values, the overflow
// series last. Values read inside yield are current, not a snapshot.
func (f *Family) Each(yield func(Sample)) { f.impl.each(yield) }

// Dropped returns how many times a label set was sent to the overflow
// series: because the family was at its cardinality limit, or because the
// label values were invalid (wrong number, or not UTF-8).
func (f *Family) Dropped() (limit, invalid uint64) { return f.impl.dropped() }

// shape describes what a registration asked for, to compare two.
func (f *Family) shape() string {
	return fmt.Sprintf("%s{%s} help %q unit %q const {%s}%s", f.typ, strings.Join(f.labelNames, ","), f.help, f.unit, f.constLabels, f.extra)
}

// A Sample is one series as exposition sees it. Exactly one of Counter,
// Gauge, Histogram and Summary is set, except for counter and gauge func
// metrics, which set Value.
type Sample struct {
	Labels    string // `{name="value",…}` with every label, escaped; "" if none
	Created   int64  // unix nanoseconds when the series was created; 0 for func metrics
	Counter   *Counter
	Gauge     *Gauge
	Histogram *Histogram
	Summary   *Summary
	Value     float64
	key       string
	n         int
}

// LabelValues returns the values of the family's variable labels, in the
// order of LabelNames; nil for the overflow series.
func (s Sample) LabelValues() []string {
	if s.key == "" && s.n > 0 {
		return nil
	}
	return splitKey(s.key, s.n)
}

// vec holds a family's series of metric type M.
type vec[M any] struct {
	fam      *Family
	init     func(*M) // prepares a new metric in place
	mu       sync.Mutex
	table    atomic.Pointer[table[M]]
	sorted   atomic.Pointer[[]*series[M]] // nil when a series was added or removed since the last sort
	overflow atomic.Pointer[series[M]]
	limitHit counter.Adaptive
	invalid  counter.Adaptive
}

func newVec[M any](f *Family, init func(*M)) *vec[M] {
	v := &vec[M]{fam: f, init: init}
	v.table.Store(newTable[M](8))
	f.impl = v
	return v
}

// with returns the metric of the series with the given label values,
// creating it if there is none. It allocates nothing when the series exists.
func (v *vec[M]) with(values []string) *M {
	p := makeProbe(values)
	if s := v.table.Load().find(p, values); s != nil {
		return &s.m
	}
	return v.create(p, values)
}

// create adds a series, or returns the overflow series when the values are
// invalid or the family is at its limit.
func (v *vec[M]) create(p probe, values []string) *M {
	if len(values) != len(v.fam.labelNames) || !allUTF8(values) {
		v.invalid.Inc()
		return v.overflowSeries()
	}
	v.mu.Lock()
	t := v.table.Load()
	if s := t.find(p, values); s != nil {
		v.mu.Unlock()
		return &s.m
	}
	if t.n.Load() >= int64(v.fam.limit) {
		v.mu.Unlock()
		v.limitHit.Inc()
		return v.overflowSeries()
	}
	s := &series[M]{key: joinKey(values), created: v.fam.reg.now().UnixNano()}
	s.labels = v.fam.render(values)
	v.init(&s.m)
	v.table.Store(t.insert(p, s))
	v.sorted.Store(nil)
	v.mu.Unlock()
	return &s.m
}

// overflowSeries returns the series that takes every label set the family
// cannot keep, labelled abacus_overflow="true".
func (v *vec[M]) overflowSeries() *M {
	if s := v.overflow.Load(); s != nil {
		return &s.m
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if s := v.overflow.Load(); s != nil {
		return &s.m
	}
	labels := `abacus_overflow="true"`
	if v.fam.constLabels != "" {
		labels = v.fam.constLabels + "," + labels
	}
	s := &series[M]{labels: "{" + labels + "}", created: v.fam.reg.now().UnixNano()}
	v.init(&s.m)
	v.overflow.Store(s)
	return &s.m
}

// remove deletes the series with the given values.
func (v *vec[M]) remove(values []string) bool {
	p := makeProbe(values)
	v.mu.Lock()
	defer v.mu.Unlock()
	t := v.table.Load()
	s := t.find(p, values)
	if s == nil {
		return false
	}
	t.remove(p, s)
	v.sorted.Store(nil)
	return true
}

// reset deletes every series, the overflow series included.
func (v *vec[M]) reset() {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.table.Store(newTable[M](8))
	v.overflow.Store(nil)
	v.sorted.Store(nil)
}

// all returns the series sorted by key, sorting only after a change.
func (v *vec[M]) all() []*series[M] {
	if p := v.sorted.Load(); p != nil {
		return *p
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if p := v.sorted.Load(); p != nil {
		return *p
	}
	t := v.table.Load()
	out := make([]*series[M], 0, t.n.Load())
	for i := range t.buckets {
		for l := t.buckets[i].Load(); l != nil; l = l.next {
			out = append(out, l.s)
		}
	}
	slices.SortFunc(out, func(a, b *series[M]) int { return compareKeys(a.key, b.key) })
	v.sorted.Store(&out)
	return out
}

// compareKeys orders joined keys value by value: the separator 0xff, which
// no valid UTF-8 value contains, sorts before every byte of a value, so
// ("a", "z") comes before ("ab", "c").
func compareKeys(a, b string) int {
	for i := range min(len(a), len(b)) {
		x, y := a[i], b[i]
		switch {
		case x == y:
			continue
		case x == 0xff:
			return -1
		case y == 0xff:
			return 1
		case x < y:
			return -1
		default:
			return 1
		}
	}
	return cmp.Compare(len(a), len(b))
}

func (v *vec[M]) len() int {
	n := int(v.table.Load().n.Load())
	if v.overflow.Load() != nil {
		n++
	}
	return n
}

func (v *vec[M]) dropped() (limit, invalid uint64) {
	return uint64(v.limitHit.Load()), uint64(v.invalid.Load())
}

func (v *vec[M]) each(yield func(Sample)) {
	n := len(v.fam.labelNames)
	emit := func(s *series[M]) {
		smp := Sample{Labels: s.labels, Created: s.created, key: s.key, n: n}
		switch m := any(&s.m).(type) {
		case *Counter:
			smp.Counter = m
		case *Gauge:
			smp.Gauge = m
		case *Histogram:
			smp.Histogram = m
		}
		yield(smp)
	}
	for _, s := range v.all() {
		emit(s)
	}
	if s := v.overflow.Load(); s != nil {
		emit(s)
	}
}

// render returns a series' full label set, `{const…,name="value",…}`.
func (f *Family) render(values []string) string {
	var b strings.Builder
	b.WriteByte('{')
	b.WriteString(f.constLabels)
	for i, n := range f.labelNames {
		if i > 0 || f.constLabels != "" {
			b.WriteByte(',')
		}
		b.WriteString(n)
		b.WriteString(`="`)
		b.WriteString(EscapeLabelValue(values[i]))
		b.WriteByte('"')
	}
	b.WriteByte('}')
	if b.Len() == 2 {
		return ""
	}
	return b.String()
}

func allUTF8(values []string) bool {
	for _, v := range values {
		if !utf8.ValidString(v) {
			return false
		}
	}
	return true
}

// idleState is what the sweeper remembers of a series to notice that it
// stopped changing. It is touched only under the family's lock.
type idleState struct {
	last  uint64 // the series' activity signature at the last sweep
	since int64  // unix nanoseconds since which it has not changed
}

// activity returns a value that changes whenever the metric records.
type activity interface{ activity() uint64 }

// sweep removes the series whose activity has not changed for longer than
// ttl.
func (v *vec[M]) sweep(now time.Time, ttl time.Duration) {
	if ttl <= 0 {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	t := v.table.Load()
	var stale []*series[M]
	for i := range t.buckets {
		for l := t.buckets[i].Load(); l != nil; l = l.next {
			s := l.s
			a := any(&s.m).(activity).activity()
			switch {
			case s.idle.since == 0 || a != s.idle.last:
				s.idle.last, s.idle.since = a, now.UnixNano()
			case now.UnixNano()-s.idle.since > int64(ttl):
				stale = append(stale, s)
			}
		}
	}
	n := len(v.fam.labelNames)
	for _, s := range stale {
		t.remove(makeProbe(splitKey(s.key, n)), s)
	}
	if len(stale) > 0 {
		v.sorted.Store(nil)
	}
}
