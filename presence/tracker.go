package presence

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
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
	// the tracker's clock than MaxSkew.
	ErrFuture = errors.New("presence: event from the future")
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
	// stamped (default 30 seconds). Tombstones and expired sessions are
	// forgotten Timeout + MaxSkew after their timestamp.
	MaxSkew time.Duration
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
	case o.Timeout < 0 || o.MaxSkew < 0 || o.Retain < 0:
		return fmt.Errorf("%w options: negative Timeout, MaxSkew or Retain", ErrInvalid)
	case o.Period < time.Second || o.Period%time.Second != 0 || (24*time.Hour)%o.Period != 0:
		return fmt.Errorf("%w options: Period %v is not whole seconds dividing a day", ErrInvalid, o.Period)
	}
	return nil
}

// A Tracker counts the sessions that are online, from login, heartbeat and
// logout events that may arrive late, twice or out of order.
//
// All methods are safe for concurrent use; they serialise on one RWMutex.
// Events and merges cost a map update and at most one heap push; the active
// counts are kept as events arrive, so Active costs O(1) plus the expiries
// that came due (see ActiveAt). Counts are exact for the events and states
// applied before the call.
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
	return &Tracker{
		opts:     opts,
		epoch:    1 + rand.Uint64N(1<<53-1),
		sessions: make(map[string]*record),
		periods:  make(map[int64]*period),
		users:    make(map[string]int),
	}, nil
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
// nothing but the distinct-user sketches.
func (t *Tracker) Apply(e Event) error {
	if err := e.Check(t.opts.Now(), t.opts.MaxSkew); err != nil {
		return err
	}
	at := e.At.UnixNano()
	t.mu.Lock()
	defer t.mu.Unlock()
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
// asking for an earlier time scans every session.
func (t *Tracker) ActiveAt(now time.Time) Counts {
	ns := now.UnixNano()
	t.mu.Lock()
	defer t.mu.Unlock()
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
// older than Retain periods. It returns how many sessions it forgot.
func (t *Tracker) Collect(now time.Time) int {
	horizon := now.Add(-t.opts.Timeout - t.opts.MaxSkew).UnixNano()
	oldest := t.periodStart(now.Unix()) - int64(t.opts.Retain-1)*t.periodSeconds()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.advance(now.UnixNano())
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
func (t *Tracker) Len() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.sessions)
}

// Run calls Collect every interval until ctx is done, then returns ctx.Err().
func (t *Tracker) Run(ctx context.Context, interval time.Duration) error {
	return tick.Every(ctx, interval, func() { t.Collect(t.opts.Now()) })
}
