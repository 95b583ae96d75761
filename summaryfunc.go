package abacus

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

// summaryFunc is a summary family read from a func at each Gather.
type summaryFunc struct {
	fam  *Family
	text string
	fn   func() Summary
}

func (f *summaryFunc) gather() (int, func(*Series, func(*Series) bool) bool) {
	return 1, func(s *Series, yield func(*Series) bool) bool {
		v := f.fn()
		*s = Series{Labels: Labels{fam: f.fam, text: f.text}, Summary: &v}
		return yield(s)
	}
}
func (f *summaryFunc) len() int                         { return 1 }
func (f *summaryFunc) dropped() (limit, invalid uint64) { return 0, 0 }
func (f *summaryFunc) sweep(int64)                      {}
func (f *summaryFunc) rejected() (nan, inf uint64)      { return 0, 0 }

// SummaryFunc registers a summary whose quantiles, sum and count are read
// from fn at every Gather. fn must be safe to call concurrently.
func (r *Registry) SummaryFunc(o Opts, fn func() Summary) error {
	return r.registerScrapeTime(o, TypeSummary, nil, fn == nil, func(f *Family) familyImpl {
		return &summaryFunc{fam: f, text: f.constSet(), fn: fn}
	}, false)
}
