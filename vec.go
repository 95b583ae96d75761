package abacus

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"unicode/utf8"
	"unsafe"
	"weak"

	"github.com/abacusgo/abacus/counter"
)

// A metric is the value of one series of a vector. Each metric type fills
// the read model (point) and carries the mark that TTL reads (usage), which
// must be its first field (see use).
type metric interface {
	point(s *Series)
	usage() *use
}

// metricPtr is *M for a metric type M.
type metricPtr[M any] interface {
	*M
	metric
}

// vec holds a family's series of metric type M: the label vector behind
// every CounterVec, GaugeVec and HistogramVec, and behind unlabelled
// families, which have one series with no values.
type vec[M any, P metricPtr[M]] struct {
	fam      *Family
	init     func(*M) // prepares a new metric in place
	seed     uint64   // random per vector, so label values an attacker chooses cannot be aimed at one chain
	mu       sync.Mutex
	table    atomic.Pointer[table[M]]
	sorted   atomic.Pointer[[]*series[M]] // nil when a series was added or removed since the last sort
	overflow atomic.Pointer[series[M]]
	limitHit counter.Adaptive
	invalid  counter.Adaptive

	// With a TTL: what brings an expired series back, and the expired
	// series a handle may still hold, by key (pruned as the GC frees them).
	life      *life
	graveyard map[string]weak.Pointer[series[M]]
}

func newVec[M any, P metricPtr[M]](f *Family, init func(*M)) *vec[M, P] {
	var probe series[M]
	if unsafe.Pointer(P(&probe.m).usage()) != unsafe.Pointer(&probe) {
		panic("BUG: abacus: a metric's use mark is not its first field")
	}
	v := &vec[M, P]{fam: f, init: init, seed: rand.Uint64()}
	v.table.Store(newTable[M](8))
	if f.ttl > 0 {
		v.life = &life{revive: v.revive}
		v.graveyard = map[string]weak.Pointer[series[M]]{}
	}
	f.impl = v
	return v
}

// with returns the metric of the series with the given label values,
// creating it if there is none. It allocates nothing when the series exists.
func (v *vec[M, P]) with(values []string) *M {
	p := makeProbe(v.seed, values)
	if s := v.table.Load().find(p, values); s != nil {
		return &s.m
	}
	return v.create(p, values)
}

// create adds a series (or brings back an expired one a handle still holds),
// or returns the overflow series when the values are invalid or the family
// is at its limit.
func (v *vec[M, P]) create(p probe, values []string) *M {
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
	key := joinKey(values)
	if s := v.resurrect(key); s != nil {
		v.table.Store(t.insert(p, s))
		v.sorted.Store(nil)
		v.mu.Unlock()
		return &s.m
	}
	if t.n.Load() >= int64(v.fam.limit) {
		v.mu.Unlock()
		v.limitHit.Inc()
		return v.overflowSeries()
	}
	now := v.fam.reg.now().UnixNano()
	s := &series[M]{key: key, created: now, lastActive: now}
	s.labels = v.fam.render(values)
	v.init(&s.m)
	if v.life != nil {
		u := P(&s.m).usage()
		u.life = v.life
		u.state.Store(idle) // created, not yet written
	}
	v.table.Store(t.insert(p, s))
	v.sorted.Store(nil)
	v.mu.Unlock()
	return &s.m
}

// overflowSeries returns the series that takes every label set the family
// cannot keep, labelled abacus_overflow="true". It never expires.
func (v *vec[M, P]) overflowSeries() *M {
	if s := v.overflow.Load(); s != nil {
		return &s.m
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if s := v.overflow.Load(); s != nil {
		return &s.m
	}
	s := &series[M]{labels: v.fam.renderOverflow(), created: v.fam.reg.now().UnixNano()}
	v.init(&s.m)
	v.overflow.Store(s)
	return &s.m
}

// remove deletes the series with the given values; its handles keep
// working unexposed and never bring it back.
func (v *vec[M, P]) remove(values []string) bool {
	if len(values) != len(v.fam.labelNames) {
		return false
	}
	p := makeProbe(v.seed, values)
	v.mu.Lock()
	defer v.mu.Unlock()
	t := v.table.Load()
	s := t.find(p, values)
	if s == nil {
		v.bury(joinKey(values)) // an expired series a handle holds must not come back either
		return false
	}
	t.remove(p, s)
	P(&s.m).usage().state.Store(deleted)
	v.sorted.Store(nil)
	return true
}

// removeMatching deletes every series whose values match, and returns how
// many it deleted.
func (v *vec[M, P]) removeMatching(match func(values []string) bool) int {
	v.mu.Lock()
	defer v.mu.Unlock()
	t := v.table.Load()
	n := len(v.fam.labelNames)
	var gone []*link[M]
	for i := range t.buckets {
		for l := t.buckets[i].Load(); l != nil; l = l.next {
			if match(splitKey(l.s.key, n)) {
				gone = append(gone, l)
			}
		}
	}
	for _, l := range gone {
		t.remove(l.probe, l.s)
		P(&l.s.m).usage().state.Store(deleted)
	}
	for key := range v.graveyard {
		if match(splitKey(key, n)) {
			v.bury(key)
		}
	}
	if len(gone) > 0 {
		v.sorted.Store(nil)
	}
	return len(gone)
}

// reset deletes every series, the overflow series included.
func (v *vec[M, P]) reset() {
	v.mu.Lock()
	defer v.mu.Unlock()
	t := v.table.Load()
	for i := range t.buckets {
		for l := t.buckets[i].Load(); l != nil; l = l.next {
			P(&l.s.m).usage().state.Store(deleted)
		}
	}
	for key := range v.graveyard {
		v.bury(key)
	}
	v.table.Store(newTable[M](8))
	v.overflow.Store(nil)
	v.sorted.Store(nil)
}

// all returns the series sorted by key, sorting only after a change.
func (v *vec[M, P]) all() []*series[M] {
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

func (v *vec[M, P]) len() int {
	n := int(v.table.Load().n.Load())
	if v.overflow.Load() != nil {
		n++
	}
	return n
}

func (v *vec[M, P]) dropped() (limit, invalid uint64) {
	return uint64(v.limitHit.Load()), uint64(v.invalid.Load())
}

// gather returns the series sorted by label values, the overflow series
// last.
func (v *vec[M, P]) gather() (int, func(*Series, func(*Series) bool) bool) {
	all, over := v.all(), v.overflow.Load()
	n := len(all)
	if over != nil {
		n++
	}
	return n, func(s *Series, yield func(*Series) bool) bool {
		for _, x := range all {
			v.fill(s, x, false)
			if !yield(s) {
				return false
			}
		}
		if over != nil {
			v.fill(s, over, true)
			return yield(s)
		}
		return true
	}
}

// fill sets s to the series x.
func (v *vec[M, P]) fill(s *Series, x *series[M], over bool) {
	*s = Series{Labels: Labels{fam: v.fam, key: x.key, text: x.labels, over: over}, Created: x.created}
	P(&x.m).point(s)
}

// rejecter is a metric that refuses some observations: histograms.
type rejecter interface{ rejected() (nan, inf uint64) }

func (v *vec[M, P]) rejected() (nan, inf uint64) {
	if _, ok := any(P(nil)).(rejecter); !ok {
		return 0, 0
	}
	add := func(x *series[M]) {
		n, i := any(P(&x.m)).(rejecter).rejected()
		nan += n
		inf += i
	}
	for _, x := range v.all() {
		add(x)
	}
	if over := v.overflow.Load(); over != nil {
		add(over)
	}
	return nan, inf
}

func allUTF8(values []string) bool {
	for _, v := range values {
		if !utf8.ValidString(v) {
			return false
		}
	}
	return true
}
