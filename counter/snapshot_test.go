package counter_test

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/abacusgo/abacus/counter"
)

type stats struct{ Requests, Errors int64 }

// Readers always see a coherent snapshot: errors never exceed requests,
// because every request is counted before its error and the publisher reads
// errors first.
func TestSnapshotCoherent(t *testing.T) {
	var requests, errs counter.Adaptive
	snap := counter.NewSnapshot(func() stats {
		e := errs.Load()
		return stats{Requests: requests.Load(), Errors: e}
	})
	var done atomic.Bool
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i := 0; !done.Load(); i++ {
				requests.Inc()
				if i%3 == 0 {
					errs.Inc()
				}
			}
		})
	}
	wg.Go(func() {
		for !done.Load() {
			snap.Publish()
			runtime.Gosched() // on one thread (js/wasm) the writers run only when this yields
		}
	})
	var last int64
	for range 20000 {
		s, _ := snap.Load()
		if s.Errors > s.Requests {
			t.Fatalf("snapshot has %d errors for %d requests", s.Errors, s.Requests)
		}
		if s.Requests < last {
			t.Fatalf("snapshots went back in time: %d after %d", s.Requests, last)
		}
		last = s.Requests
	}
	done.Store(true)
	wg.Wait()
}

func TestSnapshotRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var c counter.Counter
		snap := counter.NewSnapshot(c.Load)
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() { errc <- snap.Run(ctx, time.Second) }()
		start := time.Now()
		c.Add(5)
		if v, _ := snap.Load(); v != 0 {
			t.Fatalf("Load() = %d before the first tick", v)
		}
		time.Sleep(time.Second)
		synctest.Wait()
		v, at := snap.Load()
		if v != 5 || at.Sub(start) != time.Second {
			t.Fatalf("Load() = %d at +%v; want 5 at +1s", v, at.Sub(start))
		}
		cancel()
		if err := <-errc; !errors.Is(err, context.Canceled) {
			t.Fatalf("Run returned %v", err)
		}
	})
}
