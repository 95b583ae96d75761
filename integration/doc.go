// Package integration holds the tests that check Abacus against real parts,
// in a module of its own so that the core module never depends on the
// Prometheus server's module:
//
//   - a real Prometheus scraping Abacus endpoints (protobuf with native
//     histograms, OpenMetrics, and two instances whose classic histograms
//     must aggregate with sum by (le));
//   - every exposition format of a hostile registry, read by Prometheus's
//     own parsers (textparse, as a scrape reads it, and expfmt), by Python's
//     prometheus_client and by promtool, with zero differences;
//   - the native-histogram SLO rules of package slo in Prometheus's rule
//     engine, against the slo.Tracker;
//   - OTLP: the OpenTelemetry Collector's own OTLP receiver (in-process,
//     HTTP, a consumertest sink) receiving from the SDK's otlpmetrichttp
//     exporter (the reference) and from otlp.Exporter, every point with the
//     registry's values, cumulative and exact delta; Prometheus 3's OTLP
//     receiver, its series read back through PromQL, and the names it makes
//     of OTLP metrics against otlp.PrometheusName;
//   - one counter, gauge and histogram read back equal from expvar JSON,
//     the Prometheus text and protobuf formats and OTLP
//     (TestOneMetricEveryFormat).
//
// ./scripts/test installs the servers (from Debian; Prometheus 3 from the
// Go module proxy) and points the tests at them through environment
// variables:
//
//	ABACUS_PROMETHEUS  path of the prometheus binary
//	ABACUS_PROMTOOL    path of the promtool binary
//	ABACUS_PYTHON3     a python3 with prometheus_client (Debian's /usr/bin/python3)
//	ABACUS_PROMETHEUS3 path of a Prometheus 3 binary (built by the tools
//	                   stage with go install …/cmd/prometheus@v0.316.0 into
//	                   $(go env GOPATH)/abacus-tools, off PATH)
//
// Without them the tests skip, saying which variable is missing; under
// CI=true they fail instead.
package integration
