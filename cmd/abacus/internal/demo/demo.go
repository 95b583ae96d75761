// Package demo is the service behind `abacus demo`: an HTTP API instrumented
// with every layer of Abacus (registry, exposition, httpmetrics, slo,
// presence), and a load generator that drives it.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/pprof"
	"strconv"
	"sync"
	"time"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/expo"
	"github.com/abacusgo/abacus/expo/promproto"
	"github.com/abacusgo/abacus/httpmetrics"
	"github.com/abacusgo/abacus/presence"
	"github.com/abacusgo/abacus/slo"
)

// Config is what `abacus demo` takes from its flags.
type Config struct {
	Addr      string        // the service's listener, e.g. 127.0.0.1:8080
	AdminAddr string        // pprof's listener; "" turns it off
	Rate      float64       // requests per second the load generator sends; 0 for none
	ErrorRate float64       // fraction of API requests that fail with 500
	Latency   time.Duration // median latency of the API handler
	Spread    float64       // lognormal sigma of the latency
	Users     int           // simulated users logging in and out
	Duration  time.Duration // 0 runs until the context ends
	SLOTarget float64       // the availability objective, e.g. 0.99
	Logger    *slog.Logger
}

// Check returns an error naming every bad field.
func (c Config) Check() error {
	var errs []error
	if c.Addr == "" {
		errs = append(errs, errors.New("-addr is empty"))
	}
	if c.Rate < 0 || math.IsNaN(c.Rate) || c.Rate > 100000 {
		errs = append(errs, fmt.Errorf("-rate %v: want 0 to 100000 requests per second", c.Rate))
	}
	if !(c.ErrorRate >= 0 && c.ErrorRate <= 1) {
		errs = append(errs, fmt.Errorf("-errors %v: want a fraction from 0 to 1", c.ErrorRate))
	}
	if c.Latency < 0 || c.Latency > time.Minute {
		errs = append(errs, fmt.Errorf("-latency %v: want 0 to 1m", c.Latency))
	}
	if !(c.Spread >= 0 && c.Spread <= 3) {
		errs = append(errs, fmt.Errorf("-spread %v: want 0 to 3", c.Spread))
	}
	if c.Users < 0 || c.Users > 1_000_000 {
		errs = append(errs, fmt.Errorf("-users %d: want 0 to 1000000", c.Users))
	}
	if c.Duration < 0 {
		errs = append(errs, fmt.Errorf("-duration %v is negative", c.Duration))
	}
	if !(c.SLOTarget > 0 && c.SLOTarget < 1) {
		errs = append(errs, fmt.Errorf("-slo %v: want a fraction between 0 and 1", c.SLOTarget))
	}
	return errors.Join(errs...)
}

// Addrs are where a running demo listens.
type Addrs struct {
	Service, Admin string // host:port; Admin "" when off
}

// Run serves until ctx ends (or Duration passes), with the load generator
// running against the service, then shuts down gracefully. ready, if not
// nil, is called once both listeners are bound.
func Run(ctx context.Context, cfg Config, ready func(Addrs)) error {
	if err := cfg.Check(); err != nil {
		return err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	if cfg.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, cfg.Duration)
		defer cancel()
	}
	svc, err := newService(cfg, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("demo: listen: %w", err)
	}
	var addrs Addrs
	addrs.Service = ln.Addr().String()
	servers := []*http.Server{newServer(svc.handler(), log)}
	listeners := []net.Listener{ln}
	if cfg.AdminAddr != "" {
		aln, err := net.Listen("tcp", cfg.AdminAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("demo: listen (admin): %w", err)
		}
		addrs.Admin = aln.Addr().String()
		servers = append(servers, newServer(adminHandler(), log))
		listeners = append(listeners, aln)
	}
	if ready != nil {
		ready(addrs)
	}

	var wg sync.WaitGroup
	errc := make(chan error, len(servers))
	for i, srv := range servers {
		wg.Go(func() {
			if err := srv.Serve(listeners[i]); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- err
			}
		})
	}
	bg, stopBG := context.WithCancel(ctx)
	var bgWG sync.WaitGroup
	bgWG.Go(func() { _ = svc.slo.Run(bg) })
	bgWG.Go(func() { _ = svc.fast.Run(bg) })
	bgWG.Go(func() { _ = svc.reporter.Run(bg) })
	bgWG.Go(func() { _ = svc.online.Run(bg, time.Minute) })
	if cfg.Rate > 0 {
		bgWG.Go(func() { newLoad(cfg, "http://"+addrs.Service, log).run(bg) })
	}

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	stopBG()
	bgWG.Wait() // the load stops before the servers do: no errors from shutdown
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	for _, srv := range servers {
		if err := srv.Shutdown(shutdown); err != nil {
			log.Warn("demo: shutdown", "err", err)
		}
	}
	wg.Wait()
	t := svc.mw.Totals()
	log.Info("demo: stopped", "requests", t.Requests, "errors", t.Errors, "in_flight", t.InFlight)
	return serveErr
}

// newServer returns an http.Server with a timeout on every phase.
func newServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// adminHandler serves pprof, on its own listener only.
func adminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	return mux
}

// service is the instrumented API.
type service struct {
	cfg      Config
	reg      *abacus.Registry
	mw       *httpmetrics.Middleware
	online   *presence.Tracker
	logins   *abacus.Counter
	latency  *abacus.Histogram
	slo      *slo.Tracker
	fast     *slo.Tracker
	reporter *httpmetrics.Reporter

	mu  sync.Mutex
	rnd *rand.Rand
}

const maxBody = 1 << 20

func newService(cfg Config, log *slog.Logger) (*service, error) {
	reg := abacus.NewRegistry()
	if err := errors.Join(reg.RegisterGoMetrics(), reg.RegisterProcessMetrics()); err != nil {
		return nil, err
	}
	mw, err := httpmetrics.New(httpmetrics.Options{
		Registry:    reg,
		Stats:       []string{"db_calls", "cache_hits"},
		StatsLogger: log,
		StatsLevel:  slog.LevelDebug,
	})
	if err != nil {
		return nil, err
	}
	online, err := presence.New(presence.Options{Timeout: time.Minute, Period: time.Hour})
	if err != nil {
		return nil, err
	}
	s := &service{cfg: cfg, reg: reg, mw: mw, online: online, rnd: rand.New(rand.NewPCG(rand.Uint64(), 1))}
	s.logins, err = reg.Counter(abacus.Opts{Name: "demo_logins_total", Help: "Logins."})
	if err != nil {
		return nil, err
	}
	err = errors.Join(
		reg.GaugeFunc(abacus.Opts{Name: "demo_sessions_online", Help: "Sessions online (presence tracker)."},
			func() float64 { return float64(online.Active().Sessions) }),
		reg.GaugeFunc(abacus.Opts{Name: "demo_users_online", Help: "Distinct users with a session online."},
			func() float64 { return float64(online.Active().Users) }),
		reg.GaugeFunc(abacus.Opts{Name: "demo_users_distinct_hour", Help: "Distinct users seen this hour (HyperLogLog)."},
			func() float64 { now := time.Now(); return float64(online.Distinct(now, now)) }),
	)
	if err != nil {
		return nil, err
	}
	s.latency, err = reg.Histogram(abacus.HistogramOpts{Opts: abacus.Opts{Name: "demo_item_latency_seconds",
		Unit: "seconds", Help: "Latency of GET /api/items/{id} as the handler sees it."}})
	if err != nil {
		return nil, err
	}
	// 99% of item requests within 125 ms (2^-3 s): a power of two, a bucket boundary
	// at every scale, so the count of fast requests is exact.
	s.fast, err = slo.New(slo.Objective{
		Name:   "api-latency",
		Target: 0.99,
		Source: slo.Latency(s.latency.Snapshot, 0.125),
	}, slo.Options{Resolution: 10 * time.Second, Registry: reg, Logger: log})
	if err != nil {
		return nil, err
	}
	s.slo, err = slo.New(slo.Objective{
		Name:   "api-availability",
		Target: cfg.SLOTarget,
		Source: slo.ErrorRatio(
			func() float64 { return float64(mw.Errors()) },
			func() float64 { return float64(mw.Requests()) }),
	}, slo.Options{Resolution: 10 * time.Second, Registry: reg, Logger: log})
	if err != nil {
		return nil, err
	}
	s.reporter = httpmetrics.NewReporter(log, 10*time.Second).
		Add("requests", httpmetrics.Delta(mw.Requests)).
		Add("errors", httpmetrics.Delta(mw.Errors)).
		Add("logins", httpmetrics.Delta(func() int64 { return int64(s.logins.Value()) }))
	return s, nil
}

func (s *service) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/items/{id}", s.item)
	mux.HandleFunc("POST /api/login", s.session(presence.Login))
	mux.HandleFunc("POST /api/heartbeat", s.session(presence.Heartbeat))
	mux.HandleFunc("POST /api/logout", s.session(presence.Logout))
	mux.HandleFunc("GET /api/online", s.onlineCount)
	mux.Handle("GET /metrics", promproto.Handler(s.reg))
	mux.HandleFunc("GET /debug/vars", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_ = expo.WriteJSON(w, s.reg)
	})
	mux.Handle("GET /status", s.mw.StatusHandler(time.Second))
	mux.HandleFunc("GET /{$}", s.index)
	return s.mw.Wrap(mux)
}

func (s *service) random() (float64, float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rnd.Float64(), s.rnd.NormFloat64()
}

// item simulates an API call: a cache lookup, sometimes a database call,
// lognormal latency, and the configured share of failures.
func (s *service) item(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	defer func() { s.latency.ObserveDuration(time.Since(start)) }()
	u, n := s.random()
	ctx := r.Context()
	if u < 0.7 {
		httpmetrics.Add(ctx, "cache_hits", 1)
	} else {
		httpmetrics.Add(ctx, "db_calls", 1+int64(u*3))
	}
	d := time.Duration(float64(s.cfg.Latency) * math.Exp(s.cfg.Spread*n))
	select {
	case <-time.After(min(d, 10*time.Second)):
	case <-ctx.Done():
		return
	}
	if u > 1-s.cfg.ErrorRate {
		http.Error(w, "simulated failure", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"id":%q,"price":%d}`+"\n", r.PathValue("id"), int(u*1000))
}

// session applies a presence event for the form's user and session.
func (s *service) session(kind presence.Kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		e := presence.Event{Kind: kind, User: r.PostForm.Get("user"), Session: r.PostForm.Get("session"), At: time.Now()}
		if err := s.online.Apply(e); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if kind == presence.Login {
			s.logins.Inc()
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

func (s *service) onlineCount(w http.ResponseWriter, r *http.Request) {
	c := s.online.Active()
	now := time.Now()
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"sessions":%d,"users":%d,"distinct_users_this_hour":%d}`+"\n", c.Sessions, c.Users, s.online.Distinct(now, now))
}

func (s *service) index(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, `abacus demo: an instrumented service under synthetic load.

  /metrics                 Prometheus text, OpenMetrics, protobuf (native histograms) or JSON, by Accept
  /debug/vars              expvar-style JSON: cmdline, memstats and every metric
  /status                  requests, errors and in-flight as one coherent snapshot
  /api/items/{id}          the simulated API (latency, failures)
  /api/online              sessions and users online (POST /api/login, /api/heartbeat, /api/logout)
`)
	for _, tr := range []*slo.Tracker{s.slo, s.fast} {
		o := tr.Objective()
		fmt.Fprintf(w, "\nSLO %s: target %s; budget remaining %.1f%%\n", o.Name,
			strconv.FormatFloat(o.Target*100, 'f', -1, 64)+"%", 100*tr.BudgetRemaining())
		for _, a := range tr.Alerts() {
			fmt.Fprintf(w, "  %-16s firing=%-5v burn rate %.2f (long window), %.2f (short); fires at %g\n",
				a.Name(), a.Firing, a.LongBurn, a.ShortBurn, a.Factor)
		}
	}
}
