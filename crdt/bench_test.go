package crdt

import (
	"fmt"
	"testing"
)

func BenchmarkPNCounter(b *testing.B) {
	c, _ := NewPNCounter("a")
	b.Run("Add", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				c.Inc()
			}
		})
	})
	b.Run("Value", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				c.Value()
			}
		})
	})
}

// BenchmarkMerge merges a delta of one changed entry into a replica that knows
// the given number of nodes: the cost of one gossip message.
func BenchmarkMerge(b *testing.B) {
	for _, nodes := range []int{3, 100} {
		b.Run(fmt.Sprint("nodes=", nodes), func(b *testing.B) {
			r, _ := NewPNCounter("r")
			for i := range nodes {
				o, _ := NewPNCounter(fmt.Sprint("n", i))
				o.Add(1)
				_ = r.Merge(o.State())
			}
			d := State{Kind: PN, Node: "n0", Entries: []Entry{{Node: "n0"}}}
			b.ReportAllocs()
			for i := range b.N {
				d.Entries[0].P = uint64(i + 2)
				if err := r.Merge(d); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDeltaSince(b *testing.B) {
	r, _ := NewPNCounter("r")
	for i := range 100 {
		o, _ := NewPNCounter(fmt.Sprint("n", i))
		o.Add(1)
		_ = r.Merge(o.State())
	}
	c := r.DeltaSince(Cursor{}).Cursor
	b.ReportAllocs()
	for b.Loop() {
		r.Inc()
		c = r.DeltaSince(c).Cursor
	}
}
