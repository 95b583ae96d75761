package httpmetrics

import (
	"context"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"
)

// MaxStats is the most per-request statistics a Middleware carries.
const MaxStats = 16

// Stats are the per-request statistics of one request: counts that its
// handlers bump with Add (database calls, cache hits) and that are logged,
// and summed into a counter, when it ends. Their names are fixed by
// Options.Stats. Add is safe for concurrent use by the goroutines of one
// request.
type Stats struct {
	names  []string
	values [MaxStats]atomic.Int64
}

// Get returns the value of the statistic called name, 0 if there is none.
func (s *Stats) Get(name string) int64 {
	for i, n := range s.names {
		if n == name {
			return s.values[i].Load()
		}
	}
	return 0
}

type statsKey struct{}

func withStats(ctx context.Context, s *Stats) context.Context {
	return context.WithValue(ctx, statsKey{}, s)
}

// StatsFrom returns the statistics of the request whose context is ctx, or
// nil outside a request recorded by a Middleware with Options.Stats.
func StatsFrom(ctx context.Context) *Stats {
	s, _ := ctx.Value(statsKey{}).(*Stats)
	return s
}

// Add adds n to the statistic called name of the request whose context is
// ctx. It reports false, and does nothing, outside such a request or for a
// name not in Options.Stats. Do not call it after the handler returned: the
// statistics are then logged and reused.
func Add(ctx context.Context, name string, n int64) bool {
	s := StatsFrom(ctx)
	if s == nil {
		return false
	}
	for i, have := range s.names {
		if have == name {
			s.values[i].Add(n)
			return true
		}
	}
	return false
}

// logStats adds a request's statistics to the totals and logs them, if any
// is nonzero.
func (m *Middleware) logStats(r *http.Request, method, route string, code int, elapsed time.Duration, s *Stats) {
	var attrs [MaxStats + 4]slog.Attr
	a := attrs[:0]
	for i := range m.stats {
		if v := s.values[i].Load(); v != 0 {
			m.statTotal[i].Add(uint64(max(v, 0)))
			a = append(a, slog.Int64(m.stats[i], v))
		}
	}
	if len(a) == 0 || !m.statsLogger.Enabled(r.Context(), m.statsLevel) {
		return
	}
	a = append(a, slog.String("method", method), slog.String("route", route),
		slog.Int("code", code), slog.Duration("duration", elapsed))
	m.statsLogger.LogAttrs(r.Context(), m.statsLevel, "request stats", a...)
}

func validStat(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}
