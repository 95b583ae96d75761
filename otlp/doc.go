// Package otlp translates between OpenTelemetry's metric conventions and
// Prometheus's, as the OpenTelemetry specification's "Prometheus and
// OpenMetrics Compatibility" document defines them: OTLP metric names and
// UCUM units to Prometheus names with unit and type suffixes
// (http.server.request.duration in seconds is
// http_server_request_duration_seconds), and Prometheus units back to UCUM.
//
// It is the first part of Abacus's OpenTelemetry support; the OTLP
// exporter that will use it is not here yet.
//
// Every function is pure and safe for concurrent use.
package otlp
