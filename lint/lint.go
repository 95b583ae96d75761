// Package lint holds the naming rules of promtool check metrics (the
// promlint rules of client_golang) in one place: the registry's strict mode
// applies them at registration, and tools that audit an endpoint apply them
// to what they scrape.
//
// The rules look at a family's metadata only (name, type, help and label
// names); checks that need the samples, such as duplicate series, belong to
// the caller. All functions are safe for concurrent use.
package lint

import (
	"fmt"
	"strings"
)

// A Problem is one rule a family breaks.
type Problem struct {
	Metric string // the family's name
	Rule   string // the rule's name, e.g. "counter-total"; see Rules
	Text   string // promtool's wording, e.g. `counter metrics should have "_total" suffix`
}

func (p Problem) String() string { return p.Metric + ": " + p.Text }

// A Family is what the rules read. Type is one of "counter", "gauge",
// "histogram", "gaugehistogram", "summary", "untyped" (or "unknown", its
// OpenMetrics name). HasHelp is false when the family has no help text at
// all; an empty help line counts as help, as promtool counts it.
type Family struct {
	Name       string
	Type       string
	HasHelp    bool
	LabelNames []string
}

// A Rule is one rule Check applies.
type Rule struct{ Name, Doc string }

// Rules returns the rules Check applies, in the order it applies them.
func Rules() []Rule {
	return []Rule{
		{"help", "every family has help text"},
		{"base-units", `units are base units: seconds, not milliseconds; bytes, not bits`},
		{"counter-total", `counters end in _total; nothing else does`},
		{"reserved-suffix", `only histograms end in _bucket or have an le label; only histograms and summaries end in _count or _sum; only summaries have a quantile label`},
		{"type-in-name", `the name does not say its type (no _counter, _gauge, _histogram, _summary)`},
		{"colon", `metric names have no ':' (colons are for recording rules)`},
		{"snake-case", `metric and label names are snake_case, not camelCase`},
		{"unit-abbreviation", `units are not abbreviated (no _ms, _s, _kb, …)`},
	}
}

// Check returns every problem of f, in the order of Rules.
func Check(f Family) []Problem {
	var out []Problem
	add := func(rule, format string, args ...any) {
		out = append(out, Problem{Metric: f.Name, Rule: rule, Text: fmt.Sprintf(format, args...)})
	}
	typ := strings.ToLower(f.Type)
	if typ == "unknown" {
		typ = "untyped"
	}
	untyped := typ == "untyped" || typ == ""
	if !f.HasHelp {
		add("help", "no help text")
	}
	if unit, base, ok := metricUnit(f.Name); ok && unit != base {
		add("base-units", "use base unit %q instead of %q", base, unit)
	}
	total := strings.HasSuffix(f.Name, "_total")
	switch {
	case typ == "counter" && !total:
		add("counter-total", `counter metrics should have "_total" suffix`)
	case !untyped && typ != "counter" && total:
		add("counter-total", `non-counter metrics should not have "_total" suffix`)
	}
	if !untyped {
		histogram := typ == "histogram" || typ == "gaugehistogram"
		summary := typ == "summary"
		if !histogram && strings.HasSuffix(f.Name, "_bucket") {
			add("reserved-suffix", `non-histogram metrics should not have "_bucket" suffix`)
		}
		if !histogram && !summary && strings.HasSuffix(f.Name, "_count") {
			add("reserved-suffix", `non-histogram and non-summary metrics should not have "_count" suffix`)
		}
		if !histogram && !summary && strings.HasSuffix(f.Name, "_sum") {
			add("reserved-suffix", `non-histogram and non-summary metrics should not have "_sum" suffix`)
		}
		for _, l := range f.LabelNames {
			if !histogram && l == "le" {
				add("reserved-suffix", `non-histogram metrics should not have "le" label`)
			}
			if !summary && l == "quantile" {
				add("reserved-suffix", `non-summary metrics should not have "quantile" label`)
			}
		}
		n := strings.ToLower(f.Name)
		if strings.Contains(n, "_"+typ+"_") || strings.HasSuffix(n, "_"+typ) {
			add("type-in-name", "metric name should not include type '%s'", typ)
		}
	}
	if strings.Contains(f.Name, ":") {
		add("colon", "metric names should not contain ':'")
	}
	if camelCase(f.Name) {
		add("snake-case", "metric names should be written in 'snake_case' not 'camelCase'")
	}
	for _, l := range f.LabelNames {
		if camelCase(l) {
			add("snake-case", "label names should be written in 'snake_case' not 'camelCase'")
			break
		}
	}
	n := strings.ToLower(f.Name)
	for _, s := range abbreviations {
		if strings.Contains(n, "_"+s+"_") || strings.HasSuffix(n, "_"+s) {
			add("unit-abbreviation", "metric names should not contain abbreviated units")
			break
		}
	}
	return out
}

// camelCase reports whether s has a lower-case letter followed by an
// upper-case one.
func camelCase(s string) bool {
	for i := 1; i < len(s); i++ {
		if s[i-1] >= 'a' && s[i-1] <= 'z' && s[i] >= 'A' && s[i] <= 'Z' {
			return true
		}
	}
	return false
}

// units maps a unit to its base unit.
var units = map[string]string{
	"amperes": "amperes", "bytes": "bytes", "celsius": "celsius", "grams": "grams",
	"joules": "joules", "kelvin": "kelvin", "meters": "meters", "metres": "metres",
	"seconds": "seconds", "volts": "volts",
	"minutes": "seconds", "hours": "seconds", "days": "seconds", "weeks": "seconds",
	"kelvins": "kelvin", "fahrenheit": "celsius", "rankine": "celsius",
	"inches": "meters", "yards": "meters", "miles": "meters",
	"bits": "bytes", "calories": "joules", "pounds": "grams", "ounces": "grams",
}

var prefixes = []string{
	"pico", "nano", "micro", "milli", "centi", "deci", "deca", "hecto", "kilo", "kibi",
	"mega", "mebi", "giga", "gibi", "tera", "tebi", "peta", "pebi",
}

var abbreviations = []string{"s", "ms", "us", "ns", "sec", "b", "kb", "mb", "gb", "tb", "pb", "m", "h", "d"}

// metricUnit returns the first word of name that is a unit (possibly with
// a prefix such as milli) and its base unit.
func metricUnit(name string) (unit, base string, ok bool) {
	for _, w := range strings.Split(name, "_") {
		if b, found := units[w]; found {
			return w, b, true
		}
		for _, p := range prefixes {
			if rest, cut := strings.CutPrefix(w, p); cut {
				if b, found := units[rest]; found {
					return w, b, true
				}
			}
		}
	}
	return "", "", false
}
