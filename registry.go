package abacus

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultLimit is the cardinality limit of a family unless
// WithCardinalityLimit or Opts.Limit says otherwise: the number of label sets
// a vector keeps before new ones go to its overflow series.
const DefaultLimit = 2000

// A Registry holds metric families. The zero value is not usable; use
// NewRegistry. Registries are independent: tests and tenants can each have
// their own.
type Registry struct {
	limit int
	now   func() time.Time

	mu       sync.Mutex
	families map[string]*Family
	sorted   atomic.Pointer[[]*Family] // by name; replaced on registration

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
// (series and dropped series per family, scrapes and their duration).
func WithoutMetaMetrics() Option {
	return func(r *Registry) { r.meta = nil }
}

// WithClock replaces time.Now as the registry's clock, which stamps series
// creation (the OpenMetrics _created samples) and measures idle time for
// TTLs; for tests.
func WithClock(now func() time.Time) Option {
	return func(r *Registry) { r.now = now }
}

// NewRegistry returns an empty registry (apart from its meta metrics).
func NewRegistry(opts ...Option) *Registry {
	r := &Registry{limit: DefaultLimit, now: time.Now, families: map[string]*Family{}}
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

var defaultRegistry atomic.Pointer[Registry]

func init() {
	r := NewRegistry()
	_ = r.RegisterGoMetrics()
	_ = r.RegisterProcessMetrics() // fails only where /proc is missing
	defaultRegistry.Store(r)
}

// Default returns the process-wide default registry, which
// expo.Handler(nil) serves. Like client_golang's default registry it holds
// the Go runtime and process metrics. SetDefault replaces it.
func Default() *Registry { return defaultRegistry.Load() }

// SetDefault makes r the default registry and returns the previous one.
func SetDefault(r *Registry) *Registry { return defaultRegistry.Swap(r) }

// Families returns the registered families sorted by name. The slice is
// shared: do not modify it.
func (r *Registry) Families() []*Family { return *r.sorted.Load() }

// Family returns the family registered under name, or nil.
func (r *Registry) Family(name string) *Family {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.families[name]
}

// register adds f, or returns the family already registered under its name
// if it has the same shape (so that registering the same metric twice, as
// init code in two places may, gives one family), or an error naming both
// shapes.
func (r *Registry) register(f *Family) (*Family, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if old, ok := r.families[f.name]; ok {
		if old.shape() == f.shape() && old.impl != nil && !old.isFunc && !f.isFunc {
			return old, nil
		}
		return nil, fmt.Errorf("abacus: metric %q already registered as %s; cannot register it as %s", f.name, old.shape(), f.shape())
	}
	f.reg = r
	r.families[f.name] = f
	all := slices.Collect(mapValues(r.families))
	sort.Slice(all, func(i, j int) bool { return all[i].name < all[j].name })
	r.sorted.Store(&all)
	return f, nil
}

// Unregister removes the family named name and reports whether there was
// one.
func (r *Registry) Unregister(name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.families[name]; !ok {
		return false
	}
	delete(r.families, name)
	all := slices.Collect(mapValues(r.families))
	sort.Slice(all, func(i, j int) bool { return all[i].name < all[j].name })
	r.sorted.Store(&all)
	return true
}

// Opts names and describes a metric family.
type Opts struct {
	Name        string            // required; counters must end in _total
	Help        string            // documentation; surrounding white space is trimmed
	Unit        string            // OpenMetrics unit, e.g. "seconds"; the name must end in _<unit> (before _total)
	ConstLabels map[string]string // labels every series of the family carries
	Limit       int               // cardinality limit; 0 means the registry's
	TTL         time.Duration     // drop series idle for longer than this; 0 keeps them
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

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func mapValues[K comparable, V any](m map[K]V) func(func(V) bool) {
	return func(yield func(V) bool) {
		for _, v := range m {
			if !yield(v) {
				return
			}
		}
	}
}

// renderConst returns the constant labels as `name="value",…` (no braces),
// sorted by name and escaped.
func renderConst(labels map[string]string) string {
	var b strings.Builder
	for i, k := range sortedKeys(labels) {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k)
		b.WriteString(`="`)
		b.WriteString(EscapeLabelValue(labels[k]))
		b.WriteByte('"')
	}
	return b.String()
}

// EscapeLabelValue escapes a label value for the text formats: backslash,
// double quote and newline are backslash-escaped.
func EscapeLabelValue(v string) string {
	if !strings.ContainsAny(v, "\\\"\n") {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
