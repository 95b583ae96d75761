package redisstore

import (
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis's clock is the clock of record (see Presence): the scripts read
// TIME on the master that holds the set. Every flush measures this node's
// clock against Redis's (TIME, sent to whichever node go-redis picks, for
// Store.Skew) and against each presence set's master (the time its count
// reply carries, for Presence.Skew), to check events before buffering them
// and to report the skew. On a single Redis the two are the same clock.

// measure records the skew from the TIME reply of a flush that was sent at
// sent and answered by received (this node's clock): the node's clock at
// the midpoint minus Redis's, uncertain by half the round trip.
func (s *Store) measure(cmd *redis.TimeCmd, sent, received time.Time) {
	if s.pinned != nil {
		s.skew.Store(int64(sent.Sub(s.pinned())))
		s.measured.Store(true)
		return
	}
	t, err := cmd.Result()
	if err != nil {
		return
	}
	mid := sent.Add(received.Sub(sent) / 2)
	s.skew.Store(int64(mid.Sub(t)))
	s.measured.Store(true)
}

// Skew returns this node's clock minus Redis's, as measured by the last
// flush that reached Redis, and whether any has. On a cluster it is the
// clock of the node that answered TIME; Presence.Skew is against the master
// of one presence set.
func (s *Store) Skew() (time.Duration, bool) {
	return time.Duration(s.skew.Load()), s.measured.Load()
}

// recordNow estimates the clock of record: this node's clock corrected by
// the measured skew (uncorrected before the first flush).
func (s *Store) recordNow() time.Time {
	if s.pinned != nil {
		return s.pinned()
	}
	return s.opts.Now().Add(-time.Duration(s.skew.Load()))
}

// pin returns the scripts' clock argument: "0" for Redis's TIME, or the
// pinned time in milliseconds.
func (s *Store) pin() string {
	if s.pinned == nil {
		return "0"
	}
	return strconv.FormatInt(s.pinned().UnixMilli(), 10)
}

// warnRefused logs events Redis refused as stamped too far ahead, at most
// once a minute. Called with flushMu held.
func (s *Store) warnRefused(n int, now time.Time) {
	if now.Sub(s.refusedWarn) < time.Minute {
		return
	}
	s.refusedWarn = now
	skew, _ := s.Skew()
	s.opts.Logger.Warn("redisstore: presence events refused: stamped more than MaxSkew ahead of Redis's clock",
		"node", s.opts.Node, "refused", n, "skew", skew.Round(time.Millisecond))
}

// warnSkew logs, at most once a minute, while this node's clock is further
// from a presence set's clock of record than the set's MaxSkew. Called with
// flushMu held.
func (s *Store) warnSkew(presences []*Presence, now time.Time) {
	if now.Sub(s.skewWarn) < time.Minute {
		return
	}
	for _, p := range presences {
		skew, ok := p.Skew()
		if ok && (skew > p.opts.MaxSkew || -skew > p.opts.MaxSkew) {
			s.skewWarn = now
			s.opts.Logger.Warn("redisstore: this node's clock is off Redis's by more than MaxSkew; Redis's decides",
				"node", s.opts.Node, "skew", skew.Round(time.Millisecond), "presence", p.name, "max_skew", p.opts.MaxSkew)
			return
		}
	}
}
