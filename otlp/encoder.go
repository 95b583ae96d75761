package otlp

import (
	"encoding/hex"
	"iter"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/histogram"
	"google.golang.org/protobuf/encoding/protowire"
)

// Temporality is how an Encoder reports sums and histograms.
type Temporality uint8

const (
	// Cumulative reports totals since each series started (OTLP's
	// AGGREGATION_TEMPORALITY_CUMULATIVE), as the Prometheus formats do.
	Cumulative Temporality = iota
	// Delta reports what changed since the Encoder's previous request for
	// that series (AGGREGATION_TEMPORALITY_DELTA). See Encoder.
	Delta
)

func (t Temporality) String() string {
	if t == Delta {
		return "delta"
	}
	return "cumulative"
}

// ScopeName is the instrumentation scope of the metrics an Encoder writes
// unless Options.ScopeName says otherwise.
const ScopeName = "github.com/abacusgo/abacus"

// Options configure an Encoder. The zero value encodes every family
// cumulatively, histograms as exponential histograms, under a resource
// whose service.name is "unknown_service:" and the executable's name.
type Options struct {
	// Resource holds the resource attributes, such as service.name and
	// service.instance.id. Absent service.name is set as above.
	Resource map[string]string
	// ScopeName and ScopeVersion name the instrumentation scope; the
	// default name is ScopeName.
	ScopeName, ScopeVersion string
	// Temporality of counters and histograms; gauges, non-monotonic sums
	// and summaries are always reported as they are.
	Temporality Temporality
	// ClassicHistograms writes histogram families as OTLP Histograms with
	// the family's classic bucket bounds (Family.Buckets) instead of
	// ExponentialHistograms with the exponential buckets.
	ClassicHistograms bool
	// Name returns the OTLP metric name of a family. Nil keeps the
	// Prometheus name unaltered, as the compatibility specification says
	// by default.
	Name func(*abacus.Family) string
	// NonMonotonic reports the gauge families to write as non-monotonic
	// cumulative Sums (an OpenTelemetry UpDownCounter's form) instead of
	// Gauges. Nil writes every gauge as a Gauge.
	NonMonotonic func(*abacus.Family) bool
	// Now is the clock of the data points' timestamps; nil means time.Now.
	Now func() time.Time
}

// An Encoder turns a registry into OTLP ExportMetricsServiceRequest
// messages (protobuf), read through Registry.Gather. It encodes by hand,
// into the caller's buffer, and its output decodes with the generated
// types of go.opentelemetry.io/proto/slim/otlp.
//
// Every family becomes one Metric, every series one data point:
//   - counters: monotonic Sums;
//   - gauges: Gauges (or non-monotonic cumulative Sums, see
//     Options.NonMonotonic);
//   - histograms: ExponentialHistograms with the histogram's own buckets,
//     scale and zero bucket (nothing is re-bucketed), count, sum, min and
//     max; or Histograms with the classic bounds (Options.ClassicHistograms),
//     which carry no min or max (the classic read has none);
//   - summaries: Summaries with their quantiles, count and sum.
//
// Values are written as doubles. Labels become string attributes, the
// constant labels included; a label with an empty value is absent, as in
// Prometheus. The metric's description is the family's help, its unit the
// family's unit in UCUM (OTelUnit), and its metadata carries
// prometheus.type. A receiver that builds Prometheus names from OTLP, as
// Prometheus 3 does, gives back the family's own name, except that it
// appends a per-unit again: a gauge it_throughput_bytes_per_second in
// bytes_per_second (By/s) is stored there as
// it_throughput_bytes_per_second_per_second (see PrometheusName; Options.Name
// can send a name without the suffix). Exemplars keep their value and time; labels trace_id and
// span_id holding 32 and 16 hex digits become the exemplar's trace and span
// IDs, and the other labels its filtered attributes. A data point's start
// time is the series' creation time, or the Encoder's creation for series
// whose start is not known.
//
// With Delta temporality the Encoder keeps, per series, what it reported
// last and subtracts it from the cumulative value it reads now, so the
// deltas it hands out add up exactly to the cumulative totals (for counts,
// and for integral counter values below 2^53), however writers interleave
// with reads, and without resetting anything that other readers see (no
// Drain, no Interval). Each delta point starts where that series' previous
// one ended. A value that went down (a series deleted and created again)
// starts a new series: its delta is its whole value, as does a series
// whose creation time changed. Delta exponential
// histograms carry no min or max (the cumulative extremes say nothing of
// one interval), and their exemplars are those recorded since the previous
// request. Series that disappear are forgotten at the next Append.
//
// Append is safe for concurrent use; calls are serialised, since with Delta
// temporality each one advances the Encoder's state.
type Encoder struct {
	reg      *abacus.Registry
	o        Options
	resource []abacus.Label // sorted by name
	start    int64

	mu      sync.Mutex
	gen     uint64
	prev    map[*abacus.Family]map[string]*last
	w       buf
	exems   []*abacus.Exemplar
	classic []histogram.ClassicBucket
	counts  []uint64
	bounds  []float64
}

// last is what an Encoder reported of one series.
type last struct {
	gen     uint64 // the Append that saw the series last
	created int64  // the series' creation time then
	at      int64  // when the reported value was read
	value   float64
	snap    *histogram.Snapshot // exponential histograms
	count   uint64              // classic histograms
	sum     float64
	cum     []uint64 // classic cumulative bucket counts
}

// NewEncoder returns an Encoder of reg's families.
func NewEncoder(reg *abacus.Registry, o Options) *Encoder {
	if reg == nil {
		panic("otlp: NewEncoder needs a registry")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.ScopeName == "" {
		o.ScopeName = ScopeName
	}
	res := make([]abacus.Label, 0, len(o.Resource)+1)
	for k, v := range o.Resource {
		res = append(res, abacus.Label{Name: k, Value: v})
	}
	if _, ok := o.Resource["service.name"]; !ok {
		res = append(res, abacus.Label{Name: "service.name", Value: "unknown_service:" + executable()})
	}
	slices.SortFunc(res, func(a, b abacus.Label) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	return &Encoder{reg: reg, o: o, resource: res, start: o.Now().UnixNano(),
		prev: map[*abacus.Family]map[string]*last{}}
}

func executable() string {
	p, err := os.Executable()
	if err != nil {
		return "go"
	}
	return filepath.Base(p)
}

// Temporality returns the Encoder's temporality.
func (e *Encoder) Temporality() Temporality { return e.o.Temporality }

// Append appends to dst one ExportMetricsServiceRequest holding every
// series of the registry, read now, and returns it with the number of
// data points in it. It allocates nothing per counter or gauge series once
// its buffers have grown (Delta temporality keeps one small record per
// series); a histogram series costs a snapshot.
func (e *Encoder) Append(dst []byte) ([]byte, int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.gen++
	now := e.o.Now().UnixNano()
	e.w.b = dst
	rm := e.w.open(reqResourceMetrics)
	r := e.w.open(rmResource)
	for _, l := range e.resource {
		e.w.attr(resAttributes, l.Name, l.Value)
	}
	e.w.close(r)
	sm := e.w.open(rmScopeMetrics)
	sc := e.w.open(smScope)
	e.w.str(scopeName, e.o.ScopeName)
	if e.o.ScopeVersion != "" {
		e.w.str(scopeVersion, e.o.ScopeVersion)
	}
	e.w.close(sc)
	points := 0
	for f, series := range e.reg.Gather() {
		points += e.family(f, series, now)
	}
	e.w.close(sm)
	e.w.close(rm)
	e.forget()
	out := e.w.b
	e.w.b = nil
	return out, points
}

// forget drops the delta state of series the last Append did not see.
func (e *Encoder) forget() {
	if e.o.Temporality != Delta {
		return
	}
	for f, m := range e.prev {
		for k, l := range m {
			if l.gen != e.gen {
				delete(m, k)
			}
		}
		if len(m) == 0 {
			delete(e.prev, f)
		}
	}
}

func (e *Encoder) name(f *abacus.Family) string {
	if e.o.Name != nil {
		return e.o.Name(f)
	}
	return f.Name()
}

// family writes one Metric and returns its number of points.
func (e *Encoder) family(f *abacus.Family, series iter.Seq[*abacus.Series], now int64) int {
	w := &e.w
	m := w.open(reqMetric)
	w.str(metName, e.name(f))
	if f.Help() != "" {
		w.str(metDescription, f.Help())
	}
	if u := OTelUnit(f.Unit()); u != "" {
		w.str(metUnit, u)
	}
	n := 0
	switch f.Type() {
	case abacus.TypeCounter:
		d := w.open(metSum)
		for s := range series {
			n++
			e.counter(f, s, now)
		}
		w.varint(aggTemporality, e.temporality())
		w.varint(sumIsMonotonic, 1)
		w.close(d)
	case abacus.TypeGauge:
		sum := e.o.NonMonotonic != nil && e.o.NonMonotonic(f)
		field := protowire.Number(metGauge)
		if sum {
			field = metSum
		}
		d := w.open(field)
		for s := range series {
			n++
			p := w.open(dataPoints)
			e.attributes(ndpAttributes, s)
			if sum {
				w.fixed64(ndpStart, uint64(e.created(s)))
			}
			w.fixed64(ndpTime, uint64(now))
			w.double(ndpDouble, s.Value)
			w.close(p)
		}
		if sum {
			w.varint(aggTemporality, temporalityCumulate)
		}
		w.close(d)
	case abacus.TypeHistogram:
		if e.o.ClassicHistograms {
			d := w.open(metHistogram)
			for s := range series {
				n++
				e.classicPoint(f, s, now)
			}
			w.varint(aggTemporality, e.temporality())
			w.close(d)
		} else {
			d := w.open(metExpHistogram)
			for s := range series {
				n++
				e.exponentialPoint(f, s, now)
			}
			w.varint(aggTemporality, e.temporality())
			w.close(d)
		}
	case abacus.TypeSummary:
		d := w.open(metSummary)
		for s := range series {
			n++
			e.summaryPoint(s, now)
		}
		w.close(d)
	}
	md := w.open(metMetadata)
	w.str(kvKey, "prometheus.type")
	v := w.open(kvValue)
	w.str(anyString, f.Type().String())
	w.close(v)
	w.close(md)
	w.close(m)
	return n
}

// reqMetric is ScopeMetrics.metrics, the field a Metric is written in.
const reqMetric = smMetrics

func (e *Encoder) temporality() uint64 {
	if e.o.Temporality == Delta {
		return temporalityDelta
	}
	return temporalityCumulate
}

// created returns a series' start time: its creation, or the Encoder's.
func (e *Encoder) created(s *abacus.Series) int64 {
	if s.Created > 0 {
		return s.Created
	}
	return e.start
}

// delta returns the state of a series for Delta temporality, creating it;
// fresh is true when there was none.
func (e *Encoder) delta(f *abacus.Family, s *abacus.Series) (l *last, fresh bool) {
	m := e.prev[f]
	if m == nil {
		m = map[string]*last{}
		e.prev[f] = m
	}
	key := s.Labels.String()
	l = m[key]
	if l == nil {
		l = &last{}
		m[key] = l
		fresh = true
	}
	l.gen = e.gen
	if l.created != s.Created { // deleted and created again since
		l.created = s.Created
		fresh = true
	}
	return l, fresh
}

func (e *Encoder) attributes(field protowire.Number, s *abacus.Series) {
	for k, v := range s.Labels.All() {
		if v != "" {
			e.w.attr(field, k, v)
		}
	}
}

func (e *Encoder) counter(f *abacus.Family, s *abacus.Series, now int64) {
	w := &e.w
	p := w.open(dataPoints)
	e.attributes(ndpAttributes, s)
	start, v, since := e.created(s), s.Value, int64(0)
	if e.o.Temporality == Delta {
		l, fresh := e.delta(f, s)
		if !fresh && v >= l.value {
			start, v, since = l.at, v-l.value, l.at
		}
		l.value, l.at = s.Value, now
	}
	w.fixed64(ndpStart, uint64(start))
	w.fixed64(ndpTime, uint64(now))
	w.double(ndpDouble, v)
	if x := s.Exemplar; x != nil && x.Time.UnixNano() > since {
		e.exemplar(ndpExemplars, x)
	}
	w.close(p)
}

func (e *Encoder) summaryPoint(s *abacus.Series, now int64) {
	w := &e.w
	p := w.open(dataPoints)
	e.attributes(sdpAttributes, s)
	w.fixed64(sdpStart, uint64(e.created(s)))
	w.fixed64(sdpTime, uint64(now))
	if sum := s.Summary; sum != nil {
		w.fixed64(sdpCount, sum.Count)
		w.double(sdpSum, sum.Sum)
		for _, q := range sum.Quantiles {
			v := w.open(sdpQuantiles)
			w.double(vaqQuantile, q.Q)
			w.double(vaqValue, q.Value)
			w.close(v)
		}
	}
	w.close(p)
}

// exemplars writes the histogram exemplars recorded after since.
func (e *Encoder) exemplars(field protowire.Number, s *abacus.Series, since int64) {
	e.exems = s.Histogram.Exemplars(e.exems[:0])
	for _, x := range e.exems {
		if x.Time.UnixNano() > since {
			e.exemplar(field, x)
		}
	}
	clear(e.exems)
}

func (e *Encoder) exemplar(field protowire.Number, x *abacus.Exemplar) {
	w := &e.w
	m := w.open(field)
	w.fixed64(exTime, uint64(x.Time.UnixNano()))
	w.double(exDouble, x.Value)
	for _, l := range x.Labels {
		switch {
		case l.Name == "trace_id" && len(l.Value) == 32 && isHex(l.Value):
			var id [16]byte
			hex.Decode(id[:], []byte(l.Value))
			w.bytes(exTraceID, id[:])
		case l.Name == "span_id" && len(l.Value) == 16 && isHex(l.Value):
			var id [8]byte
			hex.Decode(id[:], []byte(l.Value))
			w.bytes(exSpanID, id[:])
		default:
			w.attr(exAttributes, l.Name, l.Value)
		}
	}
	w.close(m)
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// classicPoint writes a HistogramDataPoint from the classic buckets.
func (e *Encoder) classicPoint(f *abacus.Family, s *abacus.Series, now int64) {
	w := &e.w
	var sum float64
	e.classic, sum = s.Histogram.Classic(e.classic[:0])
	count := e.classic[len(e.classic)-1].Count
	e.bounds = e.bounds[:0]
	e.counts = e.counts[:0]
	for _, b := range e.classic {
		if !math.IsInf(b.UpperBound, 1) {
			e.bounds = append(e.bounds, b.UpperBound)
		}
		e.counts = append(e.counts, b.Count) // cumulative for now
	}
	start, since := e.created(s), int64(0)
	dcount, dsum := count, sum
	if e.o.Temporality == Delta {
		l, fresh := e.delta(f, s)
		if !fresh && count >= l.count && len(l.cum) == len(e.counts) && !below(e.counts, l.cum) {
			start, since = l.at, l.at
			dcount, dsum = count-l.count, sum-l.sum
			l.cum, e.counts = swapSub(l.cum, e.counts)
		} else {
			l.cum = append(l.cum[:0], e.counts...)
		}
		l.count, l.sum, l.at = count, sum, now
	}
	// cumulative to per-bucket counts
	for i := len(e.counts) - 1; i > 0; i-- {
		e.counts[i] -= e.counts[i-1]
	}
	p := w.open(dataPoints)
	e.attributes(hdpAttributes, s)
	w.fixed64(hdpStart, uint64(start))
	w.fixed64(hdpTime, uint64(now))
	w.fixed64(hdpCount, dcount)
	w.double(hdpSum, dsum)
	w.packedFixed64(hdpBucketCounts, e.counts)
	w.packedDouble(hdpBounds, e.bounds)
	e.exemplars(hdpExems, s, since)
	w.close(p)
}

// below reports whether any count of a is below b's.
func below(a, b []uint64) bool {
	for i := range a {
		if a[i] < b[i] {
			return true
		}
	}
	return false
}

// swapSub stores cur into prev's storage and returns it with cur turned
// into cur - prev, element by element.
func swapSub(prev, cur []uint64) ([]uint64, []uint64) {
	for i := range cur {
		cur[i], prev[i] = cur[i]-prev[i], cur[i]
	}
	return prev, cur
}

// exponentialPoint writes an ExponentialHistogramDataPoint.
func (e *Encoder) exponentialPoint(f *abacus.Family, s *abacus.Series, now int64) {
	w := &e.w
	snap := s.Histogram.Snapshot()
	o := snap.OTLP()
	start, since, extremes := e.created(s), int64(0), true
	if e.o.Temporality == Delta {
		l, fresh := e.delta(f, s)
		if !fresh {
			if d, ok := subtract(snap, l.snap); ok {
				o, start, since, extremes = d, l.at, l.at, false
			}
		}
		l.snap, l.at = snap, now
	}
	p := w.open(dataPoints)
	e.attributes(edpAttributes, s)
	w.fixed64(edpStart, uint64(start))
	w.fixed64(edpTime, uint64(now))
	w.fixed64(edpCount, o.Count)
	w.double(edpSum, o.Sum)
	w.sint(edpScale, int64(o.Scale))
	w.fixed64(edpZero, o.ZeroCount)
	for i, b := range [2]histogram.OTLPBuckets{o.Positive, o.Negative} {
		if len(b.BucketCounts) == 0 {
			continue
		}
		m := w.open([2]protowire.Number{edpPositive, edpNegative}[i])
		w.sint(bucketsOffset, int64(b.Offset))
		w.packedUvarint(bucketsCounts, b.BucketCounts)
		w.close(m)
	}
	if extremes && o.Count > 0 {
		w.double(edpMin, o.Min)
		w.double(edpMax, o.Max)
	}
	w.double(edpZeroThreshold, o.ZeroThreshold)
	e.exemplars(edpExems, s, since)
	w.close(p)
}

// subtract returns cur - prev as OTLP buckets, at the coarser of their
// scales; ok is false when cur is not a continuation of prev (a count went
// down, or the zero bucket changed width).
func subtract(cur, prev *histogram.Snapshot) (histogram.OTLP, bool) {
	if prev == nil || cur.ZeroThreshold() != prev.ZeroThreshold() {
		return histogram.OTLP{}, false
	}
	var err error
	if prev.Scale() > cur.Scale() {
		prev, err = prev.Downscale(cur.Scale())
	} else if cur.Scale() > prev.Scale() {
		cur, err = cur.Downscale(prev.Scale())
	}
	if err != nil {
		return histogram.OTLP{}, false
	}
	c, p := cur.OTLP(), prev.OTLP()
	if c.Count < p.Count || c.ZeroCount < p.ZeroCount {
		return histogram.OTLP{}, false
	}
	pos, ok1 := subBuckets(c.Positive, p.Positive)
	neg, ok2 := subBuckets(c.Negative, p.Negative)
	if !ok1 || !ok2 {
		return histogram.OTLP{}, false
	}
	return histogram.OTLP{
		Scale: c.Scale, Count: c.Count - p.Count, Sum: c.Sum - p.Sum,
		Min: math.NaN(), Max: math.NaN(),
		ZeroCount: c.ZeroCount - p.ZeroCount, ZeroThreshold: c.ZeroThreshold,
		Positive: pos, Negative: neg,
	}, true
}

// subBuckets returns c - p, trimmed of zero counts at both ends; ok is
// false when a count of p exceeds c's.
func subBuckets(c, p histogram.OTLPBuckets) (histogram.OTLPBuckets, bool) {
	out := c.BucketCounts // c is a copy of its own (Snapshot.OTLP copies)
	for j, n := range p.BucketCounts {
		if n == 0 {
			continue
		}
		i := int(p.Offset) + j - int(c.Offset)
		if i < 0 || i >= len(out) || out[i] < n {
			return histogram.OTLPBuckets{}, false
		}
		out[i] -= n
	}
	lo, hi := 0, len(out)
	for lo < hi && out[lo] == 0 {
		lo++
	}
	for hi > lo && out[hi-1] == 0 {
		hi--
	}
	if lo == hi {
		return histogram.OTLPBuckets{}, true
	}
	return histogram.OTLPBuckets{Offset: c.Offset + int32(lo), BucketCounts: out[lo:hi]}, true
}
