package presence

import (
	"errors"
	"fmt"
	"time"

	"github.com/abacusgo/abacus"
)

// Stats are what a tracker holds and refused because of clocks (see the
// package doc, Clocks).
type Stats struct {
	// HeldSessions and HeldPeriods are the session records and sketches
	// Merge holds until the clock reaches them.
	HeldSessions, HeldPeriods int
	// FutureSessions and FuturePeriods count the session records and
	// sketches Merge refused, with ErrFuture, because they were stamped
	// beyond MaxSkew + MaxAhead or the hold was full:
	// refusals, not distinct records, so a record offered again (a
	// transport that keeps its cursor re-sends it) counts again.
	FutureSessions, FuturePeriods uint64
	// SkewStates counts the states Merge refused, with ErrSkew, because
	// their producer's clock was behind; SkewSessions counts the session
	// records in them. Both count refusals, like FutureSessions.
	SkewStates, SkewSessions uint64
	// Skew is, per peer node, its state's Clock minus this tracker's clock
	// at the latest Merge of one of its states with a Clock, refused or
	// not: positive when the peer runs ahead, and transit time makes it
	// lower. The tracker's own node is left out, and so are peers not
	// measured since the horizon of the latest Collect.
	Skew map[string]time.Duration
}

type refused struct {
	futureSessions, futurePeriods uint64
	skewStates, skewSessions      uint64
}

type peerClock struct {
	skew time.Duration
	at   int64 // this tracker's clock at the measure, in Unix nanoseconds
}

// Stats returns the tracker's clock statistics, after applying what came
// due from the hold: a snapshot that shares no memory with the tracker,
// safe to take concurrently with every other method.
func (t *Tracker) Stats() Stats {
	t.releaseDue()
	t.mu.RLock()
	defer t.mu.RUnlock()
	st := t.countsLocked()
	st.Skew = make(map[string]time.Duration, len(t.peers))
	for node, p := range t.peers {
		st.Skew[node] = p.skew
	}
	return st
}

// measure records the skew of s's producer and refuses s, counting it, if
// that clock is more than MaxSkew + MaxTransit behind. Called with mu held.
func (t *Tracker) measure(s *State, now time.Time) error {
	if s.Clock.IsZero() {
		return nil
	}
	skew := s.Clock.Sub(now)
	if s.Node != t.opts.Node {
		t.peers[s.Node] = peerClock{skew: skew, at: now.UnixNano()}
	}
	if bound := t.opts.MaxSkew + t.opts.MaxTransit; -skew > bound {
		t.refused.skewStates++
		t.refused.skewSessions += uint64(len(s.Sessions))
		return fmt.Errorf("%w: state from %q stamped %v behind this clock (MaxSkew + MaxTransit %v): merged nothing",
			ErrSkew, s.Node, -skew, bound)
	}
	return nil
}

// Register exports the tracker's Stats to reg, each family with the const
// label node (Options.Node):
//
//	abacus_presence_held_sessions                  gauge   Stats.HeldSessions
//	abacus_presence_held_periods                   gauge   Stats.HeldPeriods
//	abacus_presence_future_refused_sessions_total  counter Stats.FutureSessions
//	abacus_presence_future_refused_periods_total   counter Stats.FuturePeriods
//	abacus_presence_skew_refused_states_total      counter Stats.SkewStates
//	abacus_presence_skew_refused_sessions_total    counter Stats.SkewSessions
//	abacus_presence_peer_clock_skew_seconds{peer}  gauge   Stats.Skew
//
// It returns the registry's errors, joined, for families it could not
// register (a second Register of the same node is one).
func (t *Tracker) Register(reg *abacus.Registry) error {
	labels := map[string]string{"node": t.opts.Node}
	stat := func(f func(*Stats) float64) func() float64 {
		return func() float64 {
			st := t.counts()
			return f(&st)
		}
	}
	return errors.Join(
		reg.GaugeFunc(abacus.Opts{Name: "abacus_presence_held_sessions", ConstLabels: labels,
			Help: "Session records merged from peers stamped more than MaxSkew ahead, held until the clock reaches them."},
			stat(func(s *Stats) float64 { return float64(s.HeldSessions) })),
		reg.GaugeFunc(abacus.Opts{Name: "abacus_presence_held_periods", ConstLabels: labels,
			Help: "Distinct-user sketches of periods starting more than MaxSkew ahead, held until the clock reaches them."},
			stat(func(s *Stats) float64 { return float64(s.HeldPeriods) })),
		reg.CounterFunc(abacus.Opts{Name: "abacus_presence_future_refused_sessions_total", ConstLabels: labels,
			Help: "Session records Merge refused with ErrFuture: stamped more than MaxSkew + MaxAhead ahead, or more than MaxSkew ahead with the hold full."},
			stat(func(s *Stats) float64 { return float64(s.FutureSessions) })),
		reg.CounterFunc(abacus.Opts{Name: "abacus_presence_future_refused_periods_total", ConstLabels: labels,
			Help: "Sketches Merge refused with ErrFuture: of periods starting more than MaxSkew + MaxAhead ahead, or more than MaxSkew ahead with the hold full."},
			stat(func(s *Stats) float64 { return float64(s.FuturePeriods) })),
		reg.CounterFunc(abacus.Opts{Name: "abacus_presence_skew_refused_states_total", ConstLabels: labels,
			Help: "States Merge refused with ErrSkew: their producer's clock was more than MaxSkew + MaxTransit behind."},
			stat(func(s *Stats) float64 { return float64(s.SkewStates) })),
		reg.CounterFunc(abacus.Opts{Name: "abacus_presence_skew_refused_sessions_total", ConstLabels: labels,
			Help: "Session records in the states Merge refused with ErrSkew."},
			stat(func(s *Stats) float64 { return float64(s.SkewSessions) })),
		reg.GaugeVecFunc(abacus.Opts{Name: "abacus_presence_peer_clock_skew_seconds", Unit: "seconds", ConstLabels: labels,
			Help: "A peer's clock minus this tracker's at the latest merge of its state, transit included: positive when it runs ahead."},
			[]string{"peer"}, func(emit func([]string, float64)) {
				for node, d := range t.Stats().Skew {
					emit([]string{node}, d.Seconds())
				}
			}),
	)
}

// counts returns Stats without Skew, applying what came due from the hold
// first.
func (t *Tracker) counts() Stats {
	t.releaseDue()
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.countsLocked()
}

// countsLocked returns Stats without Skew. Called with mu held.
func (t *Tracker) countsLocked() Stats {
	return Stats{
		HeldSessions:   len(t.held.sessions),
		HeldPeriods:    len(t.held.periods),
		FutureSessions: t.refused.futureSessions,
		FuturePeriods:  t.refused.futurePeriods,
		SkewStates:     t.refused.skewStates,
		SkewSessions:   t.refused.skewSessions,
	}
}
