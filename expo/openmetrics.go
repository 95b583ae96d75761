package expo

import (
	"io"
	"iter"
	"math"
	"strconv"

	"github.com/abacusgo/abacus"
)

// WriteOpenMetrics writes the registry in the OpenMetrics 1.0 text format,
// read through Registry.Gather: counters as their family name (without
// _total) with _total and _created samples, units, exemplars on counters and
// histogram buckets, and # EOF. Histograms are their classic buckets (the
// family's fixed layout) with _count, _sum and _created; where OpenMetrics
// forbids a _sum (a histogram with negative bucket bounds, or a negative
// sum) the _sum and _count are left out and the +Inf bucket carries the
// count. Observations a histogram refused (NaN, ±Inf) are in no bucket (see
// abacus_observations_rejected_total). A counter whose OpenMetrics family
// name clashes with another family (Family.OpenMetricsClash) is written as
// type unknown under its full name.
func WriteOpenMetrics(w io.Writer, r *abacus.Registry) error {
	return write(w, r, openMetricsFamily, "# EOF\n")
}

func openMetricsFamily(w *writer, f *abacus.Family, series iter.Seq[*abacus.Series]) {
	name := f.Name()
	family, typ := name, f.Type().String()
	switch {
	case f.OpenMetricsClash():
		typ = "unknown"
	case f.Type() == abacus.TypeCounter:
		family = name[:len(name)-len("_total")]
	}
	w.b = append(w.b, "# TYPE "...)
	w.b = append(w.b, family...)
	w.b = append(w.b, ' ')
	w.b = append(w.b, typ...)
	w.b = append(w.b, '\n')
	if f.Unit() != "" {
		w.b = append(w.b, "# UNIT "...)
		w.b = append(w.b, family...)
		w.b = append(w.b, ' ')
		w.b = append(w.b, f.Unit()...)
		w.b = append(w.b, '\n')
	}
	if f.Help() != "" {
		w.b = append(w.b, "# HELP "...)
		w.b = append(w.b, family...)
		w.b = append(w.b, ' ')
		w.b = appendHelp(w.b, f.Help(), true)
		w.b = append(w.b, '\n')
	}
	var h histogramScratch
	sumAllowed := true
	if f.Type() == abacus.TypeHistogram {
		bounds := f.Buckets()
		h.les = leSuffixes(bounds, true)
		sumAllowed = len(bounds) == 0 || bounds[0] >= 0
	}
	for s := range series {
		labels := s.Labels.String()
		switch {
		case typ == "unknown":
			w.b = appendSample(w.b, name, "", labels, s.Value)
		case f.Type() == abacus.TypeHistogram:
			var sum float64
			h.buckets, sum = s.Histogram.Classic(h.buckets[:0])
			lo := math.Inf(-1)
			h.prefix = bucketPrefix(h.prefix[:0], family, labels)
			for i, c := range h.buckets {
				w.b = append(w.b, h.prefix...)
				w.b = append(w.b, h.les[i]...)
				w.b = strconv.AppendUint(w.b, c.Count, 10)
				if e := s.Histogram.Exemplar(lo, c.UpperBound); e != nil {
					w.b = appendExemplar(w.b, e)
				}
				w.b = append(w.b, '\n')
				lo = c.UpperBound
			}
			if sumAllowed && sum >= 0 {
				w.b = appendCount(w.b, family, "_count", labels, h.buckets[len(h.buckets)-1].Count)
				w.b = appendSample(w.b, family, "_sum", labels, sum)
			}
			w.b = appendCreated(w.b, family, labels, s.Created)
		case f.Type() == abacus.TypeSummary:
			w.b = appendSummary(w.b, family, labels, s.Summary, true)
		case f.Type() == abacus.TypeCounter:
			w.b = append(w.b, family...)
			w.b = append(w.b, "_total"...)
			w.b = append(w.b, labels...)
			w.b = append(w.b, ' ')
			w.b = appendFloat(w.b, s.Value)
			if s.Exemplar != nil {
				w.b = appendExemplar(w.b, s.Exemplar)
			}
			w.b = append(w.b, '\n')
			w.b = appendCreated(w.b, family, labels, s.Created)
		default:
			w.b = appendSample(w.b, family, "", labels, s.Value)
		}
		if !w.flush(false) {
			return
		}
	}
}

// appendExemplar appends ` # {labels} value timestamp`.
func appendExemplar(b []byte, e *abacus.Exemplar) []byte {
	b = append(b, " # "...)
	b = append(b, e.LabelText()...)
	b = append(b, ' ')
	b = appendFloat(b, e.Value)
	b = append(b, ' ')
	return appendSeconds(b, e.Time.UnixNano())
}

// appendCreated appends a series' _created sample, unless its creation time
// is unknown (0).
func appendCreated(b []byte, family, labels string, created int64) []byte {
	if created == 0 {
		return b
	}
	b = append(b, family...)
	b = append(b, "_created"...)
	b = append(b, labels...)
	b = append(b, ' ')
	b = appendSeconds(b, created)
	return append(b, '\n')
}

// appendSeconds appends unix nanoseconds as seconds with millisecond
// precision.
func appendSeconds(b []byte, ns int64) []byte {
	ms := ns / 1e6
	b = strconv.AppendInt(b, ms/1000, 10)
	b = append(b, '.')
	frac := ms % 1000
	return append(b, byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10))
}
