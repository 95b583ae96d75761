package otelbridge

import (
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/counter"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/embedded"
)

// A MeterProvider is an OpenTelemetry metric.MeterProvider whose
// instruments record into an Abacus registry: code instrumented with the
// OpenTelemetry metrics API (otelhttp and the rest) records at Abacus's
// speed, and its metrics are exposed in every Abacus format. Make one with
// NewMeterProvider; the zero value is not usable. See the package doc for
// how instruments map to families and attributes to labels.
//
// All methods are safe for concurrent use, and so are the meters and
// instruments it hands out.
type MeterProvider struct {
	embedded.MeterProvider

	reg       *abacus.Registry
	log       *slog.Logger
	keys      map[string][]string // declared attribute keys, by instrument name
	exemplars bool
	ttl       time.Duration

	mu      sync.Mutex
	meters  map[meterKey]*meter
	cores   map[string]any // *syncCore[…] or *obsCore, by family name
	pending []*obsCore     // observable instruments whose label names are not known yet
	hasPend bool           // abacus_otel_instruments_pending is registered

	dropped *abacus.CounterVec // abacus_otel_attribute_keys_dropped_total{instrument}
	refused *abacus.CounterVec // abacus_otel_measurements_refused_total{instrument,reason}

	stats struct {
		dropped, negative, invalid, unregistered, callbackErrors counter.Adaptive
	}
}

// An Option configures a MeterProvider. NewMeterProvider applies the
// options, in order, before the provider is used; an Option may be reused
// for several providers.
type Option func(*MeterProvider)

// WithAttributeKeys declares the attribute keys of the instrument named
// instrumentName (in every meter): its family's label names are their
// label names (see the package doc), in this order, instead of the keys of
// its first measurement. It replaces a built-in declaration
// (BuiltinAttributeKeys) for that name; with no keys, the family has no
// variable labels.
func WithAttributeKeys(instrumentName string, keys ...string) Option {
	keys = slices.Clone(keys)
	if keys == nil {
		keys = []string{}
	}
	return func(p *MeterProvider) { p.keys[instrumentName] = keys }
}

// WithLogger sets where the provider logs what it does not record (each
// kind of problem once per instrument): slog.Default() unless set.
func WithLogger(l *slog.Logger) Option {
	return func(p *MeterProvider) {
		if l != nil {
			p.log = l
		}
	}
}

// WithoutExemplars turns off exemplars: measurements made in the context of
// a sampled span record no trace_id and span_id (see the package doc for
// what exemplars cost).
func WithoutExemplars() Option {
	return func(p *MeterProvider) { p.exemplars = false }
}

// WithTTL sets abacus.Opts.TTL on the labelled families the provider
// registers: a series not written for that long is removed at a scrape,
// and comes back, value and all, at its next measurement. Zero (the
// default) keeps series.
func WithTTL(d time.Duration) Option {
	return func(p *MeterProvider) { p.ttl = max(d, 0) }
}

// NewMeterProvider returns a MeterProvider recording into reg, ready for
// concurrent use. It registers in reg the counters of what it does not
// record:
// abacus_otel_attribute_keys_dropped_total{instrument} and
// abacus_otel_measurements_refused_total{instrument,reason}. Families of
// instruments are registered as the package doc says. It starts no
// goroutine.
//
// Several providers may record into one registry: a synchronous
// instrument's family is shared by the instruments of its name in every
// provider (they must agree on its description, unit and keys, or the
// registry refuses the second), while a scrape-time family of observable
// instruments belongs to the first provider that registers it.
func NewMeterProvider(reg *abacus.Registry, opts ...Option) *MeterProvider {
	p := &MeterProvider{
		reg:       reg,
		log:       slog.Default(),
		keys:      map[string][]string{},
		exemplars: true,
		meters:    map[meterKey]*meter{},
		cores:     map[string]any{},
	}
	for k, v := range builtinKeys {
		p.keys[k] = v
	}
	for _, o := range opts {
		o(p)
	}
	var err error
	p.dropped, err = reg.CounterVec(abacus.Opts{
		Name: "abacus_otel_attribute_keys_dropped_total",
		Help: "Attribute keys of OpenTelemetry measurements whose family has no label for them: the measurements were recorded without them. Declare an instrument's keys with otelbridge.WithAttributeKeys.",
	}, "instrument")
	if err != nil {
		p.log.Error("otelbridge: cannot register the dropped attribute keys counter; dropped keys are counted in Stats only", "err", err)
	}
	p.refused, err = reg.CounterVec(abacus.Opts{
		Name: "abacus_otel_measurements_refused_total",
		Help: "OpenTelemetry measurements not recorded, by instrument and reason: negative (a counter increment below zero), invalid (NaN or infinite), unregistered (the instrument's family could not be registered).",
	}, "instrument", "reason")
	if err != nil {
		p.log.Error("otelbridge: cannot register the refused measurements counter; refusals are counted in Stats only", "err", err)
	}
	return p
}

// Registry returns the registry the provider records into. It is safe for
// concurrent use.
func (p *MeterProvider) Registry() *abacus.Registry { return p.reg }

type meterKey struct {
	name, version, schemaURL string
	attrs                    attribute.Distinct
}

// Meter returns the meter of the instrumentation scope named name, the same
// one for the same name, version, schema URL and attributes. The scope is
// not part of what is recorded: instruments of one name from different
// meters share one family (see the package doc). Meter and the meters it
// returns are safe for concurrent use.
func (p *MeterProvider) Meter(name string, opts ...metric.MeterOption) metric.Meter {
	c := metric.NewMeterConfig(opts...)
	attrs := c.InstrumentationAttributes()
	k := meterKey{name, c.InstrumentationVersion(), c.SchemaURL(), attrs.Equivalent()}
	p.mu.Lock()
	defer p.mu.Unlock()
	m := p.meters[k]
	if m == nil {
		m = &meter{p: p, scope: name}
		p.meters[k] = m
	}
	return m
}

// Stats counts what a MeterProvider did not record as it was asked, since
// it was made. It is a copy, read by MeterProvider.Stats.
type Stats struct {
	// DroppedKeys counts attribute keys left out of measurements because
	// their instrument's family has no label for them (the values were
	// recorded without them).
	DroppedKeys uint64
	// Negative counts counter increments refused for being negative.
	Negative uint64
	// Invalid counts NaN and infinite values refused by counters and
	// up-down counters. (Histograms refuse them too: the registry counts
	// those in abacus_observations_rejected_total.)
	Invalid uint64
	// Unregistered counts measurements of instruments whose family could
	// not be registered (a name another family of another shape has).
	Unregistered uint64
	// CallbackErrors counts errors returned by observable callbacks; what
	// they observed before returning is recorded.
	CallbackErrors uint64
}

// Stats returns the provider's counts. It is safe for concurrent use; the
// counts may not include measurements running concurrently.
func (p *MeterProvider) Stats() Stats {
	return Stats{
		DroppedKeys:    uint64(p.stats.dropped.Load()),
		Negative:       uint64(p.stats.negative.Load()),
		Invalid:        uint64(p.stats.invalid.Load()),
		Unregistered:   uint64(p.stats.unregistered.Load()),
		CallbackErrors: uint64(p.stats.callbackErrors.Load()),
	}
}
