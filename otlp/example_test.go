package otlp_test

import (
	"fmt"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/otlp"
	colpb "go.opentelemetry.io/proto/slim/otlp/collector/metrics/v1"
	"google.golang.org/protobuf/proto"
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

func ExampleEncoder() {
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	jobs, _ := reg.Counter(abacus.Opts{Name: "jobs_total"})
	e := otlp.NewEncoder(reg, otlp.Options{Temporality: otlp.Delta})
	var buf []byte
	for _, n := range []uint64{3, 4} {
		jobs.Add(n)
		buf, _ = e.Append(buf[:0]) // each request holds what was added since the last
		var req colpb.ExportMetricsServiceRequest
		if err := proto.Unmarshal(buf, &req); err != nil {
			fmt.Println(err)
			return
		}
		m := req.GetResourceMetrics()[0].GetScopeMetrics()[0].GetMetrics()[0]
		fmt.Println(m.GetName(), m.GetSum().GetAggregationTemporality(), m.GetSum().GetDataPoints()[0].GetAsDouble())
	}
	// Output:
	// jobs_total AGGREGATION_TEMPORALITY_DELTA 3
	// jobs_total AGGREGATION_TEMPORALITY_DELTA 4
}
