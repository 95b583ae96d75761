package gossip

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/abacusgo/abacus/crdt"
)

// codes are the status codes the handler answers with.
var codes = [...]int{
	http.StatusOK,                    // a delta
	http.StatusNoContent,             // a push merged
	http.StatusBadRequest,            // a malformed cursor or state, a pull with a body
	http.StatusUnauthorized,          // no valid MAC
	http.StatusNotFound,              // no such replica
	http.StatusMethodNotAllowed,      // not GET or POST
	http.StatusRequestEntityTooLarge, // a push over MaxBody
	http.StatusUnprocessableEntity,   // a push the replica refused
	http.StatusInternalServerError,   // a replica that could not encode its state
}

func (n *Node) count(code int) {
	if i := slices.Index(codes[:], code); i >= 0 {
		n.served[i].Add(1)
	}
}

// Handler returns the handler peers pull from and push to. It takes the
// replica's name from the last element of the path, so it can be mounted
// under any prefix: mux.Handle("/gossip/", node.Handler()) serves
// /gossip/NAME.
//
//	GET  .../NAME?epoch=E&version=V  200, the delta after Cursor{E, V}
//	POST .../NAME (a state)          204 once merged
//
// A request without a valid MAC, when the node has a Secret, gets 401; an
// unknown name 404; another method 405 (with Allow); a push over MaxBody
// 413; a malformed cursor or state, or a GET with a body, 400; a push the
// replica refuses 422.
func (n *Node) Handler() http.Handler { return http.HandlerFunc(n.serveHTTP) }

func (n *Node) serveHTTP(w http.ResponseWriter, r *http.Request) {
	fail := func(code int, msg string) {
		n.count(code)
		http.Error(w, msg, code)
	}
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		fail(http.StatusMethodNotAllowed, "gossip: GET pulls a delta, POST pushes a state")
		return
	}
	var body []byte
	if r.Method == http.MethodPost {
		var err error
		body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, n.opts.MaxBody))
		if err != nil {
			if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
				fail(http.StatusRequestEntityTooLarge, fmt.Sprintf("gossip: a state over %d bytes", n.opts.MaxBody))
			} else {
				fail(http.StatusBadRequest, "gossip: reading the state: "+err.Error())
			}
			return
		}
	} else if r.ContentLength != 0 {
		fail(http.StatusBadRequest, "gossip: a pull has no body")
		return
	}
	name := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:] // "" for a path ending in "/": 404
	var reqMAC []byte
	if len(n.opts.Secret) > 0 {
		if reqMAC = n.verify(r, name, body); reqMAC == nil {
			fail(http.StatusUnauthorized, "gossip: no valid "+HeaderMAC)
			return
		}
	}
	rep := n.replica(name)
	if rep == nil {
		fail(http.StatusNotFound, fmt.Sprintf("gossip: no replica %q", name))
		return
	}
	if r.Method == http.MethodGet {
		c, err := parseCursor(r.URL.RawQuery)
		if err != nil {
			fail(http.StatusBadRequest, err.Error())
			return
		}
		data, err := rep.r.Delta(c)
		if err != nil {
			n.opts.Logger.Error("gossip: encoding a delta", "replica", name, "err", err)
			fail(http.StatusInternalServerError, "gossip: encoding the delta failed")
			return
		}
		n.answer(w, reqMAC, http.StatusOK, data)
		return
	}
	if _, err := rep.r.Merge(body); err != nil {
		if errors.Is(err, ErrMalformed) {
			fail(http.StatusBadRequest, err.Error())
			return
		}
		rep.refused.Add(1)
		n.opts.Logger.Warn("gossip: a pushed state refused", "replica", name, "from", r.RemoteAddr, "err", err)
		fail(http.StatusUnprocessableEntity, err.Error())
		return
	}
	n.answer(w, reqMAC, http.StatusNoContent, nil)
}

// answer writes a successful answer, with its MAC if the request had one.
func (n *Node) answer(w http.ResponseWriter, reqMAC []byte, code int, body []byte) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	if reqMAC != nil {
		h.Set(HeaderMAC, hex.EncodeToString(answerMAC(n.opts.Secret, reqMAC, code, body)))
	}
	if code == http.StatusOK {
		h.Set("Content-Type", "application/octet-stream")
		h.Set("Content-Length", strconv.Itoa(len(body)))
	}
	n.count(code)
	w.WriteHeader(code)
	w.Write(body) // a failed write is the client's to see
}

// cursorQuery is the query of a pull: exactly what parseCursor accepts.
func cursorQuery(c crdt.Cursor) string {
	return "epoch=" + strconv.FormatUint(c.Epoch, 10) + "&version=" + strconv.FormatUint(c.Version, 10)
}

// parseCursor accepts exactly the queries cursorQuery makes: the MAC covers
// the query as sent, so there is one spelling of each cursor.
func parseCursor(q string) (crdt.Cursor, error) {
	e, v, ok := strings.Cut(q, "&")
	e, ok1 := strings.CutPrefix(e, "epoch=")
	v, ok2 := strings.CutPrefix(v, "version=")
	var c crdt.Cursor
	var err1, err2 error
	c.Epoch, err1 = strconv.ParseUint(e, 10, 64)
	c.Version, err2 = strconv.ParseUint(v, 10, 64)
	if !ok || !ok1 || !ok2 || err1 != nil || err2 != nil || cursorQuery(c) != q {
		return crdt.Cursor{}, fmt.Errorf("gossip: query %q: want epoch=E&version=V in decimal", q)
	}
	return c, nil
}

// Server returns an http.Server for h (the node's Handler if h is nil) with
// the node's timeouts: ReadHeaderTimeout, ReadTimeout and WriteTimeout of
// Options.Timeout, an IdleTimeout of 2 minutes or 4 Intervals, whichever is
// longer (so peers' keep-alive connections outlive the wait between pulls),
// headers up to 16 KiB, and its errors logged to Options.Logger.
func (n *Node) Server(h http.Handler) *http.Server {
	if h == nil {
		h = n.Handler()
	}
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: n.opts.Timeout,
		ReadTimeout:       n.opts.Timeout,
		WriteTimeout:      n.opts.Timeout,
		IdleTimeout:       max(2*time.Minute, 4*n.opts.Interval),
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(n.opts.Logger.Handler(), slog.LevelWarn),
	}
}

// Serve runs Server(h) on ln until ctx is done, then shuts it down
// gracefully: it stops accepting, and waits up to ShutdownTimeout for the
// requests in flight. It returns nil after a clean shutdown; an error if
// requests were still running at the deadline (they are then cut off), or
// if serving failed before ctx was done. It closes ln.
func (n *Node) Serve(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := n.Server(h)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("gossip: serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), n.opts.ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if err != nil {
		srv.Close()
		err = fmt.Errorf("gossip: shutdown: requests still in flight after %v: %w", n.opts.ShutdownTimeout, err)
	}
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, fmt.Errorf("gossip: serve: %w", serr))
	}
	return err
}
