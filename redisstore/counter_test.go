package redisstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/abacusgo/abacus/internal/redistest"
)

func TestCounterSync(t *testing.T) {
	_, rc := startRedis(t, redistest.Options{})
	ctx := context.Background()
	a := mustCounter(t, newStore(t, rc, "a", nil), "logins")
	b := mustCounter(t, newStore(t, rc, "b", nil), "logins")
	a.Add(10)
	b.Add(5)
	b.Dec()
	if got := a.Value(); got != 10 {
		t.Fatalf("before any flush a reads %d, want its own 10", got)
	}
	if got, err := a.Load(ctx); err != nil || got != 10 {
		t.Fatalf("Load before flushes: %d, %v; want 10 (a's own adds)", got, err)
	}
	must(t, a.s.Flush(ctx))
	must(t, b.s.Flush(ctx))
	must(t, a.s.Flush(ctx))
	if a.Value() != 14 || b.Value() != 14 {
		t.Fatalf("after flushes a reads %d and b %d, want 14", a.Value(), b.Value())
	}
	a.Add(100) // unflushed: a sees it at once, b after the next flushes
	if got, err := b.Load(ctx); err != nil || got != 14 {
		t.Fatalf("b.Load = %d, %v; want 14", got, err)
	}
	if got, err := a.Load(ctx); err != nil || got != 114 {
		t.Fatalf("a.Load = %d, %v; want 114", got, err)
	}
	if a.Value() != 114 || a.Local() != 110 {
		t.Fatalf("a: Value %d Local %d, want 114 and 110", a.Value(), a.Local())
	}
	fields := rc.HGetAll(ctx, "abacus:{logins}:c").Val()
	want := map[string]string{"a:p": "10", "b:p": "4"} // N never grew
	if fmt.Sprint(fields) != fmt.Sprint(want) {
		t.Fatalf("hash %v, want %v", fields, want)
	}
}

// TestRestartContinues: a process that restarts under the same node ID
// continues from the totals in Redis.
func TestRestartContinues(t *testing.T) {
	_, rc := startRedis(t, redistest.Options{})
	ctx := context.Background()
	firstStore := newStore(t, rc, "a", nil)
	var told []error
	firstStore.opts.OnRefused = func(err error) { told = append(told, err) }
	first := mustCounter(t, firstStore, "c")
	first.Add(7)
	must(t, first.s.Flush(ctx))
	first.Add(3) // never flushed: lost when the process dies

	second := mustCounter(t, newStore(t, rc, "a", nil), "c")
	second.Add(-2)
	must(t, second.s.Flush(ctx))
	if second.Value() != 5 || second.Local() != 5 {
		t.Fatalf("restarted node reads %d (local %d), want 7 - 2 = 5", second.Value(), second.Local())
	}
	// The old process, still around under the same ID, is refused, and
	// says so on every flush; its Value stops including what Redis refused.
	first.Add(1)
	for i := range 3 {
		err := first.s.Flush(ctx)
		if !errors.Is(err, ErrNodeTaken) || !errors.Is(first.Err(), ErrNodeTaken) {
			t.Fatalf("old process flush %d: %v, Err %v; want ErrNodeTaken", i, err, first.Err())
		}
	}
	if len(told) != 1 || !errors.Is(told[0], ErrNodeTaken) {
		t.Fatalf("OnRefused told %v, want ErrNodeTaken once", told)
	}
	if first.Value() != 5 || first.Refused() != 4 || first.s.Stats().RefusedAdds != 4 {
		t.Fatalf("old process: Value %d, Refused %d, Stats %+v; want 5 and 4", first.Value(), first.Refused(), first.s.Stats())
	}
	if got, _ := second.Load(ctx); got != 5 {
		t.Fatalf("after the refused write the total is %d, want 5", got)
	}
	if got, _ := first.Load(ctx); got != 5 {
		t.Fatalf("the old process loads %d, want 5", got)
	}
	// It cannot retire the entry the new process holds.
	if err := first.Retire(ctx); !errors.Is(err, ErrNodeTaken) {
		t.Fatalf("old process retiring: %v, want ErrNodeTaken", err)
	}
	must(t, second.s.Flush(ctx))
	if second.Err() != nil || second.Value() != 5 {
		t.Fatalf("new process after the old one tried to retire: Err %v, Value %d", second.Err(), second.Value())
	}
}

func TestRetire(t *testing.T) {
	_, rc := startRedis(t, redistest.Options{})
	ctx := context.Background()
	a := mustCounter(t, newStore(t, rc, "a", nil), "c")
	b := mustCounter(t, newStore(t, rc, "b", nil), "c")
	a.Add(40)
	b.Add(2)
	must(t, b.s.Flush(ctx))
	must(t, a.Retire(ctx))
	must(t, a.s.Retire(ctx, "c", "a")) // again: nothing happens
	must(t, b.s.Flush(ctx))
	if b.Value() != 42 {
		t.Fatalf("after retiring a, b reads %d, want 42", b.Value())
	}
	// The retired node itself reads its totals once (in "~retired"); it
	// flushes without error while it adds nothing.
	must(t, a.s.Flush(ctx))
	if a.Value() != 42 || a.Refused() != 0 {
		t.Fatalf("retired a after a flush: Value %d, Refused %d; want 42, 0", a.Value(), a.Refused())
	}
	// Adds after retirement do not count, and every flush says so.
	a.Add(5)
	if got, err := a.Load(ctx); err != nil || got != 42 || a.Value() != 42 {
		t.Fatalf("retired a: Load %d, %v, Value %d; want 42", got, err, a.Value())
	}
	for range 2 {
		if err := a.s.Flush(ctx); !errors.Is(err, ErrRetired) || a.Refused() != 5 {
			t.Fatalf("retired a with refused adds: flush %v, Refused %d", err, a.Refused())
		}
	}
	if a.Value() != 42 {
		t.Fatalf("retired a after a flush: Value %d; want 42", a.Value())
	}
	fields := rc.HGetAll(ctx, "abacus:{c}:c").Val()
	if _, ok := fields["a:p"]; ok || fields["~retired:p"] != "40" {
		t.Fatalf("hash after retiring: %v", fields)
	}
	// A new process under the retired ID comes back as a new incarnation,
	// starting from zero, and counts again.
	again := mustCounter(t, newStore(t, rc, "a", nil), "c")
	again.Add(1)
	must(t, again.s.Flush(ctx))
	must(t, b.s.Flush(ctx))
	if again.Err() != nil || again.Local() != 1 || again.Value() != 43 || b.Value() != 43 {
		t.Fatalf("a back: Err %v, Local %d, Value %d, b reads %d; want nil, 1, 43, 43", again.Err(), again.Local(), again.Value(), b.Value())
	}
	// The retired incarnation still cannot write, and a stale duplicate of
	// its retirement changes nothing.
	if err := a.s.Flush(ctx); !errors.Is(err, ErrRetired) {
		t.Fatalf("the retired incarnation flushed: %v", err)
	}
	must(t, b.s.Retire(ctx, "c", "a")) // retires the new incarnation: its 1 moves to "~retired"
	must(t, b.s.Flush(ctx))
	if b.Value() != 43 {
		t.Fatalf("after retiring a's second incarnation, b reads %d, want 43", b.Value())
	}
	again2 := mustCounter(t, newStore(t, rc, "a", nil), "c")
	must(t, again2.s.Flush(ctx))
	if again2.Value() != 43 {
		t.Fatalf("a's third incarnation reads %d, want 43", again2.Value())
	}
	must(t, again2.Retire(ctx))
	// A crashed node retired by another: its flushed totals count once.
	x := mustCounter(t, newStore(t, rc, "x", nil), "c")
	x.Add(8)
	must(t, x.s.Flush(ctx))
	x.Add(1000) // never flushed
	must(t, b.s.Retire(ctx, "c", "x"))
	must(t, b.s.Flush(ctx))
	if b.Value() != 51 {
		t.Fatalf("after retiring x, b reads %d, want 51", b.Value())
	}
	for range 2 {
		if err := x.s.Flush(ctx); !errors.Is(err, ErrRetired) || x.Refused() != 1000 {
			t.Fatalf("retired x flushed: %v, Refused %d", err, x.Refused())
		}
	}
	if got, _ := b.Load(ctx); got != 51 {
		t.Fatalf("total %d after x's refused write, want 51", got)
	}
	if got, err := x.Load(ctx); err != nil || got != 51 || x.Value() != 51 {
		t.Fatalf("x retired by another store: Load %d, %v, Value %d; want 51", got, err, x.Value())
	}
}

// TestClaimRepeated: the same claim executed again after the process has
// its reply (a retry or a duplicate that arrives late) does not take the
// node away from the process that made it.
func TestClaimRepeated(t *testing.T) {
	_, rc := startRedis(t, redistest.Options{})
	ctx := context.Background()
	c := mustCounter(t, newStore(t, rc, "a", nil), "c")
	c.Add(5)
	must(t, c.s.Flush(ctx))
	for range 2 {
		if err := scriptClaim.Run(ctx, rc, c.keys, "a", c.token).Err(); err != nil {
			t.Fatal(err)
		}
	}
	c.Add(3)
	must(t, c.s.Flush(ctx))
	if got, err := c.Load(ctx); err != nil || got != 8 || c.Err() != nil {
		t.Fatalf("after repeated claims: %d, %v, Err %v; want 8", got, err, c.Err())
	}
	// Another process's claim still takes it.
	other := mustCounter(t, newStore(t, rc, "a", nil), "c")
	must(t, other.s.Flush(ctx))
	if err := c.s.Flush(ctx); !errors.Is(err, ErrNodeTaken) {
		t.Fatalf("old process after a new claim: %v", err)
	}
}

// TestBigTotals: totals past 2^53 (where Lua numbers stop being exact) and up
// to 2^64 - 1 compare and add exactly.
func TestBigTotals(t *testing.T) {
	_, rc := startRedis(t, redistest.Options{})
	ctx := context.Background()
	a := mustCounter(t, newStore(t, rc, "a", nil), "big")
	a.Add(1 << 53)
	must(t, a.s.Flush(ctx))
	a.Add(1) // 2^53 + 1 is not a float64: a Lua tonumber compare would miss it
	must(t, a.s.Flush(ctx))
	if got := rc.HGet(ctx, "abacus:{big}:c", "a:p").Val(); got != strconv.FormatUint(1<<53+1, 10) {
		t.Fatalf("a:p = %s, want 2^53+1", got)
	}
	a.Add(math.MaxInt64 - (1<<53 + 1))
	must(t, a.s.Flush(ctx))
	must(t, a.s.Retire(ctx, "big", "a"))
	must(t, a.s.Retire(ctx, "big", "a"))
	if got := rc.HGet(ctx, "abacus:{big}:c", "~retired:p").Val(); got != strconv.FormatInt(math.MaxInt64, 10) {
		t.Fatalf("~retired:p = %s, want 2^63-1", got)
	}
	b := mustCounter(t, newStore(t, rc, "b", nil), "big")
	must(t, b.s.Flush(ctx))
	if b.Value() != math.MaxInt64 {
		t.Fatalf("b reads %d", b.Value())
	}
}

func TestConcurrentAdds(t *testing.T) {
	_, rc := startRedis(t, redistest.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	stores := []*Store{newStore(t, rc, "a", nil), newStore(t, rc, "b", nil)}
	var run sync.WaitGroup
	for _, s := range stores {
		run.Go(func() { _ = s.Run(ctx) })
	}
	var adders sync.WaitGroup
	for _, s := range stores {
		c := mustCounter(t, s, "hits")
		for range 4 {
			adders.Go(func() {
				for i := range 20000 {
					if i%3 == 0 {
						c.Dec()
					} else {
						c.Add(2)
					}
				}
			})
		}
	}
	adders.Wait()
	cancel()
	run.Wait() // Run flushes once more on the way out
	want := int64(2 * 4 * (13333*2 - 6667))
	for _, s := range stores {
		must(t, s.Flush(context.Background()))
	}
	for _, s := range stores {
		c := mustCounter(t, s, "hits")
		if got, err := c.Load(context.Background()); err != nil || got != want || c.Value() != want {
			t.Fatalf("%s: Load %d (%v), Value %d; want %d", s.opts.Node, got, err, c.Value(), want)
		}
	}
}

func TestOptions(t *testing.T) {
	_, rc := startRedis(t, redistest.Options{})
	for _, o := range []Options{{}, {Node: "a b"}, {Node: "a", Prefix: "x{y}"}, {Node: "a", Interval: -1}} {
		if _, err := New(rc, o); !errors.Is(err, ErrInvalid) {
			t.Errorf("New(%+v): %v", o, err)
		}
	}
	for _, c := range []redis.UniversalClient{
		redis.NewClient(&redis.Options{Addr: rc.Options().Addr}),
		redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{rc.Options().Addr}}),
		redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"a": rc.Options().Addr}}),
	} {
		if _, err := New(c, Options{Node: "a"}); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "ContextTimeoutEnabled") {
			t.Errorf("New(%T without ContextTimeoutEnabled): %v", c, err)
		}
		c.Close()
	}
	if _, err := New(nil, Options{Node: "a"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("New(nil): %v", err)
	}
	s := newStore(t, rc, "a", nil)
	for _, name := range []string{"", "a{b}", "a:b", string(make([]byte, 129))} {
		if _, err := s.Counter(name); !errors.Is(err, ErrInvalid) {
			t.Errorf("Counter(%q): %v", name, err)
		}
	}
	c1, _ := s.Counter("x")
	c2, _ := s.Counter("x")
	if c1 != c2 {
		t.Error("the same name gave two counters")
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestBadKeyHoldsBackOnlyItsCounter: a key of the wrong type refuses one
// counter's claim (and later its writes); the store's other counters are
// written all the same, and the refused one catches up once the key is fixed.
func TestBadKeyHoldsBackOnlyItsCounter(t *testing.T) {
	_, rc := startRedis(t, redistest.Options{})
	ctx := context.Background()
	s := newStore(t, rc, "a", nil)
	good, bad, late := mustCounter(t, s, "good"), mustCounter(t, s, "bad"), mustCounter(t, s, "late")
	must(t, rc.Set(ctx, "abacus:{bad}:c", "not a hash", 0).Err())
	good.Add(3)
	bad.Add(5)
	late.Add(7)

	err := s.Flush(ctx)
	if err == nil || !strings.Contains(err.Error(), "WRONGTYPE") || !strings.Contains(err.Error(), `"bad"`) {
		t.Fatalf("Flush with a bad key = %v; want a WRONGTYPE error naming the counter", err)
	}
	for name, want := range map[string]string{"good": "3", "late": "7"} {
		if got := rc.HGet(ctx, "abacus:{"+name+"}:c", "a:p").Val(); got != want {
			t.Fatalf("%s in Redis = %q after a flush refused only bad's claim; want %q", name, got, want)
		}
	}
	if st := s.Stats(); st.LastError == nil || st.Failures != 1 {
		t.Fatalf("Stats = %+v; want the failure reported", st)
	}

	// Now break a counter that has already claimed: its raise is refused,
	// the others still go through.
	must(t, rc.Del(ctx, "abacus:{late}:c").Err())
	must(t, rc.Set(ctx, "abacus:{late}:c", "not a hash", 0).Err())
	good.Add(1)
	late.Add(1)
	if err := s.Flush(ctx); err == nil || !strings.Contains(err.Error(), "WRONGTYPE") {
		t.Fatalf("Flush = %v; want WRONGTYPE", err)
	}
	if got := rc.HGet(ctx, "abacus:{good}:c", "a:p").Val(); got != "4" {
		t.Fatalf("good in Redis = %q; want 4", got)
	}

	must(t, rc.Del(ctx, "abacus:{bad}:c", "abacus:{late}:c").Err())
	must(t, s.Flush(ctx))
	for name, want := range map[string]string{"good": "4", "bad": "5", "late": "8"} {
		if got := rc.HGet(ctx, "abacus:{"+name+"}:c", "a:p").Val(); got != want {
			t.Fatalf("%s in Redis = %q after the keys were fixed; want %q", name, got, want)
		}
	}
	if good.Value() != 4 || bad.Value() != 5 || late.Value() != 8 {
		t.Fatalf("values %d %d %d; want 4 5 8", good.Value(), bad.Value(), late.Value())
	}
}
