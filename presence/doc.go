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
// count. MaxSkew bounds how far event clocks may run ahead; events stamped
// further in the future than MaxSkew are rejected.
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
