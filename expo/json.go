package expo

import (
	"encoding/json"
	"expvar"
	"io"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/abacusgo/abacus"
)

// WriteJSON writes the registry as expvar's /debug/vars does: one JSON
// object with "cmdline" and "memstats" (runtime.MemStats, which costs a
// brief stop of the world), then every family by name, shaped as Vars
// shapes it.
func WriteJSON(w io.Writer, r *abacus.Registry) error {
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

// Vars returns the registry's families as expvar shapes values, read
// through Registry.Gather (so it sweeps and counts a scrape): an unlabelled
// counter, gauge or func metric is a number; a labelled family is an object
// from a key naming the series' variable labels to a number; a histogram is
// an object with count, sum, min, max and the quantiles p50, p90, p99 and
// p999 of its exponential buckets; a summary an object with count, sum and
// its quantiles. Keys are the variable labels as PromQL writes them,
// `name="value",…` with `\`, `"` and newline escaped in values, so
// different label sets always have different keys; the overflow series is
// `abacus_overflow="true"`. JSON has no NaN or ±Inf: they are written as 0.
// Histogram counts leave out refused observations, as every format does.
func Vars(r *abacus.Registry) map[string]any {
	out := map[string]any{}
	for f, series := range r.Gather() {
		names := f.LabelNames()
		labelled := len(names) > 0
		obj := map[string]any{}
		for s := range series {
			v := jsonValue(f.Type(), s)
			if !labelled {
				out[f.Name()] = v
				continue
			}
			obj[varKey(names, s)] = v
		}
		if labelled {
			out[f.Name()] = obj
		}
	}
	return out
}

func jsonValue(t abacus.Type, s *abacus.Series) any {
	switch t {
	case abacus.TypeSummary:
		q := map[string]float64{"count": float64(s.Summary.Count), "sum": finite(s.Summary.Sum)}
		for _, x := range s.Summary.Quantiles {
			q[strconv.FormatFloat(x.Q, 'g', -1, 64)] = finite(x.Value)
		}
		return q
	case abacus.TypeHistogram:
		snap := s.Histogram.Snapshot()
		return map[string]float64{
			"count": float64(snap.Count()), "sum": finite(snap.Sum()), "min": finite(snap.Min()), "max": finite(snap.Max()),
			"p50": finite(snap.Quantile(0.5)), "p90": finite(snap.Quantile(0.9)),
			"p99": finite(snap.Quantile(0.99)), "p999": finite(snap.Quantile(0.999)),
		}
	}
	return finite(s.Value)
}

// varKey is a series' key in a labelled family's JSON object: its variable
// labels as `name="value",name="value"`, escaped.
func varKey(names []string, s *abacus.Series) string {
	if s.Labels.Overflow() {
		return `abacus_overflow="true"`
	}
	var b strings.Builder
	for i, v := range s.Labels.Values() {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(names[i])
		b.WriteString(`="`)
		for j := 0; j < len(v); j++ {
			switch c := v[j]; c {
			case '\\':
				b.WriteString(`\\`)
			case '"':
				b.WriteString(`\"`)
			case '\n':
				b.WriteString(`\n`)
			default:
				b.WriteByte(c)
			}
		}
		b.WriteByte('"')
	}
	return b.String()
}

// finite maps NaN and ±Inf, which JSON cannot hold, to 0.
func finite(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return v
}

// Publish makes the registry's families visible in the standard expvar
// package under name (for /debug/vars), as one object shaped like Vars,
// read at each expvar read. Like expvar.Publish it panics if name is
// already taken.
func Publish(name string, r *abacus.Registry) {
	expvar.Publish(name, expvar.Func(func() any { return Vars(r) }))
}
