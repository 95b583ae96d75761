package gossip

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/abacusgo/abacus/crdt"
)

// ErrInvalid is wrapped by the errors New and Add return for bad options,
// peer URLs and replica names.
var ErrInvalid = errors.New("gossip: invalid")

// Defaults of Options.
const (
	DefaultInterval        = time.Second
	DefaultTimeout         = 5 * time.Second
	DefaultAntiEntropy     = 30 * time.Second
	DefaultMaxBody         = 16 << 20
	DefaultConcurrency     = 8
	DefaultAuthWindow      = 5 * time.Minute
	DefaultShutdownTimeout = 5 * time.Second
	// MinSecret is the shortest Secret New accepts, in bytes.
	MinSecret = 16
)

// Options configure a Node. The zero value is usable: a node with no peers,
// no secret, and every other field at its default.
type Options struct {
	// Peers are the base URLs of the other nodes' handlers, such as
	// "http://10.0.0.2:7070/gossip": the node pulls replica NAME from
	// BASE/NAME. http and https only; the list is fixed for the node's life.
	Peers []string
	// Secret, when set, authenticates every request and every answer with
	// HMAC-SHA256 (see the package doc). It is the same on every node and
	// at least MinSecret bytes; empty means no authentication.
	Secret []byte
	// Interval is the wait between two pulls from one peer (default 1s).
	Interval time.Duration
	// Jitter: each wait is Interval plus a random duration in [0, Jitter),
	// so that peers do not pull in step (default Interval/10; negative for
	// none).
	Jitter time.Duration
	// Timeout bounds each request the node makes, from dialing to the last
	// byte of the answer, and each read and write of the server that
	// Server returns (default 5s).
	Timeout time.Duration
	// AntiEntropy is how often each replica is pulled whole from each peer,
	// with the zero Cursor, whatever the cursor says (default 30s; negative
	// for never).
	AntiEntropy time.Duration
	// MaxBody is the largest state, in bytes, that the node reads, pulled
	// or pushed (default 16 MiB). A larger one is an error, never merged.
	MaxBody int64
	// Concurrency bounds the peers being pulled from (or pushed to) at once
	// (default 8).
	Concurrency int
	// AuthWindow is how far a request's timestamp may be from the
	// receiver's clock (default 5 minutes); older requests get 401.
	AuthWindow time.Duration
	// ShutdownTimeout bounds the graceful shutdown of Serve (default 5s).
	ShutdownTimeout time.Duration
	// Client makes the requests. The default is a client of the node's own
	// that follows no redirects; set one for TLS or a proxy. Timeout applies
	// either way.
	Client *http.Client
	// Logger gets failures and recoveries of peers (default slog.Default()).
	Logger *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

var validName = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,128}$`)

func (o *Options) fill() error {
	if o.Interval == 0 {
		o.Interval = DefaultInterval
	}
	if o.Jitter == 0 {
		o.Jitter = o.Interval / 10
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.AntiEntropy == 0 {
		o.AntiEntropy = DefaultAntiEntropy
	}
	if o.MaxBody == 0 {
		o.MaxBody = DefaultMaxBody
	}
	if o.Concurrency == 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.AuthWindow == 0 {
		o.AuthWindow = DefaultAuthWindow
	}
	if o.ShutdownTimeout == 0 {
		o.ShutdownTimeout = DefaultShutdownTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	switch {
	case o.Interval < 0, o.Timeout < 0, o.MaxBody < 0, o.Concurrency < 0, o.AuthWindow < 0, o.ShutdownTimeout < 0:
		return fmt.Errorf("%w options: negative Interval, Timeout, MaxBody, Concurrency, AuthWindow or ShutdownTimeout", ErrInvalid)
	case len(o.Secret) > 0 && len(o.Secret) < MinSecret:
		return fmt.Errorf("%w options: a Secret of %d bytes; use at least %d random bytes", ErrInvalid, len(o.Secret), MinSecret)
	}
	return nil
}

// peerURL checks a base URL and returns it without a trailing slash.
func peerURL(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil {
		return "", fmt.Errorf("%w peer %q: %w", ErrInvalid, s, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%w peer %q: want http(s)://host[:port][/path]", ErrInvalid, s)
	}
	return strings.TrimRight(s, "/"), nil
}

// A Node syncs a set of named replicas with a fixed list of peers: it pulls
// from every peer (Run, Sync), answers their pulls (Handler), and pushes its
// states on request (Flush). All methods are safe for concurrent use.
type Node struct {
	opts   Options
	client *http.Client
	start  time.Time
	sem    chan struct{} // Concurrency tokens
	peers  []*peer

	mu       sync.RWMutex
	replicas map[string]*replica

	served [len(codes)]atomic.Uint64 // answers by status code
}

type replica struct {
	r       Replica
	refused atomic.Uint64 // states (pulled or pushed) that Merge refused
}

// A peer is one base URL and what the node knows of it.
type peer struct {
	url   string
	pulls atomic.Uint64
	bytes atomic.Uint64
	fails [len(reasons)]atomic.Uint64

	mu           sync.Mutex
	pairs        map[string]*pair // by replica name
	lastErr      error
	failingSince time.Time
	lastWarn     time.Time
}

// A pair is the pull state of one replica from one peer.
type pair struct {
	mu       sync.Mutex // one pull at a time
	cursor   crdt.Cursor
	lastFull time.Time
	lastOK   atomic.Int64 // Unix nanoseconds of the last successful pull, 0 if none
}

func (p *peer) pair(name string) *pair {
	p.mu.Lock()
	defer p.mu.Unlock()
	pr := p.pairs[name]
	if pr == nil {
		pr = &pair{}
		p.pairs[name] = pr
	}
	return pr
}

// New returns a Node with the given options and no replicas yet. It
// contacts no peer.
func New(opts Options) (*Node, error) {
	opts.Peers = slices.Clone(opts.Peers)
	opts.Secret = slices.Clone(opts.Secret)
	if err := opts.fill(); err != nil {
		return nil, err
	}
	n := &Node{
		opts:     opts,
		client:   opts.Client,
		start:    opts.Now(),
		sem:      make(chan struct{}, opts.Concurrency),
		replicas: make(map[string]*replica),
	}
	if n.client == nil {
		n.client = &http.Client{
			Transport: http.DefaultTransport.(*http.Transport).Clone(),
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse // a redirect is an error status
			},
		}
	}
	seen := map[string]bool{}
	for _, s := range opts.Peers {
		u, err := peerURL(s)
		if err != nil {
			return nil, err
		}
		if seen[u] {
			return nil, fmt.Errorf("%w peer %q: listed twice", ErrInvalid, s)
		}
		seen[u] = true
		n.peers = append(n.peers, &peer{url: u, pairs: map[string]*pair{}})
	}
	return n, nil
}

// Add puts r under name, which peers use in their pulls: 1 to 128 of
// A-Z a-z 0-9 _ . - (not "." or ".."), unique within the node, and the
// same on every node for replicas of one CRDT.
func (n *Node) Add(name string, r Replica) error {
	if !validName.MatchString(name) || name == "." || name == ".." {
		return fmt.Errorf("%w replica name %q: want 1 to 128 of A-Z a-z 0-9 _ . -", ErrInvalid, name)
	}
	if r == nil {
		return fmt.Errorf("%w replica %q: nil", ErrInvalid, name)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.replicas[name] != nil {
		return fmt.Errorf("%w replica %q: added twice", ErrInvalid, name)
	}
	n.replicas[name] = &replica{r: r}
	return nil
}

func (n *Node) replica(name string) *replica {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.replicas[name]
}

// names returns the replicas' names, sorted.
func (n *Node) names() []string {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return slices.Sorted(maps.Keys(n.replicas))
}

// A Reason says why a pull or push failed.
type Reason string

// The reasons of failure.
const (
	// FailNetwork: no answer (refused, reset, timed out).
	FailNetwork Reason = "network"
	// FailStatus: the peer answered with an error status other than 401
	// and 413.
	FailStatus Reason = "status"
	// FailAuth: the peer answered 401, or its answer lacked a valid MAC.
	FailAuth Reason = "auth"
	// FailTooLarge: a state over MaxBody (here, or 413 from the peer).
	FailTooLarge Reason = "too_large"
	// FailDecode: the answer is not a valid state (ErrMalformed); for a
	// push, the replica could not encode its state.
	FailDecode Reason = "decode"
	// FailMerge: the replica refused the state.
	FailMerge Reason = "merge"
)

var reasons = [...]Reason{FailNetwork, FailStatus, FailAuth, FailTooLarge, FailDecode, FailMerge}

func (r Reason) index() int { return slices.Index(reasons[:], r) }

// A PeerError reports a failed pull or push of one replica.
type PeerError struct {
	Op      string // "pull" or "push"
	Peer    string // the peer's base URL
	Replica string
	Reason  Reason
	Err     error
}

func (e *PeerError) Error() string {
	return fmt.Sprintf("gossip: %s %s with %s: %s: %v", e.Op, e.Replica, e.Peer, e.Reason, e.Err)
}

func (e *PeerError) Unwrap() error { return e.Err }

// Stats describe a node's syncs.
type Stats struct {
	// Peers, in the order of Options.Peers.
	Peers []PeerStats
	// Served counts the requests the handler answered, by status code.
	Served map[int]uint64
	// Refused counts, by replica, the states (pulled or pushed) that the
	// replica refused to merge.
	Refused map[string]uint64
}

// PeerStats describe the pulls from one peer.
type PeerStats struct {
	Peer string
	// Lag is the time since the oldest of the peer's replicas was last
	// pulled successfully (since New if one never was): every replica holds
	// the peer's state as it was at most Lag ago.
	Lag time.Duration
	// Pulls counts the pulls tried, one per replica.
	Pulls uint64
	// Failures counts the failed pulls, by reason (reasons without any are
	// left out).
	Failures map[Reason]uint64
	// Bytes counts the state bytes received.
	Bytes uint64
	// LastError is the error of the last round of pulls from the peer, nil
	// if it succeeded.
	LastError error
}

// Stats returns the node's statistics.
func (n *Node) Stats() Stats {
	st := Stats{Served: map[int]uint64{}, Refused: map[string]uint64{}}
	names := n.names()
	for _, p := range n.peers {
		ps := PeerStats{Peer: p.url, Lag: n.lag(p, names), Pulls: p.pulls.Load(), Bytes: p.bytes.Load(), Failures: map[Reason]uint64{}}
		for i, r := range reasons {
			if v := p.fails[i].Load(); v > 0 {
				ps.Failures[r] = v
			}
		}
		p.mu.Lock()
		ps.LastError = p.lastErr
		p.mu.Unlock()
		st.Peers = append(st.Peers, ps)
	}
	for i, c := range codes {
		if v := n.served[i].Load(); v > 0 {
			st.Served[c] = v
		}
	}
	n.mu.RLock()
	for name, r := range n.replicas {
		if v := r.refused.Load(); v > 0 {
			st.Refused[name] = v
		}
	}
	n.mu.RUnlock()
	return st
}

// lag returns the time since the oldest last successful pull of the named
// replicas from p.
func (n *Node) lag(p *peer, names []string) time.Duration {
	oldest := n.opts.Now()
	for _, name := range names {
		at := n.start
		if ns := p.pair(name).lastOK.Load(); ns != 0 {
			at = time.Unix(0, ns)
		}
		if at.Before(oldest) {
			oldest = at
		}
	}
	return max(0, n.opts.Now().Sub(oldest))
}
