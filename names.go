package abacus

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// validMetricName reports whether name follows the Prometheus and
// OpenMetrics rule for metric names: [a-zA-Z_:][a-zA-Z0-9_:]*.
func validMetricName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c == '_' || c == ':' || isLetter(c) || (i > 0 && isDigit(c))) {
			return false
		}
	}
	return true
}

// validLabelName reports whether name follows the rule for label names,
// [a-zA-Z_][a-zA-Z0-9_]*, and does not use the "__" prefix Prometheus
// reserves for itself.
func validLabelName(name string) bool {
	if name == "" || strings.HasPrefix(name, "__") {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c == '_' || isLetter(c) || (i > 0 && isDigit(c))) {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return (c|0x20) >= 'a' && (c|0x20) <= 'z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }

// reservedLabels are label names the exposition formats add themselves.
var reservedLabels = map[string]string{
	"le":              "histogram buckets",
	"quantile":        "summaries",
	"abacus_overflow": "the cardinality overflow series",
}

// checkOpts validates a family's name, help, unit and labels for the given
// type, and returns the error naming everything that is wrong.
func checkOpts(o Opts, typ Type, labelNames []string) error {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if !validMetricName(o.Name) {
		add("invalid metric name %q: want [a-zA-Z_:][a-zA-Z0-9_:]*", o.Name)
	}
	if !utf8.ValidString(o.Help) {
		add("help text is not valid UTF-8")
	}
	base := o.Name
	if typ == TypeCounter {
		if !strings.HasSuffix(o.Name, "_total") {
			add("counter name %q must end in _total (the OpenMetrics sample name; promtool requires it)", o.Name)
		}
		base = strings.TrimSuffix(o.Name, "_total")
	}
	reserved := []string{"_bucket", "_count", "_sum", "_created", "_gcount", "_gsum"}
	if typ != TypeCounter {
		reserved = append(reserved, "_total")
	}
	if typ != TypeGauge { // a gauge may end in _info, as client_golang's go_info does
		reserved = append(reserved, "_info")
	}
	for _, suffix := range reserved {
		if strings.HasSuffix(base, suffix) {
			add("metric name %q ends in %s, which OpenMetrics reserves for the samples of other types", o.Name, suffix)
		}
	}
	if o.Unit != "" {
		if !validLabelName(o.Unit) {
			add("invalid unit %q", o.Unit)
		} else if !strings.HasSuffix(base, "_"+o.Unit) {
			add("metric name %q must end in _%s to carry unit %q (OpenMetrics)", o.Name, o.Unit, o.Unit)
		}
	}
	if o.TTL != 0 && len(labelNames) == 0 {
		add("TTL on %q: a family without labels has one series, whose handle must not expire", o.Name)
	}
	seen := map[string]bool{}
	check := func(n, where string) {
		switch {
		case !validLabelName(n):
			add("invalid %s label name %q: want [a-zA-Z_][a-zA-Z0-9_]*, not starting with __", where, n)
		case reservedLabels[n] != "":
			add("%s label name %q is reserved for %s", where, n, reservedLabels[n])
		case seen[n]:
			add("label name %q appears twice", n)
		}
		seen[n] = true
	}
	for _, n := range sortedKeys(o.ConstLabels) {
		check(n, "constant")
		if !utf8.ValidString(o.ConstLabels[n]) {
			add("constant label %s has a value that is not valid UTF-8", n)
		}
	}
	for _, n := range labelNames {
		check(n, "variable")
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("abacus: metric %q: %s", o.Name, strings.Join(problems, "; "))
}
