// Package otelbridge connects Abacus and OpenTelemetry in both directions,
// in a module of its own so that Abacus's core never imports the
// OpenTelemetry SDK:
//
//   - NewMeterProvider implements the OpenTelemetry metrics API
//     (go.opentelemetry.io/otel/metric) over an abacus.Registry, so that
//     code and libraries instrumented with OpenTelemetry (otelhttp and the
//     rest) record at Abacus's speed and are exposed in every Abacus format;
//   - NewProducer is an OpenTelemetry SDK Producer, so that an SDK pipeline
//     (a ManualReader, or a PeriodicReader with any exporter) also carries a
//     registry's metrics.
//
// Usage:
//
//	reg := abacus.NewRegistry()
//	mp := otelbridge.NewMeterProvider(reg)
//	otel.SetMeterProvider(mp) // or pass it: otelhttp.WithMeterProvider(mp)
//	http.Handle("/metrics", expo.Handler(reg))
//
// # Instruments and families
//
// Each instrument records into one family of the registry:
//
//	Counter                  counter family            Add
//	UpDownCounter            gauge family              Add
//	Gauge                    gauge family              Set
//	Histogram                histogram family          Observe (exponential buckets, plus classic ones)
//	ObservableCounter        counter func family       its callbacks, run at every scrape
//	ObservableUpDownCounter  gauge func family         likewise
//	ObservableGauge          gauge func family         likewise
//
// The family's name and unit are the instrument's as the
// OpenTelemetry–Prometheus compatibility specification translates them
// (otlp.PrometheusName, otlp.PrometheusUnit): http.server.request.duration
// in "s" is http_server_request_duration_seconds, a counter's name ends in
// _total, a gauge in "1" in _ratio. Abacus refuses names ending in a suffix
// OpenMetrics reserves for other types' samples, so those get "_value"
// after it (db.client.connection.count is db_client_connection_count_value).
// The description is the family's help. Instruments of one name share one
// family, whichever meter made them and whether they take int64 or
// float64; the instrumentation scope is not recorded. An instrument whose
// family would be of another kind than an existing one's, with an invalid
// name or invalid bucket boundaries, is not made: the meter returns a
// no-op instrument and an error wrapping ErrInstrument.
//
// A histogram family's series record Abacus's native exponential buckets,
// which every format with native histograms exposes and NewProducer
// exports unchanged, plus classic buckets, the same for every series: the
// instrument's WithExplicitBucketBoundaries advice if it has one (otelhttp's
// duration histograms do), else powers of two, which cost nothing to record:
// 2^-10…2^4 for "s", 2^0…2^14 for "ms", and powers of four from 1 to 2^30
// for other units.
//
// # Attributes and labels
//
// A family has fixed label names, while an instrument's attribute keys may
// differ from one measurement to the next. The policy:
//
//   - A family's label names are the label names of the attribute keys
//     declared for its instrument with WithAttributeKeys, in that order, or
//     else of the sorted keys of its first measurement. Built-in
//     declarations (BuiltinAttributeKeys) cover the HTTP server and client
//     instruments of the semantic conventions, which otelhttp records;
//     WithAttributeKeys overrides them. A family with declared keys is
//     registered when its instrument is made; one without, at its first
//     measurement.
//   - An attribute key's label name is the key with every character
//     outside [a-zA-Z0-9_] replaced by '_', and "key_" before a leading
//     digit, as the specification says; "key" also goes before a leading
//     "__" (reserved by Prometheus) and "key_" before the names Abacus
//     reserves (le, quantile, abacus_overflow). Where two keys of one
//     measurement have one label name, their values are joined with ";" in
//     key order.
//   - Values are label values as the specification's representation for
//     non-OTLP protocols writes them (attribute.Value.String): strings as
//     they are, booleans and numbers as JSON literals, slices as JSON
//     arrays.
//   - A measurement without one of the family's keys has "" for that
//     label, which Prometheus treats as absent.
//   - A measurement with a key the family has no label for is still
//     recorded, its value counted, in the series of its other keys; the
//     dropped key is counted (Stats.DroppedKeys and
//     abacus_otel_attribute_keys_dropped_total{instrument}, at every such
//     measurement) and logged once per instrument and key, naming
//     WithAttributeKeys. Nothing is dropped silently.
//
// # Values
//
// A negative increment to a Counter, and a NaN or infinite one to a
// Counter or UpDownCounter (which would stay in the sum for ever), is not
// recorded: it is counted (Stats, abacus_otel_measurements_refused_total
// {instrument,reason}) and logged once per instrument and reason. A Gauge
// takes any value, NaN included, as Abacus's gauges do. A Histogram's NaN
// and infinite observations are refused by the histogram and counted in
// abacus_observations_rejected_total, as for any Abacus histogram. Int64
// values go into float64 gauges and sums: exact up to 2^53.
//
// # Cardinality
//
// Every family has the registry's cardinality limit (abacus.DefaultLimit
// unless the registry says otherwise): beyond it, new attribute sets share
// the family's overflow series, abacus_overflow="true", and are counted in
// abacus_series_dropped_total; their values still count. WithTTL makes
// idle series expire.
//
// # Costs
//
// A measurement with an attribute set seen before is a lock-free lookup of
// the set's attribute.Distinct (its 64-bit hash, which the SDK keys its
// series by too) in a read-only map, then the Abacus add or observe: no
// lock, no allocation. One allocation is the caller's: Go puts the
// variadic option slice of a call through an interface on the heap, so
// c.Add(ctx, 1, opt) allocates 16 bytes with any implementation, the SDK's
// included; build the slice once (opts := []metric.AddOption{opt};
// c.Add(ctx, 1, opts...)), as otelhttp does with a pool, and there is
// none. A set not seen before costs the label mapping, a label lookup and
// a few allocations once; the cache keeps twice the family's limit (plus
// 64) sets, beyond which each new set pays that at every measurement. Two
// different sets with the same 64-bit hash would share a series, as in the
// SDK (for 2,000 sets, a chance of about 1 in 10^13).
//
// Exemplars: a measurement made in the context of a sampled span (Counter
// and Histogram; a Float64Counter increment only when it is a whole number)
// records an exemplar with the span's trace_id and span_id, which costs
// about 17 allocations and a kilobyte at every such measurement. Services
// sampling every request may prefer WithoutExemplars.
//
// Observable instruments run their callbacks at every scrape (every
// Gather) of their family: a callback registered for several instruments
// runs once per family. Observations that map to one series add up for
// counters and up-down counters; a gauge keeps the last. A callback's
// error is counted (Stats.CallbackErrors) and logged once; what it
// observed before is recorded. An observable instrument without declared
// keys learns them by running its callbacks once when they are registered;
// if they observe nothing then, it is counted in
// abacus_otel_instruments_pending and its family is registered at the
// first scrape whose run of its callbacks observes something (exposed from
// the scrape after).
//
// # Exporting
//
// The MeterProvider exports nothing itself: its metrics are the
// registry's, exposed by expo.Handler and the other writers, pushed by
// otlp.Exporter, or carried by an SDK pipeline through NewProducer. So a
// metric recorded through it is exported once per path; do not export one
// registry to the same backend by two paths (otlp.Exporter and a Producer,
// or two Producers), or split it with WithFilter.
//
// # Concurrency
//
// Everything in this package is safe for concurrent use: MeterProvider,
// its meters and instruments, Registration.Unregister, Producer.Produce.
// Measurements of sets seen before are lock-free; instrument creation,
// a set's first measurement and callback registration take locks.
package otelbridge
