package redisstore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/abacusgo/abacus/internal/redistest"
	"github.com/abacusgo/abacus/presence"
)

// TestUsersOnline: the count of distinct users with a live session is exact
// under several sessions per user, logouts before logins, duplicates, late
// events and expiry, flushed in any grouping; it agrees with the in-process
// tracker, and once everything is past the horizon Redis forgets every user.
func TestUsersOnline(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	ctx := context.Background()
	type ev struct {
		kind          presence.Kind
		user, session string
		at            int // seconds after t0
	}
	in := func(u, s string, at int) ev { return ev{presence.Login, u, s, at} }
	beat := func(u, s string, at int) ev { return ev{presence.Heartbeat, u, s, at} }
	out := func(u, s string, at int) ev { return ev{presence.Logout, u, s, at} }
	for i, c := range []struct {
		name   string
		events []ev
		at     int // seconds after t0 to count at; Timeout is 2 minutes
		want   presence.Counts
	}{
		{"one user on two devices", []ev{in("alice", "phone", 0), in("alice", "laptop", 1)}, 10, presence.Counts{Sessions: 2, Users: 1}},
		{"one device logs out", []ev{in("alice", "phone", 0), in("alice", "laptop", 1), out("alice", "phone", 5)}, 10, presence.Counts{Sessions: 1, Users: 1}},
		{"both log out", []ev{in("alice", "phone", 0), in("alice", "laptop", 1), out("alice", "phone", 5), out("alice", "laptop", 6)}, 10, presence.Counts{}},
		{"logout before its login", []ev{out("bob", "s", 20), in("bob", "s", 10)}, 30, presence.Counts{}},
		{"late heartbeat after logout", []ev{in("bob", "s", 0), out("bob", "s", 20), beat("bob", "s", 15)}, 30, presence.Counts{}},
		{"duplicates", []ev{in("c", "s1", 0), in("c", "s1", 0), beat("c", "s1", 5), beat("c", "s1", 5), in("d", "s2", 3), in("d", "s2", 3)}, 10, presence.Counts{Sessions: 2, Users: 2}},
		{"one device expires, the other beats", []ev{in("e", "old", 0), in("e", "new", 0), beat("e", "new", 100)}, 150, presence.Counts{Sessions: 1, Users: 1}},
		{"every device expired", []ev{in("e", "a", 0), in("e", "b", 10)}, 200, presence.Counts{}},
		{"logout of the newest session leaves an older live one", []ev{in("f", "a", 50), in("f", "b", 100), out("f", "b", 110)}, 160, presence.Counts{Sessions: 1, Users: 1}},
		{"logout of the newest session, the older one expired", []ev{in("f", "a", 10), in("f", "b", 100), out("f", "b", 110)}, 160, presence.Counts{}},
		{"a session changes hands", []ev{in("g", "kiosk", 0), in("h", "kiosk", 10)}, 20, presence.Counts{Sessions: 1, Users: 1}},
		{"the old owner of a handed-on session keeps its own", []ev{in("g", "kiosk", 0), in("g", "phone", 1), in("h", "kiosk", 10)}, 20, presence.Counts{Sessions: 2, Users: 2}},
		{"heartbeat without login", []ev{beat("i", "s", 5)}, 10, presence.Counts{Sessions: 1, Users: 1}},
		{"at one millisecond a heartbeat beats a login", []ev{in("a", "phone", 0), in("z", "kiosk", 10), beat("a", "kiosk", 10)}, 20, presence.Counts{Sessions: 2, Users: 1}},
		{"at one millisecond and kind the larger user by bytes wins", []ev{in("z", "phone", 0), in("z", "kiosk", 10), in("é", "kiosk", 10)}, 20, presence.Counts{Sessions: 2, Users: 2}},
	} {
		for _, order := range []string{"in order", "reversed", "one flush each"} {
			t.Run(c.name+"/"+order, func(t *testing.T) {
				now := sec(c.at)
				s, p := presenceStore(t, srv.Addr(), "n", func() time.Time { return now })
				p.name = fmt.Sprintf("case%d-%s", i, order)
				p.keys = []string{s.key(p.name, "seen"), s.key(p.name, "gone"), s.key(p.name, "owner"), s.key(p.name, "byuser"), s.key(p.name, "users")}
				ref, _ := presence.New(presence.Options{Timeout: 2 * time.Minute, MaxSkew: 10 * time.Second, Now: func() time.Time { return now }})
				evs := c.events
				if order == "reversed" {
					evs = nil
					for j := len(c.events) - 1; j >= 0; j-- {
						evs = append(evs, c.events[j])
					}
				}
				for _, e := range evs {
					pe := presence.Event{Kind: e.kind, User: e.user, Session: e.session, At: sec(e.at)}
					must(t, ref.Apply(pe))
					must(t, p.Apply(pe))
					if order == "one flush each" {
						must(t, s.Flush(ctx))
					}
				}
				must(t, s.Flush(ctx))
				got, err := p.ActiveAt(ctx, now)
				if err != nil || got != c.want || ref.ActiveAt(now) != c.want {
					t.Fatalf("Redis counts %+v (%v), tracker %+v; want %+v", got, err, ref.ActiveAt(now), c.want)
				}
				if cached, _ := p.Cached(); cached != c.want {
					t.Fatalf("cached %+v, want %+v", cached, c.want)
				}
				// Past the horizon (Timeout + MaxSkew after the latest
				// event), Redis forgets every session, tombstone and user.
				now = sec(1000)
				must(t, s.Flush(ctx))
				for _, key := range p.keys {
					if n := client(t, srv.Addr()).Exists(ctx, key).Val(); n != 0 {
						t.Fatalf("%s still exists past the horizon", key)
					}
				}
			})
		}
	}
}

// TestUsersOnlineManySessions: a user's count survives churn among many of
// its sessions, and the read does not depend on the number of sessions.
func TestUsersOnlineManySessions(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	ctx := context.Background()
	now := sec(100)
	s, p := presenceStore(t, srv.Addr(), "n", func() time.Time { return now })
	for u := range 50 {
		for d := range 20 {
			must(t, p.Login(fmt.Sprint("u", u), fmt.Sprintf("u%d-d%d", u, d), sec(d)))
		}
	}
	must(t, s.Flush(ctx))
	// Every user logs out of all but one device, the even users of all.
	for u := range 50 {
		for d := range 20 {
			if d > 0 || u%2 == 0 {
				must(t, p.Logout(fmt.Sprint("u", u), fmt.Sprintf("u%d-d%d", u, d), sec(50)))
			}
		}
	}
	must(t, s.Flush(ctx))
	if got, err := p.ActiveAt(ctx, now); err != nil || got != (presence.Counts{Sessions: 25, Users: 25}) {
		t.Fatalf("after the logouts: %+v, %v; want 25 sessions of 25 users", got, err)
	}
}

// TestCollectionKeepsUp: when more sessions expire than one collection call
// forgets, each flush makes more calls until they catch up.
func TestCollectionKeepsUp(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	ctx := context.Background()
	now := sec(0)
	s, p := presenceStore(t, srv.Addr(), "n", func() time.Time { return now })
	for i := range 5000 {
		must(t, p.Login(fmt.Sprint("u", i%100), fmt.Sprint("s", i), now))
	}
	must(t, s.Flush(ctx))
	now = sec(1000) // every session past the horizon
	rc := client(t, srv.Addr())
	var left []int64
	for range 3 { // forgets 1,000, then 2,000, then up to 4,000
		must(t, s.Flush(ctx))
		left = append(left, rc.ZCard(ctx, p.keys[0]).Val())
	}
	if left[0] != 4000 || left[1] != 2000 || left[2] != 0 {
		t.Fatalf("sessions left after each flush: %v, want [4000 2000 0]", left)
	}
	for _, key := range p.keys {
		if n := rc.Exists(ctx, key).Val(); n != 0 {
			t.Fatalf("%s still exists", key)
		}
	}
	if p.collectCalls != 1 {
		t.Fatalf("%d collection calls per flush after catching up, want 1", p.collectCalls)
	}
}
