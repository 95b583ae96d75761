package expo

import (
	"io"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/abacusgo/abacus"
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
	f.Each(func(s abacus.Sample) {
		switch {
		case s.Histogram != nil:
			b = appendClassic(b, name, s, false)
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
// _sum and _count (and, for OpenMetrics, exemplars and _created).
func appendClassic(b []byte, name string, s abacus.Sample, om bool) []byte {
	snap := s.Histogram.Snapshot()
	cb := s.Histogram.Classic(snap)
	var num [32]byte
	lo := math.Inf(-1)
	for _, c := range cb {
		b = append(b, name...)
		b = append(b, "_bucket"...)
		le := appendFloat(num[:0], c.UpperBound)
		if om {
			le = appendOMFloat(num[:0], c.UpperBound)
		}
		b = appendLabelsWith(b, s.Labels, "le", le)
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
	b = appendFloat(b, snap.Sum())
	b = append(b, '\n')
	b = append(b, name...)
	b = append(b, "_count"...)
	b = append(b, s.Labels...)
	b = append(b, ' ')
	b = strconv.AppendUint(b, cb[len(cb)-1].Count, 10) // the +Inf bucket, whichever buckets these are
	b = append(b, '\n')
	if om && s.Created != 0 {
		b = appendCreated(b, name, s)
	}
	return b
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
