package abacus_test

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/counter"
	"github.com/abacusgo/abacus/expo"
	"github.com/abacusgo/abacus/histogram"
)

func ExampleRegistry() {
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics(), abacus.WithCardinalityLimit(100))
	jobs := abacus.Must(reg.Counter(abacus.Opts{Name: "app_jobs_total", Help: "Jobs done."}))
	jobs.Add(2)
	for _, f := range reg.Families() {
		fmt.Println(f.Name(), f.Type(), f.Help())
	}
	// Output: app_jobs_total counter Jobs done.
}

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

func ExampleCounter() {
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	bytes := abacus.Must(reg.Counter(abacus.Opts{Name: "app_read_bytes_total", Help: "Bytes read.", Unit: "bytes"}))
	bytes.Add(512)
	if err := bytes.AddFloat(-1); err != nil {
		fmt.Println(errors.Is(err, abacus.ErrInvalidValue), bytes.Value())
	}
	// Output: true 512
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

func ExampleCounterVec_Curry() {
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	hits := abacus.Must(reg.CounterVec(abacus.Opts{Name: "app_hits_total", Help: "Hits."}, "method", "code"))
	get := abacus.Must(hits.Curry(map[string]string{"method": "GET"}))
	get.With("200").Inc()
	hits.WithLabels(map[string]string{"method": "PUT", "code": "201"}).Inc()
	fmt.Println(get.LabelNames(), hits.DeletePartialMatch(map[string]string{"method": "GET"}), hits.Family().Len())
	// Output: [code] 1 1
}

func ExampleGauge() {
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	inFlight := abacus.Must(reg.Gauge(abacus.Opts{Name: "app_in_flight", Help: "Requests in flight."}))
	inFlight.Inc()
	inFlight.Inc()
	inFlight.Dec()
	fmt.Println(inFlight.Value())
	// Output: 1
}

func ExampleGaugeVec() {
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	temp := abacus.Must(reg.GaugeVec(abacus.Opts{Name: "room_temperature_celsius", Help: "Temperature.", Unit: "celsius"}, "room"))
	temp.With("kitchen").Set(21.5)
	_ = expo.WriteText(os.Stdout, reg)
	// Output:
	// # HELP room_temperature_celsius Temperature.
	// # TYPE room_temperature_celsius gauge
	// room_temperature_celsius{room="kitchen"} 21.5
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

// Scrape-time values with labels, read from something that keeps its own
// counts, as a client_golang Collector would.
func ExampleRegistry_GaugeVecFunc() {
	queues := map[string]int{"email": 3, "sms": 0}
	var mu sync.Mutex
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	err := reg.GaugeVecFunc(abacus.Opts{Name: "app_queue_depth", Help: "Jobs waiting."}, []string{"queue"},
		func(emit func([]string, float64)) {
			mu.Lock()
			defer mu.Unlock()
			for name, n := range queues {
				emit([]string{name}, float64(n))
			}
		})
	if err != nil {
		panic(err)
	}
	_ = expo.WriteText(os.Stdout, reg)
	// Output:
	// # HELP app_queue_depth Jobs waiting.
	// # TYPE app_queue_depth gauge
	// app_queue_depth{queue="email"} 3
	// app_queue_depth{queue="sms"} 0
}

func ExampleHistogram() {
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	latency := abacus.Must(reg.Histogram(abacus.HistogramOpts{
		Opts:    abacus.Opts{Name: "app_latency_seconds", Help: "Latency.", Unit: "seconds"},
		Buckets: abacus.PowersOfTwo(-2, 0), // 0.25, 0.5, 1: free to record, read from the exponential buckets
	}))
	latency.ObserveDuration(300 * time.Millisecond)
	latency.Observe(0.1)
	_ = expo.WriteText(os.Stdout, reg)
	// Output:
	// # HELP app_latency_seconds Latency.
	// # TYPE app_latency_seconds histogram
	// app_latency_seconds_bucket{le="0.25"} 1
	// app_latency_seconds_bucket{le="0.5"} 2
	// app_latency_seconds_bucket{le="1"} 2
	// app_latency_seconds_bucket{le="+Inf"} 2
	// app_latency_seconds_sum 0.4
	// app_latency_seconds_count 2
}

func ExampleHistogramVec() {
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	latency := abacus.Must(reg.HistogramVec(abacus.HistogramOpts{
		Opts:    abacus.Opts{Name: "app_latency_seconds", Help: "Latency.", Unit: "seconds"},
		Buckets: []float64{0.1, 0.5}, // not powers of two: counted per bucket as well
	}, "route"))
	for _, v := range []float64{0.05, 0.2, 0.7} {
		latency.With("/users").Observe(v)
	}
	latency.With("/idle") // every series has every bucket
	_ = expo.WriteText(os.Stdout, reg)
	// Output:
	// # HELP app_latency_seconds Latency.
	// # TYPE app_latency_seconds histogram
	// app_latency_seconds_bucket{route="/idle",le="0.1"} 0
	// app_latency_seconds_bucket{route="/idle",le="0.5"} 0
	// app_latency_seconds_bucket{route="/idle",le="+Inf"} 0
	// app_latency_seconds_sum{route="/idle"} 0
	// app_latency_seconds_count{route="/idle"} 0
	// app_latency_seconds_bucket{route="/users",le="0.1"} 1
	// app_latency_seconds_bucket{route="/users",le="0.5"} 2
	// app_latency_seconds_bucket{route="/users",le="+Inf"} 3
	// app_latency_seconds_sum{route="/users"} 0.95
	// app_latency_seconds_count{route="/users"} 3
}

func ExampleDefaultBuckets() {
	fmt.Println(abacus.DefaultBuckets())
	// Output: [0.0009765625 0.001953125 0.00390625 0.0078125 0.015625 0.03125 0.0625 0.125 0.25 0.5 1 2 4 8 16]
}

func ExampleRegistry_SummaryFunc() {
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	_ = reg.SummaryFunc(abacus.Opts{Name: "app_pause_seconds", Help: "Pauses."}, func() abacus.Summary {
		return abacus.Summary{Count: 4, Sum: 0.01, Quantiles: []abacus.Quantile{{Q: 0.5, Value: 0.002}, {Q: 1, Value: 0.005}}}
	})
	_ = expo.WriteText(os.Stdout, reg)
	// Output:
	// # HELP app_pause_seconds Pauses.
	// # TYPE app_pause_seconds summary
	// app_pause_seconds{quantile="0.5"} 0.002
	// app_pause_seconds{quantile="1"} 0.005
	// app_pause_seconds_sum 0.01
	// app_pause_seconds_count 4
}

// Gather is the read path every format uses; here it reads the labels and
// values directly.
func ExampleRegistry_Gather() {
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	hits := abacus.Must(reg.CounterVec(abacus.Opts{Name: "app_hits_total", Help: "Hits.",
		ConstLabels: map[string]string{"app": "shop"}}, "route"))
	hits.With("/cart").Add(3)
	for f, series := range reg.Gather() {
		for s := range series {
			for name, value := range s.Labels.All() {
				fmt.Printf("%s=%s ", name, value)
			}
			fmt.Println(f.Name(), s.Value)
		}
	}
	// Output: app=shop route=/cart app_hits_total 3
}

func ExampleSeries() {
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	lat := abacus.Must(reg.Histogram(abacus.HistogramOpts{Opts: abacus.Opts{Name: "op_seconds", Help: "h"}, Buckets: []float64{1}}))
	lat.Observe(0.5)
	lat.Observe(2)
	for _, series := range reg.Gather() {
		for s := range series {
			buckets, sum := s.Histogram.Classic(nil)
			fmt.Println(buckets, sum, s.Histogram.Snapshot().Count())
		}
	}
	// Output: [{1 1} {+Inf 2}] 2.5 2
}

func ExampleExemplar() {
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	c := abacus.Must(reg.Counter(abacus.Opts{Name: "app_orders_total", Help: "Orders."}))
	_ = c.AddWithExemplar(1, map[string]string{"trace_id": "4bf92f35"})
	e := c.Exemplar()
	fmt.Println(e.LabelText(), e.Labels[0].Name, e.Value)
	// Output: {trace_id="4bf92f35"} trace_id 1
}

func ExampleRegistrationError() {
	_, err := abacus.NewRegistry().Counter(abacus.Opts{Name: "requests"})
	var re *abacus.RegistrationError
	fmt.Println(errors.As(err, &re), errors.Is(err, abacus.ErrInvalidName), len(re.Problems))
	// Output: true true 1
}

func ExampleAlreadyRegisteredError() {
	reg := abacus.NewRegistry()
	abacus.Must(reg.Counter(abacus.Opts{Name: "jobs_total", Help: "Jobs."}))
	_, err := reg.Gauge(abacus.Opts{Name: "jobs", Help: "Jobs."}) // OpenMetrics family "jobs" is taken
	var are *abacus.AlreadyRegisteredError
	if errors.As(err, &are) {
		fmt.Println(are.Existing.Name(), errors.Is(err, abacus.ErrAlreadyRegistered))
	}
	// Output: jobs_total true
}

func ExampleWithStrict() {
	reg := abacus.NewRegistry(abacus.WithStrict())
	_, err := reg.Counter(abacus.Opts{Name: "requestCount_total", Help: "Requests."})
	fmt.Println(errors.Is(err, abacus.ErrLint))
	// Output: true
}

func ExampleType() {
	fmt.Println(abacus.TypeCounter, abacus.TypeGauge, abacus.TypeHistogram, abacus.TypeSummary)
	// Output: counter gauge histogram summary
}

func ExampleOpts() {
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	sessions := abacus.Must(reg.GaugeVec(abacus.Opts{
		Name:        "app_sessions",
		Help:        "Open sessions by tenant.",
		ConstLabels: map[string]string{"region": "eu"},
		Limit:       500,              // tenants beyond 500 share one overflow series
		TTL:         10 * time.Minute, // a tenant not written for 10 minutes goes
	}, "tenant"))
	sessions.With("acme").Set(3)
	f := sessions.Family()
	fmt.Println(f.Limit(), f.TTL(), f.ConstLabels())
	// Output: 500 10m0s map[region:eu]
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

func ExampleFamily() {
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	abacus.Must(reg.HistogramVec(abacus.HistogramOpts{
		Opts:    abacus.Opts{Name: "app_op_seconds", Help: "Operation time.", Unit: "seconds"},
		Buckets: abacus.PowersOfTwo(-1, 1),
	}, "op"))
	f := reg.Family("app_op_seconds")
	fmt.Println(f.Name(), f.Type(), f.Unit(), f.LabelNames(), f.Buckets(), f.Schema(), f.Len())
	// Output: app_op_seconds histogram seconds [op] [0.5 1 2] 6 0
}

func ExampleHistogramOpts() {
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	h := abacus.Must(reg.Histogram(abacus.HistogramOpts{
		Opts:    abacus.Opts{Name: "app_payload_bytes", Help: "Payload sizes.", Unit: "bytes"},
		Options: []histogram.Option{histogram.WithScale(3)}, // native buckets 9% wide
		Buckets: []float64{1024, 65536},                     // powers of two: free to record
	}))
	h.ObserveInt(2000)
	b, sum := h.Classic(nil)
	fmt.Println(b, sum, h.Snapshot().Scale())
	// Output: [{1024 0} {65536 1} {+Inf 1}] 2000 3
}

func ExampleLabels() {
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	cv := abacus.Must(reg.CounterVec(abacus.Opts{Name: "app_hits_total", Help: "Hits.",
		ConstLabels: map[string]string{"app": "shop"}, Limit: 1}, "route"))
	cv.With("/a").Inc()
	cv.With("/b").Inc() // beyond the limit: the overflow series
	for _, series := range reg.Gather() {
		for s := range series {
			route, ok := s.Labels.Get("route")
			fmt.Println(s.Labels.Len(), s.Labels.String(), s.Labels.Values(), route, ok, s.Labels.Overflow())
		}
	}
	// Output:
	// 2 {app="shop",route="/a"} [/a] /a true false
	// 2 {app="shop",abacus_overflow="true"} []  false true
}

func ExampleLabel() {
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	c := abacus.Must(reg.Counter(abacus.Opts{Name: "app_orders_total", Help: "Orders."}))
	_ = c.AddWithExemplar(1, map[string]string{"trace_id": "abc", "span_id": "12"})
	for _, l := range c.Exemplar().Labels {
		fmt.Println(l.Name, l.Value)
	}
	// Output:
	// span_id 12
	// trace_id abc
}

func ExampleHistogramValue() {
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	h := abacus.Must(reg.Histogram(abacus.HistogramOpts{Opts: abacus.Opts{Name: "op_seconds", Help: "h"}, Buckets: []float64{}}))
	h.Observe(0.5)
	for _, series := range reg.Gather() {
		for s := range series {
			var n histogram.Native
			s.Histogram.Native(&n)
			fmt.Println(n.Schema, n.Count, n.Sum, n.PositiveSpans)
		}
	}
	// Output: 6 1 0.5 [{-64 1}]
}

func ExampleSummary() {
	s := abacus.Summary{Count: 2, Sum: 3, Quantiles: []abacus.Quantile{{Q: 0.5, Value: 1}, {Q: 1, Value: 2}}}
	fmt.Println(s.Count, s.Sum, s.Quantiles[1].Q, s.Quantiles[1].Value)
	// Output: 2 3 1 2
}

func ExampleQuantile() {
	q := abacus.Quantile{Q: 0.99, Value: 0.25}
	fmt.Printf("p%g = %v\n", q.Q*100, q.Value)
	// Output: p99 = 0.25
}

func ExampleOption() {
	opts := []abacus.Option{abacus.WithCardinalityLimit(50), abacus.WithoutMetaMetrics()}
	reg := abacus.NewRegistry(opts...)
	cv := abacus.Must(reg.CounterVec(abacus.Opts{Name: "x_total", Help: "h"}, "k"))
	fmt.Println(cv.Family().Limit(), len(reg.Families()))
	// Output: 50 1
}
