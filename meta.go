package abacus

import "time"

// meta holds the registry's metrics about itself.
type meta struct {
	scrapes  *Counter
	duration *Histogram
}

func (m *meta) register(r *Registry) {
	must := func(err error) {
		if err != nil {
			panic("BUG: " + err.Error())
		}
	}
	must(r.GaugeFunc(Opts{Name: "abacus_families", Help: "Metric families in the registry."}, func() float64 {
		return float64(len(r.Families()))
	}))
	m.scrapes = Must(r.Counter(Opts{Name: "abacus_scrapes_total", Help: "Expositions of the registry."}))
	r.registerCollected(Opts{Name: "abacus_series", Help: "Series per metric family, the overflow series included."},
		TypeGauge, []string{"family"}, func(yield func(values []string, v float64)) {
			for _, f := range r.Families() {
				if _, meta := f.impl.(*collected); !meta { // counting itself would recurse
					yield([]string{f.name}, float64(f.Len()))
				}
			}
		})
	r.registerCollected(Opts{Name: "abacus_series_dropped_total", Help: "Lookups of label sets that went to a family's overflow series (each With of a refused set counts), by reason."},
		TypeCounter, []string{"family", "reason"}, func(yield func(values []string, v float64)) {
			for _, f := range r.Families() {
				limit, invalid := f.Dropped()
				if limit > 0 {
					yield([]string{f.name, "limit"}, float64(limit))
				}
				if invalid > 0 {
					yield([]string{f.name, "invalid"}, float64(invalid))
				}
			}
		})
	m.duration = Must(r.Histogram(HistogramOpts{Opts: Opts{
		Name: "abacus_scrape_duration_seconds", Help: "Time to gather and write one exposition.", Unit: "seconds",
	}}))
}

// Scraped records one exposition that took d; package expo calls it.
func (r *Registry) Scraped(d time.Duration) {
	if r.meta != nil {
		r.meta.scrapes.Inc()
		r.meta.duration.ObserveDuration(d)
	}
}

// Sweep removes series idle for longer than their family's TTL. Package
// expo calls it before each exposition; call it yourself if the registry is
// not scraped.
func (r *Registry) Sweep() {
	now := r.now()
	for _, f := range r.Families() {
		if f.ttl > 0 {
			f.impl.sweep(now, f.ttl)
		}
	}
}

// collected is a family whose series are computed at each exposition.
type collected struct {
	fam     *Family
	collect func(yield func(values []string, v float64))
}

func (c *collected) each(yield func(Sample)) {
	c.collect(func(values []string, v float64) {
		yield(Sample{Labels: c.fam.render(values), Value: v, key: joinKey(values), n: len(values)})
	})
}

func (c *collected) len() int {
	n := 0
	c.collect(func([]string, float64) { n++ })
	return n
}

func (c *collected) dropped() (limit, invalid uint64)       { return 0, 0 }
func (c *collected) sweep(now time.Time, ttl time.Duration) {}

// registerCollected registers a family computed by collect; it panics on a
// bad definition, which is a bug in this package.
func (r *Registry) registerCollected(o Opts, typ Type, labelNames []string, collect func(yield func([]string, float64))) {
	f := Must(r.newFamily(o, typ, labelNames))
	f.isFunc = true
	f.impl = &collected{fam: f, collect: collect}
	Must(r.register(f))
}
