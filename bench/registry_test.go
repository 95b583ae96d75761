package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"testing"

	vm "github.com/VictoriaMetrics/metrics"
	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/expo"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel/attribute"
	otelmetric "go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// labelSets are the (method, code) pairs the labeled benchmarks cycle
// through: 16 series, a power of two so that picking the next costs a mask,
// not a division.
var labelSets = func() [][2]string {
	var out [][2]string
	for _, m := range []string{"GET", "POST", "PUT", "DELETE"} {
		for _, c := range []string{"200", "404", "500", "503"} {
			out = append(out, [2]string{m, c})
		}
	}
	return out
}()

// localLabels returns the label values as arrays local to a goroutine, so
// that every library is handed its values the way request code has them at
// hand, and the benchmark loop itself costs little.
func localLabels() (methods, codes [16]string) {
	for i, l := range labelSets {
		methods[i], codes[i] = l[0], l[1]
	}
	return methods, codes
}

// BenchmarkLabeledInc: find the series of two label values and increment it,
// the way request-handling code does on every request.
func BenchmarkLabeledInc(b *testing.B) {
	b.Run("impl=abacus", func(b *testing.B) {
		r := abacus.NewRegistry()
		cv := abacus.Must(r.CounterVec(abacus.Opts{Name: "req_total"}, "method", "code"))
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			m, c := localLabels()
			for i := 0; pb.Next(); i++ {
				cv.With(m[i&15], c[i&15]).Inc()
			}
		})
	})
	b.Run("impl=client_golang", func(b *testing.B) {
		cv := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "req_total", Help: "h"}, []string{"method", "code"})
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			m, c := localLabels()
			for i := 0; pb.Next(); i++ {
				cv.WithLabelValues(m[i&15], c[i&15]).Inc()
			}
		})
	})
	b.Run("impl=victoriametrics", func(b *testing.B) {
		s := vm.NewSet()
		names := make([]string, len(labelSets))
		for i, l := range labelSets {
			names[i] = fmt.Sprintf(`req_total{method=%q,code=%q}`, l[0], l[1]) // built once: VM keys series by the full name
		}
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			local := names // the full names, built once: VM's keys
			for i := 0; pb.Next(); i++ {
				s.GetOrCreateCounter(local[i&15]).Inc()
			}
		})
	})
	b.Run("impl=otel", func(b *testing.B) {
		mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
		c, _ := mp.Meter("bench").Int64Counter("req_total")
		opts := make([]otelmetric.AddOption, len(labelSets))
		for i, l := range labelSets {
			opts[i] = otelmetric.WithAttributes(attribute.String("method", l[0]), attribute.String("code", l[1]))
		}
		ctx := context.Background()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			local := opts // attribute sets built once, as OTel recommends
			for i := 0; pb.Next(); i++ {
				c.Add(ctx, 1, local[i&15])
			}
		})
	})
}

// seriesNames returns n distinct (route, code) pairs.
func seriesNames(n int) [][2]string {
	out := make([][2]string, n)
	for i := range out {
		out[i] = [2]string{"/api/v1/item/" + strconv.Itoa(i/5), strconv.Itoa(200 + i%5)}
	}
	return out
}

// BenchmarkExposeCounters: one scrape of 10,000 counter series (one family,
// two labels), written to a discarding writer.
func BenchmarkExposeCounters(b *testing.B) {
	const n = 10000
	sets := seriesNames(n)
	b.Run("impl=abacus", func(b *testing.B) {
		r := abacus.NewRegistry(abacus.WithCardinalityLimit(n))
		cv := abacus.Must(r.CounterVec(abacus.Opts{Name: "req_total", Help: "Requests."}, "route", "code"))
		for i, l := range sets {
			cv.With(l[0], l[1]).Add(uint64(i))
		}
		b.ReportAllocs()
		for b.Loop() {
			if err := expo.WriteText(io.Discard, r); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=client_golang", func(b *testing.B) {
		reg := prometheus.NewRegistry()
		cv := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "req_total", Help: "Requests."}, []string{"route", "code"})
		reg.MustRegister(cv)
		for i, l := range sets {
			cv.WithLabelValues(l[0], l[1]).Add(float64(i))
		}
		scrape(b, promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	})
	b.Run("impl=victoriametrics", func(b *testing.B) {
		s := vm.NewSet()
		for i, l := range sets {
			s.NewCounter(fmt.Sprintf(`req_total{route=%q,code=%q}`, l[0], l[1])).Add(i)
		}
		b.ReportAllocs()
		for b.Loop() {
			s.WritePrometheus(io.Discard)
		}
	})
}

// scrape times a handler's response to a plain GET (no gzip).
func scrape(b *testing.B, h http.Handler) {
	req := httptest.NewRequest("GET", "/metrics", nil)
	b.ReportAllocs()
	for b.Loop() {
		w := &discardResponse{h: http.Header{}}
		h.ServeHTTP(w, req)
	}
}

type discardResponse struct{ h http.Header }

func (d *discardResponse) Header() http.Header         { return d.h }
func (d *discardResponse) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardResponse) WriteHeader(int)             {}

// BenchmarkExposeHistograms: one scrape of 1,000 histograms (one family, one
// label), each holding 1,000 lognormal latencies.
func BenchmarkExposeHistograms(b *testing.B) {
	const n = 1000
	values := lognormal(1000, 9)
	b.Run("impl=abacus", func(b *testing.B) {
		r := abacus.NewRegistry()
		hv := abacus.Must(r.HistogramVec(abacus.HistogramOpts{Opts: abacus.Opts{Name: "lat_seconds", Help: "Latency."}}, "route"))
		for i := range n {
			h := hv.With("/r/" + strconv.Itoa(i))
			for _, v := range values {
				h.Observe(v)
			}
		}
		b.ReportAllocs()
		for b.Loop() {
			if err := expo.WriteText(io.Discard, r); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=client_golang", func(b *testing.B) {
		reg := prometheus.NewRegistry()
		hv := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "lat_seconds", Help: "Latency."}, []string{"route"})
		reg.MustRegister(hv)
		for i := range n {
			h := hv.WithLabelValues("/r/" + strconv.Itoa(i))
			for _, v := range values {
				h.Observe(v)
			}
		}
		scrape(b, promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	})
	b.Run("impl=victoriametrics", func(b *testing.B) {
		s := vm.NewSet()
		for i := range n {
			h := s.NewHistogram(fmt.Sprintf(`lat_seconds{route="/r/%d"}`, i))
			for _, v := range values {
				h.Update(v)
			}
		}
		b.ReportAllocs()
		for b.Loop() {
			s.WritePrometheus(io.Discard)
		}
	})
}

// BenchmarkSeriesMemory reports heap bytes per labelled counter series, for
// 100,000 series of two labels. Run with -benchtime=1x.
func BenchmarkSeriesMemory(b *testing.B) {
	const n = 100_000
	sets := seriesNames(n)
	measure := func(b *testing.B, fill func() any) {
		var per float64
		for b.Loop() {
			before := heapBytes()
			keep := fill()
			after := heapBytes()
			runtime.KeepAlive(keep)
			per = float64(after-before) / n
		}
		b.ReportMetric(per, "B/series")
	}
	b.Run("impl=abacus", func(b *testing.B) {
		measure(b, func() any {
			r := abacus.NewRegistry(abacus.WithCardinalityLimit(n))
			cv := abacus.Must(r.CounterVec(abacus.Opts{Name: "req_total"}, "route", "code"))
			for _, l := range sets {
				cv.With(l[0], l[1]).Inc()
			}
			return r
		})
	})
	b.Run("impl=client_golang", func(b *testing.B) {
		measure(b, func() any {
			cv := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "req_total", Help: "h"}, []string{"route", "code"})
			for _, l := range sets {
				cv.WithLabelValues(l[0], l[1]).Inc()
			}
			return cv
		})
	})
	b.Run("impl=victoriametrics", func(b *testing.B) {
		measure(b, func() any {
			s := vm.NewSet()
			for _, l := range sets {
				s.GetOrCreateCounter(`req_total{route="` + l[0] + `",code="` + l[1] + `"}`).Inc()
			}
			return s
		})
	})
}

// TestExpositionsAgree checks the exposition benchmarks measure equal
// work: every library writes all 10,000 series.
func TestExpositionsAgree(t *testing.T) {
	sets := seriesNames(10000)
	r := abacus.NewRegistry(abacus.WithCardinalityLimit(10000), abacus.WithoutMetaMetrics())
	cv := abacus.Must(r.CounterVec(abacus.Opts{Name: "req_total", Help: "Requests."}, "route", "code"))
	for _, l := range sets {
		cv.With(l[0], l[1]).Inc()
	}
	var b bytes.Buffer
	if err := expo.WriteText(&b, r); err != nil {
		t.Fatal(err)
	}
	if lines := bytes.Count(b.Bytes(), []byte("\nreq_total{")); lines != 10000 {
		t.Fatalf("abacus wrote %d series", lines)
	}
}
