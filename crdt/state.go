package crdt

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Kind says which counter a State belongs to.
type Kind uint8

const (
	// G is a grow-only counter (GCounter): entries have P only.
	G Kind = 1
	// PN is a positive-negative counter (PNCounter): entries have P and N.
	PN Kind = 2
)

// String returns "g" or "pn", the names the JSON encoding uses.
func (k Kind) String() string {
	switch k {
	case G:
		return "g"
	case PN:
		return "pn"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// MaxNodeLen is the longest node ID, in bytes.
const MaxNodeLen = 255

// A Cursor is a position in one replica's history of changes: the epoch names
// the replica's incarnation (a fresh random number each time a replica is
// made) and the version counts the changes it has made since. DeltaSince
// returns what changed after a cursor; a cursor from another incarnation, or
// the zero Cursor, gets the full state.
type Cursor struct {
	Epoch   uint64
	Version uint64
}

// An Entry is one node's slot in a counter: P counts its increments and N its
// decrements (always 0 in a G state). Both only grow.
type Entry struct {
	Node string
	P, N uint64
}

// A Tombstone records that Heir folded Node's entry, as it knew it, into its
// own: P and N are the totals it folded (N is 0 in a G state). From then on
// Node's entry counts only by what exceeds them, so old copies of Node's
// state that arrive later count nothing twice, and adds of Node that Heir
// never saw (a node evicted while alive, or whose last adds reached other
// replicas) still count once.
type Tombstone struct {
	Node string
	Heir string
	P, N uint64
}

// A State is a serialisable piece of a counter replica: the full state, a
// delta (only what changed after a Cursor), or the handoff a retiring node
// gives its heir. Merging a State into any replica of the same counter is
// idempotent, commutative and associative, so States may be delivered
// duplicated, reordered and through any number of hops.
//
// A State is a plain value: it shares no memory with the replica that made it
// and may be kept, sent and merged any number of times.
type State struct {
	Kind Kind
	// Node is the replica that produced the state.
	Node string
	// Cursor is the producer's position after this state: pass it to the
	// producer's DeltaSince next time, once the state has been merged.
	Cursor Cursor
	// Entries, sorted by Node, at most one per node.
	Entries []Entry
	// Retired, sorted by Node, at most one per node. A node with both an
	// entry and a tombstone has an entry at least as high as the
	// tombstone's totals in both components and higher in one: the entry
	// counts by what exceeds them.
	Retired []Tombstone
	// Heir is set only in the handoff that Retire returns: Node has retired
	// and Heir is the one replica that may Absorb its entry.
	Heir string
}

// ErrInvalid is wrapped by every error that reports a malformed State or node
// ID, from Validate and from the decoders.
var ErrInvalid = errors.New("crdt: invalid state")

// ValidNode reports whether id is a usable node ID: 1 to MaxNodeLen bytes of
// valid UTF-8.
func ValidNode(id string) error {
	if id == "" {
		return fmt.Errorf("%w: empty node ID", ErrInvalid)
	}
	if len(id) > MaxNodeLen {
		return fmt.Errorf("%w: node ID of %d bytes (at most %d)", ErrInvalid, len(id), MaxNodeLen)
	}
	if !utf8.ValidString(id) {
		return fmt.Errorf("%w: node ID %q is not valid UTF-8", ErrInvalid, id)
	}
	return nil
}

// Validate checks the invariants a State must hold to be merged: a known kind,
// valid node IDs, entries and tombstones sorted and unique, the entry of a
// node with a tombstone above the tombstone's totals (see State.Retired), no
// N in a G state, and a handoff that carries exactly its node's entry and no
// tombstone of its node.
func (s *State) Validate() error {
	if s.Kind != G && s.Kind != PN {
		return fmt.Errorf("%w: unknown kind %d", ErrInvalid, s.Kind)
	}
	if err := ValidNode(s.Node); err != nil {
		return err
	}
	for i, e := range s.Entries {
		if err := ValidNode(e.Node); err != nil {
			return err
		}
		if i > 0 && s.Entries[i-1].Node >= e.Node {
			return fmt.Errorf("%w: entries not sorted and unique at %q", ErrInvalid, e.Node)
		}
		if s.Kind == G && e.N != 0 {
			return fmt.Errorf("%w: G state with N=%d for %q", ErrInvalid, e.N, e.Node)
		}
	}
	j := 0
	for i, t := range s.Retired {
		if err := ValidNode(t.Node); err != nil {
			return err
		}
		if err := ValidNode(t.Heir); err != nil {
			return fmt.Errorf("heir of %q: %w", t.Node, err)
		}
		if t.Heir == t.Node {
			return fmt.Errorf("%w: %q is its own heir", ErrInvalid, t.Node)
		}
		if i > 0 && s.Retired[i-1].Node >= t.Node {
			return fmt.Errorf("%w: tombstones not sorted and unique at %q", ErrInvalid, t.Node)
		}
		if s.Kind == G && t.N != 0 {
			return fmt.Errorf("%w: G state with N=%d in the tombstone of %q", ErrInvalid, t.N, t.Node)
		}
		if s.Heir != "" && t.Node == s.Node {
			return fmt.Errorf("%w: the handoff of %q carries its own tombstone", ErrInvalid, t.Node)
		}
		for j < len(s.Entries) && s.Entries[j].Node < t.Node {
			j++
		}
		if j < len(s.Entries) && s.Entries[j].Node == t.Node {
			e := s.Entries[j]
			if e.P < t.P || e.N < t.N || e.P == t.P && e.N == t.N {
				return fmt.Errorf("%w: the entry of %q (%d, %d) does not exceed its tombstone's (%d, %d)",
					ErrInvalid, t.Node, e.P, e.N, t.P, t.N)
			}
		}
	}
	if s.Heir != "" {
		if err := ValidNode(s.Heir); err != nil {
			return fmt.Errorf("heir: %w", err)
		}
		if s.Heir == s.Node {
			return fmt.Errorf("%w: %q hands off to itself", ErrInvalid, s.Node)
		}
		if len(s.Entries) != 1 || s.Entries[0].Node != s.Node {
			return fmt.Errorf("%w: a handoff carries exactly the entry of its node", ErrInvalid)
		}
	}
	return nil
}

// Value returns the counter's value as this State alone sees it: the sum of
// P minus the sum of N over its entries, less, for an entry whose node has a
// tombstone in the State, the tombstone's totals, wrapping on overflow. It
// is the replica's value for a full state, and a partial sum for a delta.
// It expects tombstones sorted by node, as Validate does.
func (s *State) Value() int64 {
	var v uint64
	for _, e := range s.Entries {
		v += e.P - e.N
		i, ok := slices.BinarySearchFunc(s.Retired, e.Node, func(t Tombstone, node string) int {
			return strings.Compare(t.Node, node)
		})
		if ok {
			v -= s.Retired[i].P - s.Retired[i].N
		}
	}
	return int64(v)
}
