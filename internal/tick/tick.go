// Package tick runs a function on a ticker until a context ends: the loop
// behind every Run method in Abacus.
package tick

import (
	"context"
	"time"
)

// Every calls f every interval until ctx is done, then returns ctx.Err().
// It panics if interval is not positive, as time.NewTicker does.
func Every(ctx context.Context, interval time.Duration, f func()) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			f()
		}
	}
}
