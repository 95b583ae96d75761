// Package durable keeps named int64 counters whose totals survive a restart
// exactly: every add reaches an append-only log of checksummed records, and
// snapshots bound how much log a restart replays. On them it keeps crdt
// replicas whose node survives a restart under its ID (see Replicas).
//
//	set, err := durable.Open("/var/lib/myservice/counters", durable.Options{})
//	if err != nil {
//		return err
//	}
//	defer set.Close()
//	logins, err := set.Counter("logins")
//	...
//	logins.Add(1)
//
// # Concurrency
//
// Every method of Set, Counter, GCounter and PNCounter is safe for
// concurrent use. Adds to a
// Counter accumulate in a counter.Adaptive, so under SyncInterval and
// SyncNone an Add costs an atomic add and never waits for the disk. A commit
// takes what every counter accumulated (Drain: nothing lost, nothing taken
// twice) and writes it as one record; the background committer commits
// every Options.Interval, and Commit, Snapshot and Close commit at once.
// Under SyncAlways every Add commits and waits for the fsync, and Adds that
// wait at the same time share one record and one fsync (group commit).
//
// Counter.Load is exact: the recovered total plus every add so far,
// committed or not. Set.Totals reads the counters one by one and is not an
// atomic snapshot across them while adds run.
//
// # Exactness and loss bounds
//
// A record applies fully or not at all, and recovery replays records in
// order and stops at the first damaged one. So after a crash every counter
// recovers to its total as of some commit: never more than was added, no add
// counted twice, and a commit's deltas to different counters recovered
// together or not at all. What a crash may lose depends on the Policy:
//
//   - SyncAlways: nothing acknowledged. An Add that returned nil is on stable
//     storage and survives a process crash and a machine crash, on storage
//     that honours fsync. Adds in flight may or may not survive.
//   - SyncInterval: a process or machine crash loses at most the adds made
//     since the last completed commit began: about the last Interval, plus
//     the commit that was being written. Precisely, an add is durable once a
//     commit that began after it has completed.
//   - SyncNone: records are written every Interval without fsync (Commit,
//     Snapshot and Close fsync). A process crash (kill -9, a panic, the OOM
//     killer) loses what SyncInterval would, since written records survive
//     in the kernel's page cache. A machine crash loses whatever the kernel
//     had not written back yet, but never part of a record.
//
// Close commits and fsyncs under every policy, so a clean shutdown loses
// nothing.
//
// When a commit fails (disk full, an I/O error) nothing is lost: what it
// took stays owed to the log, Load still includes it, and the next commit
// writes it once. A write that failed half-way is truncated away before the
// retry. After a failed fsync the kernel may have dropped the written pages
// without writing them, so every record written since the last successful
// fsync is truncated away and written again. Failures are logged with slog,
// counted in Stats, and returned by Add until a commit succeeds; an Add that
// returned such an error took effect and must not be repeated.
//
// # Replicas
//
// Set.GCounter and Set.PNCounter return a crdt replica whose node survives
// restarts under its ID (see Node IDs and restarts in package crdt). Every
// Add goes first to durable Counters (a PNCounter's increments and
// decrements to two, each a total that only grows) and then to the replica;
// when the Set is opened again, the replica's own entry starts from the
// recovered totals (crdt.RestorePNCounter). Everything else a replica knows
// lives in memory and comes back from its peers. What a restart costs
// depends on the Policy:
//
//   - A clean restart (Close returned nil, then Open) is exact under every
//     policy.
//   - SyncAlways: exact across crashes too. An add reaches the replica, and
//     so any State a peer may merge, only once it is on stable storage; an
//     Add whose commit failed is held back from the replica until a later
//     commit succeeds. So the restored entry is at least every copy of it
//     that peers or saved States hold: merging them changes nothing, no add
//     counts twice, and no add made after the restart is hidden. An Add in
//     flight when the process died counts once if its record survived, and
//     not at all otherwise; no peer saw it.
//   - SyncInterval and SyncNone: an add reaches the replica at once and the
//     disk with a later commit, so a crash may lose from the durable totals
//     what the Policy says it may (under SyncInterval, the adds since the
//     last completed commit began: about the last Interval). Lost adds that
//     no peer merged are lost, as a Counter's are. Those a peer did merge
//     stay in the peers' copies of this node's entry, which are then higher
//     than the restored one: until the restored replica merges such a copy
//     it reads less than its peers by them, and the first merge that
//     carries one raises its own entry to it (it adopts the copy). From then
//     on the increments made since the restart are hidden until they exceed
//     the lost increments that peers had seen, and the decrements likewise;
//     every add after that counts. So the node's share of the total ends
//     below the adds it made by at most what the crash lost in each
//     direction, and never above them.
//
// # On-disk format
//
// A directory holds one Set: a LOCK file (flocked while open, on Linux and
// the BSDs), log files named wal-<first sequence number>.log and snapshots
// named snap-<sequence number>.snap, each number 16 lowercase hex digits.
// Varints are encoding/binary's: uvarint for unsigned numbers, zigzag varint
// for signed ones.
//
// A log file is a sequence of records and nothing else. A record is
//
//	length   uint32, little-endian: the payload's length, 5 to 64 MiB
//	crc      uint32, little-endian: CRC-32C (Castagnoli) of the payload
//	payload:
//	  seq    uvarint: the record's sequence number
//	  count  uvarint: the number of entries, at least 1
//	  count × entry:
//	    len   uvarint: the counter name's length, 1 to 255
//	    name  len bytes of UTF-8
//	    delta zigzag varint, nonzero: what the commit adds to the counter
//
// Sequence numbers start at 1 and grow by one from record to record, across
// files; a log file's name carries its first record's number.
//
// A snapshot file is
//
//	magic    "ABCSSNAP"
//	version  uint32, little-endian: 1
//	crc      uint32, little-endian: CRC-32C (Castagnoli) of the body
//	length   uint64, little-endian: the body's length
//	body:
//	  seq    uvarint: the last record the snapshot includes (its name's number)
//	  count  uvarint
//	  count × (uvarint name length, name, zigzag varint total), sorted by
//	  name, without duplicates or zero totals
//
// A snapshot is written to snap-<seq>.snap.tmp, fsynced, renamed into place,
// and the directory fsynced. Just before, the log is fsynced and a new log
// file wal-<seq+1>.log is started (its name made durable too), so that
// records after the snapshot go to it; once the snapshot is in place, older
// snapshots and older log files are removed.
//
// # Recovery
//
// Open loads the newest snapshot and replays every log record numbered after
// it, in order. At the first damaged or incomplete record (a length out of
// bounds or past the end of the file, a checksum mismatch, a sequence number
// out of order, a malformed varint, an invalid name, a zero delta, bytes left
// over in the payload) it stops: it truncates that log file where the record
// starts, so new records follow valid ones, removes any later log files, and
// reports what it discarded in Recovery and with slog.Warn. A crash during a
// write leaves exactly such a tail. Recovery never panics and never counts
// more than the records that verify.
//
// If the newest snapshot fails verification, Open falls back to an older
// snapshot (or to none) only when the log after that one is still complete
// up to and past the corrupt snapshot, which makes the fallback exact; it
// then renames the corrupt file to *.corrupt and lists it in Recovery.
// Otherwise recovering would lose what only the corrupt snapshot held, and
// Open returns an error wrapping ErrCorrupt without changing anything. It
// does the same when a log file is missing between the snapshot and the
// rest of the log.
package durable
