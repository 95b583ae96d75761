package expo

import (
	"io"
	"iter"
	"strconv"

	"github.com/abacusgo/abacus"
)

// Content types of the formats.
const (
	ContentTypeText        = "text/plain; version=0.0.4; charset=utf-8"
	ContentTypeOpenMetrics = "application/openmetrics-text; version=1.0.0; charset=utf-8"
	ContentTypeJSON        = "application/json; charset=utf-8"
)

// WriteText writes the registry in the Prometheus text format 0.0.4, read
// through Registry.Gather. Histograms are their classic buckets (the
// family's fixed layout), _sum and _count; observations a histogram refused
// (NaN, ±Inf) are in none of them (see abacus_observations_rejected_total).
func WriteText(w io.Writer, r *abacus.Registry) error {
	return write(w, r, textFamily, "")
}

func textFamily(w *writer, f *abacus.Family, series iter.Seq[*abacus.Series]) {
	name := f.Name()
	if f.Help() != "" {
		w.b = append(w.b, "# HELP "...)
		w.b = append(w.b, name...)
		w.b = append(w.b, ' ')
		w.b = appendHelp(w.b, f.Help(), false)
		w.b = append(w.b, '\n')
	}
	w.b = append(w.b, "# TYPE "...)
	w.b = append(w.b, name...)
	w.b = append(w.b, ' ')
	w.b = append(w.b, f.Type().String()...)
	w.b = append(w.b, '\n')
	var h histogramScratch
	if f.Type() == abacus.TypeHistogram {
		h.les = leSuffixes(f.Buckets(), false)
	}
	for s := range series {
		labels := s.Labels.String()
		switch f.Type() {
		case abacus.TypeHistogram:
			var sum float64
			h.buckets, sum = s.Histogram.Classic(h.buckets[:0])
			h.prefix = bucketPrefix(h.prefix[:0], name, labels)
			b := w.b
			for i, c := range h.buckets {
				b = append(b, h.prefix...)
				b = append(b, h.les[i]...)
				b = strconv.AppendUint(b, c.Count, 10)
				b = append(b, '\n')
			}
			w.b = b
			w.b = appendSample(w.b, name, "_sum", labels, sum)
			w.b = appendCount(w.b, name, "_count", labels, h.buckets[len(h.buckets)-1].Count)
		case abacus.TypeSummary:
			w.b = appendSummary(w.b, name, labels, s.Summary, false)
		default:
			w.b = appendSample(w.b, name, "", labels, s.Value)
		}
		if !w.flush(false) {
			return
		}
	}
}

// appendSummary appends a summary's quantiles, _sum and _count; for
// OpenMetrics (canonical), quantile labels are canonical numbers and the
// samples OpenMetrics forbids (a negative quantile value, a negative or NaN
// sum with its count) are left out.
func appendSummary(b []byte, name, labels string, s *abacus.Summary, canonical bool) []byte {
	var num [32]byte
	for _, q := range s.Quantiles {
		if canonical && q.Value < 0 {
			continue
		}
		qs := appendFloat(num[:0], q.Q)
		if canonical {
			qs = appendCanonical(num[:0], q.Q)
		}
		b = append(b, name...)
		b = appendLabelsWith(b, labels, "quantile", qs)
		b = append(b, ' ')
		b = appendFloat(b, q.Value)
		b = append(b, '\n')
	}
	if canonical && !(s.Sum >= 0) {
		return b
	}
	b = appendSample(b, name, "_sum", labels, s.Sum)
	return appendCount(b, name, "_count", labels, s.Count)
}
