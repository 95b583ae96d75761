package httpmetrics

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/counter"
)

// Unmatched is the route label of requests no ServeMux pattern matched.
const Unmatched = "unmatched"

// Options configure a Middleware. The zero value registers in
// abacus.Default() under the names below.
type Options struct {
	// Registry receives the metrics; nil means abacus.Default().
	Registry *abacus.Registry

	// DurationBuckets are the classic buckets of the duration histogram
	// (nil: abacus.DefaultBuckets(), powers of two from about 1 ms to 16
	// s); SizeBuckets those of the size histograms (nil: DefaultSizeBuckets,
	// powers of four from 64 B to 16 MiB). Powers of two cost nothing when
	// recording; see abacus.HistogramOpts.Buckets.
	DurationBuckets, SizeBuckets []float64

	// Prefix starts every metric name (default "http_server"):
	//
	//	<prefix>_requests_total{method,route,code}   counter
	//	<prefix>_errors_total{method,route}          counter: 5xx and panics
	//	<prefix>_requests_in_flight                  gauge
	//	<prefix>_request_duration_seconds{method,route}  histogram
	//	<prefix>_request_size_bytes{method,route}    histogram
	//	<prefix>_response_size_bytes{method,route}   histogram
	//	<prefix>_request_stats_total{stat}           counter, with Stats
	Prefix string

	// IsError decides which requests count as errors, from the status code
	// (default: 500 and above). Panics always count.
	IsError func(code int) bool

	// Stats names the per-request statistics handlers may bump with Add
	// (e.g. "db_calls", "cache_hits"): at most MaxStats names of
	// [a-z0-9_]. When set, each request carries them in its context, they
	// are added to <prefix>_request_stats_total, and each request that
	// bumped one is logged at its end to StatsLogger.
	Stats []string

	// StatsLogger gets one line per request with statistics, at level
	// StatsLevel (default slog.LevelInfo); nil means slog.Default().
	StatsLogger *slog.Logger
	StatsLevel  slog.Level
}

// A Middleware records the requests of the handlers it wraps. Make one with
// New per registry and wrap each server's root handler with Wrap.
type Middleware struct {
	isError func(int) bool

	requests  *abacus.CounterVec
	errs      *abacus.CounterVec
	inFlight  *abacus.Gauge
	duration  *abacus.HistogramVec
	reqSize   *abacus.HistogramVec
	respSize  *abacus.HistogramVec
	statTotal []*abacus.Counter

	// Exact totals for /status and the Reporter.
	total, failed counter.Adaptive
	active        counter.Gauge

	stats       []string
	statsLogger *slog.Logger
	statsLevel  slog.Level

	pool sync.Pool
}

// New registers the middleware's metrics and returns it. It returns an
// error for invalid options and for names already registered with another
// shape.
func New(opts Options) (*Middleware, error) {
	reg := opts.Registry
	if reg == nil {
		reg = abacus.Default()
	}
	p := opts.Prefix
	if p == "" {
		p = "http_server"
	}
	if len(opts.Stats) > MaxStats {
		return nil, fmt.Errorf("httpmetrics: %d stats, at most %d", len(opts.Stats), MaxStats)
	}
	for i, s := range opts.Stats {
		if !validStat(s) {
			return nil, fmt.Errorf("httpmetrics: stat name %q: want 1 to 64 of [a-z0-9_]", s)
		}
		for _, o := range opts.Stats[:i] {
			if o == s {
				return nil, fmt.Errorf("httpmetrics: stat %q named twice", s)
			}
		}
	}
	m := &Middleware{
		isError:     opts.IsError,
		stats:       append([]string(nil), opts.Stats...),
		statsLogger: opts.StatsLogger,
		statsLevel:  opts.StatsLevel,
	}
	if m.isError == nil {
		m.isError = func(code int) bool { return code >= 500 }
	}
	if m.statsLogger == nil {
		m.statsLogger = slog.Default()
	}
	sizes := opts.SizeBuckets
	if sizes == nil {
		sizes = DefaultSizeBuckets()
	}
	var err error
	m.requests, err = reg.CounterVec(abacus.Opts{Name: p + "_requests_total",
		Help: "HTTP requests by method, route (the ServeMux pattern) and status code."}, "method", "route", "code")
	errs := []error{err}
	m.errs, err = reg.CounterVec(abacus.Opts{Name: p + "_errors_total",
		Help: "HTTP requests that failed: server errors (5xx) and handler panics."}, "method", "route")
	errs = append(errs, err)
	m.inFlight, err = reg.Gauge(abacus.Opts{Name: p + "_requests_in_flight", Help: "HTTP requests being served."})
	errs = append(errs, err)
	m.duration, err = reg.HistogramVec(abacus.HistogramOpts{Opts: abacus.Opts{Name: p + "_request_duration_seconds",
		Unit: "seconds", Help: "Time from the request reaching the handler to the handler's return."}, Buckets: opts.DurationBuckets}, "method", "route")
	errs = append(errs, err)
	m.reqSize, err = reg.HistogramVec(abacus.HistogramOpts{Opts: abacus.Opts{Name: p + "_request_size_bytes",
		Unit: "bytes", Help: "Request body sizes: Content-Length, or the bytes the handler read."}, Buckets: sizes}, "method", "route")
	errs = append(errs, err)
	m.respSize, err = reg.HistogramVec(abacus.HistogramOpts{Opts: abacus.Opts{Name: p + "_response_size_bytes",
		Unit: "bytes", Help: "Response body sizes: the bytes sent (none for HEAD)."}, Buckets: sizes}, "method", "route")
	errs = append(errs, err)
	if len(m.stats) > 0 {
		vec, err := reg.CounterVec(abacus.Opts{Name: p + "_request_stats_total",
			Help: "Per-request statistics summed over all requests."}, "stat")
		errs = append(errs, err)
		if err == nil {
			for _, s := range m.stats {
				m.statTotal = append(m.statTotal, vec.With(s))
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("httpmetrics: %w", err)
	}
	m.pool.New = func() any { return new(recorder) }
	return m, nil
}

// DefaultSizeBuckets returns the classic buckets of the size histograms
// unless Options.SizeBuckets says otherwise: powers of four from 64 B to
// 16 MiB.
func DefaultSizeBuckets() []float64 {
	var out []float64
	for e := 6; e <= 24; e += 2 {
		out = append(out, float64(int64(1)<<e))
	}
	return out
}

// Wrap returns a handler that serves with next and records each request.
// Wrap the ServeMux itself (or a handler that calls it with the same
// *http.Request), so that the route is known when the request ends. A
// handler between Wrap and the mux that hands the mux a copy of the
// request, as http.TimeoutHandler and http.StripPrefix do, hides the
// route: use WrapRouted for those.
func (m *Middleware) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.serve(next, w, r, "", false)
	})
}

// WrapRouted is Wrap for a handler chain next that ends in mux but hands it
// a copy of the request, such as http.TimeoutHandler(mux, …): the route is
// asked of mux (ServeMux.Handler) before next runs, so it is known even when
// next returns before the mux's handler does, as on a timeout, which is then
// recorded as the 503 the client got.
//
//	h := m.WrapRouted(mux, http.TimeoutHandler(mux, 2*time.Second, "timeout"))
//
// The route is looked up twice (once here, once by the mux).
func (m *Middleware) WrapRouted(mux *http.ServeMux, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, pattern := mux.Handler(r)
		m.serve(next, w, r, pattern, true)
	})
}

func (m *Middleware) serve(next http.Handler, w http.ResponseWriter, r *http.Request, pattern string, routed bool) {
	start := time.Now()
	m.active.Inc()
	m.inFlight.Inc()
	rec := m.pool.Get().(*recorder)
	rec.reset(w, r)
	req := r
	var stats *Stats
	if len(m.stats) > 0 {
		// Not pooled: a handler may hand the context to work that outlives
		// the request (http.TimeoutHandler does).
		stats = &Stats{names: m.stats}
		req = r.WithContext(withStats(r.Context(), stats))
	}
	var counted *body
	if r.ContentLength < 0 && r.Body != nil && r.Body != http.NoBody {
		// A body of unknown length (chunked) is measured by what the
		// handler reads. The counting reader goes on a copy of the request,
		// so that the server still finds its own body on the original (it
		// looks for its Expect: 100-continue reader there), and is not
		// pooled, since a handler's goroutines may read it after the call.
		counted = &body{rc: r.Body}
		if req == r {
			req = r.Clone(r.Context())
		}
		req.Body = counted
	}
	panicked := true
	defer func() {
		route := req.Pattern // the mux sets it on the request it was given
		if routed {
			route = pattern
		}
		m.finish(rec, r, route, counted, stats, start, panicked)
	}()
	next.ServeHTTP(rec, req)
	panicked = false
}

// finish records a request that ended, and returns rec to the pool.
func (m *Middleware) finish(rec *recorder, r *http.Request, route string, counted *body, stats *Stats, start time.Time, panicked bool) {
	elapsed := time.Since(start)
	method := methodLabel(r.Method)
	route = routeLabel(r, route)
	code := rec.code
	switch {
	case panicked:
		// net/http drops the connection: whatever status was written, the
		// client gets no complete response.
		code = http.StatusInternalServerError
	case !rec.wroteHeader:
		code = http.StatusOK // the handler wrote nothing: net/http sends 200
	}
	failed := panicked || m.isError(code)

	m.requests.With(method, route, codeLabel(code)).Inc()
	// The total before the failures, so that a reader of both (Totals reads
	// the failures first) never sees more failures than requests.
	m.total.Inc()
	if failed {
		m.errs.With(method, route).Inc()
		m.failed.Inc()
	}
	m.duration.With(method, route).ObserveDuration(elapsed)
	in := r.ContentLength
	if counted != nil {
		in = counted.n.Load()
	}
	m.reqSize.With(method, route).ObserveInt(max(in, 0))
	sent := rec.written
	if r.Method == http.MethodHead {
		sent = 0 // net/http discards the body of a response to HEAD
	}
	m.respSize.With(method, route).ObserveInt(sent)
	m.inFlight.Dec()
	m.active.Dec()
	if stats != nil {
		m.logStats(r, method, route, code, elapsed, stats)
	}
	rec.release()
	m.pool.Put(rec)
}

// Totals are exact counts since the Middleware was made.
type Totals struct {
	Requests int64 `json:"requests"`  // requests that ended
	Errors   int64 `json:"errors"`    // of those, the failed ones
	InFlight int64 `json:"in_flight"` // requests being served
}

// Totals reads the totals. Errors is read before Requests, so that Errors
// never exceeds Requests; each is exact as of its read.
func (m *Middleware) Totals() Totals {
	e := m.failed.Load()
	return Totals{Errors: e, Requests: m.total.Load(), InFlight: m.active.Load()}
}

// Requests returns the number of requests that ended so far; Errors the
// number of those that failed. For a Reporter, wrap them with Delta.
func (m *Middleware) Requests() int64 { return m.total.Load() }

// Errors returns the number of failed requests so far.
func (m *Middleware) Errors() int64 { return m.failed.Load() }

var methods = [...]string{
	http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
	http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace,
}

// methodLabel returns the standard method m, or "OTHER": clients choose
// the method, so it must not grow the label set.
func methodLabel(m string) string {
	for _, s := range methods {
		if m == s {
			return s
		}
	}
	return "OTHER"
}

// routeLabel returns the route label of a request the mux gave pattern:
// Unmatched for none, and for the one pattern a ServeMux makes from the
// client's path: on a CONNECT request that needs a trailing-slash redirect,
// the mux reports the redirect target (the path plus "/") as the pattern,
// which would give every path its own series.
func routeLabel(r *http.Request, pattern string) string {
	if pattern == "" {
		return Unmatched
	}
	if r.Method == http.MethodConnect && r.URL != nil && len(pattern) > 1 && pattern[len(pattern)-1] == '/' {
		if p := pattern[:len(pattern)-1]; p == r.URL.EscapedPath() || p == r.URL.Path {
			return Unmatched
		}
	}
	return pattern
}

// codes holds the label of every status code from 100 to 599, made on
// first use.
var codes = sync.OnceValue(func() *[500]string {
	var c [500]string
	for i := range c {
		c[i] = strconv.Itoa(100 + i)
	}
	return &c
})

func codeLabel(code int) string {
	if code >= 100 && code < 600 {
		return codes()[code-100]
	}
	return "other"
}
