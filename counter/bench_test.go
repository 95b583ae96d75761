package counter

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/abacusgo/abacus/internal/cpu"
)

// The benchmarks call each type's Add directly, not through an interface, so
// that they time what a user's code pays.

func BenchmarkAdd(b *testing.B) {
	b.Run("atomic", func(b *testing.B) {
		var c atomic.Int64
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				c.Add(1)
			}
		})
	})
	b.Run("pinned-cell", func(b *testing.B) {
		cs := newCells(64, nil)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				id := cpu.Pin()
				cs.c[id].v.Add(1)
				cpu.Unpin()
			}
		})
	})
	// The floor: each goroutine adds to a padded cell of its own.
	b.Run("own-cell", func(b *testing.B) {
		cs := newCells(64, nil)
		var next atomic.Int32
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			c := &cs.c[next.Add(1)&63].v
			for pb.Next() {
				c.Add(1)
			}
		})
	})
	// PerCPU's fast path written out in the loop: what PerCPU.Add costs
	// without the call, which Go's inliner will not make (the method keeps a
	// slow path, and every call costs 57 of the inliner's budget of 80).
	b.Run("PerCPU-inline", func(b *testing.B) {
		c := NewPerCPU()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				cs := c.cells.Load()
				h := cpu.StackHash()
				if id := cpu.Hint(h); id < len(cs.c) {
					cell := &cs.c[id].v
					if v := cell.Load(); cell.Add(1) != v+1 {
						cpu.Rehint(h)
					}
					continue
				}
				c.addGrow(1, h)
			}
		})
	})
	b.Run("Counter", func(b *testing.B) {
		var c Counter
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				c.Add(1)
			}
		})
	})
	b.Run("Striped", func(b *testing.B) {
		c := NewStriped(0)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				c.Add(1)
			}
		})
	})
	b.Run("PerCPU", func(b *testing.B) {
		c := NewPerCPU()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				c.Add(1)
			}
		})
	})
	b.Run("Adaptive", func(b *testing.B) {
		var c Adaptive
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				c.Add(1)
			}
		})
	})
}

// BenchmarkOps times one operation of each remaining type, all goroutines on
// one value (run with -cpu=1,2).
func BenchmarkOps(b *testing.B) {
	par := func(b *testing.B, body func()) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				body()
			}
		})
	}
	b.Run("Gauge.Add", func(b *testing.B) {
		var g Gauge
		par(b, func() { g.Add(1) })
	})
	b.Run("FloatGauge.Add", func(b *testing.B) {
		var g FloatGauge
		par(b, func() { g.Add(1) })
	})
	b.Run("Max.Observe", func(b *testing.B) {
		var m Max
		var i atomic.Int64
		par(b, func() { m.Observe(i.Add(1) & 1023) })
	})
	b.Run("Min.Observe/settled", func(b *testing.B) {
		var m Min
		m.Observe(0)
		par(b, func() { m.Observe(5) })
	})
	b.Run("Capped.Inc+Dec", func(b *testing.B) {
		c := NewCapped(1 << 40)
		par(b, func() {
			c.Inc()
			c.Dec()
		})
	})
	b.Run("Latch.CountDown", func(b *testing.B) {
		l := NewLatch(1 << 62)
		par(b, l.CountDown)
	})
	b.Run("Sloppy.Local.Inc", func(b *testing.B) {
		s := NewSloppy(time.Second)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			l := s.Local(1024)
			defer l.Close()
			for pb.Next() {
				l.Inc()
			}
		})
	})
	b.Run("Window.Inc", func(b *testing.B) {
		w := NewWindow(60, time.Second)
		par(b, w.Inc)
	})
	b.Run("EWMA.Inc", func(b *testing.B) {
		e := NewEWMA(time.Minute)
		par(b, e.Inc)
	})
}

// BenchmarkRead times the readers.
func BenchmarkRead(b *testing.B) {
	var sink int64
	b.Run("Adaptive.Load", func(b *testing.B) {
		var a Adaptive
		a.install(nil, 2)
		for b.Loop() {
			sink += a.Load()
		}
	})
	b.Run("PerCPU.Load", func(b *testing.B) {
		p := NewPerCPU()
		for b.Loop() {
			sink += p.Load()
		}
	})
	b.Run("Window.Sum60", func(b *testing.B) {
		w := NewWindow(60, time.Second)
		w.Inc()
		for b.Loop() {
			sink += w.Sum(60)
		}
	})
	b.Run("Snapshot.Load", func(b *testing.B) {
		var c Counter
		s := NewSnapshot(c.Load)
		for b.Loop() {
			v, _ := s.Load()
			sink += v
		}
	})
	b.Run("Snapshot.Publish", func(b *testing.B) {
		var r, e Adaptive
		s := NewSnapshot(func() [2]int64 { return [2]int64{e.Load(), r.Load()} })
		b.ReportAllocs()
		for b.Loop() {
			s.Publish()
		}
	})
	_ = sink
}
