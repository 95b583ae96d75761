package otlp

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/abacusgo/abacus"
)

// DefaultEndpoint is where an Exporter pushes unless told otherwise: an
// OpenTelemetry Collector's OTLP/HTTP receiver on this host.
const DefaultEndpoint = "http://localhost:4318/v1/metrics"

// ExporterOptions configure an Exporter. Zero fields take the defaults
// given, which are the OpenTelemetry SDK's.
type ExporterOptions struct {
	// Options say what each request holds (resource, temporality, …).
	Options
	// Endpoint is the full URL requests are POSTed to, path included
	// ("/v1/metrics" for a Collector, "/api/v1/otlp/v1/metrics" for
	// Prometheus). Default DefaultEndpoint.
	Endpoint string
	// Headers are added to every request (an authorization token, say).
	Headers map[string]string
	// Interval between exports in Run. Default 60 s.
	Interval time.Duration
	// Timeout of one attempt to send one request. Default 10 s.
	Timeout time.Duration
	// NoCompression sends requests uncompressed; by default they are
	// gzipped (Content-Encoding: gzip).
	NoCompression bool
	// QueueSize is how many requests wait to be sent while the receiver is
	// slow or away; when it is full the oldest is dropped. Default 16.
	QueueSize int
	// MaxElapsed bounds how long one request is retried, from its
	// collection; past it the request is dropped. Default 1 min.
	MaxElapsed time.Duration
	// InitialBackoff and MaxBackoff bound the exponential backoff between
	// retries that the receiver did not time with Retry-After. Defaults
	// 5 s and 30 s.
	InitialBackoff, MaxBackoff time.Duration
	// ShutdownTimeout bounds Run's final export after its context ends.
	// Default Timeout.
	ShutdownTimeout time.Duration
	// Client sends the requests. Default: a client of its own with
	// http.DefaultTransport's settings.
	Client *http.Client
	// Logger reports what receivers rejected and requests dropped.
	// Default slog.Default().
	Logger *slog.Logger
}

// ErrDropped is wrapped by the error of a request that was not delivered
// and will not be: the queue overflowed, its retry budget (MaxElapsed)
// ran out, or the exporter shut down first.
var ErrDropped = errors.New("otlp: request dropped")

// A RejectedError is a receiver's refusal of a request with a status that
// the specification says not to retry (400 and 413 among them). The
// request is not retried; its points are counted as rejected.
type RejectedError struct {
	StatusCode int
	// Message is the receiver's google.rpc.Status message, or the start of
	// a body that is not one.
	Message string
}

func (e *RejectedError) Error() string {
	return fmt.Sprintf("otlp: receiver rejected the request: %d %s: %s", e.StatusCode, http.StatusText(e.StatusCode), e.Message)
}

// maxResponse is how much of a receiver's answer is read.
const maxResponse = 64 << 10

// An Exporter pushes a registry to an OTLP/HTTP receiver (POST,
// application/x-protobuf, gzip), following the OTLP specification's rules:
// it retries 429, 502, 503 and 504 and failures to connect or to get an
// answer (a dropped connection, a timeout), with exponential backoff and
// jitter, or after the time a Retry-After header gives, in seconds or as
// an HTTP date; it never retries any other status (400, 413, …) nor a
// partial success, whose rejected points it logs and counts. Each attempt
// has a timeout; requests wait in a bounded queue; Run ends with a final
// export. Stats and Register report what it sent, retried, rejected and
// dropped.
//
// Requests are sent one at a time, oldest first, so a receiver sees each
// series' points in order. With Delta temporality a dropped request loses
// its deltas (they are counted in Stats().DroppedPoints); a cumulative
// request's successor carries everything it held.
//
// Its methods are safe for concurrent use.
type Exporter struct {
	o   ExporterOptions
	enc *Encoder
	url string
	log *slog.Logger

	collectMu sync.Mutex // serialises collect's use of raw and zw
	raw       []byte
	zw        *gzip.Writer

	mu       sync.Mutex
	queue    []*request    // waiting, oldest first
	inflight *request      // being sent
	wake     chan struct{} // a request was queued
	sem      chan struct{} // held while sending
	ran      atomic.Bool   // Run was called
	running  atomic.Bool   // Run's sender is sending
	stopped  chan struct{} // closed when Run returns

	requests, rejected, dropped, retries  atomic.Uint64
	points, rejectedPoints, droppedPoints atomic.Uint64
	sentBytes, lastSuccess                atomic.Int64
}

// request is one encoded ExportMetricsServiceRequest.
type request struct {
	body      []byte
	points    int
	collected time.Time
	done      chan struct{} // closed when err is set
	err       error
}

// NewExporter returns an Exporter of reg's families. It fails on an
// endpoint that is not an http or https URL, and on negative options.
func NewExporter(reg *abacus.Registry, o ExporterOptions) (*Exporter, error) {
	if o.Endpoint == "" {
		o.Endpoint = DefaultEndpoint
	}
	u, err := url.Parse(o.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("otlp: endpoint %q is not an http(s) URL", o.Endpoint)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
		def  time.Duration
		p    *time.Duration
	}{
		{"Interval", o.Interval, time.Minute, &o.Interval},
		{"Timeout", o.Timeout, 10 * time.Second, &o.Timeout},
		{"MaxElapsed", o.MaxElapsed, time.Minute, &o.MaxElapsed},
		{"InitialBackoff", o.InitialBackoff, 5 * time.Second, &o.InitialBackoff},
		{"MaxBackoff", o.MaxBackoff, 30 * time.Second, &o.MaxBackoff},
		{"ShutdownTimeout", o.ShutdownTimeout, 0, &o.ShutdownTimeout},
	} {
		if d.v < 0 {
			return nil, fmt.Errorf("otlp: ExporterOptions.%s is negative: %v", d.name, d.v)
		}
		if d.v == 0 {
			*d.p = d.def
		}
	}
	if o.ShutdownTimeout == 0 {
		o.ShutdownTimeout = o.Timeout
	}
	if o.QueueSize < 0 {
		return nil, fmt.Errorf("otlp: ExporterOptions.QueueSize is negative: %d", o.QueueSize)
	}
	if o.QueueSize == 0 {
		o.QueueSize = 16
	}
	if o.Client == nil {
		o.Client = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	x := &Exporter{
		o: o, enc: NewEncoder(reg, o.Options), url: u.String(),
		log:  o.Logger.With("endpoint", u.Redacted()),
		wake: make(chan struct{}, 1), sem: make(chan struct{}, 1), stopped: make(chan struct{}),
	}
	if !o.NoCompression {
		x.zw, _ = gzip.NewWriterLevel(io.Discard, gzip.BestSpeed)
	}
	return x, nil
}

// Run exports every Interval until ctx ends, then exports once more and
// waits up to ShutdownTimeout for the queue to be sent. It returns nil if
// that last export and every request still queued were delivered, and
// otherwise an error saying what was not (wrapping ErrDropped or a
// *RejectedError). Run may be called once.
func (x *Exporter) Run(ctx context.Context) error {
	if !x.ran.CompareAndSwap(false, true) {
		return errors.New("otlp: Exporter.Run called twice")
	}
	x.running.Store(true)
	defer close(x.stopped)
	defer x.running.Store(false) // Flush sends by itself again
	sendCtx, stopSending := context.WithCancel(context.Background())
	defer stopSending()
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		for {
			select {
			case <-sendCtx.Done():
				return
			case <-x.wake:
				x.drain(sendCtx)
			}
		}
	}()
	t := time.NewTicker(x.o.Interval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			x.enqueue(x.collect())
		case <-ctx.Done():
			last := x.collect()
			x.enqueue(last)
			x.mu.Lock()
			pending := append([]*request(nil), x.queue...)
			if x.inflight != nil {
				pending = append(pending, x.inflight)
			}
			x.mu.Unlock()
			timer := time.AfterFunc(x.o.ShutdownTimeout, stopSending)
			defer timer.Stop()
			var errs []error
			for _, r := range pending {
				select {
				case <-r.done:
				case <-sendCtx.Done():
					<-sent
					x.dropQueued(fmt.Errorf("%w: shutting down", ErrDropped))
					<-r.done
				}
				if r.err != nil {
					errs = append(errs, r.err)
				}
			}
			stopSending()
			<-sent
			return errors.Join(errs...)
		}
	}
}

// Flush collects the registry now and sends it, and returns when the
// request was delivered (nil), refused (a *RejectedError), dropped
// (ErrDropped) or ctx ended (ctx's error; the request stays queued). While
// Run is not running (before it starts, or once it returned), Flush sends
// the queue itself, retrying within ctx.
func (x *Exporter) Flush(ctx context.Context) error {
	r := x.collect()
	x.enqueue(r)
	if !x.running.Load() {
		x.drainUntil(ctx, r)
	}
	select {
	case <-r.done:
		return r.err
	case <-ctx.Done():
		return ctx.Err()
	case <-x.stopped: // Run ended while r waited: send it here
		x.drainUntil(ctx, r)
		select {
		case <-r.done:
			return r.err
		default:
			return ctx.Err()
		}
	}
}

// collect encodes the registry as one request, compressed unless
// NoCompression.
func (x *Exporter) collect() *request {
	x.collectMu.Lock()
	defer x.collectMu.Unlock()
	r := &request{collected: time.Now(), done: make(chan struct{})}
	x.raw, r.points = x.enc.Append(x.raw[:0])
	if x.zw == nil {
		r.body = bytes.Clone(x.raw)
	} else {
		var b bytes.Buffer
		b.Grow(len(x.raw)/4 + 64)
		x.zw.Reset(&b)
		x.zw.Write(x.raw) // a bytes.Buffer does not fail
		x.zw.Close()
		r.body = b.Bytes()
	}
	if cap(x.raw) > 16<<20 {
		x.raw = nil
	}
	return r
}

// enqueue adds r to the queue, dropping the oldest request if it is full,
// and wakes the sender.
func (x *Exporter) enqueue(r *request) {
	x.mu.Lock()
	var old *request
	if len(x.queue) >= x.o.QueueSize {
		old = x.queue[0]
		x.queue = x.queue[1:]
	}
	x.queue = append(x.queue, r)
	x.mu.Unlock()
	if old != nil {
		x.finish(old, fmt.Errorf("%w: the queue of %d requests is full", ErrDropped, x.o.QueueSize))
	}
	select {
	case x.wake <- struct{}{}:
	default:
	}
}

// dropQueued drops every request still queued with err.
func (x *Exporter) dropQueued(err error) {
	x.mu.Lock()
	q := x.queue
	x.queue = nil
	x.mu.Unlock()
	for _, r := range q {
		x.finish(r, err)
	}
}

// drain sends queued requests, oldest first, until the queue is empty or
// ctx ends.
func (x *Exporter) drain(ctx context.Context) { x.drainUntil(ctx, nil) }

// drainUntil is drain that also stops once r is finished.
func (x *Exporter) drainUntil(ctx context.Context, r *request) {
	select {
	case x.sem <- struct{}{}:
	case <-ctx.Done():
		return
	}
	defer func() { <-x.sem }()
	for ctx.Err() == nil {
		if r != nil {
			select {
			case <-r.done:
				return
			default:
			}
		}
		x.mu.Lock()
		if len(x.queue) == 0 {
			x.mu.Unlock()
			return
		}
		next := x.queue[0]
		x.queue = x.queue[1:]
		x.inflight = next
		x.mu.Unlock()
		err := x.send(ctx, next)
		x.mu.Lock()
		x.inflight = nil
		if err != nil && ctx.Err() != nil && !errors.Is(err, ErrDropped) {
			// interrupted: back at the front for the next sender
			x.queue = append([]*request{next}, x.queue...)
			x.mu.Unlock()
			return
		}
		x.mu.Unlock()
		x.finish(next, err)
	}
}

// finish records how a request ended; a request finishes once.
func (x *Exporter) finish(r *request, err error) {
	select {
	case <-r.done:
		return
	default:
	}
	r.err = err
	var rej *RejectedError
	switch {
	case err == nil:
		x.requests.Add(1)
		x.points.Add(uint64(r.points))
		x.lastSuccess.Store(time.Now().UnixNano())
	case errors.As(err, &rej):
		x.rejected.Add(1)
		x.rejectedPoints.Add(uint64(r.points))
		x.log.Error("otlp: receiver rejected a request; not retried", "status", rej.StatusCode, "message", rej.Message, "points", r.points)
	default:
		x.dropped.Add(1)
		x.droppedPoints.Add(uint64(r.points))
		x.log.Error("otlp: request dropped", "err", err, "points", r.points)
	}
	close(r.done)
}

// send delivers one request, retrying as the specification says. It
// returns nil on delivery (partial successes included, logged and
// counted), a *RejectedError, an error wrapping ErrDropped when retrying
// must stop, or ctx's error.
func (x *Exporter) send(ctx context.Context, r *request) error {
	giveUp := r.collected.Add(x.o.MaxElapsed)
	b := backoff{x.o.InitialBackoff, x.o.MaxBackoff}
	for attempt := 0; ; attempt++ {
		status, h, body, err := x.post(ctx, r.body)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var reason string
		switch {
		case err == nil && status/100 == 2:
			x.accepted(r, h, body)
			return nil
		case err == nil && !retryable(status):
			return &RejectedError{StatusCode: status, Message: statusMessage(h, body)}
		case err != nil:
			reason = err.Error()
		default:
			reason = fmt.Sprintf("%d %s: %s", status, http.StatusText(status), statusMessage(h, body))
		}
		wait, timed := time.Duration(0), false
		if err == nil {
			wait, timed = retryAfter(h.Get("Retry-After"), time.Now())
		}
		if !timed {
			wait = b.wait(attempt)
		}
		if time.Now().Add(wait).After(giveUp) {
			return fmt.Errorf("%w: still failing after %v (%d attempts): %s", ErrDropped, time.Since(r.collected).Round(time.Millisecond), attempt+1, reason)
		}
		x.retries.Add(1)
		x.log.Warn("otlp: export failed; retrying", "reason", reason, "in", wait, "attempt", attempt+1)
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
}

// post makes one attempt, with its own timeout, and returns the status,
// headers and the start of the body, or the error of a request that got
// no answer.
func (x *Exporter) post(ctx context.Context, body []byte) (int, http.Header, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, x.o.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, x.url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	req.Header.Set("User-Agent", "abacus-otlp-exporter")
	if !x.o.NoCompression {
		req.Header.Set("Content-Encoding", "gzip")
	}
	for k, v := range x.o.Headers {
		req.Header.Set(k, v)
	}
	x.sentBytes.Add(int64(len(body)))
	resp, err := x.o.Client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil && resp.StatusCode/100 == 2 {
		// the answer was cut: the request may or may not have arrived;
		// it is accepted (a resend could double delta points)
		x.log.Warn("otlp: reading the receiver's answer", "err", err)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponse))
	return resp.StatusCode, resp.Header, b, nil
}

// accepted handles a 2xx answer: a partial success is logged and its
// rejected points counted.
func (x *Exporter) accepted(r *request, h http.Header, body []byte) {
	if len(body) == 0 || !isProtobuf(h) {
		return
	}
	ps, err := DecodeResponse(body)
	if err != nil {
		x.log.Warn("otlp: the receiver's answer does not decode", "err", err)
		return
	}
	if ps.RejectedDataPoints > 0 || ps.ErrorMessage != "" {
		n := uint64(min(max(ps.RejectedDataPoints, 0), int64(r.points)))
		x.rejectedPoints.Add(n)
		x.points.Add(^(n - 1)) // finish adds them all as sent
		x.log.Warn("otlp: receiver accepted a request in part; not retried",
			"rejected_points", ps.RejectedDataPoints, "points", r.points, "message", ps.ErrorMessage)
	}
}

func isProtobuf(h http.Header) bool {
	t, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	return t == "application/x-protobuf" || t == "application/protobuf"
}

// statusMessage returns an error answer's google.rpc.Status message, or
// the start of a body that is not one.
func statusMessage(h http.Header, body []byte) string {
	if isProtobuf(h) {
		if _, msg, err := DecodeStatus(body); err == nil {
			return msg
		}
	}
	if len(body) > 256 {
		body = body[:256]
	}
	return string(bytes.ToValidUTF8(bytes.TrimSpace(body), []byte("?")))
}
