package redisstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/abacusgo/abacus/internal/redistest"
	"github.com/abacusgo/abacus/presence"
)

// skewedStore returns a store whose clock is off by skew, with the presence
// set "online" (Timeout 5m, MaxSkew 30s). Redis's own TIME is the clock of
// record: these tests do not pin it.
func skewedStore(t *testing.T, addr, node string, skew time.Duration, logs *logBuffer) (*Store, *Presence) {
	t.Helper()
	opts := Options{Node: node, Timeout: time.Second, Now: func() time.Time { return time.Now().Add(skew) },
		Logger: slog.New(slog.DiscardHandler)}
	if logs != nil {
		opts.Logger = slog.New(slog.NewTextHandler(logs, nil))
	}
	s, err := New(client(t, addr), opts)
	must(t, err)
	p, err := s.Presence("online", PresenceOptions{Timeout: 5 * time.Minute, MaxSkew: 30 * time.Second})
	must(t, err)
	return s, p
}

// TestClockOfRecord: a node whose clock runs ahead or behind cannot expire
// the other nodes' sessions, nor keep a session it stamped more than MaxSkew
// ahead online past a later logout (within MaxSkew, last-writer-wins lets
// the later stamp win, as in package presence); its skew is measured and its
// refused events are counted and logged.
func TestClockOfRecord(t *testing.T) {
	ctx := context.Background()
	for _, skew := range []time.Duration{10 * time.Minute, time.Minute, -10 * time.Minute} {
		t.Run(fmt.Sprint("skew ", skew), func(t *testing.T) {
			srv := redistest.Start(t, redistest.Options{})
			good, online := skewedStore(t, srv.Addr(), "good", 0, nil)
			for i := range 100 {
				must(t, online.Login(fmt.Sprint("u", i), fmt.Sprint("s", i), time.Now()))
			}
			must(t, good.Flush(ctx))
			var logs logBuffer
			bad, theirs := skewedStore(t, srv.Addr(), "bad", skew, &logs)
			// Its own login, stamped by its clock, before it measured the
			// skew: Apply cannot tell, Redis refuses it if it is too far
			// ahead.
			must(t, theirs.Login("x", "sx", bad.opts.Now()))
			must(t, bad.Flush(ctx))
			must(t, online.Logout("x", "sx", time.Now().Add(time.Second)))
			must(t, good.Flush(ctx))
			for range 3 {
				must(t, bad.Flush(ctx)) // collects with Redis's clock, not its own
			}
			// Its login does not outlive the later logout: refused when it
			// was stamped too far ahead, or beaten by the logout.
			if err := client(t, srv.Addr()).ZScore(ctx, online.keys[0], "sx").Err(); !errors.Is(err, redis.Nil) {
				t.Fatalf("the session logged in by a node %v off outlived its logout (ZSCORE: %v)", skew, err)
			}
			got, err := online.Active(ctx)
			if err != nil || got != (presence.Counts{Sessions: 100, Users: 100}) {
				t.Fatalf("after flushes of a node %v off: %+v, %v; want 100 sessions of 100 users", skew, got, err)
			}
			measured, ok := bad.Skew()
			if !ok || (measured-skew).Abs() > time.Second {
				t.Fatalf("measured skew %v (%v), want about %v", measured, ok, skew)
			}
			if !strings.Contains(logs.String(), "clock is off Redis's") {
				t.Fatalf("no warning about the skew in the log:\n%s", logs.String())
			}
			// (The refusals count the login and, when its hour is one
			// ahead of Redis's, its distinct-user sketch update.)
			ahead := skew > 30*time.Second
			if st := bad.Stats(); (st.RefusedEvents > 0) != ahead || (theirs.Refused() > 0) != ahead || st.Skew != measured {
				t.Fatalf("skew %v: stats %+v, presence refused %d", skew, st, theirs.Refused())
			}
			if ahead && !strings.Contains(logs.String(), "events refused") {
				t.Fatalf("refused events not logged:\n%s", logs.String())
			}
			// Now that it knows its skew, Apply refuses what Redis would.
			err = theirs.Login("y", "sy", bad.opts.Now())
			if ahead != errors.Is(err, presence.ErrFuture) {
				t.Fatalf("skew %v: Apply after measuring: %v", skew, err)
			}
		})
	}
}
