package demo

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// countingTransport answers every request at once and counts them.
type countingTransport struct{ n atomic.Int64 }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return &http.Response{StatusCode: 204, Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
}

// TestLoadRate: in a bubble's simulated time the generator sends the rate
// asked for, also above its ticker's frequency, and nothing for a rate too
// small to send one request.
func TestLoadRate(t *testing.T) {
	for _, c := range []struct {
		rate float64
		want int64 // in 2 s
	}{
		{50, 100},
		{5000, 10000},
		{1e-10, 0},
	} {
		synctest.Test(t, func(t *testing.T) {
			l := newLoad(Config{Rate: c.rate, Users: 10}, "http://demo.invalid", slog.New(slog.DiscardHandler))
			tr := &countingTransport{}
			l.client.Transport = tr
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second+time.Millisecond)
			defer cancel()
			l.run(ctx)
			if got := tr.n.Load(); got != c.want {
				t.Errorf("rate %v: %d requests in 2s, want %d", c.rate, got, c.want)
			}
		})
	}
}
