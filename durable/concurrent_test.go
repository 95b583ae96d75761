package durable_test

import (
	"errors"
	"fmt"
	"maps"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/abacusgo/abacus/durable"
)

// TestConcurrentAdds adds from many goroutines to shared and own counters,
// with negative deltas, while other goroutines snapshot, commit and read
// (and the log rotates every 2 KiB); the totals must be exact before Close
// and after reopening.
func TestConcurrentAdds(t *testing.T) {
	cases := []struct {
		opts durable.Options
		adds int // per goroutine
	}{
		{durable.Options{Policy: durable.SyncAlways, SnapshotEvery: 2048}, 150},
		{durable.Options{Policy: durable.SyncInterval, Interval: time.Millisecond, SnapshotEvery: 2048}, 5000},
		{durable.Options{Policy: durable.SyncNone, Interval: time.Millisecond, SnapshotEvery: 2048}, 5000},
	}
	const workers = 8
	for _, c := range cases {
		t.Run(c.opts.Policy.String(), func(t *testing.T) {
			dir := t.TempDir()
			s := open(t, dir, c.opts)
			var (
				adders, others sync.WaitGroup
				done           = make(chan struct{})
				mu             sync.Mutex
				want           = map[string]int64{}
			)
			for w := range workers {
				adders.Go(func() {
					mine := map[string]int64{}
					shared := []*durable.Counter{counter(t, s, "s0"), counter(t, s, "s1"), counter(t, s, "s2")}
					own := counter(t, s, fmt.Sprintf("own%d", w))
					// Run long enough to overlap several snapshots.
					for i := 0; i < c.adds || s.Stats().Snapshots < 4; i++ {
						d := int64(i%7 - 3)
						k := shared[i%3]
						if i%4 == 0 {
							k = own
						}
						if d == 0 {
							d = 1000
						}
						if err := k.Add(d); err != nil {
							t.Errorf("Add: %v", err)
							return
						}
						mine[k.Name()] += d
					}
					mu.Lock()
					for k, v := range mine {
						want[k] += v
					}
					mu.Unlock()
				})
			}
			others.Go(func() {
				for {
					select {
					case <-done:
						return
					default:
					}
					if err := s.Snapshot(); err != nil {
						t.Errorf("Snapshot: %v", err)
					}
				}
			})
			others.Go(func() {
				for {
					select {
					case <-done:
						return
					default:
					}
					if err := s.Commit(); err != nil {
						t.Errorf("Commit: %v", err)
					}
					s.Totals()
				}
			})
			adders.Wait()
			close(done)
			others.Wait()
			for k, v := range want {
				if v == 0 {
					delete(want, k)
				}
			}
			wantTotals(t, "before Close", s.Totals(), want)
			st := s.Stats()
			closeSet(t, s)
			t.Logf("%+v", st)
			got, _ := reopen(t, dir)
			wantTotals(t, "reopened", got, want)
		})
	}
}

// TestAddRacingClose closes a Set while goroutines add 1 to it until they
// get ErrClosed: every Add that returned nil must be persisted, the one
// ErrClosed each goroutine got after adding may or may not be, and Load after
// Close must say exactly what was persisted.
func TestAddRacingClose(t *testing.T) {
	const workers = 8
	for _, p := range policies {
		t.Run(p.String(), func(t *testing.T) {
			dir := t.TempDir()
			s := open(t, dir, durable.Options{Policy: p, Interval: time.Millisecond})
			c := counter(t, s, "a")
			var ok atomic.Int64
			var wg sync.WaitGroup
			for range workers {
				wg.Go(func() {
					for {
						err := c.Add(1)
						if errors.Is(err, durable.ErrClosed) {
							return
						}
						if err != nil {
							t.Errorf("Add: %v", err)
							return
						}
						ok.Add(1)
					}
				})
			}
			for ok.Load() < 200 {
				time.Sleep(time.Millisecond)
			}
			closeSet(t, s)
			wg.Wait()
			persisted := c.Load()
			if n := ok.Load(); persisted < n || persisted > n+workers {
				t.Fatalf("Load() = %d after Close; %d adds returned nil, %d more may have raced", persisted, n, workers)
			}
			got, _ := reopen(t, dir)
			wantTotals(t, "reopened", got, map[string]int64{"a": persisted})
		})
	}
}

// TestConcurrentCounterCreation creates the same names from many goroutines:
// each name yields one *Counter.
func TestConcurrentCounterCreation(t *testing.T) {
	s := open(t, t.TempDir(), durable.Options{})
	defer closeSet(t, s)
	var wg sync.WaitGroup
	seen := make([]map[string]*durable.Counter, 8)
	for w := range seen {
		wg.Go(func() {
			seen[w] = map[string]*durable.Counter{}
			for i := range 200 {
				name := fmt.Sprint(i)
				c := counter(t, s, name)
				c.Add(1)
				seen[w][name] = c
			}
		})
	}
	wg.Wait()
	for _, m := range seen[1:] {
		if !maps.Equal(m, seen[0]) {
			t.Fatal("one name yielded different counters")
		}
	}
	for name, v := range s.Totals() {
		if v != 8 {
			t.Fatalf("%s = %d; want 8", name, v)
		}
	}
}
