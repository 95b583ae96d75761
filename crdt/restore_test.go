package crdt

import (
	"errors"
	"testing"
)

func restoreAPI(t *testing.T, kind Kind, id string, p, n uint64) counterAPI {
	t.Helper()
	if kind == G {
		c, err := RestoreGCounter(id, p)
		if err != nil {
			t.Fatal(err)
		}
		return gAPI{c}
	}
	c, err := RestorePNCounter(id, p, n)
	if err != nil {
		t.Fatal(err)
	}
	return pnAPI{c}
}

// TestRestore: a node restarts under its ID with its entry restored from
// totals kept elsewhere, while a peer and saved states hold older (or, when
// the totals were not kept exactly, newer) copies of its entry.
func TestRestore(t *testing.T) {
	cases := []struct {
		name  string
		kind  Kind
		p, n  uint64  // restored totals
		seen  []Entry // copies of the node's entry a peer merged before the restart
		adds  []int64 // after the restart
		value int64   // the node's value after merging the peer's state
	}{
		{"G at its totals", G, 7, 0, []Entry{{P: 3}, {P: 7}}, []int64{2}, 9},
		{"PN at its totals", PN, 5, 2, []Entry{{P: 5}, {P: 5, N: 2}}, []int64{-1, 4}, 6},
		{"PN totals above the nets a replica sent", PN, 9, 6, []Entry{{P: 3}}, []int64{1}, 4},
		{"never seen", PN, 4, 1, nil, []int64{1}, 4},
		{"zero", G, 0, 0, nil, []int64{1}, 1},
		// Totals below a copy (a crash lost adds a peer had seen): the copy
		// is adopted and hides the adds since the restart up to it.
		{"G below a copy", G, 3, 0, []Entry{{P: 7}}, []int64{2}, 7},
		{"G below a copy, then past it", G, 3, 0, []Entry{{P: 7}}, []int64{2, 3}, 8},
		{"PN below a copy in N only", PN, 5, 1, []Entry{{P: 5, N: 4}}, []int64{-2}, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			peer := newAPI(t, tc.kind, "peer")
			for _, e := range tc.seen {
				e.Node = "x"
				deliver(t, peer, State{Kind: tc.kind, Node: "x", Entries: []Entry{e}})
			}
			x := restoreAPI(t, tc.kind, "x", tc.p, tc.n)
			if got := x.value(); got != int64(tc.p-tc.n) {
				t.Fatalf("restored value %d, want %d", got, tc.p-tc.n)
			}
			first := x.DeltaSince(Cursor{})
			if tc.p == 0 && tc.n == 0 {
				if len(first.Entries) != 0 {
					t.Fatalf("a zero restore sends %+v", first.Entries)
				}
			} else if len(first.Entries) != 1 || first.Entries[0] != (Entry{Node: "x", P: tc.p, N: tc.n}) {
				t.Fatalf("first delta %+v, want the restored entry", first.Entries)
			}
			var added int64
			for _, d := range tc.adds {
				x.add(d)
				added += d
				_ = x.State() // one sync per add
			}
			if got, want := x.value(), int64(tc.p-tc.n)+added; got != want {
				t.Fatalf("before merging, value %d, want %d", got, want)
			}
			deliver(t, x, peer.State())
			deliver(t, peer, x.DeltaSince(first.Cursor))
			deliver(t, peer, first) // late and old: changes nothing
			if x.value() != tc.value || peer.value() != tc.value {
				t.Fatalf("after merging, x reads %d and the peer %d, want %d", x.value(), peer.value(), tc.value)
			}
		})
	}
	if _, err := RestorePNCounter("", 1, 0); !errors.Is(err, ErrInvalid) {
		t.Fatalf("restored an empty node ID: %v", err)
	}
	if _, err := RestoreGCounter(string([]byte{0xff}), 1); !errors.Is(err, ErrInvalid) {
		t.Fatalf("restored an invalid node ID: %v", err)
	}
}
