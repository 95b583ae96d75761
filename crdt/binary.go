package crdt

import (
	"encoding/binary"
	"fmt"

	"github.com/abacusgo/abacus/internal/wire"
)

// The binary form of a State, version 2. Integers are unsigned varints in
// their shortest form; a string is its length as a varint, then its bytes.
//
//	"AC" 0x02 kind
//	node heir epoch version      (heir is "" except in a handoff)
//	count, then per entry:      node P [N, only in a PN state]
//	count, then per tombstone:  node heir P [N, only in a PN state]
//
// Version 1, whose tombstones had no totals, is not accepted: its
// tombstones cannot say how much of an entry their heir holds.
const (
	binaryMagic0  = 'A'
	binaryMagic1  = 'C'
	binaryVersion = 2
)

// AppendBinary appends the binary form of s to b. It returns b unchanged and
// an error wrapping ErrInvalid if s does not pass Validate.
func (s *State) AppendBinary(b []byte) ([]byte, error) {
	if err := s.Validate(); err != nil {
		return b, err
	}
	b = append(b, binaryMagic0, binaryMagic1, binaryVersion, byte(s.Kind))
	b = wire.AppendString(b, s.Node)
	b = wire.AppendString(b, s.Heir)
	b = binary.AppendUvarint(b, s.Cursor.Epoch)
	b = binary.AppendUvarint(b, s.Cursor.Version)
	b = binary.AppendUvarint(b, uint64(len(s.Entries)))
	for _, e := range s.Entries {
		b = wire.AppendString(b, e.Node)
		b = binary.AppendUvarint(b, e.P)
		if s.Kind == PN {
			b = binary.AppendUvarint(b, e.N)
		}
	}
	b = binary.AppendUvarint(b, uint64(len(s.Retired)))
	for _, t := range s.Retired {
		b = wire.AppendString(b, t.Node)
		b = wire.AppendString(b, t.Heir)
		b = binary.AppendUvarint(b, t.P)
		if s.Kind == PN {
			b = binary.AppendUvarint(b, t.N)
		}
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
	if len(data) < 4 || data[0] != binaryMagic0 || data[1] != binaryMagic1 {
		return fmt.Errorf("%w: not a binary crdt state", ErrInvalid)
	}
	if data[2] != binaryVersion {
		return fmt.Errorf("%w: binary format version %d (want %d)", ErrInvalid, data[2], binaryVersion)
	}
	var out State
	out.Kind = Kind(data[3])
	d := wire.Decoder{B: data[4:], Invalid: ErrInvalid}
	out.Node = d.String("node", MaxNodeLen)
	out.Heir = d.String("heir", MaxNodeLen)
	out.Cursor.Epoch = d.Uvarint("epoch")
	out.Cursor.Version = d.Uvarint("version")
	perEntry := 3 // shortest entry: 1-byte length, 1-byte node, 1-byte P
	if out.Kind == PN {
		perEntry = 4
	}
	if n := d.Count("entries", perEntry); n > 0 {
		out.Entries = make([]Entry, n)
		for i := range out.Entries {
			e := &out.Entries[i]
			e.Node = d.String("entry node", MaxNodeLen)
			e.P = d.Uvarint("P")
			if out.Kind == PN {
				e.N = d.Uvarint("N")
			}
		}
	}
	if n := d.Count("tombstones", perEntry+2); n > 0 { // an entry's fields and a 1-byte heir
		out.Retired = make([]Tombstone, n)
		for i := range out.Retired {
			t := &out.Retired[i]
			t.Node = d.String("tombstone node", MaxNodeLen)
			t.Heir = d.String("tombstone heir", MaxNodeLen)
			t.P = d.Uvarint("tombstone P")
			if out.Kind == PN {
				t.N = d.Uvarint("tombstone N")
			}
		}
	}
	if err := d.End(); err != nil {
		return err
	}
	if err := out.Validate(); err != nil {
		return err
	}
	*s = out
	return nil
}
