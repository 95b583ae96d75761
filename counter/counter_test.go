package counter_test

import (
	"math"
	"sync"
	"testing"

	"github.com/abacusgo/abacus/counter"
)

// drainer is the surface the serial table drives.
type drainer interface {
	Add(int64)
	Load() int64
	Drain() int64
}

func TestSerial(t *testing.T) {
	cases := []struct {
		name string
		new  func() drainer
	}{
		{"Counter", func() drainer { return &counter.Counter{} }},
		{"Striped", func() drainer { return counter.NewStriped(8) }},
		{"Striped/zero", func() drainer { return &counter.Striped{} }},
		{"PerCPU", func() drainer { return counter.NewPerCPU() }},
		{"PerCPU/zero", func() drainer { return &counter.PerCPU{} }},
		{"Adaptive", func() drainer { return &counter.Adaptive{} }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := c.new()
			if got := x.Load(); got != 0 {
				t.Fatalf("new counter Load() = %d; want 0", got)
			}
			if got := x.Drain(); got != 0 {
				t.Fatalf("new counter Drain() = %d; want 0", got)
			}
			for _, d := range []int64{1, 2, -5, 1 << 40, -(1 << 40), math.MaxInt32} {
				x.Add(d)
			}
			want := int64(1 + 2 - 5 + math.MaxInt32)
			if got := x.Load(); got != want {
				t.Fatalf("Load() = %d; want %d", got, want)
			}
			if got := x.Drain(); got != want {
				t.Fatalf("Drain() = %d; want %d", got, want)
			}
			if got := x.Load(); got != 0 {
				t.Fatalf("Load() after Drain = %d; want 0", got)
			}
			x.Add(7)
			if got := x.Load(); got != 7 {
				t.Fatalf("Load() = %d after Drain and Add(7); want 7", got)
			}
		})
	}
}

func TestGauge(t *testing.T) {
	var g counter.Gauge
	g.Inc()
	g.Inc()
	g.Dec()
	g.Add(-10)
	if got := g.Load(); got != -9 {
		t.Fatalf("Load() = %d; want -9", got)
	}
	g.Set(42)
	if got := g.Load(); got != 42 {
		t.Fatalf("Load() after Set(42) = %d", got)
	}
}

func TestFloatGaugeConcurrent(t *testing.T) {
	var g counter.FloatGauge
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() {
			for range 1000 {
				g.Add(0.5) // exact in binary, so the total must be exact
			}
		})
	}
	wg.Wait()
	if got := g.Load(); got != 50000 {
		t.Fatalf("Load() = %v; want 50000", got)
	}
	g.Set(-1.25)
	if got := g.Load(); got != -1.25 {
		t.Fatalf("Load() after Set = %v", got)
	}
	g.Add(math.NaN())
	if got := g.Load(); !math.IsNaN(got) {
		t.Fatalf("Load() after Add(NaN) = %v; want NaN", got)
	}
}
