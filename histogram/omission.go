package histogram

import (
	"math"
	"sync/atomic"
	"time"
)

// ObserveWithExpected records v, corrected for coordinated omission the way
// HdrHistogram's RecordValueWithExpectedInterval is: when a load generator
// that means to send a request every expected units waits v > expected for a
// response, the requests it failed to send meanwhile would have seen
// v-expected, v-2·expected, … down to expected. Those values are recorded
// too. They are added bucket by bucket, in time proportional to the number of
// buckets they span, however many there are. With expected ≤ 0 or NaN, or v
// ≤ expected, only v is recorded. A bucket's count stops at MaxCount.
func (h *Histogram) ObserveWithExpected(v, expected float64) {
	if !(expected > 0) || !(v > expected) || math.IsInf(v, 0) || v > MaxValue {
		h.Observe(v)
		return
	}
	h.Observe(v)
	s := &h.first
	if ss := h.shards.Load(); ss != nil {
		s, _ = h.pick(ss)
	}
	s.addFloat(h.series(s, v, expected))
}

// ObserveDurationWithExpected is ObserveWithExpected for durations, in the
// histogram's duration unit.
func (h *Histogram) ObserveDurationWithExpected(d, expected time.Duration) {
	h.ObserveWithExpected(float64(d)/h.durUnit, float64(expected)/h.durUnit)
}

// series records x_k = v - k·e for k = 1, 2, … while x_k ≥ e, one bucket at a
// time, and returns their sum. The smallest value's extremes go first, as
// observe records an extreme before its bucket. The counting is in int64, so
// that 32-bit platforms count as far as 64-bit ones, and a bucket's counter
// saturates at MaxCount (a few hundred calls would wrap it otherwise).
func (h *Histogram) series(s *shard, v, e float64) (sum float64) {
	x := func(k int64) float64 { return v - float64(k)*e }
	ratio := math.Floor(v / e)
	saturated := !(ratio < 1<<62)
	if saturated { // records 2^62 values, the most an int64 counts safely here
		ratio = 1 << 62
	}
	last := int64(ratio) - 1 // the largest k with x_k ≥ e, adjusted below
	for last > 0 && x(last) < e {
		last--
	}
	for !saturated && last >= 0 && x(last+1) >= e {
		last++
	}
	if last >= 1 {
		s.extremes(key(math.Float64bits(x(last))), s.max.Load(), s.min.Load())
	}
	for k := int64(1); k <= last; {
		xk := x(k)
		bits := math.Float64bits(xk)
		// The run of k whose values share xk's bucket: x falls as k grows,
		// so it ends at the last k whose value is still above the bucket's
		// lower bound.
		var lo float64
		var b *atomic.Uint64
		if bits < h.zeroNext {
			lo, b = math.Inf(-1), &s.zero
		} else {
			i := index(bits, h.scale, h.m)
			lo, b = LowerBound(i, h.scale), s.pos.bucket(i-h.min, h.dirLen)
		}
		end := last
		if !math.IsInf(lo, -1) {
			if f := math.Ceil((v - lo) / e); f < float64(last) { // compared as floats: beyond int64 it is last
				end = int64(f)
			}
			for end > k && x(end) <= lo {
				end--
			}
			for end < last && x(end+1) > lo {
				end++
			}
		}
		c := end - k + 1
		addCount(b, uint64(c))
		// Σ_{j=k}^{end} (v - j·e) = c·v - e·(k+end)·c/2
		sum += float64(c)*v - e*float64(k+end)*float64(c)/2
		k = end + 1
	}
	return sum
}
