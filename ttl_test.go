package abacus_test

import (
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/abacustest"
)

// clock is a registry clock that tests move by hand; safe for concurrent
// use.
type clock struct{ ns atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.ns.Store(time.Unix(1000, 0).UnixNano())
	return c
}
func (c *clock) now() time.Time      { return time.Unix(0, c.ns.Load()) }
func (c *clock) add(d time.Duration) { c.ns.Add(int64(d)) }
func gather(r *abacus.Registry) {
	for range r.Gather() {
	}
}
func series(r *abacus.Registry, name string) int {
	s, _ := abacustest.Samples(r, name)
	return len(s)
}

// Series not written for longer than the TTL are removed; written ones stay.
func TestTTLRemovesIdleSeries(t *testing.T) {
	c := newClock()
	r := abacus.NewRegistry(abacus.WithClock(c.now))
	cv := abacus.Must(r.CounterVec(abacus.Opts{Name: "req_total", TTL: time.Minute}, "user"))
	hv := abacus.Must(r.HistogramVec(abacus.HistogramOpts{Opts: abacus.Opts{Name: "lat_seconds", TTL: time.Minute}}, "user"))
	gv := abacus.Must(r.GaugeVec(abacus.Opts{Name: "temp", TTL: time.Minute}, "room"))
	cv.With("busy").Inc()
	cv.With("idle").Inc()
	hv.With("idle").Observe(1)
	gv.With("same").Set(20)
	for range 3 {
		c.add(30 * time.Second)
		cv.With("busy").Inc()
		gv.With("same").Set(20) // the same value again is a write
		gather(r)
	}
	if v, err := abacustest.Value(r, "req_total", "user", "busy"); err != nil || v != 4 {
		t.Fatalf("busy: %v %v", v, err)
	}
	if n := series(r, "req_total"); n != 1 {
		t.Fatalf("%d counter series after 90 s; want 1", n)
	}
	if n := series(r, "lat_seconds"); n != 0 {
		t.Fatal("the idle histogram survived")
	}
	if n := series(r, "temp"); n != 1 {
		t.Fatal("a gauge set to the same value again expired")
	}
}

// Idleness runs from the last write or from creation, not from the first
// sweep: a series nobody wrote since long before the first scrape goes at
// once.
func TestTTLCountsFromCreation(t *testing.T) {
	c := newClock()
	r := abacus.NewRegistry(abacus.WithClock(c.now))
	cv := abacus.Must(r.CounterVec(abacus.Opts{Name: "req_total", TTL: time.Minute}, "user"))
	cv.With("old")
	c.add(2 * time.Minute)
	if n := series(r, "req_total"); n != 0 {
		t.Fatalf("a series idle since its creation 2 minutes ago is still exposed")
	}
}

// A handle kept across an idle spell brings its series back, value and
// all, on its next write; so does a With.
func TestTTLHandleBringsSeriesBack(t *testing.T) {
	c := newClock()
	r := abacus.NewRegistry(abacus.WithClock(c.now))
	cv := abacus.Must(r.CounterVec(abacus.Opts{Name: "req_total", TTL: time.Minute}, "user"))
	h := cv.With("kept")
	h.Add(5)
	gather(r)
	c.add(2 * time.Minute)
	if n := series(r, "req_total"); n != 0 {
		t.Fatal("not expired")
	}
	h.Inc()
	if v, err := abacustest.Value(r, "req_total", "user", "kept"); err != nil || v != 6 {
		t.Fatalf("after the handle wrote again: %v %v; want 6", v, err)
	}
	c.add(2 * time.Minute)
	gather(r)
	if cv.With("kept") != h || h.Value() != 6 {
		t.Fatal("With after expiry made another series while a handle held the first")
	}
	// Delete is for good: the handle no longer brings it back.
	cv.Delete("kept")
	h.Inc()
	if n := series(r, "req_total"); n != 0 {
		t.Fatal("a deleted series came back")
	}
}

// Writers and With racing the sweep lose no increment: every increment is
// in exactly one exposed series at the end. Run with -race.
func TestTTLRacesLoseNothing(t *testing.T) {
	c := newClock()
	r := abacus.NewRegistry(abacus.WithClock(c.now))
	cv := abacus.Must(r.CounterVec(abacus.Opts{Name: "req_total", TTL: time.Second}, "user"))
	const writers, per = 4, 5000
	// With the GC off, an expired series stays reachable through the
	// registry's weak pointer, so a With brings it back with its count
	// instead of starting a new one: every increment must then be exposed.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var sweeps sync.WaitGroup
	sweeps.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
				c.add(700 * time.Millisecond)
				gather(r)
				runtime.Gosched() // on one thread (js/wasm) the writers run only when this yields
			}
		}
	})
	kept := make([]*abacus.Counter, writers)
	for w := range writers {
		kept[w] = cv.With("kept" + strconv.Itoa(w))
		wg.Go(func() {
			kept := kept[w]
			for i := range per {
				cv.With(strconv.Itoa(i % 16)).Inc() // looked up each time
				kept.Inc()                          // a handle kept throughout
			}
		})
	}
	wg.Wait()
	close(stop)
	sweeps.Wait()
	// The sweeps after the last writes expired some series, legitimately:
	// a write of nothing through each handle, and a With of each label
	// set, bring them back with their counts.
	for _, k := range kept {
		k.Add(0)
	}
	for i := range 16 {
		cv.With(strconv.Itoa(i)).Add(0)
	}
	samples, err := abacustest.Samples(r, "req_total")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	total := 0.0
	for _, s := range samples {
		if seen[s.Labels["user"]] {
			t.Fatalf("series %s exposed twice", s.Labels["user"])
		}
		seen[s.Labels["user"]] = true
		total += s.Value
	}
	for w := range writers {
		if v, err := abacustest.Value(r, "req_total", "user", "kept"+strconv.Itoa(w)); err != nil || v != per {
			t.Errorf("kept%d = %v, %v; want %d", w, v, err, per)
		}
	}
	if total != 2*writers*per {
		t.Errorf("exposed %v increments; want %d", total, 2*writers*per)
	}
}
