// Package abacus is the metrics registry of Abacus: families of counters,
// gauges, histograms and func metrics, each with a name, help, unit and
// constant labels; label vectors that hand out bound handles; a cardinality
// limit per family with an overflow series; optional expiry of idle series;
// metrics about the registry itself; and the Go runtime and process metrics
// under the names client_golang uses.
//
// Exposition (Prometheus text, OpenMetrics, protobuf, expvar JSON) lives in
// package expo, which reads a Registry through Families.
//
// # Concurrency
//
// Everything in this package is safe for concurrent use. Recording on a
// handle (Counter.Inc, Gauge.Set, Histogram.Observe) is lock-free and
// allocates nothing. A label lookup (Vec.With) is lock-free for series that
// exist and allocates nothing; creating a series takes the family's lock once.
//
// # Errors
//
// Registering a family returns an error for an invalid name, label or unit,
// or a name already registered with a different shape; Must turns such an
// error into a panic for use at init time. Recording never fails and never
// panics: label values that are invalid UTF-8, of the wrong number, or beyond
// the cardinality limit go to the family's overflow series and are counted
// in abacus_series_dropped_total.
package abacus

// Must returns v, or panics with a message naming the problem if err is not
// nil. Use it at init time, where a bad metric definition is a programming
// error: c := abacus.Must(reg.Counter(abacus.Opts{…})).
func Must[T any](v T, err error) T {
	if err != nil {
		panic("BUG: " + err.Error())
	}
	return v
}
