// Package otelbridge connects Abacus to OpenTelemetry.
package otelbridge
