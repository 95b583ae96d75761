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
//  2. The unit, converted by PrometheusUnit, is appended as words unless
//     the name already holds them ("_seconds", "_bytes_per_second").
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
	if u := PrometheusUnit(unit); u != "" {
		if seq := strings.Split(u, "_"); !containsWords(words, seq) {
			words = append(words, seq...)
		}
	}
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

// containsWords reports whether seq appears in words as consecutive words.
func containsWords(words, seq []string) bool {
	for i := 0; i+len(seq) <= len(words); i++ {
		if slices.Equal(words[i:i+len(seq)], seq) {
			return true
		}
	}
	return false
}
