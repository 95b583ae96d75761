// Package slo tracks service-level objectives over a pair of counters (good
// and total events) or over a latency threshold of a histogram, keeps the
// error budget of a rolling window (30 days by default) in bounded memory,
// and raises multi-window, multi-burn-rate alerts as the Google SRE
// workbook ("Alerting on SLOs") describes them: an alert fires when the
// error budget burns faster than its factor over both a long and a short
// window, and resolves once that has stopped for a while.
//
// A Tracker samples its Source every Resolution (Tick, or Run), so its
// state lags the counters by at most one Resolution. Burn rates and the
// budget are computed from the samples: exact differences of the cumulative
// counts, not estimates. Memory is fixed when the Tracker is made: one
// sample (two float64) per Resolution over the longest alert window, and one
// per hour over the objective's Window.
//
// Rules writes the equivalent Prometheus recording and alerting rules, so
// that the same objective can alert from Prometheus.
//
// All methods of Tracker are safe for concurrent use.
package slo
