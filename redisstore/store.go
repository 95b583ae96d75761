package redisstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/internal/tick"
)

var (
	// ErrRetired is reported for a counter whose incarnation of the node was
	// retired: its writes are refused and its later adds count only
	// locally. A later process with the node ID counts again.
	ErrRetired = errors.New("redisstore: node retired")
	// ErrNodeTaken is reported when another process claimed the same node ID
	// for the same counter: node IDs must be unique among live processes.
	// This process keeps counting locally but its writes are refused, and
	// every flush reports it (see the package doc).
	ErrNodeTaken = errors.New("redisstore: node claimed by another process")
	// ErrInvalid is wrapped by errors about bad names, options and events.
	ErrInvalid = errors.New("redisstore: invalid")
	// ErrFull is returned when a Presence buffer holds MaxPending sessions
	// that could not be written yet (Redis is down for long).
	ErrFull = errors.New("redisstore: presence buffer full")

	// errBadReply is wrapped by errors about a script reply of the wrong shape.
	errBadReply = errors.New("redisstore: unexpected reply")
)

var validName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_.-]{1,128}$`) })

// Options configure a Store.
type Options struct {
	// Node is this process's node ID, unique among live processes that
	// write the same counters: 1 to 128 of A-Z a-z 0-9 _ . - (required).
	Node string
	// Prefix starts every key (default "abacus").
	Prefix string
	// Interval is the period of the background flush (default 1s).
	Interval time.Duration
	// Timeout bounds each flush, every command included (default 2s).
	Timeout time.Duration
	// Logger gets sync failures and recoveries (default slog.Default()).
	Logger *slog.Logger
	// Now is this node's clock (default time.Now): Stats and staleness use
	// it; what presence counts is decided by Redis's clock (see Presence).
	Now func() time.Time
	// OnRefused, if set, is called once per counter when Redis starts
	// refusing its writes because another process claimed the node ID
	// (ErrNodeTaken) or another store retired the node (ErrRetired), with
	// that error: the adds this process makes from then on count only
	// locally. It runs on the flushing goroutine and must not block; it is
	// not called for a counter this process retired itself.
	OnRefused func(error)
}

// A Store keeps counters and presence sets in one Redis (or Redis Cluster)
// for many processes. Each process counts locally, without a round trip per
// event, and a background flush writes everything in one pipeline per
// Interval.
//
// All methods are safe for concurrent use. See the package doc for what is
// exact, what may be stale and what a crash can lose.
type Store struct {
	client redis.UniversalClient
	opts   Options
	start  time.Time

	mu        sync.Mutex
	counters  map[string]*Counter
	presences map[string]*Presence

	flushMu sync.Mutex // one flush at a time

	lastSync     atomic.Int64 // Unix nanoseconds of the last successful flush
	syncs        atomic.Uint64
	failures     atomic.Uint64
	lastErr      atomic.Pointer[error]
	failingSince time.Time // guarded by flushMu
	lastWarn     time.Time // guarded by flushMu
	refusedWarn  time.Time // guarded by flushMu
	skewWarn     time.Time // guarded by flushMu

	// skew is this node's clock minus Redis's (nanoseconds), as measured
	// by the last flush; measured says whether one has.
	skew     atomic.Int64
	measured atomic.Bool

	// pinned, when set (by tests), replaces Redis's TIME in the scripts:
	// the clock of record becomes this function.
	pinned func() time.Time
}

// New returns a Store that writes through client. It returns an error
// wrapping ErrInvalid for bad options, and for a *redis.Client,
// *redis.ClusterClient or *redis.Ring made without ContextTimeoutEnabled:
// go-redis ignores context deadlines on its sockets unless that is set, so
// Options.Timeout would not bound a call to a Redis that stops answering.
// It does not contact Redis: the first flush does, and until then (or while
// Redis is down) counting goes on locally.
func New(client redis.UniversalClient, opts Options) (*Store, error) {
	if client == nil {
		return nil, fmt.Errorf("%w: nil client", ErrInvalid)
	}
	if !honoursDeadlines(client) {
		return nil, fmt.Errorf("%w client: set ContextTimeoutEnabled: true in its options, or go-redis ignores the store's Timeout", ErrInvalid)
	}
	if !validName().MatchString(opts.Node) {
		return nil, fmt.Errorf("%w node ID %q: want 1 to 128 of A-Z a-z 0-9 _ . -", ErrInvalid, opts.Node)
	}
	if opts.Prefix == "" {
		opts.Prefix = "abacus"
	}
	if !validName().MatchString(opts.Prefix) {
		return nil, fmt.Errorf("%w prefix %q", ErrInvalid, opts.Prefix)
	}
	if opts.Interval == 0 {
		opts.Interval = time.Second
	}
	if opts.Timeout == 0 {
		opts.Timeout = 2 * time.Second
	}
	if opts.Interval < 0 || opts.Timeout < 0 {
		return nil, fmt.Errorf("%w: negative Interval or Timeout", ErrInvalid)
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Store{
		client:    client,
		opts:      opts,
		start:     opts.Now(),
		counters:  make(map[string]*Counter),
		presences: make(map[string]*Presence),
	}, nil
}

// honoursDeadlines reports whether client bounds socket I/O by the
// context's deadline. Clients whose options it cannot see are trusted.
func honoursDeadlines(client redis.UniversalClient) bool {
	switch c := client.(type) {
	case *redis.Client:
		return c.Options().ContextTimeoutEnabled
	case *redis.ClusterClient:
		return c.Options().ContextTimeoutEnabled
	case *redis.Ring:
		return c.Options().ContextTimeoutEnabled
	}
	return true
}

// key returns prefix:{name}:suffix. The braces are a Redis Cluster hash tag:
// every key of one counter or presence set lands in one slot, so scripts
// that touch several of them work on a cluster.
func (s *Store) key(name, suffix string) string {
	return s.opts.Prefix + ":{" + name + "}:" + suffix
}

// Run flushes every Interval until ctx is done, then flushes once more (with
// a fresh Timeout) so that a clean shutdown loses nothing, and returns
// ctx.Err(). Flush errors are reported through Stats, the logger and the
// registered metrics, never returned: counting goes on locally and the next
// flush catches up.
func (s *Store) Run(ctx context.Context) error {
	err := tick.Every(ctx, s.opts.Interval, func() { _ = s.Flush(ctx) })
	_ = s.Flush(context.WithoutCancel(ctx))
	return err
}

// Flush writes every counter's totals and every buffered presence event to
// Redis in one pipeline, and refreshes the cached cluster-wide values. It
// returns the first error; what failed is retried by the next flush. An error
// that concerns one key (for instance a key of the wrong type) holds back only
// that counter or presence set: the others are written all the same.
func (s *Store) Flush(ctx context.Context) error {
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	return s.flushLocked(ctx)
}

// flushLocked is Flush with flushMu held.
func (s *Store) flushLocked(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	err := s.flush(ctx)
	if err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
		// Redis restarted or its script cache was flushed: load and redo.
		if err = s.loadScripts(ctx); err == nil {
			err = s.flush(ctx)
		}
	}
	s.report(err)
	return err
}

func (s *Store) loadScripts(ctx context.Context) error {
	for _, sc := range scripts {
		if err := sc.Load(ctx, s.client).Err(); err != nil {
			return fmt.Errorf("redisstore: loading scripts: %w", err)
		}
	}
	return nil
}

func (s *Store) flush(ctx context.Context) error {
	s.mu.Lock()
	counters := make([]*Counter, 0, len(s.counters))
	for _, c := range s.counters {
		counters = append(counters, c)
	}
	presences := make([]*Presence, 0, len(s.presences))
	for _, p := range s.presences {
		presences = append(presences, p)
	}
	s.mu.Unlock()

	claimErr, err := s.claim(ctx, counters)
	if err != nil {
		return err
	}
	now := s.opts.Now()
	pipe := s.client.Pipeline()
	clock := pipe.Time(ctx)
	var cflush []*counterFlush
	for _, c := range counters {
		if f := c.prepare(ctx, pipe); f != nil {
			cflush = append(cflush, f)
		}
	}
	var pflush []*presenceFlush
	for _, p := range presences {
		pflush = append(pflush, p.prepare(ctx, pipe, now))
	}
	_, execErr := pipe.Exec(ctx)
	received := s.opts.Now()
	s.measure(clock, now, received)
	first := claimErr
	for _, f := range cflush {
		if err := f.finish(now); err != nil && first == nil {
			first = err
		}
	}
	refused := 0
	for _, f := range pflush {
		n, err := f.finish(now, received)
		refused += n
		if err != nil && first == nil {
			first = err
		}
	}
	s.warnSkew(presences, now)
	if refused > 0 {
		s.warnRefused(refused, now)
	}
	if first == nil && execErr != nil && !errors.Is(execErr, redis.Nil) {
		first = execErr
	}
	return first
}

// claim runs the claim script for every counter that has no epoch yet. A
// counter whose claim Redis refused (a retired node, a key of the wrong type,
// a script error) stays unclaimed and is skipped by this flush, while the
// others go on: the first such error is returned as refused. A failure to
// talk to Redis at all (network, timeout) is returned as failed and aborts
// the flush.
func (s *Store) claim(ctx context.Context, counters []*Counter) (refused, failed error) {
	pipe := s.client.Pipeline()
	var todo []*Counter
	var cmds []*redis.Cmd
	for _, c := range counters {
		if c.needsClaim() {
			todo = append(todo, c)
			cmds = append(cmds, scriptClaim.EvalSha(ctx, pipe, c.keys, s.opts.Node, c.token))
		}
	}
	if len(todo) == 0 {
		return nil, nil
	}
	_, _ = pipe.Exec(ctx)
	for i, c := range todo {
		err := c.claimed(cmds[i])
		if err == nil {
			continue
		}
		var reply redis.Error
		if !errors.As(err, &reply) && !errors.Is(err, errBadReply) {
			return nil, err
		}
		if refused == nil {
			refused = err
			if !errors.Is(err, ErrRetired) && !errors.Is(err, errBadReply) {
				refused = fmt.Errorf("redisstore: claim of counter %q: %w", c.name, err)
			}
		}
	}
	return refused, nil
}

// report records a flush outcome and logs transitions: the first failure,
// a reminder every minute while failing, and the recovery. Called with
// flushMu held.
func (s *Store) report(err error) {
	now := s.opts.Now()
	log := s.opts.Logger
	if err == nil {
		s.syncs.Add(1)
		s.lastSync.Store(now.UnixNano())
		s.lastErr.Store(nil)
		if !s.failingSince.IsZero() {
			log.Info("redisstore: sync recovered", "node", s.opts.Node,
				"after", now.Sub(s.failingSince).Round(time.Millisecond))
			s.failingSince = time.Time{}
		}
		return
	}
	s.failures.Add(1)
	s.lastErr.Store(&err)
	switch {
	case s.failingSince.IsZero():
		s.failingSince, s.lastWarn = now, now
		log.Warn("redisstore: sync failing; counting goes on locally", "node", s.opts.Node, "err", err)
	case now.Sub(s.lastWarn) >= time.Minute:
		s.lastWarn = now
		log.Warn("redisstore: sync still failing", "node", s.opts.Node, "err", err,
			"since", now.Sub(s.failingSince).Round(time.Second), "failures", s.failures.Load())
	}
}

// Stats describe the store's syncs with Redis.
type Stats struct {
	// LastSync is the time of the last successful flush (zero if none).
	LastSync time.Time
	// Age is how long ago that was (or how long since New, if never): the
	// staleness bound of every cached value and of the data in Redis.
	Age time.Duration
	// Syncs and Failures count successful and failed flushes.
	Syncs, Failures uint64
	// LastError is the error of the last flush, nil if it succeeded.
	LastError error
	// Skew is this node's clock minus Redis's, measured by the last flush
	// that reached Redis (within half its round trip); zero before.
	Skew time.Duration
	// RefusedEvents counts presence events and sketch updates Redis refused
	// as stamped more than MaxSkew ahead of its clock.
	RefusedEvents uint64
	// RefusedAdds is the net adds of counters whose writes Redis refuses
	// (Counter.Refused, summed): they count only in this process.
	RefusedAdds int64
}

// Stats returns the sync statistics.
func (s *Store) Stats() Stats {
	st := Stats{Syncs: s.syncs.Load(), Failures: s.failures.Load()}
	since := s.start
	if ns := s.lastSync.Load(); ns != 0 {
		st.LastSync = time.Unix(0, ns)
		since = st.LastSync
	}
	st.Age = s.opts.Now().Sub(since)
	if p := s.lastErr.Load(); p != nil {
		st.LastError = *p
	}
	st.Skew, _ = s.Skew()
	st.RefusedEvents, st.RefusedAdds = s.refused()
	return st
}

// refused sums the presence events and counter adds Redis refused.
func (s *Store) refused() (events uint64, adds int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.presences {
		events += p.Refused()
	}
	for _, c := range s.counters {
		adds += c.Refused()
	}
	return events, adds
}

// Register adds the store's metrics to reg: abacus_redisstore_sync_age_seconds
// (the staleness gauge), abacus_redisstore_syncs_total,
// abacus_redisstore_sync_errors_total, abacus_redisstore_pending_events
// (presence events waiting for a flush), abacus_redisstore_clock_skew_seconds
// (Stats().Skew), abacus_redisstore_refused_events_total (Stats().RefusedEvents)
// and abacus_redisstore_refused_adds (Stats().RefusedAdds), each with a node
// label.
func (s *Store) Register(reg *abacus.Registry) error {
	labels := map[string]string{"node": s.opts.Node}
	return errors.Join(
		reg.GaugeFunc(abacus.Opts{Name: "abacus_redisstore_sync_age_seconds", Unit: "seconds", ConstLabels: labels,
			Help: "Seconds since the last successful sync with Redis: how stale the shared counts may be."},
			func() float64 { return s.Stats().Age.Seconds() }),
		reg.CounterFunc(abacus.Opts{Name: "abacus_redisstore_syncs_total", ConstLabels: labels,
			Help: "Successful syncs with Redis."},
			func() float64 { return float64(s.syncs.Load()) }),
		reg.CounterFunc(abacus.Opts{Name: "abacus_redisstore_sync_errors_total", ConstLabels: labels,
			Help: "Failed syncs with Redis; counting goes on locally and the next sync catches up."},
			func() float64 { return float64(s.failures.Load()) }),
		reg.GaugeFunc(abacus.Opts{Name: "abacus_redisstore_pending_events", ConstLabels: labels,
			Help: "Presence events buffered for the next sync."},
			func() float64 { return float64(s.pending()) }),
		reg.GaugeFunc(abacus.Opts{Name: "abacus_redisstore_clock_skew_seconds", Unit: "seconds", ConstLabels: labels,
			Help: "This node's clock minus Redis's, the clock of record, as measured by the last sync."},
			func() float64 { return time.Duration(s.skew.Load()).Seconds() }),
		reg.CounterFunc(abacus.Opts{Name: "abacus_redisstore_refused_events_total", ConstLabels: labels,
			Help: "Presence events Redis refused as stamped more than MaxSkew ahead of its clock."},
			func() float64 { e, _ := s.refused(); return float64(e) }),
		reg.GaugeFunc(abacus.Opts{Name: "abacus_redisstore_refused_adds", ConstLabels: labels,
			Help: "Net adds of counters whose writes Redis refuses (node retired, or node ID taken by another process): counted only locally."},
			func() float64 { _, a := s.refused(); return float64(a) }),
	)
}

func (s *Store) pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, p := range s.presences {
		n += p.Pending()
	}
	return n
}
