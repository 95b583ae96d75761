package tick

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

func TestEvery(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		n := 0
		errc := make(chan error, 1)
		go func() { errc <- Every(ctx, time.Second, func() { n++ }) }()
		time.Sleep(3500 * time.Millisecond)
		synctest.Wait()
		cancel()
		if err := <-errc; !errors.Is(err, context.Canceled) {
			t.Fatalf("Every returned %v", err)
		}
		if n != 3 {
			t.Fatalf("f ran %d times in 3.5 intervals; want 3", n)
		}
	})
}
