package abacus_test

import (
	"fmt"
	"os"
	"sync"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/counter"
	"github.com/abacusgo/abacus/expo"
)

func ExampleRegistry_Counter() {
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	requests := abacus.Must(reg.Counter(abacus.Opts{Name: "app_requests_total", Help: "Requests served."}))
	requests.Inc()
	requests.Add(2)
	_ = expo.WriteText(os.Stdout, reg)
	// Output:
	// # HELP app_requests_total Requests served.
	// # TYPE app_requests_total counter
	// app_requests_total 3
}

func ExampleCounterVec() {
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	hits := abacus.Must(reg.CounterVec(abacus.Opts{Name: "app_hits_total", Help: "Hits by route."}, "route", "code"))
	ok := hits.With("/users", "200") // keep the handle: Inc then costs what an unlabelled counter costs
	ok.Inc()
	ok.Inc()
	hits.With("/users", "500").Inc() // or look it up each time: no allocation once the series exists
	_ = expo.WriteText(os.Stdout, reg)
	// Output:
	// # HELP app_hits_total Hits by route.
	// # TYPE app_hits_total counter
	// app_hits_total{route="/users",code="200"} 2
	// app_hits_total{route="/users",code="500"} 1
}

func ExampleCounterVec_limit() {
	// A label fed from user input is bounded: beyond the limit, new label
	// sets share one overflow series and abacus_series_dropped_total rises.
	reg := abacus.NewRegistry()
	byUser := abacus.Must(reg.CounterVec(abacus.Opts{Name: "app_logins_total", Limit: 2}, "user"))
	for _, u := range []string{"ann", "bob", "cid", "dan"} {
		byUser.With(u).Inc()
	}
	limit, _ := byUser.Family().Dropped()
	fmt.Println("series:", byUser.Family().Len(), "dropped:", limit)
	// Output: series: 3 dropped: 2
}

func ExampleRegistry_CounterFunc() {
	// Any counter can be exposed: here a per-P counter read at each scrape.
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	events := counter.NewPerCPU()
	if err := reg.CounterFunc(abacus.Opts{Name: "app_events_total", Help: "Events."}, func() float64 {
		return float64(events.Load())
	}); err != nil {
		panic(err)
	}
	events.Add(41)
	events.Inc()
	_ = expo.WriteText(os.Stdout, reg)
	// Output:
	// # HELP app_events_total Events.
	// # TYPE app_events_total counter
	// app_events_total 42
}

func ExampleHistogramVec() {
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	latency := abacus.Must(reg.HistogramVec(abacus.HistogramOpts{
		Opts:    abacus.Opts{Name: "app_latency_seconds", Help: "Latency.", Unit: "seconds"},
		Buckets: []float64{0.1, 0.5}, // classic buckets for the text formats; native ones always
	}, "route"))
	for _, v := range []float64{0.05, 0.2, 0.7} {
		latency.With("/users").Observe(v)
	}
	_ = expo.WriteText(os.Stdout, reg)
	// Output:
	// # HELP app_latency_seconds Latency.
	// # TYPE app_latency_seconds histogram
	// app_latency_seconds_bucket{route="/users",le="0.1"} 1
	// app_latency_seconds_bucket{route="/users",le="0.5"} 2
	// app_latency_seconds_bucket{route="/users",le="+Inf"} 3
	// app_latency_seconds_sum{route="/users"} 0.95
	// app_latency_seconds_count{route="/users"} 3
}

// Per-tenant isolation: each tenant gets its own set of counters rather
// than a tenant label, so one tenant's traffic never contends with another's
// and a tenant can be dropped with its counters; the registry aggregates
// them at exposition.
func Example_perTenant() {
	type tenant struct{ requests, errors counter.Adaptive }
	var (
		mu      sync.Mutex
		tenants = map[string]*tenant{}
	)
	get := func(name string) *tenant {
		mu.Lock()
		defer mu.Unlock()
		if tenants[name] == nil {
			tenants[name] = &tenant{}
		}
		return tenants[name]
	}
	total := func(pick func(*tenant) *counter.Adaptive) func() float64 {
		return func() float64 {
			mu.Lock()
			defer mu.Unlock()
			var n int64
			for _, t := range tenants {
				n += pick(t).Load()
			}
			return float64(n)
		}
	}
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	_ = reg.CounterFunc(abacus.Opts{Name: "app_requests_total", Help: "Requests, all tenants."},
		total(func(t *tenant) *counter.Adaptive { return &t.requests }))
	_ = reg.CounterFunc(abacus.Opts{Name: "app_errors_total", Help: "Errors, all tenants."},
		total(func(t *tenant) *counter.Adaptive { return &t.errors }))

	acme, globex := get("acme"), get("globex")
	acme.requests.Add(10)
	acme.errors.Inc()
	globex.requests.Add(5)
	_ = expo.WriteText(os.Stdout, reg)
	// Output:
	// # HELP app_errors_total Errors, all tenants.
	// # TYPE app_errors_total counter
	// app_errors_total 1
	// # HELP app_requests_total Requests, all tenants.
	// # TYPE app_requests_total counter
	// app_requests_total 15
}
