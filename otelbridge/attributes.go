package otelbridge

import (
	"slices"

	"go.opentelemetry.io/otel/attribute"
)

// A keyMap turns attribute sets into the label values of one family: it
// holds the family's label names and, for each, where an attribute's value
// goes. It is immutable once built, and so safe for concurrent use.
type keyMap struct {
	names []string       // the family's label names, in order
	index map[string]int // label name → position in names
}

// newKeyMap returns the key map of a family whose label names are those of
// keys (attribute keys), in the order given, each name once.
func newKeyMap(keys []string) *keyMap {
	m := &keyMap{index: map[string]int{}}
	for _, k := range keys {
		n := labelName(k)
		if _, dup := m.index[n]; n == "" || dup {
			continue
		}
		m.index[n] = len(m.names)
		m.names = append(m.names, n)
	}
	return m
}

// learnKeys returns the key map of a family whose label names are taken
// from a first measurement: the sorted keys of its attribute set.
func learnKeys(set *attribute.Set) *keyMap {
	keys := make([]string, 0, set.Len())
	for _, kv := range set.ToSlice() {
		keys = append(keys, string(kv.Key))
	}
	slices.Sort(keys) // a Set is sorted already; this keeps the rule explicit
	return newKeyMap(keys)
}

// values returns the label values of set, in the order of the family's
// label names: "" for a label the set lacks, and the values of several keys
// that map to one label name joined with ";" in key order, as the
// compatibility specification says. Keys that map to no label of the family
// are returned in dropped (nil when there are none).
func (m *keyMap) values(set *attribute.Set) (values, dropped []string) {
	values = make([]string, len(m.names))
	var filled []bool
	for _, kv := range set.ToSlice() { // sorted by key
		i, ok := m.index[labelName(string(kv.Key))]
		if !ok {
			dropped = append(dropped, string(kv.Key))
			continue
		}
		v := formatValue(kv.Value)
		if filled == nil {
			filled = make([]bool, len(m.names))
		}
		if filled[i] {
			values[i] += ";" + v
		} else {
			values[i], filled[i] = v, true
		}
	}
	return values, dropped
}

// formatValue renders an attribute value as a label value, as the
// specification's AnyValue representation for non-OTLP protocols has it
// (attribute.Value.String): a string as it is, booleans and numbers as JSON
// literals (NaN and infinities as NaN, Infinity, -Infinity), slices as JSON
// arrays, byte slices in base64, maps as JSON objects.
func formatValue(v attribute.Value) string { return v.String() }
