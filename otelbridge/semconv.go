package otelbridge

import "maps"

// The attribute keys of the HTTP instruments of the OpenTelemetry semantic
// conventions (v1.43, as go.opentelemetry.io/otel/semconv/v1.43.0/httpconv
// lists them, the version otelhttp v0.72.0 records), required, conditionally
// required and recommended ones alike. otelhttp records a subset of them;
// the others stay "" (absent in Prometheus) until something records them.
var (
	httpServerKeys = []string{
		"error.type",
		"http.request.method",
		"http.response.status_code",
		"http.route",
		"network.protocol.name",
		"network.protocol.version",
		"server.address",
		"server.port",
		"url.scheme",
		"user_agent.synthetic.type",
	}
	httpServerActiveKeys = []string{
		"http.request.method",
		"server.address",
		"server.port",
		"url.scheme",
	}
	httpClientKeys = []string{
		"error.type",
		"http.request.method",
		"http.response.status_code",
		"network.protocol.name",
		"network.protocol.version",
		"server.address",
		"server.port",
		"url.scheme",
		"url.template",
	}
	httpClientActiveKeys = []string{
		"http.request.method",
		"server.address",
		"server.port",
		"url.scheme",
		"url.template",
	}
	httpClientConnectionKeys = []string{
		"network.peer.address",
		"network.protocol.version",
		"server.address",
		"server.port",
		"url.scheme",
	}
	httpClientOpenConnectionKeys = []string{
		"http.connection.state",
		"network.peer.address",
		"network.protocol.version",
		"server.address",
		"server.port",
		"url.scheme",
	}
)

// builtinKeys are the attribute keys declared for instruments by name
// unless WithAttributeKeys declares others.
var builtinKeys = map[string][]string{
	"http.server.request.duration":    httpServerKeys,
	"http.server.request.body.size":   httpServerKeys,
	"http.server.response.body.size":  httpServerKeys,
	"http.server.active_requests":     httpServerActiveKeys,
	"http.client.request.duration":    httpClientKeys,
	"http.client.request.body.size":   httpClientKeys,
	"http.client.response.body.size":  httpClientKeys,
	"http.client.active_requests":     httpClientActiveKeys,
	"http.client.connection.duration": httpClientConnectionKeys,
	"http.client.open_connections":    httpClientOpenConnectionKeys,
}

// BuiltinAttributeKeys returns the attribute keys a MeterProvider declares
// for instruments by name unless WithAttributeKeys declares others: those
// of the HTTP server and client instruments of the OpenTelemetry semantic
// conventions, which otelhttp records. The map is a new copy at each call,
// the caller's to change; BuiltinAttributeKeys is safe for concurrent use.
func BuiltinAttributeKeys() map[string][]string {
	m := maps.Clone(builtinKeys)
	for k, v := range m {
		m[k] = append([]string(nil), v...)
	}
	return m
}
