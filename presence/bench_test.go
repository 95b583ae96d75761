package presence

import (
	"fmt"
	"testing"
	"time"
)

func BenchmarkHeartbeat(b *testing.B) {
	tr := newTracker(b, Options{})
	ids := make([]string, 10000)
	for i := range ids {
		ids[i] = fmt.Sprint("session-", i)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if err := tr.Heartbeat("user", ids[i%len(ids)], t0.Add(time.Duration(i))); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}

func BenchmarkActive(b *testing.B) {
	for _, n := range []int{1000, 100000} {
		b.Run(fmt.Sprint("sessions=", n), func(b *testing.B) {
			tr := newTracker(b, Options{})
			for i := range n {
				must(b, tr.Login(fmt.Sprint("u", i%(n/2)), fmt.Sprint("s", i), t0.Add(time.Hour)))
			}
			b.ReportAllocs()
			for b.Loop() {
				tr.ActiveAt(t0.Add(time.Hour))
			}
		})
	}
}
