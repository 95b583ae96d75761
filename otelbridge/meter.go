package otelbridge

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/abacusgo/abacus"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/embedded"
	"go.opentelemetry.io/otel/metric/noop"
)

// A meter hands out the instruments of one scope; the scope is not
// recorded, so meters differ only in identity. Safe for concurrent use.
type meter struct {
	embedded.Meter
	p     *MeterProvider
	scope string
}

// ErrInstrument is wrapped by the errors the meters return for
// instruments they cannot make: an invalid name, a name whose family is of
// another kind, invalid bucket boundaries, or a family the registry
// refuses. The instrument returned with the error is a no-op. Callers
// match it with errors.Is.
var ErrInstrument = errors.New("otelbridge: instrument not made")

// validInstrumentName reports whether name follows the API's syntax:
// [A-Za-z][A-Za-z0-9_./-]{0,254}.
func validInstrumentName(name string) bool {
	if name == "" || len(name) > 255 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		letter := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
		if !letter && (i == 0 || !('0' <= c && c <= '9' || c == '_' || c == '.' || c == '/' || c == '-')) {
			return false
		}
	}
	return true
}

// instrumentCore returns the core of the family of an instrument, making it
// with mk on first use; instruments of one family name share it.
func instrumentCore[T interface{ base() *core }](p *MeterProvider, name, unit, help string, k kind, mk func() (T, error)) (T, error) {
	var zero T
	if !validInstrumentName(name) {
		return zero, fmt.Errorf("%w: invalid instrument name %q: want [A-Za-z][A-Za-z0-9_./-]{0,254}", ErrInstrument, name)
	}
	fam, _ := familyName(name, unit, k.otlpKind())
	p.mu.Lock()
	defer p.mu.Unlock()
	if got, ok := p.cores[fam]; ok {
		c, ok := got.(T)
		if !ok || c.base().kind != k {
			other := got.(interface{ base() *core }).base()
			return zero, fmt.Errorf("%w: %s %q would share family %s with %s %q", ErrInstrument, k, name, fam, other.kind, other.name)
		}
		if b := c.base(); b.help != help {
			b.mu.Lock()
			warn := !b.logged["help"]
			b.logged["help"] = true
			b.mu.Unlock()
			if warn {
				p.log.Warn("otelbridge: an instrument is made again with another description; the first stays",
					"instrument", name, "family", fam, "description", help, "kept", b.help)
			}
		}
		return c, nil
	}
	c, err := mk()
	if err != nil {
		return zero, fmt.Errorf("%w: %s %q: %w", ErrInstrument, k, name, err)
	}
	p.cores[fam] = c
	return c, nil
}

func (s *syncCore[H]) base() *core { return &s.core }

func (m *meter) counter(name, unit, help string) (*syncCore[*abacus.Counter], error) {
	return instrumentCore(m.p, name, unit, help, kindCounter, func() (*syncCore[*abacus.Counter], error) {
		return newSyncCore(m.p, name, unit, help, kindCounter, counterFamily(m.p.reg))
	})
}

func (m *meter) gauge(name, unit, help string, k kind) (*syncCore[*abacus.Gauge], error) {
	return instrumentCore(m.p, name, unit, help, k, func() (*syncCore[*abacus.Gauge], error) {
		return newSyncCore(m.p, name, unit, help, k, gaugeFamily(m.p.reg))
	})
}

func (m *meter) histogram(name, unit, help string, bounds []float64) (*syncCore[*abacus.Histogram], error) {
	return instrumentCore(m.p, name, unit, help, kindHistogram, func() (*syncCore[*abacus.Histogram], error) {
		b, err := classicBuckets(bounds, unit)
		if err != nil {
			return nil, err
		}
		return newSyncCore(m.p, name, unit, help, kindHistogram, histogramFamily(m.p.reg, b))
	})
}

// classicBuckets returns the classic buckets of a histogram family: the
// instrument's explicit bucket boundaries if it gives them (they must be
// finite and increasing), else powers of two that cost nothing to record
// (see abacus.HistogramOpts.Buckets): 2^-10…2^4 for seconds
// (abacus.DefaultBuckets), 2^0…2^14 for milliseconds, and powers of four
// from 1 to 2^30 for any other unit (bytes, counts).
func classicBuckets(advice []float64, unit string) ([]float64, error) {
	if advice != nil {
		for i, b := range advice {
			if math.IsNaN(b) || math.IsInf(b, 0) || i > 0 && b <= advice[i-1] {
				return nil, fmt.Errorf("explicit bucket boundaries must be finite and increasing: %v", advice)
			}
		}
		return slices.Clone(advice), nil
	}
	switch unit {
	case "s":
		return abacus.DefaultBuckets(), nil
	case "ms":
		return abacus.PowersOfTwo(0, 14), nil
	}
	var b []float64
	for e := 0; e <= 30; e += 2 {
		b = append(b, math.Ldexp(1, e))
	}
	return b, nil
}

// Int64Counter returns a counter recording into a counter family.
func (m *meter) Int64Counter(name string, options ...metric.Int64CounterOption) (metric.Int64Counter, error) {
	c := metric.NewInt64CounterConfig(options...)
	s, err := m.counter(name, c.Unit(), c.Description())
	if err != nil {
		return noop.Int64Counter{}, err
	}
	return &int64Counter{c: s}, nil
}

// Float64Counter returns a counter recording into a counter family.
func (m *meter) Float64Counter(name string, options ...metric.Float64CounterOption) (metric.Float64Counter, error) {
	c := metric.NewFloat64CounterConfig(options...)
	s, err := m.counter(name, c.Unit(), c.Description())
	if err != nil {
		return noop.Float64Counter{}, err
	}
	return &float64Counter{c: s}, nil
}

// Int64UpDownCounter returns an up-down counter adding to a gauge family.
func (m *meter) Int64UpDownCounter(name string, options ...metric.Int64UpDownCounterOption) (metric.Int64UpDownCounter, error) {
	c := metric.NewInt64UpDownCounterConfig(options...)
	s, err := m.gauge(name, c.Unit(), c.Description(), kindUpDownCounter)
	if err != nil {
		return noop.Int64UpDownCounter{}, err
	}
	return &int64UpDownCounter{c: s}, nil
}

// Float64UpDownCounter returns an up-down counter adding to a gauge family.
func (m *meter) Float64UpDownCounter(name string, options ...metric.Float64UpDownCounterOption) (metric.Float64UpDownCounter, error) {
	c := metric.NewFloat64UpDownCounterConfig(options...)
	s, err := m.gauge(name, c.Unit(), c.Description(), kindUpDownCounter)
	if err != nil {
		return noop.Float64UpDownCounter{}, err
	}
	return &float64UpDownCounter{c: s}, nil
}

// Int64Gauge returns a gauge setting a gauge family.
func (m *meter) Int64Gauge(name string, options ...metric.Int64GaugeOption) (metric.Int64Gauge, error) {
	c := metric.NewInt64GaugeConfig(options...)
	s, err := m.gauge(name, c.Unit(), c.Description(), kindGauge)
	if err != nil {
		return noop.Int64Gauge{}, err
	}
	return &int64Gauge{c: s}, nil
}

// Float64Gauge returns a gauge setting a gauge family.
func (m *meter) Float64Gauge(name string, options ...metric.Float64GaugeOption) (metric.Float64Gauge, error) {
	c := metric.NewFloat64GaugeConfig(options...)
	s, err := m.gauge(name, c.Unit(), c.Description(), kindGauge)
	if err != nil {
		return noop.Float64Gauge{}, err
	}
	return &float64Gauge{c: s}, nil
}

// Int64Histogram returns a histogram recording into a histogram family.
func (m *meter) Int64Histogram(name string, options ...metric.Int64HistogramOption) (metric.Int64Histogram, error) {
	c := metric.NewInt64HistogramConfig(options...)
	s, err := m.histogram(name, c.Unit(), c.Description(), c.ExplicitBucketBoundaries())
	if err != nil {
		return noop.Int64Histogram{}, err
	}
	return &int64Histogram{c: s}, nil
}

// Float64Histogram returns a histogram recording into a histogram family.
func (m *meter) Float64Histogram(name string, options ...metric.Float64HistogramOption) (metric.Float64Histogram, error) {
	c := metric.NewFloat64HistogramConfig(options...)
	s, err := m.histogram(name, c.Unit(), c.Description(), c.ExplicitBucketBoundaries())
	if err != nil {
		return noop.Float64Histogram{}, err
	}
	return &float64Histogram{c: s}, nil
}

var (
	_ metric.MeterProvider = (*MeterProvider)(nil)
	_ metric.Meter         = (*meter)(nil)
)
