package presence

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/abacusgo/abacus/crdt"
	"github.com/abacusgo/abacus/internal/wire"
)

// The binary form of a State, version 2 (varints in shortest form; strings
// as a varint length and bytes):
//
//	"AP" 0x02
//	node epoch version period-seconds clock-unix-nanos (0 for the zero time)
//	count, then per session: id user at-unix-nanos kind-byte
//	count, then per period:  start-unix-seconds sketch (as a length and crdt.HLL's binary form)
//
// Version 1 is the same without clock-unix-nanos.
const binaryVersion = 2

// MarshalBinary returns the binary form of s (version 2), or an error
// wrapping ErrInvalid if s does not pass Validate.
func (s *State) MarshalBinary() ([]byte, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	b := []byte{'A', 'P', binaryVersion}
	b = wire.AppendString(b, s.Node)
	b = binary.AppendUvarint(b, s.Cursor.Epoch)
	b = binary.AppendUvarint(b, s.Cursor.Version)
	b = binary.AppendUvarint(b, uint64(s.Period/time.Second))
	var clock uint64
	if !s.Clock.IsZero() {
		clock = uint64(s.Clock.UnixNano())
	}
	b = binary.AppendUvarint(b, clock)
	b = binary.AppendUvarint(b, uint64(len(s.Sessions)))
	for _, x := range s.Sessions {
		b = wire.AppendString(b, x.ID)
		b = wire.AppendString(b, x.User)
		b = binary.AppendUvarint(b, uint64(x.At.UnixNano()))
		b = append(b, byte(x.Kind))
	}
	b = binary.AppendUvarint(b, uint64(len(s.Periods)))
	for _, p := range s.Periods {
		b = binary.AppendUvarint(b, uint64(p.Start.Unix()))
		sk, err := p.Users.MarshalBinary()
		if err != nil {
			return nil, err
		}
		b = wire.AppendString(b, string(sk))
	}
	return b, nil
}

// UnmarshalBinary decodes the binary form, version 2 or 1, into s,
// returning an error wrapping ErrInvalid (and leaving s unchanged) for
// anything malformed or of another version. A state of version 1 decodes
// with a zero Clock.
func (s *State) UnmarshalBinary(data []byte) error {
	if len(data) < 3 || data[0] != 'A' || data[1] != 'P' {
		return fmt.Errorf("%w: not a binary presence state", ErrInvalid)
	}
	if data[2] != 1 && data[2] != binaryVersion {
		return fmt.Errorf("%w: binary format version %d (want 1 or %d)", ErrInvalid, data[2], binaryVersion)
	}
	d := wire.Decoder{B: data[3:], Invalid: ErrInvalid}
	var out State
	out.Node = d.String("node", crdt.MaxNodeLen)
	out.Cursor.Epoch = d.Uvarint("epoch")
	out.Cursor.Version = d.Uvarint("version")
	if sec := d.Uvarint("period"); sec <= uint64(24*time.Hour/time.Second) {
		out.Period = time.Duration(sec) * time.Second
	} else {
		d.Fail("period of %d seconds", sec)
	}
	if data[2] >= 2 {
		if clock := d.Uvarint("clock"); clock > 1<<63-1 {
			d.Fail("clock %d out of range", clock)
		} else if clock > 0 {
			out.Clock = time.Unix(0, int64(clock)).UTC()
		}
	}
	if n := d.Count("sessions", 6); n > 0 {
		out.Sessions = make([]Session, n)
		for i := range out.Sessions {
			x := &out.Sessions[i]
			x.ID = d.String("session ID", MaxIDLen)
			x.User = d.String("user ID", MaxIDLen)
			at := d.Uvarint("time")
			if at > 1<<63-1 {
				d.Fail("time %d out of range", at)
			}
			x.At = time.Unix(0, int64(at)).UTC()
			x.Kind = Kind(d.Byte("kind"))
		}
	}
	if n := d.Count("periods", 7); n > 0 {
		out.Periods = make([]Period, n)
		for i := range out.Periods {
			start := d.Uvarint("period start")
			if start > 1<<62 {
				d.Fail("period start %d out of range", start)
			}
			sk := d.Bytes("sketch", 5+1<<crdt.HLLPrecision)
			if d.Err != nil {
				break
			}
			users := new(crdt.HLL)
			if err := users.UnmarshalBinary(sk); err != nil {
				return fmt.Errorf("%w: period %d: %w", ErrInvalid, start, err)
			}
			out.Periods[i] = Period{Start: time.Unix(int64(start), 0).UTC(), Users: users}
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
