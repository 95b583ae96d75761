package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/abacusgo/abacus/presence"
	"github.com/abacusgo/abacus/redisstore"
)

const (
	counterName  = "logins" // the shared login counter
	presenceName = "online" // the shared presence set

	// period is the granularity of the distinct-user sketches (the
	// redisstore and presence default, spelled out because the key names
	// that prepare and deleteKeys build depend on it).
	period = time.Hour

	// redisTimeout bounds each of the program's own Redis calls (the stores
	// bound theirs with Options.Timeout, 2s by default).
	redisTimeout = 2 * time.Second
)

// sim is the simulation: the nodes, the exact model they all feed, and a
// reader that sees only what Redis holds.
type sim struct {
	cfg       config
	log       *slog.Logger
	heartbeat time.Duration // timeout / 3
	loginRate float64       // logins per second per node

	nodes  []*node
	reader reader

	// The exact model: every event of every node, at once.
	model    *presence.Tracker
	seen     []atomic.Bool // by user index: logged in or sent a heartbeat
	distinct atomic.Int64  // users with seen set
	logins   atomic.Int64
	beats    atomic.Int64
	logouts  atomic.Int64
	vanished atomic.Int64 // sessions that ended without a logout
	expired  atomic.Int64 // of those, the ones whose timeout has passed
	refused  atomic.Int64 // events a store's presence buffer refused

	start, end time.Time // of the traffic
}

// reader reads the shared state through a store that never flushes: its
// counter never claims a node entry, so Counter.Load is exactly the sum of
// the totals the nodes wrote to Redis, and the presence reads (ZCOUNT,
// PFCOUNT) only ever show what Redis holds.
type reader struct {
	client *redis.Client
	store  *redisstore.Store
	logins *redisstore.Counter
	online *redisstore.Presence
}

func newSim(cfg config, addr string, log *slog.Logger) (*sim, error) {
	s := &sim{
		cfg:       cfg,
		log:       log,
		heartbeat: cfg.timeout / 3,
		seen:      make([]atomic.Bool, cfg.users),
	}
	// On average a session sends one login, a heartbeat every third of the
	// timeout over its lifetime but for the one that the lifetime's end
	// cuts short (half of one on average), and a logout unless it vanishes.
	perSession := 1 + float64(meanLife(cfg.timeout))/float64(s.heartbeat) - 0.5 + (1 - vanishShare)
	s.loginRate = cfg.rate / perSession

	var err error
	s.model, err = presence.New(presence.Options{Node: "model", Timeout: cfg.timeout, Period: period})
	if err != nil {
		return nil, err
	}
	// Room for every session a node can touch between two syncs, with
	// headroom for a slow sync: beyond MaxPending a node's events would be
	// refused while the model applies them.
	pending := max(100000, int(4*cfg.rate*cfg.interval.Seconds()))
	popts := redisstore.PresenceOptions{Timeout: cfg.timeout, Period: period, MaxPending: pending}
	s.reader.client = newClient(addr)
	s.reader.store, err = redisstore.New(s.reader.client, redisstore.Options{
		Node: "reader", Prefix: cfg.prefix, Logger: log})
	if err == nil {
		s.reader.logins, err = s.reader.store.Counter(counterName)
	}
	if err == nil {
		s.reader.online, err = s.reader.store.Presence(presenceName, popts)
	}
	for i := range cfg.nodes {
		if err != nil {
			break
		}
		n := &node{sim: s, id: fmt.Sprintf("node-%d", i)}
		s.nodes = append(s.nodes, n)
		n.client = newClient(addr)
		n.store, err = redisstore.New(n.client, redisstore.Options{
			Node: n.id, Prefix: cfg.prefix, Interval: cfg.interval, Logger: log})
		if err == nil {
			n.logins, err = n.store.Counter(counterName)
		}
		if err == nil {
			n.online, err = n.store.Presence(presenceName, popts)
		}
	}
	if err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// newClient returns a go-redis client for addr that honours context
// deadlines, so that the stores' Options.Timeout and the program's own
// timeouts bound every call: without ContextTimeoutEnabled, go-redis ignores
// them and waits out its own ReadTimeout (3s) on every retry. Retries stay
// on (go-redis's default): a retried write of a node's totals changes
// nothing.
func newClient(addr string) *redis.Client {
	return redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true})
}

// close closes every Redis client.
func (s *sim) close() {
	if s.reader.client != nil {
		s.reader.client.Close()
	}
	for _, n := range s.nodes {
		n.client.Close()
	}
}

// key returns a key of the run, as laid out in the redisstore package doc.
func (s *sim) key(name, suffix string) string {
	return s.cfg.prefix + ":{" + name + "}:" + suffix
}

// hllKey returns the key of the distinct-user sketch of the period holding t.
func (s *sim) hllKey(t time.Time) string {
	sec := t.Unix()
	return s.key(presenceName, "hll:"+strconv.FormatInt(sec-sec%int64(period/time.Second), 10))
}

// prepare checks that Redis answers and that no earlier run left keys under
// the prefix (they would add to this run's numbers), and returns the Redis
// version.
func (s *sim) prepare(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, redisTimeout)
	defer cancel()
	addr := s.reader.client.Options().Addr
	info, err := s.reader.client.Info(ctx, "server").Result()
	if err != nil {
		return "", fmt.Errorf("cannot reach Redis at %s: %w", addr, err)
	}
	version := "?"
	for line := range strings.SplitSeq(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, "redis_version:"); ok {
			version = v
		}
	}
	keys := append(s.keys(), s.hllKey(time.Now()))
	n, err := s.reader.client.Exists(ctx, keys...).Result()
	if err != nil {
		return "", fmt.Errorf("checking for old keys in Redis at %s: %w", addr, err)
	}
	if n > 0 {
		return "", fmt.Errorf("%w: Redis at %s already holds keys under -prefix %s (from an earlier run?); "+
			"pick another prefix or leave -prefix out for a fresh one", errUsage, addr, s.cfg.prefix)
	}
	return version, nil
}

// keys returns the run's keys but for the distinct-user sketches.
func (s *sim) keys() []string {
	return []string{
		s.key(counterName, "c"), s.key(counterName, "c:epoch"), s.key(counterName, "c:retired"),
		s.key(presenceName, "seen"), s.key(presenceName, "gone"),
	}
}

// deleteKeys deletes every key of the run from a shared Redis.
func (s *sim) deleteKeys(ctx context.Context) {
	keys := s.keys()
	if !s.start.IsZero() {
		for t := s.start; !t.After(s.end.Add(period)); t = t.Add(period) {
			keys = append(keys, s.hllKey(t))
		}
	}
	ctx, cancel := context.WithTimeout(ctx, redisTimeout)
	defer cancel()
	n, err := s.reader.client.Del(ctx, keys...).Result()
	if err != nil {
		s.log.Warn("could not delete this run's keys", "prefix", s.cfg.prefix, "err", err)
		return
	}
	s.log.Info("deleted this run's keys (pass -keep to keep them)", "prefix", s.cfg.prefix, "keys", n)
}

// run runs the traffic and the report until ctx is done, and then stops the
// nodes' background syncs (each ends with one more flush).
func (s *sim) run(ctx context.Context, stdout io.Writer) {
	syncCtx, stopSyncs := context.WithCancel(context.WithoutCancel(ctx))
	var syncs sync.WaitGroup
	for i, n := range s.nodes {
		// Real processes start at different moments, so their syncs are out
		// of phase: spread them over the interval.
		offset := s.cfg.interval * time.Duration(2*i+1) / time.Duration(2*len(s.nodes))
		syncs.Go(func() {
			select {
			case <-time.After(offset):
				_ = n.store.Flush(syncCtx) // Run's first flush comes an interval later
			case <-syncCtx.Done():
			}
			_ = n.store.Run(syncCtx) // returns after one more flush
		})
	}
	s.start = time.Now()
	var traffic sync.WaitGroup
	for _, n := range s.nodes {
		traffic.Go(func() { n.traffic(ctx) })
	}
	traffic.Go(func() { s.reportEvery(ctx, stdout) })
	traffic.Wait()
	s.end = time.Now()
	stopSyncs()
	syncs.Wait()
}

// see records in the exact model that user index u was seen.
func (s *sim) see(u int) {
	if s.seen[u].CompareAndSwap(false, true) {
		s.distinct.Add(1)
	}
}

// apply sends e to the exact model and to the node's presence buffer.
func (s *sim) apply(n *node, e presence.Event) {
	// The model first, so that whatever Redis shows the model has already
	// seen.
	if err := s.model.Apply(e); err != nil {
		s.log.Error("model refused an event", "event", e, "err", err)
	}
	if err := n.online.Apply(e); err != nil {
		if s.refused.Add(1) == 1 || errors.Is(err, redisstore.ErrInvalid) {
			s.log.Warn("presence refused an event", "node", n.id, "err", err)
		}
	}
}

// stats sums the nodes' sync statistics: the oldest node's age, and the
// successful and failed syncs.
func (s *sim) stats() (age time.Duration, syncs, failures uint64) {
	for _, n := range s.nodes {
		st := n.store.Stats()
		age = max(age, st.Age)
		syncs += st.Syncs
		failures += st.Failures
	}
	return age, syncs, failures
}
