package counter

import (
	"math"
	"sync/atomic"
)

// A Gauge is an int64 value that goes up and down, such as the number of
// requests in flight. The zero value is zero. Every operation is
// linearizable and exact; it costs 8 bytes.
type Gauge struct {
	_ noCopy
	v atomic.Int64
}

// Inc adds one.
func (g *Gauge) Inc() { g.v.Add(1) }

// Dec subtracts one.
func (g *Gauge) Dec() { g.v.Add(-1) }

// Add adds d, which may be negative.
func (g *Gauge) Add(d int64) { g.v.Add(d) }

// Set replaces the value.
func (g *Gauge) Set(v int64) { g.v.Store(v) }

// Load returns the value.
func (g *Gauge) Load() int64 { return g.v.Load() }

// A FloatGauge is a float64 value that goes up and down. The zero value is
// zero. Set and Load are single atomic operations; Add is a compare-and-swap
// loop on the value's bits, so it is linearizable but retries under
// contention. Adding NaN makes the value NaN until the next Set. It costs 8
// bytes.
type FloatGauge struct {
	_    noCopy
	bits atomic.Uint64
}

// Add adds d, which may be negative.
func (g *FloatGauge) Add(d float64) {
	for {
		old := g.bits.Load()
		if g.bits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+d)) {
			return
		}
	}
}

// Set replaces the value.
func (g *FloatGauge) Set(v float64) { g.bits.Store(math.Float64bits(v)) }

// Load returns the value.
func (g *FloatGauge) Load() float64 { return math.Float64frombits(g.bits.Load()) }
