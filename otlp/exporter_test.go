//go:build !js

// The exporter tests start HTTP servers, which js/wasm cannot.

package otlp

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/abacusgo/abacus"
	colpb "go.opentelemetry.io/proto/slim/otlp/collector/metrics/v1"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// answer is one scripted response of the fake receiver.
type answer struct {
	status     int
	retryAfter func() string
	body       []byte
	hangUp     bool // drop the connection without answering
}

// receiver is a fake OTLP/HTTP receiver that answers from a script (200
// once it runs out) and keeps every request it got.
type receiver struct {
	t      *testing.T
	mu     sync.Mutex
	script []answer
	got    []*colpb.ExportMetricsServiceRequest
	hdr    []http.Header
	times  []time.Time
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		rc.t.Errorf("reading request: %v", err)
	}
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			rc.t.Fatalf("gzip: %v", err)
		}
		body, _ = io.ReadAll(zr)
	}
	req := new(colpb.ExportMetricsServiceRequest)
	if err := proto.Unmarshal(body, req); err != nil {
		rc.t.Errorf("request does not decode: %v", err)
	}
	rc.mu.Lock()
	rc.got = append(rc.got, req)
	rc.hdr = append(rc.hdr, r.Header.Clone())
	rc.times = append(rc.times, time.Now())
	a := answer{status: 200}
	if len(rc.script) > 0 {
		a, rc.script = rc.script[0], rc.script[1:]
	}
	rc.mu.Unlock()
	if a.hangUp {
		c, _, _ := w.(http.Hijacker).Hijack()
		c.Close()
		return
	}
	if a.retryAfter != nil {
		w.Header().Set("Retry-After", a.retryAfter())
	}
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.WriteHeader(a.status)
	w.Write(a.body)
}

func (rc *receiver) attempts() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.got)
}

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

func fastOptions(url string) ExporterOptions {
	return ExporterOptions{Endpoint: url, InitialBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond,
		MaxElapsed: 10 * time.Second, Timeout: 2 * time.Second, Logger: quiet()}
}

func TestExporterRetryRules(t *testing.T) {
	seconds := func() string { return "1" }
	date := func() string { return time.Now().Add(1500 * time.Millisecond).UTC().Format(http.TimeFormat) }
	partial, _ := proto.Marshal(&colpb.ExportMetricsServiceResponse{PartialSuccess: &colpb.ExportMetricsPartialSuccess{RejectedDataPoints: 2, ErrorMessage: "bad points"}})
	// a google.rpc.Status{code: 3, message: "no such field"}
	rpcStatus := protowire.AppendString(protowire.AppendTag(protowire.AppendVarint(protowire.AppendTag(nil, 1, protowire.VarintType), 3), 2, protowire.BytesType), "no such field")
	for _, c := range []struct {
		name     string
		script   []answer
		attempts int
		wait     time.Duration // at least, between the first and last attempt
		err      func(error) bool
		rejected uint64 // points
		retries  uint64
	}{
		{"200", nil, 1, 0, nil, 0, 0},
		{"429 Retry-After seconds", []answer{{status: 429, retryAfter: seconds}}, 2, 900 * time.Millisecond, nil, 0, 1},
		{"503 Retry-After date", []answer{{status: 503, retryAfter: date}}, 2, 400 * time.Millisecond, nil, 0, 1},
		{"502 then 504", []answer{{status: 502}, {status: 504}}, 3, 0, nil, 0, 2},
		{"dropped connection", []answer{{hangUp: true}, {hangUp: true}}, 3, 0, nil, 0, 2},
		{"400", []answer{{status: 400, body: rpcStatus}}, 1, 0, func(err error) bool {
			var rej *RejectedError
			return errors.As(err, &rej) && rej.StatusCode == 400 && rej.Message == "no such field"
		}, 5, 0},
		{"413", []answer{{status: 413}}, 1, 0, func(err error) bool {
			var rej *RejectedError
			return errors.As(err, &rej) && rej.StatusCode == 413
		}, 5, 0},
		{"500 is not retried", []answer{{status: 500}}, 1, 0, func(err error) bool {
			var rej *RejectedError
			return errors.As(err, &rej)
		}, 5, 0},
		{"partial success", []answer{{status: 200, body: partial}}, 1, 0, nil, 2, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			rc := &receiver{t: t, script: c.script}
			srv := httptest.NewServer(rc)
			defer srv.Close()
			x, err := NewExporter(testRegistry(t), fastOptions(srv.URL+"/v1/metrics"))
			if err != nil {
				t.Fatal(err)
			}
			err = x.Flush(context.Background())
			switch {
			case c.err == nil && err != nil:
				t.Fatalf("Flush: %v", err)
			case c.err != nil && !c.err(err):
				t.Fatalf("Flush: %v (%T)", err, err)
			}
			if n := rc.attempts(); n != c.attempts {
				t.Errorf("%d attempts, want %d", n, c.attempts)
			}
			if d := rc.times[len(rc.times)-1].Sub(rc.times[0]); d < c.wait {
				t.Errorf("retried after %v, want at least %v", d, c.wait)
			}
			s := x.Stats()
			if s.RejectedPoints != c.rejected || s.Retries != c.retries {
				t.Errorf("stats %+v, want %d rejected points and %d retries", s, c.rejected, c.retries)
			}
			if c.err == nil && (s.Requests != 1 || s.Points+s.RejectedPoints != 5 || s.LastSuccess.IsZero()) {
				t.Errorf("stats %+v, want 1 request of 5 points delivered", s)
			}
			// every attempt carried the whole request
			for i, req := range rc.got {
				if !proto.Equal(req, rc.got[0]) {
					t.Errorf("attempt %d differs from the first", i)
				}
				if h := rc.hdr[i]; h.Get("Content-Type") != "application/x-protobuf" || h.Get("Content-Encoding") != "gzip" {
					t.Errorf("headers %v", h)
				}
			}
			if ps, _ := points(rc.got[0], "app_jobs_total"); ps["region=eu;queue=email;"].GetAsDouble() != 3 {
				t.Errorf("the request does not hold the registry: %v", ps)
			}
		})
	}
}

func TestExporterGivesUp(t *testing.T) {
	rc := &receiver{t: t}
	for range 100 {
		rc.script = append(rc.script, answer{status: 503})
	}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	o := fastOptions(srv.URL)
	o.MaxElapsed = 200 * time.Millisecond
	x, _ := NewExporter(testRegistry(t), o)
	err := x.Flush(context.Background())
	if !errors.Is(err, ErrDropped) {
		t.Fatalf("Flush: %v, want ErrDropped", err)
	}
	if s := x.Stats(); s.Dropped != 1 || s.DroppedPoints != 5 || s.Requests != 0 || s.Queued != 0 {
		t.Errorf("stats %+v", s)
	}
}

func TestExporterQueueOverflow(t *testing.T) {
	release := make(chan struct{})
	var once sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
	}))
	defer srv.Close()
	defer once.Do(func() { close(release) })
	o := fastOptions(srv.URL)
	o.QueueSize = 2
	o.Interval = time.Hour
	x, _ := NewExporter(testRegistry(t), o)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- x.Run(ctx) }()
	first := x.collect()
	x.enqueue(first) // being sent, blocked
	for x.Stats().Bytes == 0 {
		time.Sleep(time.Millisecond)
	}
	for range 3 { // two fill the queue; the third drops the oldest
		x.enqueue(x.collect())
	}
	if s := x.Stats(); s.Dropped != 1 || s.DroppedPoints != 5 {
		t.Errorf("stats %+v, want one request dropped", s)
	}
	once.Do(func() { close(release) })
	for x.Stats().Queued > 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
	if s := x.Stats(); s.Requests != 4 || s.Dropped != 1 || s.Queued != 0 {
		t.Errorf("stats %+v, want all but the dropped request delivered, the final one included", s)
	}
}

func TestExporterRunFinalFlush(t *testing.T) {
	rc := &receiver{t: t}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	reg := testRegistry(t)
	o := fastOptions(srv.URL)
	o.Interval = time.Hour
	o.Headers = map[string]string{"Authorization": "Bearer s3cret"}
	o.NoCompression = true
	x, _ := NewExporter(reg, o)
	if err := x.Register(reg); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- x.Run(ctx) }()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if rc.attempts() != 1 || rc.hdr[0].Get("Authorization") != "Bearer s3cret" || rc.hdr[0].Get("Content-Encoding") != "" {
		t.Fatalf("%d requests, headers %v", rc.attempts(), rc.hdr)
	}
	if _, m := points(rc.got[0], "abacus_otlp_exporter_requests_total"); m == nil {
		t.Error("the exporter's own metrics are not in the request")
	}
	if err := x.Run(context.Background()); err == nil {
		t.Error("a second Run did not fail")
	}
	ctx2, cancel2 := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel2()
	if err := x.Flush(ctx2); err != nil || rc.attempts() != 2 {
		t.Errorf("Flush after Run: %v, %d requests", err, rc.attempts())
	}
}

func TestExporterShutdownDrops(t *testing.T) {
	rc := &receiver{t: t}
	for range 1000 {
		rc.script = append(rc.script, answer{status: 503})
	}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	o := fastOptions(srv.URL)
	o.Interval = time.Hour
	o.ShutdownTimeout = 100 * time.Millisecond
	x, _ := NewExporter(testRegistry(t), o)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- x.Run(ctx) }()
	cancel()
	err := <-done
	if !errors.Is(err, ErrDropped) {
		t.Fatalf("Run: %v, want ErrDropped", err)
	}
	if s := x.Stats(); s.Dropped != 1 || s.Queued != 0 {
		t.Errorf("stats %+v", s)
	}
}

func TestNewExporterRefuses(t *testing.T) {
	reg := abacus.NewRegistry()
	for _, o := range []ExporterOptions{
		{Endpoint: "localhost:4318"},
		{Endpoint: "ftp://x/v1/metrics"},
		{Endpoint: "http://"},
		{Timeout: -1},
		{QueueSize: -1},
	} {
		if _, err := NewExporter(reg, o); err == nil {
			t.Errorf("NewExporter(%+v) did not fail", o)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		h  string
		d  time.Duration
		ok bool
	}{
		{"", 0, false},
		{"3", 3 * time.Second, true},
		{" 0 ", 0, true},
		{"-1", 0, false},
		{"1.5", 0, false},
		{"Wed, 02 Dec 2026 12:00:07 GMT", 7 * time.Second, true},
		{"Wed, 02 Dec 2026 11:00:00 GMT", 0, true}, // in the past: now
		{"Wednesday, 02-Dec-26 12:00:02 GMT", 2 * time.Second, true},
		{"soon", 0, false},
	} {
		d, ok := retryAfter(c.h, now)
		if d != c.d || ok != c.ok {
			t.Errorf("retryAfter(%q) = %v, %v; want %v, %v", c.h, d, ok, c.d, c.ok)
		}
	}
}

func TestBackoff(t *testing.T) {
	b := backoff{Initial: 100 * time.Millisecond, Max: time.Second}
	for n, want := range []time.Duration{100, 200, 400, 800, 1000, 1000} {
		want *= time.Millisecond
		for range 50 {
			if d := b.wait(n); d < want/2 || d >= want*3/2 {
				t.Fatalf("wait(%d) = %v, want in [%v, %v)", n, d, want/2, want*3/2)
			}
		}
	}
}
