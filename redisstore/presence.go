package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/abacusgo/abacus/presence"
)

// PresenceOptions configure a Presence. The zero value is usable.
type PresenceOptions struct {
	// Timeout, MaxSkew, Period and Retain mean what they mean in
	// presence.Options (defaults 5m, 30s, 1h and 48).
	Timeout time.Duration
	MaxSkew time.Duration
	Period  time.Duration
	Retain  int
	// MaxPending bounds the sessions buffered while Redis is unreachable
	// (default 100000); beyond it events are refused with ErrFull.
	MaxPending int
}

// A Presence is the set of online sessions shared by every process, in Redis:
//
//   - prefix:{name}:seen, a sorted set of session -> time of its latest login
//     or heartbeat (milliseconds), written with ZADD GT so it only moves
//     forward. The active count is ZCOUNT over (now - Timeout, +inf), so
//     expiry needs no write and cannot race a heartbeat.
//   - prefix:{name}:gone, a sorted set of session -> time of its latest
//     logout: the tombstone that stops a late heartbeat (stamped before the
//     logout) from bringing the session back.
//   - prefix:{name}:hll:<period start>, a HyperLogLog (PFADD) of the users
//     seen in each period, expiring after Retain periods; Distinct is PFCOUNT
//     over the periods asked for.
//
// The same last-writer-wins rule as package presence applies, in a Lua
// script, so events may reach Redis duplicated, late and out of order.
// Events are buffered per session (only the latest counts) and written by the
// store's flush; the flush also forgets tombstones and expired sessions once
// they are older than Timeout + MaxSkew (ZREMRANGEBYSCORE).
//
// The active count counts sessions; users with several sessions count once
// per session. For distinct users use Distinct.
type Presence struct {
	s    *Store
	name string
	opts PresenceOptions
	seen string
	gone string

	mu      sync.Mutex
	pending map[string]presence.Event
	users   map[int64]map[string]struct{} // period start (Unix s) -> users

	active   atomic.Int64
	distinct atomic.Int64
	lastSync atomic.Int64
}

// Presence returns the presence set called name (see Counter for the rules
// on names), made on first use with opts; later calls return the same set
// and ignore opts.
func (s *Store) Presence(name string, opts PresenceOptions) (*Presence, error) {
	if !validName().MatchString(name) {
		return nil, fmt.Errorf("%w presence name %q: want 1 to 128 of A-Z a-z 0-9 _ . -", ErrInvalid, name)
	}
	if err := fillPresence(&opts); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, ok := s.presences[name]; ok {
		return p, nil
	}
	p := &Presence{
		s: s, name: name, opts: opts,
		seen:    s.key(name, "seen"),
		gone:    s.key(name, "gone"),
		pending: make(map[string]presence.Event),
		users:   make(map[int64]map[string]struct{}),
	}
	s.presences[name] = p
	return p, nil
}

func fillPresence(o *PresenceOptions) error {
	// The same defaults and rules as an in-process presence.Tracker.
	p, err := presence.Options{Timeout: o.Timeout, MaxSkew: o.MaxSkew, Period: o.Period, Retain: o.Retain}.WithDefaults()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	o.Timeout, o.MaxSkew, o.Period, o.Retain = p.Timeout, p.MaxSkew, p.Period, p.Retain
	switch {
	case o.MaxPending == 0:
		o.MaxPending = 100000
	case o.MaxPending < 0:
		return fmt.Errorf("%w: negative MaxPending %d", ErrInvalid, o.MaxPending)
	}
	return nil
}

// Login buffers a login of session of user at at.
func (p *Presence) Login(user, session string, at time.Time) error {
	return p.Apply(presence.Event{Kind: presence.Login, User: user, Session: session, At: at})
}

// Heartbeat buffers a heartbeat of session of user at at.
func (p *Presence) Heartbeat(user, session string, at time.Time) error {
	return p.Apply(presence.Event{Kind: presence.Heartbeat, User: user, Session: session, At: at})
}

// Logout buffers a logout of session of user at at.
func (p *Presence) Logout(user, session string, at time.Time) error {
	return p.Apply(presence.Event{Kind: presence.Logout, User: user, Session: session, At: at})
}

// Apply buffers an event for the next flush. Its time is truncated to the
// millisecond, the resolution Redis keeps, so events of one session within
// one millisecond are ties (a logout wins). It returns the errors of
// presence.Event.Check, and ErrFull when MaxPending sessions are waiting.
func (p *Presence) Apply(e presence.Event) error {
	// Redis keeps times in milliseconds; decide every tie at that
	// resolution, here as there, so that where an event is decided cannot
	// change the outcome.
	e.At = e.At.Truncate(time.Millisecond)
	if err := e.Check(p.s.opts.Now(), p.opts.MaxSkew); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	old, ok := p.pending[e.Session]
	if !ok && len(p.pending) >= p.opts.MaxPending {
		return fmt.Errorf("%w: %d sessions waiting for Redis", ErrFull, len(p.pending))
	}
	if !ok || e.Newer(&old) {
		p.pending[e.Session] = e
	}
	if e.Kind != presence.Logout {
		start := p.periodStart(e.At)
		set := p.users[start]
		if set == nil {
			set = make(map[string]struct{})
			p.users[start] = set
		}
		set[e.User] = struct{}{}
	}
	return nil
}

// Pending returns how many sessions have events waiting for a flush.
func (p *Presence) Pending() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.pending)
}

func (p *Presence) periodStart(t time.Time) int64 {
	ps := int64(p.opts.Period / time.Second)
	sec := t.Unix()
	return sec - ((sec%ps)+ps)%ps
}

func (p *Presence) hllKey(start int64) string {
	return p.s.key(p.name, "hll:"+strconv.FormatInt(start, 10))
}

// Active counts, in Redis, the sessions whose latest event is a login or
// heartbeat stamped after now - Timeout. Events still in this process's
// buffer are not counted until the next flush.
func (p *Presence) Active(ctx context.Context, now time.Time) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, p.s.opts.Timeout)
	defer cancel()
	n, err := p.s.client.ZCount(ctx, p.seen, p.cut(now), "+inf").Result()
	if err != nil {
		return 0, fmt.Errorf("redisstore: counting %q: %w", p.name, err)
	}
	return n, nil
}

func (p *Presence) cut(now time.Time) string {
	return "(" + strconv.FormatInt(now.Add(-p.opts.Timeout).UnixMilli(), 10)
}

// Distinct estimates, in Redis, the distinct users who logged in or sent a
// heartbeat in the periods from the one holding from to the one holding to
// (PFCOUNT over their sketches; Redis's standard error is 0.81%).
func (p *Presence) Distinct(ctx context.Context, from, to time.Time) (int64, error) {
	ps := int64(p.opts.Period / time.Second)
	lo, hi := p.periodStart(from), p.periodStart(to)
	if hi < lo || (hi-lo)/ps >= int64(p.opts.Retain) {
		return 0, fmt.Errorf("%w: range %v to %v is empty or longer than Retain periods", ErrInvalid, from, to)
	}
	var keys []string
	for start := lo; start <= hi; start += ps {
		keys = append(keys, p.hllKey(start))
	}
	ctx, cancel := context.WithTimeout(ctx, p.s.opts.Timeout)
	defer cancel()
	n, err := p.s.client.PFCount(ctx, keys...).Result()
	if err != nil {
		return 0, fmt.Errorf("redisstore: distinct users of %q: %w", p.name, err)
	}
	return n, nil
}

// Cached returns, without a round trip, the active sessions and the distinct
// users of the current period as of the last successful flush.
func (p *Presence) Cached() (active, distinct int64) {
	return p.active.Load(), p.distinct.Load()
}

// Staleness returns the age of the last successful flush of this set.
func (p *Presence) Staleness() time.Duration {
	since := p.s.start
	if ns := p.lastSync.Load(); ns != 0 {
		since = time.Unix(0, ns)
	}
	return p.s.opts.Now().Sub(since)
}

type presenceFlush struct {
	p        *Presence
	now      time.Time
	events   map[string]presence.Event
	users    map[int64]map[string]struct{}
	cmds     []redis.Cmder
	active   *redis.IntCmd
	distinct *redis.IntCmd
}

// prepare takes the buffer and queues its events, the sketches' updates, the
// collection of old entries and the reads for Cached.
func (p *Presence) prepare(ctx context.Context, pipe redis.Pipeliner, now time.Time) *presenceFlush {
	p.mu.Lock()
	f := &presenceFlush{p: p, now: now, events: p.pending, users: p.users}
	p.pending = make(map[string]presence.Event)
	p.users = make(map[int64]map[string]struct{})
	p.mu.Unlock()

	keys := []string{p.seen, p.gone}
	for _, e := range f.events {
		dir := "in"
		if e.Kind == presence.Logout {
			dir = "out"
		}
		f.cmds = append(f.cmds, scriptEvent.EvalSha(ctx, pipe, keys, dir, e.Session, e.At.UnixMilli()))
	}
	ttl := time.Duration(p.opts.Retain+1) * p.opts.Period
	for start, set := range f.users {
		key := p.hllKey(start)
		args := make([]any, 0, min(len(set), 1000))
		for u := range set {
			args = append(args, u)
			if len(args) == cap(args) {
				f.cmds = append(f.cmds, pipe.PFAdd(ctx, key, args...))
				args = args[:0]
			}
		}
		if len(args) > 0 {
			f.cmds = append(f.cmds, pipe.PFAdd(ctx, key, args...))
		}
		f.cmds = append(f.cmds, pipe.ExpireNX(ctx, key, ttl))
	}
	horizon := "(" + strconv.FormatInt(now.Add(-p.opts.Timeout-p.opts.MaxSkew).UnixMilli(), 10)
	pipe.ZRemRangeByScore(ctx, p.seen, "-inf", horizon)
	pipe.ZRemRangeByScore(ctx, p.gone, "-inf", horizon)
	f.active = pipe.ZCount(ctx, p.seen, p.cut(now), "+inf")
	f.distinct = pipe.PFCount(ctx, p.hllKey(p.periodStart(now)))
	return f
}

// finish puts the events back if any write failed (they are idempotent, so
// writing some of them twice is harmless) and caches the counts.
func (f *presenceFlush) finish() error {
	p := f.p
	var failed error
	for _, c := range f.cmds {
		if err := c.Err(); err != nil {
			failed = err
			break
		}
	}
	if failed != nil {
		p.requeue(f.events, f.users)
		return fmt.Errorf("redisstore: presence %q: %w", p.name, failed)
	}
	if err := f.active.Err(); err != nil {
		return err
	}
	p.active.Store(f.active.Val())
	if err := f.distinct.Err(); err == nil {
		p.distinct.Store(f.distinct.Val())
	}
	p.lastSync.Store(f.now.UnixNano())
	return nil
}

func (p *Presence) requeue(events map[string]presence.Event, users map[int64]map[string]struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for id, e := range events {
		if cur, ok := p.pending[id]; !ok || e.Newer(&cur) {
			p.pending[id] = e
		}
	}
	for start, set := range users {
		dst := p.users[start]
		if dst == nil {
			p.users[start] = set
			continue
		}
		for u := range set {
			dst[u] = struct{}{}
		}
	}
}
