package presence

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/abacusgo/abacus/crdt"
)

// A State is a serialisable piece of a Tracker: all of it, or what changed
// after a cursor. Merging a State into a Tracker is idempotent, commutative
// and associative (last-writer-wins per session, register-wise maximum per
// sketch). It shares no memory with the tracker that made it.
type State struct {
	// Node is the tracker that produced the state.
	Node string
	// Cursor is the producer's position after this state (see crdt.Cursor).
	Cursor crdt.Cursor
	// Period is the producer's Options.Period; trackers that merge must agree.
	Period time.Duration
	// Clock is the producer's clock when it made the state (set by
	// DeltaSince), by which Merge measures the producer's clock skew; the
	// zero time, as in a state decoded from binary version 1, is not
	// measured.
	Clock time.Time
	// Sessions, sorted by ID, one each.
	Sessions []Session
	// Periods, sorted by Start, one each.
	Periods []Period
}

// A Session is the latest event of one session.
type Session struct {
	ID   string
	User string
	At   time.Time
	Kind Kind
}

// A Period is the distinct-user sketch of one period.
type Period struct {
	Start time.Time
	Users *crdt.HLL
}

// Validate checks what Merge needs: valid IDs and kinds, positive times,
// sessions and periods sorted and unique, periods aligned to Period, and a
// Clock that is zero or after 1970 and representable in Unix nanoseconds.
func (s *State) Validate() error {
	if err := crdt.ValidNode(s.Node); err != nil {
		return fmt.Errorf("%w state: %w", ErrInvalid, err)
	}
	if s.Period < time.Second || s.Period%time.Second != 0 || (24*time.Hour)%s.Period != 0 {
		return fmt.Errorf("%w state: period %v", ErrInvalid, s.Period)
	}
	if !s.Clock.IsZero() && (s.Clock.Before(time.Unix(0, 1)) || s.Clock.After(time.Unix(0, math.MaxInt64))) {
		return fmt.Errorf("%w state: clock %v out of range", ErrInvalid, s.Clock)
	}
	for i, x := range s.Sessions {
		if err := validID("session", x.ID); err != nil {
			return err
		}
		if err := validID("user", x.User); err != nil {
			return err
		}
		if x.Kind < Login || x.Kind > Logout {
			return fmt.Errorf("%w state: session %q has kind %d", ErrInvalid, x.ID, x.Kind)
		}
		if x.At.UnixNano() <= 0 {
			return fmt.Errorf("%w state: session %q at %v", ErrInvalid, x.ID, x.At)
		}
		if i > 0 && s.Sessions[i-1].ID >= x.ID {
			return fmt.Errorf("%w state: sessions not sorted and unique at %q", ErrInvalid, x.ID)
		}
	}
	for i, p := range s.Periods {
		if p.Users == nil {
			return fmt.Errorf("%w state: period %v without a sketch", ErrInvalid, p.Start)
		}
		if sec := p.Start.Unix(); sec < 0 || sec > 1<<62 {
			return fmt.Errorf("%w state: period start %v out of range", ErrInvalid, p.Start)
		}
		if p.Start.Unix()%int64(s.Period/time.Second) != 0 || p.Start.Nanosecond() != 0 {
			return fmt.Errorf("%w state: period start %v not aligned to %v", ErrInvalid, p.Start, s.Period)
		}
		if i > 0 && !s.Periods[i-1].Start.Before(p.Start) {
			return fmt.Errorf("%w state: periods not sorted and unique at %v", ErrInvalid, p.Start)
		}
	}
	return nil
}

// State returns the tracker's full state.
func (t *Tracker) State() State { return t.DeltaSince(crdt.Cursor{}) }

// DeltaSince returns the sessions and sketches that changed after cursor,
// and the cursor to use next time; a cursor of another incarnation gets the
// full state. The protocol is that of package crdt. The state's Clock is
// the tracker's clock at the call. What Merge holds is not part of the
// state until the clock reaches it (see Merge).
func (t *Tracker) DeltaSince(c crdt.Cursor) State {
	t.releaseDue()
	now := t.opts.Now()
	t.mu.RLock()
	defer t.mu.RUnlock()
	since := c.Version
	if c.Epoch != t.epoch {
		since = 0
	}
	s := State{Node: t.opts.Node, Cursor: crdt.Cursor{Epoch: t.epoch, Version: t.version}, Period: t.opts.Period,
		Clock: time.Unix(0, now.UnixNano()).UTC()}
	for id, r := range t.sessions {
		if r.ver > since {
			s.Sessions = append(s.Sessions, Session{ID: id, User: r.user, At: time.Unix(0, r.at).UTC(), Kind: r.kind})
		}
	}
	for start, p := range t.periods {
		if p.ver > since {
			users := new(crdt.HLL)
			users.Merge(&p.users)
			s.Periods = append(s.Periods, Period{Start: time.Unix(start, 0).UTC(), Users: users})
		}
	}
	slices.SortFunc(s.Sessions, func(a, b Session) int { return strings.Compare(a.ID, b.ID) })
	slices.SortFunc(s.Periods, func(a, b Period) int { return a.Start.Compare(b.Start) })
	return s
}

// Merge joins a State of another tracker (or of this one) into t.
//
// It returns an error wrapping ErrInvalid, and merges nothing, if s is
// malformed or was made with another Period. It returns an error wrapping
// ErrSkew, and merges nothing, if s.Clock is more than MaxSkew + MaxTransit
// behind this tracker's clock: the producer's clock runs behind, so its
// heartbeats arrive old and count short or not at all. A zero s.Clock is
// not measured (set it so to merge a state kept for later, such as a
// snapshot).
//
// Otherwise it merges every session stamped at most MaxSkew ahead of this
// tracker's clock and every sketch of a period starting no later than
// that, and holds the others stamped up to MaxAhead further, up to MaxHeld
// sessions and Retain sketches: each held one is applied, as if merged
// then, once the clock is within MaxSkew of its stamp (see Tracker). So a peer whose clock runs ahead
// loses nothing, and its sessions count here from MaxSkew before their
// stamp, as Apply would take them; once applied, a session beats events
// stamped before it, a logout here included. Merge refuses the sessions
// and sketches stamped beyond MaxSkew + MaxAhead, and those that do not fit
// in a full hold, counts them (see Stats) and returns an error wrapping
// ErrFuture, having merged or held all the rest. Merging is idempotent and a session held twice is held once,
// so a transport that keeps its cursor when Merge errs and sends
// DeltaSince(cursor) again later offers what was refused again: it is
// merged once the hold has room or the clocks agree.
//
// Sketches of periods older than Retain periods are skipped: Distinct
// counts nothing there.
func (t *Tracker) Merge(s State) error {
	if err := s.Validate(); err != nil {
		return err
	}
	if s.Period != t.opts.Period {
		return fmt.Errorf("%w state: period %v from %q, this tracker uses %v", ErrInvalid, s.Period, s.Node, t.opts.Period)
	}
	now := t.opts.Now()
	limitNanos, limitSec := t.limit(now)
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.measure(&s, now); err != nil {
		return err
	}
	t.release(limitNanos, limitSec)
	reachNanos := limitNanos + int64(t.opts.MaxAhead)
	reachSec := limitSec + int64(t.opts.MaxAhead/time.Second)
	var sessions, periods int // refused
	for _, x := range s.Sessions {
		at := x.At.UnixNano()
		switch {
		case at <= limitNanos:
			t.put(x.ID, x.User, at, x.Kind)
		case at > reachNanos || !t.holdSession(heldSession{id: x.ID, user: x.User, at: at, kind: x.Kind}):
			sessions++
		}
	}
	for _, p := range s.Periods {
		start := p.Start.Unix()
		switch {
		case start <= limitSec:
			t.mergePeriod(start, p.Users)
		case start > reachSec || !t.holdPeriod(start, p.Users):
			periods++
		}
	}
	if sessions == 0 && periods == 0 {
		return nil
	}
	t.refused.futureSessions += uint64(sessions)
	t.refused.futurePeriods += uint64(periods)
	return fmt.Errorf("%w: refused %d sessions and %d period sketches from %q stamped after %v (the clock + MaxSkew %v): "+
		"stamped after %v (MaxAhead %v further), or the hold is full (%d sessions, MaxHeld %d; %d sketches, Retain %d); the rest is merged or held",
		ErrFuture, sessions, periods, s.Node, time.Unix(0, limitNanos).UTC(), t.opts.MaxSkew,
		time.Unix(0, reachNanos).UTC(), t.opts.MaxAhead,
		len(t.held.sessions), t.opts.MaxHeld, len(t.held.periods), t.opts.Retain)
}

// mergePeriod merges users into the sketch of the period starting at start
// (Unix seconds), unless that period is older than Retain. Called with mu
// held.
func (t *Tracker) mergePeriod(start int64, users *crdt.HLL) {
	if mine := t.periodLocked(start); mine != nil && mine.users.Merge(users) {
		t.version++
		mine.ver = t.version
	}
}
