package httpmetrics_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/abacustest"
	"github.com/abacusgo/abacus/expo"
	"github.com/abacusgo/abacus/httpmetrics"
)

// newMux returns a ServeMux with a few routes and a middleware recording
// it into a fresh registry.
func newMux(t testing.TB, opts httpmetrics.Options) (*abacus.Registry, *httpmetrics.Middleware, http.Handler) {
	t.Helper()
	reg, m := newMiddleware(t, opts)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		httpmetrics.Add(r.Context(), "db_calls", 2)
		fmt.Fprintf(w, "user %s", r.PathValue("id"))
	})
	mux.HandleFunc("POST /upload", func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, n)
	})
	mux.HandleFunc("/fail", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusServiceUnavailable)
	})
	mux.HandleFunc("/panic", func(w http.ResponseWriter, r *http.Request) {
		panic("handler bug")
	})
	mux.HandleFunc("/empty", func(w http.ResponseWriter, r *http.Request) {})
	return reg, m, m.Wrap(mux)
}

// value returns the value of the series of family name with the labels
// given as "k=v,k=v", or -1.
func value(reg *abacus.Registry, name, labels string) float64 {
	var pairs []string
	for _, kv := range strings.FieldsFunc(labels, func(r rune) bool { return r == ',' }) {
		k, v, _ := strings.Cut(kv, "=")
		pairs = append(pairs, k, v)
	}
	v, err := abacustest.Value(reg, name, pairs...)
	if err != nil {
		return -1
	}
	return v
}

func serve(h http.Handler, method, target string, body io.Reader) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	func() {
		defer func() { _ = recover() }() // the panic route
		h.ServeHTTP(w, httptest.NewRequest(method, target, body))
	}()
	return w
}

func TestRoutesAndCodes(t *testing.T) {
	reg, m, h := newMux(t, httpmetrics.Options{})
	for _, c := range []struct {
		method, target string
		code           int
	}{
		{"GET", "/users/1", 200},
		{"GET", "/users/2", 200},
		{"GET", "/users/3", 200},
		{"POST", "/users/3", 405},
		{"GET", "/no/such/path", 404},
		{"GET", "/random-" + strings.Repeat("x", 10), 404},
		{"GET", "/fail", 503},
		{"GET", "/empty", 200},
		{"BREW", "/empty", 200},
	} {
		if w := serve(h, c.method, c.target, nil); w.Code != c.code {
			t.Fatalf("%s %s: %d, want %d", c.method, c.target, w.Code, c.code)
		}
	}
	for _, c := range []struct {
		name, labels string
		want         float64
	}{
		{"http_server_requests_total", "method=GET,route=GET /users/{id},code=200", 3},
		{"http_server_requests_total", "method=POST,route=unmatched,code=405", 1},
		{"http_server_requests_total", "method=GET,route=unmatched,code=404", 2},
		{"http_server_requests_total", "method=GET,route=/fail,code=503", 1},
		{"http_server_requests_total", "method=GET,route=/empty,code=200", 1},
		{"http_server_requests_total", "method=OTHER,route=/empty,code=200", 1},
		{"http_server_errors_total", "method=GET,route=/fail", 1},
		{"http_server_errors_total", "method=GET,route=GET /users/{id}", -1},
		{"http_server_requests_in_flight", "", 0},
	} {
		if got := value(reg, c.name, c.labels); got != c.want {
			t.Errorf("%s{%s} = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if n := reg.Family("http_server_requests_total").Len(); n != 6 {
		t.Errorf("%d request series; the raw paths must not make new ones", n)
	}
	if got := m.Totals(); got != (httpmetrics.Totals{Requests: 9, Errors: 1}) {
		t.Errorf("totals %+v", got)
	}
}

func TestPanicCountsAsError(t *testing.T) {
	reg, m, h := newMux(t, httpmetrics.Options{})
	defer func() {
		if recover() == nil {
			t.Fatal("the panic was swallowed; net/http must see it")
		}
		if got := value(reg, "http_server_requests_total", "method=GET,route=/panic,code=500"); got != 1 {
			t.Errorf("panicking request recorded %v times as a 500", got)
		}
		if got := m.Totals(); got != (httpmetrics.Totals{Requests: 1, Errors: 1}) {
			t.Errorf("totals %+v", got)
		}
	}()
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/panic", nil))
}

func TestSizes(t *testing.T) {
	reg, _, h := newMux(t, httpmetrics.Options{})
	serve(h, "POST", "/upload", strings.NewReader(strings.Repeat("a", 1500)))
	// A body of unknown length is measured by what the handler read.
	r := httptest.NewRequest("POST", "/upload", io.MultiReader(strings.NewReader(strings.Repeat("b", 700))))
	r.ContentLength = -1
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Body.String() != "700" {
		t.Fatalf("handler read %s bytes", w.Body.String())
	}
	hist := func(name string) (uint64, float64) {
		snap, err := abacustest.Histogram(reg, name)
		if err != nil {
			t.Fatal(err)
		}
		return snap.Count(), snap.Sum()
	}
	if n, sum := hist("http_server_request_size_bytes"); n != 2 || sum != 2200 {
		t.Errorf("request sizes: %d observations summing to %v, want 2 and 2200", n, sum)
	}
	if n, sum := hist("http_server_response_size_bytes"); n != 2 || sum != 7 {
		t.Errorf("response sizes: %d observations summing to %v, want 2 and 7 (\"1500\" and \"700\")", n, sum)
	}
	if n, _ := hist("http_server_request_duration_seconds"); n != 2 {
		t.Errorf("%d durations", n)
	}
}

func TestRequestStats(t *testing.T) {
	var logs bytes.Buffer
	reg, _, h := newMux(t, httpmetrics.Options{
		Stats:       []string{"db_calls", "cache_hits"},
		StatsLogger: slog.New(slog.NewTextHandler(&logs, nil)),
	})
	serve(h, "GET", "/users/7", nil)
	serve(h, "GET", "/users/8", nil)
	serve(h, "GET", "/empty", nil) // no stats: no line
	if got := value(reg, "http_server_request_stats_total", "stat=db_calls"); got != 4 {
		t.Errorf("db_calls total %v, want 4", got)
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "db_calls=2") || !strings.Contains(lines[0], `route="GET /users/{id}"`) ||
		strings.Contains(lines[0], "cache_hits") {
		t.Errorf("stats log:\n%s", logs.String())
	}
	if httpmetrics.Add(context.Background(), "db_calls", 1) {
		t.Error("Add outside a request reported true")
	}
}

func TestOptionsInvalid(t *testing.T) {
	for _, o := range []httpmetrics.Options{
		{Stats: []string{"Bad-Name"}},
		{Stats: []string{"a", "a"}},
		{Stats: make([]string, httpmetrics.MaxStats+1)},
		{Prefix: "bad prefix"},
	} {
		o.Registry = abacus.NewRegistry()
		if _, err := httpmetrics.New(o); err == nil {
			t.Errorf("New(%+v) succeeded", o)
		}
	}
	reg := abacus.NewRegistry()
	if _, err := reg.Gauge(abacus.Opts{Name: "http_server_requests_in_flight", ConstLabels: map[string]string{"a": "b"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := httpmetrics.New(httpmetrics.Options{Registry: reg}); err == nil {
		t.Error("registered over a family of another shape")
	}
}

func TestStatusHandler(t *testing.T) {
	_, m, h := newMux(t, httpmetrics.Options{})
	serve(h, "GET", "/fail", nil)
	serve(h, "GET", "/users/1", nil)
	w := httptest.NewRecorder()
	m.StatusHandler(0).ServeHTTP(w, httptest.NewRequest("GET", "/status", nil))
	var s httpmetrics.Status
	if err := json.Unmarshal(w.Body.Bytes(), &s); err != nil {
		t.Fatalf("%v: %s", err, w.Body)
	}
	if s.Requests != 2 || s.Errors != 1 || s.InFlight != 0 || s.AsOf.IsZero() {
		t.Errorf("status %s", w.Body)
	}
}

// TestExpvarJSON: the per-route counts appear in the expvar-style JSON.
func TestExpvarJSON(t *testing.T) {
	reg, _, h := newMux(t, httpmetrics.Options{})
	serve(h, "GET", "/users/1", nil)
	var b bytes.Buffer
	if err := expo.WriteJSON(&b, reg); err != nil {
		t.Fatal(err)
	}
	var vars map[string]any
	if err := json.Unmarshal(b.Bytes(), &vars); err != nil {
		t.Fatal(err)
	}
	got, _ := vars["http_server_requests_total"].(map[string]any)
	if got[`method="GET",route="GET /users/{id}",code="200"`] != 1.0 {
		t.Errorf("expvar JSON http_server_requests_total = %v", vars["http_server_requests_total"])
	}
}

// TestLoad runs a bounded load against a real listener: afterwards the
// in-flight gauge is back at 0 and the request count equals the requests
// sent.
func TestLoad(t *testing.T) {
	reg, m, h := newMux(t, httpmetrics.Options{Stats: []string{"db_calls"}, StatsLogger: slog.New(slog.DiscardHandler)})
	srv := httptest.NewServer(h)
	defer srv.Close()
	const workers, each = 8, 100
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() {
			for j := range each {
				path := fmt.Sprintf("/users/%d", i*each+j)
				if j%10 == 0 {
					path = "/fail"
				}
				resp, err := srv.Client().Get(srv.URL + path)
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
	wg.Wait()
	if got := m.Totals(); got != (httpmetrics.Totals{Requests: workers * each, Errors: workers * each / 10}) {
		t.Errorf("totals %+v after %d requests", got, workers*each)
	}
	if v := value(reg, "http_server_requests_in_flight", ""); v != 0 {
		t.Errorf("in flight %v after the load", v)
	}
	ok := value(reg, "http_server_requests_total", "method=GET,route=GET /users/{id},code=200")
	failed := value(reg, "http_server_requests_total", "method=GET,route=/fail,code=503")
	if ok+failed != workers*each || failed != workers*each/10 {
		t.Errorf("counted %v + %v requests", ok, failed)
	}
	if v := value(reg, "http_server_request_stats_total", "stat=db_calls"); v != 2*(ok) {
		t.Errorf("db_calls %v, want %v", v, 2*ok)
	}
}

// TestAllocs: the metrics path allocates nothing beyond what the mux and
// handler do on their own.
func TestAllocs(t *testing.T) {
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	m, err := httpmetrics.New(httpmetrics.Options{Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /hello", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("hi")) })
	mux.HandleFunc("GET /string", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hi") })
	wrapped := m.Wrap(mux)
	w := &discardWriter{h: http.Header{}}
	for _, path := range []string{"/hello", "/string"} {
		r := httptest.NewRequest("GET", path, nil)
		run := func(h http.Handler) float64 {
			h.ServeHTTP(w, r) // create the series
			return testing.AllocsPerRun(1000, func() { r.Pattern = ""; h.ServeHTTP(w, r) })
		}
		base, with := run(mux), run(wrapped)
		if with > base {
			t.Errorf("%s: the middleware adds %v allocations per request (mux alone %v)", path, with-base, base)
		}
	}
}

type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}
