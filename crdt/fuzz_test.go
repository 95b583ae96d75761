package crdt

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzStateBinary: the decoder never panics, and what it accepts is exactly
// what the encoder produces for the decoded State (one encoding per State).
func FuzzStateBinary(f *testing.F) {
	good, _ := sample.MarshalBinary()
	f.Add(good)
	f.Add([]byte("AC\x02\x01\x01a\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var s State
		if err := s.UnmarshalBinary(b); err != nil {
			return
		}
		again, err := s.MarshalBinary()
		if err != nil {
			t.Fatalf("decoded a State that does not encode: %v", err)
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("accepted a non-canonical encoding\n in %q\nout %q", b, again)
		}
		// Whatever decodes merges without panicking.
		if s.Kind == G {
			g, _ := NewGCounter("~fuzz")
			_ = g.Merge(s)
		} else {
			c, _ := NewPNCounter("~fuzz")
			_ = c.Merge(s)
		}
	})
}

// FuzzStateJSON: the JSON decoder never panics, and what it accepts round
// trips through the binary form unchanged.
func FuzzStateJSON(f *testing.F) {
	good, _ := json.Marshal(sample)
	f.Add(good)
	f.Add([]byte(`{"kind":"g","node":"a","cursor":{"epoch":1,"version":1}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var s State
		if err := json.Unmarshal(b, &s); err != nil {
			return
		}
		bin, err := s.MarshalBinary()
		if err != nil {
			t.Fatalf("decoded a State that does not encode: %v", err)
		}
		var back State
		if err := back.UnmarshalBinary(bin); err != nil {
			t.Fatal(err)
		}
		j1, _ := json.Marshal(s)
		j2, _ := json.Marshal(back)
		if !bytes.Equal(j1, j2) {
			t.Fatalf("JSON %s became %s", j1, j2)
		}
	})
}

// FuzzHLLBinary: the sketch decoder never panics and round trips what it
// accepts to the same registers.
func FuzzHLLBinary(f *testing.F) {
	var h HLL
	for _, s := range []string{"a", "b", "c"} {
		h.AddString(s)
	}
	sparse, _ := h.MarshalBinary()
	f.Add(sparse)
	f.Fuzz(func(t *testing.T, b []byte) {
		var h HLL
		if err := h.UnmarshalBinary(b); err != nil {
			return
		}
		out, _ := h.MarshalBinary()
		var h2 HLL
		if err := h2.UnmarshalBinary(out); err != nil {
			t.Fatal(err)
		}
		for i := range hllRegisters {
			if h.register(i) != h2.register(i) {
				t.Fatalf("register %d changed in a round trip", i)
			}
		}
		_ = h.Count()
	})
}
