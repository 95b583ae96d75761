package httpmetrics

import (
	"bufio"
	"io"
	"net"
	"net/http"
)

// A recorder wraps a request's ResponseWriter and Body to see the status
// code and count the bytes. Recorders are pooled: one per request in flight.
type recorder struct {
	w           http.ResponseWriter
	code        int
	wroteHeader bool
	written     int64
	body        body
	stats       Stats
}

func (rec *recorder) reset(w http.ResponseWriter, r *http.Request) {
	rec.w = w
	rec.code, rec.wroteHeader, rec.written = 0, false, 0
	rec.body = body{}
}

// release drops the references to the request, so that the pool holds
// none.
func (rec *recorder) release() {
	rec.w = nil
	rec.body = body{}
	rec.stats.reset()
	rec.stats.names = nil
}

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
// WebSockets). The request is then recorded with the status written before,
// 101 for a WebSocket upgrade.
func (rec *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(rec.w).Hijack()
}

// Unwrap lets http.ResponseController reach the underlying writer's other
// methods (deadlines, full duplex).
func (rec *recorder) Unwrap() http.ResponseWriter { return rec.w }

// body counts the bytes a handler reads from the request body.
type body struct {
	rc io.ReadCloser
	n  int64
}

func (b *body) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	b.n += int64(n)
	return n, err
}

func (b *body) Close() error { return b.rc.Close() }
