// Package presence counts who is online: sessions log in, send heartbeats,
// log out or go quiet and expire, and the Tracker answers how many sessions
// and users are active now and how many distinct users were seen over a
// period.
//
// # Order-insensitive by construction
//
// Each session is a last-writer-wins register: the event with the latest
// timestamp decides whether the session is online (login, heartbeat) or gone
// (logout); at equal timestamps a logout beats a heartbeat, which beats a
// login. So the same events delivered in any order, any number of times,
// give the same count: a logout that arrives before its login still ends the
// session, and a heartbeat that arrives late (stamped before the logout)
// cannot bring it back. A heartbeat for a session never seen logs it in:
// proof of life wins over a lost login.
//
// Expiry is not an event either: a session is active at time now when its
// latest event is a login or heartbeat stamped after now - Timeout. Counting
// is a pure function of the records and the clock, so there is no race
// between a heartbeat and the expiry of its session: whichever runs first,
// the session counts exactly when its latest heartbeat is recent enough.
//
// # Forgetting safely
//
// Logouts leave tombstones. A tombstone stamped t only matters against events
// stamped before t, and any such event is expired by t + Timeout. So Collect
// drops tombstones, and expired sessions, once they are older than the
// horizon Timeout + MaxSkew: an event that arrives after that changes no
// count. MaxSkew bounds how far ahead of the clock an event is stamped when
// it is applied (see Clocks).
//
// # Clocks
//
// Counts rest on timestamps from clocks that disagree. MaxSkew is how far
// ahead of the tracker's clock a stamp may be and count at once. Nothing
// stamped otherwise is dropped silently; it is held or refused, and
// counted:
//
//   - Apply refuses an event stamped more than MaxSkew ahead with an error
//     wrapping ErrFuture: the caller has it back.
//   - Merge holds the session records stamped more than MaxSkew ahead, and
//     the sketches of periods starting more than MaxSkew ahead, and applies
//     each, as if merged then, once the clock is within MaxSkew of it. A
//     peer whose clock runs ahead by up to MaxSkew + Options.MaxAhead
//     (an hour more, by default) loses nothing: its sessions count from
//     MaxSkew before their stamp. The hold takes Options.MaxHeld sessions
//     and Retain sketches; Merge refuses what does not fit, and what is
//     stamped further ahead than MaxAhead allows (a clock that far off is
//     broken, and would fill the hold for long), with an error wrapping
//     ErrFuture, having merged or held the rest.
//   - A State carries its producer's clock (State.Clock, set by
//     DeltaSince). Merge refuses, merging nothing, a state whose Clock is
//     more than MaxSkew + MaxTransit behind the tracker's clock, with an
//     error wrapping ErrSkew: a peer whose clock runs behind stamps
//     heartbeats that arrive old and count short, and none at all once it
//     is Timeout behind. A Clock ahead is measured, not refused: the hold
//     deals with its stamps.
//   - Stats, and Register for a metrics registry, report what is held,
//     what was refused ahead and behind, and each peer's latest measured
//     skew.
//
// Stamps are never clamped: moving one would reorder last-writer-wins on
// one tracker and not on another, and merges would no longer commute.
// Merging is idempotent, so a transport that keeps its cursor when Merge
// returns an error and sends DeltaSince(cursor) again later offers what
// was refused again: it is merged once the hold has room or the clocks
// agree. A state kept for later, such as a snapshot, is old by design:
// set its Clock to the zero time before merging it.
//
// # Cluster view
//
// A Tracker's state is a CRDT (a map of last-writer-wins registers plus one
// HyperLogLog sketch per period), so per-node trackers combine by merging:
// each node ships DeltaSince(cursor) to its peers (the protocol of package
// crdt) and every tracker that merged the others counts the whole cluster.
// A user who moves between nodes is one session, counted once.
//
// # Distinct users
//
// Logins and heartbeats add the user to a HyperLogLog sketch of the period
// their timestamp falls in (an hour by default). Distinct(from, to) merges the
// sketches of the periods in that range: distinct users, counted once however
// many sessions and nodes they used, within crdt.HLLError.
package presence
