package counter

import "sync/atomic"

// A Max keeps the largest int64 observed. The zero value has observed
// nothing and reads math.MinInt64. Observe is a compare-and-swap loop that
// returns at once when the value is not larger, so a Max that has settled
// costs one load per Observe. Every operation is linearizable; it costs 8
// bytes.
type Max struct {
	_ noCopy
	// u holds the value with its sign bit flipped, so that unsigned order
	// matches signed order and the zero word means "nothing observed"
	// (math.MinInt64).
	u atomic.Uint64
}

const signBit = 1 << 63

// Observe records v.
func (m *Max) Observe(v int64) { raise(&m.u, uint64(v)^signBit) }

// Load returns the largest value observed, or math.MinInt64 if none.
func (m *Max) Load() int64 { return int64(m.u.Load() ^ signBit) }

// Drain returns the largest value observed since the last Drain (or
// math.MinInt64 if none) and forgets it in one atomic step: the largest of
// all drains and the final Load is the largest value ever observed.
func (m *Max) Drain() int64 { return int64(m.u.Swap(0) ^ signBit) }

// A Min keeps the smallest int64 observed. The zero value has observed
// nothing and reads math.MaxInt64. Its contract mirrors Max.
type Min struct {
	_ noCopy
	// u holds the bitwise complement of the sign-flipped value, so that the
	// smallest value is the largest word and the zero word means
	// math.MaxInt64.
	u atomic.Uint64
}

// Observe records v.
func (m *Min) Observe(v int64) { raise(&m.u, ^(uint64(v) ^ signBit)) }

// Load returns the smallest value observed, or math.MaxInt64 if none.
func (m *Min) Load() int64 { return int64(^m.u.Load() ^ signBit) }

// Drain returns the smallest value observed since the last Drain (or
// math.MaxInt64 if none) and forgets it in one atomic step.
func (m *Min) Drain() int64 { return int64(^m.u.Swap(0) ^ signBit) }

// raise stores x in u if it is larger than the word there.
func raise(u *atomic.Uint64, x uint64) {
	for {
		old := u.Load()
		if x <= old || u.CompareAndSwap(old, x) {
			return
		}
	}
}
