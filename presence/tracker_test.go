package presence

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

var t0 = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

func fixedClock(at time.Time) func() time.Time { return func() time.Time { return at } }

func newTracker(t testing.TB, opts Options) *Tracker {
	t.Helper()
	if opts.Now == nil {
		opts.Now = fixedClock(t0.Add(time.Hour))
	}
	tr, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func sec(n int) time.Time { return t0.Add(time.Duration(n) * time.Second) }

func TestLastWriterWins(t *testing.T) {
	type ev struct {
		kind Kind
		at   int
	}
	cases := []struct {
		name   string
		events []ev
		active bool // at sec(100), with a 5 minute timeout
	}{
		{"login", []ev{{Login, 10}}, true},
		{"login logout", []ev{{Login, 10}, {Logout, 20}}, false},
		{"logout before login arrives", []ev{{Logout, 20}, {Login, 10}}, false},
		{"late heartbeat cannot resurrect", []ev{{Login, 10}, {Logout, 20}, {Heartbeat, 15}}, false},
		{"heartbeat after logout wins", []ev{{Login, 10}, {Logout, 20}, {Heartbeat, 30}}, true},
		{"heartbeat without login", []ev{{Heartbeat, 50}}, true},
		{"tie: logout beats heartbeat", []ev{{Heartbeat, 20}, {Logout, 20}}, false},
		{"tie either order", []ev{{Logout, 20}, {Heartbeat, 20}}, false},
		{"tie: heartbeat beats login", []ev{{Heartbeat, 20}, {Login, 20}, {Logout, 5}}, true},
		{"expired", []ev{{Login, -300}}, false},
		{"kept alive", []ev{{Login, -300}, {Heartbeat, -100}}, true},
		{"duplicates", []ev{{Login, 10}, {Login, 10}, {Logout, 20}, {Logout, 20}, {Login, 10}}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tr := newTracker(t, Options{})
			for _, e := range c.events {
				if err := tr.Apply(Event{Kind: e.kind, User: "u", Session: "s", At: sec(e.at)}); err != nil {
					t.Fatal(err)
				}
			}
			want := Counts{}
			if c.active {
				want = Counts{1, 1}
			}
			if got := tr.ActiveAt(sec(100)); got != want {
				t.Fatalf("active %+v, want %+v", got, want)
			}
		})
	}
}

// randomEvents makes a plausible stream: users with a few sessions each,
// logins, heartbeats and logouts over ten minutes, stamped to the second so
// that ties happen.
func randomEvents(rng *rand.Rand, n int) []Event {
	var evs []Event
	for range n {
		u := rng.IntN(40)
		evs = append(evs, Event{
			Kind:    Kind(1 + rng.IntN(3)),
			User:    fmt.Sprint("user", u),
			Session: fmt.Sprintf("s%d-%d", u, rng.IntN(3)),
			At:      sec(rng.IntN(600)),
		})
	}
	return evs
}

// model is the reference: per session, the maximum of (at, kind, user).
func model(evs []Event, now time.Time, timeout time.Duration) Counts {
	last := map[string]Event{}
	for _, e := range evs {
		l, ok := last[e.Session]
		if !ok || e.At.After(l.At) || e.At.Equal(l.At) && (e.Kind > l.Kind || e.Kind == l.Kind && e.User > l.User) {
			last[e.Session] = e
		}
	}
	users := map[string]bool{}
	c := Counts{}
	for _, e := range last {
		if e.Kind != Logout && e.At.After(now.Add(-timeout)) {
			c.Sessions++
			users[e.User] = true
		}
	}
	c.Users = len(users)
	return c
}

func TestOrderInsensitive(t *testing.T) {
	for seed := range uint64(50) {
		rng := rand.New(rand.NewPCG(seed, 5))
		evs := randomEvents(rng, 300)
		inOrder := newTracker(t, Options{Timeout: 2 * time.Minute})
		for _, e := range evs {
			if err := inOrder.Apply(e); err != nil {
				t.Fatal(err)
			}
		}
		shuffled := append(slices.Clone(evs), evs[:150]...)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		mixed := newTracker(t, Options{Timeout: 2 * time.Minute})
		for _, e := range shuffled {
			if err := mixed.Apply(e); err != nil {
				t.Fatal(err)
			}
		}
		// Increasing times use the incremental counts, earlier ones a scan.
		for _, at := range []int{60, 300, 599, 700, 100, 650} {
			want := model(evs, sec(at), 2*time.Minute)
			if got := inOrder.ActiveAt(sec(at)); got != want {
				t.Fatalf("seed %d at %ds: in order %+v, model %+v", seed, at, got, want)
			}
			if got := mixed.ActiveAt(sec(at)); got != want {
				t.Fatalf("seed %d at %ds: shuffled and duplicated %+v, model %+v", seed, at, got, want)
			}
		}
	}
}

// TestIncremental interleaves events, counts at a moving clock and
// collection, and checks every count against the model of the events so far.
func TestIncremental(t *testing.T) {
	for seed := range uint64(30) {
		rng := rand.New(rand.NewPCG(seed, 7))
		clock := 0
		tr := newTracker(t, Options{Timeout: time.Minute, MaxSkew: 5 * time.Second,
			Now: func() time.Time { return sec(clock) }})
		var applied []Event
		for range 3000 {
			switch rng.IntN(10) {
			case 0:
				clock += rng.IntN(20)
				want := model(applied, sec(clock), time.Minute)
				if got := tr.Active(); got != want {
					t.Fatalf("seed %d at %ds: %+v, model %+v", seed, clock, got, want)
				}
			case 1:
				tr.Collect(sec(clock))
			default:
				u := rng.IntN(30)
				e := Event{
					Kind:    Kind(1 + rng.IntN(3)),
					User:    fmt.Sprint("user", u),
					Session: fmt.Sprintf("s%d-%d", u, rng.IntN(2)),
					At:      sec(clock - 90 + rng.IntN(95)), // late, on time, a little early
				}
				must(t, tr.Apply(e))
				applied = append(applied, e)
			}
		}
	}
}

func TestCollect(t *testing.T) {
	now := sec(0)
	tr := newTracker(t, Options{Timeout: time.Minute, MaxSkew: 10 * time.Second, Now: func() time.Time { return now }})
	must(t, tr.Login("u", "a", sec(0)))
	must(t, tr.Logout("u", "a", sec(5)))
	must(t, tr.Login("v", "b", sec(0)))
	// The horizon is Timeout + MaxSkew = 70s after an event.
	if n := tr.Collect(sec(70)); n != 0 || tr.Len() != 2 {
		t.Fatalf("collected %d at the horizon", n)
	}
	if n := tr.Collect(sec(71)); n != 1 || tr.Len() != 1 {
		t.Fatalf("collected %d at 71s, want the expired session", n)
	}
	if n := tr.Collect(sec(75)); n != 0 || tr.Len() != 1 {
		t.Fatalf("collected %d at 75s, want the tombstone kept", n)
	}
	if n := tr.Collect(sec(76)); n != 1 || tr.Len() != 0 {
		t.Fatalf("collected %d at 76s, want the tombstone", n)
	}
	// A late heartbeat stamped before the forgotten logout comes back: it is
	// expired, so it counts nothing, and it is collected again.
	now = sec(80)
	must(t, tr.Heartbeat("u", "a", sec(3)))
	if c := tr.ActiveAt(sec(80)); c.Sessions != 0 {
		t.Fatalf("late heartbeat resurrected a session: %+v", c)
	}
	if n := tr.Collect(sec(80)); n != 1 || tr.Len() != 0 {
		t.Fatalf("collected %d at 80s, want the late heartbeat", n)
	}
}

func TestRejects(t *testing.T) {
	tr := newTracker(t, Options{MaxSkew: time.Second, Now: fixedClock(t0)})
	cases := map[string]Event{
		"kind":         {Kind: 9, User: "u", Session: "s", At: t0},
		"no user":      {Kind: Login, Session: "s", At: t0},
		"no session":   {Kind: Login, User: "u", At: t0},
		"long session": {Kind: Login, User: "u", Session: string(make([]byte, 256)), At: t0},
		"bad utf8":     {Kind: Login, User: "\xff", Session: "s", At: t0},
		"zero time":    {Kind: Login, User: "u", Session: "s"},
		"future":       {Kind: Login, User: "u", Session: "s", At: t0.Add(2 * time.Second)},
	}
	for name, e := range cases {
		err := tr.Apply(e)
		if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrFuture) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if tr.Len() != 0 {
		t.Fatal("a rejected event was recorded")
	}
	for _, o := range []Options{{Period: 7 * time.Minute}, {Period: time.Millisecond}, {Timeout: -1}, {Node: "\xff"}} {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) accepted", o)
		}
	}
}

// TestHeartbeatRacesExpiry: a session that keeps sending heartbeats within
// its timeout is never counted out, whatever order heartbeats, collection
// and counting run in.
func TestHeartbeatRacesExpiry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const timeout = 10 * time.Second
		tr, _ := New(Options{Timeout: timeout, MaxSkew: time.Second})
		ctx, cancel := context.WithCancel(t.Context())
		var wg sync.WaitGroup
		must(t, tr.Login("u", "s", time.Now()))
		wg.Go(func() { // heartbeat every 9.99s: always within the timeout
			for ctx.Err() == nil {
				time.Sleep(timeout - 10*time.Millisecond)
				must(t, tr.Heartbeat("u", "s", time.Now()))
			}
		})
		wg.Go(func() { _ = tr.Run(ctx, time.Second) }) // collection
		wg.Go(func() {                                 // an expiring session alongside
			for ctx.Err() == nil {
				must(t, tr.Login("v", fmt.Sprint("short-", time.Now().UnixNano()), time.Now()))
				time.Sleep(3 * time.Second)
			}
		})
		for range 1000 {
			time.Sleep(997 * time.Millisecond)
			c := tr.Active()
			if c.Users != 2 {
				t.Fatalf("at %v: %+v, want both users", time.Now(), c)
			}
			if c.Sessions < 2 || c.Sessions > 5 {
				t.Fatalf("at %v: %d sessions", time.Now(), c.Sessions)
			}
		}
		if tr.Len() > 10 {
			t.Fatalf("collection kept %d sessions", tr.Len())
		}
		cancel()
		wg.Wait()
	})
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
