package otelbridge_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/abacusgo/abacus/abacustest"
	"github.com/abacusgo/abacus/otelbridge"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
)

// TestRegisterCallback: a callback registered for several instruments
// feeds each; Unregister stops it.
func TestRegisterCallback(t *testing.T) {
	reg, _, m, log := newProvider(t)
	conns, _ := m.Int64ObservableUpDownCounter("pool.connections")
	bytes, _ := m.Float64ObservableCounter("pool.io", metric.WithUnit("By"))
	var runs atomic.Int64
	r, err := m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		runs.Add(1)
		o.ObserveInt64(conns, 3, metric.WithAttributes(attribute.String("state", "idle")))
		o.ObserveInt64(conns, 2, metric.WithAttributes(attribute.String("state", "used")))
		o.ObserveFloat64(bytes, 1e6)
		return nil
	}, conns, bytes)
	if err != nil {
		t.Fatal(err)
	}
	if runs.Load() != 1 {
		t.Errorf("%d runs at registration; want 1 (to learn the label names)", runs.Load())
	}
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"pool_connections", []string{"state", "idle"}, 3},
		{"pool_connections", []string{"state", "used"}, 2},
		{"pool_io_bytes_total", nil, 1e6},
	} {
		if v, err := abacustest.Value(reg, c.name, c.labels...); err != nil || v != c.want {
			t.Errorf("%s%v = %v, %v; want %v", c.name, c.labels, v, err, c.want)
		}
	}
	if err := r.Unregister(); err != nil {
		t.Fatal(err)
	}
	if err := r.Unregister(); err != nil {
		t.Errorf("second Unregister: %v", err)
	}
	before := runs.Load()
	if s, _ := abacustest.Samples(reg, "pool_connections"); len(s) != 0 {
		t.Errorf("after Unregister: %d series; want none", len(s))
	}
	if runs.Load() != before {
		t.Error("an unregistered callback ran")
	}
	if log.Len() > 0 {
		t.Errorf("logged: %s", log)
	}
}

// TestObservationsMerged: observations that map to one series add up for
// counters and up-down counters; a gauge keeps the last.
func TestObservationsMerged(t *testing.T) {
	reg, mp, m, _ := newProvider(t, otelbridge.WithAttributeKeys("c", "k"), otelbridge.WithAttributeKeys("u", "k"), otelbridge.WithAttributeKeys("g", "k"))
	obs := func(o metric.Float64Observer) error {
		o.Observe(1, metric.WithAttributes(attribute.String("k", "a"), attribute.String("extra", "1")))
		o.Observe(2, metric.WithAttributes(attribute.String("k", "a"), attribute.String("extra", "2")))
		return nil
	}
	m.Float64ObservableCounter("c", metric.WithFloat64Callback(func(_ context.Context, o metric.Float64Observer) error { return obs(o) }))
	m.Float64ObservableUpDownCounter("u", metric.WithFloat64Callback(func(_ context.Context, o metric.Float64Observer) error { return obs(o) }))
	m.Float64ObservableGauge("g", metric.WithFloat64Callback(func(_ context.Context, o metric.Float64Observer) error { return obs(o) }))
	for name, want := range map[string]float64{"c_total": 3, "u": 3, "g": 2} {
		if v, err := abacustest.Value(reg, name, "k", "a"); err != nil || v != want {
			t.Errorf("%s = %v, %v; want %v", name, v, err, want)
		}
	}
	// Counted at every collection: extra twice per family, three families,
	// three Gathers (abacustest.Value reads the whole registry).
	if st := mp.Stats(); st.DroppedKeys != 18 {
		t.Errorf("dropped keys %d; want 18", st.DroppedKeys)
	}
}

// TestPendingObservable: an instrument whose callback observes nothing
// when registered is registered at the first scrape where it observes
// something, with the keys of that observation.
func TestPendingObservable(t *testing.T) {
	reg, _, m, _ := newProvider(t)
	var ready atomic.Bool
	m.Int64ObservableGauge("jobs.running", metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
		if ready.Load() {
			o.Observe(4, metric.WithAttributes(attribute.String("queue", "email")))
		}
		return nil
	}))
	if reg.Family("jobs_running") != nil {
		t.Fatal("registered before anything was observed")
	}
	if v, err := abacustest.Value(reg, "abacus_otel_instruments_pending"); err != nil || v != 1 {
		t.Errorf("pending = %v, %v; want 1", v, err)
	}
	ready.Store(true)
	if v, _ := abacustest.Value(reg, "abacus_otel_instruments_pending"); v != 0 {
		t.Errorf("pending after the first observation = %v; want 0", v)
	}
	if v, err := abacustest.Value(reg, "jobs_running", "queue", "email"); err != nil || v != 4 {
		t.Errorf("jobs_running = %v, %v; want 4", v, err)
	}
}

// TestCallbackErrors: an error is counted and logged once; what the
// callback observed before it is recorded.
func TestCallbackErrors(t *testing.T) {
	reg, mp, m, log := newProvider(t)
	m.Int64ObservableCounter("events", metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
		o.Observe(7)
		return errors.New("source down")
	}))
	for range 3 {
		if v, err := abacustest.Value(reg, "events_total"); err != nil || v != 7 {
			t.Errorf("events_total = %v, %v; want 7", v, err)
		}
	}
	if st := mp.Stats(); st.CallbackErrors != 4 { // the run at registration, then one per scrape
		t.Errorf("callback errors %d; want 4", st.CallbackErrors)
	}
	if n := strings.Count(log.String(), "source down"); n != 1 {
		t.Errorf("error logged %d times; want once", n)
	}
}

// TestStrayObservations: a callback observing an instrument it was not
// registered with, or another implementation's, is ignored and logged
// once; registering another implementation's instrument is an error.
func TestStrayObservations(t *testing.T) {
	reg, _, m, log := newProvider(t)
	a, _ := m.Int64ObservableGauge("a")
	b, _ := m.Int64ObservableGauge("b")
	_, err := m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		o.ObserveInt64(a, 1)
		o.ObserveInt64(b, 2)
		o.ObserveInt64(noop.Int64ObservableGauge{}, 3)
		return nil
	}, a)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := abacustest.Value(reg, "a"); err != nil || v != 1 {
		t.Errorf("a = %v, %v; want 1", v, err)
	}
	if reg.Family("b") != nil {
		t.Error("b registered from an observation of a callback not registered with it")
	}
	if n := strings.Count(log.String(), "not registered with"); n != 1 {
		t.Errorf("stray observations logged %d times; want once:\n%s", n, log)
	}
	if _, err := m.RegisterCallback(func(context.Context, metric.Observer) error { return nil }, noop.Int64ObservableGauge{}); !errors.Is(err, otelbridge.ErrInstrument) {
		t.Errorf("RegisterCallback of another implementation's instrument: %v; want ErrInstrument", err)
	}
	if r, err := m.RegisterCallback(nil, a); err != nil || r.Unregister() != nil {
		t.Errorf("RegisterCallback(nil): %v", err)
	}
}

// TestConcurrentCallbacks: callbacks registered and unregistered while
// the registry is read.
func TestConcurrentCallbacks(t *testing.T) {
	reg, _, m, _ := newProvider(t, otelbridge.WithAttributeKeys("u", "id"))
	u, _ := m.Int64ObservableUpDownCounter("u")
	stop := make(chan struct{})
	var reader sync.WaitGroup
	reader.Add(1)
	go func() {
		defer reader.Done()
		for {
			select {
			case <-stop:
				return
			default:
				_, _ = abacustest.Samples(reg, "u")
			}
		}
	}()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 50 {
				r, err := m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
					o.ObserveInt64(u, int64(j), metric.WithAttributes(attribute.Int("id", i)))
					return nil
				}, u)
				if err != nil {
					t.Error(err)
					return
				}
				if j%2 == 0 {
					_ = r.Unregister()
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	reader.Wait()
	s, _ := abacustest.Samples(reg, "u")
	var ids []string
	for _, x := range s {
		ids = append(ids, x.Labels["id"])
		if x.Value != 625 { // the callbacks left, odd j: 1+3+…+49, one series per id
			t.Errorf("u{id=%s} = %v; want 625", x.Labels["id"], x.Value)
		}
	}
	if len(ids) != 8 || !slices.IsSorted(ids) {
		t.Errorf("series %v; want 8, sorted", ids)
	}
}
