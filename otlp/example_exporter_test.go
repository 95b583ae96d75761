//go:build !js

// The exporter's example starts an HTTP server, which js/wasm cannot.

package otlp_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/otlp"
)

func ExampleExporter() {
	// a stand-in for an OpenTelemetry Collector's OTLP/HTTP receiver
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println(r.Method, r.URL.Path, r.Header.Get("Content-Type"), r.Header.Get("Content-Encoding"))
	}))
	defer srv.Close()

	reg := abacus.NewRegistry()
	jobs, _ := reg.Counter(abacus.Opts{Name: "jobs_total", Help: "Jobs done."})
	jobs.Add(3)
	x, err := otlp.NewExporter(reg, otlp.ExporterOptions{
		Endpoint: srv.URL + "/v1/metrics",
		Options:  otlp.Options{Resource: map[string]string{"service.name": "worker"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := x.Flush(context.Background()); err != nil { // Run does this every Interval
		fmt.Println(err)
	}
	fmt.Println(x.Stats().Requests, "request delivered")
	// Output:
	// POST /v1/metrics application/x-protobuf gzip
	// 1 request delivered
}
