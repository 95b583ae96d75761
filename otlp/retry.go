package otlp

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// retryable reports whether an OTLP/HTTP response status may be retried:
// the specification's 429, 502, 503 and 504. Every other failure status
// (400 and 413 among them) means the request will never be accepted.
func retryable(status int) bool {
	switch status {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// retryAfter parses a Retry-After header, in seconds or as an HTTP date,
// into how long to wait from now; ok is false when there is none or it
// does not parse.
func retryAfter(h string, now time.Time) (d time.Duration, ok bool) {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0, false
	}
	if s, err := strconv.ParseInt(h, 10, 64); err == nil {
		if s < 0 {
			return 0, false
		}
		if s > int64(24*time.Hour/time.Second) {
			s = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(s) * time.Second, true
	}
	t, err := http.ParseTime(h)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}

// backoff is exponential backoff with jitter: the n-th wait (from 0) is
// Initial·2ⁿ, capped at Max, then scaled by a random factor in [0.5, 1.5).
type backoff struct {
	Initial, Max time.Duration
}

func (b backoff) wait(n int) time.Duration {
	d := b.Initial
	for range n {
		if d >= b.Max/2 {
			d = b.Max
			break
		}
		d *= 2
	}
	d = min(d, b.Max)
	return time.Duration(float64(d) * (0.5 + rand.Float64()))
}
