package expo

import (
	"compress/gzip"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/abacusgo/abacus"
)

// An Encoder writes a registry in one format; WithEncoder adds one (package
// expo/promproto provides the protobuf format).
type Encoder struct {
	ContentType string // the exact Content-Type of responses
	MediaType   string // the media type matched against Accept, e.g. "application/vnd.google.protobuf"
	// Params must all be present, with these values, in the Accept entry.
	Params map[string]string
	Write  func(io.Writer, *abacus.Registry) error
}

// A HandlerOption configures Handler.
type HandlerOption func(*handler)

// WithEncoder adds a format the handler can negotiate, preferred over the
// built-in ones when the client rates them equally.
func WithEncoder(e Encoder) HandlerOption {
	return func(h *handler) { h.encoders = append([]Encoder{e}, h.encoders...) }
}

// WithLogger sets where the handler logs write errors (default, or nil:
// slog.Default()).
func WithLogger(l *slog.Logger) HandlerOption {
	return func(h *handler) {
		if l == nil {
			l = slog.Default()
		}
		h.log = l
	}
}

type handler struct {
	reg      *abacus.Registry
	encoders []Encoder
	log      *slog.Logger
}

// The built-in encoders, in the order preferred on a tie.
func builtin() []Encoder {
	return []Encoder{
		{ContentType: ContentTypeOpenMetrics, MediaType: "application/openmetrics-text", Write: WriteOpenMetrics},
		{ContentType: ContentTypeText, MediaType: "text/plain", Write: WriteText},
		{ContentType: ContentTypeJSON, MediaType: "application/json", Write: WriteJSON},
	}
}

// Handler serves the registry (abacus.Default() if r is nil) on GET and
// HEAD, in the format the Accept header rates highest among OpenMetrics,
// Prometheus text, expvar JSON and any format added with WithEncoder. As
// client_golang does, a client whose Accept names none of them (or only
// wildcards such as */* or application/*, or a text/plain version other
// than 0.0.4) gets the text format 0.0.4. Responses are gzip-compressed
// when Accept-Encoding allows gzip (or *).
func Handler(r *abacus.Registry, opts ...HandlerOption) http.Handler {
	h := &handler{reg: r, encoders: builtin(), log: slog.Default()}
	for _, o := range opts {
		o(h)
	}
	return h
}

func (h *handler) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	reg := h.reg
	if reg == nil {
		reg = abacus.Default()
	}
	enc := negotiate(req.Header.Get("Accept"), h.encoders)
	w.Header().Set("Content-Type", enc.ContentType)
	w.Header().Add("Vary", "Accept, Accept-Encoding")
	gzipped := acceptsGzip(req.Header.Get("Accept-Encoding"))
	if gzipped {
		w.Header().Set("Content-Encoding", "gzip")
	}
	if req.Method == http.MethodHead { // the headers a GET would carry
		return
	}
	var out io.Writer = w
	if gzipped {
		gz := gzipPool.Get().(*gzip.Writer)
		gz.Reset(w)
		defer func() {
			if err := gz.Close(); err != nil {
				h.log.Warn("abacus: writing metrics", "err", err)
			}
			gzipPool.Put(gz)
		}()
		out = gz
	}
	if err := enc.Write(out, reg); err != nil {
		h.log.Warn("abacus: writing metrics", "format", enc.MediaType, "err", err)
	}
}

var gzipPool = sync.Pool{New: func() any { return gzip.NewWriter(nil) }}

// negotiate picks the encoder the Accept header rates highest; on a tie,
// the one listed first. Wildcard entries select the text format; when no
// entry selects an encoder, the text format it is.
func negotiate(accept string, encoders []Encoder) Encoder {
	best, bestQ := -1, 0.0
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q, ok := qValue(params)
		if !ok || q <= 0 {
			continue
		}
		for i, e := range encoders {
			if !matches(mt, params, e) {
				continue
			}
			if q > bestQ || (q == bestQ && i < best) {
				best, bestQ = i, q
			}
		}
	}
	if best >= 0 {
		return encoders[best]
	}
	for _, e := range encoders {
		if e.MediaType == "text/plain" {
			return e
		}
	}
	return Encoder{ContentType: ContentTypeText, MediaType: "text/plain", Write: WriteText}
}

// matches reports whether an Accept entry selects e: the same media type
// (or a wildcard, which selects the text format only) with e's parameters.
func matches(mt string, params map[string]string, e Encoder) bool {
	switch mt {
	case "*/*", "text/*", "application/*":
		return e.MediaType == "text/plain"
	case e.MediaType:
	default:
		return false
	}
	for k, v := range e.Params {
		if params[k] != v {
			return false
		}
	}
	if v, ok := params["version"]; ok {
		switch e.MediaType {
		case "text/plain":
			return v == "0.0.4"
		case "application/openmetrics-text":
			return v == "1.0.0" || v == "0.0.1"
		}
	}
	return true
}

// qValue returns the weight an Accept entry gives (RFC 9110: 0 to 1, 1 if
// absent), and false for a malformed one, which the entry then does not
// count.
func qValue(params map[string]string) (float64, bool) {
	s, ok := params["q"]
	if !ok {
		return 1, true
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 0 || v > 1 {
		return 0, false
	}
	return v, true
}

// acceptsGzip reports whether Accept-Encoding allows gzip: an entry gzip
// (or x-gzip, its old name) with a q above 0, or else a * with a q above
// 0. Names match without regard to case, and q is read among any
// parameters.
func acceptsGzip(header string) bool {
	star := false
	for _, part := range strings.Split(header, ",") {
		fields := strings.Split(part, ";")
		name := strings.ToLower(strings.TrimSpace(fields[0]))
		if name != "gzip" && name != "x-gzip" && name != "*" {
			continue
		}
		ok := true
		for _, p := range fields[1:] {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(strings.TrimSpace(k), "q") {
				q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				ok = err == nil && q > 0 && q <= 1
			}
		}
		if name != "*" {
			return ok
		}
		star = ok
	}
	return star
}

// Formats lists the media types a handler with these options serves, in
// order of preference.
func Formats(opts ...HandlerOption) []string {
	h := &handler{encoders: builtin()}
	for _, o := range opts {
		o(h)
	}
	out := make([]string, len(h.encoders))
	for i, e := range h.encoders {
		out[i] = e.ContentType
	}
	return out
}
