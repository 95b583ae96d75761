package abacus_test

import (
	"maps"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/abacustest"
	"github.com/abacusgo/abacus/histogram"
)

func nan() float64 { return math.NaN() }
func inf() float64 { return math.Inf(1) }

// Gather yields structured labels (constant ones first, sorted by name,
// then the variable ones in order), creation times, and typed values.
func TestGatherReadModel(t *testing.T) {
	clock := time.Unix(1700000000, 0)
	r := abacus.NewRegistry(abacus.WithoutMetaMetrics(), abacus.WithClock(func() time.Time { return clock }))
	cv := abacus.Must(r.CounterVec(abacus.Opts{Name: "req_total", Help: "h", ConstLabels: map[string]string{"z": "1", "app": "a\"b"}}, "route", "code"))
	cv.With("/x", "200").Add(3)
	abacus.Must(r.GaugeVec(abacus.Opts{Name: "empty", Help: "h"}, "x")) // no series: not yielded
	h := abacus.Must(r.Histogram(abacus.HistogramOpts{Opts: abacus.Opts{Name: "lat_seconds", Help: "h"}}))
	h.Observe(0.3)
	var names []string
	for f, series := range r.Gather() {
		names = append(names, f.Name())
		for s := range series {
			switch f.Name() {
			case "req_total":
				var pairs []string
				for n, v := range s.Labels.All() {
					pairs = append(pairs, n+"="+v)
				}
				if want := []string{"app=a\"b", "z=1", "route=/x", "code=200"}; !slices.Equal(pairs, want) {
					t.Errorf("labels %v; want %v", pairs, want)
				}
				if s.Labels.String() != `{app="a\"b",z="1",route="/x",code="200"}` {
					t.Errorf("rendered %s", s.Labels.String())
				}
				if v, ok := s.Labels.Get("code"); !ok || v != "200" || s.Labels.Len() != 4 {
					t.Errorf("Get/Len")
				}
				if s.Value != 3 || s.Created != clock.UnixNano() {
					t.Errorf("value %v created %v", s.Value, s.Created)
				}
			case "lat_seconds":
				b, sum := s.Histogram.Classic(nil)
				if sum != 0.3 || b[len(b)-1].Count != 1 || len(b) != len(abacus.DefaultBuckets())+1 {
					t.Errorf("classic %v sum %v", b, sum)
				}
			}
		}
	}
	if !slices.Equal(names, []string{"lat_seconds", "req_total"}) {
		t.Errorf("families %v", names)
	}
}

// Gather counts every scrape, however the loop ends, and no writer can
// skip it.
func TestGatherCountsScrapes(t *testing.T) {
	r := abacus.NewRegistry()
	for range r.Gather() {
		break
	}
	for range r.Gather() {
	}
	s, err := abacustest.Find(r, "abacus_scrapes_total")
	if err != nil || s.Value != 2 { // the third Gather, Find's own, reads the count before adding to it
		t.Fatalf("abacus_scrapes_total = %v, %v; want 2", s.Value, err)
	}
	if d, err := abacustest.Value(r, "abacus_scrape_duration_seconds"); err != nil || d != 3 {
		t.Fatalf("abacus_scrape_duration_seconds count = %v, %v; want 3", d, err)
	}
}

func TestVecFuncs(t *testing.T) {
	r := abacus.NewRegistry()
	queue := map[string]float64{"b": 2, "a": 1}
	if err := r.GaugeVecFunc(abacus.Opts{Name: "queue_depth", Help: "h", Limit: 3}, []string{"queue"}, func(emit func([]string, float64)) {
		for _, k := range slices.Sorted(maps.Keys(queue)) {
			emit([]string{k}, queue[k])
		}
		emit([]string{"a"}, 9)            // a second series with one label set
		emit([]string{"x", "y"}, 1)       // wrong number
		emit([]string{"\xff"}, 1)         // not UTF-8
		emit([]string{"c"}, 3)            // fits
		emit([]string{"d"}, 4)            // beyond the limit of 3
		emit([]string{"e"}, math.Inf(-1)) // beyond too
	}); err != nil {
		t.Fatal(err)
	}
	samples, err := abacustest.Samples(r, "queue_depth")
	if err != nil {
		t.Fatal(err)
	}
	var got []float64
	for _, s := range samples {
		got = append(got, s.Value)
	}
	if !slices.Equal(got, []float64{1, 2, 3}) {
		t.Fatalf("values %v", got)
	}
	f := r.Family("queue_depth")
	if limit, invalid := f.Dropped(); limit != 2 || invalid != 3 {
		t.Fatalf("Dropped %d %d", limit, invalid)
	}
	if f.Len() != 3 {
		t.Fatalf("Len %d", f.Len())
	}
	// A counter func that goes negative or NaN is left out, and counted.
	v := -1.0
	if err := r.CounterFunc(abacus.Opts{Name: "odd_total", Help: "h"}, func() float64 { return v }); err != nil {
		t.Fatal(err)
	}
	if s, _ := abacustest.Samples(r, "odd_total"); len(s) != 0 {
		t.Fatalf("a negative counter func was exposed: %v", s)
	}
	if _, invalid := r.Family("odd_total").Dropped(); invalid != 1 {
		t.Fatalf("invalid %d", invalid)
	}
	v = 5
	if got, err := abacustest.Value(r, "odd_total"); err != nil || got != 5 {
		t.Fatalf("odd_total %v %v", got, err)
	}
}

// Observations a histogram refuses are in no bucket, count or sum, and are
// counted per family.
func TestRejectedObservationsCounted(t *testing.T) {
	r := abacus.NewRegistry()
	hv := abacus.Must(r.HistogramVec(abacus.HistogramOpts{Opts: abacus.Opts{Name: "lat_seconds", Help: "h"}}, "route"))
	hv.With("/a").Observe(nan())
	hv.With("/b").Observe(inf())
	hv.With("/b").Observe(-inf())
	hv.With("/b").Observe(1e300)
	hv.With("/b").Observe(1)
	if v, err := abacustest.Value(r, "abacus_observations_rejected_total", "family", "lat_seconds", "reason", "nan"); err != nil || v != 1 {
		t.Fatalf("nan: %v %v", v, err)
	}
	if v, err := abacustest.Value(r, "abacus_observations_rejected_total", "family", "lat_seconds", "reason", "inf"); err != nil || v != 3 {
		t.Fatalf("inf: %v %v", v, err)
	}
	if nan, inf := r.Family("lat_seconds").Rejected(); nan != 1 || inf != 3 {
		t.Fatalf("Rejected %d %d", nan, inf)
	}
	b, err := abacustest.Find(r, "lat_seconds", "route", "/b")
	if err != nil || b.Value != 1 || b.Sum != 1 || b.Native.Count != 1 {
		t.Fatalf("/b: %+v %v", b, err)
	}
}

// Every series of a histogram family exposes the same le set at every
// scrape, whatever it observed: the fixed layout.
func TestHistogramLayoutIsFixed(t *testing.T) {
	for _, tc := range []struct {
		name    string
		buckets []float64
	}{
		{"default", nil},
		{"powers of two (read from the exponential buckets)", abacus.PowersOfTwo(-3, 3)},
		{"decimal (counted per bucket)", []float64{0.005, 0.01, 0.1, 1, 10}},
		{"negative and zero bounds", []float64{-1, 0, 1}},
		{"none but +Inf", []float64{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := abacus.NewRegistry(abacus.WithoutMetaMetrics())
			hv := abacus.Must(r.HistogramVec(abacus.HistogramOpts{Opts: abacus.Opts{Name: "lat_seconds", Help: "h"}, Buckets: tc.buckets}, "route"))
			hv.With("/fast").Observe(0.0001)
			hv.With("/slow").Observe(100)
			hv.With("/idle")
			hv.With("/both").Observe(-2)
			hv.With("/both").Observe(0.5)
			want := tc.buckets
			if want == nil {
				want = abacus.DefaultBuckets()
			}
			if got := r.Family("lat_seconds").Buckets(); !slices.Equal(got, want) {
				t.Fatalf("Family.Buckets %v; want %v", got, want)
			}
			samples, _ := abacustest.Samples(r, "lat_seconds")
			for _, s := range samples {
				var bounds []float64
				for _, b := range s.Classic[:len(s.Classic)-1] {
					bounds = append(bounds, b.UpperBound)
				}
				if !slices.Equal(bounds, want) && !(len(bounds) == 0 && len(want) == 0) {
					t.Errorf("%v: le %v; want %v", s.Labels, bounds, want)
				}
				// Exact: every count is the number of observations ≤ its bound.
				obs := map[string][]float64{"/fast": {0.0001}, "/slow": {100}, "/both": {-2, 0.5}}[s.Labels["route"]]
				for _, b := range s.Classic {
					n := 0
					for _, v := range obs {
						if v <= b.UpperBound {
							n++
						}
					}
					if b.Count != uint64(n) {
						t.Errorf("%v: le=%v count %d; want %d", s.Labels, b.UpperBound, b.Count, n)
					}
				}
			}
		})
	}
}

// The native form read without a snapshot equals the snapshot's.
func TestNativeWithoutSnapshot(t *testing.T) {
	r := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	h := abacus.Must(r.Histogram(abacus.HistogramOpts{Opts: abacus.Opts{Name: "x", Help: "h"}, Options: []histogram.Option{histogram.WithScale(3)}}))
	for _, v := range []float64{-3, -0.001, 0, 1e-30, 0.001, 0.0011, 0.5, 0.51, 0.6, 7, 1e9} {
		h.Observe(v)
	}
	s, _ := abacustest.Find(r, "x")
	want := h.Snapshot().Native()
	if !slices.Equal(s.Native.PositiveDeltas, want.PositiveDeltas) || !slices.Equal(s.Native.PositiveSpans, want.PositiveSpans) ||
		!slices.Equal(s.Native.NegativeDeltas, want.NegativeDeltas) || !slices.Equal(s.Native.NegativeSpans, want.NegativeSpans) ||
		s.Native.Count != want.Count || s.Native.ZeroCount != want.ZeroCount || s.Native.Sum != want.Sum {
		t.Fatalf("native\n%+v\nwant\n%+v", s.Native, want)
	}
	if err := abacustest.CheckNative(s.Native); err != nil {
		t.Fatal(err)
	}
}

// A series of another type reads as an empty histogram, not a crash.
func TestHistogramValueOfOtherTypes(t *testing.T) {
	r := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	abacus.Must(r.Counter(abacus.Opts{Name: "c_total", Help: "h"})).Inc()
	for _, series := range r.Gather() {
		for s := range series {
			b, sum := s.Histogram.Classic(nil)
			var n histogram.Native
			s.Histogram.Native(&n)
			if len(b) != 1 || b[0].Count != 0 || sum != 0 || s.Histogram.Snapshot().Count() != 0 || n.Count != 0 ||
				s.Histogram.Exemplar(0, 1) != nil || len(s.Histogram.Exemplars(nil)) != 0 {
				t.Fatal("the zero HistogramValue is not an empty histogram")
			}
		}
	}
}
