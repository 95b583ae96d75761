package crdt

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// counterAPI is what the property tests drive, for both kinds.
type counterAPI interface {
	Node() string
	State() State
	DeltaSince(Cursor) State
	Merge(State) error
	value() int64
	add(int64)
}

type gAPI struct{ *GCounter }

func (g gAPI) value() int64 { return int64(g.Value()) }
func (g gAPI) add(d int64)  { g.Add(uint64(d)) }

type pnAPI struct{ *PNCounter }

func (p pnAPI) value() int64 { return p.Value() }
func (p pnAPI) add(d int64)  { p.Add(d) }

func newAPI(t testing.TB, kind Kind, id string) counterAPI {
	t.Helper()
	switch kind {
	case G:
		c, err := NewGCounter(id)
		if err != nil {
			t.Fatal(err)
		}
		return gAPI{c}
	default:
		c, err := NewPNCounter(id)
		if err != nil {
			t.Fatal(err)
		}
		return pnAPI{c}
	}
}

// join merges states, in order, into a fresh observer and returns the
// observer's entries and tombstones: the lattice join of the states.
func join(t testing.TB, kind Kind, states ...State) State {
	t.Helper()
	o := newAPI(t, kind, "~observer")
	for _, s := range states {
		if err := o.Merge(s); err != nil {
			t.Fatalf("merge: %v", err)
		}
	}
	s := o.State()
	return State{Kind: s.Kind, Entries: s.Entries, Retired: s.Retired}
}

func sameLattice(a, b State) bool {
	return slices.Equal(a.Entries, b.Entries) && slices.Equal(a.Retired, b.Retired)
}

// randomStates makes replicas, adds at random and returns a pool of full
// states and deltas taken along the way, including tombstones of nodes
// evicted while they went on counting.
func randomStates(t testing.TB, kind Kind, rng *rand.Rand) []State {
	t.Helper()
	var reps []counterAPI
	for i := range 2 + rng.IntN(4) {
		reps = append(reps, newAPI(t, kind, fmt.Sprintf("n%d", i)))
	}
	var pool []State
	cursors := make([]Cursor, len(reps))
	evicted := map[int]bool{} // one heir per node: no ErrConflict
	for range 40 {
		r := rng.IntN(len(reps))
		switch op := rng.IntN(10); {
		case op < 5:
			d := rng.Int64N(20)
			if kind == PN && rng.IntN(2) == 0 {
				d = -d
			}
			reps[r].add(d)
		case op < 7:
			pool = append(pool, reps[r].State())
		case op < 9:
			s := reps[r].DeltaSince(cursors[r])
			cursors[r] = s.Cursor
			pool = append(pool, s)
		default:
			o := rng.IntN(len(reps))
			switch {
			case o == r:
			case rng.IntN(4) == 0 && !evicted[o]: // r evicts o, which lives on
				evicted[o] = true
				if err := reps[r].(evictAPI).Evict(reps[o].Node()); err != nil {
					t.Fatal(err)
				}
			default:
				if err := reps[o].Merge(reps[r].State()); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	return pool
}

func TestMergeLaws(t *testing.T) {
	for _, kind := range []Kind{G, PN} {
		t.Run(kind.String(), func(t *testing.T) {
			for seed := range uint64(200) {
				rng := rand.New(rand.NewPCG(seed, 1))
				pool := randomStates(t, kind, rng)
				if len(pool) < 3 {
					continue
				}
				a, b, c := pool[rng.IntN(len(pool))], pool[rng.IntN(len(pool))], pool[rng.IntN(len(pool))]
				if got, want := join(t, kind, a, a), join(t, kind, a); !sameLattice(got, want) {
					t.Fatalf("seed %d: not idempotent: %v != %v", seed, got, want)
				}
				if got, want := join(t, kind, a, b), join(t, kind, b, a); !sameLattice(got, want) {
					t.Fatalf("seed %d: not commutative: %v != %v", seed, got, want)
				}
				bc := join(t, kind, b, c)
				bc.Node, bc.Cursor = "bc", Cursor{}
				ab := join(t, kind, a, b)
				ab.Node = "ab"
				if got, want := join(t, kind, a, bc), join(t, kind, ab, c); !sameLattice(got, want) {
					t.Fatalf("seed %d: not associative: %v != %v", seed, got, want)
				}
				// Any order, any duplication of the whole pool: one result.
				want := join(t, kind, pool...)
				shuffled := append(slices.Clone(pool), pool[:len(pool)/2]...)
				rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
				if got := join(t, kind, shuffled...); !sameLattice(got, want) {
					t.Fatalf("seed %d: order or duplicates changed the join", seed)
				}
			}
		})
	}
}

// TestGossip is the check a Maelstrom g-counter or pn-counter workload makes:
// random adds on random nodes, gossip that loses, duplicates and reorders
// messages and sends deltas through cursors, then a quiet period; every
// replica must read the exact total.
func TestGossip(t *testing.T) {
	for _, kind := range []Kind{G, PN} {
		for seed := range uint64(30) {
			t.Run(fmt.Sprintf("%v/%d", kind, seed), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(seed, 2))
				n := 2 + rng.IntN(5)
				reps := make([]counterAPI, n)
				for i := range reps {
					reps[i] = newAPI(t, kind, fmt.Sprintf("node-%d", i))
				}
				// cursor[r][s]: what receiver r has merged from sender s.
				cursor := make([][]Cursor, n)
				for i := range cursor {
					cursor[i] = make([]Cursor, n)
				}
				type msg struct {
					to, from int
					s        State
				}
				var inflight []msg
				var total int64
				for step := range 2000 {
					r := rng.IntN(n)
					switch op := rng.IntN(10); {
					case op < 5:
						d := 1 + rng.Int64N(5)
						if kind == PN && rng.IntN(3) == 0 {
							d = -d
						}
						reps[r].add(d)
						total += d
					case op < 8: // r pulls from s; the reply may be lost
						s := rng.IntN(n)
						if s != r {
							inflight = append(inflight, msg{r, s, reps[s].DeltaSince(cursor[r][s])})
						}
					default: // deliver a random in-flight reply, maybe twice
						if len(inflight) == 0 {
							continue
						}
						i := rng.IntN(len(inflight))
						m := inflight[i]
						switch rng.IntN(4) {
						case 0: // lost
						case 1: // duplicated: stays in flight
							deliver(t, reps[m.to], m.s)
							cursor[m.to][m.from] = m.s.Cursor
						default:
							deliver(t, reps[m.to], m.s)
							cursor[m.to][m.from] = m.s.Cursor
						}
						if rng.IntN(4) != 1 {
							inflight = slices.Delete(inflight, i, i+1)
						}
					}
					_ = step
				}
				// Quiet period: deliver the rest (late and out of date), then
				// pull rounds until every replica has everything.
				for _, m := range inflight {
					deliver(t, reps[m.to], m.s)
				}
				for range n {
					for r := range n {
						for s := range n {
							if s != r {
								d := reps[s].DeltaSince(cursor[r][s])
								deliver(t, reps[r], d)
								cursor[r][s] = d.Cursor
							}
						}
					}
				}
				for _, rep := range reps {
					if got := rep.value(); got != total {
						t.Fatalf("%s reads %d, want %d", rep.Node(), got, total)
					}
				}
			})
		}
	}
}

func deliver(t testing.TB, to counterAPI, s State) {
	t.Helper()
	if err := to.Merge(s); err != nil {
		t.Fatalf("merge into %s: %v", to.Node(), err)
	}
}

// TestPartition: two groups gossip only among themselves, then heal.
func TestPartition(t *testing.T) {
	reps := make([]*PNCounter, 6)
	for i := range reps {
		reps[i], _ = NewPNCounter(fmt.Sprintf("n%d", i))
	}
	sync := func(group []*PNCounter) {
		for range 2 {
			for _, a := range group {
				for _, b := range group {
					if a != b {
						if err := a.Merge(b.State()); err != nil {
							t.Fatal(err)
						}
					}
				}
			}
		}
	}
	for _, r := range reps {
		r.Add(100)
	}
	sync(reps)
	groupA, groupB := reps[:3], reps[3:]
	for i, r := range groupA {
		r.Add(int64(10 + i))
	}
	for i, r := range groupB {
		r.Add(int64(-5 - i))
	}
	sync(groupA)
	sync(groupB)
	if got, want := groupA[0].Value(), int64(600+33); got != want {
		t.Fatalf("group A reads %d during the partition, want %d", got, want)
	}
	if got, want := groupB[0].Value(), int64(600-18); got != want {
		t.Fatalf("group B reads %d during the partition, want %d", got, want)
	}
	sync(reps)
	for _, r := range reps {
		if got, want := r.Value(), int64(600+33-18); got != want {
			t.Fatalf("%s reads %d after healing, want %d", r.Node(), got, want)
		}
	}
}

func TestDeltaSince(t *testing.T) {
	a, _ := NewPNCounter("a")
	b, _ := NewPNCounter("b")
	a.Add(3)
	full := a.DeltaSince(Cursor{})
	if len(full.Entries) != 1 || full.Entries[0] != (Entry{Node: "a", P: 3}) {
		t.Fatalf("full state %+v", full)
	}
	if d := a.DeltaSince(full.Cursor); len(d.Entries) != 0 || d.Cursor != full.Cursor {
		t.Fatalf("nothing changed, delta %+v", d)
	}
	if err := a.Merge(b.State()); err != nil { // b is empty: no change
		t.Fatal(err)
	}
	if d := a.DeltaSince(full.Cursor); len(d.Entries) != 0 {
		t.Fatalf("an empty merge made delta %+v", d)
	}
	b.Add(-2)
	if err := a.Merge(b.State()); err != nil {
		t.Fatal(err)
	}
	d := a.DeltaSince(full.Cursor)
	if len(d.Entries) != 1 || d.Entries[0] != (Entry{Node: "b", N: 2}) {
		t.Fatalf("delta after merging b: %+v", d)
	}
	a.Add(-1)
	a.Add(1) // nets to zero: no change to ship
	if d2 := a.DeltaSince(d.Cursor); len(d2.Entries) != 0 {
		t.Fatalf("net-zero adds made delta %+v", d2)
	}
	stale := Cursor{Epoch: full.Cursor.Epoch + 1, Version: 1 << 40}
	if d3 := a.DeltaSince(stale); len(d3.Entries) != 2 {
		t.Fatalf("a cursor of another epoch must get the full state, got %+v", d3)
	}
	if a.Value() != 1 {
		t.Fatalf("value %d, want 1", a.Value())
	}
}

// TestAdopt: a replica that restarted without its state meets its old entry.
func TestAdopt(t *testing.T) {
	old, _ := NewPNCounter("a")
	old.Add(10)
	saved := old.State()
	again, _ := NewPNCounter("a") // restarted, state lost
	again.Add(4)
	if err := again.Merge(saved); err != nil {
		t.Fatal(err)
	}
	if got := again.Value(); got != 10 {
		t.Fatalf("after adopting, value %d, want 10 (the max; the 4 are hidden)", got)
	}
	again.Add(1)
	if got := again.State().Entries[0]; got != (Entry{Node: "a", P: 11}) {
		t.Fatalf("own entry %+v, want P=11", got)
	}
}

func TestMergeRejects(t *testing.T) {
	g, _ := NewGCounter("a")
	pn, _ := NewPNCounter("b")
	pn.Add(-1)
	if err := g.Merge(pn.State()); err == nil {
		t.Fatal("merged a PN state into a G counter")
	}
	g2, _ := NewGCounter("c")
	g2.Add(1)
	if err := pn.Merge(g2.State()); err == nil {
		t.Fatal("merged a G state into a PN counter")
	}
	bad := State{Kind: PN, Node: "x", Entries: []Entry{{Node: "b", P: 1}, {Node: "a", P: 1}}}
	if err := pn.Merge(bad); err == nil {
		t.Fatal("merged unsorted entries")
	}
	if pn.Value() != -1 || g.Value() != 0 {
		t.Fatal("a rejected merge changed the value")
	}
	if _, err := NewGCounter(""); err == nil {
		t.Fatal("accepted an empty node ID")
	}
}
