package counter_test

import (
	"encoding/binary"
	"testing"

	"github.com/abacusgo/abacus/counter"
)

// FuzzModel drives every counter type with the same operation sequence and
// checks each against a plain int64 model: Add of any delta, Drain, Load,
// Max/Min of any value, Capped Inc/Dec, and Sloppy Locals with any threshold.
func FuzzModel(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 1, 0, 0, 0, 0, 0, 0, 0, 0x80})
	f.Fuzz(func(t *testing.T, ops []byte) {
		counters := []drainer{&counter.Counter{}, counter.NewStriped(2), counter.NewPerCPU(), &counter.Adaptive{}}
		var mx counter.Max
		var mn counter.Min
		capped := counter.NewCapped(int64(len(ops) % 7))
		sloppy := counter.NewSloppy(0)
		var local *counter.Local
		var model, drainedModel, capModel int64
		maxModel, minModel := int64(-1<<63), int64(1<<63-1)
		for len(ops) >= 9 {
			op, v := ops[0], int64(binary.LittleEndian.Uint64(ops[1:9]))
			ops = ops[9:]
			switch op % 4 {
			case 0, 1: // add
				model += v
				for _, c := range counters {
					c.Add(v)
				}
				mx.Observe(v)
				mn.Observe(v)
				maxModel, minModel = max(maxModel, v), min(minModel, v)
				if local == nil {
					local = sloppy.Local(int64(uint64(v)%1000) + 1)
				}
				local.Add(v)
			case 2: // drain
				for _, c := range counters {
					if got := c.Drain(); got != model {
						t.Fatalf("%T.Drain() = %d; want %d", c, got, model)
					}
				}
				drainedModel += model
				model = 0
				if local != nil {
					local.Close()
					local = nil
				}
				if got := sloppy.Drain(); got != drainedModel {
					t.Fatalf("Sloppy.Drain() = %d; want %d", got, drainedModel)
				}
				drainedModel = 0
			case 3: // capped
				if v&1 == 0 {
					ok := capped.Inc()
					if want := capModel < capped.Limit(); ok != want {
						t.Fatalf("Capped.Inc() = %v at %d/%d", ok, capModel, capped.Limit())
					}
					if ok {
						capModel++
					}
				} else if capped.Dec() != (capModel > 0) {
					t.Fatalf("Capped.Dec() wrong at %d", capModel)
				} else if capModel > 0 {
					capModel--
				}
			}
			for _, c := range counters {
				if got := c.Load(); got != model {
					t.Fatalf("%T.Load() = %d; want %d", c, got, model)
				}
			}
			if local != nil && sloppy.Load()+local.Pending() != drainedModel+model {
				t.Fatalf("Sloppy total %d + pending %d; want %d", sloppy.Load(), local.Pending(), drainedModel+model)
			}
		}
		if mx.Load() != maxModel || mn.Load() != minModel {
			t.Fatalf("Max/Min = %d/%d; want %d/%d", mx.Load(), mn.Load(), maxModel, minModel)
		}
	})
}
