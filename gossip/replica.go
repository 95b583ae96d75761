package gossip

import (
	"encoding"
	"errors"
	"fmt"

	"github.com/abacusgo/abacus/crdt"
	"github.com/abacusgo/abacus/presence"
)

// ErrMalformed is wrapped by the error a Replica's Merge returns for bytes
// that do not decode to a state; the handler answers such a push with 400.
var ErrMalformed = errors.New("gossip: malformed state")

// A Replica is what a Node syncs: one replica of a state-based CRDT that
// follows the delta protocol of package crdt. PNCounter, GCounter and
// Presence make one from the Abacus types, and Adapt from any type with
// the same shape.
//
// Its methods must be safe for concurrent use.
type Replica interface {
	// Delta returns the encoding of the changes after c: all of them for
	// the zero Cursor or for a Cursor of another incarnation.
	Delta(c crdt.Cursor) ([]byte, error)
	// Merge decodes data, merges it and returns the producer's cursor after
	// that state. It merges nothing, and returns an error wrapping
	// ErrMalformed, if data does not decode. Any other error means the
	// state was refused; the Node then keeps its cursor where it was.
	Merge(data []byte) (crdt.Cursor, error)
}

// PNCounter returns c as a Replica.
func PNCounter(c *crdt.PNCounter) Replica {
	return Adapt(c.DeltaSince, c.Merge, func(s *crdt.State) crdt.Cursor { return s.Cursor })
}

// GCounter returns c as a Replica.
func GCounter(c *crdt.GCounter) Replica {
	return Adapt(c.DeltaSince, c.Merge, func(s *crdt.State) crdt.Cursor { return s.Cursor })
}

// Presence returns t as a Replica.
func Presence(t *presence.Tracker) Replica {
	return Adapt(t.DeltaSince, t.Merge, func(s *presence.State) crdt.Cursor { return s.Cursor })
}

// Adapt makes a Replica of any type with the methods of the crdt protocol:
// deltaSince and merge are its DeltaSince and Merge, S is its State, which
// encodes with MarshalBinary and decodes with UnmarshalBinary (a strict
// decoder: what it accepts is what Merge gets), and cursor reads a State's
// Cursor.
func Adapt[S any, P interface {
	*S
	encoding.BinaryMarshaler
	encoding.BinaryUnmarshaler
}](deltaSince func(crdt.Cursor) S, merge func(S) error, cursor func(*S) crdt.Cursor) Replica {
	return adapter[S, P]{delta: deltaSince, merge: merge, cursor: cursor}
}

type adapter[S any, P interface {
	*S
	encoding.BinaryMarshaler
	encoding.BinaryUnmarshaler
}] struct {
	delta  func(crdt.Cursor) S
	merge  func(S) error
	cursor func(*S) crdt.Cursor
}

func (a adapter[S, P]) Delta(c crdt.Cursor) ([]byte, error) {
	s := a.delta(c)
	return P(&s).MarshalBinary()
}

func (a adapter[S, P]) Merge(data []byte) (crdt.Cursor, error) {
	var s S
	if err := P(&s).UnmarshalBinary(data); err != nil {
		return crdt.Cursor{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if err := a.merge(s); err != nil {
		return crdt.Cursor{}, err
	}
	return a.cursor(&s), nil
}
