package counter

import (
	"fmt"
	"sync/atomic"
)

// A Capped is a count that never exceeds a limit: Inc succeeds only while
// the count is below it. With a limit of 100 and 1000 goroutines racing to
// Inc, exactly 100 succeed. Use it for admission control (at most N in
// flight) or "first N wins" quotas.
//
// Inc and Dec are compare-and-swap loops and linearizable. A Capped costs 16
// bytes. The zero value has a limit of zero: every Inc fails; use NewCapped.
type Capped struct {
	_     noCopy
	v     atomic.Int64
	limit int64
}

// NewCapped returns a Capped with the given limit. It panics if limit is
// negative, which is a programming error.
func NewCapped(limit int64) *Capped {
	if limit < 0 {
		panic(fmt.Sprintf("BUG: counter.NewCapped(%d): limit must not be negative", limit))
	}
	return &Capped{limit: limit}
}

// Inc adds one and reports true if the count was below the limit, and
// otherwise leaves the count alone and reports false.
func (c *Capped) Inc() bool {
	for {
		v := c.v.Load()
		if v >= c.limit {
			return false
		}
		if c.v.CompareAndSwap(v, v+1) {
			return true
		}
	}
}

// Dec subtracts one and reports true if the count was above zero, and
// otherwise leaves it at zero and reports false. A successful Dec makes room
// for one more Inc.
func (c *Capped) Dec() bool {
	for {
		v := c.v.Load()
		if v <= 0 {
			return false
		}
		if c.v.CompareAndSwap(v, v-1) {
			return true
		}
	}
}

// Load returns the count.
func (c *Capped) Load() int64 { return c.v.Load() }

// Limit returns the limit.
func (c *Capped) Limit() int64 { return c.limit }

// Drain returns the count and sets it to zero in one atomic step, making room
// for limit more Incs.
func (c *Capped) Drain() int64 { return c.v.Swap(0) }
