package abacus

import (
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultLimit is the cardinality limit of a family unless
// WithCardinalityLimit or Opts.Limit says otherwise: the number of label sets
// a vector keeps before new ones go to its overflow series.
const DefaultLimit = 2000

// A Registry holds metric families. Make one with NewRegistry; the zero
// value is not usable and its methods panic saying so. Registries are
// independent: tests and tenants can each have their own. All methods are
// safe for concurrent use.
type Registry struct {
	limit  int
	now    func() time.Time
	strict bool

	mu       sync.Mutex
	families map[string]*Family
	omNames  map[string]*Family        // by OpenMetrics family name
	sorted   atomic.Pointer[[]*Family] // by name; replaced on registration
	builtins map[string]bool           // built-in sets registered: "go", "process"

	meta *meta // nil when meta-telemetry is off
}

// An Option configures a Registry.
type Option func(*Registry)

// WithCardinalityLimit sets the default cardinality limit of the registry's
// families (DefaultLimit unless set; at least 1).
func WithCardinalityLimit(n int) Option {
	return func(r *Registry) { r.limit = max(n, 1) }
}

// WithoutMetaMetrics turns off the metrics about the registry itself
// (series, dropped series and rejected observations per family, scrapes and
// their duration).
func WithoutMetaMetrics() Option {
	return func(r *Registry) { r.meta = nil }
}

// WithClock replaces time.Now as the registry's clock, which stamps series
// creation (the OpenMetrics _created samples) and measures idle time for
// TTLs; for tests.
func WithClock(now func() time.Time) Option {
	return func(r *Registry) { r.now = now }
}

// WithStrict makes registration also apply the lint rules of promtool check
// metrics (package lint: help text, base units, no camelCase, no type in the
// name, no colons, no abbreviated units), so that everything the registry
// accepts also passes promtool's lint. A family that breaks one is refused
// with an error wrapping ErrLint. The registry's own metrics pass.
func WithStrict() Option {
	return func(r *Registry) { r.strict = true }
}

// NewRegistry returns an empty registry, apart from its meta metrics (see
// WithoutMetaMetrics). It does no I/O and starts no goroutine.
func NewRegistry(opts ...Option) *Registry {
	r := &Registry{limit: DefaultLimit, now: time.Now, families: map[string]*Family{}, omNames: map[string]*Family{}, builtins: map[string]bool{}}
	r.meta = &meta{}
	for _, o := range opts {
		o(r)
	}
	empty := []*Family{}
	r.sorted.Store(&empty)
	if r.meta != nil {
		r.meta.register(r)
	}
	return r
}

var (
	defaultMu       sync.Mutex
	defaultRegistry atomic.Pointer[Registry]
)

// Default returns the process-wide default registry, which expo.Handler(nil)
// and httpmetrics.New without a Registry use. It is made on first use (not
// at import): a NewRegistry holding, like client_golang's default registry,
// the Go runtime metrics (RegisterGoMetrics) and, on Linux, the process
// metrics (RegisterProcessMetrics), which read /proc/self then. SetDefault
// replaces it.
func Default() *Registry {
	if r := defaultRegistry.Load(); r != nil {
		return r
	}
	defaultMu.Lock()
	defer defaultMu.Unlock()
	if r := defaultRegistry.Load(); r != nil {
		return r
	}
	r := NewRegistry()
	_ = r.RegisterGoMetrics()      // fails only on a name clash, impossible in a new registry
	_ = r.RegisterProcessMetrics() // fails where /proc is missing
	defaultRegistry.Store(r)
	return r
}

// SetDefault makes r the default registry and returns the previous one (nil
// if Default was never called). SetDefault(nil) makes the next Default call
// make a new one.
func SetDefault(r *Registry) *Registry {
	defaultMu.Lock()
	defer defaultMu.Unlock()
	return defaultRegistry.Swap(r)
}

// Families returns the registered families sorted by name: their metadata,
// for introspection. Their series are read through Gather. The slice is
// shared: do not modify it.
func (r *Registry) Families() []*Family {
	r.check()
	return *r.sorted.Load()
}

// Family returns the family registered under name, or nil.
func (r *Registry) Family(name string) *Family {
	r.check()
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.families[name]
}

// check panics with a helpful message on the zero Registry.
func (r *Registry) check() {
	if r == nil || r.families == nil {
		panic("abacus: Registry used without NewRegistry")
	}
}

// register adds f, or returns the family already registered under its name
// if it has the same shape (so that registering the same metric twice, as
// init code in two places may, gives one family). A name taken by another
// shape, or an OpenMetrics family name taken by another family, is an
// *AlreadyRegisteredError; clash allows the OpenMetrics clash (for the
// built-in Go metrics, whose names predate OpenMetrics).
func (r *Registry) register(f *Family, clash bool) (*Family, error) {
	r.check()
	r.mu.Lock()
	defer r.mu.Unlock()
	if old, ok := r.families[f.name]; ok {
		if old.shape == f.shape && !old.isFunc && !f.isFunc {
			return old, nil
		}
		return nil, &AlreadyRegisteredError{Name: f.name, Existing: old, Want: f.shape, Have: old.shape}
	}
	om := omFamilyName(f.name, f.typ)
	if old, ok := r.omNames[om]; ok {
		if !clash {
			return nil, &AlreadyRegisteredError{Name: f.name, Existing: old, Want: f.shape, Have: old.shape}
		}
		// The counter of the pair is written as type unknown under its
		// full name in OpenMetrics.
		if f.typ == TypeCounter {
			f.omClash.Store(true)
		} else {
			old.omClash.Store(true)
			r.omNames[om] = f
		}
	} else {
		r.omNames[om] = f
	}
	f.reg = r
	r.families[f.name] = f
	r.resort()
	return f, nil
}

// Unregister removes the family named name and reports whether there was
// one. Handles to its series keep working but are no longer exposed.
func (r *Registry) Unregister(name string) bool {
	r.check()
	r.mu.Lock()
	defer r.mu.Unlock()
	f, ok := r.families[name]
	if !ok {
		return false
	}
	delete(r.families, name)
	om := omFamilyName(f.name, f.typ)
	if r.omNames[om] == f {
		delete(r.omNames, om)
		for _, g := range r.families { // the other of a clashing pair takes the name back
			if g.omClash.Load() && omFamilyName(g.name, g.typ) == om {
				g.omClash.Store(false)
				r.omNames[om] = g
			}
		}
	}
	r.resort()
	return true
}

// resort publishes the sorted family list; the caller holds r.mu.
func (r *Registry) resort() {
	all := make([]*Family, 0, len(r.families))
	for _, f := range r.families {
		all = append(all, f)
	}
	slices.SortFunc(all, func(a, b *Family) int { return strings.Compare(a.name, b.name) })
	r.sorted.Store(&all)
}

// Opts names and describes a metric family.
type Opts struct {
	Name        string            // required; counters must end in _total
	Help        string            // documentation; surrounding white space is trimmed
	Unit        string            // OpenMetrics unit, e.g. "seconds"; the name must end in _<unit> (before _total)
	ConstLabels map[string]string // labels every series of the family carries
	Limit       int               // cardinality limit; 0 means the registry's
	TTL         time.Duration     // drop series not written for longer than this; 0 keeps them (see Family.TTL)
}

// Type is the type of a metric family.
type Type uint8

// The family types.
const (
	TypeCounter Type = iota + 1
	TypeGauge
	TypeHistogram
	TypeSummary
)

func (t Type) String() string {
	switch t {
	case TypeCounter:
		return "counter"
	case TypeGauge:
		return "gauge"
	case TypeHistogram:
		return "histogram"
	case TypeSummary:
		return "summary"
	}
	return "unknown"
}
