package histogram

import (
	"bytes"
	"context"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

// mustPanicNaming runs f and fails unless it panics with a message that
// names the constructor.
func mustPanicNaming(t *testing.T, name, constructor string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		msg, _ := r.(string)
		if r == nil || !strings.Contains(msg, constructor) {
			t.Errorf("%s: panic %v; want a message naming %s", name, r, constructor)
		}
	}()
	f()
}

// Every method of the zero Histogram and of the zero Window panics at once
// with a message naming the constructor: Observe too, whatever the value
// (one needing a bucket, one for the zero bucket, a rejected one).
func TestZeroHistogramAndWindowPanic(t *testing.T) {
	l := &Layout{}
	histogramCalls := map[string]func(h *Histogram){
		"Observe(1)":                  func(h *Histogram) { h.Observe(1) },
		"Observe(-1)":                 func(h *Histogram) { h.Observe(-1) },
		"Observe(0)":                  func(h *Histogram) { h.Observe(0) },
		"Observe(-0)":                 func(h *Histogram) { h.Observe(math.Copysign(0, -1)) },
		"Observe(NaN)":                func(h *Histogram) { h.Observe(math.NaN()) },
		"Observe(+Inf)":               func(h *Histogram) { h.Observe(math.Inf(1)) },
		"Observe(1e300)":              func(h *Histogram) { h.Observe(1e300) },
		"ObserveInt(0)":               func(h *Histogram) { h.ObserveInt(0) },
		"ObserveInt(7)":               func(h *Histogram) { h.ObserveInt(7) },
		"ObserveDuration(0)":          func(h *Histogram) { h.ObserveDuration(0) },
		"ObserveDuration(1s)":         func(h *Histogram) { h.ObserveDuration(time.Second) },
		"ObserveWithExpected(5, 1)":   func(h *Histogram) { h.ObserveWithExpected(5, 1) },
		"ObserveWithExpected(0, 1)":   func(h *Histogram) { h.ObserveWithExpected(0, 1) },
		"ObserveDurationWithExpected": func(h *Histogram) { h.ObserveDurationWithExpected(time.Second, time.Millisecond) },
		"Snapshot":                    func(h *Histogram) { h.Snapshot() },
		"Interval":                    func(h *Histogram) { h.Interval() },
		"Sum":                         func(h *Histogram) { h.Sum() },
		"Rejected":                    func(h *Histogram) { h.Rejected() },
		"Bytes":                       func(h *Histogram) { h.Bytes() },
		"Scale":                       func(h *Histogram) { h.Scale() },
		"ZeroThreshold":               func(h *Histogram) { h.ZeroThreshold() },
		"DurationUnit":                func(h *Histogram) { h.DurationUnit() },
		"Layout":                      func(h *Histogram) { _, _ = h.Layout(nil) },
		"AppendClassic":               func(h *Histogram) { h.AppendClassic(nil, l) },
		"AppendNative":                func(h *Histogram) { h.AppendNative(&Native{}) },
		"PowersOfTwo":                 func(h *Histogram) { h.PowersOfTwo(new([Octaves]uint64)) },
	}
	for name, call := range histogramCalls {
		mustPanicNaming(t, "Histogram{}."+name, "histogram.New", func() { call(new(Histogram)) })
	}
	windowCalls := map[string]func(w *Window){
		"Observe(1)":                  func(w *Window) { w.Observe(1) },
		"Observe(0)":                  func(w *Window) { w.Observe(0) },
		"Observe(NaN)":                func(w *Window) { w.Observe(math.NaN()) },
		"ObserveInt":                  func(w *Window) { w.ObserveInt(3) },
		"ObserveDuration":             func(w *Window) { w.ObserveDuration(time.Second) },
		"ObserveWithExpected":         func(w *Window) { w.ObserveWithExpected(5, 1) },
		"ObserveDurationWithExpected": func(w *Window) { w.ObserveDurationWithExpected(time.Second, time.Millisecond) },
		"Scale":                       func(w *Window) { w.Scale() },
		"Tick":                        func(w *Window) { w.Tick() },
		"Snapshot":                    func(w *Window) { w.Snapshot() },
		"Run":                         func(w *Window) { _ = w.Run(context.Background(), time.Hour) },
	}
	for name, call := range windowCalls {
		mustPanicNaming(t, "Window{}."+name, "histogram.NewWindow", func() { call(new(Window)) })
	}
	// A zero Window's methods do not leave its lock held: the panics come
	// before it, so a second call panics the same way.
	w := new(Window)
	for range 2 {
		mustPanicNaming(t, "Window{}.Snapshot again", "histogram.NewWindow", func() { w.Snapshot() })
	}
}

// The zero Snapshot is the empty snapshot Merge returns: every method gives
// what Merge()'s does, it merges and downscales as that one, encodes to the
// same bytes, and a snapshot decodes into it.
func TestZeroSnapshotIsEmpty(t *testing.T) {
	want := Merge()
	nan := math.Float64bits(math.NaN())
	same := func(a, b any) bool { return reflect.DeepEqual(a, b) }
	floats := func(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) }
	cases := map[string]func(s *Snapshot) any{
		"Scale":         func(s *Snapshot) any { return s.Scale() },
		"ZeroThreshold": func(s *Snapshot) any { return s.ZeroThreshold() },
		"ZeroCount":     func(s *Snapshot) any { return s.ZeroCount() },
		"Positive":      func(s *Snapshot) any { return s.Positive() },
		"Negative":      func(s *Snapshot) any { return s.Negative() },
		"Count":         func(s *Snapshot) any { return s.Count() },
		"Sum":           func(s *Snapshot) any { return math.Float64bits(s.Sum()) },
		"Min":           func(s *Snapshot) any { return math.Float64bits(s.Min()) },
		"Max":           func(s *Snapshot) any { return math.Float64bits(s.Max()) },
		"Mean":          func(s *Snapshot) any { return math.IsNaN(s.Mean()) },
		"Rejected": func(s *Snapshot) any {
			nan, inf := s.Rejected()
			return [2]uint64{nan, inf}
		},
		"All": func(s *Snapshot) any {
			var bs []Bucket
			for b := range s.All() {
				bs = append(bs, b)
			}
			return bs
		},
		"Quantile": func(s *Snapshot) any { return math.IsNaN(s.Quantile(0.5)) && math.IsNaN(s.Quantile(0)) },
		"CDF":      func(s *Snapshot) any { return math.IsNaN(s.CDF(1)) },
		"Native":   func(s *Snapshot) any { return s.Native() },
		"OTLP": func(s *Snapshot) any {
			o := s.OTLP()
			return o.Scale == want.OTLP().Scale && floats(o.Min, want.Min()) && floats(o.Max, want.Max()) &&
				o.Count == 0 && o.ZeroThreshold == MinValue && o.Positive.Offset == want.OTLP().Positive.Offset &&
				len(o.Positive.BucketCounts) == 0 && len(o.Negative.BucketCounts) == 0
		},
		"Classic": func(s *Snapshot) any {
			b, err := s.Classic([]float64{0.5, 1})
			return [2]any{b, err}
		},
		"MarshalBinary": func(s *Snapshot) any {
			b, err := s.MarshalBinary()
			return [2]any{b, err}
		},
		"AppendBinary": func(s *Snapshot) any {
			b, err := s.AppendBinary([]byte("x"))
			return [2]any{b, err}
		},
		"Downscale finer": func(s *Snapshot) any {
			_, err := s.Downscale(DefaultScale + 1)
			return err != nil
		},
	}
	for name, f := range cases {
		if got, exp := f(&Snapshot{}), f(want); !same(got, exp) {
			t.Errorf("Snapshot{}.%s = %v; Merge() gives %v", name, got, exp)
		}
	}
	if got := (&Snapshot{}).Min(); math.Float64bits(got) != nan {
		t.Errorf("Snapshot{}.Min() = %v; want NaN", got)
	}
	d, _ := (&Snapshot{}).Downscale(2)
	if w, _ := want.Downscale(2); !sameSnapshot(d, w) {
		t.Errorf("Snapshot{}.Downscale(2) = %+v; want %+v", d, w)
	}
	h := MustNew(WithScale(MaxScale))
	h.Observe(3)
	if m, w := Merge(&Snapshot{}, h.Snapshot()), Merge(want, h.Snapshot()); !sameSnapshot(m, w) {
		t.Errorf("Merge(Snapshot{}, s) = %+v; Merge(Merge(), s) = %+v", m, w)
	}
	if err := snapshotProblem(&Snapshot{}, nil); err != nil {
		t.Error(err)
	}
	var into Snapshot
	b, _ := h.Snapshot().MarshalBinary()
	if err := into.UnmarshalBinary(b); err != nil || into.Count() != 1 || into.Max() != 3 {
		t.Errorf("decoding into a zero Snapshot: %v, %+v", err, &into)
	}
	if e, _ := (&Snapshot{}).MarshalBinary(); !bytes.Equal(e, emptyFields().encode()) {
		t.Errorf("the zero Snapshot encodes as %x, not as the empty snapshot %x", e, emptyFields().encode())
	}
	if out := Merge(); out == Merge() || out.orEmpty() == &emptySnapshot {
		t.Error("Merge() returns a shared snapshot, which decoding into would change")
	}
}

// The zero Layout has no bounds and fits every histogram: AppendClassic
// gives it the +Inf bucket alone.
func TestZeroLayout(t *testing.T) {
	var l Layout
	if b := l.Bounds(); len(b) != 0 {
		t.Fatalf("Layout{}.Bounds() = %v", b)
	}
	for _, opts := range [][]Option{nil, {WithScale(-2)}, {WithScale(8), WithZeroThreshold(1e-3)}} {
		h := MustNew(opts...)
		h.Observe(2)
		h.Observe(-1)
		got, sum := h.AppendClassic(nil, &l)
		if len(got) != 1 || !math.IsInf(got[0].UpperBound, 1) || got[0].Count != 2 || sum != 1 {
			t.Fatalf("AppendClassic with the zero Layout: %v, %v", got, sum)
		}
	}
}

// A nil Option changes nothing, in New and NewWindow.
func TestNilOption(t *testing.T) {
	h, err := New(nil, WithScale(3), nil)
	if err != nil || h.Scale() != 3 || h.ZeroThreshold() != MinValue || h.DurationUnit() != time.Second {
		t.Fatalf("New(nil, WithScale(3), nil): %v", err)
	}
	w, err := NewWindow(2, nil)
	if err != nil || w.Scale() != DefaultScale {
		t.Fatalf("NewWindow(2, nil): %v", err)
	}
}
