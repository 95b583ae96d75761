package otlp_test

import (
	"fmt"

	"github.com/abacusgo/abacus/otlp"
)

func ExamplePrometheusName() {
	fmt.Println(otlp.PrometheusName("http.server.request.duration", "s", otlp.Histogram))
	fmt.Println(otlp.PrometheusName("system.network.io", "By", otlp.MonotonicSum))
	fmt.Println(otlp.PrometheusName("system.memory.utilization", "1", otlp.Gauge))
	fmt.Println(otlp.OTelUnit("bytes_per_second"))
	// Output:
	// http_server_request_duration_seconds
	// system_network_io_bytes_total
	// system_memory_utilization_ratio
	// By/s
}
