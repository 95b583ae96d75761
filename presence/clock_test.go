package presence

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/crdt"
)

// clock is a fake clock for Options.Now.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

// skewed returns a clock running d ahead of c (behind for a negative d).
func (c *clock) skewed(d time.Duration) func() time.Time {
	return func() time.Time { return c.now.Add(d) }
}

// TestMergeAhead: a peer whose clock runs ahead loses nothing. Its
// sessions stamped within MaxSkew count at once, the others are held and
// count from MaxSkew before their stamp; its skew is measured.
func TestMergeAhead(t *testing.T) {
	cases := []struct {
		ahead  time.Duration
		held   int
		counts time.Duration // after t0, when the here clock reaches stamp - MaxSkew
	}{
		{10 * time.Second, 0, 0},
		{30 * time.Second, 0, 0},
		{time.Minute, 4, 30 * time.Second},
		{10 * time.Minute, 4, 9*time.Minute + 30*time.Second},
	}
	for _, c := range cases {
		t.Run(c.ahead.String(), func(t *testing.T) {
			clk := &clock{t0}
			opts := Options{Timeout: 5 * time.Minute, MaxSkew: 30 * time.Second}
			opts.Node, opts.Now = "peer", clk.skewed(c.ahead)
			peer := newTracker(t, opts)
			opts.Node, opts.Now = "here", clk.Now
			here := newTracker(t, opts)
			stamp := t0.Add(c.ahead) // the peer's now
			must(t, peer.Login("ada", "a1", stamp))
			must(t, peer.Login("ada", "a2", stamp))
			must(t, peer.Heartbeat("bob", "b1", stamp))
			must(t, peer.Logout("cy", "c1", stamp))

			must(t, here.Merge(peer.State()))
			st := here.Stats()
			if st.HeldSessions != c.held || st.FutureSessions != 0 || st.Skew["peer"] != c.ahead {
				t.Fatalf("after the merge: %+v", st)
			}
			if c.counts > 0 {
				clk.now = t0.Add(c.counts - time.Nanosecond)
				if got := here.Active(); got != (Counts{}) {
					t.Fatalf("counted %+v before the clock reached stamp - MaxSkew", got)
				}
			}
			clk.now = t0.Add(c.counts)
			if got := here.Active(); got != (Counts{3, 2}) {
				t.Fatalf("at stamp - MaxSkew: %+v, want 3 sessions of 2 users", got)
			}
			if st := here.Stats(); st.HeldSessions != 0 || here.Len() != 4 {
				t.Fatalf("after release: %+v, %d sessions", st, here.Len())
			}
			// Released sessions are merged state: they relay to a third tracker.
			opts.Node = "third"
			third := newTracker(t, opts)
			must(t, third.Merge(here.State()))
			if got := third.Active(); got != (Counts{3, 2}) {
				t.Fatalf("relayed: %+v", got)
			}
			// And they expire Timeout after their stamp.
			clk.now = stamp.Add(opts.Timeout)
			if got := here.Active(); got != (Counts{}) {
				t.Fatalf("at stamp + Timeout: %+v", got)
			}
		})
	}
}

// TestMergeHoldFull: beyond MaxHeld, Merge refuses with ErrFuture and counts
// what it refused; merging the same state again holds nothing twice; a
// transport that kept its cursor gets everything in once the hold drains.
func TestMergeHoldFull(t *testing.T) {
	for _, maxHeld := range []int{1, 3, 5} {
		t.Run(fmt.Sprint("MaxHeld=", maxHeld), func(t *testing.T) {
			clk := &clock{t0}
			peer := newTracker(t, Options{Node: "peer", Now: clk.skewed(time.Hour)})
			here := newTracker(t, Options{Node: "here", MaxHeld: maxHeld, Now: clk.Now})
			for i := range 5 {
				must(t, peer.Login(fmt.Sprint("u", i), fmt.Sprint("s", i), t0.Add(time.Hour+time.Duration(i)*time.Second)))
			}
			refused := 5 - min(maxHeld, 5)
			var cursor crdt.Cursor
			for round := 1; round <= 2; round++ {
				d := peer.DeltaSince(cursor)
				err := here.Merge(d)
				if refused > 0 != errors.Is(err, ErrFuture) {
					t.Fatalf("round %d: Merge = %v with %d to refuse", round, err, refused)
				}
				if err == nil {
					cursor = d.Cursor
				}
				st := here.Stats()
				if st.HeldSessions != min(maxHeld, 5) || st.FutureSessions != uint64(round*refused) {
					t.Fatalf("round %d: %+v", round, st)
				}
			}
			clk.now = t0.Add(time.Hour) // everything held came due
			if got := here.Active(); got.Sessions != min(maxHeld, 5) {
				t.Fatalf("released %+v", got)
			}
			d := peer.DeltaSince(cursor)
			must(t, here.Merge(d))
			if got := here.Active(); got != (Counts{5, 5}) {
				t.Fatalf("after the re-send: %+v", got)
			}
		})
	}
}

// TestMergeFarAhead: records stamped beyond MaxSkew + MaxAhead are refused
// at once and counted, so a clock that is far off cannot fill the hold; a
// peer only slightly ahead is still held.
func TestMergeFarAhead(t *testing.T) {
	clk := &clock{t0}
	far := newTracker(t, Options{Node: "far", Now: clk.skewed(2 * time.Hour)})
	near := newTracker(t, Options{Node: "near", Now: clk.skewed(time.Minute)})
	here := newTracker(t, Options{Node: "here", MaxHeld: 2, Now: clk.Now})
	for i := range 3 {
		must(t, far.Login(fmt.Sprint("f", i), fmt.Sprint("fs", i), t0.Add(2*time.Hour)))
	}
	must(t, near.Login("n", "ns", t0.Add(time.Minute)))
	s := far.State()
	s.Periods = nil // hour 2's sketch is refused too; count sessions alone here
	if err := here.Merge(s); !errors.Is(err, ErrFuture) {
		t.Fatalf("a state 2h ahead: Merge = %v, want ErrFuture", err)
	}
	if st := here.Stats(); st.HeldSessions != 0 || st.FutureSessions != 3 {
		t.Fatalf("after the far state: %+v", st)
	}
	must(t, here.Merge(near.State()))
	if st := here.Stats(); st.HeldSessions != 1 {
		t.Fatalf("after the near state: %+v", st)
	}
	clk.now = t0.Add(30 * time.Second)
	if got := here.Active(); got != (Counts{1, 1}) {
		t.Fatalf("the near peer's session once due: %+v", got)
	}
}

// TestMergeBehind: a state whose producer's clock is more than MaxSkew +
// MaxTransit behind is refused whole with ErrSkew, and counted.
func TestMergeBehind(t *testing.T) {
	cases := []struct {
		behind time.Duration
		refuse bool
	}{
		{10 * time.Second, false},
		{time.Minute, false}, // MaxSkew 30s + MaxTransit 30s
		{time.Minute + time.Millisecond, true},
		{10 * time.Minute, true},
	}
	for _, c := range cases {
		t.Run(c.behind.String(), func(t *testing.T) {
			clk := &clock{t0}
			peer := newTracker(t, Options{Node: "peer", Now: clk.skewed(-c.behind)})
			here := newTracker(t, Options{Node: "here", Now: clk.Now})
			must(t, peer.Login("u", "s", t0.Add(-c.behind)))
			must(t, peer.Logout("v", "t", t0.Add(-c.behind)))
			err := here.Merge(peer.State())
			if c.refuse != errors.Is(err, ErrSkew) || c.refuse != (err != nil) {
				t.Fatalf("Merge = %v", err)
			}
			want := Stats{Skew: map[string]time.Duration{"peer": -c.behind}}
			if c.refuse {
				want.SkewStates, want.SkewSessions = 1, 2
			}
			if st := here.Stats(); fmt.Sprint(st) != fmt.Sprint(want) {
				t.Fatalf("stats %+v, want %+v", st, want)
			}
			if n := here.Len(); c.refuse != (n == 0) {
				t.Fatalf("%d sessions merged", n)
			}
		})
	}
}

// TestFuturePeriods: sketches of 500 periods in the future, with Retain 2,
// keep at most Retain held; the rest is refused and counted, also when
// the same state comes again. Apply cannot make a future period.
func TestFuturePeriods(t *testing.T) {
	clk := &clock{t0} // t0 starts an hour
	here := newTracker(t, Options{Node: "here", Retain: 2, MaxAhead: 3 * time.Hour, Now: clk.Now})
	s := State{Node: "peer", Period: time.Hour}
	for i := range 500 {
		users := new(crdt.HLL)
		users.AddString(fmt.Sprint("u", i))
		s.Periods = append(s.Periods, Period{Start: t0.Add(time.Duration(i) * time.Hour), Users: users})
	}
	for round := 1; round <= 2; round++ {
		if err := here.Merge(s); !errors.Is(err, ErrFuture) {
			t.Fatalf("round %d: Merge = %v", round, err)
		}
		// Hour 0 merged, hours 1 and 2 held, 497 refused.
		st := here.Stats()
		if st.HeldPeriods != 2 || st.FuturePeriods != uint64(round*497) {
			t.Fatalf("round %d: %+v", round, st)
		}
		if n := len(here.State().Periods); n != 1 {
			t.Fatalf("round %d: %d periods kept", round, n)
		}
	}
	if err := here.Login("u", "s", t0.Add(time.Hour)); !errors.Is(err, ErrFuture) {
		t.Fatalf("Apply of a future period: %v", err)
	}
	clk.now = t0.Add(time.Hour - 30*time.Second) // hour 1 is MaxSkew away
	if got := here.Distinct(t0.Add(time.Hour), t0.Add(time.Hour)); got != 1 {
		t.Fatalf("hour 1 counts %d users once due, want 1", got)
	}
	if st := here.Stats(); st.HeldPeriods != 1 || len(here.State().Periods) != 2 {
		t.Fatalf("after hour 1 came due: %+v", st)
	}
}

// TestHeldExact: with a peer running ahead by more than MaxSkew, the
// incremental counts equal the model of every session record merged whose
// stamp the clock has come within MaxSkew of, under collection and local
// events.
func TestHeldExact(t *testing.T) {
	const timeout, skew = time.Minute, 5 * time.Second
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 9))
		clk := &clock{t0}
		ahead := time.Duration(10+rng.IntN(60)) * time.Second
		peer := newTracker(t, Options{Node: "peer", Timeout: timeout, MaxSkew: skew, Now: clk.skewed(ahead)})
		here := newTracker(t, Options{Node: "here", Timeout: timeout, MaxSkew: skew, Now: clk.Now})
		var cursor crdt.Cursor
		var merged []Event
		for range 2000 {
			switch rng.IntN(10) {
			case 0:
				clk.now = clk.now.Add(time.Duration(rng.IntN(10)) * time.Second)
				var due []Event
				for _, e := range merged {
					if !e.At.After(clk.now.Add(skew)) {
						due = append(due, e)
					}
				}
				if got, want := here.Active(), model(due, clk.now, timeout); got != want {
					t.Fatalf("seed %d, %v ahead, at %v: %+v, model %+v", seed, ahead, clk.now.Sub(t0), got, want)
				}
			case 1:
				here.Collect(clk.now)
			case 2:
				d := peer.DeltaSince(cursor)
				must(t, here.Merge(d))
				cursor = d.Cursor
				for _, x := range d.Sessions {
					merged = append(merged, Event{Kind: x.Kind, User: x.User, Session: x.ID, At: x.At})
				}
			default:
				u := rng.IntN(20)
				tr, now := peer, clk.now.Add(ahead)
				if rng.IntN(4) == 0 {
					tr, now = here, clk.now
				}
				e := Event{
					Kind:    Kind(1 + rng.IntN(3)),
					User:    fmt.Sprint("user", u),
					Session: fmt.Sprintf("s%d-%d", u, rng.IntN(2)),
					At:      now.Add(time.Duration(rng.IntN(80)-75) * time.Second),
				}
				must(t, tr.Apply(e))
				if tr == here {
					merged = append(merged, e)
				}
			}
		}
	}
}

func TestRegister(t *testing.T) {
	clk := &clock{t0}
	peer := newTracker(t, Options{Node: "peer", Now: clk.skewed(-time.Hour)})
	here := newTracker(t, Options{Node: "here", MaxHeld: 1, Now: clk.Now})
	must(t, peer.Login("u", "s", t0.Add(-time.Hour)))
	if err := here.Merge(peer.State()); !errors.Is(err, ErrSkew) {
		t.Fatal(err)
	}
	ahead := State{Node: "ahead", Period: time.Hour, Sessions: []Session{
		{ID: "a", User: "u", At: t0.Add(time.Hour), Kind: Login},
		{ID: "b", User: "u", At: t0.Add(time.Hour), Kind: Login},
	}}
	if err := here.Merge(ahead); !errors.Is(err, ErrFuture) {
		t.Fatal(err)
	}
	reg := abacus.NewRegistry()
	must(t, here.Register(reg))
	if err := here.Register(reg); err == nil {
		t.Fatal("registered twice")
	}
	got := map[string]float64{}
	for f, series := range reg.Gather() {
		for s := range series {
			got[f.Name()+s.Labels.String()] = s.Value
		}
	}
	for name, want := range map[string]float64{
		`abacus_presence_held_sessions{node="here"}`:                       1,
		`abacus_presence_future_refused_sessions_total{node="here"}`:       1,
		`abacus_presence_skew_refused_states_total{node="here"}`:           1,
		`abacus_presence_skew_refused_sessions_total{node="here"}`:         1,
		`abacus_presence_peer_clock_skew_seconds{node="here",peer="peer"}`: -3600,
		`abacus_presence_held_periods{node="here"}`:                        0,
		`abacus_presence_future_refused_periods_total{node="here"}`:        0,
	} {
		if v, ok := got[name]; !ok || v != want {
			t.Errorf("%s = %v (%v), want %v", name, v, ok, want)
		}
	}
}
