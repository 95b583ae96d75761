package durable_test

import (
	"testing"
	"time"

	"github.com/abacusgo/abacus/durable"
)

// BenchmarkAdd times Counter.Add under each policy, from parallel
// goroutines. Under SyncInterval and SyncNone an Add is an atomic add; under
// SyncAlways it waits for an fsync shared with the other waiters.
func BenchmarkAdd(b *testing.B) {
	for _, p := range []durable.Policy{durable.SyncInterval, durable.SyncNone, durable.SyncAlways} {
		b.Run(p.String(), func(b *testing.B) {
			s := open(b, b.TempDir(), durable.Options{Policy: p, Interval: 100 * time.Millisecond})
			defer closeSet(b, s)
			c := counter(b, s, "requests")
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := c.Add(1); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkCommit times a commit of 100 counters, each with a pending delta,
// without fsync (SyncNone's background commit).
func BenchmarkCommit(b *testing.B) {
	s := open(b, b.TempDir(), durable.Options{Policy: durable.SyncNone, Interval: time.Hour, SnapshotEvery: -1})
	defer closeSet(b, s)
	cs := make([]*durable.Counter, 100)
	for i := range cs {
		cs[i] = counter(b, s, "counter_"+string(rune('a'+i%26))+string(rune('a'+i/26)))
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, c := range cs {
			c.Add(1)
		}
		if err := s.Commit(); err != nil {
			b.Fatal(err)
		}
	}
}
