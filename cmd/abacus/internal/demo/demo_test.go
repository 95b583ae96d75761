package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestDemo runs the demo with its load generator for a moment, reads every
// endpoint, stops it, and checks that it shut down with nothing in flight.
func TestDemo(t *testing.T) {
	var logs syncBuffer
	cfg := Config{
		Addr: "127.0.0.1:0", AdminAddr: "127.0.0.1:0",
		Rate: 300, ErrorRate: 0.1, Latency: time.Millisecond, Spread: 0.5, Users: 50, SLOTarget: 0.99,
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	}
	ctx, cancel := context.WithCancel(context.Background())
	addrs := make(chan Addrs, 1)
	done := make(chan error, 1)
	go func() { done <- Run(ctx, cfg, func(a Addrs) { addrs <- a }) }()
	var a Addrs
	select {
	case a = <-addrs:
	case err := <-done:
		t.Fatalf("Run: %v", err)
	}
	base := "http://" + a.Service
	get := func(url, accept string) (int, string, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", url, nil)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
	}
	// Wait until the load has made some requests of each kind.
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, _, body := get(base+"/metrics", "")
		if strings.Contains(body, `code="500"`) && strings.Contains(body, `route="POST /api/login"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no load after 10s:\n%s", body)
		}
		time.Sleep(50 * time.Millisecond)
	}

	code, _, body := get(base+"/metrics", "")
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(strings.NewReader(body))
	if code != 200 || err != nil {
		t.Fatalf("/metrics: %d, %v", code, err)
	}
	for _, name := range []string{"http_server_requests_total", "http_server_errors_total", "http_server_requests_in_flight",
		"http_server_request_duration_seconds", "http_server_request_stats_total", "slo_error_budget_remaining",
		"slo_alert_firing", "demo_item_latency_seconds", "demo_sessions_online", "demo_logins_total", "go_goroutines", "process_cpu_seconds_total"} {
		if fams[name] == nil {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	for _, accept := range []string{"application/openmetrics-text; version=1.0.0",
		"application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"} {
		if code, ctype, _ := get(base+"/metrics", accept); code != 200 || !strings.HasPrefix(ctype, strings.SplitN(accept, ";", 2)[0]) {
			t.Errorf("/metrics for %s: %d %s", accept, code, ctype)
		}
	}
	var vars map[string]any
	if _, _, body := get(base+"/debug/vars", ""); json.Unmarshal([]byte(body), &vars) != nil || vars["cmdline"] == nil ||
		vars["memstats"] == nil || vars["http_server_requests_total"] == nil {
		t.Errorf("/debug/vars: %.300s", body)
	}
	// /status publishes at most once a second: wait for a snapshot taken
	// under load.
	for {
		var status struct{ Requests, Errors int64 }
		_, _, body := get(base+"/status", "")
		if err := json.Unmarshal([]byte(body), &status); err != nil || status.Errors > status.Requests {
			t.Fatalf("/status: %s", body)
		}
		if status.Requests > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/status: %s", body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if code, _, body := get(base+"/", ""); code != 200 || !strings.Contains(body, "page-1h-5m") || !strings.Contains(body, "SLO api-latency") {
		t.Errorf("/: %d %s", code, body)
	}
	if code, _, _ := get(base+"/debug/pprof/", ""); code != 404 {
		t.Errorf("pprof on the service listener: %d", code)
	}
	if code, _, _ := get("http://"+a.Admin+"/debug/pprof/", ""); code != 200 {
		t.Errorf("pprof on the admin listener: %d", code)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no graceful shutdown within 20s")
	}
	if !strings.Contains(logs.String(), `msg="demo: stopped"`) || !strings.Contains(logs.String(), "in_flight=0") {
		t.Errorf("logs:\n%s", logs.String())
	}
}

func TestConfigCheck(t *testing.T) {
	good := Config{Addr: ":0", Rate: 1, ErrorRate: 0.1, Latency: time.Millisecond, Spread: 0.5, Users: 1, SLOTarget: 0.99}
	if err := good.Check(); err != nil {
		t.Fatal(err)
	}
	for _, mod := range []func(*Config){
		func(c *Config) { c.Addr = "" },
		func(c *Config) { c.Rate = -1 },
		func(c *Config) { c.ErrorRate = 1.5 },
		func(c *Config) { c.Latency = -time.Second },
		func(c *Config) { c.Spread = 10 },
		func(c *Config) { c.Users = -1 },
		func(c *Config) { c.Duration = -1 },
		func(c *Config) { c.SLOTarget = 1 },
	} {
		c := good
		mod(&c)
		if c.Check() == nil {
			t.Errorf("%+v passed", c)
		}
	}
}
