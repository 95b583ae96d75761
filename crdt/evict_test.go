package crdt

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

// evictAPI is what the eviction tests drive, for both kinds.
type evictAPI interface {
	counterAPI
	Evict(node string) error
	Retire(heir string) (State, error)
	Absorb(handoff State) error
	Nodes() (live, retired int)
}

func newEvictAPI(t testing.TB, kind Kind, id string) evictAPI {
	t.Helper()
	return newAPI(t, kind, id).(evictAPI)
}

// ship sends s through both encodings, as a network would, and checks that
// it arrives unchanged.
func ship(t testing.TB, s State) State {
	t.Helper()
	b, err := s.MarshalBinary()
	if err != nil {
		t.Fatalf("encode %+v: %v", s, err)
	}
	var fromBinary State
	if err := fromBinary.UnmarshalBinary(b); err != nil {
		t.Fatalf("decode %q: %v", b, err)
	}
	j, err := json.Marshal(fromBinary)
	if err != nil {
		t.Fatal(err)
	}
	var out State
	if err := json.Unmarshal(j, &out); err != nil {
		t.Fatalf("decode %s: %v", j, err)
	}
	if !sameLattice(out, s) || out.Node != s.Node || out.Cursor != s.Cursor {
		t.Fatalf("shipped %+v, arrived %+v", s, out)
	}
	return out
}

// permutations returns every order of 0..n-1.
func permutations(n int) [][]int {
	if n == 0 {
		return [][]int{{}}
	}
	var out [][]int
	for _, p := range permutations(n - 1) {
		for i := 0; i <= len(p); i++ {
			q := slices.Insert(slices.Clone(p), i, n-1)
			out = append(out, q)
		}
	}
	return out
}

// cluster is a scenario's replicas by node and the exact total of the adds
// that must survive.
type cluster struct {
	reps  map[string]evictAPI
	total int64
}

func (c *cluster) add(node string, d int64) {
	c.reps[node].add(d)
	c.total += d
}

// sync merges the full states of the named replicas into each other until
// they agree.
func (c *cluster) sync(t testing.TB, nodes ...string) {
	t.Helper()
	for range 2 {
		for _, a := range nodes {
			for _, b := range nodes {
				if a != b {
					deliver(t, c.reps[a], c.reps[b].State())
				}
			}
		}
	}
}

// heal delivers, in the given order, the states the replicas hold when the
// partition heals: one from every survivor to every other (states in
// flight, taken before any is delivered), through both encodings if wire.
// Under G, no replica may read more than the total after any delivery. Then
// the survivors sync, and each must read the total.
func (c *cluster) heal(t testing.TB, kind Kind, survivors []string, order []int, wire bool) {
	t.Helper()
	type msg struct {
		to string
		s  State
	}
	var msgs []msg
	for _, a := range survivors {
		for _, b := range survivors {
			if a != b {
				s := c.reps[b].State()
				if wire {
					s = ship(t, s)
				}
				msgs = append(msgs, msg{a, s})
			}
		}
	}
	for _, i := range order {
		m := msgs[i]
		deliver(t, c.reps[m.to], m.s)
		if kind == G {
			for _, n := range survivors {
				if v := c.reps[n].value(); v > c.total {
					t.Fatalf("order %v: %s reads %d of %d added", order, n, v, c.total)
				}
			}
		}
	}
	c.sync(t, survivors...)
	for _, n := range survivors {
		if v := c.reps[n].value(); v != c.total {
			t.Fatalf("order %v: %s reads %d after healing, want %d", order, n, v, c.total)
		}
	}
}

func newCluster(t testing.TB, kind Kind, nodes ...string) *cluster {
	c := &cluster{reps: map[string]evictAPI{}}
	for _, n := range nodes {
		c.reps[n] = newEvictAPI(t, kind, n)
	}
	return c
}

// TestMutualEviction: a partition cuts a off from b, and each side, sure the
// other died, evicts it. Both were alive, so nothing they added may be lost:
// once the partition heals, every replica reads the exact total of every
// add, whatever the order in which the states in flight arrive (all 720
// orders of the six messages between a, b and an observer c on a's side).
func TestMutualEviction(t *testing.T) {
	cases := []struct {
		name string
		run  func(t testing.TB, c *cluster)
	}{
		{"the issue's case: 10 and 20 synced, then a adds 1", func(t testing.TB, c *cluster) {
			c.add("a", 10)
			c.add("b", 20)
			c.sync(t, "a", "b", "c")
			must(t, c.reps["a"].Evict("b"))
			must(t, c.reps["b"].Evict("a"))
			c.add("a", 1)
			c.sync(t, "a", "c")
		}},
		{"b adds after evicting a", func(t testing.TB, c *cluster) {
			c.add("a", 10)
			c.add("b", 20)
			c.sync(t, "a", "b", "c")
			must(t, c.reps["a"].Evict("b"))
			must(t, c.reps["b"].Evict("a"))
			c.add("b", 1)
		}},
		{"the observer adds during the partition", func(t testing.TB, c *cluster) {
			c.add("a", 10)
			c.add("b", 20)
			c.sync(t, "a", "b", "c")
			must(t, c.reps["a"].Evict("b"))
			c.add("c", 1)
			c.sync(t, "a", "c")
			must(t, c.reps["b"].Evict("a"))
		}},
		{"both add before and after evicting", func(t testing.TB, c *cluster) {
			c.add("a", 10)
			c.add("b", 20)
			c.sync(t, "a", "b", "c")
			c.add("a", 3) // b never sees these before evicting a
			c.add("b", 5) // nor a these
			must(t, c.reps["a"].Evict("b"))
			must(t, c.reps["b"].Evict("a"))
			c.add("a", 1)
			c.add("b", 2)
			c.sync(t, "a", "c")
		}},
		{"never synced: each evicts an entry it never saw", func(t testing.TB, c *cluster) {
			c.add("a", 10)
			c.add("b", 20)
			must(t, c.reps["a"].Evict("b"))
			must(t, c.reps["b"].Evict("a"))
			c.add("a", 1)
		}},
		{"a evicts b twice, b's late adds in between", func(t testing.TB, c *cluster) {
			c.add("a", 10)
			c.add("b", 20)
			c.sync(t, "a", "b", "c")
			must(t, c.reps["a"].Evict("b"))
			c.add("b", 4)
			deliver(t, c.reps["a"], c.reps["b"].State()) // one message gets through
			must(t, c.reps["a"].Evict("b"))
			must(t, c.reps["b"].Evict("a"))
			c.add("b", 1)
		}},
	}
	orders := permutations(6)
	for _, kind := range []Kind{G, PN} {
		for _, tc := range cases {
			t.Run(fmt.Sprintf("%v/%s", kind, tc.name), func(t *testing.T) {
				for i, order := range orders {
					c := newCluster(t, kind, "a", "b", "c")
					tc.run(t, c)
					c.heal(t, kind, []string{"a", "b", "c"}, order, i == 0)
				}
			})
		}
	}
}

// TestEvictionCycle: longer cycles of evictions (a evicts b, b evicts c, c
// evicts a, each cut off from the others), healed in all 720 orders of the
// six messages between the three. When every node was alive, every add
// counts; when one died after evicting, only its adds that reached no one
// are lost.
func TestEvictionCycle(t *testing.T) {
	base := func(t testing.TB, c *cluster) {
		c.add("a", 10)
		c.add("b", 20)
		c.add("c", 40)
		c.sync(t, "a", "b", "c", "d")
	}
	cases := []struct {
		name      string
		survivors []string
		run       func(t testing.TB, c *cluster)
	}{
		{"three alive", []string{"a", "b", "c"}, func(t testing.TB, c *cluster) {
			base(t, c)
			must(t, c.reps["a"].Evict("b"))
			must(t, c.reps["b"].Evict("c"))
			must(t, c.reps["c"].Evict("a"))
			c.add("a", 1)
			c.add("b", 2)
			c.add("c", 4)
		}},
		{"three alive, the other way round", []string{"a", "b", "c"}, func(t testing.TB, c *cluster) {
			base(t, c)
			must(t, c.reps["b"].Evict("a"))
			must(t, c.reps["c"].Evict("b"))
			must(t, c.reps["a"].Evict("c"))
			c.add("a", 1)
			c.add("c", 4)
		}},
		{"four alive, one of them only observing", []string{"a", "b", "c", "d"}, func(t testing.TB, c *cluster) {
			base(t, c)
			must(t, c.reps["a"].Evict("b"))
			must(t, c.reps["b"].Evict("c"))
			c.sync(t, "b", "d") // d learns half the cycle early
			must(t, c.reps["c"].Evict("a"))
			c.add("a", 1)
			c.add("d", 8)
		}},
		{"c dies after evicting a, having told d", []string{"a", "b", "d"}, func(t testing.TB, c *cluster) {
			base(t, c)
			must(t, c.reps["a"].Evict("b"))
			must(t, c.reps["b"].Evict("c"))
			must(t, c.reps["c"].Evict("a"))
			c.add("c", 4)
			c.sync(t, "c", "d")
			c.reps["c"].add(100) // never sent: lost with c
			c.add("a", 1)
		}},
		{"c dies after evicting a, having told no one", []string{"a", "b", "d"}, func(t testing.TB, c *cluster) {
			base(t, c)
			must(t, c.reps["a"].Evict("b"))
			must(t, c.reps["b"].Evict("c"))
			must(t, c.reps["c"].Evict("a"))
			c.reps["c"].add(100) // lost with c; its eviction of a never happened for anyone
			c.add("b", 2)
		}},
	}
	for _, kind := range []Kind{G, PN} {
		for _, tc := range cases {
			t.Run(fmt.Sprintf("%v/%s", kind, tc.name), func(t *testing.T) {
				n := len(tc.survivors) * (len(tc.survivors) - 1)
				orders := permutations(min(n, 6))
				for i, order := range orders {
					if n > 6 { // 12 messages: the first 6 permuted, the rest in order
						for j := 6; j < n; j++ {
							order = append(order, j)
						}
						if i%5 != 0 {
							continue // a sample of the orders keeps this quick
						}
					}
					c := newCluster(t, kind, "a", "b", "c", "d")
					tc.run(t, c)
					c.heal(t, kind, tc.survivors, order, i == 0)
				}
			})
		}
	}
}

// TestEvictionDeliveries: every state the replicas of a mutual eviction
// produce (full states and deltas from before, during and after the
// partition, and a handoff), delivered to fresh observers duplicated and in
// random orders, gives one lattice and the exact total.
func TestEvictionDeliveries(t *testing.T) {
	for _, kind := range []Kind{G, PN} {
		t.Run(kind.String(), func(t *testing.T) {
			c := newCluster(t, kind, "a", "b", "c", "h")
			var pool []State
			var cur [4]Cursor
			take := func() {
				for i, n := range []string{"a", "b", "c", "h"} {
					d := c.reps[n].DeltaSince(cur[i])
					cur[i] = d.Cursor
					pool = append(pool, ship(t, c.reps[n].State()), ship(t, d))
				}
			}
			c.add("a", 10)
			c.add("b", 20)
			c.add("c", 5)
			take()
			c.sync(t, "a", "b", "c", "h")
			take()
			must(t, c.reps["a"].Evict("b"))
			must(t, c.reps["b"].Evict("a"))
			c.add("a", 1)
			c.add("b", 2)
			take()
			handoff, err := c.reps["c"].Retire("h") // c leaves cleanly meanwhile
			if err != nil {
				t.Fatal(err)
			}
			must(t, c.reps["h"].Absorb(handoff))
			pool = append(pool, ship(t, handoff))
			take()
			c.sync(t, "a", "b", "h")
			take()
			want := join(t, kind, pool...)
			if v := want.Value(); v != c.total {
				t.Fatalf("the join of every state reads %d, want %d", v, c.total)
			}
			for seed := range uint64(200) {
				rng := rand.New(rand.NewPCG(seed, 12))
				deliveries := append(slices.Clone(pool), pool[:rng.IntN(len(pool))]...)
				rng.Shuffle(len(deliveries), func(i, j int) { deliveries[i], deliveries[j] = deliveries[j], deliveries[i] })
				o := newAPI(t, kind, "~observer")
				for _, s := range deliveries {
					deliver(t, o, s)
				}
				if got := join(t, kind, o.State()); !sameLattice(got, want) {
					t.Fatalf("seed %d: observer holds %+v, want %+v", seed, got, want)
				}
				if o.value() != c.total {
					t.Fatalf("seed %d: observer reads %d, want %d", seed, o.value(), c.total)
				}
			}
			for _, n := range []string{"a", "b", "h"} {
				if v := c.reps[n].value(); v != c.total {
					t.Fatalf("%s reads %d, want %d", n, v, c.total)
				}
			}
		})
	}
}

// TestEvictLiveRandom evicts live nodes at random (each node by one replica
// at most, so cycles of every length form but never two heirs for one node)
// while random replicas gossip full states and deltas. No node dies, so no
// add may be lost: no replica ever reads more than was added, and after a
// final exchange all read the exact total.
func TestEvictLiveRandom(t *testing.T) {
	for seed := range uint64(300) {
		rng := rand.New(rand.NewPCG(seed, 13))
		const n = 5
		reps := make([]evictAPI, n)
		for i := range reps {
			reps[i] = newEvictAPI(t, G, fmt.Sprint("n", i))
		}
		var cursor [n][n]Cursor // cursor[to][from]
		evicted := map[string]bool{}
		var total int64
		for step := range 200 {
			a, b := rng.IntN(n), rng.IntN(n)
			switch op := rng.IntN(10); {
			case op < 4:
				d := int64(rng.IntN(5))
				reps[a].add(d)
				total += d
			case op < 6:
				if a != b {
					deliver(t, reps[a], ship(t, reps[b].State()))
				}
			case op < 9:
				if a != b {
					d := reps[b].DeltaSince(cursor[a][b])
					deliver(t, reps[a], ship(t, d))
					cursor[a][b] = d.Cursor
				}
			default:
				if a != b && !evicted[reps[b].Node()] {
					must(t, reps[a].Evict(reps[b].Node()))
					evicted[reps[b].Node()] = true
				}
			}
			for _, r := range reps {
				if v := r.value(); v > total {
					t.Fatalf("seed %d step %d: %s reads %d of %d added", seed, step, r.Node(), v, total)
				}
			}
		}
		for range 2 {
			for _, a := range reps {
				for _, b := range reps {
					if a != b {
						deliver(t, a, b.State())
					}
				}
			}
		}
		for _, r := range reps {
			if r.value() != total {
				t.Fatalf("seed %d: %s reads %d, want %d (%d evicted)", seed, r.Node(), r.value(), total, len(evicted))
			}
		}
	}
}

// TestEvictAgain: an heir that evicted a node and later gets more of its
// entry evicts it again to fold the rest in, which frees that entry on every
// replica that merges the heir's state.
func TestEvictAgain(t *testing.T) {
	x, _ := NewPNCounter("x")
	h, _ := NewPNCounter("h")
	o, _ := NewPNCounter("o")
	x.Add(5)
	mergeAll(t, h, x.State())
	must(t, h.Evict("x"))
	x.Add(-2)
	_ = x.State() // syncs: x's entry is P 5, N 2
	x.Add(9)      // P 14, N 2: h folded P 5 of it
	mergeAll(t, o, x.State(), h.State())
	mergeAll(t, h, o.State())
	check := func(when string, want map[*PNCounter]int) {
		t.Helper()
		for r, wantLive := range want {
			if live, dead := r.Nodes(); r.Value() != 12 || live != wantLive || dead != 1 {
				t.Fatalf("%s %s: value %d, %d live, %d retired; want 12, %d, 1", r.Node(), when, r.Value(), live, dead, wantLive)
			}
		}
	}
	check("before evicting again", map[*PNCounter]int{h: 2, o: 3}) // x's entry is kept: part of it is in no heir
	must(t, h.Evict("x"))
	mergeAll(t, o, h.State(), x.State())
	check("after evicting again", map[*PNCounter]int{h: 1, o: 2})
	want := State{Kind: PN, Entries: []Entry{{Node: "h", P: 14, N: 2}}, Retired: []Tombstone{{Node: "x", Heir: "h", P: 14, N: 2}}}
	if got := join(t, PN, h.State()); !reflect.DeepEqual(got, want) {
		t.Fatalf("h's state %+v, want %+v", got, want)
	}
}

// TestRetireIntoEvicted: x evicts h while h is alive, then x retires into h.
// The handoff carries h's own tombstone; h absorbs it, and counts its own
// adds once although x's entry holds some of them.
func TestRetireIntoEvicted(t *testing.T) {
	for _, kind := range []Kind{G, PN} {
		t.Run(kind.String(), func(t *testing.T) {
			c := newCluster(t, kind, "x", "h", "o")
			c.add("x", 3)
			c.add("h", 4)
			c.sync(t, "x", "h", "o")
			must(t, c.reps["x"].Evict("h"))
			c.add("h", 5) // x never sees these
			c.add("x", 6)
			handoff, err := c.reps["x"].Retire("h")
			if err != nil {
				t.Fatal(err)
			}
			if len(handoff.Retired) != 1 || handoff.Retired[0] != (Tombstone{Node: "h", Heir: "x", P: 4}) {
				t.Fatalf("handoff carries %+v, want h's tombstone", handoff.Retired)
			}
			must(t, c.reps["h"].Absorb(ship(t, handoff)))
			must(t, c.reps["h"].Absorb(handoff))
			if v := c.reps["h"].value(); v != c.total {
				t.Fatalf("h reads %d, want %d", v, c.total)
			}
			deliver(t, c.reps["o"], c.reps["h"].State())
			deliver(t, c.reps["o"], handoff)
			if v := c.reps["o"].value(); v != c.total {
				t.Fatalf("o reads %d, want %d", v, c.total)
			}
		})
	}
}

// TestEvictedRestarted: x restarts without its state after h evicted it, and
// meets its tombstone, whose totals exceed its fresh entry. It adopts them
// (as it adopts a higher copy of its entry): its adds up to them are hidden,
// the value never goes below what h folded, and later adds count again.
func TestEvictedRestarted(t *testing.T) {
	old, _ := NewPNCounter("x")
	h, _ := NewPNCounter("h")
	old.Add(5)
	mergeAll(t, h, old.State())
	must(t, h.Evict("x"))
	x, _ := NewPNCounter("x") // restarted, state lost
	x.Add(2)
	mergeAll(t, x, h.State())
	if x.Value() != 5 {
		t.Fatalf("x reads %d, want 5 (h's fold; its 2 hidden)", x.Value())
	}
	if s := x.State(); len(s.Entries) != 1 || s.Entries[0].Node != "h" {
		t.Fatalf("x sends %+v: its entry is all in h", s.Entries)
	}
	x.Add(1)
	mergeAll(t, h, x.State())
	for _, r := range []*PNCounter{x, h} {
		if r.Value() != 6 {
			t.Fatalf("%s reads %d, want 6", r.Node(), r.Value())
		}
	}
}
