// Package integration holds the tests that run Abacus against real servers
// installed from Debian packages: a real Prometheus scraping an Abacus
// endpoint, and promtool checking the exposition. ./scripts/test installs
// them and points the tests at them through environment variables:
//
//	ABACUS_PROMETHEUS  path of the prometheus binary
//	ABACUS_PROMTOOL    path of the promtool binary
//
// Without them the tests skip, saying which variable is missing.
package integration
