package httpmetrics_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/abacustest"
	"github.com/abacusgo/abacus/httpmetrics"
)

func newMiddleware(t testing.TB, opts httpmetrics.Options) (*abacus.Registry, *httpmetrics.Middleware) {
	t.Helper()
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	opts.Registry = reg
	m, err := httpmetrics.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return reg, m
}

// TestOutlivingHandler: behind http.TimeoutHandler a handler goes on after
// the middleware recorded its request; its body and statistics must still
// be its own, not those of the request that came next.
func TestOutlivingHandler(t *testing.T) {
	_, m := newMiddleware(t, httpmetrics.Options{Stats: []string{"n"}, StatsLogger: slog.New(slog.DiscardHandler)})
	var wg sync.WaitGroup
	var mismatches atomic.Int64
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer wg.Done()
		time.Sleep(20 * time.Millisecond) // past the timeout
		// The server has closed the body by now (reading it fails), or
		// the body is still this request's; never another's.
		b, _ := io.ReadAll(r.Body)
		if len(b) > 0 && string(b) != r.Header.Get("X-Want") {
			mismatches.Add(1)
		}
		httpmetrics.Add(r.Context(), "n", 1)
	})
	srv := httptest.NewServer(m.Wrap(http.TimeoutHandler(slow, 5*time.Millisecond, "timeout")))
	defer srv.Close()
	var clients sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		clients.Go(func() {
			want := strings.Repeat(fmt.Sprint(i%10), 10)
			// A chunked body (unknown length) is the one the middleware counts.
			req, _ := http.NewRequest("POST", srv.URL, io.MultiReader(strings.NewReader(want)))
			req.Header.Set("X-Want", want)
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
		})
	}
	clients.Wait()
	wg.Wait()
	if n := mismatches.Load(); n != 0 {
		t.Errorf("%d handlers read another request's body", n)
	}
}

// TestExpectContinue: a handler that answers without reading the body must
// not make the server wait for a body the client has not sent.
func TestExpectContinue(t *testing.T) {
	_, m := newMiddleware(t, httpmetrics.Options{})
	srv := httptest.NewServer(m.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		http.NewResponseController(w).Flush()
	})))
	defer srv.Close()
	for _, framing := range []string{"Content-Length: 100000", "Transfer-Encoding: chunked"} {
		c, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: x\r\n%s\r\nExpect: 100-continue\r\n\r\n", framing)
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		line, err := bufio.NewReader(c).ReadString('\n')
		c.Close()
		if err != nil || !strings.Contains(line, "401") {
			t.Errorf("%s: %q, %v; want the 401 without sending the body", framing, line, err)
		}
	}
}

// TestTotalsConsistent: errors never exceed requests in Totals, while
// failing requests end concurrently.
func TestTotalsConsistent(t *testing.T) {
	_, m := newMiddleware(t, httpmetrics.Options{})
	h := m.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) }))
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			w := &discardWriter{h: http.Header{}}
			r := httptest.NewRequest("GET", "/", nil)
			for ctx.Err() == nil {
				h.ServeHTTP(w, r)
			}
		})
	}
	for range 20000 {
		if tot := m.Totals(); tot.Errors > tot.Requests {
			cancel()
			wg.Wait()
			t.Fatalf("totals %+v", tot)
		}
	}
	cancel()
	wg.Wait()
}

// TestRecordedCodes covers the status codes that are not simply written.
func TestRecordedCodes(t *testing.T) {
	reg, m := newMiddleware(t, httpmetrics.Options{})
	mux := http.NewServeMux()
	mux.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		c, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer c.Close()
		rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
		rw.Flush()
	})
	mux.HandleFunc("/late-panic", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		io.WriteString(w, "partial")
		panic(http.ErrAbortHandler)
	})
	mux.HandleFunc("/early", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusEarlyHints)
		w.WriteHeader(http.StatusAccepted)
	})
	srv := httptest.NewServer(m.Wrap(mux))
	defer srv.Close()

	c, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(c, "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if line, _ := bufio.NewReader(c).ReadString('\n'); !strings.Contains(line, "101") {
		t.Errorf("upgrade: %q", line)
	}
	c.Close()
	for _, path := range []string{"/late-panic", "/early"} {
		if resp, err := srv.Client().Get(srv.URL + path); err == nil {
			resp.Body.Close()
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		ok := value(reg, "http_server_requests_total", "method=GET,route=/ws,code=101") == 1 &&
			value(reg, "http_server_requests_total", "method=GET,route=/late-panic,code=500") == 1 &&
			value(reg, "http_server_requests_total", "method=GET,route=/early,code=202") == 1
		if ok {
			break
		}
		if time.Now().After(deadline) {
			samples, _ := abacustest.Samples(reg, "http_server_requests_total")
			t.Fatalf("recorded: %+v", samples)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
