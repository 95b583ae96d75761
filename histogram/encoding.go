package histogram

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// The binary encoding of a Snapshot, version 1, all integers varints:
//
//	byte     version (1)
//	varint   scale
//	8 bytes  zero threshold (float64 bits, little endian)
//	uvarint  zero count
//	8 bytes  sum, min, max (float64 bits each; min and max NaN when empty)
//	uvarint  NaN count, Inf count
//	twice (positive, then negative buckets):
//	  varint   offset
//	  uvarint  number of counts n
//	  n × varint  each count minus the one before it (the first: itself)
//
// Neighbouring buckets hold similar counts, so the deltas are small: a
// 1,100-bucket latency histogram of 100,000 observations encodes in about
// 1.2 KB.
//
// The encoding is canonical: every snapshot has exactly one, the one
// AppendBinary writes, and UnmarshalBinary accepts exactly those. An
// encoding is canonical when
//
//   - every varint is in its shortest form and nothing follows the
//     negative buckets;
//   - the scale is in [MinScale, MaxScale] and the zero threshold is a
//     bucket boundary at that scale in [MinValue, MaxValue] (the threshold
//     New and Merge raise any other to);
//   - every count (zero, NaN, Inf and each bucket's) is at most MaxCount;
//   - the sum is finite and not -0 (no sum of observations is);
//   - each run of buckets is either empty, with the offset of the scale's
//     lowest bucket (the one just above MinValue), or starts and ends with
//     a non-zero count, lies within the scale's bucket range and above the
//     zero threshold (a bucket at or below it belongs to the zero bucket);
//   - with no observations bucketed, min and max are both math.NaN() (that
//     bit pattern); with some, min lies in the lowest non-empty bucket, max
//     in the highest, and min ≤ max.
//
// So decoding an encoding and encoding the result gives the same bytes,
// and encoding a snapshot and decoding the result gives the same snapshot.
// Empty snapshots of one scale and zero threshold encode alike, however
// they were made (New, Interval, Merge, Downscale, a Window or the zero
// Snapshot), unless they differ in their sum or rejected counts.
const encodingVersion = 1

// errCorrupt is wrapped by every decoding error.
var errCorrupt = errors.New("histogram: malformed encoding")

// AppendBinary appends the snapshot's binary encoding to b. The error is
// always nil: every count is at most MaxCount, which the encoding carries.
func (s *Snapshot) AppendBinary(b []byte) ([]byte, error) {
	s = s.orEmpty()
	b = append(b, encodingVersion)
	b = binary.AppendVarint(b, int64(s.scale))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(s.zeroThr))
	b = binary.AppendUvarint(b, s.zero)
	for _, f := range []float64{s.sum, s.min, s.max} {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(f))
	}
	b = binary.AppendUvarint(b, s.nan)
	b = binary.AppendUvarint(b, s.inf)
	for _, run := range []Buckets{s.pos, s.neg} {
		b = binary.AppendVarint(b, int64(run.Offset))
		b = binary.AppendUvarint(b, uint64(len(run.Counts)))
		var prev uint64
		for _, c := range run.Counts {
			b = binary.AppendVarint(b, int64(c-prev))
			prev = c
		}
	}
	return b, nil
}

// MarshalBinary returns the snapshot's binary encoding.
func (s *Snapshot) MarshalBinary() ([]byte, error) { return s.AppendBinary(nil) }

// UnmarshalBinary decodes data into s. It returns an error wrapping one
// error value, and leaves s unchanged, for any input that is not a
// canonical encoding (see the encoding's description above): truncated,
// trailing bytes, an unknown version, a varint not in its shortest form, a
// scale out of range, a zero threshold that is not a boundary in range, a
// count above MaxCount, a sum that is NaN, infinite or -0, a run of buckets
// that is not trimmed, outside the scale's range or inside the zero bucket,
// or extremes that do not lie in the extreme buckets, in order, or are not
// the NaN an empty snapshot has.
func (s *Snapshot) UnmarshalBinary(data []byte) error {
	d := decoder{b: data}
	if v := d.byte(); d.err == nil && v != encodingVersion {
		return fmt.Errorf("%w: version %d, want %d", errCorrupt, v, encodingVersion)
	}
	var out Snapshot
	scale := d.varint()
	if d.err == nil && (scale < MinScale || scale > MaxScale) {
		return fmt.Errorf("%w: scale %d out of range", errCorrupt, scale)
	}
	out.scale = int(scale)
	out.zeroThr = d.float()
	if d.err == nil && !(out.zeroThr >= MinValue && out.zeroThr <= MaxValue &&
		snapZeroThreshold(out.zeroThr, out.scale) == out.zeroThr) {
		return fmt.Errorf("%w: zero threshold %v is not a bucket boundary in [%v, %v] at scale %d",
			errCorrupt, out.zeroThr, MinValue, MaxValue, out.scale)
	}
	out.zero = d.count()
	out.sum, out.min, out.max = d.float(), d.float(), d.float()
	if d.err == nil && (math.IsNaN(out.sum) || math.IsInf(out.sum, 0) || math.Float64bits(out.sum) == 1<<63) {
		return fmt.Errorf("%w: sum %v", errCorrupt, out.sum)
	}
	out.nan, out.inf = d.count(), d.count()
	// Regular buckets lie within the scale's range and above the zero
	// threshold.
	lo, hi := minIndex(out.scale), maxIndex(out.scale)
	if d.err == nil {
		lo = max(lo, Index(out.zeroThr, out.scale)+1)
	}
	for _, run := range []*Buckets{&out.pos, &out.neg} {
		off, n := d.varint(), d.uvarint()
		if d.err != nil {
			break
		}
		if n == 0 {
			if off != int64(minIndex(out.scale)) {
				return fmt.Errorf("%w: an empty run of buckets at offset %d, not %d", errCorrupt, off, minIndex(out.scale))
			}
			run.Offset = int(off)
			continue
		}
		if lo > hi || n > uint64(hi-lo+1) || off < int64(lo) || off > int64(hi)-int64(n)+1 {
			return fmt.Errorf("%w: %d buckets at offset %d outside [%d, %d]", errCorrupt, n, off, lo, hi)
		}
		if n > uint64(len(d.b)) { // every count takes at least one byte
			return fmt.Errorf("%w: %d counts in %d bytes", errCorrupt, n, len(d.b))
		}
		run.Offset = int(off)
		run.Counts = make([]uint64, n)
		var prev uint64
		for k := range run.Counts {
			delta := d.varint()
			switch {
			case d.err != nil:
				return d.err
			case delta >= 0 && uint64(delta) <= MaxCount-prev:
				prev += uint64(delta)
			case delta < 0 && uint64(-delta) <= prev: // -MinInt64 is 2^63 > prev
				prev -= uint64(-delta)
			default:
				return fmt.Errorf("%w: a bucket count out of [0, MaxCount]", errCorrupt)
			}
			run.Counts[k] = prev
		}
		if run.Counts[0] == 0 || run.Counts[n-1] == 0 {
			return fmt.Errorf("%w: a run of buckets with an empty bucket at an end", errCorrupt)
		}
	}
	if d.err != nil {
		return d.err
	}
	if len(d.b) != 0 {
		return fmt.Errorf("%w: %d trailing bytes", errCorrupt, len(d.b))
	}
	out.finish()
	if out.count == 0 {
		if nan := math.Float64bits(math.NaN()); math.Float64bits(out.min) != nan || math.Float64bits(out.max) != nan {
			return fmt.Errorf("%w: min/max %v/%v without observations", errCorrupt, out.min, out.max)
		}
	} else if l, h := out.extremeBuckets(); !l.contains(out.min) || !h.contains(out.max) || !(out.min <= out.max) {
		return fmt.Errorf("%w: min %v, max %v outside the extreme buckets [%v, %v] and [%v, %v], or out of order",
			errCorrupt, out.min, out.max, l.lo, l.hi, h.lo, h.hi)
	}
	*s = out
	return nil
}

// decoder reads varints and floats, remembering the first error.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: truncated or bad %s", errCorrupt, what)
	}
}

func (d *decoder) byte() byte {
	if d.err != nil || len(d.b) == 0 {
		d.fail("version")
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 || (n > 1 && d.b[n-1] == 0) { // overflow, truncation, or not minimal
		d.fail("unsigned varint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

// count reads a uvarint count, at most MaxCount.
func (d *decoder) count() uint64 {
	c := d.uvarint()
	if d.err == nil && c > MaxCount {
		d.err = fmt.Errorf("%w: count %d above MaxCount", errCorrupt, c)
	}
	return c
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 || (n > 1 && d.b[n-1] == 0) {
		d.fail("varint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) float() float64 {
	if d.err != nil || len(d.b) < 8 {
		d.fail("float")
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(d.b))
	d.b = d.b[8:]
	return v
}
