package abacus_test

import (
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/abacustest"
)

// values returns the family's series as "labels=value" strings, in order.
func values(t *testing.T, r *abacus.Registry, name string) []string {
	t.Helper()
	var out []string
	for f, series := range r.Gather() {
		if f.Name() != name {
			continue
		}
		for s := range series {
			out = append(out, s.Labels.String()+"="+strconv.FormatFloat(s.Value, 'g', -1, 64))
		}
	}
	return out
}

// Beyond the limit, new label sets share the overflow series and the
// dropped counter rises; existing series keep working.
func TestCardinalityLimit(t *testing.T) {
	r := abacus.NewRegistry()
	cv := abacus.Must(r.CounterVec(abacus.Opts{Name: "req_total", Limit: 3, ConstLabels: map[string]string{"svc": "x"}}, "user"))
	for _, u := range []string{"a", "b", "c", "d", "e", "a", "e"} {
		cv.With(u).Inc()
	}
	got := strings.Join(values(t, r, "req_total"), " ")
	want := `{svc="x",user="a"}=2 {svc="x",user="b"}=1 {svc="x",user="c"}=1 {svc="x",abacus_overflow="true"}=3`
	if got != want {
		t.Fatalf("series %s\nwant %s", got, want)
	}
	if limit, invalid := cv.Family().Dropped(); limit != 3 || invalid != 0 {
		t.Fatalf("Dropped() = %d, %d; want 3, 0", limit, invalid)
	}
	if v, err := abacustest.Value(r, "abacus_series_dropped_total", "family", "req_total", "reason", "limit"); err != nil || v != 3 {
		t.Fatalf("abacus_series_dropped_total = %v, %v", v, err)
	}
	if v, err := abacustest.Value(r, "abacus_series", "family", "req_total"); err != nil || v != 4 {
		t.Fatalf("abacus_series = %v, %v", v, err)
	}
}

func TestInvalidLabelValuesGoToOverflow(t *testing.T) {
	r := abacus.NewRegistry()
	cv := abacus.Must(r.CounterVec(abacus.Opts{Name: "req_total"}, "a", "b"))
	cv.With("only-one").Inc()
	cv.With("x", "y", "z").Inc()
	cv.With("ok", "\xff\xfe").Inc()
	cv.WithLabels(map[string]string{"a": "x"}).Inc()
	if got := values(t, r, "req_total"); len(got) != 1 || got[0] != `{abacus_overflow="true"}=4` {
		t.Fatalf("series %v", got)
	}
	if _, invalid := cv.Family().Dropped(); invalid != 4 {
		t.Fatalf("invalid = %d; want 4", invalid)
	}
	// An invalid value holding the separator byte never hits a valid series.
	cv.With("a", "").Inc()
	cv.With("a\xff").Inc()
	if v := cv.With("a", "").Value(); v != 1 {
		t.Errorf(`("a", "") = %v, want 1`, v)
	}
}

func TestDeleteAndReset(t *testing.T) {
	r := abacus.NewRegistry()
	gv := abacus.Must(r.GaugeVec(abacus.Opts{Name: "temp"}, "room"))
	gv.With("a").Set(1)
	old := gv.With("b")
	old.Set(2)
	if !gv.Delete("a") || gv.Delete("a") || gv.Delete("zzz") || gv.Delete() {
		t.Fatal("Delete reports wrongly")
	}
	if got := values(t, r, "temp"); len(got) != 1 || got[0] != `{room="b"}=2` {
		t.Fatalf("after Delete: %v", got)
	}
	gv.With("a").Set(3) // a new series
	gv.Reset()
	if n := gv.Family().Len(); n != 0 {
		t.Fatalf("%d series after Reset", n)
	}
	old.Set(9) // a handle to a deleted series works, unexposed
	if n := gv.Family().Len(); n != 0 || old.Value() != 9 {
		t.Fatal("a deleted series came back")
	}
}

func TestLabelMapsCurryingAndPartialDelete(t *testing.T) {
	r := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	cv := abacus.Must(r.CounterVec(abacus.Opts{Name: "req_total"}, "method", "route", "code"))
	cv.WithLabels(map[string]string{"method": "GET", "route": "/a", "code": "200"}).Inc()
	get, err := cv.Curry(map[string]string{"method": "GET"})
	if err != nil {
		t.Fatal(err)
	}
	if names := get.LabelNames(); strings.Join(names, ",") != "route,code" {
		t.Fatalf("curried label names %v", names)
	}
	get.With("/a", "200").Inc()
	get.With("/b", "500").Inc()
	cv.With("POST", "/a", "200").Inc()
	getA, err := get.Curry(map[string]string{"route": "/a"})
	if err != nil {
		t.Fatal(err)
	}
	getA.With("200").Inc()
	if v := cv.With("GET", "/a", "200").Value(); v != 3 {
		t.Fatalf("GET /a 200 = %v; want 3", v)
	}
	if _, err := cv.Curry(map[string]string{"nope": "x"}); err == nil {
		t.Error("curried a label the vector lacks")
	}
	if _, err := get.Curry(map[string]string{"method": "PUT"}); err == nil {
		t.Error("curried a label twice")
	}
	if !get.DeleteLabels(map[string]string{"route": "/b", "code": "500"}) {
		t.Error("DeleteLabels on a curried vector")
	}
	if n := cv.DeletePartialMatch(map[string]string{"route": "/a"}); n != 2 {
		t.Errorf("DeletePartialMatch removed %d; want 2", n)
	}
	if n := cv.DeletePartialMatch(map[string]string{"nope": "x"}); n != 0 {
		t.Errorf("DeletePartialMatch of an unknown label removed %d", n)
	}
	if n := cv.Family().Len(); n != 0 {
		t.Fatalf("%d series left", n)
	}
	get.With("/c", "200").Inc()
	cv.With("POST", "/c", "200").Inc()
	get.Reset() // a curried Reset removes its own series only
	if got := values(t, r, "req_total"); len(got) != 1 || !strings.Contains(got[0], "POST") {
		t.Fatalf("after a curried Reset: %v", got)
	}
}

// A lookup of an existing series allocates nothing, plain, curried or by
// label map, and neither does recording on the handle.
func TestLookupAllocatesNothing(t *testing.T) {
	r := abacus.NewRegistry()
	cv := abacus.Must(r.CounterVec(abacus.Opts{Name: "req_total"}, "method", "code"))
	hv := abacus.Must(r.HistogramVec(abacus.HistogramOpts{Opts: abacus.Opts{Name: "lat_seconds"}}, "route"))
	get := abacus.Must(cv.Curry(map[string]string{"method": "GET"}))
	labels := map[string]string{"method": "GET", "code": "200"}
	cv.With("GET", "200").Inc()
	hv.With("/x").Observe(0.1)
	method, code := "GET", "200"
	if n := testing.AllocsPerRun(1000, func() {
		cv.With(method, code).Inc()
		get.With(code).Inc()
		cv.WithLabels(labels).Inc()
		hv.With("/x").Observe(0.1)
	}); n != 0 {
		t.Fatalf("%v allocations per lookup and record", n)
	}
}

func TestWithConcurrent(t *testing.T) {
	r := abacus.NewRegistry()
	cv := abacus.Must(r.CounterVec(abacus.Opts{Name: "hits_total"}, "route", "code"))
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 10000 {
				cv.With([]string{"/a", "/b", "/c"}[(g+i)%3], []string{"200", "500"}[i%2]).Inc()
			}
		})
	}
	// Gather and Len while series are created.
	for range 20 {
		for range r.Gather() {
		}
		if n := cv.Family().Len(); n < 0 || n > 6 {
			t.Fatalf("Len %d", n)
		}
	}
	wg.Wait()
	samples, err := abacustest.Samples(r, "hits_total")
	if err != nil {
		t.Fatal(err)
	}
	total := 0.0
	for _, s := range samples {
		total += s.Value
	}
	if total != 80000 || len(samples) != 6 {
		t.Fatalf("%d series hold %v; want 6 and 80000", len(samples), total)
	}
}

// Series are sorted value by value: ("a", "z") before ("ab", "c").
func TestSeriesSortedByValues(t *testing.T) {
	r := abacus.NewRegistry()
	cv := abacus.Must(r.CounterVec(abacus.Opts{Name: "sorted_total", Help: "h"}, "a", "b"))
	cv.With("ab", "c").Inc()
	cv.With("a", "z").Inc()
	got := values(t, r, "sorted_total")
	if len(got) != 2 || !strings.HasPrefix(got[0], `{a="a",b="z"}`) {
		t.Errorf("order %v", got)
	}
}

func TestCounterRefusesWhatItCannotAdd(t *testing.T) {
	r := abacus.NewRegistry()
	c := abacus.Must(r.Counter(abacus.Opts{Name: "big_total", Help: "h"}))
	c.Add(1 << 63)
	if c.Value() < 0 {
		t.Errorf("Add(1<<63) made the counter negative: %v", c.Value())
	}
	d := abacus.Must(r.Counter(abacus.Opts{Name: "f_total", Help: "h"}))
	for _, v := range []float64{-1, nan(), inf()} {
		if err := d.AddFloat(v); err == nil {
			t.Errorf("AddFloat(%v) accepted", v)
		}
	}
	if err := d.AddFloat(0.5); err != nil || d.Value() != 0.5 {
		t.Fatalf("AddFloat(0.5): %v, value %v", err, d.Value())
	}
}

func TestExemplarValidation(t *testing.T) {
	r := abacus.NewRegistry()
	c := abacus.Must(r.Counter(abacus.Opts{Name: "req_total"}))
	if err := c.AddWithExemplar(1, map[string]string{"trace_id": strings.Repeat("x", 121)}); err == nil {
		t.Error("an exemplar over 128 characters was accepted")
	}
	if err := c.AddWithExemplar(1, map[string]string{"bad-name": "x"}); err == nil {
		t.Error("an exemplar with a bad label name was accepted")
	}
	if err := c.AddWithExemplar(1, map[string]string{"trace_id": "a\"b"}); err != nil {
		t.Fatal(err)
	}
	if c.Value() != 3 {
		t.Fatalf("Value() = %v; adds with bad exemplars must still count", c.Value())
	}
	if e := c.Exemplar(); e == nil || e.LabelText() != `{trace_id="a\"b"}` || e.Labels[0].Value != `a"b` || e.Value != 1 {
		t.Fatalf("Exemplar() = %+v", e)
	}
}
