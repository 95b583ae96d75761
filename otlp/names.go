package otlp

import (
	"slices"
	"strings"
)

// Kind is the kind of an OTLP metric's points, as far as its Prometheus
// name is concerned.
type Kind uint8

const (
	Gauge                Kind = iota // an OTLP Gauge
	Sum                              // a non-monotonic OTLP Sum
	MonotonicSum                     // a monotonic OTLP Sum: a Prometheus counter
	Histogram                        // an OTLP Histogram
	ExponentialHistogram             // an OTLP ExponentialHistogram
	Summary                          // an OTLP Summary
)

// PrometheusName returns the Prometheus metric name of an OTLP metric
// called name with the given UCUM unit, as Prometheus's own OTLP receiver
// builds it (its otlptranslator, with suffixes on):
//
//  1. The name is cut into words at every character outside [a-zA-Z0-9:]
//     ('_' included); empty words are dropped.
//  2. The unit's main part, converted as PrometheusUnit does, is appended
//     unless it is one of the words already ("seconds"); its per-unit
//     ("per_second") is always appended, as Prometheus does, even to a name
//     that ends in it: requests.per.second in 1/s is
//     requests_per_second_per_second.
//  3. A MonotonicSum ends in the word "total", and a Gauge whose unit is
//     "1" in the word "ratio": the word is moved to the end, or appended.
//  4. The words are joined with '_', and a name that would start with a
//     digit gets a leading '_'.
//
// So PrometheusName("http.server.request.duration", "s", Histogram) is
// "http_server_request_duration_seconds" and
// PrometheusName("system.network.io", "By", MonotonicSum) is
// "system_network_io_bytes_total". A name with no valid character is
// returned as "_".
func PrometheusName(name, unit string, kind Kind) string {
	words := strings.FieldsFunc(name, func(r rune) bool {
		return !(r == ':' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9')
	})
	words = addUnit(words, unit)
	switch {
	case kind == MonotonicSum:
		words = append(slices.DeleteFunc(words, func(w string) bool { return w == "total" }), "total")
	case kind == Gauge && strings.TrimSpace(unit) == "1":
		words = append(slices.DeleteFunc(words, func(w string) bool { return w == "ratio" }), "ratio")
	}
	n := strings.Join(words, "_")
	if n == "" || '0' <= n[0] && n[0] <= '9' {
		n = "_" + n
	}
	return n
}

// addUnit appends a unit's suffixes to a name's words as Prometheus's
// addUnitTokens does: the main unit unless it is one of the words already,
// the per-unit ("per_second") unless it is one word already, which, being
// two words, it never is.
func addUnit(words []string, unit string) []string {
	main, per := unitSuffixes(unit)
	if slices.Contains(words, main) {
		main = ""
	}
	if per == "per_" {
		per = ""
	} else if per = strings.TrimSuffix(per, "_"); slices.Contains(words, per) {
		per = ""
	}
	if per != "" {
		main = strings.TrimSuffix(main, "_")
	}
	if main != "" {
		words = append(words, main)
	}
	if per != "" {
		words = append(words, per)
	}
	return words
}
