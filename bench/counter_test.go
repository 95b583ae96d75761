package bench

import (
	"expvar"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	vm "github.com/VictoriaMetrics/metrics"
	"github.com/abacusgo/abacus/counter"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/puzpuzpuz/xsync/v4"
)

// incCase is one counter implementation: setup returns, for a fresh
// counter, the func each RunParallel goroutine calls to get its loop body.
// Getting the body per goroutine lets Sloppy hand each goroutine a Local and
// the own-cell limit hand each goroutine a cell; every other case returns the
// same closure, which calls the method directly (no interface in the loop).
type incCase struct {
	name string
	run  func(b *testing.B)
}

func parallel(b *testing.B, body func(pb *testing.PB)) {
	b.ReportAllocs()
	b.RunParallel(body)
}

func incCases() []incCase {
	return []incCase{
		{"limit=own-cell", func(b *testing.B) {
			var next atomic.Int32
			parallel(b, func(pb *testing.PB) {
				c := &limitCells[int(next.Add(1))%len(limitCells)]
				for pb.Next() {
					c.v.Add(1)
				}
			})
		}},
		{"limit=per-P", func(b *testing.B) {
			parallel(b, func(pb *testing.PB) {
				for pb.Next() {
					id := procPin()
					limitCells[id].v.Add(1)
					procUnpin()
				}
			})
		}},
		{"impl=atomic.Int64", func(b *testing.B) {
			var c atomic.Int64
			parallel(b, func(pb *testing.PB) {
				for pb.Next() {
					c.Add(1)
				}
			})
		}},
		{"impl=mutex", func(b *testing.B) {
			var mu sync.Mutex
			var n int64
			parallel(b, func(pb *testing.PB) {
				for pb.Next() {
					mu.Lock()
					n++
					mu.Unlock()
				}
			})
		}},
		{"impl=expvar.Int", func(b *testing.B) {
			c := new(expvar.Int)
			parallel(b, func(pb *testing.PB) {
				for pb.Next() {
					c.Add(1)
				}
			})
		}},
		{"impl=client_golang", func(b *testing.B) {
			c := prometheus.NewCounter(prometheus.CounterOpts{Name: "bench_total", Help: "h"})
			parallel(b, func(pb *testing.PB) {
				for pb.Next() {
					c.Inc()
				}
			})
		}},
		{"impl=victoriametrics", func(b *testing.B) {
			c := vm.NewSet().NewCounter("bench_total")
			parallel(b, func(pb *testing.PB) {
				for pb.Next() {
					c.Inc()
				}
			})
		}},
		{"impl=xsync", func(b *testing.B) {
			c := xsync.NewCounter()
			parallel(b, func(pb *testing.PB) {
				for pb.Next() {
					c.Inc()
				}
			})
		}},
		{"impl=abacus.Counter", func(b *testing.B) {
			var c counter.Counter
			parallel(b, func(pb *testing.PB) {
				for pb.Next() {
					c.Inc()
				}
			})
		}},
		{"impl=abacus.Striped", func(b *testing.B) {
			c := counter.NewStriped(0)
			parallel(b, func(pb *testing.PB) {
				for pb.Next() {
					c.Inc()
				}
			})
		}},
		{"impl=abacus.PerCPU", func(b *testing.B) {
			c := counter.NewPerCPU()
			parallel(b, func(pb *testing.PB) {
				for pb.Next() {
					c.Inc()
				}
			})
		}},
		{"impl=abacus.Adaptive", func(b *testing.B) {
			var c counter.Adaptive
			parallel(b, func(pb *testing.PB) {
				for pb.Next() {
					c.Inc()
				}
			})
		}},
		{"impl=abacus.Sloppy", func(b *testing.B) {
			s := counter.NewSloppy(0)
			parallel(b, func(pb *testing.PB) {
				l := s.Local(1024)
				defer l.Close()
				for pb.Next() {
					l.Inc()
				}
			})
		}},
	}
}

// BenchmarkInc: one increment, all goroutines on one counter, one goroutine
// per P (run with -cpu=1,2).
func BenchmarkInc(b *testing.B) {
	for _, c := range incCases() {
		b.Run(c.name, c.run)
	}
}

// BenchmarkIncP32 is BenchmarkInc with 32 goroutines per P, as a server with
// many more goroutines than cores has.
func BenchmarkIncP32(b *testing.B) {
	for _, c := range incCases() {
		b.Run(c.name, func(b *testing.B) {
			b.SetParallelism(32)
			c.run(b)
		})
	}
}

// contend adds to c from one goroutine per P for a moment, so that sharded
// counters have installed their cells.
func contend(inc func()) {
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for range 200000 {
				inc()
			}
		})
	}
	wg.Wait()
}

// BenchmarkLoad: reading the total of a counter that has seen contention.
func BenchmarkLoad(b *testing.B) {
	var sink int64
	var fsink float64
	b.Run("impl=atomic.Int64", func(b *testing.B) {
		var c atomic.Int64
		contend(func() { c.Add(1) })
		for b.Loop() {
			sink += c.Load()
		}
	})
	b.Run("impl=expvar.Int", func(b *testing.B) {
		c := new(expvar.Int)
		contend(func() { c.Add(1) })
		for b.Loop() {
			sink += c.Value()
		}
	})
	b.Run("impl=client_golang", func(b *testing.B) {
		c := prometheus.NewCounter(prometheus.CounterOpts{Name: "bench_total", Help: "h"})
		contend(c.Inc)
		b.ReportAllocs()
		var m dto.Metric
		for b.Loop() {
			if err := c.Write(&m); err != nil {
				b.Fatal(err)
			}
			fsink += m.GetCounter().GetValue()
		}
	})
	b.Run("impl=victoriametrics", func(b *testing.B) {
		c := vm.NewSet().NewCounter("bench_total")
		contend(c.Inc)
		for b.Loop() {
			sink += int64(c.Get())
		}
	})
	b.Run("impl=xsync", func(b *testing.B) {
		c := xsync.NewCounter()
		contend(c.Inc)
		for b.Loop() {
			sink += c.Value()
		}
	})
	b.Run("impl=abacus.Counter", func(b *testing.B) {
		var c counter.Counter
		contend(c.Inc)
		for b.Loop() {
			sink += c.Load()
		}
	})
	b.Run("impl=abacus.Striped", func(b *testing.B) {
		c := counter.NewStriped(0)
		contend(c.Inc)
		for b.Loop() {
			sink += c.Load()
		}
	})
	b.Run("impl=abacus.PerCPU", func(b *testing.B) {
		c := counter.NewPerCPU()
		contend(c.Inc)
		for b.Loop() {
			sink += c.Load()
		}
	})
	b.Run("impl=abacus.Adaptive", func(b *testing.B) {
		var c counter.Adaptive
		contend(c.Inc)
		for b.Loop() {
			sink += c.Load()
		}
	})
	b.Run("impl=abacus.Sloppy", func(b *testing.B) {
		s := counter.NewSloppy(0)
		var wg sync.WaitGroup
		for range runtime.GOMAXPROCS(0) {
			wg.Go(func() {
				l := s.Local(64) // a Local belongs to one goroutine
				defer l.Close()
				for range 200000 {
					l.Inc()
				}
			})
		}
		wg.Wait()
		for b.Loop() {
			sink += s.Load()
		}
	})
	_, _ = sink, fsink
}

// heapBytes returns the live heap after a full collection.
func heapBytes() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// memCase makes one counter and returns it with the func that increments it.
type memCase struct {
	name string
	make func() (keep any, inc func())
}

func memCases() []memCase {
	return []memCase{
		{"impl=atomic.Int64", func() (any, func()) { c := new(atomic.Int64); return c, func() { c.Add(1) } }},
		{"impl=expvar.Int", func() (any, func()) { c := new(expvar.Int); return c, func() { c.Add(1) } }},
		{"impl=client_golang", func() (any, func()) {
			c := prometheus.NewCounter(prometheus.CounterOpts{Name: "bench_total", Help: "h"})
			return c, c.Inc
		}},
		{"impl=victoriametrics", func() (any, func()) { c := new(vm.Counter); return c, c.Inc }},
		{"impl=xsync", func() (any, func()) { c := xsync.NewCounter(); return c, c.Inc }},
		{"impl=abacus.Counter", func() (any, func()) { c := new(counter.Counter); return c, c.Inc }},
		{"impl=abacus.Striped", func() (any, func()) { c := counter.NewStriped(0); return c, c.Inc }},
		{"impl=abacus.PerCPU", func() (any, func()) { c := counter.NewPerCPU(); return c, c.Inc }},
		{"impl=abacus.Adaptive", func() (any, func()) { c := new(counter.Adaptive); return c, c.Inc }},
	}
}

// BenchmarkMemory reports the heap bytes one counter costs when idle
// (B/idle) and after it has been contended by one goroutine per P
// (B/contended). Its ns/op is meaningless.
func BenchmarkMemory(b *testing.B) {
	const n = 200
	for _, c := range memCases() {
		b.Run(c.name, func(b *testing.B) {
			var idle, contended float64
			for b.Loop() {
				before := heapBytes()
				keep := make([]any, n)
				incs := make([]func(), n)
				for i := range keep {
					keep[i], incs[i] = c.make()
				}
				mid := heapBytes()
				for _, inc := range incs {
					contend(inc)
				}
				after := heapBytes()
				runtime.KeepAlive(keep)
				// The incs slice and closures are part of both readings; the
				// counters' own growth is what differs.
				idle = float64(mid-before) / n
				contended = float64(after-before) / n
			}
			b.ReportMetric(idle, "B/idle")
			b.ReportMetric(contended, "B/contended")
		})
	}
}

// TestCasesCount checks that every benchmark body really counts: a
// benchmark of a counter that drops increments would flatter it.
func TestCasesCount(t *testing.T) {
	for _, c := range memCases() {
		keep, inc := c.make()
		contend(inc)
		var got float64
		switch x := keep.(type) {
		case *atomic.Int64:
			got = float64(x.Load())
		case *expvar.Int:
			got = float64(x.Value())
		case prometheus.Counter:
			var m dto.Metric
			if err := x.Write(&m); err != nil {
				t.Fatal(err)
			}
			got = m.GetCounter().GetValue()
		case *vm.Counter:
			got = float64(x.Get())
		case *xsync.Counter:
			got = float64(x.Value())
		case interface{ Load() int64 }:
			got = float64(x.Load())
		default:
			t.Fatalf("%s: no way to read %T", c.name, keep)
		}
		if want := float64(200000 * runtime.GOMAXPROCS(0)); got != want {
			t.Errorf("%s: counted %v; want %v", c.name, got, want)
		}
	}
}
