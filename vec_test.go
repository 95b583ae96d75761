package abacus

import (
	"fmt"
	"github.com/abacusgo/abacus/histogram"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
)

func samples(f *Family) map[string]float64 {
	out := map[string]float64{}
	f.Each(func(s Sample) {
		switch {
		case s.Counter != nil:
			out[s.Labels] = s.Counter.Value()
		case s.Gauge != nil:
			out[s.Labels] = s.Gauge.Value()
		case s.Histogram != nil:
			out[s.Labels] = float64(s.Histogram.Snapshot().Count())
		default:
			out[s.Labels] = s.Value
		}
	})
	return out
}

// Beyond the limit, new label sets share the overflow series and the
// dropped counter rises; existing series keep working.
func TestCardinalityLimit(t *testing.T) {
	r := NewRegistry()
	cv := Must(r.CounterVec(Opts{Name: "req_total", Limit: 3, ConstLabels: map[string]string{"svc": "x"}}, "user"))
	for _, u := range []string{"a", "b", "c", "d", "e", "a", "e"} {
		cv.With(u).Inc()
	}
	got := samples(cv.Family())
	want := map[string]float64{
		`{svc="x",user="a"}`:               2,
		`{svc="x",user="b"}`:               1,
		`{svc="x",user="c"}`:               1,
		`{svc="x",abacus_overflow="true"}`: 3, // d, e, e
	}
	if len(got) != len(want) {
		t.Fatalf("series %v; want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("%s = %v; want %v (all: %v)", k, got[k], v, got)
		}
	}
	if limit, invalid := cv.Family().Dropped(); limit != 3 || invalid != 0 {
		t.Fatalf("Dropped() = %d, %d; want 3, 0", limit, invalid)
	}
	dropped := samples(r.Family("abacus_series_dropped_total"))
	if dropped[`{family="req_total",reason="limit"}`] != 3 {
		t.Fatalf("abacus_series_dropped_total: %v", dropped)
	}
	if samples(r.Family("abacus_series"))[`{family="req_total"}`] != 4 {
		t.Fatalf("abacus_series: %v", samples(r.Family("abacus_series")))
	}
}

func TestInvalidLabelValues(t *testing.T) {
	r := NewRegistry()
	cv := Must(r.CounterVec(Opts{Name: "req_total"}, "a", "b"))
	cv.With("only-one").Inc()
	cv.With("x", "y", "z").Inc()
	cv.With("ok", "\xff\xfe").Inc()
	got := samples(cv.Family())
	if got[`{abacus_overflow="true"}`] != 3 || len(got) != 1 {
		t.Fatalf("series %v", got)
	}
	if _, invalid := cv.Family().Dropped(); invalid != 3 {
		t.Fatalf("invalid = %d; want 3", invalid)
	}
}

func TestDeleteAndReset(t *testing.T) {
	r := NewRegistry()
	gv := Must(r.GaugeVec(Opts{Name: "temp"}, "room"))
	gv.With("a").Set(1)
	gv.With("b").Set(2)
	if !gv.Delete("a") || gv.Delete("a") || gv.Delete("zzz") {
		t.Fatal("Delete reports wrongly")
	}
	if got := samples(gv.Family()); len(got) != 1 || got[`{room="b"}`] != 2 {
		t.Fatalf("after Delete: %v", got)
	}
	gv.With("a").Set(3) // a new series
	if got := samples(gv.Family()); got[`{room="a"}`] != 3 {
		t.Fatalf("re-created series: %v", got)
	}
	gv.Reset()
	if n := gv.Family().Len(); n != 0 {
		t.Fatalf("%d series after Reset", n)
	}
}

// Series idle for longer than the TTL are removed by Sweep; busy ones stay.
func TestTTL(t *testing.T) {
	now := time.Unix(1000, 0)
	r := NewRegistry(WithClock(func() time.Time { return now }))
	cv := Must(r.CounterVec(Opts{Name: "req_total", TTL: time.Minute}, "user"))
	hv := Must(r.HistogramVec(HistogramOpts{Opts: Opts{Name: "lat_seconds", TTL: time.Minute}}, "user"))
	cv.With("busy").Inc()
	cv.With("idle").Inc()
	hv.With("idle").Observe(1)
	r.Sweep() // first sight
	for range 3 {
		now = now.Add(30 * time.Second)
		cv.With("busy").Inc()
		r.Sweep()
	}
	if got := samples(cv.Family()); len(got) != 1 || got[`{user="busy"}`] != 4 {
		t.Fatalf("after 90 s: %v", got)
	}
	if hv.Family().Len() != 0 {
		t.Fatal("the idle histogram survived")
	}
	cv.With("idle").Inc() // comes back as a new series
	if got := samples(cv.Family()); got[`{user="idle"}`] != 1 {
		t.Fatalf("returning series: %v", got)
	}
}

// A lookup of an existing series allocates nothing, and neither does
// recording on the handle.
func TestLookupAllocatesNothing(t *testing.T) {
	r := NewRegistry()
	cv := Must(r.CounterVec(Opts{Name: "req_total"}, "method", "code"))
	hv := Must(r.HistogramVec(HistogramOpts{Opts: Opts{Name: "lat_seconds"}}, "route"))
	cv.With("GET", "200").Inc()
	hv.With("/x").Observe(0.1)
	method, code := "GET", "200"
	if n := testing.AllocsPerRun(1000, func() {
		cv.With(method, code).Inc()
		hv.With("/x").Observe(0.1)
	}); n != 0 {
		t.Fatalf("%v allocations per lookup and record", n)
	}
}

func TestExemplarValidation(t *testing.T) {
	r := NewRegistry()
	c := Must(r.Counter(Opts{Name: "req_total"}))
	if err := c.AddWithExemplar(1, map[string]string{"trace_id": strings.Repeat("x", 121)}); err == nil {
		t.Error("an exemplar over 128 characters was accepted")
	}
	if err := c.AddWithExemplar(1, map[string]string{"bad-name": "x"}); err == nil {
		t.Error("an exemplar with a bad label name was accepted")
	}
	if err := c.AddWithExemplar(1, map[string]string{"trace_id": "abc"}); err != nil {
		t.Fatal(err)
	}
	if c.Value() != 3 {
		t.Fatalf("Value() = %v; adds with bad exemplars must still count", c.Value())
	}
	if e := c.Exemplar(); e == nil || e.Labels != `{trace_id="abc"}` || e.Value != 1 {
		t.Fatalf("Exemplar() = %+v", e)
	}
	if err := c.AddFloat(-1); err == nil {
		t.Error("AddFloat(-1) accepted")
	}
	if err := c.AddFloat(0.5); err != nil || c.Value() != 3.5 {
		t.Fatalf("AddFloat(0.5): %v, value %v", err, c.Value())
	}
}

func TestUnregisterAndDefault(t *testing.T) {
	r := NewRegistry()
	Must(r.Counter(Opts{Name: "a_total"}))
	if !r.Unregister("a_total") || r.Unregister("a_total") || r.Family("a_total") != nil {
		t.Fatal("Unregister")
	}
	old := SetDefault(r)
	defer SetDefault(old)
	if Default() != r {
		t.Fatal("SetDefault")
	}
	if old.Family("go_goroutines") == nil {
		t.Fatal("the default registry lacks the Go metrics")
	}
}

// TestLenWhileCreating reads a family's size (as exposition and the meta
// metrics do) while other goroutines create series; under -race this
// catches an unsynchronised series count.
func TestLenWhileCreating(t *testing.T) {
	r := NewRegistry(WithoutMetaMetrics())
	cv := Must(r.CounterVec(Opts{Name: "created_total", Help: "h"}, "id"))
	f := r.Family("created_total")
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 1000 {
			cv.With(strconv.Itoa(i)).Inc()
		}
	}()
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
			if n := f.Len(); n < 0 || n > 1000 {
				t.Fatalf("Len %d", n)
			}
		}
	}
	if n := f.Len(); n != 1000 {
		t.Fatalf("Len %d after 1000 series", n)
	}
}

// TestReviewFixes covers findings of a review of the registry, each of which
// failed before its fix.
func TestReviewFixes(t *testing.T) {
	t.Run("invalid value does not hit a valid series", func(t *testing.T) {
		r := NewRegistry(WithoutMetaMetrics())
		cv := Must(r.CounterVec(Opts{Name: "pairs_total", Help: "h"}, "a", "b"))
		cv.With("a", "").Inc()
		cv.With("a\xff").Inc() // wrong count and invalid UTF-8, packing like ("a", "")
		if v := cv.With("a", "").Value(); v != 1 {
			t.Errorf(`("a", "") = %v, want 1`, v)
		}
		if _, invalid := cv.Family().Dropped(); invalid != 1 {
			t.Errorf("invalid lookups %d, want 1", invalid)
		}
		if cv.Delete("a\xff") {
			t.Error(`Delete("a\xff") deleted a series`)
		}
	})
	t.Run("TTL needs labels", func(t *testing.T) {
		r := NewRegistry()
		if _, err := r.Counter(Opts{Name: "ttl_total", Help: "h", TTL: time.Minute}); err == nil {
			t.Error("an unlabelled counter with a TTL registered")
		}
	})
	t.Run("classic buckets in the duration unit", func(t *testing.T) {
		r := NewRegistry()
		h := Must(r.Histogram(HistogramOpts{Opts: Opts{Name: "ms", Help: "h"},
			Options: []histogram.Option{histogram.WithDurationUnit(time.Millisecond)}, Buckets: []float64{1, 10, 100}}))
		h.ObserveDuration(50 * time.Millisecond)
		b, sum := h.Classic(nil)
		if sum != 50 || b[0].Count != 0 || b[1].Count != 0 || b[2].Count != 1 {
			t.Errorf("buckets %v, sum %v: 50 ms belongs at le=100", b, sum)
		}
	})
	t.Run("histogram options are part of the shape", func(t *testing.T) {
		r := NewRegistry()
		Must(r.Histogram(HistogramOpts{Opts: Opts{Name: "hh", Help: "h"}}))
		if _, err := r.Histogram(HistogramOpts{Opts: Opts{Name: "hh", Help: "h"},
			Options: []histogram.Option{histogram.WithDurationUnit(time.Millisecond)}}); err == nil {
			t.Error("re-registered with another duration unit")
		}
	})
	t.Run("classic buckets at a negative scale", func(t *testing.T) {
		r := NewRegistry()
		h := Must(r.Histogram(HistogramOpts{Opts: Opts{Name: "coarse", Help: "h"},
			Options: []histogram.Option{histogram.WithScale(-1)}}))
		for _, v := range []float64{0.75, 1.5, 3} {
			h.Observe(v)
		}
		b, _ := h.Classic(nil)
		want := []histogram.ClassicBucket{{UpperBound: 1, Count: 1}, {UpperBound: 4, Count: 3}, {UpperBound: math.Inf(1), Count: 3}}
		if fmt.Sprint(b) != fmt.Sprint(want) {
			t.Errorf("buckets %v, want %v (2^1 is inside a bucket at scale -1)", b, want)
		}
	})
	t.Run("huge Add saturates", func(t *testing.T) {
		r := NewRegistry()
		c := Must(r.Counter(Opts{Name: "big_total", Help: "h"}))
		c.Add(1 << 63)
		if c.Value() < 0 {
			t.Errorf("Add(1<<63) made the counter negative: %v", c.Value())
		}
	})
	t.Run("series sorted value by value", func(t *testing.T) {
		r := NewRegistry()
		cv := Must(r.CounterVec(Opts{Name: "sorted_total", Help: "h"}, "a", "b"))
		cv.With("ab", "c").Inc()
		cv.With("a", "z").Inc()
		var got []string
		cv.Family().Each(func(s Sample) { got = append(got, s.Labels) })
		if len(got) != 2 || got[0] != `{a="a",b="z"}` {
			t.Errorf("order %v", got)
		}
	})
}
