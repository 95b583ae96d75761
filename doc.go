// Package abacus is the metrics registry of Abacus: families of counters,
// gauges, histograms, summaries and scrape-time func metrics, each with a
// name, help, unit and constant labels; label vectors that hand out bound
// handles; a cardinality limit per family with an overflow series; optional
// expiry of series no longer written (TTL); metrics about the registry
// itself; and the Go runtime and process metrics under the names
// client_golang uses.
//
// # Reading
//
// Registry.Gather is the one read path: a format-neutral view of every
// family (name, help, unit, type) and its series (structured labels,
// creation time, a typed value), which also runs the TTL sweep and counts
// the scrape. Package expo writes it as Prometheus text, OpenMetrics and
// expvar JSON, package expo/promproto as the Prometheus protobuf format,
// and package promclient hands it to client_golang. Package abacustest
// reads it in tests.
//
// # Histograms
//
// Every series of a histogram family exposes the same classic buckets
// (HistogramOpts.Buckets, by default DefaultBuckets()) at every scrape, so
// that PromQL's sum by (le) aggregates them, and the exponential buckets as
// a native histogram. Observations that are NaN, infinite or beyond
// ±histogram.MaxValue are in no bucket, count or sum of any format; they are
// counted in abacus_observations_rejected_total{family,reason}.
//
// # Concurrency
//
// Everything in this package is safe for concurrent use. Recording on a
// handle (Counter.Inc, Gauge.Set, Histogram.Observe) is lock-free and
// allocates nothing. A label lookup (With) is lock-free for series that
// exist and allocates nothing; creating a series takes the family's lock
// once.
//
// # Errors
//
// Registering a family returns a *RegistrationError for invalid options
// (errors.Is matches ErrInvalidName, ErrInvalidUnit, ErrInvalidOptions or,
// in a strict registry, ErrLint) and an *AlreadyRegisteredError for a name
// taken by another shape; registering the same shape again returns the
// metric registered first. Must turns an error into a panic for use at init
// time. Recording never fails and never panics: label values that are
// invalid UTF-8, of the wrong number, or beyond the cardinality limit go to
// the family's overflow series and are counted in
// abacus_series_dropped_total.
//
// # Side effects
//
// Importing the package does nothing: no registry is made and no I/O done.
// Default makes the default registry on first use.
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
