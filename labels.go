package abacus

import (
	"iter"
	"slices"
	"strings"
)

// A Label is one name and value.
type Label struct {
	Name, Value string
}

// Labels is the label set of one series as Gather yields it: the family's
// constant labels, sorted by name, then its variable labels in the order of
// the family's label names (or, for the overflow series, the one label
// abacus_overflow="true"). It is a view over the series: reading it
// allocates nothing, except Values.
type Labels struct {
	fam  *Family
	key  string // the variable values, each followed by 0xff
	text string // the rendering String returns
	over bool
}

// Len returns the number of labels.
func (l Labels) Len() int {
	if l.fam == nil {
		return 0
	}
	if l.over {
		return len(l.fam.constNames) + 1
	}
	return len(l.fam.constNames) + len(l.fam.labelNames)
}

// All yields every label, constant labels first.
func (l Labels) All() iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		if l.fam == nil {
			return
		}
		for i, n := range l.fam.constNames {
			if !yield(n, l.fam.constValues[i]) {
				return
			}
		}
		if l.over {
			yield(overflowLabel, "true")
			return
		}
		key := l.key
		for _, n := range l.fam.labelNames {
			i := strings.IndexByte(key, 0xff)
			if !yield(n, key[:i]) {
				return
			}
			key = key[i+1:]
		}
	}
}

// Get returns the value of the label with the given name.
func (l Labels) Get(name string) (string, bool) {
	for n, v := range l.All() {
		if n == name {
			return v, true
		}
	}
	return "", false
}

// Values returns the values of the family's variable labels, in the order of
// its label names; nil for the overflow series. It allocates.
func (l Labels) Values() []string {
	if l.over || l.fam == nil {
		return nil
	}
	return splitKey(l.key, len(l.fam.labelNames))
}

// Overflow reports whether this is the family's overflow series, which
// takes the label sets the family could not keep.
func (l Labels) Overflow() bool { return l.over }

// String returns the labels as the Prometheus text formats write them,
// `{name="value",…}` with values escaped, or "" for no labels. It is
// rendered once per series and cached.
func (l Labels) String() string { return l.text }

// overflowLabel labels the overflow series of every family.
const overflowLabel = "abacus_overflow"

// appendLabel appends name="value" with the value escaped for the text
// formats (backslash, double quote and newline).
func appendLabel(b []byte, name, value string) []byte {
	b = append(b, name...)
	b = append(b, `="`...)
	for i := 0; i < len(value); i++ {
		switch c := value[i]; c {
		case '\\':
			b = append(b, `\\`...)
		case '"':
			b = append(b, `\"`...)
		case '\n':
			b = append(b, `\n`...)
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// renderPairs renders name="value" pairs separated by commas, without
// braces.
func renderPairs(names, values []string) string {
	var b []byte
	for i, n := range names {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendLabel(b, n, values[i])
	}
	return string(b)
}

// render returns a series' full label set, `{const…,name="value",…}`, or ""
// when there are no labels.
func (f *Family) render(values []string) string {
	if f.constText == "" && len(values) == 0 {
		return ""
	}
	b := make([]byte, 0, 2+len(f.constText)+16*len(values))
	b = append(b, '{')
	b = append(b, f.constText...)
	for i, n := range f.labelNames {
		if i > 0 || f.constText != "" {
			b = append(b, ',')
		}
		b = appendLabel(b, n, values[i])
	}
	return string(append(b, '}'))
}

// renderOverflow returns the label set of the overflow series.
func (f *Family) renderOverflow() string {
	if f.constText == "" {
		return "{" + overflowLabel + `="true"}`
	}
	return "{" + f.constText + "," + overflowLabel + `="true"}`
}

// sortedPairs returns the names of m sorted and their values.
func sortedPairs(m map[string]string) (names, values []string) {
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		values = append(values, m[k])
	}
	return names, values
}
