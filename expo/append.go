package expo

import (
	"math"
	"strconv"

	"github.com/abacusgo/abacus/histogram"
)

// appendFloat appends v as the text formats write sample values: shortest
// round-trip decimal, and +Inf, -Inf, NaN.
func appendFloat(b []byte, v float64) []byte {
	switch {
	case math.IsInf(v, 0) || math.IsNaN(v):
		return appendSpecial(b, v)
	case v == math.Trunc(v) && math.Abs(v) < 1e15:
		return strconv.AppendInt(b, int64(v), 10)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

// appendSpecial appends +Inf, -Inf or NaN.
func appendSpecial(b []byte, v float64) []byte {
	switch {
	case math.IsInf(v, 1):
		return append(b, "+Inf"...)
	case math.IsInf(v, -1):
		return append(b, "-Inf"...)
	}
	return append(b, "NaN"...)
}

// appendCanonical appends v in OpenMetrics canonical form, for le and
// quantile label values: Go's shortest %g (1e+06, 0.0009765625), with ".0"
// after a number that has neither a point nor an exponent (1.0, 100000.0).
func appendCanonical(b []byte, v float64) []byte {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return appendSpecial(b, v)
	}
	n := len(b)
	b = strconv.AppendFloat(b, v, 'g', -1, 64)
	for _, c := range b[n:] {
		if c == '.' || c == 'e' {
			return b
		}
	}
	return append(b, ".0"...)
}

// appendHelp appends help text escaped for the Prometheus text format
// (backslash and newline), or for OpenMetrics (double quote too).
func appendHelp(b []byte, help string, quote bool) []byte {
	for i := 0; i < len(help); i++ {
		switch c := help[i]; {
		case c == '\\':
			b = append(b, `\\`...)
		case c == '\n':
			b = append(b, `\n`...)
		case c == '"' && quote:
			b = append(b, `\"`...)
		default:
			b = append(b, c)
		}
	}
	return b
}

// appendLabelsWith appends a series' rendered labels with one more label
// (for example le="0.5") added at the end.
func appendLabelsWith(b []byte, labels, name string, value []byte) []byte {
	if labels == "" {
		b = append(b, '{')
	} else {
		b = append(b, labels[:len(labels)-1]...)
		b = append(b, ',')
	}
	b = append(b, name...)
	b = append(b, `="`...)
	b = append(b, value...)
	return append(b, `"}`...)
}

// appendSample appends `name<suffix><labels> value\n`.
func appendSample(b []byte, name, suffix, labels string, v float64) []byte {
	b = append(b, name...)
	b = append(b, suffix...)
	b = append(b, labels...)
	b = append(b, ' ')
	b = appendFloat(b, v)
	return append(b, '\n')
}

// appendCount appends `name<suffix><labels> n\n`.
func appendCount(b []byte, name, suffix, labels string, n uint64) []byte {
	b = append(b, name...)
	b = append(b, suffix...)
	b = append(b, labels...)
	b = append(b, ' ')
	b = strconv.AppendUint(b, n, 10)
	return append(b, '\n')
}

// leValues returns the le label values of a histogram family's buckets,
// +Inf last, in text or canonical (OpenMetrics) form.
func leValues(bounds []float64, canonical bool) [][]byte {
	out := make([][]byte, 0, len(bounds)+1)
	for i := 0; i <= len(bounds); i++ {
		v := math.Inf(1)
		if i < len(bounds) {
			v = bounds[i]
		}
		if canonical {
			out = append(out, appendCanonical(nil, v))
		} else {
			out = append(out, appendFloat(nil, v))
		}
	}
	return out
}

// histogramScratch is what a histogram family's series share while one is
// written.
type histogramScratch struct {
	les     [][]byte // per bucket, `le="…"} ` (see leSuffixes)
	prefix  []byte   // `name_bucket{labels,` of the series being written
	buckets []histogram.ClassicBucket
}

// leSuffixes returns, per bucket of a layout (+Inf last), the end of its
// sample line up to the value: `le="0.25"} `.
func leSuffixes(bounds []float64, canonical bool) [][]byte {
	les := leValues(bounds, canonical)
	for i, v := range les {
		s := append([]byte(`le="`), v...)
		les[i] = append(s, `"} `...)
	}
	return les
}

// bucketPrefix appends `name_bucket{labels,` (or `name_bucket{` for a
// series without labels) to b.
func bucketPrefix(b []byte, name, labels string) []byte {
	b = append(b, name...)
	b = append(b, "_bucket{"...)
	if labels != "" {
		b = append(b, labels[1:len(labels)-1]...)
		b = append(b, ',')
	}
	return b
}
