package bench

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/expo"
	"github.com/abacusgo/abacus/expo/promproto"
	"github.com/abacusgo/abacus/histogram"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// histogramRegistries returns the 1,000 histograms of the exposition
// benchmarks, the same observations in each library at its default layout.
func abacusHistograms(n int, ttl time.Duration) *abacus.Registry {
	values := lognormal(1000, 9)
	r := abacus.NewRegistry(abacus.WithCardinalityLimit(n))
	hv := abacus.Must(r.HistogramVec(abacus.HistogramOpts{Opts: abacus.Opts{Name: "lat_seconds", Help: "Latency.", TTL: ttl}}, "route"))
	for i := range n {
		h := hv.With("/r/" + strconv.Itoa(i))
		for _, v := range values {
			h.Observe(v)
		}
	}
	return r
}

func clientGolangHistograms(n int) *prometheus.Registry {
	return clientGolangHistogramsWith(n, prometheus.HistogramOpts{Name: "lat_seconds", Help: "Latency."})
}

// clientGolangNative is client_golang with native histograms at Abacus's
// default scale (schema 6: a bucket factor of 2^(2^-6) ≈ 1.0109), no
// bucket limit, and so no classic buckets: the same information as
// Abacus's native histogram.
func clientGolangNative(n int) *prometheus.Registry {
	return clientGolangHistogramsWith(n, prometheus.HistogramOpts{Name: "lat_seconds", Help: "Latency.", NativeHistogramBucketFactor: 1.011})
}

func clientGolangHistogramsWith(n int, o prometheus.HistogramOpts) *prometheus.Registry {
	values := lognormal(1000, 9)
	reg := prometheus.NewRegistry()
	hv := prometheus.NewHistogramVec(o, []string{"route"})
	reg.MustRegister(hv)
	for i := range n {
		h := hv.WithLabelValues("/r/" + strconv.Itoa(i))
		for _, v := range values {
			h.Observe(v)
		}
	}
	return reg
}

// BenchmarkExposeHistogramsProtobuf: the 1,000 histograms of
// BenchmarkExposeHistograms through each library's protobuf writer. Abacus
// writes each as a native histogram (every non-empty exponential bucket)
// and its 15 classic buckets; client_golang its 11 classic buckets.
func BenchmarkExposeHistogramsProtobuf(b *testing.B) {
	const n = 1000
	b.Run("impl=abacus", func(b *testing.B) {
		r := abacusHistograms(n, 0)
		b.ReportAllocs()
		for b.Loop() {
			if err := promproto.Write(io.Discard, r); err != nil {
				b.Fatal(err)
			}
		}
	})
	for name, reg := range map[string]func(int) *prometheus.Registry{"client_golang": clientGolangHistograms, "client_golang_native": clientGolangNative} {
		b.Run("impl="+name, func(b *testing.B) {
			h := promhttp.HandlerFor(reg(n), promhttp.HandlerOpts{})
			req := httptest.NewRequest("GET", "/metrics", nil)
			req.Header.Set("Accept", promproto.ContentType)
			b.ReportAllocs()
			for b.Loop() {
				w := &discardResponse{h: http.Header{}}
				h.ServeHTTP(w, req)
			}
		})
	}
}

// BenchmarkExposeTTL: one text scrape of 2,000 histogram series, with and
// without a TTL (which sweeps the family at every scrape).
func BenchmarkExposeTTL(b *testing.B) {
	for _, ttl := range []time.Duration{0, time.Hour} {
		b.Run("ttl="+ttl.String(), func(b *testing.B) {
			r := abacusHistograms(2000, ttl)
			b.ReportAllocs()
			for b.Loop() {
				if err := expo.WriteText(io.Discard, r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestHistogramExpositionsAgree: the histogram benchmarks write every
// series, and how many classic buckets each library writes per series.
func TestHistogramExpositionsAgree(t *testing.T) {
	var a bytes.Buffer
	if err := expo.WriteText(&a, abacusHistograms(1000, 0)); err != nil {
		t.Fatal(err)
	}
	mfs, err := clientGolangHistograms(1000).Gather()
	if err != nil {
		t.Fatal(err)
	}
	buckets := bytes.Count(a.Bytes(), []byte("\nlat_seconds_bucket{"))
	counts := bytes.Count(a.Bytes(), []byte("\nlat_seconds_count{"))
	if counts != 1000 || buckets != 1000*(len(abacus.DefaultBuckets())+1) {
		t.Fatalf("abacus wrote %d histograms with %d buckets", counts, buckets)
	}
	if n := len(mfs[0].GetMetric()); n != 1000 || len(mfs[0].GetMetric()[0].GetHistogram().GetBucket()) != len(prometheus.DefBuckets) {
		t.Fatalf("client_golang: %d histograms", n)
	}
	nat, err := clientGolangNative(1).Gather()
	if err != nil {
		t.Fatal(err)
	}
	if s := nat[0].GetMetric()[0].GetHistogram().GetSchema(); s != 6 {
		t.Fatalf("client_golang's native schema %d; want 6, Abacus's default", s)
	}
	t.Logf("classic buckets per series, +Inf included: abacus %d, client_golang %d", len(abacus.DefaultBuckets())+1, len(prometheus.DefBuckets)+1)
}

// BenchmarkHistogramBucketRead: only the part of BenchmarkExposeHistograms
// that reads the exponential buckets: every series' classic counts
// through Gather, nothing written.
func BenchmarkHistogramBucketRead(b *testing.B) {
	r := abacusHistograms(1000, 0)
	var buf []histogram.ClassicBucket
	b.ReportAllocs()
	for b.Loop() {
		for f, series := range r.Gather() {
			if f.Type() != abacus.TypeHistogram {
				continue
			}
			for s := range series {
				buf, _ = s.Histogram.Classic(buf[:0])
			}
		}
	}
}
