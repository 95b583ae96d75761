package otlp

import (
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// EnvOptions returns ExporterOptions from the OpenTelemetry SDK's
// environment variables, so that a service configured for the SDK pushes
// where it did:
//
//	OTEL_EXPORTER_OTLP_METRICS_ENDPOINT  the full URL, used as it is
//	OTEL_EXPORTER_OTLP_ENDPOINT          a base URL; "/v1/metrics" is appended
//	OTEL_EXPORTER_OTLP_[METRICS_]HEADERS       key=value,… (values URL-encoded)
//	OTEL_EXPORTER_OTLP_[METRICS_]TIMEOUT       milliseconds per attempt
//	OTEL_EXPORTER_OTLP_[METRICS_]COMPRESSION   gzip or none
//	OTEL_EXPORTER_OTLP_[METRICS_]PROTOCOL      http/protobuf only (grpc and
//	                                           http/json are refused)
//	OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE  cumulative, delta or
//	                                           lowmemory (delta here)
//	OTEL_METRIC_EXPORT_INTERVAL          milliseconds between exports
//	OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES  the resource (key=value,…)
//
// The METRICS_ forms win over the general ones. Unset variables leave the
// defaults; a value that does not parse is an error naming the variable.
// getenv is os.Getenv when nil.
func EnvOptions(getenv func(string) string) (ExporterOptions, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	get := func(name string) (string, string) { // value, the variable it came from
		if v := strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_METRICS_" + name)); v != "" {
			return v, "OTEL_EXPORTER_OTLP_METRICS_" + name
		}
		return strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_" + name)), "OTEL_EXPORTER_OTLP_" + name
	}
	var o ExporterOptions
	if v := strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT")); v != "" {
		o.Endpoint = v
	} else if v := strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_ENDPOINT")); v != "" {
		o.Endpoint = strings.TrimSuffix(v, "/") + "/v1/metrics"
	}
	if v, name := get("HEADERS"); v != "" {
		h, err := pairs(v)
		if err != nil {
			return o, fmt.Errorf("otlp: %s: %w", name, err)
		}
		o.Headers = h
	}
	if v, name := get("TIMEOUT"); v != "" {
		d, err := millis(v)
		if err != nil {
			return o, fmt.Errorf("otlp: %s: %w", name, err)
		}
		o.Timeout = d
	}
	switch v, name := get("COMPRESSION"); v {
	case "", "gzip":
	case "none":
		o.NoCompression = true
	default:
		return o, fmt.Errorf("otlp: %s=%q: want gzip or none", name, v)
	}
	if v, name := get("PROTOCOL"); v != "" && v != "http/protobuf" {
		return o, fmt.Errorf("otlp: %s=%q: this exporter speaks http/protobuf only", name, v)
	}
	switch v := strings.ToLower(strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE"))); v {
	case "", "cumulative":
	case "delta", "lowmemory":
		o.Temporality = Delta
	default:
		return o, fmt.Errorf("otlp: OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=%q: want cumulative, delta or lowmemory", v)
	}
	if v := strings.TrimSpace(getenv("OTEL_METRIC_EXPORT_INTERVAL")); v != "" {
		d, err := millis(v)
		if err != nil {
			return o, fmt.Errorf("otlp: OTEL_METRIC_EXPORT_INTERVAL: %w", err)
		}
		o.Interval = d
	}
	if v := strings.TrimSpace(getenv("OTEL_RESOURCE_ATTRIBUTES")); v != "" {
		r, err := pairs(v)
		if err != nil {
			return o, fmt.Errorf("otlp: OTEL_RESOURCE_ATTRIBUTES: %w", err)
		}
		o.Resource = r
	}
	if v := strings.TrimSpace(getenv("OTEL_SERVICE_NAME")); v != "" {
		if o.Resource == nil {
			o.Resource = map[string]string{}
		}
		o.Resource["service.name"] = v
	}
	return o, nil
}

// pairs parses key=value,… with URL-encoded values (the W3C Baggage form
// the specification uses for headers and resource attributes).
func pairs(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, kv := range strings.Split(s, ",") {
		if strings.TrimSpace(kv) == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, fmt.Errorf("%q is not key=value", kv)
		}
		dv, err := url.PathUnescape(strings.TrimSpace(v))
		if err != nil {
			return nil, fmt.Errorf("value of %s: %w", k, err)
		}
		out[k] = dv
	}
	return out, nil
}

// millis parses a whole number of milliseconds, at least 1.
func millis(s string) (time.Duration, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q is not a positive number of milliseconds", s)
	}
	return time.Duration(n) * time.Millisecond, nil
}
