package histogram

import (
	"fmt"
	"math"
	"math/big"
	"sync"
)

// The scales this package supports: the schemas Prometheus native
// histograms accept, which OpenTelemetry exponential histograms accept too.
const (
	MinScale     = -4
	MaxScale     = 8
	DefaultScale = 6 // the smallest scale whose relative error is within 1%
)

// The range of values that get a regular bucket. Values whose absolute value
// is at most MinValue go to the zero bucket (the default zero threshold);
// values above MaxValue, NaN and ±Inf are rejected: counted, not bucketed.
// At every supported scale both are bucket boundaries.
const (
	MinValue = 0x1p-64 // about 5.4e-20
	MaxValue = 0x1p64  // about 1.8e19
)

const (
	minExp = -64 // MinValue = 2^minExp
	maxExp = 64  // MaxValue = 2^maxExp
)

// RelativeError returns the bound on the relative error of a quantile (or
// any value) read from a histogram at the given scale: a bucket (l, u] is
// represented by 2lu/(l+u), which is within (γ-1)/(γ+1) of every value in the
// bucket, where γ = 2^(2^-scale) is the ratio of its bounds.
func RelativeError(scale int) float64 {
	g := math.Exp2(math.Exp2(float64(-scale)))
	return (g - 1) / (g + 1)
}

// checkScale returns an error if scale is not supported.
func checkScale(scale int) error {
	if scale < MinScale || scale > MaxScale {
		return fmt.Errorf("histogram: scale %d out of range [%d, %d]", scale, MinScale, MaxScale)
	}
	return nil
}

// minIndex and maxIndex are the bucket indices of (MinValue, …] and
// (…, MaxValue] at a scale.
func minIndex(scale int) int { return shiftIndex(minExp, scale) }
func maxIndex(scale int) int { return shiftIndex(maxExp, scale) - 1 }

// shiftIndex returns e·2^scale, rounded down for negative scales: the index of
// the bucket whose lower bound is 2^e when 2^e is a boundary.
func shiftIndex(e, scale int) int {
	if scale >= 0 {
		return e << scale
	}
	return e >> -scale
}

// mapping is the O(1) index table for one positive scale. Within an octave
// [1, 2) the bucket boundaries are b_k = 2^(k/2^scale); in terms of the
// 52-bit mantissa m of a float in the octave they are mb[k]. The table cuts
// the mantissa range into 2^(scale+1) equal slots, each narrower than the
// narrowest bucket, so a slot holds at most one boundary. Each entry packs
// the number of boundaries below the slot's start (low 12 bits) with the
// mantissa of the boundary inside the slot (the high 52 bits; all ones if
// there is none, which no mantissa exceeds). A value's position in the
// octave is then one load and one comparison.
type mapping struct {
	shift uint                        // 52 - (scale+1): mantissa bits below the slot number
	slots [1 << (MaxScale + 1)]uint64 // fixed size, so indexing needs no bounds check
}

const (
	belowBits = 12
	noBound   = 1<<52 - 1
)

var mappings [MaxScale + 1]struct {
	once sync.Once
	m    *mapping
}

// mappingFor returns the table for scale (1..MaxScale), building it once.
func mappingFor(scale int) *mapping {
	e := &mappings[scale]
	e.once.Do(func() { e.m = buildMapping(scale) })
	return e.m
}

func buildMapping(scale int) *mapping {
	n := 1 << scale // boundaries per octave: b_0 = 1 … b_{n-1}
	bits := uint(scale + 1)
	m := &mapping{shift: 52 - bits}
	mb := boundaryMantissas(scale)
	for slot := range 1 << bits {
		start := uint64(slot) << m.shift
		end := start + 1<<m.shift
		in := uint64(noBound)
		below := uint64(0)
		for k := 0; k < n; k++ {
			switch {
			case mb[k] < start:
				below++
			case mb[k] < end:
				if in != noBound {
					panic(fmt.Sprintf("histogram: two boundaries in one slot at scale %d", scale))
				}
				in = mb[k]
			}
		}
		m.slots[slot] = in<<belowBits | below
	}
	return m
}

// boundaryMantissas returns the 52-bit mantissas of the boundaries
// b_k = 2^(k/2^scale), k = 0 … 2^scale-1, each rounded down to float64 (the
// largest float not above it): computed as scale successive square roots of
// 2^k in 128-bit precision. For k > 0 the true boundary is irrational, so a
// float v is at most the rounded-down boundary exactly when it is at most
// the true one: the bucket of every float is the one real arithmetic gives.
// (client_golang's native-histogram bounds are these same floats.)
func boundaryMantissas(scale int) []uint64 {
	n := 1 << scale
	out := make([]uint64, n)
	for k := range n {
		// SetMantExp takes the precision of its argument, so set 128 bits
		// after it.
		x := new(big.Float).SetMantExp(big.NewFloat(1), k).SetPrec(128) // 2^k
		for range scale {
			x.Sqrt(x)
		}
		// Round to 53 bits toward zero; Float64 then converts exactly.
		f, _ := new(big.Float).SetPrec(53).SetMode(big.ToZero).Set(x).Float64()
		out[k] = math.Float64bits(f) & (1<<52 - 1)
	}
	return out
}

// Index returns the bucket index of v at scale: the i with
// 2^(i·2^-scale) < |v| ≤ 2^((i+1)·2^-scale). It is meant for values with
// MinValue < |v| ≤ MaxValue; outside that range the result is the index the
// formula gives, which a Histogram never stores. Index costs a few
// nanoseconds: the exponent from the float's bits and, for positive scales, a
// table lookup and one comparison. It panics if scale is out of range.
func Index(v float64, scale int) int {
	if err := checkScale(scale); err != nil {
		panic(err)
	}
	var m *mapping
	if scale > 0 {
		m = mappingFor(scale)
	}
	return index(math.Float64bits(v)&^(1<<63), scale, m)
}

// index is Index on the bits of |v| (a positive normal float) with the
// scale's table already fetched (nil for scale ≤ 0).
func index(bits uint64, scale int, m *mapping) int {
	var shift uint
	if m != nil {
		shift = m.shift
	}
	return indexShift(bits, scale, m, shift)
}

// indexShift is index with m.shift passed in, so that a caller that keeps
// it beside m loads both at once instead of one after the other.
func indexShift(bits uint64, scale int, m *mapping, shift uint) int {
	exp := int(bits>>52) - 1023
	mant := bits & (1<<52 - 1)
	if m == nil {
		// Octave index: exp-1 for an exact power of two, exp otherwise.
		i := exp
		if mant == 0 {
			i--
		}
		return i >> -scale
	}
	e := m.slots[(mant>>shift)&uint64(len(m.slots)-1)]
	// One more when mant is above the slot's boundary, without a branch:
	// for latencies that comparison goes either way at random, and a
	// mispredicted branch costs more than the rest of the index. Both are
	// below 2^52, so boundary - mant wraps, setting the top bit, exactly
	// when mant is larger.
	j := int(e&(1<<belowBits-1)) + int((e>>belowBits-mant)>>63)
	return exp<<scale + j - 1
}

// LowerBound returns the exclusive lower bound of bucket i at scale:
// 2^(i·2^-scale), rounded down to a float64. A float v is in bucket i exactly
// when LowerBound(i) < v ≤ UpperBound(i), which is exactly when
// 2^(i·2^-scale) < v ≤ 2^((i+1)·2^-scale) in real arithmetic.
func LowerBound(i, scale int) float64 {
	if scale <= 0 {
		return math.Ldexp(1, i<<-scale)
	}
	n := 1 << scale
	exp, k := i>>scale, i&(n-1) // floor division, so k ≥ 0
	mb := mappingBoundary(scale, k)
	return math.Ldexp(math.Float64frombits(1023<<52|mb), exp)
}

// UpperBound returns the inclusive upper bound of bucket i: LowerBound(i+1).
func UpperBound(i, scale int) float64 { return LowerBound(i+1, scale) }

var boundaryCache [MaxScale + 1]struct {
	once sync.Once
	mb   []uint64
}

func mappingBoundary(scale, k int) uint64 {
	e := &boundaryCache[scale]
	e.once.Do(func() { e.mb = boundaryMantissas(scale) })
	return e.mb[k]
}
