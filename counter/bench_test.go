package counter

import (
	"sync/atomic"
	"testing"

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
