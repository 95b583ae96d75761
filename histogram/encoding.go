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
const encodingVersion = 1

// errCorrupt is wrapped by every decoding error.
var errCorrupt = errors.New("histogram: malformed encoding")

// AppendBinary appends the snapshot's binary encoding to b. The error is
// always nil: every count is at most MaxCount, which the encoding carries.
func (s *Snapshot) AppendBinary(b []byte) ([]byte, error) {
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

// UnmarshalBinary decodes data into s. It returns an error, and leaves s
// unchanged, for any input that is not a complete, consistent encoding:
// truncation, trailing bytes, an unknown version, a scale or zero threshold
// out of range, buckets outside the scale's range, counts whose total
// overflows or goes below zero, a min and max that do not fit the count, or a
// varint that is not in its shortest form (so every snapshot has exactly one
// encoding).
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
	if d.err == nil && !(out.zeroThr >= MinValue && out.zeroThr <= MaxValue) {
		return fmt.Errorf("%w: zero threshold %v out of range", errCorrupt, out.zeroThr)
	}
	out.zero = d.uvarint()
	out.sum, out.min, out.max = d.float(), d.float(), d.float()
	out.nan, out.inf = d.uvarint(), d.uvarint()
	lo, hi := minIndex(out.scale), maxIndex(out.scale)
	for _, run := range []*Buckets{&out.pos, &out.neg} {
		off, n := d.varint(), d.uvarint()
		if d.err != nil {
			break
		}
		if n > uint64(hi-lo+1) || off < int64(lo) || off > int64(hi)-int64(n)+1 {
			return fmt.Errorf("%w: %d buckets at offset %d outside [%d, %d]", errCorrupt, n, off, lo, hi)
		}
		if n > uint64(len(d.b)) { // every count takes at least one byte
			return fmt.Errorf("%w: %d counts in %d bytes", errCorrupt, n, len(d.b))
		}
		run.Offset = int(off)
		if n > 0 {
			run.Counts = make([]uint64, n)
		}
		var prev uint64
		for k := range run.Counts {
			delta := d.varint()
			c := prev + uint64(delta)
			if d.err == nil && (delta < 0 && c > prev || delta > 0 && c < prev) {
				return fmt.Errorf("%w: bucket count out of range", errCorrupt)
			}
			run.Counts[k], prev = c, c
		}
	}
	if d.err != nil {
		return d.err
	}
	if len(d.b) != 0 {
		return fmt.Errorf("%w: %d trailing bytes", errCorrupt, len(d.b))
	}
	out.setCount()
	count := out.count
	if count == 0 && !(math.IsNaN(out.min) && math.IsNaN(out.max)) {
		return fmt.Errorf("%w: min/max %v/%v without observations", errCorrupt, out.min, out.max)
	}
	if count > 0 && !(out.min <= out.max) {
		return fmt.Errorf("%w: min %v, max %v", errCorrupt, out.min, out.max)
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
