package httpmetrics

import (
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/abacusgo/abacus/counter"
)

// Status is what the /status handler serves: the totals, read together.
type Status struct {
	Totals
	AsOf   time.Time `json:"as_of"`  // when they were read
	Uptime string    `json:"uptime"` // since the Middleware was made
}

// StatusHandler returns a handler that serves the totals as JSON: one
// coherent snapshot, published by counter.Snapshot at most every maxAge
// (a request finding it older publishes a new one), so that every client
// asking at about the same time sees the same numbers and errors never
// exceed requests. maxAge <= 0 publishes on every request.
func (m *Middleware) StatusHandler(maxAge time.Duration) http.Handler {
	start := time.Now()
	snap := counter.NewSnapshot(func() Status {
		return Status{Totals: m.Totals(), AsOf: time.Now(), Uptime: time.Since(start).Round(time.Second).String()}
	})
	var mu sync.Mutex // one publisher at a time
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, at := snap.Load()
		if time.Since(at) >= maxAge {
			mu.Lock()
			if s, at = snap.Load(); time.Since(at) >= maxAge {
				s = snap.Publish()
			}
			mu.Unlock()
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(s)
	})
}
