package httpmetrics_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/abacusgo/abacus/abacustest"
	"github.com/abacusgo/abacus/httpmetrics"
)

// A client cannot choose the route label: CONNECT requests that the mux
// redirects (it reports their own path as the pattern) share "unmatched",
// so real routes never go to the overflow series.
func TestRouteNeverFromTheClient(t *testing.T) {
	reg, m := newMiddleware(t, httpmetrics.Options{})
	mux := http.NewServeMux()
	mux.HandleFunc("/files/{name}/", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("GET /ok", func(w http.ResponseWriter, r *http.Request) {})
	h := m.Wrap(mux)
	for i := range 3000 {
		r := &http.Request{Method: http.MethodConnect, URL: &url.URL{Path: "/files/f" + strconv.Itoa(i)}, Host: "x", Header: http.Header{}}
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/ok", nil))
	samples, err := abacustest.Samples(reg, "http_server_requests_total")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range samples {
		if s.Overflow || strings.HasPrefix(s.Labels["route"], "/files/f") {
			t.Fatalf("a client-chosen route: %v", s.Labels)
		}
	}
	if v, err := abacustest.Value(reg, "http_server_requests_total", "method", "CONNECT", "route", httpmetrics.Unmatched); err != nil || v != 3000 {
		t.Fatalf("CONNECT redirects: %v %v", v, err)
	}
	if v, _ := abacustest.Value(reg, "http_server_requests_total", "route", "GET /ok"); v != 1 {
		t.Fatalf("GET /ok = %v", v)
	}
}

// HEAD records the bytes sent, which are none, whatever the handler wrote.
func TestHeadRecordsNoBody(t *testing.T) {
	reg, m := newMiddleware(t, httpmetrics.Options{})
	mux := http.NewServeMux()
	mux.HandleFunc("/doc", func(w http.ResponseWriter, r *http.Request) { w.Write(make([]byte, 5000)) })
	srv := httptest.NewServer(m.Wrap(mux))
	defer srv.Close()
	resp, err := http.Head(srv.URL + "/doc")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	snap, err := abacustest.Histogram(reg, "http_server_response_size_bytes", "method", "HEAD")
	if err != nil || snap.Count() != 1 || snap.Sum() != 0 {
		t.Fatalf("HEAD response size: %v, %v", snap, err)
	}
}

// Behind http.TimeoutHandler the mux sees a copy of the request: WrapRouted
// asks the mux for the route, for served requests and timed-out ones.
func TestWrapRoutedTimeoutHandler(t *testing.T) {
	reg, m := newMiddleware(t, httpmetrics.Options{})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /fast/{id}", func(w http.ResponseWriter, r *http.Request) {})
	release := make(chan struct{})
	mux.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) { <-release })
	h := m.WrapRouted(mux, http.TimeoutHandler(mux, 20*time.Millisecond, "timeout"))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/fast/1", nil))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/slow", nil))
	close(release)
	if w.Code != http.StatusServiceUnavailable {
		t.Fatalf("timeout: %d", w.Code)
	}
	if v, err := abacustest.Value(reg, "http_server_requests_total", "route", "GET /fast/{id}", "code", "200"); err != nil || v != 1 {
		t.Errorf("fast: %v %v", v, err)
	}
	if v, err := abacustest.Value(reg, "http_server_requests_total", "route", "GET /slow", "code", "503"); err != nil || v != 1 {
		t.Errorf("timed out: %v %v", v, err)
	}
	// Wrap alone cannot see the route behind TimeoutHandler: it says so.
	reg2, m2 := newMiddleware(t, httpmetrics.Options{})
	m2.Wrap(http.TimeoutHandler(mux, time.Second, "")).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/fast/2", nil))
	if v, _ := abacustest.Value(reg2, "http_server_requests_total", "route", httpmetrics.Unmatched); v != 1 {
		t.Errorf("Wrap behind TimeoutHandler: %v", v)
	}
}

// Options set the histograms' classic layouts.
func TestBucketOptions(t *testing.T) {
	reg, _ := newMiddleware(t, httpmetrics.Options{DurationBuckets: []float64{0.125, 0.5}, SizeBuckets: []float64{1024}})
	if b := reg.Family("http_server_request_duration_seconds").Buckets(); len(b) != 2 || b[1] != 0.5 {
		t.Errorf("duration buckets %v", b)
	}
	if b := reg.Family("http_server_response_size_bytes").Buckets(); len(b) != 1 || b[0] != 1024 {
		t.Errorf("size buckets %v", b)
	}
	reg, _ = newMiddleware(t, httpmetrics.Options{})
	if b := reg.Family("http_server_request_size_bytes").Buckets(); len(b) != len(httpmetrics.DefaultSizeBuckets()) {
		t.Errorf("default size buckets %v", b)
	}
}
