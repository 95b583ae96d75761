// Package redisstore keeps counters and presence sets that many processes
// share in Redis (or Redis Cluster), through go-redis v9, without losing or
// double-counting anything under retries, restarts and outages.
//
// # The eventual counter with background sync
//
// Each process adds to its own node's entry locally, at the cost of an
// atomic add, and a Store flushes every Interval: one pipeline raises each
// node's fields to its current totals and reads the other nodes' fields back.
// Counter.Value is then every other node's total as of the last flush plus
// this node's exact total; Stats().Age is how stale that is, and Register
// exports it as the gauge abacus_redisstore_sync_age_seconds.
//
// # Exact under retries
//
// A node writes totals, not increments, and a Lua script only ever raises a
// field. So a write that go-redis retries after a timeout (it does by
// default), that the network duplicates, or that lands after a newer one,
// asks for a total the field already has and changes nothing. The cluster
// total is the sum of the fields: every add of every node that reached Redis,
// once. A per-event INCR has no such guard: a retried INCR counts twice.
//
// # Node IDs: the rule
//
// A node ID names one process at a time. Two processes running at once
// must never share one; a process that replaces another (a restart, a
// redeploy, a pod that comes back under a stable name) may, and should,
// reuse its ID: it continues from the totals the earlier one left.
//
// When a process opens a counter, its first flush claims the node's entry:
// a script bumps the node's epoch (an incarnation number) and returns the
// totals earlier incarnations left, which this one continues from. Writes
// carrying an older epoch are refused. So when two live processes share an
// ID, the later claim wins, and the older process cannot miss it: its
// counter's Err wraps ErrNodeTaken, Options.OnRefused is called, every flush
// returns that error (counted in abacus_redisstore_sync_errors_total and
// logged), Refused and the gauge
// abacus_redisstore_refused_adds say how many of its adds Redis did not take,
// and its Value stops including them, so it reads what Redis holds. A claim
// carries a random token of its process, so the same claim executed twice (a
// go-redis retry, a late duplicate) returns the same epoch instead of locking
// its own process out. (One case the epochs cannot tell apart: two live
// processes under one ID and a Redis that lost the later claim, say in a
// failover to a replica that had not received it; the older process then
// raises the entry again and hides the newer one's adds up to the
// difference. Unique IDs rule it out.)
//
// Presence sets do not use node IDs: their events are keyed by session.
//
// # Retirement
//
// A node that leaves can Retire: one script moves its totals into the
// "~retired" entry and marks its incarnation retired, so the move happens
// once and later writes of that incarnation are refused. Store.Retire does
// the same for a node that crashed. A node ID that was retired can come
// back: the next process with it claims a new incarnation, whose entry starts
// from zero (its old totals are already in "~retired"), and counts again. A
// process whose incarnation was retired while it still ran (Store.Retire of
// a node believed dead) is refused like one whose ID was taken: Err wraps
// ErrRetired and every flush reports the adds Redis did not take. Only the
// node's epoch stays in Redis after retirement: a few bytes per node ID ever
// used.
//
// # When Redis is down
//
// Adds and presence events go on locally. Each failed flush is counted
// (abacus_redisstore_sync_errors_total), logged with log/slog when the
// failures start, every minute while they last and when they end, and
// reported by Stats; the next successful flush writes the totals and the
// buffered events, so the sync catches up with nothing lost. Every flush and
// read runs under Options.Timeout; New refuses a go-redis client made
// without ContextTimeoutEnabled, which would ignore that deadline and wait
// for its own read timeout, retries included.
//
// # What a crash loses
//
// Redis holds each node's totals as of its last successful flush. A process
// that dies loses the adds it made after that: at most one Interval of adds
// while Redis is reachable, and everything since the outage began while it
// is not (Stats().Age says how long that is). A restarted process continues
// from the totals in Redis; it never counts the lost adds twice. With the
// append-only file on (appendfsync always), a Redis crash loses nothing it
// acknowledged, and the nodes' next flushes restore any totals it lost.
//
// # Clocks
//
// Counters do not depend on clocks. Presence does, and Redis's clock is the
// clock of record: see Presence for what it decides, what a node whose clock
// is off sees, and what a failover does. Every flush measures this node's
// clock against Redis's (Stats().Skew, the gauge
// abacus_redisstore_clock_skew_seconds).
//
// # Keys
//
// Every key is prefix:{name}:suffix, the braces a Redis Cluster hash tag, so
// all keys of one counter or presence set share a slot and the same code runs
// on a single Redis and on a cluster:
//
//	prefix:{name}:c          hash   <node>:p, <node>:n -> decimal totals
//	prefix:{name}:c:epoch    hash   <node> -> epoch; <node>:token -> claim token;
//	                                <node>:retired -> the last retired epoch
//	prefix:{name}:seen       zset   session -> latest login/heartbeat (ms)
//	prefix:{name}:gone       zset   session -> latest logout (ms)
//	prefix:{name}:owner      hash   session -> kind (1 login, 2 heartbeat) and user, for sessions in seen
//	prefix:{name}:byuser     zset   <len(user) in 3 digits><user><session>, score 0
//	prefix:{name}:users      zset   user -> latest login/heartbeat of its sessions in seen
//	prefix:{name}:hll:<t>    HLL    users of the period starting at Unix time t
package redisstore
