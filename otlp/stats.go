package otlp

import (
	"time"

	"github.com/abacusgo/abacus"
)

// ExporterStats counts what an Exporter did since it was made.
type ExporterStats struct {
	// Requests were delivered (accepted whole or in part).
	Requests uint64
	// Rejected requests got a status that is not retried (400, 413, …).
	Rejected uint64
	// Dropped requests were not delivered: the queue overflowed, their
	// retry budget ran out, or the exporter shut down first.
	Dropped uint64
	// Retries counts attempts made again after a retryable failure.
	Retries uint64
	// Points delivered, rejected (by a rejected request or a partial
	// success) and dropped.
	Points, RejectedPoints, DroppedPoints uint64
	// Bytes is the size of every attempt's request body, as sent.
	Bytes uint64
	// Queued is the number of requests waiting, the one being sent
	// included.
	Queued int
	// LastSuccess is when a request was last delivered; zero if never.
	LastSuccess time.Time
}

// Stats returns the exporter's counts. It is safe to call at any time.
func (x *Exporter) Stats() ExporterStats {
	x.mu.Lock()
	q := len(x.queue)
	if x.inflight != nil {
		q++
	}
	x.mu.Unlock()
	s := ExporterStats{
		Requests: x.requests.Load(), Rejected: x.rejected.Load(), Dropped: x.dropped.Load(),
		Retries: x.retries.Load(), Points: x.points.Load(), RejectedPoints: x.rejectedPoints.Load(),
		DroppedPoints: x.droppedPoints.Load(), Bytes: uint64(x.sentBytes.Load()), Queued: q,
	}
	if t := x.lastSuccess.Load(); t != 0 {
		s.LastSuccess = time.Unix(0, t)
	}
	return s
}

// Register adds the exporter's own metrics to reg, read from Stats at each
// Gather:
//
//	abacus_otlp_exporter_requests_total{result="sent|rejected|dropped"}
//	abacus_otlp_exporter_points_total{result="sent|rejected|dropped"}
//	abacus_otlp_exporter_retries_total
//	abacus_otlp_exporter_sent_bytes_total
//	abacus_otlp_exporter_queue_requests
//	abacus_otlp_exporter_last_success_timestamp_seconds
//
// Rejected or dropped requests and points mean data that did not reach
// the receiver. It fails if reg already has one of those names.
func (x *Exporter) Register(reg *abacus.Registry) error {
	result := []string{"result"}
	if err := reg.CounterVecFunc(abacus.Opts{Name: "abacus_otlp_exporter_requests_total",
		Help: "OTLP export requests by how they ended: sent (delivered), rejected (a status not retried), dropped (queue full, retries spent, shutdown)."},
		result, func(emit func([]string, float64)) {
			s := x.Stats()
			emit([]string{"sent"}, float64(s.Requests))
			emit([]string{"rejected"}, float64(s.Rejected))
			emit([]string{"dropped"}, float64(s.Dropped))
		}); err != nil {
		return err
	}
	if err := reg.CounterVecFunc(abacus.Opts{Name: "abacus_otlp_exporter_points_total",
		Help: "OTLP data points by how their request ended; rejected includes the points a partial success refused."},
		result, func(emit func([]string, float64)) {
			s := x.Stats()
			emit([]string{"sent"}, float64(s.Points))
			emit([]string{"rejected"}, float64(s.RejectedPoints))
			emit([]string{"dropped"}, float64(s.DroppedPoints))
		}); err != nil {
		return err
	}
	for _, m := range []struct {
		name, help string
		counter    bool
		v          func(ExporterStats) float64
	}{
		{"abacus_otlp_exporter_retries_total", "OTLP export attempts made again after a retryable failure (429, 502, 503, 504, no answer).", true,
			func(s ExporterStats) float64 { return float64(s.Retries) }},
		{"abacus_otlp_exporter_sent_bytes_total", "Bytes of OTLP request bodies sent, every attempt, as sent (compressed).", true,
			func(s ExporterStats) float64 { return float64(s.Bytes) }},
		{"abacus_otlp_exporter_queue_requests", "OTLP export requests waiting to be sent, the one being sent included.", false,
			func(s ExporterStats) float64 { return float64(s.Queued) }},
		{"abacus_otlp_exporter_last_success_timestamp_seconds", "When an OTLP export request was last delivered, in unix seconds; 0 if never.", false,
			func(s ExporterStats) float64 {
				if s.LastSuccess.IsZero() {
					return 0
				}
				return float64(s.LastSuccess.UnixNano()) / 1e9
			}},
	} {
		fn := func() float64 { return m.v(x.Stats()) }
		var err error
		if m.counter {
			err = reg.CounterFunc(abacus.Opts{Name: m.name, Help: m.help}, fn)
		} else {
			err = reg.GaugeFunc(abacus.Opts{Name: m.name, Help: m.help}, fn)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
