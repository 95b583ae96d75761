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
//     engine, against the slo.Tracker.
//
// ./scripts/test installs the servers from Debian and points the tests at
// them through environment variables:
//
//	ABACUS_PROMETHEUS  path of the prometheus binary
//	ABACUS_PROMTOOL    path of the promtool binary
//	ABACUS_PYTHON3     a python3 with prometheus_client (Debian's /usr/bin/python3)
//
// Without them the tests skip, saying which variable is missing; under
// CI=true they fail instead.
package integration
