package abacustest

import (
	"errors"
	"fmt"
	"math"

	"github.com/abacusgo/abacus/histogram"
)

// CheckNative returns an error naming every way n is not a valid
// Prometheus native histogram: a schema outside -4…8, a negative or NaN
// zero threshold, spans whose lengths do not add up to the number of
// deltas, a span after the first with a negative offset, a bucket whose
// count (the running sum of the deltas) is negative, or a count that is not
// the zero count plus every bucket.
func CheckNative(n histogram.Native) error {
	var errs []error
	if n.Schema < histogram.MinScale || n.Schema > histogram.MaxScale {
		errs = append(errs, fmt.Errorf("schema %d outside %d…%d", n.Schema, histogram.MinScale, histogram.MaxScale))
	}
	if !(n.ZeroThreshold >= 0) || math.IsInf(n.ZeroThreshold, 0) {
		errs = append(errs, fmt.Errorf("zero threshold %v", n.ZeroThreshold))
	}
	total := n.ZeroCount
	for _, side := range []struct {
		name   string
		spans  []histogram.Span
		deltas []int64
	}{{"positive", n.PositiveSpans, n.PositiveDeltas}, {"negative", n.NegativeSpans, n.NegativeDeltas}} {
		var length uint32
		for i, s := range side.spans {
			if i > 0 && s.Offset < 0 {
				errs = append(errs, fmt.Errorf("%s span %d has offset %d", side.name, i, s.Offset))
			}
			length += s.Length
		}
		if int(length) != len(side.deltas) {
			errs = append(errs, fmt.Errorf("%s spans cover %d buckets but there are %d deltas", side.name, length, len(side.deltas)))
		}
		var c int64
		for i, d := range side.deltas {
			c += d
			if c < 0 {
				errs = append(errs, fmt.Errorf("%s bucket %d has count %d", side.name, i, c))
			}
			total += uint64(c)
		}
	}
	if total != n.Count {
		errs = append(errs, fmt.Errorf("count %d, but the zero bucket and the buckets hold %d", n.Count, total))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("abacustest: invalid native histogram: %w", err)
	}
	return nil
}
