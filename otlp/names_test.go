package otlp

import "testing"

func TestPrometheusName(t *testing.T) {
	for _, c := range []struct {
		name, unit string
		kind       Kind
		want       string
	}{
		{"http.server.request.duration", "s", Histogram, "http_server_request_duration_seconds"},
		{"http.server.request.duration", "s", ExponentialHistogram, "http_server_request_duration_seconds"},
		{"system.network.io", "By", MonotonicSum, "system_network_io_bytes_total"},
		{"system.filesystem.usage", "By", Sum, "system_filesystem_usage_bytes"},
		{"system.network.dropped", "{packets}", MonotonicSum, "system_network_dropped_total"},
		{"system.network.dropped", "packets", Gauge, "system_network_dropped_packets"},
		{"system.memory.utilization", "1", Gauge, "system_memory_utilization_ratio"},
		{"system.memory.utilization", "1", Sum, "system_memory_utilization"},
		{"requests", "", MonotonicSum, "requests_total"},
		{"requests_total", "", MonotonicSum, "requests_total"},
		{"request.duration.seconds", "s", Histogram, "request_duration_seconds"},
		{"seconds.before.my.birthday", "s", Gauge, "seconds_before_my_birthday"}, // the name holds the unit (as Prometheus's translator has it)
		{"latency_seconds_total", "s", MonotonicSum, "latency_seconds_total"},
		{"throughput", "By/s", Gauge, "throughput_bytes_per_second"},
		{"rate", "1/s", Gauge, "rate_per_second"},
		{"temp", "Cel", Gauge, "temp_celsius"},
		{"(lambda).function.executions(#)", "", Sum, "lambda_function_executions"},
		{"total.requests", "", MonotonicSum, "requests_total"},
		{"envoy__rule_engine_zlib_buf_error", "", Gauge, "envoy_rule_engine_zlib_buf_error"},
		{":foo::bar", "", MonotonicSum, ":foo::bar_total"},
		{"3.14 digits", "", Gauge, "_3_14_digits"},
		{"foo.bar", "1", Gauge, "foo_bar_ratio"},
		{"system.io", "foo/bar", MonotonicSum, "system_io_foo_per_bar_total"},
		{"a..b__c", "", Gauge, "a_b_c"},
		{"2xx.responses", "", MonotonicSum, "_2xx_responses_total"},
		{"ns:metric", "ms", Gauge, "ns:metric_milliseconds"},
		{"", "", Gauge, "_"},
		{"ünïcode", "", Gauge, "n_code"},
		{"...", "", Gauge, "_"},
		{"queue.size", "{item}", Gauge, "queue_size"},
		{"odd", "weird-unit", Gauge, "odd_weird_unit"},
	} {
		if got := PrometheusName(c.name, c.unit, c.kind); got != c.want {
			t.Errorf("PrometheusName(%q, %q, %d) = %q, want %q", c.name, c.unit, c.kind, got, c.want)
		}
	}
}

func TestUnits(t *testing.T) {
	for _, c := range []struct{ ucum, prom, back string }{
		{"s", "seconds", "s"},
		{"ms", "milliseconds", "ms"},
		{"us", "microseconds", "us"},
		{"By", "bytes", "By"},
		{"KiBy", "kibibytes", "KiBy"},
		{"By/s", "bytes_per_second", "By/s"},
		{"1/s", "per_second", "1/s"},
		{"{packet}", "", ""},
		{"{packet}/s", "per_second", "1/s"},
		{"1", "", ""},
		{"%", "percent", "%"},
		{"widgets", "widgets", "widgets"},
	} {
		if got := PrometheusUnit(c.ucum); got != c.prom {
			t.Errorf("PrometheusUnit(%q) = %q, want %q", c.ucum, got, c.prom)
		}
		if got := OTelUnit(c.prom); got != c.back {
			t.Errorf("OTelUnit(%q) = %q, want %q", c.prom, got, c.back)
		}
	}
	if got := OTelUnit("ratio"); got != "1" {
		t.Errorf(`OTelUnit("ratio") = %q, want "1"`, got)
	}
}
