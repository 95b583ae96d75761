// Package abacustest reads a registry in tests: the value of one series,
// every series of a family, a histogram's snapshot or native form, and a
// comparison of a registry's text exposition with the text a test expects.
// It reads through Registry.Gather, as the exposition formats do, so what it
// sees is what a scrape sees (and, like a scrape, it runs TTL expiry and
// counts one scrape in the meta metrics).
//
// Every function returns an error instead of failing a test itself, so that
// it works with any testing style:
//
//	if v, err := abacustest.Value(reg, "http_requests_total", "code", "200"); err != nil || v != 3 {
//		t.Fatalf("requests = %v, %v; want 3", v, err)
//	}
//
// All functions are safe for concurrent use.
package abacustest

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/histogram"
)

// A Sample is a copy of one series as Gather yielded it.
type Sample struct {
	Labels  map[string]string // every label, constant ones included
	Created int64             // unix nanoseconds; 0 if unknown
	// Value is a counter's or gauge's value, a histogram's count, or a
	// summary's count.
	Value float64
	// Histogram is a histogram's exponential buckets; nil for other types.
	Histogram *histogram.Snapshot
	// Classic is a histogram's classic buckets, +Inf last; Sum its sum.
	Classic []histogram.ClassicBucket
	Sum     float64
	// Native is a histogram's native form.
	Native histogram.Native
	// Summary is a summary's value; nil for other types.
	Summary *abacus.Summary
	// Exemplar is a counter's latest exemplar, or nil.
	Exemplar *abacus.Exemplar
	// Overflow reports whether this is the family's overflow series.
	Overflow bool
}

// ErrNoSeries is returned (wrapped) when no series matches.
var ErrNoSeries = errors.New("no such series")

// Samples returns a copy of every series of the family named name, in the
// order Gather yields them. A family with no series gives none; a name not
// registered is an error wrapping ErrNoSeries.
func Samples(r *abacus.Registry, name string) ([]Sample, error) {
	if r.Family(name) == nil {
		return nil, fmt.Errorf("abacustest: no family %q: %w", name, ErrNoSeries)
	}
	var out []Sample
	for f, series := range r.Gather() {
		if f.Name() != name {
			continue
		}
		for s := range series {
			out = append(out, copySample(f, s))
		}
	}
	return out, nil
}

func copySample(f *abacus.Family, s *abacus.Series) Sample {
	c := Sample{Labels: maps.Collect(s.Labels.All()), Created: s.Created, Value: s.Value, Exemplar: s.Exemplar, Overflow: s.Labels.Overflow()}
	switch f.Type() {
	case abacus.TypeHistogram:
		c.Histogram = s.Histogram.Snapshot()
		c.Classic, c.Sum = s.Histogram.Classic(nil)
		s.Histogram.Native(&c.Native)
		c.Value = float64(c.Classic[len(c.Classic)-1].Count)
	case abacus.TypeSummary:
		v := *s.Summary
		v.Quantiles = slices.Clone(v.Quantiles)
		c.Summary = &v
		c.Value = float64(v.Count)
	}
	return c
}

// Find returns the one series of the family named name whose labels include
// every given label, given as name, value pairs: Find(reg, "req_total",
// "code", "200"). Naming no labels finds the family's only series. No match
// is an error wrapping ErrNoSeries; more than one is an error too.
func Find(r *abacus.Registry, name string, labels ...string) (Sample, error) {
	if len(labels)%2 != 0 {
		return Sample{}, fmt.Errorf("abacustest: labels %q are not name, value pairs", labels)
	}
	all, err := Samples(r, name)
	if err != nil {
		return Sample{}, err
	}
	var found []Sample
	for _, s := range all {
		if matches(s.Labels, labels) {
			found = append(found, s)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return Sample{}, fmt.Errorf("abacustest: %s%s: %w (series: %s)", name, pairs(labels), ErrNoSeries, list(all))
	}
	return Sample{}, fmt.Errorf("abacustest: %s%s matches %d series: %s", name, pairs(labels), len(found), list(found))
}

// Value returns the value of the series Find finds: a counter's count, a
// gauge's value, a histogram's or summary's count.
func Value(r *abacus.Registry, name string, labels ...string) (float64, error) {
	s, err := Find(r, name, labels...)
	return s.Value, err
}

// Histogram returns the snapshot of the histogram series Find finds.
func Histogram(r *abacus.Registry, name string, labels ...string) (*histogram.Snapshot, error) {
	s, err := Find(r, name, labels...)
	if err != nil {
		return nil, err
	}
	if s.Histogram == nil {
		return nil, fmt.Errorf("abacustest: %s is not a histogram", name)
	}
	return s.Histogram, nil
}

func matches(have map[string]string, want []string) bool {
	for i := 0; i < len(want); i += 2 {
		if v, ok := have[want[i]]; !ok || v != want[i+1] {
			return false
		}
	}
	return true
}

func pairs(labels []string) string {
	if len(labels) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteByte('{')
	for i := 0; i < len(labels); i += 2 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%s=%q", labels[i], labels[i+1])
	}
	b.WriteByte('}')
	return b.String()
}

func list(ss []Sample) string {
	var out []string
	for _, s := range ss {
		var kv []string
		for _, k := range slices.Sorted(maps.Keys(s.Labels)) {
			kv = append(kv, k, s.Labels[k])
		}
		out = append(out, pairs(kv))
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, " ")
}
