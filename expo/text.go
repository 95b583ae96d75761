package expo

import (
	"io"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/histogram"
)

// Content types of the formats.
const (
	ContentTypeText        = "text/plain; version=0.0.4; charset=utf-8"
	ContentTypeOpenMetrics = "application/openmetrics-text; version=1.0.0; charset=utf-8"
	ContentTypeJSON        = "application/json; charset=utf-8"
)

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

// flushAt is the buffer size at which writers hand their output to the
// io.Writer, so that memory stays bounded for any number of series.
const flushAt = 48 << 10

// WriteText writes the registry in the Prometheus text format 0.0.4.
func WriteText(w io.Writer, r *abacus.Registry) error {
	return write(w, r, appendTextFamily, false)
}

// write gathers r family by family into a pooled buffer, flushing to w as it
// fills, and records the exposition in r's meta metrics.
func write(w io.Writer, r *abacus.Registry, family func([]byte, *abacus.Family) []byte, eof bool) error {
	start := time.Now()
	r.Sweep()
	bp := bufPool.Get().(*[]byte)
	b := (*bp)[:0]
	defer func() { *bp = b[:0]; bufPool.Put(bp) }()
	for _, f := range r.Families() {
		if f.Len() == 0 {
			continue
		}
		b = family(b, f)
		if len(b) >= flushAt {
			if _, err := w.Write(b); err != nil {
				return err
			}
			b = b[:0]
		}
	}
	if eof {
		b = append(b, "# EOF\n"...)
	}
	_, err := w.Write(b)
	r.Scraped(time.Since(start))
	return err
}

func appendTextFamily(b []byte, f *abacus.Family) []byte {
	name := f.Name()
	if f.Help() != "" {
		b = append(b, "# HELP "...)
		b = append(b, name...)
		b = append(b, ' ')
		b = appendHelp(b, f.Help(), false)
		b = append(b, '\n')
	}
	b = append(b, "# TYPE "...)
	b = append(b, name...)
	b = append(b, ' ')
	b = append(b, f.Type().String()...)
	b = append(b, '\n')
	var scratch []histogram.ClassicBucket
	f.Each(func(s abacus.Sample) {
		switch {
		case s.Histogram != nil:
			b = appendClassic(b, name, s, false, &scratch)
		case s.Summary != nil:
			b = appendSummary(b, name, s, false)
		default:
			b = append(b, name...)
			b = append(b, s.Labels...)
			b = append(b, ' ')
			b = appendFloat(b, value(s))
			b = append(b, '\n')
		}
	})
	return b
}

// value returns the value of a counter, gauge or func series.
func value(s abacus.Sample) float64 {
	switch {
	case s.Counter != nil:
		return s.Counter.Value()
	case s.Gauge != nil:
		return s.Gauge.Value()
	}
	return s.Value
}

// appendClassic appends a histogram series as classic cumulative buckets,
// _sum and _count (and, for OpenMetrics, exemplars and _created). It takes
// no snapshot: the buckets come from Histogram.Classic, into a scratch slice
// reused across series.
func appendClassic(b []byte, name string, s abacus.Sample, om bool, scratch *[]histogram.ClassicBucket) []byte {
	cb, sum := s.Histogram.Classic((*scratch)[:0])
	*scratch = cb
	var num [32]byte
	lo := math.Inf(-1)
	for _, c := range cb {
		b = append(b, name...)
		b = append(b, "_bucket"...)
		b = appendLabelsWith(b, s.Labels, "le", leValue(num[:0], c.UpperBound, om))
		b = append(b, ' ')
		b = strconv.AppendUint(b, c.Count, 10)
		if om {
			if e := s.Histogram.Exemplar(lo, c.UpperBound); e != nil {
				b = appendExemplar(b, e)
			}
		}
		b = append(b, '\n')
		lo = c.UpperBound
	}
	b = append(b, name...)
	b = append(b, "_sum"...)
	b = append(b, s.Labels...)
	b = append(b, ' ')
	b = appendFloat(b, sum)
	b = append(b, '\n')
	b = append(b, name...)
	b = append(b, "_count"...)
	b = append(b, s.Labels...)
	b = append(b, ' ')
	b = strconv.AppendUint(b, cb[len(cb)-1].Count, 10) // the +Inf bucket
	b = append(b, '\n')
	if om && s.Created != 0 {
		b = appendCreated(b, name, s)
	}
	return b
}

// powersOfTwo caches the le values of powers of two, in both forms: most
// classic buckets are powers of two.
var powersOfTwo = func() (t [2][histogram.Octaves][]byte) {
	for i := range histogram.Octaves {
		v := math.Ldexp(1, i-histogram.Octaves/2)
		t[0][i] = appendFloat(nil, v)
		t[1][i] = appendOMFloat(nil, v)
	}
	return t
}()

// leValue returns an le label value, from the cache for powers of two.
func leValue(num []byte, v float64, om bool) []byte {
	form := 0
	if om {
		form = 1
	}
	if frac, exp := math.Frexp(v); frac == 0.5 {
		if i := exp - 1 + histogram.Octaves/2; i >= 0 && i < histogram.Octaves {
			return powersOfTwo[form][i]
		}
	}
	if om {
		return appendOMFloat(num, v)
	}
	return appendFloat(num, v)
}

// appendSummary appends a summary's quantiles, _sum and _count.
func appendSummary(b []byte, name string, s abacus.Sample, om bool) []byte {
	var num [32]byte
	for _, q := range s.Summary.Quantiles {
		b = append(b, name...)
		qs := appendFloat(num[:0], q.Q)
		if om {
			qs = appendOMFloat(num[:0], q.Q)
		}
		b = appendLabelsWith(b, s.Labels, "quantile", qs)
		b = append(b, ' ')
		b = appendFloat(b, q.Value)
		b = append(b, '\n')
	}
	b = append(b, name...)
	b = append(b, "_sum"...)
	b = append(b, s.Labels...)
	b = append(b, ' ')
	b = appendFloat(b, s.Summary.Sum)
	b = append(b, '\n')
	b = append(b, name...)
	b = append(b, "_count"...)
	b = append(b, s.Labels...)
	b = append(b, ' ')
	b = strconv.AppendUint(b, s.Summary.Count, 10)
	return append(b, '\n')
}
