package bench

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/httpmetrics"
)

// The middleware comparison: one route of a ServeMux, "GET /users/{id}",
// whose handler writes a small JSON body, served with and without
// instrumentation. Both measure the same things: requests by method, route
// and code, latency by method and route, requests in flight, and request and
// response sizes. client_golang has no route label of its own; its idiom is
// to curry each route's handler chain with the route, which is what this
// does.

func usersHandler(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte(`{"id":"42","name":"Ada"}`))
}

func bareMux() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /users/{id}", usersHandler)
	return mux
}

func abacusMiddleware(tb testing.TB) http.Handler {
	m, err := httpmetrics.New(httpmetrics.Options{Registry: abacus.NewRegistry(abacus.WithoutMetaMetrics())})
	if err != nil {
		tb.Fatal(err)
	}
	return m.Wrap(bareMux())
}

func clientGolangMiddleware(tb testing.TB) http.Handler {
	reg := prometheus.NewRegistry()
	labels := []string{"route", "method", "code"}
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "http_requests_total", Help: "h"}, labels)
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "http_request_duration_seconds", Help: "h",
		Buckets: prometheus.DefBuckets}, []string{"route", "method"})
	inFlight := prometheus.NewGauge(prometheus.GaugeOpts{Name: "http_requests_in_flight", Help: "h"})
	sizes := prometheus.ExponentialBuckets(100, 10, 6)
	reqSize := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "http_request_size_bytes", Help: "h", Buckets: sizes}, []string{"route", "method"})
	respSize := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "http_response_size_bytes", Help: "h", Buckets: sizes}, []string{"route", "method"})
	reg.MustRegister(requests, duration, inFlight, reqSize, respSize)
	route := prometheus.Labels{"route": "GET /users/{id}"}
	var h http.Handler = http.HandlerFunc(usersHandler)
	h = promhttp.InstrumentHandlerResponseSize(respSize.MustCurryWith(route), h)
	h = promhttp.InstrumentHandlerRequestSize(reqSize.MustCurryWith(route), h)
	h = promhttp.InstrumentHandlerCounter(requests.MustCurryWith(route), h)
	h = promhttp.InstrumentHandlerDuration(duration.MustCurryWith(route), h)
	h = promhttp.InstrumentHandlerInFlight(inFlight, h)
	mux := http.NewServeMux()
	mux.Handle("GET /users/{id}", h)
	return mux
}

// benchWriter is a ResponseWriter that keeps nothing, reused by one
// goroutine.
type benchWriter struct{ h http.Header }

func (w *benchWriter) Header() http.Header         { return w.h }
func (w *benchWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *benchWriter) WriteHeader(int)             {}

func BenchmarkMiddleware(b *testing.B) {
	for _, c := range []struct {
		impl string
		make func(testing.TB) http.Handler
	}{
		{"bare", func(testing.TB) http.Handler { return bareMux() }},
		{"abacus", abacusMiddleware},
		{"client_golang", clientGolangMiddleware},
	} {
		b.Run("impl="+c.impl, func(b *testing.B) {
			h := c.make(b)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				w := &benchWriter{h: http.Header{}}
				r := httptest.NewRequest("GET", "/users/42", nil)
				for pb.Next() {
					r.Pattern = ""
					clear(w.h)
					h.ServeHTTP(w, r)
				}
			})
		})
	}
}

// TestMiddlewareEquivalent checks that both middlewares count the request
// the benchmark sends, so that the comparison is of like with like.
func TestMiddlewareEquivalent(t *testing.T) {
	for name, h := range map[string]http.Handler{"abacus": abacusMiddleware(t), "client_golang": clientGolangMiddleware(t)} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/users/42", nil))
		if w.Code != 200 || w.Body.String() != `{"id":"42","name":"Ada"}` {
			t.Errorf("%s: %d %q", name, w.Code, w.Body.String())
		}
	}
}
