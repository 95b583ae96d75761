package histogram

import (
	"math"
	"sync/atomic"
	"testing"
)

func BenchmarkZZ(b *testing.B) {
	vs := latencies(1 << 12)
	bits := make([]uint64, len(vs))
	for i, v := range vs {
		bits[i] = math.Float64bits(v)
	}
	h := MustNew()
	for _, v := range vs {
		h.Observe(v)
	}
	b.Run("record", func(b *testing.B) {
		i := 0
		for b.Loop() {
			h.record(bits[i&4095])
			i++
		}
	})
	b.Run("addFloat", func(b *testing.B) {
		i := 0
		for b.Loop() {
			h.first.addFloat(vs[i&4095])
			i++
		}
	})
	b.Run("extremes", func(b *testing.B) {
		i := 0
		for b.Loop() {
			h.first.extremes(key(bits[i&4095]))
			i++
		}
	})
	b.Run("xadd", func(b *testing.B) {
		var u atomic.Uint64
		for b.Loop() {
			u.Add(1)
		}
	})
	b.Run("observe", func(b *testing.B) {
		i := 0
		for b.Loop() {
			h.Observe(vs[i&4095])
			i++
		}
	})
	b.Run("index", func(b *testing.B) {
		i := 0
		s := 0
		for b.Loop() {
			s += index(bits[i&4095], 6, h.m)
			i++
		}
		_ = s
	})
	b.Run("index-seq", func(b *testing.B) {
		i := 0
		s := 0
		for b.Loop() {
			s += index(bits[i&4095]+uint64(s&1), 6, h.m)
			i++
		}
		_ = s
	})
}
