package crdt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// The JSON form of a State:
//
//	{"kind":"pn","node":"a","cursor":{"epoch":7,"version":3},
//	 "entries":[{"node":"a","p":5,"n":1}],"retired":[{"node":"x","heir":"a","p":2,"n":0}]}
//
// The state's "heir" appears only in a handoff, "n" only in a PN state
// (in entries and tombstones alike), "entries" and
// "retired" only when not empty. Numbers are exact decimal integers; epochs
// are below 2^53 so JavaScript reads them exactly, counts may not be.
type jsonState struct {
	Kind    string          `json:"kind"`
	Node    string          `json:"node"`
	Heir    string          `json:"heir,omitempty"`
	Cursor  *jsonCursor     `json:"cursor"`
	Entries []jsonEntry     `json:"entries,omitempty"`
	Retired []jsonTombstone `json:"retired,omitempty"`
}

type jsonCursor struct {
	Epoch   *uint64 `json:"epoch"`
	Version *uint64 `json:"version"`
}

type jsonEntry struct {
	Node *string `json:"node"`
	P    *uint64 `json:"p"`
	N    *uint64 `json:"n,omitempty"`
}

type jsonTombstone struct {
	Node *string `json:"node"`
	Heir *string `json:"heir"`
	P    *uint64 `json:"p"`
	N    *uint64 `json:"n,omitempty"`
}

// MarshalJSON returns the JSON form of s, or an error wrapping ErrInvalid if
// s does not pass Validate.
func (s State) MarshalJSON() ([]byte, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	j := jsonState{
		Kind:   s.Kind.String(),
		Node:   s.Node,
		Heir:   s.Heir,
		Cursor: &jsonCursor{Epoch: &s.Cursor.Epoch, Version: &s.Cursor.Version},
	}
	for i := range s.Entries {
		e := &s.Entries[i]
		je := jsonEntry{Node: &e.Node, P: &e.P}
		if s.Kind == PN {
			je.N = &e.N
		}
		j.Entries = append(j.Entries, je)
	}
	for i := range s.Retired {
		t := &s.Retired[i]
		jt := jsonTombstone{Node: &t.Node, Heir: &t.Heir, P: &t.P}
		if s.Kind == PN {
			jt.N = &t.N
		}
		j.Retired = append(j.Retired, jt)
	}
	return json.Marshal(j)
}

// UnmarshalJSON decodes the JSON form into s. It rejects unknown and
// duplicate keys, missing fields, numbers that are not unsigned 64-bit
// integers, trailing data and every State that Validate rejects, returning
// an error wrapping ErrInvalid and leaving s unchanged.
func (s *State) UnmarshalJSON(data []byte) error {
	if err := noDuplicateKeys(data); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var j jsonState
	if err := dec.Decode(&j); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%w: data after the state", ErrInvalid)
	}
	var out State
	switch j.Kind {
	case "g":
		out.Kind = G
	case "pn":
		out.Kind = PN
	default:
		return fmt.Errorf("%w: kind %q (want \"g\" or \"pn\")", ErrInvalid, j.Kind)
	}
	out.Node, out.Heir = j.Node, j.Heir
	if j.Cursor == nil || j.Cursor.Epoch == nil || j.Cursor.Version == nil {
		return fmt.Errorf("%w: missing cursor epoch or version", ErrInvalid)
	}
	out.Cursor = Cursor{Epoch: *j.Cursor.Epoch, Version: *j.Cursor.Version}
	for i, je := range j.Entries {
		if je.Node == nil || je.P == nil {
			return fmt.Errorf("%w: entry %d lacks node or p", ErrInvalid, i)
		}
		e := Entry{Node: *je.Node, P: *je.P}
		switch {
		case out.Kind == PN && je.N == nil:
			return fmt.Errorf("%w: PN entry %q lacks n", ErrInvalid, e.Node)
		case out.Kind == G && je.N != nil:
			return fmt.Errorf("%w: G entry %q has n", ErrInvalid, e.Node)
		case je.N != nil:
			e.N = *je.N
		}
		out.Entries = append(out.Entries, e)
	}
	for i, jt := range j.Retired {
		if jt.Node == nil || jt.Heir == nil || jt.P == nil {
			return fmt.Errorf("%w: tombstone %d lacks node, heir or p", ErrInvalid, i)
		}
		t := Tombstone{Node: *jt.Node, Heir: *jt.Heir, P: *jt.P}
		switch {
		case out.Kind == PN && jt.N == nil:
			return fmt.Errorf("%w: PN tombstone %q lacks n", ErrInvalid, t.Node)
		case out.Kind == G && jt.N != nil:
			return fmt.Errorf("%w: G tombstone %q has n", ErrInvalid, t.Node)
		case jt.N != nil:
			t.N = *jt.N
		}
		out.Retired = append(out.Retired, t)
	}
	if err := out.Validate(); err != nil {
		return err
	}
	*s = out
	return nil
}

// jsonKeys are the keys of every object in the JSON form, exactly as
// written; which belong to which object is checked by the decoder.
var jsonKeys = map[string]bool{
	"kind": true, "node": true, "heir": true, "cursor": true, "entries": true, "retired": true,
	"epoch": true, "version": true, "p": true, "n": true,
}

// noDuplicateKeys walks a JSON document and reports the first object that
// has a key twice (encoding/json would silently keep the last), or a key
// that is not one of the format's names exactly.
func noDuplicateKeys(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var walk func(depth int) error
	walk = func(depth int) error {
		if depth > 8 { // a State nests four deep
			return errors.New("nested too deep")
		}
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'):
			seen := map[string]bool{}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return err
				}
				key := k.(string)
				if !jsonKeys[key] {
					// encoding/json matches keys without regard to case;
					// only the exact names are the format.
					return fmt.Errorf("unknown key %q", key)
				}
				if seen[key] {
					return fmt.Errorf("duplicate key %q", key)
				}
				seen[key] = true
				if err := walk(depth + 1); err != nil {
					return err
				}
			}
			_, err = dec.Token() // '}'
			return err
		case json.Delim('['):
			for dec.More() {
				if err := walk(depth + 1); err != nil {
					return err
				}
			}
			_, err = dec.Token() // ']'
			return err
		}
		return nil
	}
	err := walk(0)
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
