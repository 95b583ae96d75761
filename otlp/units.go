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
	// perWords are the words after "per": singular.
	perWords = map[string]string{
		"s": "second", "min": "minute", "h": "hour", "d": "day", "w": "week", "mo": "month", "y": "year",
		"m": "meter", "By": "byte",
	}
	wordUnits = invert(unitWords)
	perUnits  = invert(perWords)
)

func invert(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[v] = k
	}
	return out
}

// PrometheusUnit converts a UCUM unit to the words of a Prometheus unit:
// abbreviations become full words ("ms" is "milliseconds", "By" is
// "bytes"), annotations in braces are dropped ("{packet}" is "", a count of
// packets being unitless in Prometheus), "foo/bar" becomes "foo_per_bar"
// with bar singular ("By/s" is "bytes_per_second"), and "1" is "" (see
// PrometheusName for gauges, whose "1" is "ratio"). A unit it does not know
// keeps its letters and digits, runs of other characters becoming one '_'.
func PrometheusUnit(unit string) string {
	unit = dropAnnotations(strings.TrimSpace(unit))
	if unit == "" || unit == "1" {
		return ""
	}
	main, per, isPer := strings.Cut(unit, "/")
	out := word(main, unitWords)
	if isPer {
		if p := word(per, perWords); p != "" {
			if out == "" {
				return "per_" + p
			}
			return out + "_per_" + p
		}
	}
	return out
}

// dropAnnotations removes every {…} part of a unit.
func dropAnnotations(unit string) string {
	for {
		i := strings.IndexByte(unit, '{')
		if i < 0 {
			return unit
		}
		j := strings.IndexByte(unit[i:], '}')
		if j < 0 {
			return strings.TrimSpace(unit[:i])
		}
		unit = strings.TrimSpace(unit[:i] + unit[i+j+1:])
	}
}

// word converts one unit term with table, or sanitizes an unknown one.
func word(term string, table map[string]string) string {
	term = strings.TrimSpace(term)
	if w, ok := table[term]; ok {
		return w
	}
	if term == "1" {
		return ""
	}
	return strings.Join(strings.FieldsFunc(term, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9')
	}), "_")
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
