package otelbridge_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/abacusgo/abacus/abacustest"
	"github.com/abacusgo/abacus/otelbridge"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// TestOTelHTTP: otelhttp's server handler and client transport, given the
// provider, record the semantic-convention HTTP metrics into Abacus
// families with the built-in attribute keys: every request counted under
// its method, status and route, no key dropped, and exemplars from the
// sampled spans otelhttp starts.
func TestOTelHTTP(t *testing.T) {
	reg, mp, _, log := newProvider(t)
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()))
	defer func() { _ = tp.Shutdown(t.Context()) }()

	mux := http.NewServeMux()
	mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "user "+r.PathValue("id")) })
	mux.HandleFunc("POST /users", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusCreated)
	})
	srv := httptest.NewServer(otelhttp.NewHandler(mux, "users", otelhttp.WithMeterProvider(mp), otelhttp.WithTracerProvider(tp)))
	defer srv.Close()
	client := &http.Client{Transport: otelhttp.NewTransport(http.DefaultTransport, otelhttp.WithMeterProvider(mp), otelhttp.WithTracerProvider(tp))}

	for i := range 5 {
		resp, err := client.Get(srv.URL + "/users/" + itoa(i))
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	for range 2 {
		resp, err := client.Post(srv.URL+"/users", "text/plain", strings.NewReader("ann"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	resp, err := client.Get(srv.URL + "/nowhere")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	u, _ := url.Parse(srv.URL)
	host, port := u.Hostname(), u.Port()
	for _, c := range []struct {
		family string
		labels []string
		count  float64
		sum    float64 // -1: not checked
	}{
		{"http_server_request_duration_seconds", []string{"http_request_method", "GET", "http_response_status_code", "200", "http_route", "/users/{id}",
			"url_scheme", "http", "server_address", host, "server_port", port, "network_protocol_version", "1.1"}, 5, -1},
		{"http_server_request_duration_seconds", []string{"http_request_method", "POST", "http_response_status_code", "201", "http_route", "/users"}, 2, -1},
		{"http_server_request_duration_seconds", []string{"http_request_method", "GET", "http_response_status_code", "404", "http_route", ""}, 1, -1},
		{"http_server_request_body_size_bytes", []string{"http_request_method", "POST"}, 2, 6},
		{"http_server_response_body_size_bytes", []string{"http_request_method", "GET", "http_response_status_code", "200"}, 5, 5 * float64(len("user 0"))},
		{"http_client_request_duration_seconds", []string{"http_request_method", "GET", "http_response_status_code", "200", "server_address", host}, 5, -1},
		{"http_client_request_duration_seconds", []string{"http_request_method", "POST", "http_response_status_code", "201"}, 2, -1},
		{"http_client_request_body_size_bytes", []string{"http_request_method", "POST"}, 2, 6},
	} {
		s, err := abacustest.Find(reg, c.family, c.labels...)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		if s.Value != c.count || c.sum >= 0 && s.Sum != c.sum {
			t.Errorf("%s%v: count %v, sum %v; want %v, %v", c.family, c.labels, s.Value, s.Sum, c.count, c.sum)
		}
	}
	// Classic buckets from otelhttp's advice, as every series exposes them.
	if f := reg.Family("http_server_request_duration_seconds"); len(f.Buckets()) != 14 || f.Buckets()[0] != 0.005 {
		t.Errorf("buckets %v; want otelhttp's 14 boundaries from 0.005", f.Buckets())
	}
	if st := mp.Stats(); st != (otelbridge.Stats{}) {
		t.Errorf("stats %+v; want zeros: every key otelhttp records is declared", st)
	}
	if log.Len() > 0 {
		t.Errorf("logged:\n%s", log)
	}
	if xs := histogramExemplars(reg, "http_server_request_duration_seconds"); len(xs) == 0 {
		t.Error("no exemplar from otelhttp's sampled server spans")
	}
}
