package abacus

import (
	"fmt"
	"slices"
)

// labelled is what CounterVec, GaugeVec and HistogramVec share: a vec, and
// the label values fixed by currying (Curry), if any.
type labelled[M any, P metricPtr[M]] struct {
	v     *vec[M, P]
	fixed []string // per label position, the curried value; nil if not curried
	free  []int    // the positions With's values fill, in order
}

// maxStackLabels is the number of labels a curried lookup assembles without
// allocating.
const maxStackLabels = 8

func (l *labelled[M, P]) with(values []string) *M { return l.v.get(l, values) }

// get is the With of the public vectors, one call from each: vec.with, or
// for a curried vector the lookup of its full values.
func (v *vec[M, P]) get(l *labelled[M, P], values []string) *M {
	if l.fixed != nil {
		return l.withCurried(values)
	}
	p := makeProbe(v.seed, values)
	if s := v.table.Load().find(p, values); s != nil {
		return &s.m
	}
	return v.create(p, values)
}

// withCurried is with for a curried vector: the free values go into a copy
// of the curried ones, on the stack for up to maxStackLabels labels.
func (l *labelled[M, P]) withCurried(values []string) *M {
	if len(values) != len(l.free) {
		l.v.invalid.Inc()
		return l.v.overflowSeries()
	}
	var buf [maxStackLabels]string
	full := buf[:0]
	if len(l.fixed) > maxStackLabels {
		full = make([]string, 0, len(l.fixed))
	}
	full = append(full, l.fixed...)
	for i, p := range l.free {
		full[p] = values[i]
	}
	return l.v.with(full)
}

// withLabels looks up the series of a label map, which must name every
// label With takes and no other.
func (l *labelled[M, P]) withLabels(labels map[string]string) *M {
	var buf [maxStackLabels]string
	values, ok := l.valuesOf(labels, buf[:0])
	if !ok {
		l.v.invalid.Inc()
		return l.v.overflowSeries()
	}
	return l.with(values)
}

// valuesOf appends to values the values With takes, in order, from a label
// map.
func (l *labelled[M, P]) valuesOf(labels map[string]string, values []string) ([]string, bool) {
	names := l.v.fam.labelNames
	n := len(names)
	if l.fixed != nil {
		n = len(l.free)
	}
	if len(labels) != n {
		return nil, false
	}
	for i, name := range names {
		if l.fixed != nil && !slices.Contains(l.free, i) {
			continue
		}
		v, ok := labels[name]
		if !ok {
			return nil, false
		}
		values = append(values, v)
	}
	return values, true
}

func (l *labelled[M, P]) delete(values []string) bool {
	if l.fixed == nil {
		return l.v.remove(values)
	}
	if len(values) != len(l.free) {
		return false
	}
	full := slices.Clone(l.fixed)
	for i, p := range l.free {
		full[p] = values[i]
	}
	return l.v.remove(full)
}

func (l *labelled[M, P]) deleteLabels(labels map[string]string) bool {
	values, ok := l.valuesOf(labels, nil)
	return ok && l.delete(values)
}

// deletePartialMatch deletes every series whose labels include all of
// labels (and, curried, the curried values).
func (l *labelled[M, P]) deletePartialMatch(labels map[string]string) int {
	names := l.v.fam.labelNames
	want := map[int]string{}
	for _, p := range l.curriedPositions() {
		want[p] = l.fixed[p]
	}
	for k, val := range labels {
		i := slices.Index(names, k)
		if i < 0 {
			return 0 // a label the family does not have matches nothing
		}
		if old, ok := want[i]; ok && old != val {
			return 0
		}
		want[i] = val
	}
	return l.v.removeMatching(func(values []string) bool {
		for i, val := range want {
			if values[i] != val {
				return false
			}
		}
		return true
	})
}

// curriedPositions returns the label positions currying fixed.
func (l *labelled[M, P]) curriedPositions() []int {
	if l.fixed == nil {
		return nil
	}
	var out []int
	for i := range l.fixed {
		if !slices.Contains(l.free, i) {
			out = append(out, i)
		}
	}
	return out
}

// reset deletes every series; a curried vector deletes the series of its
// curried values only.
func (l *labelled[M, P]) reset() {
	if l.fixed == nil {
		l.v.reset()
		return
	}
	l.deletePartialMatch(nil)
}

// curry returns a vector with the given labels fixed.
func (l *labelled[M, P]) curry(labels map[string]string) (labelled[M, P], error) {
	names := l.v.fam.labelNames
	fixed := make([]string, len(names))
	if l.fixed != nil {
		copy(fixed, l.fixed)
	}
	free := l.free
	if l.fixed == nil {
		free = make([]int, len(names))
		for i := range free {
			free[i] = i
		}
	}
	var rest []int
	for _, p := range free {
		if v, ok := labels[names[p]]; ok {
			fixed[p] = v
			continue
		}
		rest = append(rest, p)
	}
	used := len(free) - len(rest)
	if used != len(labels) {
		for k := range labels {
			if i := slices.Index(names, k); i < 0 || !slices.Contains(free, i) {
				return labelled[M, P]{}, fmt.Errorf("abacus: %s: cannot curry label %q: %w", l.v.fam.name, k, ErrInvalidName)
			}
		}
	}
	return labelled[M, P]{v: l.v, fixed: fixed, free: rest}, nil
}

// labelNames returns the names With takes.
func (l *labelled[M, P]) labelNames() []string {
	if l.fixed == nil {
		return slices.Clone(l.v.fam.labelNames)
	}
	out := make([]string, len(l.free))
	for i, p := range l.free {
		out[i] = l.v.fam.labelNames[p]
	}
	return out
}
