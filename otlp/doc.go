// Package otlp exports an Abacus registry as OpenTelemetry metrics (OTLP)
// and translates between OpenTelemetry's metric conventions and
// Prometheus's.
//
//   - Encoder turns the registry's read model (Registry.Gather) into OTLP
//     ExportMetricsServiceRequest messages, cumulative or with exact delta
//     temporality, encoded by hand into the caller's buffer.
//   - Exporter pushes them to an OTLP/HTTP receiver (an OpenTelemetry
//     Collector, Prometheus's /api/v1/otlp/v1/metrics, any vendor's
//     endpoint) with the specification's retry rules, a bounded queue and a
//     final export at shutdown.
//   - PrometheusName, PrometheusUnit and OTelUnit translate names and units
//     as the OpenTelemetry specification's "Prometheus and OpenMetrics
//     Compatibility" document and Prometheus's own OTLP receiver do
//     (http.server.request.duration in seconds is
//     http_server_request_duration_seconds).
//
// Pushing where the OpenTelemetry SDK's environment variables say (a
// Collector on this host, every minute, by default) until ctx ends:
//
//	o, err := otlp.EnvOptions(nil) // OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME, …
//	if err != nil { … }
//	x, err := otlp.NewExporter(reg, o)
//	if err != nil { … }
//	go x.Run(ctx) // its error says what the final export could not deliver
//
// The package speaks OTLP/HTTP with protobuf only: no gRPC, no JSON, and no
// dependency beyond the protobuf runtime's wire helpers. Its output is
// checked against the generated types of go.opentelemetry.io/proto/slim/otlp
// and against the OpenTelemetry Collector's own receiver. The OpenTelemetry
// SDK's Producer and a MeterProvider backed by a registry live in the
// separate module github.com/abacusgo/abacus/otelbridge.
//
// Every function and method is safe for concurrent use.
package otlp
