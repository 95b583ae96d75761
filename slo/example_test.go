package slo_test

import (
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/abacusgo/abacus/counter"
	"github.com/abacusgo/abacus/slo"
)

// An objective over two counters: 99.9% of requests succeed over 30 days.
// The tracker alerts when the budget burns too fast; here a clock under the
// example's control stands in for time.Now.
func Example() {
	var requests, failures counter.Adaptive
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tr, err := slo.New(slo.Objective{
		Name:   "checkout",
		Target: 0.999,
		Source: slo.ErrorRatio(
			func() float64 { return float64(failures.Load()) },
			func() float64 { return float64(requests.Load()) }),
	}, slo.Options{
		Now:    func() time.Time { return now },
		Logger: slog.New(slog.DiscardHandler),
		OnAlert: func(e slo.Event) {
			fmt.Printf("%s %s firing=%v burn=%.1f\n", e.At.Format("15:04"), e.Alert.Name(), e.Firing, e.LongBurn)
		},
	})
	if err != nil {
		panic(err)
	}
	// Six hours of 1,000 requests a minute, healthy for the first four,
	// then 3% failing: a burn rate of 30.
	for minute := range 6 * 60 {
		now = now.Add(time.Minute)
		requests.Add(1000)
		if minute >= 4*60 {
			failures.Add(30)
		}
		tr.Tick()
	}
	// The budget of 30 days is overspent: the history is six hours.
	fmt.Printf("burn over the last hour: %.0f; budget left: %.1f%%\n", tr.BurnRate(time.Hour), 100*tr.BudgetRemaining())
	// The tickets fire first: their 1- and 3-day windows reach back only to
	// the start of the history, six hours.
	//
	// Output:
	// 04:09 ticket-3d-6h firing=true burn=1.1
	// 04:27 ticket-1d-2h firing=true burn=3.0
	// 04:29 page-1h-5m firing=true burn=14.5
	// 05:00 page-6h-30m firing=true burn=6.0
	// burn over the last hour: 30; budget left: -902.8%
}

// The same objective as Prometheus rules, for alerting from Prometheus.
func ExampleRules() {
	rules, err := slo.Rules(slo.Objective{Name: "checkout", Target: 0.999}, slo.Query{
		Total:  `http_server_requests_total{route="POST /checkout"}`,
		Errors: `http_server_errors_total{route="POST /checkout"}`,
	}, nil, 0)
	if err != nil {
		panic(err)
	}
	fmt.Println(strings.Count(string(rules), "- alert:"), "alerts,", strings.Count(string(rules), "- record:"), "recording rules")
	// Output: 4 alerts, 7 recording rules
}
