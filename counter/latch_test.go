package counter_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/abacusgo/abacus/counter"
)

func TestLatch(t *testing.T) {
	l := counter.NewLatch(3)
	ctx := context.Background()
	for i := range 3 {
		if got := l.Count(); got != int64(3-i) {
			t.Fatalf("Count() = %d; want %d", got, 3-i)
		}
		select {
		case <-l.Done():
			t.Fatalf("latch open after %d CountDowns", i)
		default:
		}
		l.CountDown()
	}
	if err := l.Wait(ctx); err != nil {
		t.Fatalf("Wait() = %v; want nil", err)
	}
	l.CountDown() // on an open latch: no effect, no panic
	if got := l.Count(); got != 0 {
		t.Fatalf("Count() = %d after extra CountDown; want 0", got)
	}
}

func TestLatchZeroIsOpen(t *testing.T) {
	if err := counter.NewLatch(0).Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestLatchWaitCancelled(t *testing.T) {
	l := counter.NewLatch(1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if err := l.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait() = %v; want DeadlineExceeded", err)
	}
}

// Property: with n CountDowns racing (and extra ones after), every waiter is
// released exactly when the count reaches zero, and the channel is closed
// once (a second close would panic).
func TestLatchConcurrent(t *testing.T) {
	const n = 1000
	l := counter.NewLatch(n)
	var waiters sync.WaitGroup
	for range 10 {
		waiters.Go(func() {
			if err := l.Wait(context.Background()); err != nil {
				t.Error(err)
			}
			if c := l.Count(); c != 0 {
				t.Errorf("Wait returned with Count() = %d", c)
			}
		})
	}
	var wg sync.WaitGroup
	for range n + 50 {
		wg.Go(l.CountDown)
	}
	wg.Wait()
	waiters.Wait()
}

func TestLatchNegativePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("NewLatch(-1) did not panic")
		}
	}()
	counter.NewLatch(-1)
}
