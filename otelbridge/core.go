package otelbridge

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/otlp"
)

// kind is the kind of an OpenTelemetry instrument, int and float alike.
type kind uint8

const (
	kindCounter kind = iota
	kindUpDownCounter
	kindGauge
	kindHistogram
	kindObservableCounter
	kindObservableUpDownCounter
	kindObservableGauge
)

func (k kind) String() string {
	return [...]string{"Counter", "UpDownCounter", "Gauge", "Histogram",
		"ObservableCounter", "ObservableUpDownCounter", "ObservableGauge"}[k]
}

// otlpKind is the OTLP kind of the metric the instrument makes, which its
// Prometheus name follows.
func (k kind) otlpKind() otlp.Kind {
	switch k {
	case kindCounter, kindObservableCounter:
		return otlp.MonotonicSum
	case kindUpDownCounter, kindObservableUpDownCounter:
		return otlp.Sum
	case kindHistogram:
		return otlp.ExponentialHistogram
	}
	return otlp.Gauge
}

// Reasons a measurement is refused; their names are the reason label of
// abacus_otel_measurements_refused_total.
const (
	reasonNegative = iota
	reasonInvalid
	reasonUnregistered
	reasons
)

var reasonNames = [reasons]string{"negative", "invalid", "unregistered"}

// A core is what every instrument of one family shares, whichever meter
// made it and whether it takes int64 or float64: the family's name and
// options, its label names once known, and the accounting of what it does
// not record. Its methods are safe for concurrent use.
type core struct {
	p    *MeterProvider
	name string // the instrument's name, as the first meter asking for it gave it
	kind kind
	opts abacus.Opts
	help string // the description, to warn about a second, different one

	failed atomic.Bool // the family could not be registered

	mu      sync.Mutex
	keys    *keyMap // the family's label names; nil until known
	err     error   // why the family could not be registered
	logged  map[string]bool
	dropped atomic.Pointer[abacus.Counter] // its series of abacus_otel_attribute_keys_dropped_total, made on first use

	refused    [reasons]atomic.Pointer[abacus.Counter] // its series of abacus_otel_measurements_refused_total, made on first use
	refusedLog [reasons]atomic.Bool
}

// init sets up c for an instrument of kind k called name.
func (c *core) init(p *MeterProvider, name, unit, help string, k kind) {
	n, u := familyName(name, unit, k.otlpKind())
	c.p, c.name, c.kind, c.help, c.logged = p, name, k, help, map[string]bool{}
	c.opts = abacus.Opts{Name: n, Help: help, Unit: u}
}

// declared returns the key map declared for the instrument, or nil.
func (c *core) declared() *keyMap {
	if keys, ok := c.p.keys[c.name]; ok {
		return newKeyMap(keys)
	}
	return nil
}

// familyOpts returns the options to register the family with label names.
func (c *core) familyOpts(names []string) abacus.Opts {
	o := c.opts
	if len(names) > 0 {
		o.TTL = c.p.ttl
	}
	return o
}

// fail records that the family could not be registered; the caller holds
// c.mu.
func (c *core) fail(err error) {
	c.err = err
	c.failed.Store(true)
	c.p.log.Error("otelbridge: cannot register the family of an OpenTelemetry instrument; its measurements are not recorded",
		"instrument", c.name, "family", c.opts.Name, "err", err)
}

// countDropped counts n attribute keys dropped from one measurement.
func (c *core) countDropped(n uint32) {
	c.p.stats.dropped.Add(int64(n))
	d := c.dropped.Load()
	if d == nil && c.p.dropped != nil {
		d = c.p.dropped.With(c.name) // the same handle for every caller
		c.dropped.Store(d)
	}
	if d != nil {
		d.Add(uint64(n))
	}
}

// logDropped logs, once per key, that the instrument's family has no label
// for an attribute key. The caller holds c.mu.
func (c *core) logDropped(keys []string) {
	for _, k := range keys {
		if c.logged["key "+k] {
			continue
		}
		c.logged["key "+k] = true
		c.p.log.Warn(fmt.Sprintf("otelbridge: instrument %s has an attribute key its family %s has no label for; the measurements are recorded without it (declare the instrument's keys with otelbridge.WithAttributeKeys)", c.name, c.opts.Name),
			"instrument", c.name, "key", k, "labels", c.keys.names)
	}
}

// refuse counts a measurement not recorded for reason, and logs the first
// of each reason. It takes no lock, but makes the series of
// abacus_otel_measurements_refused_total on first use.
func (c *core) refuse(reason int, value any) {
	switch reason {
	case reasonNegative:
		c.p.stats.negative.Inc()
	case reasonInvalid:
		c.p.stats.invalid.Inc()
	case reasonUnregistered:
		c.p.stats.unregistered.Inc()
	}
	r := c.refused[reason].Load()
	if r == nil && c.p.refused != nil {
		r = c.p.refused.With(c.name, reasonNames[reason]) // the same handle for every caller
		c.refused[reason].Store(r)
	}
	if r != nil {
		r.Inc()
	}
	if !c.refusedLog[reason].Swap(true) {
		attrs := []any{"instrument", c.name, "reason", reasonNames[reason], "value", value}
		if reason == reasonUnregistered {
			c.mu.Lock()
			attrs = append(attrs, "err", c.err)
			c.mu.Unlock()
		}
		c.p.log.Warn("otelbridge: an OpenTelemetry measurement was not recorded; this is logged once per instrument and reason, and counted in abacus_otel_measurements_refused_total", attrs...)
	}
}
