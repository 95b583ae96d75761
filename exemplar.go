package abacus

import (
	"fmt"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// An Exemplar links a counter increment or a histogram observation to
// something outside the metrics, usually a trace: a small label set, the
// value recorded, and when. OpenMetrics limits an exemplar's label names and
// values to 128 characters together.
type Exemplar struct {
	Labels string // rendered `{name="value",…}`
	Value  float64
	Time   time.Time
}

// maxExemplarRunes is the OpenMetrics limit on an exemplar's label set.
const maxExemplarRunes = 128

// newExemplar validates labels and builds an exemplar.
func newExemplar(labels map[string]string, v float64) (*Exemplar, error) {
	runes := 0
	for _, k := range sortedKeys(labels) {
		if !validLabelName(k) {
			return nil, fmt.Errorf("abacus: exemplar label name %q is invalid", k)
		}
		if !utf8.ValidString(labels[k]) {
			return nil, fmt.Errorf("abacus: exemplar label %s is not valid UTF-8", k)
		}
		runes += utf8.RuneCountInString(k) + utf8.RuneCountInString(labels[k])
	}
	if runes > maxExemplarRunes {
		return nil, fmt.Errorf("abacus: exemplar labels take %d characters; OpenMetrics allows %d", runes, maxExemplarRunes)
	}
	var b strings.Builder
	b.WriteByte('{')
	b.WriteString(renderConst(labels))
	b.WriteByte('}')
	return &Exemplar{Labels: b.String(), Value: v, Time: time.Now()}, nil
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

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }
