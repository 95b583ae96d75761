package otelbridge

import (
	"strings"

	"github.com/abacusgo/abacus/otlp"
)

// familyName returns the Prometheus name and unit of the family that holds
// an instrument called name with the given UCUM unit, as the
// OpenTelemetry–Prometheus compatibility specification builds them
// (otlp.PrometheusName, otlp.PrometheusUnit).
//
// Two departures keep every name registrable in Abacus:
//   - A name whose base (the name before a counter's _total) ends in a
//     suffix that OpenMetrics reserves for the samples of other types
//     (_count, _sum, _bucket, _created, _gcount, _gsum, _info for
//     non-gauges, _total for non-counters) gets "_value" after that
//     suffix: the gauge db.client.connection.count is
//     db_client_connection_count_value.
//   - The unit is left out of the family (the name keeps its words) where
//     the name does not end in it, as when the name held the unit's words
//     somewhere else, or where the unit is not a valid OpenMetrics unit.
func familyName(name, unit string, k otlp.Kind) (promName, promUnit string) {
	promName = otlp.PrometheusName(name, unit, k)
	promUnit = otlp.PrometheusUnit(unit)
	if k == otlp.Gauge && strings.TrimSpace(unit) == "1" {
		promUnit = "ratio"
	}
	base := promName
	if k == otlp.MonotonicSum {
		base = strings.TrimSuffix(promName, "_total")
	}
	if reservedSuffix(base, k) {
		base += "_value"
		promUnit = "" // the name no longer ends in it
		promName = base
		if k == otlp.MonotonicSum {
			promName += "_total"
		}
	}
	if promUnit != "" && (!validLabelName(promUnit) || !strings.HasSuffix(base, "_"+promUnit)) {
		promUnit = ""
	}
	return promName, promUnit
}

// reservedSuffix reports whether a family name's base ends in a suffix
// OpenMetrics reserves for the samples of another type, which Abacus
// refuses.
func reservedSuffix(base string, k otlp.Kind) bool {
	for _, s := range [...]string{"_bucket", "_count", "_sum", "_created", "_gcount", "_gsum"} {
		if strings.HasSuffix(base, s) {
			return true
		}
	}
	if k != otlp.MonotonicSum && strings.HasSuffix(base, "_total") {
		return true
	}
	return k != otlp.Gauge && k != otlp.Sum && strings.HasSuffix(base, "_info")
}

// labelName returns the Prometheus label name of an attribute key, as the
// compatibility specification has it: every character outside
// [a-zA-Z0-9_] becomes '_', and a name that would start with a digit gets
// the prefix "key_". Two further rules keep the name usable in Abacus: a
// name starting with "__" (reserved by Prometheus) gets the prefix "key",
// and the names Abacus reserves for itself (le, quantile,
// abacus_overflow) get the prefix "key_". The empty key has no label name:
// it returns "".
func labelName(key string) string {
	if key == "" {
		return ""
	}
	n := strings.Map(func(r rune) rune {
		if r == '_' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' {
			return r
		}
		return '_' // one per character (rune), as Prometheus's sanitizer does
	}, key)
	switch {
	case '0' <= n[0] && n[0] <= '9':
		n = "key_" + n
	case strings.HasPrefix(n, "__"):
		n = "key" + n
	case n == "le" || n == "quantile" || n == "abacus_overflow":
		n = "key_" + n
	}
	return n
}

// validLabelName reports whether s is [a-zA-Z_][a-zA-Z0-9_]* without the
// "__" prefix: a label name, and so an OpenMetrics unit, Abacus accepts.
func validLabelName(s string) bool {
	if s == "" || strings.HasPrefix(s, "__") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}
