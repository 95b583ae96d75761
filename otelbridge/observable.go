package otelbridge

import (
	"context"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/abacusgo/abacus"
	"go.opentelemetry.io/otel/attribute"
)

// An obsCore is the core of an observable instrument: a scrape-time family
// (abacus CounterVecFunc or GaugeVecFunc) whose collect runs the callbacks
// that observe the instrument, and the list of those callbacks.
type obsCore struct {
	core
	cbs atomic.Pointer[[]*callback] // copied on change, under mu
}

func (o *obsCore) base() *core { return &o.core }

// A callback is one registered callback: a WithInt64Callback or
// WithFloat64Callback of an instrument, or a Meter.RegisterCallback
// callback with the instruments it may observe.
type callback struct {
	run    func(context.Context, *observation) error
	insts  []*obsCore
	done   atomic.Bool // unregistered
	logged atomic.Bool // an error of it was logged
	stray  atomic.Bool // an observation of an instrument it was not registered with was logged
}

// newObsCore returns the core of an observable instrument, registering its
// family at once if its attribute keys are declared.
func newObsCore(p *MeterProvider, name, unit, help string, k kind) (*obsCore, error) {
	o := &obsCore{}
	o.init(p, name, unit, help, k)
	empty := []*callback{}
	o.cbs.Store(&empty)
	if keys := o.declared(); keys != nil {
		o.mu.Lock()
		defer o.mu.Unlock()
		if err := o.registerLocked(keys); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// registerLocked registers the instrument's scrape-time family with the
// label names of keys. The caller holds o.mu.
func (o *obsCore) registerLocked(keys *keyMap) error {
	opts := o.familyOpts(keys.names)
	collect := func(emit func([]string, float64)) { o.collect(keys, emit) }
	var err error
	if o.kind == kindObservableCounter {
		err = o.p.reg.CounterVecFunc(opts, keys.names, collect)
	} else {
		err = o.p.reg.GaugeVecFunc(opts, keys.names, collect)
	}
	if err != nil {
		o.fail(err)
		return err
	}
	o.keys = keys
	return nil
}

// known reports whether the family's label names are known (or its
// registration failed): no need to learn them.
func (o *obsCore) known() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.keys != nil || o.err != nil
}

// learn registers the family with the keys of a first observation, unless
// they are known.
func (o *obsCore) learn(set *attribute.Set) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.keys == nil && o.err == nil {
		_ = o.registerLocked(learnKeys(set)) // a failure is logged and kept in o.err
	}
}

// collect runs the instrument's callbacks, at a Gather, and emits what they
// observed of it.
func (o *obsCore) collect(keys *keyMap, emit func([]string, float64)) {
	ob := &observation{target: o, keys: keys, index: map[string]int{}}
	for _, cb := range *o.cbs.Load() {
		o.p.runCallback(cb, ob)
	}
	for _, pt := range ob.points {
		emit(pt.values, pt.value)
	}
}

// addCallback attaches cb to its instruments, then runs it once to learn
// the label names of those whose keys are neither declared nor learned.
func (p *MeterProvider) addCallback(cb *callback) {
	learn := false
	for _, o := range cb.insts {
		o.mu.Lock()
		list := append(slices.Clone(*o.cbs.Load()), cb)
		o.cbs.Store(&list)
		learn = learn || o.keys == nil && o.err == nil
		o.mu.Unlock()
	}
	if learn {
		p.runCallback(cb, &observation{})
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, o := range cb.insts {
		if !o.known() && !slices.Contains(p.pending, o) {
			p.pending = append(p.pending, o)
		}
	}
	if len(p.pending) > 0 && !p.hasPend {
		p.hasPend = true
		err := p.reg.GaugeFunc(abacus.Opts{
			Name: "abacus_otel_instruments_pending",
			Help: "OpenTelemetry observable instruments whose callbacks have observed nothing yet: their families are registered, with the keys of their first observation, at the scrape where the callbacks first observe something (declare keys with otelbridge.WithAttributeKeys to register them at once).",
		}, p.learnPending)
		if err != nil {
			p.log.Error("otelbridge: cannot register abacus_otel_instruments_pending; observable instruments that observed nothing when their callback was registered will not be registered", "err", err)
		}
	}
}

// removeCallback detaches cb from its instruments.
func (p *MeterProvider) removeCallback(cb *callback) {
	for _, o := range cb.insts {
		o.mu.Lock()
		list := slices.DeleteFunc(slices.Clone(*o.cbs.Load()), func(c *callback) bool { return c == cb })
		o.cbs.Store(&list)
		o.mu.Unlock()
	}
}

// learnPending runs the callbacks of the instruments whose label names are
// not known yet, registering the family of each that observes something,
// and returns how many are still pending. It runs at every Gather, as the
// value of abacus_otel_instruments_pending.
func (p *MeterProvider) learnPending() float64 {
	p.mu.Lock()
	pending := slices.Clone(p.pending)
	p.mu.Unlock()
	var ran []*callback
	for _, o := range pending {
		for _, cb := range *o.cbs.Load() {
			if !o.known() && !slices.Contains(ran, cb) {
				ran = append(ran, cb)
				p.runCallback(cb, &observation{})
			}
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pending = slices.DeleteFunc(p.pending, (*obsCore).known)
	return float64(len(p.pending))
}

// runCallback runs cb, unless it was unregistered, counting and logging
// (once per callback) the error it returns.
func (p *MeterProvider) runCallback(cb *callback, ob *observation) {
	if cb.done.Load() {
		return
	}
	if err := cb.run(context.Background(), ob); err != nil {
		p.stats.callbackErrors.Inc()
		if !cb.logged.Swap(true) {
			p.log.Warn("otelbridge: an observable callback returned an error; what it observed before is recorded (logged once per callback)", "err", err)
		}
	}
}

// An observation collects what one run of callbacks observes of its target
// instrument, one point per series: observations that map to one series
// add up for counters and up-down counters, and the last stays for gauges.
// With no target, it learns: an observation of an instrument whose label
// names are not known registers its family with the observation's keys.
type observation struct {
	target *obsCore
	keys   *keyMap
	index  map[string]int // by joined label values
	points []point
}

type point struct {
	values []string
	value  float64
}

// observe takes one observation of the instrument o.
func (ob *observation) observe(o *obsCore, v float64, set attribute.Set) {
	if ob.target == nil {
		o.learn(&set)
		return
	}
	if o != ob.target {
		return // collected with the family of o
	}
	values, dropped := ob.keys.values(&set)
	if len(dropped) > 0 {
		o.countDropped(uint32(len(dropped)))
		o.mu.Lock()
		o.logDropped(dropped)
		o.mu.Unlock()
	}
	key := strings.Join(values, "\xff") // no valid UTF-8 value holds 0xff
	i, ok := ob.index[key]
	switch {
	case !ok:
		ob.index[key] = len(ob.points)
		ob.points = append(ob.points, point{values, v})
	case o.kind == kindObservableGauge:
		ob.points[i].value = v
	default:
		ob.points[i].value += v
	}
}
