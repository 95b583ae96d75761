package crdt

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

var sample = State{
	Kind:    PN,
	Node:    "a",
	Cursor:  Cursor{Epoch: 7, Version: 300},
	Entries: []Entry{{Node: "a", P: 5, N: 1}, {Node: "b", P: 1 << 40}},
	Retired: []Tombstone{{Node: "x", Heir: "a", P: 2, N: 1}},
}

func TestBinaryGolden(t *testing.T) {
	b, err := sample.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	want := []byte("AC\x02\x02" + "\x01a" + "\x00" + "\x07" + "\xac\x02" +
		"\x02" + "\x01a\x05\x01" + "\x01b\x80\x80\x80\x80\x80\x20\x00" +
		"\x01" + "\x01x\x01a\x02\x01")
	if !bytes.Equal(b, want) {
		t.Fatalf("binary form\n got %q\nwant %q", b, want)
	}
	var s State
	if err := s.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s, sample) {
		t.Fatalf("round trip: %+v", s)
	}
}

func TestJSONGolden(t *testing.T) {
	b, err := json.Marshal(sample)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"kind":"pn","node":"a","cursor":{"epoch":7,"version":300},"entries":[{"node":"a","p":5,"n":1},{"node":"b","p":1099511627776,"n":0}],"retired":[{"node":"x","heir":"a","p":2,"n":1}]}`
	if string(b) != want {
		t.Fatalf("JSON form\n got %s\nwant %s", b, want)
	}
	var s State
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s, sample) {
		t.Fatalf("round trip: %+v", s)
	}
}

func TestRoundTripRandom(t *testing.T) {
	for seed := range uint64(100) {
		rng := rand.New(rand.NewPCG(seed, 4))
		kind := []Kind{G, PN}[seed%2]
		for _, s := range randomStates(t, kind, rng) {
			b, err := s.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			var got State
			if err := got.UnmarshalBinary(b); err != nil {
				t.Fatalf("binary %q: %v", b, err)
			}
			if !reflect.DeepEqual(got, s) && !(len(s.Entries) == 0 && len(got.Entries) == 0) {
				t.Fatalf("binary round trip\n got %+v\nwant %+v", got, s)
			}
			j, err := json.Marshal(s)
			if err != nil {
				t.Fatal(err)
			}
			got = State{}
			if err := json.Unmarshal(j, &got); err != nil {
				t.Fatalf("JSON %s: %v", j, err)
			}
			b2, _ := got.MarshalBinary()
			if !bytes.Equal(b, b2) {
				t.Fatalf("JSON round trip changed %s", j)
			}
		}
	}
}

func TestBinaryRejects(t *testing.T) {
	good, _ := sample.MarshalBinary()
	g := State{Kind: G, Node: "a", Entries: []Entry{{Node: "a", P: 1}}}
	gb, _ := g.MarshalBinary()
	// Each case names what the error must say, so that a case rejected for
	// another reason than the one it tests fails.
	cases := []struct {
		name, why string
		b         []byte
	}{
		{"empty", "not a binary", nil},
		{"bad magic", "not a binary", append([]byte("XC"), good[2:]...)},
		{"version 1", "version 1", append([]byte("AC\x01"), good[3:]...)},
		{"version 3", "version 3", append([]byte("AC\x03"), good[3:]...)},
		{"kind 3", "unknown kind", []byte("AC\x02\x03\x01a\x00\x00\x00\x00\x00")},
		{"truncated", "cannot fit", good[:len(good)-1]},
		{"truncated varint", "truncated", []byte("AC\x02\x01\x01a\x00\x80")},
		{"trailing", "trailing", append(bytes.Clone(good), 0)},
		{"long varint", "shortest", []byte("AC\x02\x01\x01a\x00\x87\x00\x00\x00")},
		{"varint overflow", "overflows", []byte("AC\x02\x01\x01a\x00\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02\x00\x00\x00")},
		{"huge count", "entries", []byte("AC\x02\x01\x01a\x00\x00\x00\xff\xff\xff\xff\x0f")},
		{"huge tombstone count", "tombstones", []byte("AC\x02\x01\x01a\x00\x00\x00\x00\x02\x01b\x01a\x00")},
		{"empty node", "empty node", []byte("AC\x02\x01\x00\x00\x00\x00\x00\x00")},
		{"bad utf8", "UTF-8", []byte("AC\x02\x01\x01\xff\x00\x00\x00\x00\x00")},
		{"unsorted", "not sorted", []byte("AC\x02\x01\x01a\x00\x00\x00\x02\x01b\x01\x01a\x01\x00")},
		{"duplicate", "not sorted", []byte("AC\x02\x01\x01a\x00\x00\x00\x02\x01a\x01\x01a\x02\x00")},
		{"entry at grave", "does not exceed", []byte("AC\x02\x01\x01a\x00\x00\x00\x01\x01b\x01\x01\x01b\x01a\x01")},
		{"entry below grave", "does not exceed", []byte("AC\x02\x01\x01a\x00\x00\x00\x01\x01b\x01\x01\x01b\x01a\x02")},
		{"entry below grave's N", "does not exceed", []byte("AC\x02\x02\x01a\x00\x00\x00\x01\x01b\x05\x00\x01\x01b\x01a\x01\x01")},
		{"own heir", "own heir", []byte("AC\x02\x01\x01a\x00\x00\x00\x00\x01\x01b\x01b\x00")},
		{"handoff no entry", "exactly the entry", []byte("AC\x02\x01\x01a\x01b\x00\x00\x00\x00")},
		{"handoff own grave", "its own tombstone", []byte("AC\x02\x01\x01a\x01b\x00\x00\x01\x01a\x02\x01\x01a\x01c\x01")},
		{"G with trailing N", "trailing", append(bytes.Clone(gb[:len(gb)-1]), 0, 0)},
	}
	for _, c := range cases {
		var s State
		err := s.UnmarshalBinary(c.b)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.why) {
			t.Errorf("%s: %q: error %v, want ErrInvalid saying %q", c.name, c.b, err, c.why)
		}
	}
	if _, err := (&State{Kind: G, Node: "a", Entries: []Entry{{Node: "a", N: 1}}}).MarshalBinary(); err == nil {
		t.Error("marshalled a G state with N")
	}
	if _, err := (&State{Kind: G, Node: "a", Retired: []Tombstone{{Node: "x", Heir: "a", N: 1}}}).MarshalBinary(); err == nil {
		t.Error("marshalled a G state with N in a tombstone")
	}
}

func TestJSONRejects(t *testing.T) {
	cases := map[string]string{
		"not json":        `{`,
		"unknown field":   `{"kind":"g","node":"a","cursor":{"epoch":1,"version":1},"extra":1}`,
		"duplicate key":   `{"kind":"g","node":"a","node":"b","cursor":{"epoch":1,"version":1}}`,
		"duplicate inner": `{"kind":"g","node":"a","cursor":{"epoch":1,"epoch":2,"version":1}}`,
		"no cursor":       `{"kind":"g","node":"a"}`,
		"no version":      `{"kind":"g","node":"a","cursor":{"epoch":1}}`,
		"bad kind":        `{"kind":"x","node":"a","cursor":{"epoch":1,"version":1}}`,
		"negative":        `{"kind":"g","node":"a","cursor":{"epoch":1,"version":1},"entries":[{"node":"a","p":-1}]}`,
		"fraction":        `{"kind":"g","node":"a","cursor":{"epoch":1,"version":1},"entries":[{"node":"a","p":1.5}]}`,
		"too big":         `{"kind":"g","node":"a","cursor":{"epoch":1,"version":1},"entries":[{"node":"a","p":18446744073709551616}]}`,
		"G with n":        `{"kind":"g","node":"a","cursor":{"epoch":1,"version":1},"entries":[{"node":"a","p":1,"n":0}]}`,
		"PN without n":    `{"kind":"pn","node":"a","cursor":{"epoch":1,"version":1},"entries":[{"node":"a","p":1}]}`,
		"entry no node":   `{"kind":"g","node":"a","cursor":{"epoch":1,"version":1},"entries":[{"p":1}]}`,
		"grave no heir":   `{"kind":"g","node":"a","cursor":{"epoch":1,"version":1},"retired":[{"node":"x","p":1}]}`,
		"grave no p":      `{"kind":"g","node":"a","cursor":{"epoch":1,"version":1},"retired":[{"node":"x","heir":"a"}]}`,
		"G grave with n":  `{"kind":"g","node":"a","cursor":{"epoch":1,"version":1},"retired":[{"node":"x","heir":"a","p":1,"n":0}]}`,
		"PN grave no n":   `{"kind":"pn","node":"a","cursor":{"epoch":1,"version":1},"retired":[{"node":"x","heir":"a","p":1}]}`,
		"entry at grave":  `{"kind":"g","node":"a","cursor":{"epoch":1,"version":1},"entries":[{"node":"x","p":1}],"retired":[{"node":"x","heir":"a","p":1}]}`,
		"trailing":        `{"kind":"g","node":"a","cursor":{"epoch":1,"version":1}} {}`,
		"unsorted":        `{"kind":"g","node":"a","cursor":{"epoch":1,"version":1},"entries":[{"node":"b","p":1},{"node":"a","p":1}]}`,
		"deep":            strings.Repeat("[", 100) + strings.Repeat("]", 100),
		"null":            `null`,
		"key case":        `{"KIND":"g","Node":"a","CURSOR":{"Epoch":1,"version":2},"Entries":[{"NODE":"a","P":5}]}`,
		"case duplicate":  `{"kind":"g","node":"a","cursor":{"epoch":1,"version":1},"entries":[{"node":"a","p":5,"P":7}]}`,
	}
	for name, in := range cases {
		var s State
		if err := json.Unmarshal([]byte(in), &s); err == nil {
			t.Errorf("%s: %s decoded", name, in)
		} else if !errors.Is(err, ErrInvalid) && json.Valid([]byte(in)) {
			t.Errorf("%s: error %v does not wrap ErrInvalid", name, err)
		}
	}
}
