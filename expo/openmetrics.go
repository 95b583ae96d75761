package expo

import (
	"io"
	"strconv"
	"strings"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/histogram"
)

// WriteOpenMetrics writes the registry in the OpenMetrics 1.0 text format:
// counters as their family name (without _total) with _total and _created
// samples, units, exemplars on counters and histogram buckets, and # EOF.
func WriteOpenMetrics(w io.Writer, r *abacus.Registry) error {
	return write(w, r, appendOpenMetricsFamily, true)
}

func appendOpenMetricsFamily(b []byte, f *abacus.Family) []byte {
	name := f.Name()
	family := name
	if f.Type() == abacus.TypeCounter {
		family = strings.TrimSuffix(name, "_total")
	}
	b = append(b, "# TYPE "...)
	b = append(b, family...)
	b = append(b, ' ')
	b = append(b, f.Type().String()...)
	b = append(b, '\n')
	if f.Unit() != "" {
		b = append(b, "# UNIT "...)
		b = append(b, family...)
		b = append(b, ' ')
		b = append(b, f.Unit()...)
		b = append(b, '\n')
	}
	if f.Help() != "" {
		b = append(b, "# HELP "...)
		b = append(b, family...)
		b = append(b, ' ')
		b = appendHelp(b, f.Help(), true)
		b = append(b, '\n')
	}
	var scratch []histogram.ClassicBucket
	f.Each(func(s abacus.Sample) {
		switch {
		case s.Histogram != nil:
			b = appendClassic(b, family, s, true, &scratch)
		case s.Summary != nil:
			b = appendSummary(b, family, s, true)
		case f.Type() == abacus.TypeCounter:
			b = append(b, family...)
			b = append(b, "_total"...)
			b = append(b, s.Labels...)
			b = append(b, ' ')
			b = appendFloat(b, value(s))
			if s.Counter != nil {
				if e := s.Counter.Exemplar(); e != nil {
					b = appendExemplar(b, e)
				}
			}
			b = append(b, '\n')
			if s.Created != 0 {
				b = appendCreated(b, family, s)
			}
		default:
			b = append(b, family...)
			b = append(b, s.Labels...)
			b = append(b, ' ')
			b = appendFloat(b, value(s))
			b = append(b, '\n')
		}
	})
	return b
}

// appendExemplar appends ` # {labels} value timestamp`.
func appendExemplar(b []byte, e *abacus.Exemplar) []byte {
	b = append(b, " # "...)
	b = append(b, e.Labels...)
	b = append(b, ' ')
	b = appendFloat(b, e.Value)
	b = append(b, ' ')
	return appendSeconds(b, e.Time.UnixNano())
}

// appendCreated appends the series' _created sample.
func appendCreated(b []byte, family string, s abacus.Sample) []byte {
	b = append(b, family...)
	b = append(b, "_created"...)
	b = append(b, s.Labels...)
	b = append(b, ' ')
	b = appendSeconds(b, s.Created)
	return append(b, '\n')
}

// appendSeconds appends unix nanoseconds as seconds with millisecond
// precision.
func appendSeconds(b []byte, ns int64) []byte {
	ms := ns / 1e6
	b = strconv.AppendInt(b, ms/1000, 10)
	b = append(b, '.')
	frac := ms % 1000
	b = append(b, byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10))
	return b
}
