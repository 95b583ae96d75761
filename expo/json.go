package expo

import (
	"encoding/json"
	"expvar"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/abacusgo/abacus"
)

// WriteJSON writes the registry as expvar's /debug/vars does: one JSON
// object with "cmdline" and "memstats" (runtime.MemStats, which costs a
// brief stop of the world), then every family by name. An unlabelled
// counter, gauge or func metric is a number; a labelled family is an object
// from "name=value,…" to number; a histogram is an object with count, sum,
// min, max and quantiles p50, p90, p99 and p999.
func WriteJSON(w io.Writer, r *abacus.Registry) error {
	start := time.Now()
	r.Sweep()
	defer func() { r.Scraped(time.Since(start)) }()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	out := map[string]any{"cmdline": os.Args, "memstats": ms}
	for k, v := range Vars(r) {
		out[k] = v
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(out) // encoding/json sorts map keys, as expvar does
}

// Vars returns the registry's families as expvar shapes them (see
// WriteJSON), without cmdline and memstats.
func Vars(r *abacus.Registry) map[string]any {
	out := map[string]any{}
	for _, f := range r.Families() {
		names := f.LabelNames()
		labelled := map[string]any{}
		var single any
		f.Each(func(s abacus.Sample) {
			var v any
			if s.Summary != nil {
				q := map[string]float64{"count": float64(s.Summary.Count), "sum": nanToZero(s.Summary.Sum)}
				for _, x := range s.Summary.Quantiles {
					q[strconv.FormatFloat(x.Q, 'g', -1, 64)] = nanToZero(x.Value)
				}
				v = q
			} else if s.Histogram != nil {
				snap := s.Histogram.Snapshot()
				v = map[string]float64{
					"count": float64(snap.Count()), "sum": nanToZero(snap.Sum()), "min": nanToZero(snap.Min()), "max": nanToZero(snap.Max()),
					"p50": nanToZero(snap.Quantile(0.5)), "p90": nanToZero(snap.Quantile(0.9)),
					"p99": nanToZero(snap.Quantile(0.99)), "p999": nanToZero(snap.Quantile(0.999)),
				}
			} else {
				v = nanToZero(value(s))
			}
			if len(names) == 0 {
				single = v
				return
			}
			labelled[varKey(names, s)] = v
		})
		if len(names) == 0 {
			if single != nil {
				out[f.Name()] = single
			}
			continue
		}
		out[f.Name()] = labelled
	}
	return out
}

// varKey is a series' key in a labelled family's JSON object:
// "name=value,name=value", or "abacus_overflow=true".
func varKey(names []string, s abacus.Sample) string {
	values := s.LabelValues()
	if values == nil {
		return "abacus_overflow=true"
	}
	var b strings.Builder
	for i, n := range names {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(n)
		b.WriteByte('=')
		b.WriteString(values[i])
	}
	return b.String()
}

// nanToZero maps NaN and ±Inf, which JSON cannot hold, to 0.
func nanToZero(v float64) float64 {
	if v != v || v > 1e308 || v < -1e308 {
		return 0
	}
	return v
}

// Publish makes the registry's families visible in the standard expvar
// package under name (for /debug/vars), as one object shaped like Vars.
// Like expvar.Publish it panics if name is already taken.
func Publish(name string, r *abacus.Registry) {
	expvar.Publish(name, expvar.Func(func() any { return Vars(r) }))
}
