package otelbridge

import (
	"math"
	"slices"
	"testing"

	"github.com/abacusgo/abacus/otlp"
	"go.opentelemetry.io/otel/attribute"
)

func TestFamilyName(t *testing.T) {
	for _, tc := range []struct {
		name, unit      string
		kind            otlp.Kind
		wantName, unit2 string
	}{
		{"http.server.request.duration", "s", otlp.ExponentialHistogram, "http_server_request_duration_seconds", "seconds"},
		{"http.server.request.body.size", "By", otlp.ExponentialHistogram, "http_server_request_body_size_bytes", "bytes"},
		{"http.server.active_requests", "{request}", otlp.Sum, "http_server_active_requests", ""},
		{"system.network.io", "By", otlp.MonotonicSum, "system_network_io_bytes_total", "bytes"},
		{"requests", "", otlp.MonotonicSum, "requests_total", ""},
		{"requests.total", "", otlp.MonotonicSum, "requests_total", ""},
		{"cpu.utilization", "1", otlp.Gauge, "cpu_utilization_ratio", "ratio"},
		{"cpu.time", "1", otlp.MonotonicSum, "cpu_time_total", ""},
		{"throughput", "By/s", otlp.Gauge, "throughput_bytes_per_second", "bytes_per_second"},
		// reserved suffixes get _value
		{"db.client.connection.count", "{connection}", otlp.Sum, "db_client_connection_count_value", ""},
		{"jobs.count", "", otlp.MonotonicSum, "jobs_count_value_total", ""},
		{"latency.sum", "", otlp.Gauge, "latency_sum_value", ""},
		{"bytes.total", "", otlp.Gauge, "bytes_total_value", ""},
		{"build.info", "", otlp.Gauge, "build_info", ""},
		{"build.info", "", otlp.MonotonicSum, "build_info_value_total", ""},
		// the name holds the unit's words, not at the end: no unit
		{"seconds.elapsed", "s", otlp.Gauge, "seconds_elapsed", ""},
		// a unit that is no valid OpenMetrics unit
		{"weird", "2x", otlp.Gauge, "weird_2x", ""},
		{"9lives", "", otlp.Gauge, "_9lives", ""},
	} {
		n, u := familyName(tc.name, tc.unit, tc.kind)
		if n != tc.wantName || u != tc.unit2 {
			t.Errorf("familyName(%q, %q, %v) = %q, %q; want %q, %q", tc.name, tc.unit, tc.kind, n, u, tc.wantName, tc.unit2)
		}
	}
}

func TestLabelName(t *testing.T) {
	for key, want := range map[string]string{
		"http.request.method": "http_request_method",
		"service-name":        "service_name",
		"a/b c":               "a_b_c",
		"ok_name":             "ok_name",
		"_private":            "_private",
		"2xx":                 "key_2xx",
		"__reserved":          "key__reserved",
		".x":                  "_x",
		"le":                  "key_le",
		"quantile":            "key_quantile",
		"abacus_overflow":     "key_abacus_overflow",
		"ünïcode":             "_n_code",
		"\xff":                "_",
		"":                    "",
	} {
		if got := labelName(key); got != want {
			t.Errorf("labelName(%q) = %q; want %q", key, got, want)
		}
		if got := labelName(key); got != "" && !validLabelName(got) {
			t.Errorf("labelName(%q) = %q: not a valid label name", key, got)
		}
	}
}

func TestFormatValue(t *testing.T) {
	for _, tc := range []struct {
		v    attribute.Value
		want string
	}{
		{attribute.StringValue("GET"), "GET"},
		{attribute.StringValue(""), ""},
		{attribute.BoolValue(true), "true"},
		{attribute.Int64Value(-200), "-200"},
		{attribute.Float64Value(0.25), "0.25"},
		{attribute.Float64Value(1e21), "1e+21"},
		{attribute.Float64Value(math.NaN()), "NaN"},
		{attribute.Float64Value(math.Inf(-1)), "-Infinity"},
		{attribute.StringSliceValue([]string{"a", `b"c`}), `["a","b\"c"]`},
		{attribute.BoolSliceValue([]bool{true, false}), `[true,false]`},
		{attribute.Int64SliceValue([]int64{1, 2}), `[1,2]`},
		{attribute.Float64SliceValue([]float64{0.5, math.Inf(1)}), `[0.5,"Infinity"]`},
	} {
		if got := formatValue(tc.v); got != tc.want {
			t.Errorf("formatValue(%v) = %q; want %q", tc.v, got, tc.want)
		}
	}
}

func TestKeyMapValues(t *testing.T) {
	m := newKeyMap([]string{"b", "a.x", "a_x", "c"}) // a.x and a_x: one label
	if want := []string{"b", "a_x", "c"}; !slices.Equal(m.names, want) {
		t.Fatalf("names %v; want %v", m.names, want)
	}
	set := attribute.NewSet(
		attribute.String("a_x", "2"), attribute.String("a.x", "1"), // joined in key order: "a.x" < "a_x"
		attribute.Int("b", 7),
		attribute.String("d", "dropped"), attribute.String("e", "dropped"),
	)
	values, dropped := m.values(&set)
	if want := []string{"7", "1;2", ""}; !slices.Equal(values, want) {
		t.Errorf("values %q; want %q", values, want)
	}
	if want := []string{"d", "e"}; !slices.Equal(dropped, want) {
		t.Errorf("dropped %q; want %q", dropped, want)
	}
	// An empty first value still joins.
	set = attribute.NewSet(attribute.String("a.x", ""), attribute.String("a_x", "2"))
	if values, _ := m.values(&set); values[1] != ";2" {
		t.Errorf("joined %q; want \";2\"", values[1])
	}
}

func TestLearnKeys(t *testing.T) {
	set := attribute.NewSet(attribute.String("z", ""), attribute.String("a", ""), attribute.String("m.n", ""), attribute.String("m_n", ""))
	if got, want := learnKeys(&set).names, []string{"a", "m_n", "z"}; !slices.Equal(got, want) {
		t.Errorf("learned %v; want %v", got, want)
	}
	if got := learnKeys(attribute.EmptySet()).names; len(got) != 0 {
		t.Errorf("learned %v from the empty set; want none", got)
	}
}
