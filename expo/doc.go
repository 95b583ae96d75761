// Package expo writes an abacus.Registry in the formats services are asked
// for: Prometheus text 0.0.4, OpenMetrics 1.0 text, expvar-compatible JSON,
// and (with package expo/promproto) the Prometheus protobuf format, and
// serves them from one http.Handler that negotiates the format from the
// Accept header (falling back to the text format, as client_golang does)
// and compresses with gzip when the client accepts it.
//
// Every writer reads the registry through Registry.Gather, so each write is
// one scrape: it runs the registry's TTL sweep and is counted in its meta
// metrics.
//
// Output is deterministic: families sorted by name, series by label values.
// Label values and help text are escaped; NaN and ±Inf are written as the
// formats require, and where a format forbids a sample (OpenMetrics: a
// histogram _sum below zero or beside negative bucket bounds, a negative
// summary quantile) it is left out and the rest stays valid. The text and
// OpenMetrics writers append to pooled buffers flushed every 48 KB and
// allocate nothing per series in steady state; JSON builds a map per family.
//
// All functions are safe for concurrent use.
package expo
