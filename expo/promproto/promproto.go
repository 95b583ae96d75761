// Package promproto writes an abacus.Registry in the Prometheus protobuf
// exposition format: length-delimited io.prometheus.client.MetricFamily
// messages, the only format in which Prometheus scrapes native histograms.
// It is a separate package so that importing expo does not import protobuf.
//
// Histograms carry both forms: the native one (schema, zero bucket, spans
// and deltas, straight from the exponential buckets) and the classic
// cumulative buckets of the family's fixed layout. Observations a histogram
// refused (NaN, ±Inf) are in neither (see abacus_observations_rejected_total).
//
// Write encodes by hand, straight from Registry.Gather, allocating nothing
// per series; Gather builds the generated client_model types, which tests
// use as the reference for Write. All functions are safe for concurrent use.
package promproto

import (
	"net/http"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/expo"
)

// ContentType is the Content-Type of the format.
const ContentType = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited"

// Encoder is the format for expo.WithEncoder:
//
//	expo.Handler(reg, expo.WithEncoder(promproto.Encoder()))
func Encoder() expo.Encoder {
	return expo.Encoder{
		ContentType: ContentType,
		MediaType:   "application/vnd.google.protobuf",
		Params:      map[string]string{"proto": "io.prometheus.client.MetricFamily", "encoding": "delimited"},
		Write:       Write,
	}
}

// Handler is expo.Handler with the protobuf format added, so that a
// Prometheus with native histograms enabled gets them.
func Handler(r *abacus.Registry, opts ...expo.HandlerOption) http.Handler {
	return expo.Handler(r, append([]expo.HandlerOption{expo.WithEncoder(Encoder())}, opts...)...)
}
