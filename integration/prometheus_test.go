package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/expo"
	"github.com/abacusgo/abacus/expo/promproto"
	"github.com/abacusgo/abacus/histogram"
)

func binary(t *testing.T, env string) string {
	t.Helper()
	path := os.Getenv(env)
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set under CI", env)
		}
		t.Skipf("%s is not set; ./scripts/test installs Prometheus and sets it", env)
	}
	return path
}

// workload is a registry with known contents: a constant counter, a counter
// rising at 100 per second, and a latency histogram with a known median.
type workload struct {
	reg     *abacus.Registry
	latency *abacus.Histogram
	median  float64
	stop    func()
}

func newWorkload(t *testing.T) *workload {
	reg := abacus.NewRegistry()
	abacus.Must(reg.Counter(abacus.Opts{Name: "it_requests_total", Help: "A constant."})).Add(1027)
	ticks := abacus.Must(reg.Counter(abacus.Opts{Name: "it_ticks_total", Help: "Rises at 100 per second."}))
	lat := abacus.Must(reg.Histogram(abacus.HistogramOpts{Opts: abacus.Opts{Name: "it_latency_seconds", Help: "Latency.", Unit: "seconds"}}))
	for i := 1; i <= 999; i++ {
		lat.Observe(float64(i) / 1000) // 1 ms … 999 ms: the median is 0.5 s
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		// Keep the count at 100 per second of elapsed time, whatever the
		// ticker's jitter.
		start, added := time.Now(), uint64(0)
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				due := uint64(time.Since(start).Seconds() * 100)
				ticks.Add(due - added)
				added = due
			}
		}
	})
	return &workload{reg: reg, latency: lat, median: lat.Snapshot().Quantile(0.5), stop: func() { cancel(); wg.Wait() }}
}

// server serves the workload and remembers the content types it served.
type server struct {
	addr   string
	mu     sync.Mutex
	served map[string]int
}

func serve(t *testing.T, reg *abacus.Registry) *server {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &server{addr: ln.Addr().String(), served: map[string]int{}}
	h := promproto.Handler(reg)
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		s.mu.Lock()
		s.served[strings.SplitN(w.Header().Get("Content-Type"), ";", 2)[0]]++
		s.mu.Unlock()
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

func (s *server) count(mediaType string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.served[mediaType]
}

// startPrometheus runs a Prometheus scraping the targets every second and
// returns the URL of its API.
func startPrometheus(t *testing.T, bin, target string, nativeHistograms bool, more ...string) string {
	dir := t.TempDir()
	targets := strconv.Quote(target)
	for _, m := range more {
		targets += ", " + strconv.Quote(m)
	}
	config := fmt.Sprintf("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: abacus\n    static_configs:\n      - targets: [%s]\n", targets)
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	args := []string{
		"--config.file=" + filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path=" + filepath.Join(dir, "data"),
		"--web.listen-address=" + addr,
	}
	if nativeHistograms {
		args = append(args, "--enable-feature=native-histograms")
	}
	cmd := exec.Command(bin, args...)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("prometheus log:\n%s", logs.String())
		}
	})
	return "http://" + addr
}

// query runs an instant query and returns the single value it gives, or an
// error if there is not exactly one.
func query(api, q string) (float64, error) {
	resp, err := http.Get(api + "/api/v1/query?query=" + url.QueryEscape(q))
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var body struct {
		Status string
		Error  string
		Data   struct {
			Result []struct {
				Value []any
			}
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return 0, err
	}
	if body.Status != "success" {
		return 0, fmt.Errorf("%s: %s", q, body.Error)
	}
	if len(body.Data.Result) != 1 || len(body.Data.Result[0].Value) != 2 {
		return 0, fmt.Errorf("%s: %d results", q, len(body.Data.Result))
	}
	s, _ := body.Data.Result[0].Value[1].(string)
	return strconv.ParseFloat(s, 64)
}

// eventually retries a query until check accepts its value or the deadline
// passes.
func eventually(t *testing.T, api, q string, within time.Duration, check func(float64) error) {
	t.Helper()
	deadline := time.Now().Add(within)
	var last error
	for time.Now().Before(deadline) {
		v, err := query(api, q)
		if err == nil {
			if err = check(v); err == nil {
				t.Logf("%s = %v", q, v)
				return
			}
		}
		last = err
		time.Sleep(500 * time.Millisecond)
	}
	t.Fatalf("%s: %v", q, last)
}

func near(want, tol float64) func(float64) error {
	return func(v float64) error {
		if math.Abs(v-want) > tol {
			return fmt.Errorf("got %v, want %v ± %v", v, want, tol)
		}
		return nil
	}
}

// TestPrometheusScrapes runs two real Prometheus servers against one Abacus
// endpoint: one with native histograms enabled (it negotiates protobuf) and
// one without (it negotiates OpenMetrics). Both must read back what was
// recorded.
func TestPrometheusScrapes(t *testing.T) {
	bin := binary(t, "ABACUS_PROMETHEUS")
	w := newWorkload(t)
	defer w.stop()
	srv := serve(t, w.reg)
	native := startPrometheus(t, bin, srv.addr, true)
	plain := startPrometheus(t, bin, srv.addr, false)

	for _, api := range []string{native, plain} {
		eventually(t, api, `up{job="abacus"}`, 60*time.Second, near(1, 0))
		eventually(t, api, `it_requests_total`, 30*time.Second, near(1027, 0))
		eventually(t, api, `rate(it_ticks_total[10s])`, 30*time.Second, near(100, 15))
	}
	// Through OpenMetrics, the classic buckets. They are powers of two, so
	// the median 0.5 is a bucket boundary, and interpolation lands on it.
	eventually(t, plain, `histogram_quantile(0.5, it_latency_seconds_bucket)`, 30*time.Second, near(0.5, 0.01))
	eventually(t, plain, `it_latency_seconds_count`, 30*time.Second, near(999, 0))
	// Through protobuf, the native histogram (Prometheus 2.42 then keeps
	// only the native form): its quantile lies in the same scale-6 bucket as
	// ours.
	eventually(t, native, `histogram_quantile(0.5, it_latency_seconds)`, 30*time.Second,
		near(w.median, 2*histogram.RelativeError(histogram.DefaultScale)*w.median))
	eventually(t, native, `histogram_count(it_latency_seconds)`, 30*time.Second, near(999, 0))
	eventually(t, native, `histogram_sum(it_latency_seconds)`, 30*time.Second, near(499.5, 1e-6))

	if srv.count("application/vnd.google.protobuf") == 0 {
		t.Error("the native-histogram Prometheus never negotiated protobuf")
	}
	if srv.count("application/openmetrics-text") == 0 {
		t.Error("the plain Prometheus never negotiated OpenMetrics")
	}
	t.Logf("served: %v", srv.served)
}

// TestPromtoolCheckMetrics runs promtool check metrics (parse and lint) on
// the Prometheus text exposition of a registry with every kind of family,
// the Go runtime and process metrics included.
func TestPromtoolCheckMetrics(t *testing.T) {
	bin := binary(t, "ABACUS_PROMTOOL")
	w := newWorkload(t)
	defer w.stop()
	if err := w.reg.RegisterGoMetrics(); err != nil {
		t.Fatal(err)
	}
	if err := w.reg.RegisterProcessMetrics(); err != nil {
		t.Fatal(err)
	}
	gv := abacus.Must(w.reg.GaugeVec(abacus.Opts{Name: "it_temperature_celsius", Help: "Temperature.", Unit: "celsius"}, "room"))
	gv.With(`a "quoted"\ room`).Set(21)
	var b bytes.Buffer
	if err := expo.WriteText(&b, w.reg); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "check", "metrics")
	cmd.Stdin = bytes.NewReader(b.Bytes())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check metrics: %v\n%s\ninput:\n%s", err, out, b.String())
	}
	t.Logf("promtool: %s", bytes.TrimSpace(out))
}

// TestClassicHistogramsAggregate: two instances whose latencies differ
// widely, scraped by a real Prometheus without native histograms; the
// fleet's quantile from histogram_quantile over sum by (le) lands in the
// classic bucket that holds the pooled truth, because every series of the
// family, on every instance, has the same le set.
func TestClassicHistogramsAggregate(t *testing.T) {
	bin := binary(t, "ABACUS_PROMETHEUS")
	var all []float64
	var addrs []string
	for i, spread := range []struct{ lo, hi float64 }{{0.001, 0.05}, {0.2, 3}} {
		reg := abacus.NewRegistry()
		hv := abacus.Must(reg.HistogramVec(abacus.HistogramOpts{Opts: abacus.Opts{Name: "fleet_latency_seconds", Help: "h", Unit: "seconds"}}, "route"))
		for k := range 2000 {
			v := spread.lo + (spread.hi-spread.lo)*float64((k*7919+i)%2000)/2000
			hv.With([]string{"/a", "/b"}[k%2]).Observe(v)
			all = append(all, v)
		}
		addrs = append(addrs, serve(t, reg).addr)
	}
	api := startPrometheus(t, bin, addrs[0], false, addrs[1:]...)
	eventually(t, api, `count(up == 1)`, 60*time.Second, near(2, 0))
	slices.Sort(all)
	bounds := abacus.DefaultBuckets()
	for _, q := range []float64{0.5, 0.9, 0.99} {
		truth := all[int(math.Ceil(q*float64(len(all))))-1]
		lo, hi := 0.0, math.Inf(1)
		for _, b := range bounds {
			if b < truth {
				lo = b
			} else {
				hi = b
				break
			}
		}
		expr := fmt.Sprintf(`histogram_quantile(%v, sum by (le) (fleet_latency_seconds_bucket))`, q)
		eventually(t, api, expr, 30*time.Second, func(v float64) error {
			if v < lo || v > hi {
				return fmt.Errorf("got %v; the pooled truth %v is in the bucket (%v, %v]", v, truth, lo, hi)
			}
			return nil
		})
	}
}
