package httpmetrics_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/abacusgo/abacus/counter"
	"github.com/abacusgo/abacus/httpmetrics"
)

// TestReporterExact: with adds running, the counts of all report lines plus
// what is left add up to the adds: nothing is lost or reported twice.
func TestReporterExact(t *testing.T) {
	var logs bytes.Buffer
	var drained counter.Adaptive
	var monotonic atomic.Int64
	r := httpmetrics.NewReporter(slog.New(slog.NewTextHandler(&logs, nil)), time.Hour).
		Add("requests", &drained).
		Add("logins", httpmetrics.Delta(monotonic.Load))
	var wg sync.WaitGroup
	const adders, each = 4, 20000
	for range adders {
		wg.Go(func() {
			for range each {
				drained.Inc()
				monotonic.Add(1)
			}
		})
	}
	var requests, logins int64
	for range 50 {
		c := r.Report(context.Background())
		requests += c["requests"]
		logins += c["logins"]
	}
	wg.Wait()
	c := r.Report(context.Background())
	requests += c["requests"]
	logins += c["logins"]
	if requests != adders*each || logins != adders*each {
		t.Fatalf("reported %d requests and %d logins, want %d each", requests, logins, adders*each)
	}
	first := strings.SplitN(logs.String(), "\n", 2)[0]
	if !strings.Contains(first, `msg="in the last`) || !strings.Contains(first, "requests=") || !strings.Contains(first, "logins=") {
		t.Errorf("report line %q", first)
	}
}

func TestReporterRun(t *testing.T) {
	var logs bytes.Buffer
	var n counter.Adaptive
	r := httpmetrics.NewReporter(slog.New(slog.NewTextHandler(&logs, nil)), time.Millisecond).Add("requests", &n)
	n.Add(3)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := r.Run(ctx); err != context.Canceled {
		t.Fatalf("Run: %v", err)
	}
	if !strings.Contains(logs.String(), "requests=3") {
		t.Errorf("the final report lost the pending count:\n%s", logs.String())
	}
}
