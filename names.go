package abacus

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/abacusgo/abacus/lint"
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
	"le":          "histogram buckets",
	"quantile":    "summaries",
	overflowLabel: "the cardinality overflow series",
}

// omFamilyName returns the name of the OpenMetrics family a metric is
// written as: a counter's name without _total, any other name as it is.
func omFamilyName(name string, typ Type) string {
	if typ == TypeCounter {
		return strings.TrimSuffix(name, "_total")
	}
	return name
}

// checker collects the problems of one registration.
type checker struct {
	name     string
	problems []error
}

func (c *checker) add(kind error, format string, args ...any) {
	c.problems = append(c.problems, &problem{kind: kind, msg: fmt.Sprintf(format, args...)})
}

func (c *checker) err() error {
	if len(c.problems) == 0 {
		return nil
	}
	return &RegistrationError{Name: c.name, Problems: c.problems}
}

// checkOpts validates a family's name, help, unit and labels for the given
// type, and in strict mode applies the lint rules too. It returns a
// *RegistrationError naming everything that is wrong, or nil.
func checkOpts(o Opts, typ Type, labelNames []string, strict bool) error {
	c := &checker{name: o.Name}
	if !validMetricName(o.Name) {
		c.add(ErrInvalidName, "invalid metric name %q: want [a-zA-Z_:][a-zA-Z0-9_:]*", o.Name)
	}
	if !utf8.ValidString(o.Help) {
		c.add(ErrInvalidOptions, "help text is not valid UTF-8")
	}
	base := o.Name
	if typ == TypeCounter {
		if !strings.HasSuffix(o.Name, "_total") {
			c.add(ErrInvalidName, "counter name %q must end in _total (the OpenMetrics sample name; promtool requires it)", o.Name)
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
			c.add(ErrInvalidName, "metric name %q ends in %s, which OpenMetrics reserves for the samples of other types", o.Name, suffix)
		}
	}
	if o.Unit != "" {
		if !validLabelName(o.Unit) {
			c.add(ErrInvalidUnit, "invalid unit %q", o.Unit)
		} else if !strings.HasSuffix(base, "_"+o.Unit) {
			c.add(ErrInvalidUnit, "metric name %q must end in _%s to carry unit %q (OpenMetrics)", o.Name, o.Unit, o.Unit)
		}
	}
	if o.TTL < 0 {
		c.add(ErrInvalidOptions, "negative TTL %v", o.TTL)
	}
	if o.TTL != 0 && len(labelNames) == 0 {
		c.add(ErrInvalidOptions, "TTL on %q: a family without labels has one series, whose handle must not expire", o.Name)
	}
	if o.Limit < 0 {
		c.add(ErrInvalidOptions, "negative Limit %d", o.Limit)
	}
	seen := map[string]bool{}
	check := func(n, where string) {
		switch {
		case !validLabelName(n):
			c.add(ErrInvalidName, "invalid %s label name %q: want [a-zA-Z_][a-zA-Z0-9_]*, not starting with __", where, n)
		case reservedLabels[n] != "":
			c.add(ErrInvalidName, "%s label name %q is reserved for %s", where, n, reservedLabels[n])
		case seen[n]:
			c.add(ErrInvalidName, "label name %q appears twice", n)
		}
		seen[n] = true
	}
	names, values := sortedPairs(o.ConstLabels)
	for i, n := range names {
		check(n, "constant")
		if !utf8.ValidString(values[i]) {
			c.add(ErrInvalidOptions, "constant label %s has a value that is not valid UTF-8", n)
		}
	}
	for _, n := range labelNames {
		check(n, "variable")
	}
	if strict {
		all := append(names, labelNames...)
		for _, p := range lint.Check(lint.Family{Name: o.Name, Type: typ.String(), HasHelp: strings.TrimSpace(o.Help) != "", LabelNames: all}) {
			c.add(ErrLint, "%s (promtool check metrics; rule %s)", p.Text, p.Rule)
		}
	}
	return c.err()
}
