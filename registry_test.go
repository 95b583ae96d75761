package abacus

import (
	"strings"
	"sync"
	"testing"
)

func TestRegisterAndValidate(t *testing.T) {
	r := NewRegistry()
	cases := []struct {
		name string
		err  func() error
		want string // substring of the error; "" for success
	}{
		{"counter ok", func() error { _, err := r.Counter(Opts{Name: "requests_total", Help: "h"}); return err }, ""},
		{"counter without _total", func() error { _, err := r.Counter(Opts{Name: "requests"}); return err }, "must end in _total"},
		{"bad name", func() error { _, err := r.Counter(Opts{Name: "9lives_total"}); return err }, "invalid metric name"},
		{"bad label", func() error { _, err := r.CounterVec(Opts{Name: "x_total"}, "a-b"); return err }, "invalid variable label name"},
		{"reserved label", func() error { _, err := r.CounterVec(Opts{Name: "y_total"}, "le"); return err }, "reserved for histogram buckets"},
		{"dunder label", func() error { _, err := r.CounterVec(Opts{Name: "z_total"}, "__x"); return err }, "not starting with __"},
		{"duplicate label", func() error { _, err := r.CounterVec(Opts{Name: "w_total"}, "a", "a"); return err }, "appears twice"},
		{"unit mismatch", func() error { _, err := r.Gauge(Opts{Name: "temp", Unit: "celsius"}); return err }, "must end in _celsius"},
		{"unit ok", func() error { _, err := r.Gauge(Opts{Name: "temp_celsius", Unit: "celsius"}); return err }, ""},
		{"reserved suffix", func() error { _, err := r.Gauge(Opts{Name: "latency_bucket"}); return err }, "reserve"},
		{"same again", func() error { _, err := r.Counter(Opts{Name: "requests_total", Help: "h"}); return err }, ""},
		{"same name, other shape", func() error { _, err := r.Histogram(HistogramOpts{Opts: Opts{Name: "temp_celsius"}}); return err }, "already registered as gauge"},
		{"same name, other labels", func() error { _, err := r.CounterVec(Opts{Name: "requests_total", Help: "h"}, "code"); return err }, "already registered as counter{} help"},
	}
	for _, c := range cases {
		err := c.err()
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: error %v; want one containing %q", c.name, err, c.want)
		}
	}
}

func TestSameCounterTwice(t *testing.T) {
	r := NewRegistry()
	a := Must(r.Counter(Opts{Name: "a_total"}))
	b := Must(r.Counter(Opts{Name: "a_total"}))
	if a != b {
		t.Fatal("registering the same counter twice gave two counters")
	}
}

func TestMustPanicsWithBUG(t *testing.T) {
	defer func() {
		if r, _ := recover().(string); !strings.HasPrefix(r, "BUG: ") || !strings.Contains(r, "nope") {
			t.Fatalf("panic %q", r)
		}
	}()
	Must(NewRegistry().Counter(Opts{Name: "nope"}))
}

func TestVecWithConcurrent(t *testing.T) {
	r := NewRegistry()
	cv := Must(r.CounterVec(Opts{Name: "hits_total"}, "route", "code"))
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 10000 {
				cv.With([]string{"/a", "/b", "/c"}[(g+i)%3], []string{"200", "500"}[i%2]).Inc()
			}
		})
	}
	wg.Wait()
	total := 0.0
	n := 0
	cv.Family().Each(func(s Sample) {
		total += s.Counter.Value()
		n++
	})
	if total != 80000 || n != 6 {
		t.Fatalf("%d series hold %v; want 6 and 80000", n, total)
	}
}
