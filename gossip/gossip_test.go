package gossip_test

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/abacusgo/abacus/crdt"
	"github.com/abacusgo/abacus/gossip"
	"github.com/abacusgo/abacus/presence"
)

var quiet = slog.New(slog.DiscardHandler)

// faulty wraps a Replica, records the cursors it is asked for, and injects
// the faults it is told to, each for a number of calls.
type faulty struct {
	gossip.Replica
	mu                  sync.Mutex
	asked               []crdt.Cursor
	deltaErr, junk, big int // served faults
	refuse, drop        int // merge faults
}

func (f *faulty) Delta(c crdt.Cursor) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, c)
	switch {
	case f.deltaErr > 0:
		f.deltaErr--
		return nil, errors.New("cannot encode")
	case f.junk > 0:
		f.junk--
		return []byte("not a state"), nil
	case f.big > 0:
		f.big--
		return make([]byte, 1<<20), nil
	}
	return f.Replica.Delta(c)
}

func (f *faulty) Merge(data []byte) (crdt.Cursor, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case f.refuse > 0:
		f.refuse--
		return crdt.Cursor{}, errors.New("refused")
	case f.drop > 0:
		// A delta lost after it was acknowledged: the cursor moves on, and
		// the changes are not merged.
		f.drop--
		var s crdt.State
		if err := s.UnmarshalBinary(data); err != nil {
			return crdt.Cursor{}, err
		}
		return s.Cursor, nil
	}
	return f.Replica.Merge(data)
}

func (f *faulty) cursors() []crdt.Cursor {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]crdt.Cursor(nil), f.asked...)
}

func (f *faulty) set(fn func(*faulty)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

func pn(t *testing.T, id string) *crdt.PNCounter {
	t.Helper()
	c, err := crdt.NewPNCounter(id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newNode(t *testing.T, opts gossip.Options, replicas map[string]gossip.Replica) *gossip.Node {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = quiet
	}
	n, err := gossip.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	for name, r := range replicas {
		if err := n.Add(name, r); err != nil {
			t.Fatal(err)
		}
	}
	return n
}

// serve starts an httptest server for h and returns its URL.
func serve(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// A clock is a settable Options.Now.
type clock struct{ ns atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.ns.Store(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).UnixNano())
	return c
}
func (c *clock) Now() time.Time      { return time.Unix(0, c.ns.Load()) }
func (c *clock) Add(d time.Duration) { c.ns.Add(int64(d)) }
func reasonOf(err error) gossip.Reason {
	if pe, ok := errors.AsType[*gossip.PeerError](err); ok {
		return pe.Reason
	}
	return ""
}

func TestPullFollowsTheCursor(t *testing.T) {
	ctx := t.Context()
	b := pn(t, "b")
	fb := &faulty{Replica: gossip.PNCounter(b)}
	var swap atomic.Pointer[faulty]
	swap.Store(fb)
	url := serve(t, newNode(t, gossip.Options{}, map[string]gossip.Replica{"hits": swapped{&swap}}).Handler())
	a := pn(t, "a")
	na := newNode(t, gossip.Options{Peers: []string{url + "/"}}, map[string]gossip.Replica{"hits": gossip.PNCounter(a)})

	b.Add(5)
	if err := na.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if a.Value() != 5 {
		t.Fatalf("after the first pull a = %d, want 5", a.Value())
	}
	first := b.DeltaSince(crdt.Cursor{}).Cursor
	b.Add(-2)
	if err := na.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if err := na.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if a.Value() != 3 {
		t.Fatalf("a = %d, want 3", a.Value())
	}
	asked := fb.cursors()
	if len(asked) != 3 || asked[0] != (crdt.Cursor{}) || asked[1] != first || asked[2].Epoch != first.Epoch || asked[2].Version <= first.Version {
		t.Fatalf("cursors asked %v; want zero, %v, then later in the same epoch", asked, first)
	}

	// The peer restarts with its state under a new ID: a new epoch, so the
	// old cursor gets the full state.
	b2 := pn(t, "b2")
	b2.Add(10)
	f2 := &faulty{Replica: gossip.PNCounter(b2)}
	swap.Store(f2)
	if err := na.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if a.Value() != 13 {
		t.Fatalf("after the peer's restart a = %d, want 13", a.Value())
	}
	if got := f2.cursors(); len(got) != 1 || got[0].Epoch != first.Epoch {
		t.Fatalf("the restarted peer was asked %v; want the old epoch's cursor", got)
	}
	if st := na.Stats(); st.Peers[0].Pulls != 4 || len(st.Peers[0].Failures) != 0 || st.Peers[0].Bytes == 0 || st.Peers[0].Peer != url {
		t.Fatalf("stats %+v", st.Peers[0])
	}
}

// swapped serves whichever faulty replica it holds.
type swapped struct{ p *atomic.Pointer[faulty] }

func (s swapped) Delta(c crdt.Cursor) ([]byte, error) { return s.p.Load().Delta(c) }
func (s swapped) Merge(d []byte) (crdt.Cursor, error) { return s.p.Load().Merge(d) }

func TestFailedPullKeepsTheCursor(t *testing.T) {
	for _, tc := range []struct {
		name    string
		server  func(*faulty)
		client  func(*faulty)
		status  int // the next answer's status, if set
		reason  gossip.Reason
		refused uint64
	}{
		{name: "merge refused", client: func(f *faulty) { f.refuse = 1 }, reason: gossip.FailMerge, refused: 1},
		{name: "malformed", server: func(f *faulty) { f.junk = 1 }, reason: gossip.FailDecode},
		{name: "over the body limit", server: func(f *faulty) { f.big = 1 }, reason: gossip.FailTooLarge},
		{name: "cannot encode", server: func(f *faulty) { f.deltaErr = 1 }, reason: gossip.FailStatus},
		{name: "unavailable", status: http.StatusServiceUnavailable, reason: gossip.FailStatus},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := t.Context()
			b, a := pn(t, "b"), pn(t, "a")
			fb, fa := &faulty{Replica: gossip.PNCounter(b)}, &faulty{Replica: gossip.PNCounter(a)}
			nb := newNode(t, gossip.Options{}, map[string]gossip.Replica{"hits": fb})
			var status atomic.Int64
			status.Store(int64(tc.status))
			url := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if c := status.Swap(0); c != 0 {
					http.Error(w, "try later", int(c))
					return
				}
				nb.Handler().ServeHTTP(w, r)
			}))
			na := newNode(t, gossip.Options{Peers: []string{url}, MaxBody: 64 << 10}, map[string]gossip.Replica{"hits": fa})
			b.Add(5)
			if tc.server != nil {
				fb.set(tc.server)
			}
			if tc.client != nil {
				fa.set(tc.client)
			}
			err := na.Sync(ctx)
			if reasonOf(err) != tc.reason {
				t.Fatalf("Sync: %v; want a %s failure", err, tc.reason)
			}
			if a.Value() != 0 {
				t.Fatalf("a = %d after a failed pull", a.Value())
			}
			st := na.Stats()
			if st.Peers[0].Failures[tc.reason] != 1 || st.Refused["hits"] != tc.refused || st.Peers[0].LastError == nil {
				t.Fatalf("stats %+v", st)
			}
			if err := na.Sync(ctx); err != nil {
				t.Fatal(err)
			}
			if a.Value() != 5 {
				t.Fatalf("a = %d after the retry, want 5", a.Value())
			}
			if got := fb.cursors(); tc.status == 0 && (len(got) != 2 || got[0] != got[1]) {
				t.Fatalf("cursors asked %v; want the same one twice", got)
			}
			if err := na.Stats().Peers[0].LastError; err != nil {
				t.Fatalf("LastError after a good round: %v", err)
			}
		})
	}
}

func TestAntiEntropyHealsALostDelta(t *testing.T) {
	ctx := t.Context()
	clk := newClock()
	b, a := pn(t, "b"), pn(t, "a")
	fb, fa := &faulty{Replica: gossip.PNCounter(b)}, &faulty{Replica: gossip.PNCounter(a)}
	url := serve(t, newNode(t, gossip.Options{}, map[string]gossip.Replica{"hits": fb}).Handler())
	na := newNode(t, gossip.Options{Peers: []string{url}, AntiEntropy: time.Minute, Now: clk.Now},
		map[string]gossip.Replica{"hits": fa})
	if err := na.Sync(ctx); err != nil { // the first, full pull
		t.Fatal(err)
	}
	b.Add(5)
	fa.set(func(f *faulty) { f.drop = 1 })
	for range 3 {
		clk.Add(10 * time.Second)
		if err := na.Sync(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if a.Value() != 0 {
		t.Fatalf("a = %d; the test meant to lose the delta", a.Value())
	}
	clk.Add(30 * time.Second) // a minute after the first pull
	if err := na.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if a.Value() != 5 {
		t.Fatalf("a = %d after the anti-entropy pull, want 5", a.Value())
	}
	if got := fb.cursors(); len(got) != 5 || got[4] != (crdt.Cursor{}) || got[3] == (crdt.Cursor{}) {
		t.Fatalf("cursors asked %v; want the zero cursor last", got)
	}
}

func TestGCounterAndPresence(t *testing.T) {
	ctx := t.Context()
	gb, err := crdt.NewGCounter("b")
	if err != nil {
		t.Fatal(err)
	}
	ga, err := crdt.NewGCounter("a")
	if err != nil {
		t.Fatal(err)
	}
	tb, err := presence.New(presence.Options{Node: "b"})
	if err != nil {
		t.Fatal(err)
	}
	ta, err := presence.New(presence.Options{Node: "a"})
	if err != nil {
		t.Fatal(err)
	}
	url := serve(t, newNode(t, gossip.Options{}, map[string]gossip.Replica{"online": gossip.Presence(tb), "views": gossip.GCounter(gb)}).Handler())
	na := newNode(t, gossip.Options{Peers: []string{url}}, map[string]gossip.Replica{"online": gossip.Presence(ta), "views": gossip.GCounter(ga)})
	now := time.Now()
	for _, s := range []string{"s1", "s2", "s3"} {
		if err := tb.Login("u-"+s, s, now); err != nil {
			t.Fatal(err)
		}
	}
	gb.Add(9)
	ga.Add(1)
	if err := na.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if got := ta.Active().Sessions; got != 3 || ga.Value() != 10 {
		t.Fatalf("%d sessions active and %d views, want 3 and 10", got, ga.Value())
	}
	if err := tb.Logout("u-s2", "s2", now.Add(time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if err := na.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if got := ta.Active(); got.Sessions != 2 || got.Users != 2 {
		t.Fatalf("active %+v, want 2 sessions and 2 users", got)
	}
}

func TestFlush(t *testing.T) {
	secret := []byte("0123456789abcdef")
	b, a := pn(t, "b"), pn(t, "a")
	url := serve(t, newNode(t, gossip.Options{Secret: secret}, map[string]gossip.Replica{"hits": gossip.PNCounter(b)}).Handler())
	na := newNode(t, gossip.Options{Peers: []string{url}, Secret: secret}, map[string]gossip.Replica{"hits": gossip.PNCounter(a)})
	a.Add(4)
	for range 2 { // a push twice merges once
		if err := na.Flush(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if b.Value() != 4 {
		t.Fatalf("b = %d after a's push, want 4", b.Value())
	}
}

// rewrite is a RoundTripper that changes requests after they are signed,
// or answers after they are.
type rewrite struct {
	req  func(*http.Request)
	resp func(*http.Response)
}

func (rw rewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	if rw.req != nil {
		r = r.Clone(r.Context())
		rw.req(r)
	}
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil && rw.resp != nil {
		rw.resp(resp)
	}
	return resp, err
}

func TestAuth(t *testing.T) {
	secret := []byte("a shared secret of some length")
	b := pn(t, "b")
	b.Add(7)
	nb := newNode(t, gossip.Options{Secret: secret}, map[string]gossip.Replica{"hits": gossip.PNCounter(b)})
	url := serve(t, nb.Handler())
	open := serve(t, newNode(t, gossip.Options{}, map[string]gossip.Replica{"hits": gossip.PNCounter(b)}).Handler())
	early := newClock()
	early.ns.Store(time.Now().Add(-10 * time.Minute).UnixNano())
	for _, tc := range []struct {
		name   string
		opts   gossip.Options
		push   bool
		reason gossip.Reason // "" for success
		denied bool          // the server answered 401
	}{
		{name: "right secret", opts: gossip.Options{Secret: secret}},
		{name: "right secret, push", opts: gossip.Options{Secret: secret}, push: true},
		{name: "no secret", opts: gossip.Options{}, reason: gossip.FailAuth, denied: true},
		{name: "no secret, push", opts: gossip.Options{}, push: true, reason: gossip.FailAuth, denied: true},
		{name: "wrong secret", opts: gossip.Options{Secret: []byte("another secret, as long")}, reason: gossip.FailAuth, denied: true},
		{name: "stale timestamp", opts: gossip.Options{Secret: secret, Now: early.Now}, reason: gossip.FailAuth, denied: true},
		{name: "query changed", opts: gossip.Options{Secret: secret, Client: &http.Client{Transport: rewrite{req: func(r *http.Request) {
			r.URL.RawQuery = "epoch=1&version=2"
		}}}}, reason: gossip.FailAuth, denied: true},
		{name: "replica changed", opts: gossip.Options{Secret: secret, Client: &http.Client{Transport: rewrite{req: func(r *http.Request) {
			r.URL.Path = strings.Replace(r.URL.Path, "hits", "hats", 1)
		}}}}, reason: gossip.FailAuth, denied: true},
		{name: "body changed, push", push: true, opts: gossip.Options{Secret: secret, Client: &http.Client{Transport: rewrite{req: func(r *http.Request) {
			s := crdt.State{Kind: crdt.PN, Node: "mallory", Entries: []crdt.Entry{{Node: "mallory", P: 1 << 40}}}
			data, _ := s.MarshalBinary()
			r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(data)), int64(len(data))
		}}}}, reason: gossip.FailAuth, denied: true},
		{name: "answer changed", opts: gossip.Options{Secret: secret, Client: &http.Client{Transport: rewrite{resp: func(r *http.Response) {
			r.Header.Set(gossip.HeaderMAC, strings.Repeat("00", 32))
		}}}}, reason: gossip.FailAuth},
		{name: "answer unsigned", opts: gossip.Options{Secret: secret, Peers: []string{open}}, reason: gossip.FailAuth},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := nb.Stats().Served[http.StatusUnauthorized]
			a := pn(t, "a")
			if tc.opts.Peers == nil {
				tc.opts.Peers = []string{url}
			}
			na := newNode(t, tc.opts, map[string]gossip.Replica{"hits": gossip.PNCounter(a)})
			var err error
			if tc.push {
				err = na.Flush(t.Context())
			} else {
				err = na.Sync(t.Context())
			}
			if reasonOf(err) != tc.reason {
				t.Fatalf("got %v; want reason %q", err, tc.reason)
			}
			if tc.reason != "" && (!errors.Is(err, gossip.ErrUnauthorized) || a.Value() != 0) {
				t.Fatalf("got %v and a = %d; want ErrUnauthorized and nothing merged", err, a.Value())
			}
			if !tc.push && tc.reason == "" && a.Value() != 7 {
				t.Fatalf("a = %d, want 7", a.Value())
			}
			if got := nb.Stats().Served[http.StatusUnauthorized] - before; (got == 1) != tc.denied {
				t.Fatalf("the server answered 401 %d times", got)
			}
		})
	}
	if b.Value() != 7 {
		t.Fatalf("b = %d: an unauthenticated push merged", b.Value())
	}
}

func TestBadRequests(t *testing.T) {
	b := pn(t, "b")
	nb := newNode(t, gossip.Options{MaxBody: 1 << 10}, map[string]gossip.Replica{"hits": gossip.PNCounter(b)})
	url := serve(t, nb.Handler()) + "/gossip"
	enc := func(s crdt.State) string {
		data, err := s.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	gstate := enc(crdt.State{Kind: crdt.G, Node: "x", Entries: []crdt.Entry{{Node: "x", P: 1}}})
	pnstate := enc(crdt.State{Kind: crdt.PN, Node: "x", Entries: []crdt.Entry{{Node: "x", P: 3, N: 1}}})
	for _, tc := range []struct {
		name, method, path, body string
		want                     int
	}{
		{"pull", "GET", "/hits?epoch=0&version=0", "", 200},
		{"unknown replica", "GET", "/nope?epoch=0&version=0", "", 404},
		{"no replica", "GET", "/", "", 404},
		{"replica with a slash after", "GET", "/hits/?epoch=0&version=0", "", 404},
		{"PUT", "PUT", "/hits", pnstate, 405},
		{"DELETE", "DELETE", "/hits", "", 405},
		{"HEAD", "HEAD", "/hits?epoch=0&version=0", "", 405},
		{"no cursor", "GET", "/hits", "", 400},
		{"epoch not a number", "GET", "/hits?epoch=x&version=1", "", 400},
		{"cursor not canonical", "GET", "/hits?epoch=01&version=1", "", 400},
		{"cursor out of order", "GET", "/hits?version=1&epoch=1", "", 400},
		{"cursor and more", "GET", "/hits?epoch=1&version=1&x=1", "", 400},
		{"negative version", "GET", "/hits?epoch=1&version=-1", "", 400},
		{"pull with a body", "GET", "/hits?epoch=0&version=0", "x", 400},
		{"push of junk", "POST", "/hits", "junk", 400},
		{"push of an empty body", "POST", "/hits", "", 400},
		{"push over the limit", "POST", "/hits", strings.Repeat("x", 1<<10+1), 413},
		{"push of another kind", "POST", "/hits", gstate, 422},
		{"push", "POST", "/hits", pnstate, 204},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var body io.Reader
			if tc.body != "" {
				body = strings.NewReader(tc.body)
			}
			req, err := http.NewRequestWithContext(t.Context(), tc.method, url+tc.path, body)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Fatalf("%s %s: %s %q; want %d", tc.method, tc.path, resp.Status, got, tc.want)
			}
			if tc.want == 405 && resp.Header.Get("Allow") != "GET, POST" {
				t.Fatalf("Allow: %q", resp.Header.Get("Allow"))
			}
			if tc.want == 200 {
				var s crdt.State
				if err := s.UnmarshalBinary(got); err != nil {
					t.Fatalf("the delta does not decode: %v", err)
				}
			}
		})
	}
	if b.Value() != 2 {
		t.Fatalf("b = %d; want only the valid push merged (2)", b.Value())
	}
	st := nb.Stats()
	if st.Refused["hits"] != 1 || st.Served[400] != 9 || st.Served[405] != 3 || st.Served[413] != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestPushOverTheLimit(t *testing.T) {
	b, a := pn(t, "b"), pn(t, "a")
	url := serve(t, newNode(t, gossip.Options{MaxBody: 8}, map[string]gossip.Replica{"hits": gossip.PNCounter(b)}).Handler())
	na := newNode(t, gossip.Options{Peers: []string{url}}, map[string]gossip.Replica{"hits": gossip.PNCounter(a)})
	a.Add(1)
	err := na.Flush(t.Context())
	if reasonOf(err) != gossip.FailTooLarge || !errors.Is(err, gossip.ErrTooLarge) {
		t.Fatalf("Flush: %v; want a too_large failure", err)
	}
	if b.Value() != 0 {
		t.Fatalf("b = %d after a refused push", b.Value())
	}
}

func TestNewAndAddReject(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts gossip.Options
	}{
		{"relative peer", gossip.Options{Peers: []string{"/gossip"}}},
		{"ftp peer", gossip.Options{Peers: []string{"ftp://h/gossip"}}},
		{"peer with a query", gossip.Options{Peers: []string{"http://h/gossip?x=1"}}},
		{"peer with a user", gossip.Options{Peers: []string{"http://u:p@h/gossip"}}},
		{"peer twice", gossip.Options{Peers: []string{"http://h/g", "http://h/g/"}}},
		{"short secret", gossip.Options{Secret: []byte("short")}},
		{"negative interval", gossip.Options{Interval: -1}},
		{"negative timeout", gossip.Options{Timeout: -1}},
		{"negative body limit", gossip.Options{MaxBody: -1}},
	} {
		if _, err := gossip.New(tc.opts); !errors.Is(err, gossip.ErrInvalid) {
			t.Errorf("%s: New: %v; want ErrInvalid", tc.name, err)
		}
	}
	n := newNode(t, gossip.Options{}, nil)
	r := gossip.PNCounter(pn(t, "a"))
	for _, name := range []string{"", ".", "..", "a/b", "a b", strings.Repeat("x", 129), "é"} {
		if err := n.Add(name, r); !errors.Is(err, gossip.ErrInvalid) {
			t.Errorf("Add(%q): %v; want ErrInvalid", name, err)
		}
	}
	if err := n.Add("hits", nil); !errors.Is(err, gossip.ErrInvalid) {
		t.Errorf("Add of nil: %v", err)
	}
	if err := n.Add("hits", r); err != nil {
		t.Fatal(err)
	}
	if err := n.Add("hits", r); !errors.Is(err, gossip.ErrInvalid) {
		t.Errorf("second Add: %v", err)
	}
}
