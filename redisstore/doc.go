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
// # Restarts, node IDs and retirement
//
// When a process opens a counter, its first flush claims the node's entry: a
// script bumps the node's epoch and returns the totals earlier processes of
// the node left, which this one continues from. Writes carrying an older
// epoch are refused, so a process that still runs under the same node ID
// (node IDs must be unique among live processes) is detected: its counter
// reports ErrNodeTaken and stops writing. A claim carries a random token of
// its process, so the same claim executed twice (a go-redis retry, a late
// duplicate) returns the same epoch instead of locking its own process out.
//
// A node that leaves for good can Retire: one script moves its totals into
// the "~retired" entry and records the node as retired, so the move happens
// once and later writes of the node are refused. Store.Retire does the same
// for a node that crashed.
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
// # Keys
//
// Every key is prefix:{name}:suffix, the braces a Redis Cluster hash tag, so
// all keys of one counter or presence set share a slot and the same code runs
// on a single Redis and on a cluster:
//
//	prefix:{name}:c          hash   <node>:p, <node>:n -> decimal totals
//	prefix:{name}:c:epoch    hash   <node> -> claim epoch
//	prefix:{name}:c:retired  set    retired nodes
//	prefix:{name}:seen       zset   session -> latest login/heartbeat (ms)
//	prefix:{name}:gone       zset   session -> latest logout (ms)
//	prefix:{name}:hll:<t>    HLL    users of the period starting at Unix time t
package redisstore
