package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/abacusgo/abacus/cmd/abacus/internal/demo"
)

const demoUsage = `Usage: abacus demo [flags]

Runs an HTTP service instrumented with Abacus under a built-in load
generator, until interrupted (Ctrl-C) or -duration passes, then shuts down
gracefully. The service counts requests by method, route and status code,
errors, requests in flight, latency and sizes (package httpmetrics), keeps
per-request statistics, tracks an availability SLO and a latency SLO (99% of item
requests within 125 ms) with burn-rate alerts
(package slo) and counts users online (package presence). It serves:

  /                 what is where, and the SLO's state
  /metrics          Prometheus text, OpenMetrics, protobuf or JSON, by Accept
  /debug/vars       expvar-style JSON
  /status           requests, errors and in-flight as one snapshot
  /api/...          the simulated API the load generator calls

and pprof under /debug/pprof/ on the separate -admin listener. Logs go to
stderr: a line every 10 s with the requests, errors and logins of the last 10 s,
and every SLO alert that fires or resolves.

Flags:
`

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	var cfg demo.Config
	fs.StringVar(&cfg.Addr, "addr", "127.0.0.1:8080", "the service's listen address")
	fs.StringVar(&cfg.AdminAddr, "admin", "127.0.0.1:6060", "the admin (pprof) listen address; empty turns it off")
	fs.Float64Var(&cfg.Rate, "rate", 200, "requests per second the load generator sends (0: none)")
	fs.Float64Var(&cfg.ErrorRate, "errors", 0.005, "fraction of API requests that fail with a 500")
	fs.DurationVar(&cfg.Latency, "latency", 20*time.Millisecond, "median latency of an API request")
	fs.Float64Var(&cfg.Spread, "spread", 0.6, "lognormal sigma of the latency: 0 is constant, 1 has p99 ≈ 10× the median")
	fs.IntVar(&cfg.Users, "users", 500, "simulated users logging in, sending heartbeats and logging out")
	fs.Float64Var(&cfg.SLOTarget, "slo", 0.99, "availability objective: the fraction of requests that must succeed")
	fs.DurationVar(&cfg.Duration, "duration", 0, "stop after this long (0: run until interrupted)")
	verbose := fs.Bool("v", false, "log at debug level (includes per-request statistics)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), demoUsage)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if err := cfg.Check(); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	cfg.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	return demo.Run(ctx, cfg, func(a demo.Addrs) {
		fmt.Fprintf(stdout, "abacus demo: serving on http://%s/ with %g requests/s of synthetic load\n", a.Service, cfg.Rate)
		fmt.Fprintf(stdout, "  metrics    http://%s/metrics   (curl -H 'Accept: application/openmetrics-text' for OpenMetrics)\n", a.Service)
		fmt.Fprintf(stdout, "  expvar     http://%s/debug/vars\n", a.Service)
		fmt.Fprintf(stdout, "  status     http://%s/status\n", a.Service)
		fmt.Fprintf(stdout, "  SLO        http://%s/\n", a.Service)
		if a.Admin != "" {
			fmt.Fprintf(stdout, "  pprof      http://%s/debug/pprof/\n", a.Admin)
		}
		fmt.Fprintln(stdout, "Ctrl-C stops it.")
	})
}
