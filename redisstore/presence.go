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
//     or heartbeat (milliseconds). The active sessions are those stamped
//     after now - Timeout: ZCOUNT, so expiry needs no write and cannot race
//     a heartbeat.
//   - prefix:{name}:gone, a sorted set of session -> time of its latest
//     logout: the tombstone that stops a late heartbeat (stamped before the
//     logout) from bringing the session back.
//   - prefix:{name}:users, a sorted set of user -> the latest login or
//     heartbeat over the user's sessions that have not logged out, with
//     prefix:{name}:owner (session -> user) and prefix:{name}:byuser (an
//     index of each user's sessions) to keep it right when a session ends.
//     A user is online when that time is after now - Timeout: another
//     ZCOUNT. So the count of users online is exact, like the count of
//     sessions, and costs O(log n) to read, whatever the number of sessions.
//   - prefix:{name}:hll:<period start>, a HyperLogLog (PFADD) of the users
//     seen in each period, expiring after Retain periods; Distinct is PFCOUNT
//     over the periods asked for.
//
// The same last-writer-wins rule as package presence applies, in Lua
// scripts, so events may reach Redis duplicated, late and out of order, and
// a logout may arrive before its login. Events are buffered per session
// (only the latest counts) and written by the store's flush; the flush also
// forgets sessions, tombstones and users once they are older than Timeout +
// MaxSkew. Each flush forgets up to 1,000 sessions per script call, and
// makes more calls (up to 64) while they come back full.
//
// # The clock of record
//
// Redis's clock (TIME on the master that holds the set) decides, not the
// nodes': the cutoff of Active, the horizon of what is forgotten, and the
// refusal of events stamped more than MaxSkew ahead. A node whose clock is
// wrong can therefore neither expire other nodes' sessions early nor keep a
// session it stamped more than MaxSkew ahead online past a later logout
// (within MaxSkew, the later stamp wins, as in package presence). Its events
// stamped too far ahead are refused: by Apply, with an error wrapping
// presence.ErrFuture, once the store has measured its clock against Redis's
// (Skew, after the first flush), and otherwise by the flush, which counts
// them (Refused, and abacus_redisstore_refused_events_total) and logs them.
// Events stamped in the past are not refused: late events are normal after
// an outage. A node whose clock runs behind stamps its sessions old, and
// they expire early; the skew gauge (abacus_redisstore_clock_skew_seconds)
// shows it, and the store logs a warning while the skew exceeds MaxSkew.
//
// After a failover to a replica whose clock differs from the old master's
// by d, the new master's clock is the clock of record from the first script
// it runs: if it is ahead, sessions expire up to d early and what is
// forgotten moves forward by d (harmless while d <= MaxSkew, the margin the
// horizon keeps); if it is behind, sessions stay active up to d longer and
// events stamped up to d further ahead are refused: once d exceeds MaxSkew,
// every correctly stamped event is refused (and counted) until its clock is
// fixed. Skew jumps by d at the next flush.
//
// All methods are safe for concurrent use.
type Presence struct {
	s    *Store
	name string
	opts PresenceOptions
	keys []string // seen, gone, owner, byuser, users

	mu      sync.Mutex
	pending map[string]presence.Event
	users   map[int64]map[string]struct{} // period start (Unix s) -> users

	collectCalls int // collection calls per flush; guarded by the store's flushMu

	// skew is this node's clock minus the clock of record of this set (its
	// master's, in a cluster), from the last flush; measured says whether
	// one has.
	skew     atomic.Int64
	measured atomic.Bool

	sessions atomic.Int64
	online   atomic.Int64 // users with an active session
	distinct atomic.Int64
	lastSync atomic.Int64
	refused  atomic.Uint64
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
		keys: []string{s.key(name, "seen"), s.key(name, "gone"), s.key(name, "owner"),
			s.key(name, "byuser"), s.key(name, "users")},
		pending:      make(map[string]presence.Event),
		users:        make(map[int64]map[string]struct{}),
		collectCalls: 1,
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
// presence.Event.Check, against the clock of record as this store last
// measured it (see Stats().Skew), and ErrFull when MaxPending sessions are
// waiting.
func (p *Presence) Apply(e presence.Event) error {
	// Redis keeps times in milliseconds; decide every tie at that
	// resolution, here as there, so that where an event is decided cannot
	// change the outcome.
	e.At = e.At.Truncate(time.Millisecond)
	if err := e.Check(p.recordNow(), p.opts.MaxSkew); err != nil {
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

// Refused returns how many events (and distinct-user sketch updates) Redis
// refused because they were stamped more than MaxSkew ahead of its clock.
func (p *Presence) Refused() uint64 { return p.refused.Load() }

// Skew returns this node's clock minus the clock of record of this set (the
// TIME of the master that holds it), as measured by the last successful
// flush (within half its round trip), and whether one has.
func (p *Presence) Skew() (time.Duration, bool) {
	return time.Duration(p.skew.Load()), p.measured.Load()
}

// recordNow estimates this set's clock of record: this node's clock
// corrected by the skew measured against it, or against the store's Redis
// until the set has flushed once.
func (p *Presence) recordNow() time.Time {
	if p.s.pinned != nil || !p.measured.Load() {
		return p.s.recordNow()
	}
	return p.s.opts.Now().Add(-time.Duration(p.skew.Load()))
}

func (p *Presence) periodStart(t time.Time) int64 {
	ps := int64(p.opts.Period / time.Second)
	sec := t.Unix()
	return sec - ((sec%ps)+ps)%ps
}

func (p *Presence) hllKey(start int64) string {
	return p.s.key(p.name, "hll:"+strconv.FormatInt(start, 10))
}

// Active counts, in Redis and at Redis's clock, the sessions whose latest
// event is a login or heartbeat stamped within the last Timeout, and the
// distinct users with at least one such session. It costs one script of two
// ZCOUNTs, O(log n): it does not scan the sessions. Events still in this
// process's buffer are not counted until the next flush.
func (p *Presence) Active(ctx context.Context) (presence.Counts, error) {
	return p.count(ctx, p.s.pin())
}

// ActiveAt is Active at time at instead of Redis's clock. Sessions and
// users stamped before Redis's clock minus Timeout + MaxSkew may have been
// forgotten already, so only times after that are counted exactly.
func (p *Presence) ActiveAt(ctx context.Context, at time.Time) (presence.Counts, error) {
	return p.count(ctx, strconv.FormatInt(at.UnixMilli(), 10))
}

func (p *Presence) count(ctx context.Context, at string) (presence.Counts, error) {
	ctx, cancel := context.WithTimeout(ctx, p.s.opts.Timeout)
	defer cancel()
	c, _, err := p.countReply(scriptCount.Run(ctx, p.s.client, p.countKeys(), p.opts.Timeout.Milliseconds(), at))
	if err != nil {
		return presence.Counts{}, fmt.Errorf("redisstore: counting %q: %w", p.name, err)
	}
	return c, nil
}

func (p *Presence) countKeys() []string { return []string{p.keys[0], p.keys[4]} }

// countReply reads the count script's reply: the counts and the time they
// are for.
func (p *Presence) countReply(cmd *redis.Cmd) (presence.Counts, time.Time, error) {
	r, err := cmd.Int64Slice()
	if err != nil {
		return presence.Counts{}, time.Time{}, err
	}
	if len(r) != 3 {
		return presence.Counts{}, time.Time{}, fmt.Errorf("%w: count replied %v", errBadReply, r)
	}
	return presence.Counts{Sessions: int(r[0]), Users: int(r[1])}, time.UnixMilli(r[2]), nil
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

// Cached returns, without a round trip, the active sessions and users and
// the distinct users of the current period, as of the last successful flush
// (Staleness says how long ago that was).
func (p *Presence) Cached() (active presence.Counts, distinct int64) {
	return presence.Counts{Sessions: int(p.sessions.Load()), Users: int(p.online.Load())}, p.distinct.Load()
}

// Staleness returns the age of the last successful flush of this set.
func (p *Presence) Staleness() time.Duration {
	since := p.s.start
	if ns := p.lastSync.Load(); ns != 0 {
		since = time.Unix(0, ns)
	}
	return p.s.opts.Now().Sub(since)
}

// eventBatch is how many events one script call applies: fewer calls for
// Redis to parse and dispatch, and still a short script.
const eventBatch = 256

// collectBatch bounds the sessions one collection call forgets, so that one
// script never blocks Redis for long. A flush makes one call, or up to
// maxCollectCalls while the calls come back full.
const (
	collectBatch    = 1000
	maxCollectCalls = 64
)

type presenceFlush struct {
	p        *Presence
	now      time.Time
	events   map[string]presence.Event
	users    map[int64]map[string]struct{}
	writes   []*redis.Cmd // events and sketches: they reply how many Redis refused
	collect  []*redis.Cmd
	count    *redis.Cmd
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

	pin := p.s.pin()
	skew := p.opts.MaxSkew.Milliseconds()
	args := make([]any, 0, 2+4*min(len(f.events), eventBatch))
	for _, e := range f.events {
		if len(args) == 0 {
			args = append(args, skew, pin)
		}
		args = append(args, strconv.Itoa(int(e.Kind)), e.Session, e.At.UnixMilli(), e.User)
		if len(args) == cap(args) {
			f.writes = append(f.writes, scriptEvent.EvalSha(ctx, pipe, p.keys, args...))
			args = make([]any, 0, cap(args))
		}
	}
	if len(args) > 0 {
		f.writes = append(f.writes, scriptEvent.EvalSha(ctx, pipe, p.keys, args...))
	}
	ttl := int64((time.Duration(p.opts.Retain+1) * p.opts.Period) / time.Second)
	for start, set := range f.users {
		key := []string{p.hllKey(start)}
		args := make([]any, 4, 4+min(len(set), 1000))
		args[0], args[1], args[2], args[3] = start*1000, skew, ttl, pin
		for u := range set {
			args = append(args, u)
			if len(args) == cap(args) {
				f.writes = append(f.writes, scriptSketch.EvalSha(ctx, pipe, key, args...))
				args = args[:4]
			}
		}
		if len(args) > 4 {
			f.writes = append(f.writes, scriptSketch.EvalSha(ctx, pipe, key, args...))
		}
	}
	for range p.collectCalls {
		f.collect = append(f.collect, scriptCollect.EvalSha(ctx, pipe, p.keys, (p.opts.Timeout+p.opts.MaxSkew).Milliseconds(), pin, collectBatch))
	}
	f.count = scriptCount.EvalSha(ctx, pipe, p.countKeys(), p.opts.Timeout.Milliseconds(), pin)
	f.distinct = pipe.PFCount(ctx, p.hllKey(p.periodStart(p.recordNow())))
	return f
}

// finish puts the events back if any write failed (they are idempotent, so
// writing some of them twice is harmless), counts the refused ones, caches
// the counts and measures this node's clock against the clock of record
// from the count's reply, the pipeline having been sent at sent and
// answered at received. It returns the number of writes Redis refused.
// Called with the store's flushMu held.
func (f *presenceFlush) finish(sent, received time.Time) (refused int, err error) {
	p := f.p
	var failed error
	for _, c := range f.writes {
		if err := c.Err(); err != nil {
			failed = err
			break
		}
		if v, _ := c.Int64(); v != 0 {
			refused += int(v)
		}
	}
	full := false
	for _, c := range f.collect {
		n, err := c.Int64()
		if err != nil && failed == nil {
			failed = err
		}
		full = n == collectBatch
	}
	// Sessions expire faster than one call a flush forgets them: call
	// more often, up to maxCollectCalls, until a call comes back short.
	if full {
		p.collectCalls = min(2*p.collectCalls, maxCollectCalls)
	} else if failed == nil {
		p.collectCalls = 1
	}
	if failed != nil {
		p.requeue(f.events, f.users)
		return 0, fmt.Errorf("redisstore: presence %q: %w", p.name, failed)
	}
	p.refused.Add(uint64(refused))
	c, at, err := p.countReply(f.count)
	if err != nil {
		return refused, fmt.Errorf("redisstore: counting %q: %w", p.name, err)
	}
	mid := sent.Add(received.Sub(sent) / 2)
	p.skew.Store(int64(mid.Sub(at)))
	p.measured.Store(true)
	p.sessions.Store(int64(c.Sessions))
	p.online.Store(int64(c.Users))
	if n, err := f.distinct.Result(); err == nil {
		p.distinct.Store(n)
	}
	p.lastSync.Store(f.now.UnixNano())
	return refused, nil
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
