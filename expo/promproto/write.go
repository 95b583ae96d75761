package promproto

import (
	"io"
	"math"
	"sync"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/histogram"
	"google.golang.org/protobuf/encoding/protowire"
)

// Field numbers of io.prometheus.client's messages (metrics.proto, proto2:
// every set field is written, even when zero; the bucket deltas packed).
const (
	famName, famHelp, famType, famMetric, famUnit = 1, 2, 3, 4, 5

	metLabel, metGauge, metCounter, metSummary, metHistogram = 1, 2, 3, 4, 7

	pairName, pairValue = 1, 2

	valValue                              = 1 // Gauge.value, Counter.value
	cntExemplar, cntCreated               = 2, 3
	sumCount, sumSum, sumQuantile         = 1, 2, 3
	quantQuantile, quantValue             = 1, 2
	hCount, hSum, hBucket, hSchema        = 1, 2, 3, 5
	hZeroThreshold, hZeroCount            = 6, 7
	hNegSpan, hNegDelta                   = 9, 10
	hPosSpan, hPosDelta, hCreated, hExems = 12, 13, 15, 16
	bktCount, bktUpper, bktExemplar       = 1, 2, 3
	spanOffset, spanLength                = 1, 2
	exLabel, exValue, exTimestamp         = 1, 2, 3
	tsSeconds, tsNanos                    = 1, 2
)

// Write writes every family of r as one length-delimited MetricFamily,
// read through Registry.Gather. It encodes by hand into a pooled buffer,
// handed to w once 48 KB of whole families are in it (so the buffer holds
// at least the largest family), and allocates nothing per series in steady
// state. Its output decodes to what Gather returns.
func Write(w io.Writer, r *abacus.Registry) error {
	e := encPool.Get().(*encoder)
	defer encPool.Put(e)
	e.out, e.err = w, nil
	for f, series := range r.Gather() {
		e.family(f, series)
		if e.err != nil {
			break
		}
	}
	e.flush()
	e.out = nil
	if cap(e.b) > keepAt {
		e.b = make([]byte, 0, 64<<10)
	}
	return e.err
}

var encPool = sync.Pool{New: func() any { return &encoder{b: make([]byte, 0, 64<<10)} }}

// encoder holds the buffer and scratch space of one Write.
type encoder struct {
	out     io.Writer
	err     error
	b       []byte
	native  histogram.Native
	buckets []histogram.ClassicBucket
	exems   []*abacus.Exemplar
}

// flushAt is the buffered size beyond which the families written so far
// go to the io.Writer. A family is one MetricFamily message, which must be
// whole before its length prefix is known, so the buffer holds at least the
// largest family (readers expect each family once).
const flushAt = 48 << 10

// keepAt is the buffer size beyond which a pooled encoder's buffer is let
// go instead of kept for the next Write.
const keepAt = 4 << 20

func (e *encoder) family(f *abacus.Family, series func(func(*abacus.Series) bool)) {
	start := e.begin()
	e.header(f)
	for s := range series {
		m := e.open(famMetric)
		e.metric(f, s)
		e.close(m)
	}
	e.end(start)
	if len(e.b) >= flushAt {
		e.flush()
	}
}

func (e *encoder) header(f *abacus.Family) {
	e.b = protowire.AppendTag(e.b, famName, protowire.BytesType)
	e.b = protowire.AppendString(e.b, f.Name())
	if f.Help() != "" {
		e.b = protowire.AppendTag(e.b, famHelp, protowire.BytesType)
		e.b = protowire.AppendString(e.b, f.Help())
	}
	e.b = protowire.AppendTag(e.b, famType, protowire.VarintType)
	e.b = protowire.AppendVarint(e.b, uint64(metricType(f.Type())))
	if f.Unit() != "" {
		e.b = protowire.AppendTag(e.b, famUnit, protowire.BytesType)
		e.b = protowire.AppendString(e.b, f.Unit())
	}
}

func (e *encoder) flush() bool {
	if e.err == nil && len(e.b) > 0 {
		_, e.err = e.out.Write(e.b)
	}
	e.b = e.b[:0]
	return e.err == nil
}

func (e *encoder) metric(f *abacus.Family, s *abacus.Series) {
	for n, v := range s.Labels.All() {
		e.pair(metLabel, n, v)
	}
	switch f.Type() {
	case abacus.TypeCounter:
		c := e.open(metCounter)
		e.double(valValue, s.Value)
		if s.Exemplar != nil {
			e.exemplar(cntExemplar, s.Exemplar)
		}
		if s.Created != 0 {
			e.timestamp(cntCreated, s.Created)
		}
		e.close(c)
	case abacus.TypeGauge:
		g := e.open(metGauge)
		e.double(valValue, s.Value)
		e.close(g)
	case abacus.TypeSummary:
		m := e.open(metSummary)
		e.uint(sumCount, s.Summary.Count)
		e.double(sumSum, s.Summary.Sum)
		for _, q := range s.Summary.Quantiles {
			x := e.open(sumQuantile)
			e.double(quantQuantile, q.Q)
			e.double(quantValue, q.Value)
			e.close(x)
		}
		e.close(m)
	case abacus.TypeHistogram:
		h := e.open(metHistogram)
		e.histogram(s)
		e.close(h)
	}
}

func (e *encoder) histogram(s *abacus.Series) {
	n := &e.native
	s.Histogram.Native(n)
	e.uint(hCount, n.Count)
	e.double(hSum, n.Sum)
	e.buckets, _ = s.Histogram.Classic(e.buckets[:0])
	lo := math.Inf(-1)
	for _, c := range e.buckets[:len(e.buckets)-1] { // the +Inf bucket is implicit
		b := e.open(hBucket)
		e.uint(bktCount, c.Count)
		e.double(bktUpper, c.UpperBound)
		if x := s.Histogram.Exemplar(lo, c.UpperBound); x != nil {
			e.exemplar(bktExemplar, x)
		}
		e.close(b)
		lo = c.UpperBound
	}
	e.b = protowire.AppendTag(e.b, hSchema, protowire.VarintType)
	e.b = protowire.AppendVarint(e.b, protowire.EncodeZigZag(int64(n.Schema)))
	e.double(hZeroThreshold, n.ZeroThreshold)
	e.uint(hZeroCount, n.ZeroCount)
	e.spans(hNegSpan, hNegDelta, n.NegativeSpans, n.NegativeDeltas)
	posSpans := n.PositiveSpans
	if len(n.PositiveSpans) == 0 && len(n.NegativeSpans) == 0 {
		posSpans = emptySpan[:] // tells an empty native histogram from a classic one
	}
	e.spans(hPosSpan, hPosDelta, posSpans, n.PositiveDeltas)
	if s.Created != 0 {
		e.timestamp(hCreated, s.Created)
	}
	e.exems = s.Histogram.Exemplars(e.exems[:0])
	for _, x := range e.exems {
		e.exemplar(hExems, x)
	}
	clear(e.exems)
}

var emptySpan = [1]histogram.Span{{Offset: 0, Length: 0}}

func (e *encoder) spans(spanField, deltaField protowire.Number, spans []histogram.Span, deltas []int64) {
	for _, sp := range spans {
		m := e.open(spanField)
		e.b = protowire.AppendTag(e.b, spanOffset, protowire.VarintType)
		e.b = protowire.AppendVarint(e.b, protowire.EncodeZigZag(int64(sp.Offset)))
		e.uint(spanLength, uint64(sp.Length))
		e.close(m)
	}
	if len(deltas) == 0 {
		return
	}
	// Packed: one tag and length for all of them. Parsers of proto2
	// repeated scalars must accept packed and unpacked alike (the
	// generated Go code and Prometheus's own decoder do); packed halves
	// the bytes of a native histogram.
	m := e.open(deltaField)
	b := e.b
	for _, d := range deltas {
		if z := uint64(d<<1) ^ uint64(d>>63); z < 0x80 { // most deltas are small
			b = append(b, byte(z))
		} else {
			b = protowire.AppendVarint(b, z)
		}
	}
	e.b = b
	e.close(m)
}

func (e *encoder) exemplar(field protowire.Number, x *abacus.Exemplar) {
	m := e.open(field)
	for _, l := range x.Labels {
		e.pair(exLabel, l.Name, l.Value)
	}
	e.double(exValue, x.Value)
	e.timestamp(exTimestamp, x.Time.UnixNano())
	e.close(m)
}

func (e *encoder) pair(field protowire.Number, name, value string) {
	m := e.open(field)
	e.b = protowire.AppendTag(e.b, pairName, protowire.BytesType)
	e.b = protowire.AppendString(e.b, name)
	e.b = protowire.AppendTag(e.b, pairValue, protowire.BytesType)
	e.b = protowire.AppendString(e.b, value)
	e.close(m)
}

// timestamp writes a google.protobuf.Timestamp of unix nanoseconds.
func (e *encoder) timestamp(field protowire.Number, ns int64) {
	m := e.open(field)
	sec, nsec := ns/1e9, ns%1e9
	if nsec < 0 {
		sec, nsec = sec-1, nsec+1e9
	}
	if sec != 0 {
		e.b = protowire.AppendTag(e.b, tsSeconds, protowire.VarintType)
		e.b = protowire.AppendVarint(e.b, uint64(sec))
	}
	if nsec != 0 {
		e.b = protowire.AppendTag(e.b, tsNanos, protowire.VarintType)
		e.b = protowire.AppendVarint(e.b, uint64(nsec))
	}
	e.close(m)
}

func (e *encoder) double(field protowire.Number, v float64) {
	e.b = protowire.AppendTag(e.b, field, protowire.Fixed64Type)
	e.b = protowire.AppendFixed64(e.b, math.Float64bits(v))
}

func (e *encoder) uint(field protowire.Number, v uint64) {
	e.b = protowire.AppendTag(e.b, field, protowire.VarintType)
	e.b = protowire.AppendVarint(e.b, v)
}

// open starts a nested message: its tag, and one byte for its length,
// which close fixes up.
func (e *encoder) open(field protowire.Number) int {
	e.b = protowire.AppendTag(e.b, field, protowire.BytesType)
	return e.begin()
}

// begin reserves one byte for a length prefix and returns where the body
// starts.
func (e *encoder) begin() int {
	e.b = append(e.b, 0)
	return len(e.b)
}

func (e *encoder) close(start int) { e.end(start) }

// end writes the length of the body that began at start into the byte
// reserved before it, moving the body when the length needs more bytes.
func (e *encoder) end(start int) {
	n := len(e.b) - start
	if n < 0x80 {
		e.b[start-1] = byte(n)
		return
	}
	extra := protowire.SizeVarint(uint64(n)) - 1
	for range extra {
		e.b = append(e.b, 0)
	}
	copy(e.b[start+extra:], e.b[start:start+n])
	protowire.AppendVarint(e.b[start-1:start-1], uint64(n))
}
