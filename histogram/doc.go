// Package histogram records distributions of float64 values, such as request
// latencies, in base-2 exponential buckets: the bucket layout of Prometheus
// native histograms and of OpenTelemetry exponential histograms, so that both
// exports are exact, with no re-bucketing.
//
// At scale s, bucket i holds the values in (2^(i·2^-s), 2^((i+1)·2^-s)] (the
// OpenTelemetry numbering; Prometheus numbers the same bucket i+1). Values
// whose absolute value is at most the zero threshold go to a zero bucket, and
// negative values to a mirrored set of buckets. Every quantile read from a
// histogram at scale s is within a relative error of
// (2^(2^-s) - 1) / (2^(2^-s) + 1) of the true value at that rank:
// 0.54% at the default scale 6 (see RelativeError).
//
// # Recording
//
// A Histogram is safe for concurrent use, and recording is lock-free:
// Observe picks a per-P shard (see package counter's PerCPU), finds the
// bucket in O(1) from the float's exponent bits and a small table, and does
// one atomic add for the bucket and one compare-and-swap for the sum. It
// allocates nothing once the buckets it touches exist; buckets are allocated
// lazily in chunks.
//
// # Reading
//
// Snapshot returns an immutable Snapshot taken while writers run (Snapshot
// and Interval wait for each other; writers never wait). A Snapshot answers
// Count, Sum, Min, Max, Mean, Quantile and CDF, iterates its buckets, merges
// exactly with other snapshots (at the coarser scale if the scales differ),
// converts to Prometheus native, OpenTelemetry exponential and classic
// cumulative forms, and encodes to a compact, canonical binary form.
// Interval takes what was recorded since the last Interval, losing nothing;
// Window keeps a ring of intervals for a sliding view. Counts saturate at
// MaxCount.
//
// The zero Snapshot is an empty snapshot and the zero Layout a layout with
// no bounds; the zero Histogram and the zero Window are not usable (use New
// and NewWindow), and their methods panic at once saying so.
package histogram
