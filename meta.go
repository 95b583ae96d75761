package abacus

import "time"

// meta holds the registry's metrics about itself.
type meta struct {
	scrapes  *Counter
	duration *Histogram
}

// register adds the meta metrics; a failure is a bug in this package.
func (m *meta) register(r *Registry) {
	must := func(err error) {
		if err != nil {
			panic("BUG: " + err.Error())
		}
	}
	must(r.GaugeFunc(Opts{Name: "abacus_families", Help: "Metric families in the registry."}, func() float64 {
		return float64(len(r.Families()))
	}))
	m.scrapes = Must(r.Counter(Opts{Name: "abacus_scrapes_total", Help: "Gathers of the registry: expositions and exports."}))
	m.duration = Must(r.Histogram(HistogramOpts{
		Opts:    Opts{Name: "abacus_scrape_duration_seconds", Help: "Time to gather and write one exposition or export.", Unit: "seconds"},
		Buckets: PowersOfTwo(-14, 0),
	}))
	must(r.GaugeVecFunc(Opts{Name: "abacus_series", Help: "Series per metric family, the overflow series included (for scrape-time families, as of the last gather)."},
		[]string{"family"}, func(emit func([]string, float64)) {
			for _, f := range r.Families() {
				emit([]string{f.name}, float64(f.Len()))
			}
		}))
	must(r.CounterVecFunc(Opts{Name: "abacus_series_dropped_total", Help: "Lookups of label sets that went to a family's overflow series (each With of a refused set counts), or scrape-time series left out, by reason (limit or invalid)."},
		[]string{"family", "reason"}, func(emit func([]string, float64)) {
			for _, f := range r.Families() {
				limit, invalid := f.Dropped()
				if limit > 0 {
					emit([]string{f.name, "limit"}, float64(limit))
				}
				if invalid > 0 {
					emit([]string{f.name, "invalid"}, float64(invalid))
				}
			}
		}))
	must(r.CounterVecFunc(Opts{Name: "abacus_observations_rejected_total", Help: "Histogram observations refused, in no bucket, count or sum: NaN (reason nan), or ±Inf or beyond ±2^64 (reason inf)."},
		[]string{"family", "reason"}, func(emit func([]string, float64)) {
			for _, f := range r.Families() {
				if f.typ != TypeHistogram {
					continue
				}
				nan, inf := f.Rejected()
				if nan > 0 {
					emit([]string{f.name, "nan"}, float64(nan))
				}
				if inf > 0 {
					emit([]string{f.name, "inf"}, float64(inf))
				}
			}
		}))
}

// scraped records one gather that started at start.
func (r *Registry) scraped(start time.Time) {
	if r.meta != nil {
		r.meta.scrapes.Inc()
		r.meta.duration.ObserveDuration(time.Since(start))
	}
}
