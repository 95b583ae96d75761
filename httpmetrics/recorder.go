package httpmetrics

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"sync/atomic"
)

// A recorder wraps a request's ResponseWriter to see the status code and
// count the bytes written. Recorders are pooled: one per request in flight.
// (A ResponseWriter must not be used after ServeHTTP returns, so a handler
// cannot reach a recorder that went back to the pool.)
type recorder struct {
	w           http.ResponseWriter
	code        int
	wroteHeader bool
	req         *http.Request // for Hijack
	written     int64
}

func (rec *recorder) reset(w http.ResponseWriter, r *http.Request) {
	rec.w = w
	rec.code, rec.wroteHeader, rec.written = 0, false, 0
	rec.req = r
}

// release drops the references to the writer and the request, so that the
// pool holds none.
func (rec *recorder) release() { rec.w, rec.req = nil, nil }

func (rec *recorder) Header() http.Header { return rec.w.Header() }

// WriteHeader records the first final status code (101 counts as final:
// the connection is handed over); informational ones (1xx) may precede it.
func (rec *recorder) WriteHeader(code int) {
	if !rec.wroteHeader {
		rec.code = code
		rec.wroteHeader = code >= 200 || code == http.StatusSwitchingProtocols
	}
	rec.w.WriteHeader(code)
}

// started notes that the response began without a final WriteHeader:
// net/http then sends 200.
func (rec *recorder) started() {
	if !rec.wroteHeader {
		rec.wroteHeader = true
		rec.code = http.StatusOK
	}
}

func (rec *recorder) Write(b []byte) (int, error) {
	rec.started()
	n, err := rec.w.Write(b)
	rec.written += int64(n)
	return n, err
}

// WriteString keeps io.WriteString from converting to []byte, which would
// allocate.
func (rec *recorder) WriteString(s string) (int, error) {
	rec.started()
	n, err := io.WriteString(rec.w, s)
	rec.written += int64(n)
	return n, err
}

// ReadFrom keeps io.Copy into the response on the underlying writer's fast
// path (sendfile for files).
func (rec *recorder) ReadFrom(r io.Reader) (int64, error) {
	rec.started()
	var n int64
	var err error
	if rf, ok := rec.w.(io.ReaderFrom); ok {
		n, err = rf.ReadFrom(r)
	} else {
		n, err = io.Copy(writerOnly{rec.w}, r)
	}
	rec.written += n
	return n, err
}

// writerOnly hides ReadFrom from io.Copy, which would otherwise call it
// again.
type writerOnly struct{ io.Writer }

// Flush sends buffered data to the client, if the underlying writer can.
func (rec *recorder) Flush() {
	rec.started()
	_ = http.NewResponseController(rec.w).Flush()
}

// Hijack hands the connection over, if the underlying writer can (for
// WebSockets). A request that asked for an upgrade and whose handler wrote
// no status before hijacking is recorded as 101 Switching Protocols, which
// is what such a handler writes on the connection itself; other hijacked
// requests keep the status written before, or 200.
func (rec *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(rec.w).Hijack()
	if err == nil && !rec.wroteHeader && rec.req.Header.Get("Upgrade") != "" {
		rec.code, rec.wroteHeader = http.StatusSwitchingProtocols, true
	}
	return c, rw, err
}

// Unwrap lets http.ResponseController reach the underlying writer's other
// methods (deadlines, full duplex).
func (rec *recorder) Unwrap() http.ResponseWriter { return rec.w }

// body counts the bytes a handler reads from a request body of unknown
// length. The count is atomic: a handler's goroutines may still read while
// the request is recorded.
type body struct {
	rc io.ReadCloser
	n  atomic.Int64
}

func (b *body) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	b.n.Add(int64(n))
	return n, err
}

func (b *body) Close() error { return b.rc.Close() }
