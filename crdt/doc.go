// Package crdt holds counters that replicate across nodes without
// coordination and converge to the exact total: GCounter (grow-only),
// PNCounter (up and down) and HLL (a HyperLogLog sketch of distinct items).
// They are state-based CRDTs: every node changes only its own entry, and
// replicas converge by merging States, in any order, any number of times.
//
// # Exactness
//
// Merge takes the pointwise maximum of the entries, which is idempotent,
// commutative and associative: a State delivered twice, late, out of order or
// through other replicas changes nothing the second time. Once every replica
// has (directly or through others) merged every other replica's latest state,
// all replicas hold the same value, which is the exact sum of all adds. Two
// groups of nodes cut off from each other keep counting and, when the
// partition heals, converge to the total of both sides: nothing lost and
// nothing counted twice.
//
// # Delta sync
//
// Shipping full states costs one entry per node on every sync. Each replica
// numbers its changes; DeltaSince(cursor) returns only the entries and
// tombstones changed after the cursor, and the cursor to use next time. The
// protocol between a sender S and a receiver R:
//
//  1. R keeps, per sender, the Cursor of the last State it merged from it
//     (the zero Cursor at first).
//  2. R asks S for S.DeltaSince(cursor); S replies with the delta.
//  3. R merges the delta and only then stores delta.Cursor.
//
// A lost reply leaves R's cursor where it was, so the next delta carries the
// same changes again (merging twice is harmless). When S restarts it gets a
// new epoch, and R's old cursor then fetches the full state. A push variant
// is the same with S keeping the cursor per receiver and advancing it when R
// acknowledges.
//
// # Node IDs and restarts
//
// A node ID names one replica's entry; two live replicas must never share an
// ID, or their adds overwrite each other under the max. A replica that
// restarts without its state must come back under a new ID (and Evict the
// old one from one survivor), or under its ID with RestoreGCounter or
// RestorePNCounter, from totals that count every add whose effect a State
// of it may have shown (Set.GCounter and Set.PNCounter of the durable
// package keep such totals on disk). Such a restore is exact: the copies of
// its entry that other replicas or saved states hold are no higher, so
// merging them later changes nothing. If a replica nevertheless meets its
// own entry (or its own tombstone) with higher totals than it holds, it
// adopts them, so the total never goes down, but adds it made before the
// adoption are hidden by them, up to the difference.
//
// # Retiring nodes
//
// Every node that ever counted keeps an entry in every replica. To free it,
// the node retires into an heir, a surviving replica:
//
//  1. The leaving node stops adding and calls Retire(heir), which freezes it
//     and returns a handoff addressed to heir: its final entry, and the
//     tombstones of the nodes whose counts that entry holds (those it
//     absorbed or evicted, and theirs, and so on).
//  2. The handoff is delivered to the heir (retried until acknowledged) and
//     the heir calls Absorb. In one step, under one version, the heir adds
//     the final entry to its own, records a tombstone (node, heir, and the
//     totals P and N it folded in), and records the handoff's tombstones
//     too, so that a node retired into a node that retired in turn is
//     buried wherever the last heir's entry goes. Absorbing the same handoff
//     again is a no-op.
//  3. The heir's next delta carries both the raised heir entry and the
//     tombstone. A replica that merges it drops the retired node's entry and
//     gets the heir's raised one at once: the value neither dips nor doubles.
//  4. From then on a replica counts the retired node's entry only by what
//     exceeds the tombstone's totals. No state of a retired node exceeds its
//     handoff, so an old one arriving late counts nothing.
//
// # Evicting nodes
//
// A node that crashed for good cannot hand off; one replica (and only one)
// calls Evict(node) instead, folding in the node's entry as it knows it and
// recording a tombstone with those totals. Nothing of the node that reached
// a surviving replica is lost: a replica holding more of the node's entry
// than the tombstone's totals keeps that entry and counts what exceeds them
// (the heir, once it has that entry too, may call Evict again to fold the
// rest in, which frees the entry wherever its new tombstone goes). Only the
// adds that never left the node, or reached only replicas that are gone
// too, are lost; nothing is counted twice.
//
// Evicting a node that was alive after all (a partition looked like a
// crash) loses nothing either. The node learns its tombstone from the next
// state that carries it and goes on counting, and its entry counts
// everywhere by what exceeds the tombstone's totals. So two replicas that
// evict each other across a partition, or a longer cycle of them (a evicts
// b, b evicts c, c evicts a), converge, once the partition heals, on the
// exact total of every add: each node's entry counts by what exceeds what
// its evicter folded of it, and together these hold every add once. A
// node that was evicted may retire later, into the replica that evicted it
// only: Retire into another returns an error wrapping ErrConflict.
//
// If two replicas evict the same node, each one's entry holds what it
// folded of the node, which the value then counts twice: Merge detects the
// two tombstones with different heirs and reports ErrConflict whenever it
// meets the one it did not keep. Tombstones cost two IDs and two totals each
// and are kept forever: dropping one would let a late state of its node
// count again.
//
// # Encodings
//
// States encode to a compact binary form (MarshalBinary, format version 2:
// version 1 had tombstones without totals) and to JSON (MarshalJSON). Both
// decoders are strict: they reject other versions, unknown fields, trailing
// bytes, duplicate or unsorted nodes, non-minimal varints, and every State
// that Validate rejects, and they never allocate more than the input
// justifies.
package crdt
