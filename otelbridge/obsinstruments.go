package otelbridge

import (
	"context"
	"fmt"
	"slices"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/embedded"
	"go.opentelemetry.io/otel/metric/noop"
)

// The observable instruments: handles of an obsCore that callbacks observe
// through. The embedded metric.Int64Observable and metric.Float64Observable
// (nil) supply the API's unexported marker methods, as the SDK's do.

type observed interface{ observed() *obsCore }

type int64ObservableCounter struct {
	metric.Int64Observable
	embedded.Int64ObservableCounter
	c *obsCore
}

type int64ObservableUpDownCounter struct {
	metric.Int64Observable
	embedded.Int64ObservableUpDownCounter
	c *obsCore
}

type int64ObservableGauge struct {
	metric.Int64Observable
	embedded.Int64ObservableGauge
	c *obsCore
}

type float64ObservableCounter struct {
	metric.Float64Observable
	embedded.Float64ObservableCounter
	c *obsCore
}

type float64ObservableUpDownCounter struct {
	metric.Float64Observable
	embedded.Float64ObservableUpDownCounter
	c *obsCore
}

type float64ObservableGauge struct {
	metric.Float64Observable
	embedded.Float64ObservableGauge
	c *obsCore
}

func (i *int64ObservableCounter) observed() *obsCore         { return i.c }
func (i *int64ObservableUpDownCounter) observed() *obsCore   { return i.c }
func (i *int64ObservableGauge) observed() *obsCore           { return i.c }
func (i *float64ObservableCounter) observed() *obsCore       { return i.c }
func (i *float64ObservableUpDownCounter) observed() *obsCore { return i.c }
func (i *float64ObservableGauge) observed() *obsCore         { return i.c }

// int64Observer is what a WithInt64Callback callback observes through.
type int64Observer struct {
	embedded.Int64Observer
	ob *observation
	c  *obsCore
}

func (o int64Observer) Observe(v int64, opts ...metric.ObserveOption) {
	o.ob.observe(o.c, float64(v), metric.NewObserveConfig(opts).Attributes())
}

// float64Observer is what a WithFloat64Callback callback observes through.
type float64Observer struct {
	embedded.Float64Observer
	ob *observation
	c  *obsCore
}

func (o float64Observer) Observe(v float64, opts ...metric.ObserveOption) {
	o.ob.observe(o.c, v, metric.NewObserveConfig(opts).Attributes())
}

// meterObserver is what a Meter.RegisterCallback callback observes
// through: observations of instruments it was not registered with (or of
// another implementation's) are ignored, and logged once per callback.
type meterObserver struct {
	embedded.Observer
	ob *observation
	cb *callback
	p  *MeterProvider
}

func (o meterObserver) ObserveInt64(inst metric.Int64Observable, v int64, opts ...metric.ObserveOption) {
	if c := o.instrument(inst); c != nil {
		o.ob.observe(c, float64(v), metric.NewObserveConfig(opts).Attributes())
	}
}

func (o meterObserver) ObserveFloat64(inst metric.Float64Observable, v float64, opts ...metric.ObserveOption) {
	if c := o.instrument(inst); c != nil {
		o.ob.observe(c, v, metric.NewObserveConfig(opts).Attributes())
	}
}

func (o meterObserver) instrument(inst metric.Observable) *obsCore {
	if x, ok := inst.(observed); ok && slices.Contains(o.cb.insts, x.observed()) {
		return x.observed()
	}
	if !o.cb.stray.Swap(true) {
		o.p.log.Warn("otelbridge: a callback observed an instrument it was not registered with, or one of another implementation; the observation is ignored (logged once per callback)",
			"instrument", fmt.Sprintf("%T", inst))
	}
	return nil
}

// registration is what Meter.RegisterCallback returns.
type registration struct {
	embedded.Registration
	p  *MeterProvider
	cb *callback
}

// Unregister stops the callback from being called; it returns nil, also
// when called again. It is safe for concurrent use, also with collection: a
// collection under way may still run the callback once.
func (r *registration) Unregister() error {
	if !r.cb.done.Swap(true) {
		r.p.removeCallback(r.cb)
	}
	return nil
}

// RegisterCallback registers f to run at every collection of each of the
// instruments, which must all come from this provider.
func (m *meter) RegisterCallback(f metric.Callback, instruments ...metric.Observable) (metric.Registration, error) {
	cb := &callback{}
	for _, inst := range instruments {
		x, ok := inst.(observed)
		if !ok {
			return nil, fmt.Errorf("%w: RegisterCallback: instrument %T is not from this MeterProvider", ErrInstrument, inst)
		}
		if !slices.Contains(cb.insts, x.observed()) {
			cb.insts = append(cb.insts, x.observed())
		}
	}
	if f == nil || len(cb.insts) == 0 {
		return noop.Registration{}, nil
	}
	cb.run = func(ctx context.Context, ob *observation) error {
		return f(ctx, meterObserver{ob: ob, cb: cb, p: m.p})
	}
	m.p.addCallback(cb)
	return &registration{p: m.p, cb: cb}, nil
}

func (m *meter) observable(name, unit, help string, k kind) (*obsCore, error) {
	return instrumentCore(m.p, name, unit, help, k, func() (*obsCore, error) {
		return newObsCore(m.p, name, unit, help, k)
	})
}

func (m *meter) int64Callbacks(o *obsCore, cbs []metric.Int64Callback) {
	for _, f := range cbs {
		if f == nil {
			continue
		}
		m.p.addCallback(&callback{insts: []*obsCore{o}, run: func(ctx context.Context, ob *observation) error {
			return f(ctx, int64Observer{ob: ob, c: o})
		}})
	}
}

func (m *meter) float64Callbacks(o *obsCore, cbs []metric.Float64Callback) {
	for _, f := range cbs {
		if f == nil {
			continue
		}
		m.p.addCallback(&callback{insts: []*obsCore{o}, run: func(ctx context.Context, ob *observation) error {
			return f(ctx, float64Observer{ob: ob, c: o})
		}})
	}
}

// Int64ObservableCounter returns an observable counter: a scrape-time
// counter family whose values are the callbacks' observations.
func (m *meter) Int64ObservableCounter(name string, options ...metric.Int64ObservableCounterOption) (metric.Int64ObservableCounter, error) {
	c := metric.NewInt64ObservableCounterConfig(options...)
	o, err := m.observable(name, c.Unit(), c.Description(), kindObservableCounter)
	if err != nil {
		return noop.Int64ObservableCounter{}, err
	}
	m.int64Callbacks(o, c.Callbacks())
	return &int64ObservableCounter{c: o}, nil
}

// Int64ObservableUpDownCounter returns an observable up-down counter: a
// scrape-time gauge family.
func (m *meter) Int64ObservableUpDownCounter(name string, options ...metric.Int64ObservableUpDownCounterOption) (metric.Int64ObservableUpDownCounter, error) {
	c := metric.NewInt64ObservableUpDownCounterConfig(options...)
	o, err := m.observable(name, c.Unit(), c.Description(), kindObservableUpDownCounter)
	if err != nil {
		return noop.Int64ObservableUpDownCounter{}, err
	}
	m.int64Callbacks(o, c.Callbacks())
	return &int64ObservableUpDownCounter{c: o}, nil
}

// Int64ObservableGauge returns an observable gauge: a scrape-time gauge
// family.
func (m *meter) Int64ObservableGauge(name string, options ...metric.Int64ObservableGaugeOption) (metric.Int64ObservableGauge, error) {
	c := metric.NewInt64ObservableGaugeConfig(options...)
	o, err := m.observable(name, c.Unit(), c.Description(), kindObservableGauge)
	if err != nil {
		return noop.Int64ObservableGauge{}, err
	}
	m.int64Callbacks(o, c.Callbacks())
	return &int64ObservableGauge{c: o}, nil
}

// Float64ObservableCounter returns an observable counter: a scrape-time
// counter family.
func (m *meter) Float64ObservableCounter(name string, options ...metric.Float64ObservableCounterOption) (metric.Float64ObservableCounter, error) {
	c := metric.NewFloat64ObservableCounterConfig(options...)
	o, err := m.observable(name, c.Unit(), c.Description(), kindObservableCounter)
	if err != nil {
		return noop.Float64ObservableCounter{}, err
	}
	m.float64Callbacks(o, c.Callbacks())
	return &float64ObservableCounter{c: o}, nil
}

// Float64ObservableUpDownCounter returns an observable up-down counter: a
// scrape-time gauge family.
func (m *meter) Float64ObservableUpDownCounter(name string, options ...metric.Float64ObservableUpDownCounterOption) (metric.Float64ObservableUpDownCounter, error) {
	c := metric.NewFloat64ObservableUpDownCounterConfig(options...)
	o, err := m.observable(name, c.Unit(), c.Description(), kindObservableUpDownCounter)
	if err != nil {
		return noop.Float64ObservableUpDownCounter{}, err
	}
	m.float64Callbacks(o, c.Callbacks())
	return &float64ObservableUpDownCounter{c: o}, nil
}

// Float64ObservableGauge returns an observable gauge: a scrape-time gauge
// family.
func (m *meter) Float64ObservableGauge(name string, options ...metric.Float64ObservableGaugeOption) (metric.Float64ObservableGauge, error) {
	c := metric.NewFloat64ObservableGaugeConfig(options...)
	o, err := m.observable(name, c.Unit(), c.Description(), kindObservableGauge)
	if err != nil {
		return noop.Float64ObservableGauge{}, err
	}
	m.float64Callbacks(o, c.Callbacks())
	return &float64ObservableGauge{c: o}, nil
}
