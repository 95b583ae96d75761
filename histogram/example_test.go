package histogram_test

import (
	"fmt"
	"time"

	"github.com/abacusgo/abacus/histogram"
)

func ExampleHistogram() {
	h := histogram.MustNew() // scale 6: quantiles within 0.55%
	for i := 1; i <= 1000; i++ {
		h.ObserveDuration(time.Duration(i) * time.Millisecond)
	}
	s := h.Snapshot()
	fmt.Printf("count %d, mean %.4fs, max %vs\n", s.Count(), s.Mean(), s.Max())
	fmt.Printf("p50 %.3fs, p99 %.3fs\n", s.Quantile(0.5), s.Quantile(0.99)) // true: 0.500, 0.990
	// Output:
	// count 1000, mean 0.5005s, max 1s
	// p50 0.497s, p99 0.995s
}

func ExampleMerge() {
	// Two nodes: one fast, one slow. The fleet's p99 is the p99 of the
	// merged histogram; averaging the nodes' p99s gives a number that no
	// request saw.
	fast, slow := histogram.MustNew(), histogram.MustNew()
	for range 990 {
		fast.Observe(0.010)
	}
	for range 10 {
		slow.Observe(2.0)
	}
	fs, ss := fast.Snapshot(), slow.Snapshot()
	fleet := histogram.Merge(fs, ss)
	fmt.Printf("fleet p99: %.3f s\n", fleet.Quantile(0.99))
	fmt.Printf("average of p99s: %.3f s (wrong)\n", (fs.Quantile(0.99)+ss.Quantile(0.99))/2)
	// Output:
	// fleet p99: 0.010 s
	// average of p99s: 1.005 s (wrong)
}

func ExampleHistogram_Interval() {
	// Reset-and-report: each interval holds what was recorded since the
	// last, with writers running; nothing is lost or counted twice.
	h := histogram.MustNew()
	h.Observe(0.1)
	h.Observe(0.2)
	first := h.Interval()
	h.Observe(0.3)
	second := h.Interval()
	fmt.Println(first.Count(), second.Count(), h.Interval().Count())
	// Output: 2 1 0
}

func ExampleWindow() {
	// The last 4–5 minutes: five one-minute slots; call Tick every minute
	// (or go w.Run(ctx, time.Minute)).
	w, err := histogram.NewWindow(5)
	if err != nil {
		panic(err)
	}
	w.ObserveDuration(120 * time.Millisecond)
	w.Tick()
	w.ObserveDuration(80 * time.Millisecond)
	fmt.Println(w.Snapshot().Count())
	// Output: 2
}

func ExampleSnapshot_Native() {
	h := histogram.MustNew(histogram.WithScale(0))
	h.Observe(1)
	h.Observe(3)
	h.Observe(3)
	n := h.Snapshot().Native()
	// Schema 0: 1 is in Prometheus bucket 0 (½, 1], 3 in bucket 2 (2, 4].
	fmt.Println(n.Schema, n.Count, n.PositiveSpans, n.PositiveDeltas)
	// Output: 0 3 [{0 3}] [1 -1 2]
}

func ExampleSnapshot_OTLP() {
	h := histogram.MustNew(histogram.WithScale(0))
	h.Observe(1)
	h.Observe(3)
	o := h.Snapshot().OTLP()
	// OpenTelemetry numbers the bucket (½, 1] -1: one less than Prometheus.
	fmt.Println(o.Scale, o.Positive.Offset, o.Positive.BucketCounts)
	// Output: 0 -1 [1 0 1]
}

func ExampleSnapshot_Classic() {
	h := histogram.MustNew()
	for _, v := range []float64{0.05, 0.2, 0.2, 0.7, 3} {
		h.Observe(v)
	}
	// Powers of two are bucket boundaries at every scale, so these classic
	// buckets are exact.
	buckets, err := h.Snapshot().Classic([]float64{0.125, 0.25, 0.5, 1})
	if err != nil {
		panic(err)
	}
	for _, b := range buckets {
		fmt.Printf("le=%v %d\n", b.UpperBound, b.Count)
	}
	// Output:
	// le=0.125 1
	// le=0.25 3
	// le=0.5 3
	// le=1 4
	// le=+Inf 5
}

func ExampleSnapshot_MarshalBinary() {
	h := histogram.MustNew()
	h.Observe(0.25)
	b, _ := h.Snapshot().MarshalBinary()
	var s histogram.Snapshot
	if err := s.UnmarshalBinary(b); err != nil {
		panic(err)
	}
	fmt.Println(len(b), s.Count(), s.Max())
	// Output: 44 1 0.25
}

func ExampleHistogram_ObserveWithExpected() {
	// A load generator meant to send a request every 10 ms saw one take 50
	// ms: the four requests it could not send meanwhile would have waited
	// 40, 30, 20 and 10 ms.
	h := histogram.MustNew()
	h.ObserveDurationWithExpected(50*time.Millisecond, 10*time.Millisecond)
	s := h.Snapshot()
	fmt.Printf("%d observations, sum %.2f s\n", s.Count(), s.Sum())
	// Output: 5 observations, sum 0.15 s
}
