package bench

import (
	"expvar"
	"fmt"
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
		{"impl=abacus.PerNode", func(b *testing.B) {
			c := counter.NewPerNode()
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

// memCase makes one counter (new) and returns the func that increments a
// counter it made (inc).
type memCase struct {
	name string
	new  func() any
	inc  func(any) func()
}

func memCases() []memCase {
	return []memCase{
		{"impl=atomic.Int64", func() any { return new(atomic.Int64) }, func(c any) func() { return func() { c.(*atomic.Int64).Add(1) } }},
		{"impl=expvar.Int", func() any { return new(expvar.Int) }, func(c any) func() { return func() { c.(*expvar.Int).Add(1) } }},
		{"impl=client_golang", func() any {
			return prometheus.NewCounter(prometheus.CounterOpts{Name: "bench_total", Help: "h"})
		}, func(c any) func() { return c.(prometheus.Counter).Inc }},
		{"impl=victoriametrics", func() any { return new(vm.Counter) }, func(c any) func() { return c.(*vm.Counter).Inc }},
		{"impl=xsync", func() any { return xsync.NewCounter() }, func(c any) func() { return c.(*xsync.Counter).Inc }},
		{"impl=abacus.Counter", func() any { return new(counter.Counter) }, func(c any) func() { return c.(*counter.Counter).Inc }},
		{"impl=abacus.Striped", func() any { return counter.NewStriped(0) }, func(c any) func() { return c.(*counter.Striped).Inc }},
		{"impl=abacus.PerCPU", func() any { return counter.NewPerCPU() }, func(c any) func() { return c.(*counter.PerCPU).Inc }},
		{"impl=abacus.Adaptive", func() any { return new(counter.Adaptive) }, func(c any) func() { return c.(*counter.Adaptive).Inc }},
	}
}

// BenchmarkMemory reports the heap bytes one counter costs when idle
// (B/idle) and after one goroutine per P has added to it (B/contended), at
// GOMAXPROCS 1, 2 and 8 (set here; -cpu does not apply). Its ns/op is
// meaningless; run it with -benchtime=1x.
func BenchmarkMemory(b *testing.B) {
	const n = 200
	for _, c := range memCases() {
		for _, procs := range []int{1, 2, 8} {
			b.Run(fmt.Sprintf("%s/procs=%d", c.name, procs), func(b *testing.B) {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				memory(b, c, n)
			})
		}
	}
}

func memory(b *testing.B, c memCase, n int) {
	var idle, contended float64
	for b.Loop() {
		keep := make([]any, n)
		contend(func() {}) // the goroutines' own memory, once, before measuring
		before := heapBytes()
		for i := range keep {
			keep[i] = c.new()
		}
		mid := heapBytes()
		for _, k := range keep {
			contend(c.inc(k))
		}
		after := heapBytes()
		runtime.KeepAlive(keep)
		idle = float64(mid-before) / float64(n)
		contended = float64(after-before) / float64(n)
	}
	b.ReportMetric(idle, "B/idle")
	b.ReportMetric(contended, "B/contended")
}

// TestCasesCount checks that every benchmark body really counts: a
// benchmark of a counter that drops increments would flatter it.
func TestCasesCount(t *testing.T) {
	for _, c := range memCases() {
		keep := c.new()
		contend(c.inc(keep))
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
