package otlp

import (
	"strings"
)

// The UCUM units OpenTelemetry's semantic conventions use, and their
// Prometheus words.
var (
	unitWords = map[string]string{
		"d": "days", "h": "hours", "min": "minutes", "s": "seconds",
		"ms": "milliseconds", "us": "microseconds", "ns": "nanoseconds",
		"By": "bytes", "KiBy": "kibibytes", "MiBy": "mebibytes", "GiBy": "gibibytes", "TiBy": "tibibytes",
		"KBy": "kilobytes", "MBy": "megabytes", "GBy": "gigabytes", "TBy": "terabytes",
		"bit": "bits", "m": "meters", "V": "volts", "A": "amperes", "J": "joules", "W": "watts",
		"g": "grams", "Cel": "celsius", "Hz": "hertz", "%": "percent",
	}
	// perWords are the words after "per", as Prometheus's translator has
	// them: singular, and "m" is a minute there. Other per-units are kept
	// as they are ("By/By" is "bytes_per_By").
	perWords = map[string]string{
		"s": "second", "m": "minute", "h": "hour", "d": "day", "w": "week", "mo": "month", "y": "year",
	}
	wordUnits = invert(unitWords)
	// perUnits are OTelUnit's per-units: UCUM's, so a minute is "min".
	perUnits = map[string]string{
		"second": "s", "minute": "min", "hour": "h", "day": "d", "week": "wk", "month": "mo", "year": "a",
		"meter": "m", "byte": "By",
	}
)

func invert(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[v] = k
	}
	return out
}

// PrometheusUnit converts a UCUM unit to the words of a Prometheus unit as
// Prometheus's OTLP translator does: known abbreviations become full words
// ("ms" is "milliseconds", "By" is "bytes"), "foo/bar" becomes
// "foo_per_bar" with bar singular for the time units ("By/s" is
// "bytes_per_second"; a per-unit of "m" is a minute there), a part of the
// unit holding braces is dropped ("{packet}" is "", a count of packets being
// unitless in Prometheus; "{packet}/s" is "per_second"), and "1" is "" (see
// PrometheusName for gauges, whose "1" is "ratio"). Units it does not know
// are kept, characters outside [a-zA-Z0-9:] becoming '_'.
func PrometheusUnit(unit string) string {
	main, per := unitSuffixes(unit)
	u := main
	switch {
	case main != "" && per != "":
		u = main + "_" + per
	case main == "":
		u = per
	}
	return strings.TrimSuffix(strings.TrimPrefix(u, "_"), "_")
}

// unitSuffixes returns the main and per-unit suffixes of a UCUM unit, the
// latter with its "per_", cleaned up (Prometheus's buildUnitSuffixes and
// cleanUpUnit).
func unitSuffixes(unit string) (main, per string) {
	m, p, isPer := strings.Cut(unit, "/")
	if m = strings.TrimSpace(m); m != "" && !strings.ContainsAny(m, "{}") {
		main = lookup(unitWords, m)
	}
	if p = strings.TrimSpace(p); isPer && p != "" && !strings.ContainsAny(p, "{}") {
		if w := lookup(perWords, p); w != "" {
			per = "per_" + w
		}
	}
	return cleanUnit(main), cleanUnit(per)
}

func lookup(table map[string]string, term string) string {
	if term == "1" {
		return ""
	}
	if w, ok := table[term]; ok {
		return w
	}
	return term
}

// cleanUnit replaces characters outside [a-zA-Z0-9:] with '_', collapses
// runs of '_' and drops a leading one.
func cleanUnit(u string) string {
	var b strings.Builder
	last := byte(0)
	for _, r := range u {
		c := byte('_')
		if r == ':' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' {
			c = byte(r)
		}
		if c == '_' && (last == '_' || b.Len() == 0) {
			last = c
			continue
		}
		b.WriteByte(c)
		last = c
	}
	return b.String()
}

// OTelUnit converts a Prometheus unit (as in OpenMetrics UNIT metadata, or
// a name's unit suffix) to UCUM, the other way: full words become
// abbreviations ("milliseconds" is "ms"), "ratio" is "1", and "foo_per_bar"
// is "foo/bar" ("bytes_per_second" is "By/s"). A unit it does not know is
// returned as it is.
func OTelUnit(unit string) string {
	if unit == "ratio" {
		return "1"
	}
	main, per, isPer := strings.Cut(unit, "_per_")
	if !isPer && strings.HasPrefix(unit, "per_") {
		main, per, isPer = "", unit[len("per_"):], true
	}
	out := main
	if u, ok := wordUnits[main]; ok {
		out = u
	}
	if isPer {
		p := per
		if u, ok := perUnits[per]; ok {
			p = u
		}
		if out == "" {
			out = "1"
		}
		out += "/" + p
	}
	return out
}
