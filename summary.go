package abacus

import "time"

// A Summary is the value of a summary series: precomputed quantiles with the
// sum and count they were computed over. Abacus computes quantiles from
// histograms; summaries appear only where an established metric is one,
// such as go_gc_duration_seconds.
type Summary struct {
	Quantiles []Quantile
	Sum       float64
	Count     uint64
}

// A Quantile is one quantile of a Summary.
type Quantile struct {
	Q, Value float64
}

// summaryFunc is a summary family read from a func at each exposition.
type summaryFunc struct {
	fam *Family
	fn  func() Summary
}

func (f *summaryFunc) each(yield func(Sample)) {
	labels := ""
	if f.fam.constLabels != "" {
		labels = "{" + f.fam.constLabels + "}"
	}
	s := f.fn()
	yield(Sample{Labels: labels, Summary: &s})
}
func (f *summaryFunc) len() int                               { return 1 }
func (f *summaryFunc) dropped() (limit, invalid uint64)       { return 0, 0 }
func (f *summaryFunc) sweep(now time.Time, ttl time.Duration) {}

// SummaryFunc registers a summary whose quantiles, sum and count are read
// from fn at every exposition. fn must be safe to call concurrently.
func (r *Registry) SummaryFunc(o Opts, fn func() Summary) error {
	if fn == nil {
		return errorf("abacus: metric %q: nil func", o.Name)
	}
	f, err := r.newFamily(o, TypeSummary, nil)
	if err != nil {
		return err
	}
	f.isFunc = true
	f.impl = &summaryFunc{fam: f, fn: fn}
	_, err = r.register(f)
	return err
}
