package histogram

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// latencies returns n lognormal latencies in seconds spread over 1 µs–10 s,
// the workload of the anchors.
func latencies(n int) []float64 {
	r := rand.New(rand.NewPCG(1, 1))
	out := make([]float64, n)
	for i := range out {
		out[i] = math.Min(10, math.Max(1e-6, math.Exp(r.NormFloat64()*2-7)))
	}
	return out
}

func BenchmarkObserve(b *testing.B) {
	vs := latencies(1 << 12)
	b.Run("Observe", func(b *testing.B) {
		h := MustNew()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				h.Observe(vs[i&(len(vs)-1)])
				i++
			}
		})
	})
	ds := make([]time.Duration, len(vs))
	for i, v := range vs {
		ds[i] = time.Duration(v * 1e9)
	}
	b.Run("ObserveDuration", func(b *testing.B) {
		h := MustNew()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				h.ObserveDuration(ds[i&(len(ds)-1)])
				i++
			}
		})
	})
	b.Run("Index", func(b *testing.B) {
		m := mappingFor(DefaultScale)
		sink := 0
		i := 0
		for b.Loop() {
			sink += index(math.Float64bits(vs[i&(len(vs)-1)]), DefaultScale, m)
			i++
		}
		_ = sink
	})
	b.Run("Log2", func(b *testing.B) {
		sink := 0
		i := 0
		for b.Loop() {
			sink += int(math.Ceil(math.Log2(vs[i&(len(vs)-1)])*64)) - 1
			i++
		}
		_ = sink
	})
}

func loaded(n int) *Histogram {
	h := MustNew()
	for _, v := range latencies(n) {
		h.Observe(v)
	}
	return h
}

func BenchmarkRead(b *testing.B) {
	h := loaded(100000)
	s := h.Snapshot()
	b.Run("Snapshot", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			h.Snapshot()
		}
	})
	b.Run("Quantile", func(b *testing.B) {
		for b.Loop() {
			s.Quantile(0.99)
		}
	})
	b.Run("Merge2", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			Merge(s, s)
		}
	})
	b.Run("Interval", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			h.Interval()
		}
	})
	b.Run("MarshalBinary", func(b *testing.B) {
		buf := make([]byte, 0, 4096)
		for b.Loop() {
			buf, _ = s.AppendBinary(buf[:0])
		}
	})
}

// BenchmarkObserveWhileInterval observes while another goroutine takes an
// Interval every 100 µs: the cost an interval reader imposes on writers
// (compare with BenchmarkObserve/Observe). Observe touches no word shared
// with the reader; Interval swaps each non-empty bucket.
func BenchmarkObserveWhileInterval(b *testing.B) {
	vs := latencies(1 << 12)
	h := MustNew()
	stop := make(chan struct{})
	done := make(chan int)
	go func() {
		n := 0
		for {
			select {
			case <-stop:
				done <- n
				return
			case <-time.After(100 * time.Microsecond):
				h.Interval()
				n++
			}
		}
	}()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			h.Observe(vs[i&(len(vs)-1)])
			i++
		}
	})
	close(stop)
	b.ReportMetric(float64(<-done), "intervals")
}
