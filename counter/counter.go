package counter

import "sync/atomic"

// A Counter is an int64 count held in one atomic word: the baseline the
// sharded types are measured against. The zero value is zero.
//
// Every operation is linearizable and exact. Under contention from many cores
// all writers share one cache line, which is what the sharded types avoid.
// It costs 8 bytes.
type Counter struct {
	_ noCopy
	v atomic.Int64
}

// Add adds d, which may be negative.
func (c *Counter) Add(d int64) { c.v.Add(d) }

// Inc adds one.
func (c *Counter) Inc() { c.v.Add(1) }

// Load returns the current total.
func (c *Counter) Load() int64 { return c.v.Load() }

// Drain returns the total and sets it to zero in one atomic step.
func (c *Counter) Drain() int64 { return c.v.Swap(0) }
