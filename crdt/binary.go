package crdt

import (
	"encoding/binary"
	"fmt"
)

// The binary form of a State, version 1. Integers are unsigned varints in
// their shortest form; a string is its length as a varint, then its bytes.
//
//	"AC" 0x01 kind
//	node heir epoch version      (heir is "" except in a handoff)
//	count, then per entry:      node P [N, only in a PN state]
//	count, then per tombstone:  node heir
const (
	binaryMagic0  = 'A'
	binaryMagic1  = 'C'
	binaryVersion = 1
)

// AppendBinary appends the binary form of s to b. It returns b unchanged and
// an error wrapping ErrInvalid if s does not pass Validate.
func (s *State) AppendBinary(b []byte) ([]byte, error) {
	if err := s.Validate(); err != nil {
		return b, err
	}
	b = append(b, binaryMagic0, binaryMagic1, binaryVersion, byte(s.Kind))
	b = appendString(b, s.Node)
	b = appendString(b, s.Heir)
	b = binary.AppendUvarint(b, s.Cursor.Epoch)
	b = binary.AppendUvarint(b, s.Cursor.Version)
	b = binary.AppendUvarint(b, uint64(len(s.Entries)))
	for _, e := range s.Entries {
		b = appendString(b, e.Node)
		b = binary.AppendUvarint(b, e.P)
		if s.Kind == PN {
			b = binary.AppendUvarint(b, e.N)
		}
	}
	b = binary.AppendUvarint(b, uint64(len(s.Retired)))
	for _, t := range s.Retired {
		b = appendString(b, t.Node)
		b = appendString(b, t.Heir)
	}
	return b, nil
}

// MarshalBinary returns the binary form of s, or an error wrapping ErrInvalid
// if s does not pass Validate.
func (s *State) MarshalBinary() ([]byte, error) { return s.AppendBinary(nil) }

// UnmarshalBinary decodes the binary form into s. It accepts exactly what
// MarshalBinary produces (one encoding per State) and returns an error
// wrapping ErrInvalid for anything else, leaving s unchanged.
func (s *State) UnmarshalBinary(data []byte) error {
	d := decoder{b: data}
	if len(data) < 4 || data[0] != binaryMagic0 || data[1] != binaryMagic1 {
		return fmt.Errorf("%w: not a binary crdt state", ErrInvalid)
	}
	if data[2] != binaryVersion {
		return fmt.Errorf("%w: binary format version %d (want %d)", ErrInvalid, data[2], binaryVersion)
	}
	var out State
	out.Kind = Kind(data[3])
	d.b = data[4:]
	out.Node = d.string("node")
	out.Heir = d.string("heir")
	out.Cursor.Epoch = d.uvarint("epoch")
	out.Cursor.Version = d.uvarint("version")
	perEntry := 3 // shortest entry: 1-byte length, 1-byte node, 1-byte P
	if out.Kind == PN {
		perEntry = 4
	}
	if n := d.count("entries", perEntry); n > 0 {
		out.Entries = make([]Entry, n)
		for i := range out.Entries {
			e := &out.Entries[i]
			e.Node = d.string("entry node")
			e.P = d.uvarint("P")
			if out.Kind == PN {
				e.N = d.uvarint("N")
			}
		}
	}
	if n := d.count("tombstones", 4); n > 0 {
		out.Retired = make([]Tombstone, n)
		for i := range out.Retired {
			out.Retired[i].Node = d.string("tombstone node")
			out.Retired[i].Heir = d.string("tombstone heir")
		}
	}
	if d.err != nil {
		return d.err
	}
	if len(d.b) != 0 {
		return fmt.Errorf("%w: %d trailing bytes", ErrInvalid, len(d.b))
	}
	if err := out.Validate(); err != nil {
		return err
	}
	*s = out
	return nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// decoder reads varints and strings, keeping the first error.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
	}
	d.b = nil
}

func (d *decoder) uvarint(what string) uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	switch {
	case n == 0:
		d.fail("truncated %s", what)
	case n < 0:
		d.fail("%s overflows 64 bits", what)
	case n != uvarintLen(v):
		d.fail("%s is not a shortest varint", what)
	default:
		d.b = d.b[n:]
	}
	return v
}

func (d *decoder) string(what string) string {
	n := d.uvarint(what + " length")
	if d.err != nil {
		return ""
	}
	if n > MaxNodeLen || n > uint64(len(d.b)) {
		d.fail("%s of %d bytes (%d left, at most %d)", what, n, len(d.b), MaxNodeLen)
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

// count reads a count of items that take at least min bytes each, and
// rejects counts the remaining input cannot hold.
func (d *decoder) count(what string, min int) int {
	n := d.uvarint(what + " count")
	if d.err != nil {
		return 0
	}
	if n > uint64(len(d.b)/min) {
		d.fail("%d %s cannot fit in %d bytes", n, what, len(d.b))
		return 0
	}
	return int(n)
}

func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}
