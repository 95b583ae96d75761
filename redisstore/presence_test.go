package redisstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/abacusgo/abacus/internal/redistest"
	"github.com/abacusgo/abacus/presence"
)

var t0 = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

func sec(n int) time.Time { return t0.Add(time.Duration(n) * time.Second) }

func presenceStore(t testing.TB, addr, node string, now func() time.Time) (*Store, *Presence) {
	t.Helper()
	s, err := New(client(t, addr), Options{Node: node, Timeout: time.Second, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	s.pinned = now // the clock of record: Redis's TIME cannot be faked
	p, err := s.Presence("online", PresenceOptions{Timeout: 2 * time.Minute, MaxSkew: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return s, p
}

// TestPresenceOrderInsensitive: the same events, duplicated, shuffled, split
// over several nodes and flushes, give the count of the in-process tracker.
func TestPresenceOrderInsensitive(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	ctx := context.Background()
	clock := func() time.Time { return sec(600) }
	for seed := range uint64(5) {
		rng := rand.New(rand.NewPCG(seed, 8))
		var evs []presence.Event
		for range 400 {
			u := rng.IntN(50)
			evs = append(evs, presence.Event{
				Kind: presence.Kind(1 + rng.IntN(3)), User: fmt.Sprint("user", u),
				Session: fmt.Sprintf("%d-s%d-%d", seed, u, rng.IntN(3)), At: sec(rng.IntN(600)),
			})
		}
		ref, _ := presence.New(presence.Options{Timeout: 2 * time.Minute, Now: clock})
		for _, e := range evs {
			must(t, ref.Apply(e))
		}
		stores := make([]*Store, 3)
		sets := make([]*Presence, 3)
		for i := range stores {
			stores[i], sets[i] = presenceStore(t, srv.Addr(), fmt.Sprint("n", i), clock)
		}
		all := append(slices.Clone(evs), evs[:200]...)
		rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
		for i, e := range all {
			must(t, sets[rng.IntN(3)].Apply(e))
			if i%50 == 0 {
				must(t, stores[rng.IntN(3)].Flush(ctx))
			}
		}
		for _, s := range stores {
			must(t, s.Flush(ctx))
		}
		// Flushes forget what is older than 600s - Timeout - MaxSkew, so
		// compare at times no forgotten entry could count at.
		for _, at := range []int{600, 650, 700} {
			want := ref.ActiveAt(sec(at))
			got, err := sets[0].ActiveAt(ctx, sec(at))
			if err != nil || got != want {
				t.Fatalf("seed %d at %ds: Redis counts %+v (%v), tracker %+v", seed, at, got, err, want)
			}
		}
		must(t, stores[1].Flush(ctx)) // its cache now sees every node's events
		if a, _ := sets[1].Cached(); a != ref.ActiveAt(sec(600)) {
			t.Fatalf("seed %d: cached active %+v, tracker %+v", seed, a, ref.ActiveAt(sec(600)))
		}
		_ = srv
		must(t, client(t, srv.Addr()).FlushAll(ctx).Err())
	}
}

func TestPresenceTombstones(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	ctx := context.Background()
	now := sec(30)
	s, p := presenceStore(t, srv.Addr(), "a", func() time.Time { return now })
	must(t, p.Login("u", "s", sec(0)))
	must(t, s.Flush(ctx))
	must(t, p.Logout("u", "s", sec(20)))
	must(t, s.Flush(ctx))
	must(t, p.Heartbeat("u", "s", sec(15))) // late: stamped before the logout
	must(t, s.Flush(ctx))
	if n, _ := p.ActiveAt(ctx, now); n.Sessions != 0 {
		t.Fatalf("a late heartbeat brought the session back: %d active", n)
	}
	must(t, p.Heartbeat("u", "s", sec(25))) // after the logout: last writer wins
	must(t, s.Flush(ctx))
	if n, _ := p.ActiveAt(ctx, now); n.Sessions != 1 {
		t.Fatalf("%d active, want 1", n)
	}
	// Expiry needs no write; collection forgets entries past the horizon
	// (Timeout 2m + MaxSkew 10s).
	if n, _ := p.ActiveAt(ctx, sec(25+120)); n.Sessions != 0 {
		t.Fatalf("%d active after the timeout", n)
	}
	rc := client(t, srv.Addr())
	for _, c := range []struct{ now, seen, gone int64 }{
		{20 + 130, 1, 1}, // the tombstone (20s) is at the horizon: kept
		{21 + 130, 1, 0},
		{25 + 130, 1, 0},
		{26 + 130, 0, 0},
	} {
		now = sec(int(c.now))
		must(t, s.Flush(ctx))
		if seen, gone := rc.ZCard(ctx, p.keys[0]).Val(), rc.ZCard(ctx, p.keys[1]).Val(); seen != c.seen || gone != c.gone {
			t.Fatalf("at %ds: %d seen and %d tombstones, want %d and %d", c.now, seen, gone, c.seen, c.gone)
		}
	}
}

// TestPresenceMillisecondTies: Redis keeps milliseconds, so events within
// one millisecond are decided as ties (logout wins) whether they meet in a
// process's buffer or in Redis.
func TestPresenceMillisecondTies(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	ctx := context.Background()
	now := sec(30)
	logout := sec(10).Add(200 * time.Microsecond)
	beat := sec(10).Add(500 * time.Microsecond)
	for i, together := range []bool{false, true} {
		s, p := presenceStore(t, srv.Addr(), fmt.Sprint("n", i), func() time.Time { return now })
		session := fmt.Sprint("s", i)
		must(t, p.Login("u", session, sec(0)))
		must(t, p.Logout("u", session, logout))
		if !together {
			must(t, s.Flush(ctx))
		}
		must(t, p.Heartbeat("u", session, beat))
		must(t, s.Flush(ctx))
		if n, _ := p.ActiveAt(ctx, now); n.Sessions != 0 {
			t.Fatalf("flushed together=%v: %d active; the logout wins the millisecond", together, n)
		}
	}
}

func TestPresenceDistinct(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	ctx := context.Background()
	s, p := presenceStore(t, srv.Addr(), "a", func() time.Time { return t0.Add(3 * time.Hour) })
	for u := range 20000 {
		must(t, p.Login(fmt.Sprint("u", u), fmt.Sprint("a", u), t0.Add(time.Minute)))
		must(t, p.Heartbeat(fmt.Sprint("u", u+10000), fmt.Sprint("b", u), t0.Add(61*time.Minute)))
		if u%5000 == 0 {
			must(t, s.Flush(ctx))
		}
	}
	must(t, s.Flush(ctx))
	for _, c := range []struct {
		from, to time.Time
		want     float64
	}{
		{t0, t0, 20000},
		{t0.Add(time.Hour), t0.Add(time.Hour), 20000},
		{t0, t0.Add(90 * time.Minute), 30000},
	} {
		got, err := p.Distinct(ctx, c.from, c.to)
		if err != nil || math.Abs(float64(got)-c.want) > 0.03*c.want {
			t.Errorf("Distinct(%v, %v) = %d (%v), want about %.0f", c.from, c.to, got, err, c.want)
		}
	}
	if _, err := p.Distinct(ctx, t0.Add(time.Hour), t0); !errors.Is(err, ErrInvalid) {
		t.Errorf("reversed range: %v", err)
	}
	if ttl := client(t, srv.Addr()).TTL(ctx, p.hllKey(t0.Unix())).Val(); ttl <= 48*time.Hour || ttl > 49*time.Hour {
		t.Errorf("sketch TTL %v, want Retain+1 periods", ttl)
	}
}

func TestPresenceRejects(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	s, _ := presenceStore(t, srv.Addr(), "a", func() time.Time { return t0 })
	p, err := s.Presence("small", PresenceOptions{MaxPending: 2})
	must(t, err)
	must(t, p.Login("u", "1", t0))
	must(t, p.Login("u", "2", t0))
	must(t, p.Heartbeat("u", "2", t0)) // same session: fits
	if err := p.Login("u", "3", t0); !errors.Is(err, ErrFull) {
		t.Fatalf("third session: %v, want ErrFull", err)
	}
	if err := p.Login("u", "4", t0.Add(time.Hour)); !errors.Is(err, presence.ErrFuture) {
		t.Fatalf("future event: %v", err)
	}
	if _, err := s.Presence("bad", PresenceOptions{Period: 7 * time.Minute}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("period 7m: %v", err)
	}
}
