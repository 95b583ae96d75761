package abacus

import (
	"fmt"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// An Exemplar links a counter increment or a histogram observation to
// something outside the metrics, usually a trace: a small label set, the
// value recorded, and when. OpenMetrics limits an exemplar's label names and
// values to 128 characters together. Exemplars are immutable.
type Exemplar struct {
	Labels []Label // sorted by name
	Value  float64
	Time   time.Time
	text   string
}

// LabelText returns the labels as the text formats write them:
// `{name="value",…}`, escaped.
func (e *Exemplar) LabelText() string { return e.text }

// maxExemplarRunes is the OpenMetrics limit on an exemplar's label set.
const maxExemplarRunes = 128

// newExemplar validates labels and builds an exemplar.
func newExemplar(labels map[string]string, v float64) (*Exemplar, error) {
	names, values := sortedPairs(labels)
	runes := 0
	e := &Exemplar{Value: v, Time: time.Now()}
	for i, k := range names {
		if !validLabelName(k) {
			return nil, fmt.Errorf("abacus: exemplar label name %q: %w", k, ErrInvalidName)
		}
		if !utf8.ValidString(values[i]) {
			return nil, fmt.Errorf("abacus: exemplar label %s is not valid UTF-8: %w", k, ErrInvalidValue)
		}
		runes += utf8.RuneCountInString(k) + utf8.RuneCountInString(values[i])
		e.Labels = append(e.Labels, Label{Name: k, Value: values[i]})
	}
	if runes > maxExemplarRunes {
		return nil, fmt.Errorf("abacus: exemplar labels take %d characters; OpenMetrics allows %d: %w", runes, maxExemplarRunes, ErrInvalidValue)
	}
	e.text = "{" + renderPairs(names, values) + "}"
	return e, nil
}

// exemplarSlot holds a counter's latest exemplar.
type exemplarSlot struct{ p atomic.Pointer[Exemplar] }

func (s *exemplarSlot) set(labels map[string]string, v float64) error {
	e, err := newExemplar(labels, v)
	if err != nil {
		return err
	}
	s.p.Store(e)
	return nil
}

func (s *exemplarSlot) get() *Exemplar { return s.p.Load() }

// exemplarRing holds a histogram's latest few exemplars, so that exposition
// can attach to each bucket one whose value it holds.
type exemplarRing struct {
	next atomic.Uint32
	p    [exemplarRingSize]atomic.Pointer[Exemplar]
}

const exemplarRingSize = 8

func (r *exemplarRing) add(labels map[string]string, v float64) error {
	e, err := newExemplar(labels, v)
	if err != nil {
		return err
	}
	r.p[r.next.Add(1)%exemplarRingSize].Store(e)
	return nil
}

// newest returns the most recent exemplar with lo < Value ≤ hi, or nil.
func (r *exemplarRing) newest(lo, hi float64) *Exemplar {
	var best *Exemplar
	for i := range r.p {
		if e := r.p[i].Load(); e != nil && e.Value > lo && e.Value <= hi && (best == nil || e.Time.After(best.Time)) {
			best = e
		}
	}
	return best
}

// all appends the exemplars held, oldest first, to dst.
func (r *exemplarRing) all(dst []*Exemplar) []*Exemplar {
	start := len(dst)
	for i := range r.p {
		if e := r.p[i].Load(); e != nil {
			dst = append(dst, e)
		}
	}
	held := dst[start:]
	for i := 1; i < len(held); i++ { // insertion sort: at most 8
		for j := i; j > 0 && held[j].Time.Before(held[j-1].Time); j-- {
			held[j], held[j-1] = held[j-1], held[j]
		}
	}
	return dst
}
