package presence

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/abacusgo/abacus/crdt"
	"github.com/abacusgo/abacus/internal/tick"
)

// Kind is the kind of a presence event. At equal timestamps the larger kind
// wins: Logout over Heartbeat over Login.
type Kind uint8

const (
	Login     Kind = 1
	Heartbeat Kind = 2
	Logout    Kind = 3
)

// String returns "login", "heartbeat" or "logout".
func (k Kind) String() string {
	switch k {
	case Login:
		return "login"
	case Heartbeat:
		return "heartbeat"
	case Logout:
		return "logout"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

var (
	// ErrInvalid is wrapped by errors about malformed events and states.
	ErrInvalid = errors.New("presence: invalid")
	// ErrFuture is wrapped by the error for an event stamped further ahead of
	// the tracker's clock than MaxSkew (from Apply), and by Merge's error for
	// sessions and sketches stamped that far ahead that did not fit in the
	// hold.
	ErrFuture = errors.New("presence: event from the future")
	// ErrSkew is wrapped by Merge's error for a state whose producer's clock
	// is more than MaxSkew + MaxTransit behind this tracker's.
	ErrSkew = errors.New("presence: clock skew")
)

// MaxIDLen is the longest user or session ID, in bytes.
const MaxIDLen = 255

// Options configure a Tracker. The zero value is usable: every field has a
// default.
type Options struct {
	// Node names this tracker in the cluster view (default "local").
	Node string
	// Timeout is how long a session stays active after its last login or
	// heartbeat (default 5 minutes).
	Timeout time.Duration
	// MaxSkew is how far ahead of the tracker's clock an event may be
	// stamped to count at once (default 30 seconds): Apply refuses an event
	// stamped further ahead, Merge holds such sessions and sketches until
	// the clock is within MaxSkew of them (see MaxHeld). Tombstones and
	// expired sessions are forgotten Timeout + MaxSkew after their
	// timestamp.
	MaxSkew time.Duration
	// MaxTransit is how long a State may take from DeltaSince on its
	// producer to Merge here (default 30 seconds): Merge refuses a state
	// whose Clock is more than MaxSkew + MaxTransit behind this tracker's
	// clock. Keep MaxSkew + MaxTransit well under Timeout: a heartbeat that
	// arrives d old counts for only Timeout - d.
	MaxTransit time.Duration
	// MaxHeld is how many session records Merge holds, stamped more than
	// MaxSkew ahead of this tracker's clock, until the clock is within
	// MaxSkew of them (default 10000, about 100 bytes each plus their IDs).
	// Sketches of periods starting that far ahead are held too, at most
	// Retain of them. Merge refuses what does not fit, with an error
	// wrapping ErrFuture.
	MaxHeld int
	// MaxAhead is how far beyond MaxSkew ahead of this tracker's clock a
	// merged session may be stamped, or a sketch's period start, and still
	// be held (default one hour): Merge refuses records stamped further
	// ahead at once, with an error wrapping ErrFuture, so that a peer whose
	// clock is far off cannot fill the hold for long and crowd out peers
	// only slightly ahead.
	MaxAhead time.Duration
	// Period is the granularity of Distinct (default one hour); a whole
	// number of seconds that divides a day.
	Period time.Duration
	// Retain is how many periods of distinct-user sketches are kept
	// (default 48), 16 KiB each.
	Retain int
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// WithDefaults returns o with every zero field set to its default, or an
// error wrapping ErrInvalid for a value no Tracker accepts. Stores that keep
// presence elsewhere (package redisstore) use it to share these rules.
func (o Options) WithDefaults() (Options, error) {
	err := o.fill()
	return o, err
}

func (o *Options) fill() error {
	if o.Node == "" {
		o.Node = "local"
	}
	if err := crdt.ValidNode(o.Node); err != nil {
		return fmt.Errorf("presence: %w", err)
	}
	if o.Timeout == 0 {
		o.Timeout = 5 * time.Minute
	}
	if o.MaxSkew == 0 {
		o.MaxSkew = 30 * time.Second
	}
	if o.MaxTransit == 0 {
		o.MaxTransit = 30 * time.Second
	}
	if o.MaxHeld == 0 {
		o.MaxHeld = 10000
	}
	if o.MaxAhead == 0 {
		o.MaxAhead = time.Hour
	}
	if o.Period == 0 {
		o.Period = time.Hour
	}
	if o.Retain == 0 {
		o.Retain = 48
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	switch {
	case o.Timeout < 0 || o.MaxSkew < 0 || o.MaxTransit < 0 || o.MaxHeld < 0 || o.MaxAhead < 0 || o.Retain < 0:
		return fmt.Errorf("%w options: negative Timeout, MaxSkew, MaxTransit, MaxHeld, MaxAhead or Retain", ErrInvalid)
	case o.Period < time.Second || o.Period%time.Second != 0 || (24*time.Hour)%o.Period != 0:
		return fmt.Errorf("%w options: Period %v is not whole seconds dividing a day", ErrInvalid, o.Period)
	}
	return nil
}

// A Tracker counts the sessions that are online, from login, heartbeat and
// logout events that may arrive late, twice or out of order.
//
// All methods are safe for concurrent use; they serialise on one RWMutex.
// Events and merges cost a map update and at most one heap push per session;
// the active counts are kept as events arrive, so Active costs O(1) plus the
// expiries that came due (see ActiveAt). Counts are exact for the events and
// states applied before the call; a session Merge held (see Merge) is
// applied, as if merged then, by the first Apply, Merge, Active, ActiveAt,
// Distinct, Collect, DeltaSince, Len or Stats after the clock is within
// MaxSkew of its stamp.
type Tracker struct {
	opts  Options
	epoch uint64

	mu       sync.RWMutex
	version  uint64
	sessions map[string]*record
	periods  map[int64]*period // by start, in Unix seconds

	// Incremental counts as of mark (see expiry.go).
	mark   int64 // Unix nanoseconds
	online int
	users  map[string]int // online sessions per user
	due    dueHeap

	// What Merge holds for later (see hold.go), the earliest stamp held
	// (math.MaxInt64 if none), and the clock counts (see stats.go).
	held     hold
	heldNext atomic.Int64
	refused  refused
	peers    map[string]peerClock
}

type record struct {
	user string
	at   int64 // Unix nanoseconds
	kind Kind
	ver  uint64

	online    bool // counted in Tracker.online as of Tracker.mark
	queued    bool // has an entry in Tracker.due
	forgotten bool // removed by Collect; its heap entry is skipped
}

type period struct {
	users crdt.HLL
	ver   uint64
}

// New returns an empty Tracker, or an error wrapping ErrInvalid for bad
// options.
func New(opts Options) (*Tracker, error) {
	if err := opts.fill(); err != nil {
		return nil, err
	}
	t := &Tracker{
		opts:     opts,
		epoch:    1 + rand.Uint64N(1<<53-1),
		sessions: make(map[string]*record),
		periods:  make(map[int64]*period),
		users:    make(map[string]int),
		held:     hold{keys: make(map[heldSession]struct{}), periods: make(map[int64]*crdt.HLL)},
		peers:    make(map[string]peerClock),
	}
	t.heldNext.Store(math.MaxInt64)
	return t, nil
}

// Login records that session of user started at at.
func (t *Tracker) Login(user, session string, at time.Time) error {
	return t.Apply(Event{Kind: Login, User: user, Session: session, At: at})
}

// Heartbeat records that session of user was alive at at.
func (t *Tracker) Heartbeat(user, session string, at time.Time) error {
	return t.Apply(Event{Kind: Heartbeat, User: user, Session: session, At: at})
}

// Logout records that session of user ended at at.
func (t *Tracker) Logout(user, session string, at time.Time) error {
	return t.Apply(Event{Kind: Logout, User: user, Session: session, At: at})
}

// An Event is a login, heartbeat or logout of one session of one user.
type Event struct {
	Kind    Kind
	User    string
	Session string
	At      time.Time
}

// Apply records an event. It returns an error wrapping ErrInvalid for an
// unknown kind, an empty or oversized ID or a zero time, and one wrapping
// ErrFuture for an event stamped more than MaxSkew ahead of the clock.
// Applying an event again, or after later events of its session, changes
// nothing but the distinct-user sketches. An event Apply accepts is stamped
// at most MaxSkew ahead, so its sketch is of a period no later than the one
// holding the clock + MaxSkew.
func (t *Tracker) Apply(e Event) error {
	now := t.opts.Now()
	if err := e.Check(now, t.opts.MaxSkew); err != nil {
		return err
	}
	at := e.At.UnixNano()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.release(t.limit(now))
	t.put(e.Session, e.User, at, e.Kind)
	if e.Kind != Logout {
		if p := t.periodLocked(at / 1e9); p != nil && p.users.AddString(e.User) {
			t.version++
			p.ver = t.version
		}
	}
	return nil
}

// Check returns an error wrapping ErrInvalid for an unknown kind, an empty,
// oversized or non-UTF-8 ID or a time not after 1970, and one wrapping
// ErrFuture if e is stamped more than maxSkew after now.
func (e *Event) Check(now time.Time, maxSkew time.Duration) error {
	if e.Kind < Login || e.Kind > Logout {
		return fmt.Errorf("%w event kind %d", ErrInvalid, e.Kind)
	}
	if err := validID("user", e.User); err != nil {
		return err
	}
	if err := validID("session", e.Session); err != nil {
		return err
	}
	if e.At.IsZero() || e.At.UnixNano() <= 0 {
		return fmt.Errorf("%w event time %v", ErrInvalid, e.At)
	}
	if ahead := e.At.Sub(now); ahead > maxSkew {
		return fmt.Errorf("%w: %s stamped %v ahead of the clock (MaxSkew %v)", ErrFuture, e.Kind, ahead, maxSkew)
	}
	return nil
}

// Newer reports whether e beats o under the last-writer-wins rule of the
// package doc: later time, then larger kind, then larger user ID.
func (e *Event) Newer(o *Event) bool {
	return newer(e.At.UnixNano(), e.Kind, e.User, o.At.UnixNano(), o.Kind, o.User)
}

// put applies the last-writer-wins rule. Called with mu held.
func (t *Tracker) put(session, user string, at int64, kind Kind) bool {
	r := t.sessions[session]
	if r != nil && !newer(at, kind, user, r.at, r.kind, r.user) {
		return false
	}
	if r == nil {
		r = &record{}
		t.sessions[session] = r
	}
	t.version++
	oldUser, wasOnline := r.user, r.online
	r.user, r.at, r.kind, r.ver = user, at, kind, t.version
	t.settle(r, oldUser, wasOnline)
	return true
}

// newer reports whether the event (at, kind, user) beats (oat, okind,
// ouser): later time, then larger kind, then larger user (only two
// conflicting clients of one session get that far; any fixed order keeps
// merges commutative).
func newer(at int64, kind Kind, user string, oat int64, okind Kind, ouser string) bool {
	if at != oat {
		return at > oat
	}
	if kind != okind {
		return kind > okind
	}
	return user > ouser
}

// limit returns now + MaxSkew, the latest stamp applied at once, in Unix
// nanoseconds and in whole Unix seconds.
func (t *Tracker) limit(now time.Time) (nanos, sec int64) {
	l := now.Add(t.opts.MaxSkew)
	return l.UnixNano(), l.Unix()
}

// periodLocked returns the sketch of the period holding sec (Unix seconds),
// made if needed, or nil if that period is older than Retain periods.
func (t *Tracker) periodLocked(sec int64) *period {
	start := t.periodStart(sec)
	if start < t.periodStart(t.opts.Now().Unix())-int64(t.opts.Retain-1)*t.periodSeconds() {
		return nil
	}
	p := t.periods[start]
	if p == nil {
		p = &period{}
		t.periods[start] = p
	}
	return p
}

func (t *Tracker) periodSeconds() int64 { return int64(t.opts.Period / time.Second) }

func (t *Tracker) periodStart(sec int64) int64 {
	ps := t.periodSeconds()
	return sec - ((sec%ps)+ps)%ps
}

func validID(what, id string) error {
	if id == "" || len(id) > MaxIDLen || !utf8.ValidString(id) {
		return fmt.Errorf("%w %s ID %q: want 1 to %d bytes of UTF-8", ErrInvalid, what, id, MaxIDLen)
	}
	return nil
}

// Counts are the sessions online at one moment and the distinct users they
// belong to.
type Counts struct {
	Sessions int
	Users    int
}

// Active returns the counts at the tracker's clock.
func (t *Tracker) Active() Counts { return t.ActiveAt(t.opts.Now()) }

// ActiveAt returns the sessions whose latest event is a login or heartbeat
// stamped after now - Timeout, and their distinct users. The tracker keeps
// these counts as events arrive, so asking for a time at or after the latest
// one asked for costs O(1) plus O(log n) per session that expired since;
// asking for an earlier time scans every session. Sessions Merge holds count
// once the tracker's clock (not now) is within MaxSkew of their stamp.
func (t *Tracker) ActiveAt(now time.Time) Counts {
	ns := now.UnixNano()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.releaseLocked()
	if ns >= t.mark {
		t.advance(ns)
		return Counts{Sessions: t.online, Users: len(t.users)}
	}
	cut := now.Add(-t.opts.Timeout).UnixNano()
	var c Counts
	users := make(map[string]struct{})
	for _, r := range t.sessions {
		if r.kind != Logout && r.at > cut {
			c.Sessions++
			users[r.user] = struct{}{}
		}
	}
	c.Users = len(users)
	return c
}

// Distinct returns the estimated number of distinct users who logged in or
// sent a heartbeat in the periods from the one holding from up to the one
// holding to, inclusive, within crdt.HLLError. Periods older than Retain
// periods count nothing.
func (t *Tracker) Distinct(from, to time.Time) uint64 {
	t.releaseDue()
	lo, hi := t.periodStart(from.Unix()), t.periodStart(to.Unix())
	// Periods past Retain count nothing, whether or not Collect has run.
	lo = max(lo, t.periodStart(t.opts.Now().Unix())-int64(t.opts.Retain-1)*t.periodSeconds())
	var union crdt.HLL
	t.mu.RLock()
	for start, p := range t.periods {
		if start >= lo && start <= hi {
			union.Merge(&p.users)
		}
	}
	t.mu.RUnlock()
	return union.Count()
}

// Collect forgets what can no longer change a count: tombstones and expired
// sessions stamped before now - Timeout - MaxSkew, and sketches of periods
// older than Retain periods. It first applies what Merge holds that came
// due by the tracker's clock, and it forgets the clock skew of peers not
// measured since now - Timeout - MaxSkew (see Stats). It returns how many
// sessions it forgot.
func (t *Tracker) Collect(now time.Time) int {
	horizon := now.Add(-t.opts.Timeout - t.opts.MaxSkew).UnixNano()
	oldest := t.periodStart(now.Unix()) - int64(t.opts.Retain-1)*t.periodSeconds()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.releaseLocked()
	t.advance(now.UnixNano())
	for node, p := range t.peers {
		if p.at < horizon {
			delete(t.peers, node)
		}
	}
	n := 0
	for id, r := range t.sessions {
		if r.at < horizon && !r.online {
			delete(t.sessions, id)
			r.forgotten = true
			n++
		}
	}
	for start := range t.periods {
		if start < oldest {
			delete(t.periods, start)
		}
	}
	return n
}

// Len returns how many sessions the tracker remembers, tombstones included.
// Sessions Merge holds (see Stats) are not among them until applied.
func (t *Tracker) Len() int {
	t.releaseDue()
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.sessions)
}

// Run calls Collect every interval until ctx is done, then returns ctx.Err().
func (t *Tracker) Run(ctx context.Context, interval time.Duration) error {
	return tick.Every(ctx, interval, func() { t.Collect(t.opts.Now()) })
}
