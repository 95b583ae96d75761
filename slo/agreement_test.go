package slo

import (
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/abacusgo/abacus"
)

// history is a random sequence of per-minute event counts, cumulative from
// zero: steady traffic with bursts of errors long and short enough to fire
// and resolve the alerts.
type history struct {
	good, total []int64 // cumulative, one per minute from minute 0
}

// agreementAlerts are short enough for a few hours of history to fire and
// resolve each several times.
var agreementAlerts = []Alert{
	{Severity: "page", Factor: 10, Long: 30 * time.Minute, Short: 5 * time.Minute},
	{Severity: "ticket", Factor: 3, Long: 2 * time.Hour, Short: 15 * time.Minute},
}

const agreementTarget = 0.99

func randomHistory(seed uint64, minutes int) history {
	r := rand.New(rand.NewPCG(seed, 7))
	h := history{good: []int64{0}, total: []int64{0}}
	errRate := 0.0
	for m := 1; m < minutes; m++ {
		if r.IntN(40) == 0 { // a burst starts or ends
			if errRate == 0 {
				errRate = []float64{0.05, 0.15, 0.4, 1}[r.IntN(4)]
			} else {
				errRate = 0
			}
		}
		n := int64(50 + r.IntN(150))
		bad := int64(0)
		for range n {
			if r.Float64() < errRate || r.IntN(500) == 0 {
				bad++
			}
		}
		h.good = append(h.good, h.good[m-1]+n-bad)
		h.total = append(h.total, h.total[m-1]+n)
	}
	return h
}

// nearThreshold reports whether some window's error ratio, at some minute,
// is within a rounding error of an alert's threshold, where the tracker and
// PromQL may fairly round differently.
func (h history) nearThreshold() (minute int, near bool) {
	for m := range h.total {
		for _, a := range agreementAlerts {
			for _, w := range []time.Duration{a.Long, a.Short} {
				from := max(m-int(w/time.Minute), 0)
				t := h.total[m] - h.total[from]
				bad := t - (h.good[m] - h.good[from])
				if t == 0 {
					continue
				}
				if math.Abs(float64(bad)/float64(t)-a.Factor*(1-agreementTarget)) < 1e-6 {
					return m, true
				}
			}
		}
	}
	return 0, false
}

// firing runs a Tracker over h, ticking every minute, and returns the
// alerts (by Name) firing after each tick.
func (h history) firing(t *testing.T) []map[string]bool {
	minute := 0
	start := time.Unix(1_700_000_000, 0).Truncate(time.Hour)
	tr, err := New(Objective{Name: "api", Target: agreementTarget, Source: func() (float64, float64) {
		return float64(h.good[minute]), float64(h.total[minute])
	}}, Options{Alerts: agreementAlerts, Resolution: time.Minute, Logger: slog.New(slog.DiscardHandler), Now: func() time.Time {
		return start.Add(time.Duration(minute) * time.Minute)
	}})
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]bool
	for minute = range h.total {
		tr.Tick()
		f := map[string]bool{}
		for _, a := range tr.Alerts() {
			if a.Firing {
				f[a.Name()] = true
			}
		}
		out = append(out, f)
	}
	return out
}

// TestRulesAgreeWithTracker runs the rules Rules writes through promtool
// test rules, over random histories, against what a Tracker of the same
// objective decides at every minute: an error-ratio objective and a latency
// objective over classic buckets. Every disagreement fails. (Native
// histogram rules are checked against Prometheus's engine in the
// integration module: promtool 2.42 cannot load native histograms.)
func TestRulesAgreeWithTracker(t *testing.T) {
	bin := promtool(t)
	if bin == "" {
		return
	}
	reg := abacus.NewRegistry()
	lat := abacus.Must(reg.HistogramVec(abacus.HistogramOpts{Opts: abacus.Opts{Name: "lat_seconds", Help: "h"}}, "route"))
	kinds := []struct {
		name  string
		query Query
		// series returns the input series of a history.
		series func(h history) map[string][]int64
	}{
		{"errors", Query{Total: "req_total", Errors: "err_total"}, func(h history) map[string][]int64 {
			bad := make([]int64, len(h.total))
			for i := range bad {
				bad[i] = h.total[i] - h.good[i]
			}
			return map[string][]int64{"req_total": h.total, "err_total": bad}
		}},
		{"classic latency", Query{Histogram: lat.Family(), Matchers: `route="/api"`, Threshold: 0.25}, func(h history) map[string][]int64 {
			return map[string][]int64{
				`lat_seconds_bucket{route="/api",le="0.25"}`:   h.good,
				`lat_seconds_bucket{route="/api",le="+Inf"}`:   h.total,
				`lat_seconds_count{route="/api"}`:              h.total,
				`lat_seconds_bucket{route="/other",le="0.25"}`: h.total, // another route: never counted
				`lat_seconds_count{route="/other"}`:            h.total,
			}
		}},
	}
	const minutes = 360
	checked := 0
	for seed := range uint64(3) {
		h := randomHistory(seed, minutes)
		for m, near := h.nearThreshold(); near; m, near = h.nearThreshold() {
			for i := m; i < len(h.total); i++ { // one more good event at that minute
				h.good[i]++
				h.total[i]++
			}
		}
		want := h.firing(t)
		for _, k := range kinds {
			rules, err := Rules(Objective{Name: "api", Target: agreementTarget}, k.query, agreementAlerts, 0)
			if err != nil {
				t.Fatal(err)
			}
			n := runPromtoolTest(t, bin, rules, k.series(h), want)
			checked += n
			t.Logf("seed %d, %s: %d alert evaluations agree", seed, k.name, n)
		}
	}
	if checked == 0 {
		t.Fatal("nothing compared")
	}
}

// runPromtoolTest writes the rules and a test of the given series and
// expected firing alerts, runs promtool test rules, and returns the number
// of alert states compared.
func runPromtoolTest(t *testing.T, bin string, rules []byte, series map[string][]int64, want []map[string]bool) int {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "rules.yml"), rules, 0o644); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("rule_files: [rules.yml]\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n")
	for name, vals := range series {
		fmt.Fprintf(&b, "      - series: %s\n        values: '", strconv.Quote(name))
		for i, v := range vals {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(strconv.FormatInt(v, 10))
		}
		b.WriteString("'\n")
	}
	b.WriteString("    alert_rule_test:\n")
	compared := 0
	for m, firing := range want {
		fmt.Fprintf(&b, "      - eval_time: %dm\n        alertname: SLOErrorBudgetBurn\n        exp_alerts:", m)
		if len(firing) == 0 {
			b.WriteString(" []\n")
		} else {
			b.WriteByte('\n')
		}
		for _, a := range agreementAlerts {
			compared++
			if !firing[a.Name()] {
				continue
			}
			window := promDuration(a.Long) + "/" + promDuration(a.Short)
			factor := strconv.FormatFloat(a.Factor, 'g', -1, 64)
			fmt.Fprintf(&b, "          - exp_labels: {slo: api, severity: %s, window: %s}\n", a.Severity, strconv.Quote(window))
			fmt.Fprintf(&b, "            exp_annotations: {summary: %s}\n", strconv.Quote(fmt.Sprintf(
				"SLO api: error budget burning at %s× or more over %s and %s", factor, promDuration(a.Long), promDuration(a.Short))))
		}
	}
	path := filepath.Join(dir, "test.yml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "test", "rules", path).CombinedOutput()
	if err != nil {
		msg := string(out)
		if len(msg) > 4000 {
			msg = msg[:4000] + "…"
		}
		t.Fatalf("promtool test rules disagrees with the Tracker: %v\n%s\nrules:\n%s", err, msg, rules)
	}
	return compared
}

// promtool returns the promtool binary, or "" (and logs why) when it is not
// available outside CI.
func promtool(t *testing.T) string {
	if runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Log(runtime.GOOS + " cannot start processes; skipping promtool")
		return ""
	}
	bin := os.Getenv("ABACUS_PROMTOOL")
	if bin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("ABACUS_PROMTOOL is not set under CI")
		}
		t.Log("ABACUS_PROMTOOL is not set; skipping (./scripts/test sets it)")
	}
	return bin
}
