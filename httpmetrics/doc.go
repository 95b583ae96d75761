// Package httpmetrics instruments net/http servers with Abacus: requests by
// method, route and status code, errors, requests in flight, latency and
// request and response sizes (the RED metrics), per-request statistics
// carried in the request's context and logged when it ends, a
// reset-and-report logger, and a /status handler that serves a coherent
// snapshot of the totals.
//
// # Routes, not paths
//
// The route label is the pattern of the http.ServeMux that served the
// request (Request.Pattern, e.g. "GET /users/{id}"), read after the mux has
// routed it, never the raw path; so the number of series is bounded by the
// number of patterns. Requests that matched no pattern (404s from the mux,
// or a handler that is not a ServeMux) share the route "unmatched", and so
// do CONNECT requests the mux redirects, for which it reports the client's
// own path as the pattern. Methods outside the standard ones are recorded
// as "OTHER". Between Wrap and the mux, a handler that hands the mux a copy
// of the request (http.TimeoutHandler, http.StripPrefix) hides the pattern:
// WrapRouted asks the mux for the route instead.
//
// Response sizes are the bytes sent: none for HEAD, whatever the handler
// wrote. Every series of the duration and size histograms has the same
// classic buckets (Options.DurationBuckets, Options.SizeBuckets), so that
// sum by (le) aggregates them in PromQL.
//
// # Cost and concurrency
//
// Every type here is safe for concurrent use. Recording a request allocates
// nothing: the response-writer wrapper comes from a pool, label lookups are
// the registry's allocation-free ones, and counters and histograms are
// lock-free. Two things cost allocations, only when they happen: per-request
// statistics (the Stats, and the context and request copies
// Request.WithContext makes), which are off unless Options.Stats names
// some; and a request body of unknown length (chunked), whose size is
// counted by a reader set on a copy of the request. Bodies with a
// Content-Length are measured by it and not wrapped. Nothing the handler
// can still hold after it returns (the request, its body, its statistics)
// is pooled, so handlers that outlive the call, as behind
// http.TimeoutHandler, are safe.
//
// The totals behind /status and the Reporter (requests, errors, in flight)
// are exact; /status reads them into one snapshot with counter.Snapshot, so
// errors never exceed requests within it.
package httpmetrics
