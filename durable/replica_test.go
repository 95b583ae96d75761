package durable_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/abacusgo/abacus/crdt"
	"github.com/abacusgo/abacus/durable"
)

// replica is what the tests drive of a durable replica, for both kinds.
type replica interface {
	add(d int64) error
	value() int64
	State() crdt.State
	DeltaSince(crdt.Cursor) crdt.State
	Merge(crdt.State) error
}

type gReplica struct{ *durable.GCounter }

func (g gReplica) add(d int64) error { return g.Add(uint64(d)) }
func (g gReplica) value() int64      { return int64(g.Value()) }

type pnReplica struct{ *durable.PNCounter }

func (p pnReplica) add(d int64) error { return p.Add(d) }
func (p pnReplica) value() int64      { return p.Value() }

func openReplica(t testing.TB, s *durable.Set, kind crdt.Kind, name, node string) replica {
	t.Helper()
	if kind == crdt.G {
		c, err := s.GCounter(name, node)
		if err != nil {
			t.Fatal(err)
		}
		return gReplica{c}
	}
	c, err := s.PNCounter(name, node)
	if err != nil {
		t.Fatal(err)
	}
	return pnReplica{c}
}

// peer is a plain crdt replica that merges what a durable one sends.
type peer struct {
	kind crdt.Kind
	g    *crdt.GCounter
	pn   *crdt.PNCounter
}

func newPeer(kind crdt.Kind, node string) *peer {
	p := &peer{kind: kind}
	p.g, _ = crdt.NewGCounter(node)
	p.pn, _ = crdt.NewPNCounter(node)
	return p
}

func (p *peer) merge(t testing.TB, s crdt.State) {
	t.Helper()
	var err error
	if p.kind == crdt.G {
		err = p.g.Merge(s)
	} else {
		err = p.pn.Merge(s)
	}
	if err != nil {
		t.Fatal(err)
	}
}

func (p *peer) state() crdt.State {
	if p.kind == crdt.G {
		return p.g.State()
	}
	return p.pn.State()
}

func (p *peer) value() int64 {
	if p.kind == crdt.G {
		return int64(p.g.Value())
	}
	return p.pn.Value()
}

// entryOf returns node's entry in s, or a zero one.
func entryOf(s crdt.State, node string) crdt.Entry {
	for _, e := range s.Entries {
		if e.Node == node {
			return e
		}
	}
	return crdt.Entry{Node: node}
}

func mustMerge(t testing.TB, r replica, s crdt.State) {
	t.Helper()
	if err := r.Merge(s); err != nil {
		t.Fatal(err)
	}
}

func mustAdd(t testing.TB, r replica, d int64) {
	t.Helper()
	if err := r.add(d); err != nil {
		t.Fatalf("add %d: %v", d, err)
	}
}

var kinds = []crdt.Kind{crdt.G, crdt.PN}

// TestReplicaRestart closes and reopens the Set of a replica that a peer
// and saved states know: the restored replica reads every add, merging the
// old states hides nothing, and its adds after the restart count once.
func TestReplicaRestart(t *testing.T) {
	for _, p := range policies {
		for _, kind := range kinds {
			t.Run(fmt.Sprintf("%v/%v", p, kind), func(t *testing.T) {
				adds := []int64{5, -2, 3, -1, 4}
				if kind == crdt.G {
					adds = []int64{5, 2, 3, 1, 4}
				}
				dir := t.TempDir()
				opts := durable.Options{Policy: p}
				s := open(t, dir, opts)
				r := openReplica(t, s, kind, "logins", "n1")
				pr := newPeer(kind, "peer")
				var saved []crdt.State
				var total int64
				for _, d := range adds {
					mustAdd(t, r, d)
					total += d
					saved = append(saved, r.State())
					pr.merge(t, r.State())
				}
				closeSet(t, s)

				s = open(t, dir, opts)
				defer closeSet(t, s)
				r = openReplica(t, s, kind, "logins", "n1")
				if r.value() != total {
					t.Fatalf("restored replica reads %d, want %d", r.value(), total)
				}
				mustAdd(t, r, 7)
				total += 7
				for _, old := range saved {
					mustMerge(t, r, old)
				}
				mustMerge(t, r, pr.state())
				pr.merge(t, r.State())
				if r.value() != total || pr.value() != total {
					t.Fatalf("after merging old states the replica reads %d and the peer %d, want %d", r.value(), pr.value(), total)
				}
				other := openReplica(t, s, kind, "logins", "n2")
				if other.value() != 0 {
					t.Fatalf("another node of the same counter starts at %d", other.value())
				}
			})
		}
	}
}

// TestReplicaCrash takes crash images (a copy of the directory, as a
// process crash leaves it) of a SyncAlways replica while goroutines add to
// it and another gossips its deltas to a peer. Every copy of the replica's
// entry that the peer held before an image was taken must be at most the
// entry restored from that image, so merging the peer's state into the
// restored replica changes nothing; and the restored total is every add
// acknowledged before the image, plus at most the adds in flight.
func TestReplicaCrash(t *testing.T) {
	for _, kind := range kinds {
		t.Run(kind.String(), func(t *testing.T) {
			dir := t.TempDir()
			s := open(t, dir, durable.Options{Policy: durable.SyncAlways, SnapshotEvery: -1})
			r := openReplica(t, s, kind, "hits", "n1")
			pr := newPeer(kind, "peer")
			var mu sync.Mutex // guards pr
			var done atomic.Bool
			var ackedP, ackedN atomic.Uint64 // increments and decrements acknowledged
			var wg sync.WaitGroup
			const workers = 3
			for w := range workers {
				wg.Go(func() {
					rng := rand.New(rand.NewPCG(uint64(w), 14))
					for !done.Load() {
						d := int64(1)
						if kind == crdt.PN && rng.IntN(3) == 0 {
							d = -1
						}
						if err := r.add(d); err != nil {
							t.Error(err)
							return
						}
						if d > 0 {
							ackedP.Add(1)
						} else {
							ackedN.Add(1)
						}
					}
				})
			}
			wg.Go(func() {
				var cur crdt.Cursor
				for !done.Load() {
					d := r.DeltaSince(cur)
					mu.Lock()
					pr.merge(t, d)
					mu.Unlock()
					cur = d.Cursor
					time.Sleep(100 * time.Microsecond)
				}
			})
			for image := range 5 {
				time.Sleep(time.Duration(5+rand.IntN(10)) * time.Millisecond)
				mu.Lock()
				peerState := pr.state() // what the peer holds when the process dies
				mu.Unlock()
				seen := entryOf(peerState, "n1")
				loP, loN := ackedP.Load(), ackedN.Load()
				crashed := copyDir(t, dir)
				hiP, hiN := ackedP.Load(), ackedN.Load()

				cs := open(t, crashed, durable.Options{Policy: durable.SyncAlways})
				back := openReplica(t, cs, kind, "hits", "n1")
				got := entryOf(back.State(), "n1")
				if got.P < seen.P || got.N < seen.N {
					t.Fatalf("image %d: restored entry %+v below the peer's copy %+v: adds were shown before they were durable", image, got, seen)
				}
				// Acknowledged before the copy began: durable. Each worker has at
				// most one more in flight.
				if got.P < loP || got.P > hiP+workers || got.N < loN || got.N > hiN+workers {
					t.Fatalf("image %d: restored %+v; acknowledged from %d up, %d down to %d up, %d down",
						image, got, loP, loN, hiP, hiN)
				}
				v := back.value()
				mustMerge(t, back, peerState)
				if back.value() != v {
					t.Fatalf("image %d: merging the peer's copy changed the restored value from %d to %d", image, v, back.value())
				}
				closeSet(t, cs)
			}
			done.Store(true)
			wg.Wait()
			closeSet(t, s)
			if t.Failed() {
				return
			}
			s = open(t, dir, durable.Options{Policy: durable.SyncAlways})
			defer closeSet(t, s)
			want := int64(ackedP.Load() - ackedN.Load())
			if v := openReplica(t, s, kind, "hits", "n1").value(); v != want {
				t.Fatalf("after a clean restart the replica reads %d, want %d", v, want)
			}
		})
	}
}

// TestReplicaCrashLoss is the bound of the package doc under SyncInterval:
// a crash loses the adds since the last commit; a peer had merged some of
// them ("seen"), and the restored replica adopts the peer's copy when it
// merges it, hiding its new adds until they exceed what the crash lost of
// what the peer had seen. In each direction the node's counted total ends
// below what it added by at most what the crash lost, never above.
func TestReplicaCrashLoss(t *testing.T) {
	cases := []struct {
		name       string
		kind       crdt.Kind
		durable    []int64 // committed before the crash
		seen, lost []int64 // after the commit: merged by the peer, or not
		after      []int64 // after the restart
		before     int64   // the restored value, before merging the peer's copy
		want       int64   // after merging it
	}{
		{"G: fewer new adds than seen-and-lost: all hidden", crdt.G, []int64{10}, []int64{5}, []int64{2}, []int64{3}, 10, 15},
		{"G: as many", crdt.G, []int64{10}, []int64{5}, nil, []int64{5}, 10, 15},
		{"G: more: the rest count", crdt.G, []int64{10}, []int64{5}, nil, []int64{5, 4}, 10, 19},
		{"G: none seen: nothing hidden", crdt.G, []int64{10}, nil, []int64{6}, []int64{1}, 10, 11},
		{"PN: decrements seen and lost", crdt.PN, []int64{10, -2}, []int64{-3}, nil, []int64{4, -1}, 8, 9},
		{"PN: both directions", crdt.PN, []int64{10, -2}, []int64{6, -3}, []int64{1}, []int64{2, -1, 5}, 8, 12},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			opts := durable.Options{Policy: durable.SyncInterval, Interval: time.Hour, SnapshotEvery: -1}
			s := open(t, dir, opts)
			r := openReplica(t, s, tc.kind, "hits", "n1")
			pr := newPeer(tc.kind, "peer")
			var made, lost crdt.Entry // increments and decrements made, and lost by the crash
			count := func(e *crdt.Entry, d int64) {
				if d >= 0 {
					e.P += uint64(d)
				} else {
					e.N += uint64(-d)
				}
			}
			for _, d := range tc.durable {
				mustAdd(t, r, d)
				count(&made, d)
				r.State() // one sync per add, as gossip would
			}
			if err := s.Commit(); err != nil {
				t.Fatal(err)
			}
			for _, d := range tc.seen {
				mustAdd(t, r, d)
				count(&made, d)
				count(&lost, d)
				r.State()
			}
			pr.merge(t, r.State())
			for _, d := range tc.lost {
				mustAdd(t, r, d)
				count(&made, d)
				count(&lost, d)
			}
			crashed := copyDir(t, dir) // the crash: the adds after the commit were never written
			closeSet(t, s)

			s = open(t, crashed, opts)
			defer closeSet(t, s)
			back := openReplica(t, s, tc.kind, "hits", "n1")
			for _, d := range tc.after {
				mustAdd(t, back, d)
				count(&made, d)
				back.State()
			}
			if got, want := back.value(), tc.before+sum64(tc.after); got != want {
				t.Fatalf("restored replica reads %d before merging the peer, want %d", got, want)
			}
			mustMerge(t, back, pr.state())
			pr.merge(t, back.State())
			if back.value() != tc.want || pr.value() != tc.want {
				t.Fatalf("after merging, the replica reads %d and the peer %d, want %d", back.value(), pr.value(), tc.want)
			}
			got := entryOf(pr.state(), "n1")
			if got.P > made.P || made.P-got.P > lost.P || got.N > made.N || made.N-got.N > lost.N {
				t.Fatalf("counted %+v of %+v made, with %+v lost: outside the bound", got, made, lost)
			}
		})
	}
}

func sum64(ds []int64) int64 {
	var s int64
	for _, d := range ds {
		s += d
	}
	return s
}

func TestReplicaNames(t *testing.T) {
	s := open(t, t.TempDir(), durable.Options{})
	long := strings.Repeat("x", durable.MaxNameLen-4) // with "@n1.p": too long
	cases := []struct {
		name, node string
		want       error
	}{
		{"", "n1", durable.ErrInvalidName},
		{"a@b", "n1", durable.ErrInvalidName},
		{long, "n1", durable.ErrInvalidName},
		{string([]byte{0xff}), "n1", durable.ErrInvalidName},
		{"logins", "", crdt.ErrInvalid},
		{"logins", string([]byte{0xff}), crdt.ErrInvalid},
	}
	for _, c := range cases {
		if _, err := s.PNCounter(c.name, c.node); !errors.Is(err, c.want) {
			t.Errorf("PNCounter(%q, %q): %v, want %v", c.name, c.node, err, c.want)
		}
		if _, err := s.GCounter(c.name, c.node); !errors.Is(err, c.want) {
			t.Errorf("GCounter(%q, %q): %v, want %v", c.name, c.node, err, c.want)
		}
	}
	a, _ := s.PNCounter("logins", "n@1")
	b, _ := s.PNCounter("logins", "n@1")
	g, _ := s.GCounter("logins", "n@1")
	if a == nil || a != b {
		t.Fatal("one name and node gave two replicas")
	}
	if err := a.Add(3); err != nil {
		t.Fatal(err)
	}
	if err := a.Dec(); err != nil {
		t.Fatal(err)
	}
	if err := g.Inc(); err != nil {
		t.Fatal(err)
	}
	wantTotals(t, "replicas' counters", s.Totals(), map[string]int64{"logins@n@1.p": 3, "logins@n@1.n": 1, "logins@n@1.g": 1})
	closeSet(t, s)
	if _, err := s.PNCounter("signups", "n1"); !errors.Is(err, durable.ErrClosed) {
		t.Fatalf("PNCounter after Close: %v", err)
	}
	if err := a.Inc(); !errors.Is(err, durable.ErrClosed) || a.Value() != 2 {
		t.Fatalf("Add after Close: %v, value %d; want ErrClosed, 2", err, a.Value())
	}
}
