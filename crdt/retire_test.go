package crdt

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
)

func mergeAll(t *testing.T, into *PNCounter, states ...State) {
	t.Helper()
	for _, s := range states {
		if err := into.Merge(s); err != nil {
			t.Fatalf("merge into %s: %v", into.Node(), err)
		}
	}
}

// TestRetire follows the protocol of the package doc and then replays every
// state the retired node ever produced, in random orders, to every replica.
func TestRetire(t *testing.T) {
	for seed := range uint64(20) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 3))
			x, _ := NewPNCounter("x")
			h, _ := NewPNCounter("h")
			o, _ := NewPNCounter("o")
			var old []State // every state x ever sent
			var total int64
			for range 50 {
				d := rng.Int64N(21) - 10
				switch rng.IntN(3) {
				case 0:
					x.Add(d)
				case 1:
					h.Add(d)
				default:
					o.Add(d)
				}
				total += d
				if rng.IntN(3) == 0 {
					old = append(old, x.State())
					mergeAll(t, []*PNCounter{h, o}[rng.IntN(2)], old[len(old)-1])
				}
			}
			handoff, err := x.Retire("h")
			if err != nil {
				t.Fatal(err)
			}
			old = append(old, handoff)
			x.Add(1000) // too late: dropped
			if x.Dropped() != 1000 {
				t.Fatalf("Dropped %d, want 1000", x.Dropped())
			}
			if err := x.Merge(o.State()); !errors.Is(err, ErrRetired) {
				t.Fatalf("a retired replica merged: %v", err)
			}
			if err := o.Absorb(handoff); !errors.Is(err, ErrNotHeir) {
				t.Fatalf("o absorbed a handoff for h: %v", err)
			}
			for range 2 { // a retried handoff is absorbed once
				if err := h.Absorb(handoff); err != nil {
					t.Fatal(err)
				}
			}
			mergeAll(t, o, h.State())
			mergeAll(t, h, o.State())
			for _, r := range []*PNCounter{h, o} {
				if got := r.Value(); got != total {
					t.Fatalf("%s reads %d after the handoff, want %d", r.Node(), got, total)
				}
				if live, dead := r.Nodes(); live != 2 || dead != 1 {
					t.Fatalf("%s has %d live and %d retired nodes, want 2 and 1", r.Node(), live, dead)
				}
			}
			rng.Shuffle(len(old), func(i, j int) { old[i], old[j] = old[j], old[i] })
			mergeAll(t, o, old...)
			mergeAll(t, h, old...)
			for _, r := range []*PNCounter{h, o} {
				if got := r.Value(); got != total {
					t.Fatalf("%s reads %d after old states of x came back, want %d", r.Node(), got, total)
				}
			}
		})
	}
}

// TestRetireNoDip: a replica that merges the heir's delta drops the retired
// entry and gains the heir's raised entry in the same merge.
func TestRetireNoDip(t *testing.T) {
	x, _ := NewPNCounter("x")
	h, _ := NewPNCounter("h")
	o, _ := NewPNCounter("o")
	x.Add(7)
	h.Add(1)
	mergeAll(t, o, x.State(), h.State())
	cur := h.DeltaSince(Cursor{}).Cursor
	handoff, _ := x.Retire("h")
	if err := h.Absorb(handoff); err != nil {
		t.Fatal(err)
	}
	d := h.DeltaSince(cur)
	if len(d.Entries) != 1 || d.Entries[0] != (Entry{Node: "h", P: 8}) || len(d.Retired) != 1 {
		t.Fatalf("heir's delta %+v: want its raised entry and the tombstone together", d)
	}
	mergeAll(t, o, d)
	if o.Value() != 8 {
		t.Fatalf("o reads %d, want 8", o.Value())
	}
}

func TestEvict(t *testing.T) {
	x, _ := NewPNCounter("x")
	a, _ := NewPNCounter("a")
	b, _ := NewPNCounter("b")
	x.Add(5)
	mergeAll(t, a, x.State())
	lost := x.State()
	x.Add(2) // reaches b only below, after the eviction
	if err := a.Evict("x"); err != nil {
		t.Fatal(err)
	}
	if err := a.Evict("x"); err != nil {
		t.Fatalf("evicting twice on the same replica: %v", err)
	}
	if live, dead := a.Nodes(); live != 1 || dead != 1 || a.Value() != 5 {
		t.Fatalf("a after evicting x: %d live, %d retired, value %d; want 1, 1, 5", live, dead, a.Value())
	}
	mergeAll(t, b, a.State(), lost)
	if b.Value() != 5 {
		t.Fatalf("b reads %d, want 5 (x's old state is all in a)", b.Value())
	}
	mergeAll(t, b, x.State()) // x's last 2 adds, which a never saw, count once
	if b.Value() != 7 {
		t.Fatalf("b reads %d, want 7", b.Value())
	}
	// Evicting on a second replica is the documented misuse: detected.
	c, _ := NewPNCounter("c")
	mergeAll(t, c, x.State())
	if err := c.Evict("x"); err != nil {
		t.Fatal(err)
	}
	if err := b.Merge(c.State()); !errors.Is(err, ErrConflict) {
		t.Fatalf("two heirs for x: %v, want ErrConflict", err)
	}
	if err := b.Evict("x"); !errors.Is(err, ErrConflict) {
		t.Fatalf("b evicts x, evicted into a as b knows: %v", err)
	}
	if err := a.Evict("a"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("a replica evicted itself: %v", err)
	}
}

// TestEvicted: a live replica that learns it was evicted goes on counting,
// and nothing it added is lost: what its entry holds beyond the tombstone's
// totals counts everywhere. It may then retire into the replica that evicted
// it, and only into that one.
func TestEvicted(t *testing.T) {
	a, _ := NewGCounter("a")
	b, _ := NewGCounter("b")
	c, _ := NewGCounter("c")
	a.Add(3)
	must(t, b.Merge(a.State()))
	must(t, b.Evict("a"))
	a.Add(4) // after the eviction, before a learns of it
	must(t, a.Merge(b.State()))
	a.Add(5) // after a learned of it
	must(t, a.Merge(b.State()))
	must(t, b.Merge(a.State()))
	must(t, c.Merge(a.State()))
	must(t, c.Merge(b.State()))
	for _, r := range []*GCounter{a, b, c} {
		if r.Value() != 12 {
			t.Fatalf("%s reads %d, want 12", r.Node(), r.Value())
		}
	}
	if _, err := a.Retire("c"); !errors.Is(err, ErrConflict) {
		t.Fatalf("a, evicted into b, retires into c: %v", err)
	}
	h, err := a.Retire("b")
	if err != nil {
		t.Fatal(err)
	}
	must(t, b.Absorb(h))
	must(t, b.Absorb(h))
	must(t, c.Merge(b.State()))
	must(t, c.Merge(h))
	for _, w := range []struct {
		r    *GCounter
		live int // a's entry is gone everywhere: all of it is in b's
	}{{b, 1}, {c, 2}} {
		if live, dead := w.r.Nodes(); w.r.Value() != 12 || live != w.live || dead != 1 {
			t.Fatalf("%s after a's handoff: value %d, %d live, %d retired; want 12, %d, 1",
				w.r.Node(), w.r.Value(), live, dead, w.live)
		}
	}
}

// TestRetireChain: a node retires into an heir that later retires in turn.
// A replica that still holds the first node's entry must drop it when it
// gets the last heir's entry, which holds its count.
func TestRetireChain(t *testing.T) {
	x, _ := NewGCounter("x")
	h, _ := NewGCounter("h")
	k, _ := NewGCounter("k")
	r, _ := NewGCounter("r")
	x.Add(10)
	h.Add(1)
	k.Add(100)
	for _, c := range []*GCounter{x, h, k} {
		if err := r.Merge(c.State()); err != nil {
			t.Fatal(err)
		}
	}
	hx, err := x.Retire("h")
	if err != nil {
		t.Fatal(err)
	}
	must(t, h.Absorb(hx))
	kh, err := h.Retire("k")
	if err != nil {
		t.Fatal(err)
	}
	must(t, k.Absorb(kh))
	must(t, r.Merge(k.State()))
	if r.Value() != 111 || k.Value() != 111 {
		t.Fatalf("r reads %d and k %d; want 111", r.Value(), k.Value())
	}
	// Late copies of x's and h's old states count nothing.
	must(t, r.Merge(hx))
	must(t, r.Merge(kh))
	if r.Value() != 111 {
		t.Fatalf("after late states r reads %d", r.Value())
	}
}

// TestRetireRandomChains retires nodes into nodes that may retire later,
// with gossip of full states between random replicas in between: no live
// replica ever reads more than was added, and all converge on the total.
func TestRetireRandomChains(t *testing.T) {
	for seed := range uint64(300) {
		rng := rand.New(rand.NewPCG(seed, 9))
		live := map[string]*GCounter{}
		var names []string
		for i := range 6 {
			n := fmt.Sprint("n", i)
			live[n], _ = NewGCounter(n)
			names = append(names, n)
		}
		var total uint64
		pick := func() *GCounter { return live[names[rng.IntN(len(names))]] }
		for step := range 200 {
			switch op := rng.IntN(10); {
			case op < 5:
				d := uint64(rng.IntN(5))
				pick().Add(d)
				total += d
			case op < 9:
				from, to := pick(), pick()
				if from != to {
					must(t, to.Merge(from.State()))
				}
			case len(names) > 1:
				i := rng.IntN(len(names))
				leaving := live[names[i]]
				names = append(names[:i], names[i+1:]...)
				delete(live, leaving.Node())
				heir := pick()
				h, err := leaving.Retire(heir.Node())
				if err != nil {
					t.Fatal(err)
				}
				must(t, heir.Absorb(h))
			}
			for _, c := range live {
				if v := c.Value(); v > total {
					t.Fatalf("seed %d step %d: %s reads %d of %d added", seed, step, c.Node(), v, total)
				}
			}
		}
		for range 3 {
			for _, a := range names {
				for _, b := range names {
					must(t, live[a].Merge(live[b].State()))
				}
			}
		}
		for _, c := range live {
			if c.Value() != total {
				t.Fatalf("seed %d: %s converged on %d of %d", seed, c.Node(), c.Value(), total)
			}
		}
	}
}

// TestEvictedStates: a replica that learns it was evicted goes on sending
// states that validate (without its own entry, which lives in its heir).
func TestEvictedStates(t *testing.T) {
	a, _ := NewPNCounter("a")
	b, _ := NewPNCounter("b")
	c, _ := NewPNCounter("c")
	a.Add(3)
	mergeAll(t, b, a.State())
	must(t, b.Evict("a"))
	mergeAll(t, a, b.State())
	s := a.State()
	if err := s.Validate(); err != nil {
		t.Fatalf("an evicted replica's state: %v", err)
	}
	mergeAll(t, c, s, b.State())
	if c.Value() != 3 {
		t.Fatalf("c reads %d, want 3", c.Value())
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
