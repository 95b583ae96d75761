package presence

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/abacusgo/abacus/crdt"
)

// TestCluster: events of the same sessions land on different nodes (a user
// moves between servers); nodes gossip deltas that are lost, duplicated and
// reordered; after a quiet exchange every node counts what one tracker fed
// every event counts.
func TestCluster(t *testing.T) {
	for seed := range uint64(20) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 6))
			const n = 3
			nodes := make([]*Tracker, n)
			for i := range nodes {
				nodes[i] = newTracker(t, Options{Node: fmt.Sprint("node", i), Timeout: 2 * time.Minute})
			}
			all := newTracker(t, Options{Timeout: 2 * time.Minute})
			cursor := [n][n]crdt.Cursor{}
			var inflight []State
			var to []int
			for _, e := range randomEvents(rng, 600) {
				must(t, nodes[rng.IntN(n)].Apply(e))
				must(t, all.Apply(e))
				if rng.IntN(10) == 0 {
					r, s := rng.IntN(n), rng.IntN(n)
					d := nodes[s].DeltaSince(cursor[r][s])
					if rng.IntN(3) > 0 { // delivered (else lost)
						must(t, nodes[r].Merge(d))
						cursor[r][s] = d.Cursor
					}
					inflight = append(inflight, d)
					to = append(to, r)
				}
			}
			for i := range inflight { // late duplicates, in reverse
				j := len(inflight) - 1 - i
				must(t, nodes[to[j]].Merge(inflight[j]))
			}
			for range 2 {
				for r := range n {
					for s := range n {
						if r != s {
							d := nodes[s].DeltaSince(cursor[r][s])
							must(t, nodes[r].Merge(d))
							cursor[r][s] = d.Cursor
						}
					}
				}
			}
			for _, at := range []int{100, 400, 650} {
				want := all.ActiveAt(sec(at))
				for _, nd := range nodes {
					if got := nd.ActiveAt(sec(at)); got != want {
						t.Fatalf("%s at %ds: %+v, want %+v", nd.opts.Node, at, got, want)
					}
				}
			}
			if got, want := nodes[0].Distinct(t0, sec(600)), all.Distinct(t0, sec(600)); got != want {
				t.Fatalf("distinct users %d on node0, %d seen by one tracker", got, want)
			}
		})
	}
}

func TestDistinct(t *testing.T) {
	now := t0.Add(3 * time.Hour)
	tr := newTracker(t, Options{Period: time.Hour, Retain: 3, Now: fixedClock(now)})
	// Hour 0 (t0): users 0..9999 (too old: Retain 3 keeps hours 1..3).
	// Hour 1: users 0..19999; hour 2: users 10000..29999, two sessions each.
	for u := range 10000 {
		must(t, tr.Login(fmt.Sprint(u), fmt.Sprint("a", u), t0.Add(time.Minute)))
	}
	for u := range 20000 {
		must(t, tr.Heartbeat(fmt.Sprint(u), fmt.Sprint("b", u), t0.Add(61*time.Minute)))
	}
	for u := 10000; u < 30000; u++ {
		for s := range 2 {
			must(t, tr.Login(fmt.Sprint(u), fmt.Sprint("c", u, "-", s), t0.Add(125*time.Minute)))
		}
	}
	must(t, tr.Logout("x", "logout-only", t0.Add(125*time.Minute)))
	cases := []struct {
		from, to time.Time
		want     float64
	}{
		{t0, t0.Add(59 * time.Minute), 0},
		{t0.Add(time.Hour), t0.Add(time.Hour), 20000},
		{t0.Add(90 * time.Minute), t0.Add(150 * time.Minute), 30000},
		{t0.Add(2 * time.Hour), now, 20000},
	}
	for _, c := range cases {
		got := float64(tr.Distinct(c.from, c.to))
		if math.Abs(got-c.want) > 4*crdt.HLLError*c.want {
			t.Errorf("Distinct(%v, %v) = %.0f, want about %.0f", c.from, c.to, got, c.want)
		}
	}
	tr.Collect(now.Add(time.Hour))
	if got := tr.Distinct(t0.Add(time.Hour), t0.Add(time.Hour)); got != 0 {
		t.Errorf("hour 1 counts %d after it left the retention", got)
	}
}

func TestStateBinary(t *testing.T) {
	tr := newTracker(t, Options{Node: "n1"})
	for _, e := range randomEvents(rand.New(rand.NewPCG(1, 1)), 200) {
		must(t, tr.Apply(e))
	}
	s := tr.State()
	b, err := s.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var back State
	if err := back.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Sessions, s.Sessions) || back.Cursor != s.Cursor || back.Node != "n1" || len(back.Periods) != 1 ||
		!back.Clock.Equal(t0.Add(time.Hour)) || back.Clock != s.Clock {
		t.Fatalf("round trip changed the state")
	}
	if back.Periods[0].Users.Count() != s.Periods[0].Users.Count() {
		t.Fatal("round trip changed a sketch")
	}
	b2, _ := back.MarshalBinary()
	if !bytes.Equal(b, b2) {
		t.Fatal("encoding is not stable")
	}
	other := newTracker(t, Options{Node: "n2"})
	must(t, other.Merge(back))
	if other.ActiveAt(sec(500)) != tr.ActiveAt(sec(500)) {
		t.Fatal("merging the decoded state gives other counts")
	}
	for name, bad := range map[string][]byte{
		"magic":     []byte("XP\x01"),
		"version":   []byte("AP\x03"),
		"clock":     []byte("AP\x02\x01n\x00\x00\x90\x1c\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01\x00\x00"),
		"truncated": b[:len(b)-1],
		"trailing":  append(bytes.Clone(b), 0),
		"period":    []byte("AP\x01\x01n\x00\x00\x07\x00\x00"),
		"kind":      []byte("AP\x01\x01n\x00\x00\x90\x1c\x01\x01s\x01u\x01\x04\x00"),
		"zero time": []byte("AP\x01\x01n\x00\x00\x90\x1c\x01\x01s\x01u\x00\x01\x00"),
	} {
		var s State
		if err := s.UnmarshalBinary(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: decoded (%v)", name, err)
		}
	}
	if err := other.Merge(State{Node: "x", Period: time.Minute}); !errors.Is(err, ErrInvalid) {
		t.Errorf("merged a state with another period: %v", err)
	}
}

func FuzzStateBinary(f *testing.F) {
	tr, _ := New(Options{Now: fixedClock(t0)})
	_ = tr.Login("u", "s", t0)
	_ = tr.Logout("v", "t", t0)
	s := tr.State()
	b, _ := s.MarshalBinary()
	f.Add(b)
	f.Add([]byte("AP\x01\x01n\x00\x00\x90\x1c\x01\x01s\x01u\x01\x01\x00")) // version 1
	f.Fuzz(func(t *testing.T, b []byte) {
		var s State
		if err := s.UnmarshalBinary(b); err != nil {
			return
		}
		again, err := s.MarshalBinary()
		if err != nil {
			t.Fatalf("decoded a state that does not encode: %v", err)
		}
		var back State
		if err := back.UnmarshalBinary(again); err != nil || !reflect.DeepEqual(back.Sessions, s.Sessions) || back.Clock != s.Clock {
			t.Fatalf("re-encoding does not round trip: %v", err)
		}
		tr, _ := New(Options{Now: fixedClock(t0), Period: s.Period})
		_ = tr.Merge(s)
		tr.Active()
	})
}

// TestDistinctAgesOut: a period that falls out of Retain counts nothing,
// whether or not Collect has run since.
func TestDistinctAgesOut(t *testing.T) {
	now := t0
	tr := newTracker(t, Options{Period: time.Hour, Retain: 2, Now: func() time.Time { return now }})
	must(t, tr.Login("u", "s", t0))
	if got := tr.Distinct(t0, t0); got != 1 {
		t.Fatalf("Distinct = %d, want 1", got)
	}
	now = t0.Add(10 * time.Hour)
	if got := tr.Distinct(t0, t0); got != 0 {
		t.Fatalf("Distinct of a period past Retain = %d before Collect, want 0", got)
	}
}

// TestMergeFutureSessions: a session a peer stamped an hour ahead does not
// count here now, so a logout here ends what the tracker counts; it is held
// and counts once the clock is within MaxSkew of its stamp, beating the
// logout stamped before it, as last-writer-wins has it.
func TestMergeFutureSessions(t *testing.T) {
	now := t0
	clock := func() time.Time { return now }
	ahead := newTracker(t, Options{Node: "ahead", Timeout: time.Minute, Now: func() time.Time { return now.Add(time.Hour) }})
	here := newTracker(t, Options{Node: "here", Timeout: time.Minute, Now: clock})
	must(t, ahead.Login("u", "s", t0.Add(time.Hour)))
	must(t, here.Merge(ahead.State()))
	must(t, here.Logout("u", "s", t0.Add(time.Second)))
	if c := here.ActiveAt(t0.Add(10 * time.Second)); c.Sessions != 0 {
		t.Fatalf("a session stamped an hour ahead is online here: %+v", c)
	}
	if st := here.Stats(); st.HeldSessions != 1 {
		t.Fatalf("the session is not held: %+v", st)
	}
	now = t0.Add(time.Hour - 30*time.Second)
	if c := here.Active(); c.Sessions != 1 {
		t.Fatalf("the held session does not count once due: %+v", c)
	}
}
