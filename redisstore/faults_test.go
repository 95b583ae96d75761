package redisstore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/abacusgo/abacus/internal/redistest"
	"github.com/abacusgo/abacus/presence"
)

// TestDuplicatedWritesCountOnce: every write reaches Redis twice, as when
// go-redis retries a write whose reply was lost. The counter stays exact;
// INCR per event, through the same proxy, counts everything twice.
func TestDuplicatedWritesCountOnce(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	proxy := redistest.NewProxy(t, srv.Addr())
	proxy.SetFaults(redistest.Faults{DuplicateRequestRate: 1})
	via := client(t, proxy.Addr())
	ctx := context.Background()
	c := mustCounter(t, newStore(t, via, "a", nil), "c")
	for i := range 50 {
		c.Add(int64(i))
		must(t, c.s.Flush(ctx))
	}
	for range 50 {
		must(t, via.Incr(ctx, "naive").Err())
	}
	direct := client(t, srv.Addr())
	if got := mustCounter(t, newStore(t, direct, "reader", nil), "c"); got != nil {
		if v, err := got.Load(ctx); err != nil || v != 50*49/2 {
			t.Fatalf("counter reads %d (%v), want %d", v, err, 50*49/2)
		}
	}
	if n, _ := direct.Get(ctx, "naive").Int(); n != 100 {
		t.Fatalf("INCR through the duplicating proxy counted %d of 50; the test proxy is not duplicating", n)
	}
	if proxy.Stats().DuplicatedRequests < 100 {
		t.Fatalf("proxy duplicated only %d requests", proxy.Stats().DuplicatedRequests)
	}
}

// TestFaultyNetwork: nodes count under load while the network between them
// and Redis delays, drops (after the server executed) and duplicates
// requests and replies. When the network is good again, the total is exact.
func TestFaultyNetwork(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	proxy := redistest.NewProxy(t, srv.Addr())
	via := client(t, proxy.Addr())
	ctx, cancel := context.WithCancel(context.Background())
	stores := []*Store{newStore(t, via, "a", nil), newStore(t, via, "b", nil)}
	clock := func() time.Time { return sec(600) }
	ref, _ := presence.New(presence.Options{Timeout: 2 * time.Minute, Now: clock})
	var sets []*Presence
	for _, s := range stores {
		s.opts.Now, s.pinned = clock, clock
		p, err := s.Presence("online", PresenceOptions{Timeout: 2 * time.Minute})
		must(t, err)
		sets = append(sets, p)
	}
	var run, adders sync.WaitGroup
	for _, s := range stores {
		run.Go(func() { _ = s.Run(ctx) })
	}
	var added atomic.Int64
	stop := make(chan struct{})
	for _, s := range stores {
		c := mustCounter(t, s, "c")
		adders.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				c.Add(3)
				c.Dec()
				added.Add(2)
				time.Sleep(50 * time.Microsecond)
			}
		})
	}
	adders.Go(func() { // presence events, each sent to both nodes
		rng := rand.New(rand.NewPCG(9, 9))
		for {
			select {
			case <-stop:
				return
			default:
			}
			u := rng.IntN(200)
			e := presence.Event{Kind: presence.Kind(1 + rng.IntN(3)), User: fmt.Sprint("u", u),
				Session: fmt.Sprint("s", u), At: sec(rng.IntN(600))}
			must(t, ref.Apply(e))
			for _, p := range sets {
				must(t, p.Apply(e))
			}
			time.Sleep(100 * time.Microsecond)
		}
	})
	for i, f := range []redistest.Faults{
		{DropRate: 0.3, Seed: 1},
		{DuplicateRequestRate: 0.5, Seed: 2},
		{DuplicateReplyRate: 0.3, Seed: 3},
		{Delay: 20 * time.Millisecond, DropRate: 0.2, DuplicateRequestRate: 0.2, DuplicateReplyRate: 0.1, Seed: 4},
		{Delay: 600 * time.Millisecond, Seed: 5}, // longer than the store's Timeout
	} {
		proxy.SetFaults(f)
		time.Sleep(300 * time.Millisecond)
		t.Logf("fault set %d: proxy %+v", i, proxy.Stats())
	}
	close(stop)
	adders.Wait()
	proxy.SetFaults(redistest.Faults{})
	proxy.CloseAll() // resynchronise connections a stray reply put out of step
	cancel()
	run.Wait()
	for _, s := range stores {
		flushUntil(t, s, 5*time.Second)
	}
	want := added.Load()
	reader := mustCounter(t, newStore(t, client(t, srv.Addr()), "reader", nil), "c")
	if got, err := reader.Load(context.Background()); err != nil || got != want {
		t.Fatalf("total %d (%v), want %d", got, err, want)
	}
	if got, err := sets[0].ActiveAt(context.Background(), sec(600)); err != nil || got != ref.ActiveAt(sec(600)) {
		t.Fatalf("active %+v (%v), want %+v", got, err, ref.ActiveAt(sec(600)))
	}
	st := stores[0].Stats()
	if st.Failures == 0 {
		t.Fatalf("no flush failed under faults: %+v", st)
	}
	t.Logf("%d adds; node a: %+v", want, st)
}

// TestRedisKilled: Redis is killed with SIGKILL mid-load and restarted from
// its append-only file (appendfsync always). The counter's total equals all
// adds once the nodes catch up. Alongside, INCR per event: every INCR Redis
// acknowledged survives, and a few whose reply was lost may have counted.
func TestRedisKilled(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{AppendOnly: true, AppendFsync: "always"})
	rc := client(t, srv.Addr())
	ctx, cancel := context.WithCancel(context.Background())
	logs := &logBuffer{}
	s := newStore(t, rc, "a", logs)
	c := mustCounter(t, s, "c")
	var run, load sync.WaitGroup
	run.Go(func() { _ = s.Run(ctx) })
	var added, acked, tried atomic.Int64
	stop := make(chan struct{})
	load.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			c.Inc()
			added.Add(1)
			time.Sleep(20 * time.Microsecond)
		}
	})
	naive := client(t, srv.Addr())
	load.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			tried.Add(1)
			ictx, icancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			if naive.Incr(ictx, "naive").Err() == nil {
				acked.Add(1)
			}
			icancel()
		}
	})
	time.Sleep(300 * time.Millisecond)
	srv.Kill()
	time.Sleep(time.Second) // counting goes on while Redis is down, flushes fail
	if c.s.Stats().Failures == 0 {
		t.Error("no flush failed while Redis was down")
	}
	srv.Restart()
	time.Sleep(300 * time.Millisecond)
	close(stop)
	load.Wait()
	cancel()
	run.Wait()
	flushUntil(t, s, 5*time.Second)
	reader := mustCounter(t, newStore(t, rc, "reader", nil), "c")
	if got, err := reader.Load(context.Background()); err != nil || got != added.Load() {
		t.Fatalf("counter total %d (%v), want every add: %d", got, err, added.Load())
	}
	n, err := rc.Get(context.Background(), "naive").Int64()
	if err != nil || n < acked.Load() || n > tried.Load() {
		t.Fatalf("INCR total %d (%v): want between the acknowledged %d and the tried %d", n, err, acked.Load(), tried.Load())
	}
	if s.Stats().Failures == 0 || !strings.Contains(logs.String(), "sync failing") || !strings.Contains(logs.String(), "sync recovered") {
		t.Fatalf("the outage was not reported: %+v\n%s", s.Stats(), logs)
	}
	t.Logf("counter: %d adds, exact; INCR: %d acknowledged, %d tried, %d stored", added.Load(), acked.Load(), tried.Load(), n)
}

// TestPartitionHeals: group B loses Redis (a partition: its packets vanish)
// while group A keeps syncing. Both go on counting; A's view lacks B's new
// adds, B's view lacks A's; after the partition heals all nodes converge to
// the exact total.
func TestPartitionHeals(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	proxy := redistest.NewProxy(t, srv.Addr())
	ctx := context.Background()
	logs := &logBuffer{}
	var groupA, groupB []*Counter
	for i := range 2 {
		groupA = append(groupA, mustCounter(t, newStore(t, client(t, srv.Addr()), fmt.Sprint("a", i), nil), "c"))
		groupB = append(groupB, mustCounter(t, newStore(t, client(t, proxy.Addr()), fmt.Sprint("b", i), logs), "c"))
	}
	all := append(append([]*Counter{}, groupA...), groupB...)
	flushAll := func(cs []*Counter) error {
		var errs []error
		for _, c := range cs {
			errs = append(errs, c.s.Flush(ctx))
		}
		return errors.Join(errs...)
	}
	for _, c := range all {
		c.Add(100)
	}
	must(t, flushAll(all))
	must(t, flushAll(all))

	proxy.SetFaults(redistest.Faults{Blackhole: true})
	for i, c := range groupA {
		c.Add(int64(10 + i))
	}
	for i, c := range groupB {
		c.Add(int64(-5 - i))
	}
	must(t, flushAll(groupA))
	must(t, flushAll(groupA)) // a0 now sees a1's adds too
	if err := flushAll(groupB); err == nil {
		t.Fatal("group B synced through the partition")
	}
	if got := groupA[0].Value(); got != 400+21 {
		t.Fatalf("group A reads %d during the partition, want 421 (its own side)", got)
	}
	if got := groupB[1].Value(); got != 400-6 {
		t.Fatalf("b1 reads %d during the partition, want 394 (its own adds only)", got)
	}
	if groupB[0].Staleness() < groupA[0].Staleness() {
		t.Fatal("the partitioned node does not look staler")
	}

	proxy.SetFaults(redistest.Faults{})
	proxy.CloseAll()
	for _, c := range groupB {
		flushUntil(t, c.s, 5*time.Second)
	}
	must(t, flushAll(all))
	for _, c := range all {
		if got := c.Value(); got != 400+21-11 {
			t.Fatalf("%s reads %d after healing, want 410", c.s.opts.Node, got)
		}
	}
	if !strings.Contains(logs.String(), "sync failing") {
		t.Fatalf("the partition was not logged:\n%s", logs)
	}
}

// TestCrashLosesOnlyUnflushed: a node that dies loses exactly the adds it
// made after its last successful flush (the documented bound), and its next
// process continues from the flushed total without counting anything twice.
func TestCrashLosesOnlyUnflushed(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	proxy := redistest.NewProxy(t, srv.Addr())
	ctx := context.Background()
	c := mustCounter(t, newStore(t, client(t, proxy.Addr()), "a", nil), "c")
	var total, flushed int64
	for i := range 1000 {
		c.Inc()
		total++
		if i%100 == 99 {
			must(t, c.s.Flush(ctx))
			flushed = total
		}
	}
	c.Add(37) // after the last flush
	total += 37
	proxy.SetFaults(redistest.Faults{Refuse: true}) // and then Redis goes away
	c.Add(50)
	total += 50
	if err := c.s.Flush(ctx); err == nil {
		t.Fatal("flushed through a refusing proxy")
	}
	// The process dies here. Its successor:
	next := mustCounter(t, newStore(t, client(t, srv.Addr()), "a", nil), "c")
	next.Add(5)
	total += 5
	must(t, next.s.Flush(ctx))
	lost := total - next.Value()
	if lost != 87 || next.Value() != flushed+5 {
		t.Fatalf("lost %d (value %d, flushed %d); want exactly the 87 unflushed adds", lost, next.Value(), flushed)
	}
}

// TestTimeout: a Redis that stops answering makes a flush fail at the
// store's Timeout (500 ms here) instead of hanging until the client's read
// timeout (a minute here), and counting goes on.
func TestTimeout(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	proxy := redistest.NewProxy(t, srv.Addr())
	rc := redis.NewClient(&redis.Options{Addr: proxy.Addr(), ReadTimeout: time.Minute, ContextTimeoutEnabled: true})
	t.Cleanup(func() { rc.Close() })
	c := mustCounter(t, newStore(t, rc, "a", nil), "c")
	c.Add(1)
	must(t, c.s.Flush(context.Background()))
	proxy.SetFaults(redistest.Faults{Blackhole: true})
	c.Add(1)
	err := c.s.Flush(context.Background()) // were the deadline ignored, this would block for minutes
	var ne net.Error
	if !errors.Is(err, context.DeadlineExceeded) && !(errors.As(err, &ne) && ne.Timeout()) {
		t.Fatalf("flush into a black hole: %v, want a timeout", err)
	}
	if _, err := c.Load(context.Background()); err == nil {
		t.Fatal("Load through a black hole succeeded")
	}
	if c.Value() != 2 || c.s.Stats().LastError == nil {
		t.Fatalf("value %d, stats %+v", c.Value(), c.s.Stats())
	}
}
