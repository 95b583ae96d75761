// Package expo writes an abacus.Registry in the formats services are asked
// for: Prometheus text 0.0.4, OpenMetrics 1.0 text, expvar-compatible JSON,
// and (with package expo/promproto) the Prometheus protobuf format, and
// serves them from one http.Handler that negotiates the format from the
// Accept header and compresses with gzip when the client accepts it.
//
// Output is deterministic: families sorted by name, series by label values.
// Label values and help text are escaped; NaN and ±Inf are written as the
// formats require. Writers append to pooled buffers and allocate nothing per
// counter or gauge series in steady state.
//
// All functions are safe for concurrent use.
package expo
