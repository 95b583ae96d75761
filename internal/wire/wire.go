// Package wire reads and writes the varint-based binary forms of Abacus's
// distributed types strictly: shortest varints only, lengths and counts
// checked against the bytes left, the first error kept.
package wire

import (
	"encoding/binary"
	"fmt"
)

// AppendString appends len(s) as a uvarint and then s.
func AppendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// A Decoder reads from B, keeping the first error in Err (wrapping the
// sentinel Invalid) and returning zero values after it.
type Decoder struct {
	B       []byte
	Err     error
	Invalid error
}

// Fail records an error, if none yet, and empties the input.
func (d *Decoder) Fail(format string, args ...any) {
	if d.Err == nil {
		err := fmt.Errorf(format, args...)
		if d.Invalid != nil {
			err = fmt.Errorf("%w: %w", d.Invalid, err)
		}
		d.Err = err
	}
	d.B = nil
}

// Uvarint reads a shortest-form unsigned varint.
func (d *Decoder) Uvarint(what string) uint64 { return d.uvarint(what, "") }

// uvarint reads a varint described as what followed by suffix; the two are
// joined only in an error message, so that decoding allocates nothing.
func (d *Decoder) uvarint(what, suffix string) uint64 {
	if d.Err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.B)
	switch {
	case n == 0:
		d.Fail("truncated %s%s", what, suffix)
	case n < 0:
		d.Fail("%s%s overflows 64 bits", what, suffix)
	case n != UvarintLen(v):
		d.Fail("%s%s is not a shortest varint", what, suffix)
	default:
		d.B = d.B[n:]
	}
	return v
}

// Byte reads one byte.
func (d *Decoder) Byte(what string) byte {
	if d.Err != nil {
		return 0
	}
	if len(d.B) == 0 {
		d.Fail("truncated %s", what)
		return 0
	}
	c := d.B[0]
	d.B = d.B[1:]
	return c
}

// Bytes reads a uvarint length, at most max, and that many bytes (aliasing
// the input).
func (d *Decoder) Bytes(what string, max int) []byte {
	n := d.uvarint(what, " length")
	if d.Err != nil {
		return nil
	}
	if n > uint64(max) || n > uint64(len(d.B)) {
		d.Fail("%s of %d bytes (%d left, at most %d)", what, n, len(d.B), max)
		return nil
	}
	b := d.B[:n]
	d.B = d.B[n:]
	return b
}

// String reads a string of at most max bytes.
func (d *Decoder) String(what string, max int) string { return string(d.Bytes(what, max)) }

// Count reads a count of items that take at least min bytes each, and
// rejects counts the remaining input cannot hold.
func (d *Decoder) Count(what string, min int) int {
	n := d.uvarint(what, " count")
	if d.Err != nil {
		return 0
	}
	if n > uint64(len(d.B)/min) {
		d.Fail("%d %s cannot fit in %d bytes", n, what, len(d.B))
		return 0
	}
	return int(n)
}

// End returns Err, or an error if bytes are left over.
func (d *Decoder) End() error {
	if d.Err == nil && len(d.B) != 0 {
		d.Fail("%d trailing bytes", len(d.B))
	}
	return d.Err
}

// UvarintLen returns the length of v's shortest uvarint form.
func UvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}
