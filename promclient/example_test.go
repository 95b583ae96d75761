package promclient_test

import (
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/promclient"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// A service whose /metrics is still promhttp registers its Abacus metrics
// in the client_golang registry.
func ExampleCollector() {
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	abacus.Must(reg.Counter(abacus.Opts{Name: "moved_total", Help: "Moved to Abacus."})).Add(2)
	pr := prometheus.NewRegistry()
	pr.MustRegister(promclient.Collector(reg))
	n, err := testutil.GatherAndCount(pr, "moved_total")
	fmt.Println(n, err)
	// Output: 1 <nil>
}

// A service that moved its endpoint to Abacus first serves what remains in
// client_golang from the same handler.
func ExampleHandler() {
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	abacus.Must(reg.Counter(abacus.Opts{Name: "moved_total", Help: "Moved to Abacus."})).Add(2)
	pr := prometheus.NewRegistry()
	legacy := prometheus.NewCounter(prometheus.CounterOpts{Name: "legacy_total", Help: "Still client_golang."})
	legacy.Inc()
	pr.MustRegister(legacy)
	w := httptest.NewRecorder()
	promclient.Handler(reg, pr).ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	for _, line := range strings.Split(w.Body.String(), "\n") {
		if line != "" && !strings.HasPrefix(line, "#") {
			fmt.Println(line)
		}
	}
	// Output:
	// moved_total 2
	// legacy_total 1
}
