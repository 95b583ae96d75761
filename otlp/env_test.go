package otlp

import (
	"maps"
	"strings"
	"testing"
	"time"
)

func TestEnvOptions(t *testing.T) {
	for _, c := range []struct {
		env     string // NAME=value;…
		check   func(ExporterOptions) bool
		errWith string
	}{
		{"", func(o ExporterOptions) bool { return o.Endpoint == "" && o.Interval == 0 && !o.NoCompression }, ""},
		{"OTEL_EXPORTER_OTLP_ENDPOINT=http://collector:4318/", func(o ExporterOptions) bool { return o.Endpoint == "http://collector:4318/v1/metrics" }, ""},
		{"OTEL_EXPORTER_OTLP_ENDPOINT=http://a:4318;OTEL_EXPORTER_OTLP_METRICS_ENDPOINT=http://b:9090/api/v1/otlp/v1/metrics",
			func(o ExporterOptions) bool { return o.Endpoint == "http://b:9090/api/v1/otlp/v1/metrics" }, ""},
		{"OTEL_EXPORTER_OTLP_HEADERS=a=1,authorization=Bearer%20x;OTEL_EXPORTER_OTLP_METRICS_HEADERS=b=2",
			func(o ExporterOptions) bool { return maps.Equal(o.Headers, map[string]string{"b": "2"}) }, ""},
		{"OTEL_EXPORTER_OTLP_HEADERS=authorization=Bearer%20x, x-tenant = t1",
			func(o ExporterOptions) bool {
				return maps.Equal(o.Headers, map[string]string{"authorization": "Bearer x", "x-tenant": "t1"})
			}, ""},
		{"OTEL_EXPORTER_OTLP_HEADERS=novalue", nil, "OTEL_EXPORTER_OTLP_HEADERS"},
		{"OTEL_EXPORTER_OTLP_TIMEOUT=2500", func(o ExporterOptions) bool { return o.Timeout == 2500*time.Millisecond }, ""},
		{"OTEL_EXPORTER_OTLP_METRICS_TIMEOUT=0", nil, "OTEL_EXPORTER_OTLP_METRICS_TIMEOUT"},
		{"OTEL_EXPORTER_OTLP_COMPRESSION=none", func(o ExporterOptions) bool { return o.NoCompression }, ""},
		{"OTEL_EXPORTER_OTLP_COMPRESSION=zstd", nil, "OTEL_EXPORTER_OTLP_COMPRESSION"},
		{"OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf", func(o ExporterOptions) bool { return true }, ""},
		{"OTEL_EXPORTER_OTLP_PROTOCOL=grpc", nil, "http/protobuf only"},
		{"OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=Delta", func(o ExporterOptions) bool { return o.Temporality == Delta }, ""},
		{"OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=lowmemory", func(o ExporterOptions) bool { return o.Temporality == Delta }, ""},
		{"OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=sometimes", nil, "TEMPORALITY_PREFERENCE"},
		{"OTEL_METRIC_EXPORT_INTERVAL=15000", func(o ExporterOptions) bool { return o.Interval == 15*time.Second }, ""},
		{"OTEL_METRIC_EXPORT_INTERVAL=15s", nil, "OTEL_METRIC_EXPORT_INTERVAL"},
		{"OTEL_RESOURCE_ATTRIBUTES=service.name=a,deployment.environment=prod%2Ceu;OTEL_SERVICE_NAME=shop",
			func(o ExporterOptions) bool {
				return maps.Equal(o.Resource, map[string]string{"service.name": "shop", "deployment.environment": "prod,eu"})
			}, ""},
	} {
		env := map[string]string{}
		for _, kv := range strings.Split(c.env, ";") {
			if k, v, ok := strings.Cut(kv, "="); ok {
				env[k] = v
			}
		}
		o, err := EnvOptions(func(k string) string { return env[k] })
		switch {
		case c.errWith != "" && (err == nil || !strings.Contains(err.Error(), c.errWith)):
			t.Errorf("%s: err %v, want one naming %s", c.env, err, c.errWith)
		case c.errWith == "" && err != nil:
			t.Errorf("%s: %v", c.env, err)
		case c.errWith == "" && !c.check(o):
			t.Errorf("%s: options %+v", c.env, o)
		}
	}
}
