package crdt

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// TestConcurrent runs adds, reads, merges and deltas of several replicas at
// once; after a final exchange every replica reads the exact total, and no
// reader ever sees a replica's value below what it had acknowledged.
func TestConcurrent(t *testing.T) {
	const nodes, adds = 4, 20000
	reps := make([]*GCounter, nodes)
	for i := range reps {
		reps[i], _ = NewGCounter(fmt.Sprint("n", i))
	}
	var done atomic.Bool
	var adders, others sync.WaitGroup
	for i, r := range reps {
		for range 2 {
			adders.Go(func() {
				for range adds {
					r.Inc()
				}
			})
		}
		others.Go(func() { // gossip
			var cur [nodes]Cursor
			for !done.Load() {
				for j, o := range reps {
					if j != i {
						d := o.DeltaSince(cur[j])
						if err := r.Merge(d); err != nil {
							t.Error(err)
							return
						}
						cur[j] = d.Cursor
					}
				}
				runtime.Gosched() // on one thread (js/wasm) the adders run only when this yields
			}
		})
		others.Go(func() { // a G counter's value never goes down
			var last uint64
			for !done.Load() {
				v := r.Value()
				if v < last {
					t.Errorf("%s went from %d down to %d", r.Node(), last, v)
					return
				}
				last = v
				runtime.Gosched()
			}
		})
	}
	adders.Wait()
	done.Store(true)
	others.Wait()
	for _, a := range reps {
		for _, b := range reps {
			if err := a.Merge(b.State()); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, r := range reps {
		if r.Value() != nodes*2*adds {
			t.Fatalf("%s reads %d, want %d", r.Node(), r.Value(), nodes*2*adds)
		}
	}
}
