// Package promclient bridges Abacus and prometheus/client_golang, so that a
// service can move from one to the other a piece at a time:
//
//   - Collector registers an Abacus registry in a client_golang registry,
//     for services whose /metrics is still promhttp.
//   - Handler serves an Abacus registry and a client_golang Gatherer from
//     one Abacus handler, for services that switched the endpoint first.
package promclient

import (
	"bytes"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/expo"
	"github.com/abacusgo/abacus/expo/promproto"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"google.golang.org/protobuf/encoding/protodelim"
)

// Collector returns a prometheus.Collector that collects every family of
// reg at each client_golang scrape. It is an unchecked collector (its
// Describe sends nothing), since the families can change after
// registration. Native histograms come along in the protobuf form.
func Collector(reg *abacus.Registry) prometheus.Collector { return &collector{reg} }

type collector struct{ reg *abacus.Registry }

func (c *collector) Describe(chan<- *prometheus.Desc) {}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	for _, mf := range promproto.Gather(c.reg) {
		for _, m := range mf.GetMetric() {
			names := make([]string, len(m.GetLabel()))
			for i, l := range m.GetLabel() {
				names[i] = l.GetName()
			}
			slices.SortFunc(m.Label, func(a, b *dto.LabelPair) int { return strings.Compare(a.GetName(), b.GetName()) })
			slices.Sort(names)
			desc := prometheus.NewDesc(mf.GetName(), mf.GetHelp(), names, nil)
			ch <- &metric{desc: desc, m: m}
		}
	}
}

// metric is one collected series, already in client_golang's wire form.
type metric struct {
	desc *prometheus.Desc
	m    *dto.Metric
}

func (m *metric) Desc() *prometheus.Desc { return m.desc }

func (m *metric) Write(out *dto.Metric) error {
	out.Label = m.m.Label
	out.Counter, out.Gauge, out.Histogram, out.Summary = m.m.Counter, m.m.Gauge, m.m.Histogram, m.m.Summary
	return nil
}

// Handler serves reg and the families g gathers in one response, in the
// format the client negotiates: Prometheus text, OpenMetrics or protobuf
// (expvar JSON shows reg only). Families of g whose name reg also has are
// left out, so a metric moved to Abacus is never exposed twice.
func Handler(reg *abacus.Registry, g prometheus.Gatherer, opts ...expo.HandlerOption) http.Handler {
	encoders := []expo.HandlerOption{
		expo.WithEncoder(expo.Encoder{ContentType: expo.ContentTypeText, MediaType: "text/plain",
			Write: func(w io.Writer, r *abacus.Registry) error {
				if err := expo.WriteText(w, r); err != nil {
					return err
				}
				return each(r, g, func(mf *dto.MetricFamily) error { _, err := expfmt.MetricFamilyToText(w, mf); return err })
			}}),
		expo.WithEncoder(expo.Encoder{ContentType: expo.ContentTypeOpenMetrics, MediaType: "application/openmetrics-text",
			Write: func(w io.Writer, r *abacus.Registry) error {
				var b bytes.Buffer
				if err := expo.WriteOpenMetrics(&b, r); err != nil {
					return err
				}
				if _, err := w.Write(bytes.TrimSuffix(b.Bytes(), []byte("# EOF\n"))); err != nil {
					return err
				}
				if err := each(r, g, func(mf *dto.MetricFamily) error {
					_, err := expfmt.MetricFamilyToOpenMetrics(w, mf, expfmt.WithCreatedLines())
					return err
				}); err != nil {
					return err
				}
				_, err := expfmt.FinalizeOpenMetrics(w)
				return err
			}}),
		expo.WithEncoder(expo.Encoder{ContentType: promproto.ContentType, MediaType: promproto.Encoder().MediaType, Params: promproto.Encoder().Params,
			Write: func(w io.Writer, r *abacus.Registry) error {
				if err := promproto.Write(w, r); err != nil {
					return err
				}
				return each(r, g, func(mf *dto.MetricFamily) error { _, err := protodelim.MarshalTo(w, mf); return err })
			}}),
	}
	return expo.Handler(reg, append(encoders, opts...)...)
}

// each calls f for every family g gathers that r does not have. A gather
// error is returned after the families gathered are written, as promhttp
// does with its continue-on-error handling.
func each(r *abacus.Registry, g prometheus.Gatherer, f func(*dto.MetricFamily) error) error {
	mfs, gerr := g.Gather()
	for _, mf := range mfs {
		if r.Family(mf.GetName()) != nil {
			continue
		}
		if err := f(mf); err != nil {
			return err
		}
	}
	return gerr
}
