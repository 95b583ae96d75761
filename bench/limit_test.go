package bench

import (
	"sync/atomic"
	"testing"
	_ "unsafe" // for go:linkname

	"golang.org/x/sys/cpu"
)

// The per-core limits of the machine are written out here, inside the
// benchmark module, so that nothing of Abacus sits between them and the
// hardware.

//go:linkname procPin runtime.procPin
func procPin() int

//go:linkname procUnpin runtime.procUnpin
func procUnpin()

// paddedCell is one counter word alone on its cache line.
type paddedCell struct {
	v atomic.Int64
	_ [56]byte
}

var _ cpu.CacheLinePad // the module's padding matches x/sys/cpu's on amd64

// limitCells has room for every goroutine of a SetParallelism(32) run.
var limitCells [1024]paddedCell

// What a method call costs an add to the goroutine's own padded cell: the
// add inline in the loop; in a function of its own with no frame (a leaf);
// the same after a load, with the result compared (the collision check of
// PerCPU and Adaptive); and in a function that has a frame because it keeps
// a call on a path that never runs (as every counter with a slow path must).

var neverCalled func()

//go:noinline
func leafAdd(c *atomic.Int64) { c.Add(1) }

//go:noinline
func leafLoadAdd(c *atomic.Int64) bool {
	v := c.Load()
	return c.Add(1) == v+1
}

//go:noinline
func framedAdd(c *atomic.Int64) {
	if v := c.Load(); c.Add(1) != v+1 && neverCalled != nil {
		neverCalled()
	}
}

func BenchmarkCallCost(b *testing.B) {
	own := func(b *testing.B, loop func(pb *testing.PB, c *atomic.Int64)) {
		var next atomic.Int32
		b.RunParallel(func(pb *testing.PB) { loop(pb, &limitCells[8+8*int(next.Add(1))].v) })
	}
	b.Run("inline", func(b *testing.B) {
		own(b, func(pb *testing.PB, c *atomic.Int64) {
			for pb.Next() {
				c.Add(1)
			}
		})
	})
	b.Run("leaf", func(b *testing.B) {
		own(b, func(pb *testing.PB, c *atomic.Int64) {
			for pb.Next() {
				leafAdd(c)
			}
		})
	})
	b.Run("leaf+load+compare", func(b *testing.B) {
		own(b, func(pb *testing.PB, c *atomic.Int64) {
			for pb.Next() {
				if !leafLoadAdd(c) && neverCalled != nil {
					neverCalled()
				}
			}
		})
	})
	b.Run("framed+load+compare", func(b *testing.B) {
		own(b, func(pb *testing.PB, c *atomic.Int64) {
			for pb.Next() {
				framedAdd(c)
			}
		})
	})
}
