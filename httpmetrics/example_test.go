package httpmetrics_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/abacustest"
	"github.com/abacusgo/abacus/expo"
	"github.com/abacusgo/abacus/httpmetrics"
)

// Wrap the ServeMux: the route label is its matched pattern, so
// /users/1 and /users/2 are one series.
func Example() {
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	m, err := httpmetrics.New(httpmetrics.Options{Registry: reg})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello %s", r.PathValue("id"))
	})
	mux.Handle("GET /metrics", expo.Handler(reg))
	mux.Handle("GET /status", m.StatusHandler(time.Second))
	srv := httptest.NewServer(m.Wrap(mux))
	defer srv.Close()

	for _, path := range []string{"/users/1", "/users/2", "/nope"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			panic(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	samples, _ := abacustest.Samples(reg, "http_server_requests_total")
	for _, s := range samples {
		fmt.Println(s.Labels["method"], s.Labels["route"], s.Labels["code"], s.Value)
	}
	// Output:
	// GET GET /users/{id} 200 2
	// GET unmatched 404 1
}

// Per-request statistics: handlers bump named counts through the request's
// context; each request's are logged when it ends and summed into
// http_server_request_stats_total.
func ExampleAdd() {
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == "duration" {
				return slog.Attr{} // keep the output stable
			}
			return a
		},
	}))
	m, _ := httpmetrics.New(httpmetrics.Options{
		Registry:    abacus.NewRegistry(),
		Stats:       []string{"db_calls", "cache_hits"},
		StatsLogger: logger,
	})
	h := m.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpmetrics.Add(r.Context(), "cache_hits", 1)
		httpmetrics.Add(r.Context(), "db_calls", 3)
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/report", nil))
	// Output:
	// level=INFO msg="request stats" db_calls=3 cache_hits=1 method=GET route=unmatched code=200
}

// A Reporter logs what accumulated in each interval: here the requests a
// Middleware counted, turned into a drainable count with Delta.
func ExampleReporter() {
	m, _ := httpmetrics.New(httpmetrics.Options{Registry: abacus.NewRegistry()})
	r := httpmetrics.NewReporter(slog.Default(), 10*time.Second).
		Add("requests", httpmetrics.Delta(m.Requests)).
		Add("errors", httpmetrics.Delta(m.Errors))
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	go r.Run(ctx) // logs "in the last 10s" requests=… errors=…
}
