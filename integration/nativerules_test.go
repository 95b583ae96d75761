package integration

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/abacusgo/abacus"
	abhist "github.com/abacusgo/abacus/histogram"
	"github.com/abacusgo/abacus/slo"
	"github.com/prometheus/common/model"
	"github.com/prometheus/common/promslog"
	"github.com/prometheus/prometheus/model/histogram"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/rules"
	"github.com/prometheus/prometheus/util/teststorage"
)

// TestNativeRulesAgreeWithTracker runs the latency rules slo.Rules writes
// for a native histogram (histogram_fraction) in Prometheus's own rule
// engine, over a TSDB fed the histogram's native form every minute, and
// compares the alerts firing at every minute with a Tracker of the same
// objective reading the same histogram: zero disagreements. (promtool 2.42
// from Debian cannot load native histograms in test rules, hence the engine
// of the Prometheus module.)
func TestNativeRulesAgreeWithTracker(t *testing.T) {
	const threshold, target = 0.25, 0.99
	alerts := []slo.Alert{
		{Severity: "page", Factor: 10, Long: 30 * time.Minute, Short: 5 * time.Minute},
		{Severity: "ticket", Factor: 3, Long: 2 * time.Hour, Short: 15 * time.Minute},
	}
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	hv := abacus.Must(reg.HistogramVec(abacus.HistogramOpts{Opts: abacus.Opts{Name: "lat_seconds", Help: "h"}}, "route"))
	h, other := hv.With("/api"), hv.With("/other")

	start := time.Unix(0, 0).UTC()
	now := start
	tracker, err := slo.New(slo.Objective{Name: "api", Target: target, Source: slo.Latency(h.Snapshot, threshold)},
		slo.Options{Alerts: alerts, Resolution: time.Minute, Now: func() time.Time { return now }, Logger: promslog.NewNopLogger()})
	if err != nil {
		t.Fatal(err)
	}
	ruleText, err := slo.Rules(tracker.Objective(), slo.Query{Histogram: hv.Family(), Matchers: `route="/api"`, Threshold: threshold, Native: true}, alerts, 0)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "rules.yml")
	if err := os.WriteFile(file, ruleText, 0o644); err != nil {
		t.Fatal(err)
	}

	st := teststorage.New(t)
	engine := promql.NewEngine(promql.EngineOpts{MaxSamples: 1e7, Timeout: time.Minute, LookbackDelta: 5 * time.Minute})
	ctx := context.Background()
	mgr := rules.NewManager(&rules.ManagerOptions{
		QueryFunc:    rules.EngineQueryFunc(engine, st),
		AppendableV2: st,
		Queryable:    st,
		Context:      ctx,
		NotifyFunc:   func(context.Context, string, ...*rules.Alert) {},
		Logger:       promslog.NewNopLogger(),
	})
	groups, errs := mgr.LoadGroups(time.Minute, labels.EmptyLabels(), "", nil, false, file)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	for _, g := range groups {
		for _, r := range g.Rules() {
			if a, ok := r.(*rules.AlertingRule); ok {
				a.SetRestored(true)
			}
		}
	}

	r := rand.New(rand.NewPCG(3, 9))
	var good, total int64 // cumulative, to keep ratios off the thresholds
	errRate := 0.0
	compared, fired := 0, 0
	for m := 0; m <= 360; m++ {
		now = start.Add(time.Duration(m) * time.Minute)
		if m > 0 {
			if r.IntN(40) == 0 {
				if errRate == 0 {
					errRate = []float64{0.05, 0.15, 0.4, 1}[r.IntN(4)]
				} else {
					errRate = 0
				}
			}
			for range 50 + r.IntN(150) {
				v := threshold * (0.01 + 0.99*r.Float64()) // good: at or below the threshold
				if r.Float64() < errRate || r.IntN(500) == 0 {
					v = threshold * (1.01 + 40*r.Float64())
				} else {
					good++
				}
				total++
				h.Observe(v)
				other.Observe(v * 100) // another route, which the rules must leave out
			}
		}
		appendNative(t, st, now, map[string]*abacus.Histogram{"/api": h, "/other": other})
		tracker.Tick()
		for _, g := range groups {
			g.Eval(ctx, now)
			for _, rule := range g.Rules() {
				if err := rule.LastError(); err != nil {
					t.Fatalf("minute %d: rule %s: %v", m, rule.Name(), err)
				}
			}
		}
		engineFiring := map[string]bool{}
		for _, g := range groups {
			for _, a := range g.AlertingRules() {
				for _, x := range a.ActiveAlerts() {
					if x.State == rules.StateFiring {
						engineFiring[x.Labels.Get("severity")] = true
					}
				}
			}
		}
		for _, a := range tracker.Alerts() {
			compared++
			if a.Firing {
				fired++
			}
			if a.Firing != engineFiring[a.Severity] {
				for _, q := range []string{`slo:error_ratio:rate2h`, `slo:error_ratio:rate15m`, `slo:error_ratio:rate30m`, `slo:error_ratio:rate5m`} {
					qq, _ := engine.NewInstantQuery(ctx, st, nil, q, now)
					res := qq.Exec(ctx)
					t.Logf("minute %d: Prometheus recorded %s = %v", m, q, res.Value)
				}
				t.Errorf("minute %d: the tracker says %s firing=%v (burn %.4f/%.4f); Prometheus's rules engine says %v",
					m, a.Name(), a.Firing, a.LongBurn, a.ShortBurn, engineFiring[a.Severity])
			}
		}
	}
	if fired == 0 {
		t.Fatal("no alert ever fired: the history tests nothing")
	}
	t.Logf("%d alert evaluations agree (%d firing); %d good of %d", compared, fired, good, total)
}

// appendNative appends each histogram's native form, as a scrape of its
// protobuf exposition would, at ts.
func appendNative(t *testing.T, st *teststorage.TestStorage, ts time.Time, hs map[string]*abacus.Histogram) {
	t.Helper()
	app := st.Appender(context.Background())
	for route, h := range hs {
		n := h.Snapshot().Native()
		ph := &histogram.Histogram{
			Schema: n.Schema, ZeroThreshold: n.ZeroThreshold, ZeroCount: n.ZeroCount, Count: n.Count, Sum: n.Sum,
			PositiveSpans: spans(n.PositiveSpans), PositiveBuckets: n.PositiveDeltas,
			NegativeSpans: spans(n.NegativeSpans), NegativeBuckets: n.NegativeDeltas,
		}
		lbls := labels.FromStrings(model.MetricNameLabel, "lat_seconds", "route", route)
		if _, err := app.AppendHistogram(0, lbls, ts.UnixMilli(), ph, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := app.Commit(); err != nil {
		t.Fatal(err)
	}
}

func spans(ss []abhist.Span) []histogram.Span {
	out := make([]histogram.Span, len(ss))
	for i, s := range ss {
		out[i] = histogram.Span{Offset: s.Offset, Length: s.Length}
	}
	return out
}
