package expo

import (
	"math"
	"strconv"
)

// appendFloat appends v as the text formats write it: shortest round-trip
// decimal, and +Inf, -Inf, NaN.
func appendFloat(b []byte, v float64) []byte {
	switch {
	case math.IsInf(v, 1):
		return append(b, "+Inf"...)
	case math.IsInf(v, -1):
		return append(b, "-Inf"...)
	case math.IsNaN(v):
		return append(b, "NaN"...)
	case v == math.Trunc(v) && math.Abs(v) < 1e15:
		return strconv.AppendInt(b, int64(v), 10)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
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

// appendOMFloat appends v in OpenMetrics canonical form for le and quantile
// label values: like appendFloat, but integral values end in ".0".
func appendOMFloat(b []byte, v float64) []byte {
	n := len(b)
	b = appendFloat(b, v)
	for _, c := range b[n:] {
		if c < '0' || c > '9' {
			if c != '-' {
				return b
			}
		}
	}
	return append(b, ".0"...)
}
