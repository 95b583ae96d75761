package durable

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// logFile is what the committer needs of the current log file; *os.File
// implements it, and tests wrap it to inject failures.
type logFile interface {
	WriteAt(b []byte, off int64) (int, error)
	Sync() error
	Truncate(size int64) error
	Close() error
}

// Commit takes every pending add, writes what it took as one record (several
// if it exceeds 64 MiB) and fsyncs the log, whatever the policy: when it
// returns nil, every Add that returned before Commit was called is on stable
// storage.
//
// If writing or fsyncing fails, Commit returns the error and nothing is lost:
// what it took stays owed to the log and the next commit writes it, once. A
// record that failed half-way is truncated away first, and after a failed
// fsync every record written since the last successful one is treated as
// unwritten (the kernel may have dropped its pages) and written again. The
// error is logged, counted in Stats, and returned by Add until a commit
// succeeds.
//
// Commit is safe for concurrent use; concurrent commits run one at a time.
// After Close it returns ErrClosed.
func (s *Set) Commit() error {
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	return s.commitLocked(true)
}

// await makes an add the caller has made durable (group commit): any commit
// numbered above what drainGen reads after the add takes the add, so if one
// has completed and fsynced, the add is durable; otherwise await commits,
// taking every waiter's adds at once. After Close's final commit nothing is
// taken any more; whether the final commit took the add is not known.
func (s *Set) await() error {
	g := s.drainGen.Load()
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	switch {
	case s.syncedGen.Load() > g:
		return nil
	case s.final:
		return ErrClosed
	}
	return s.commitLocked(true)
}

// commitLocked takes what every counter owes the log, writes it and, if
// sync, fsyncs the log. s.commitMu must be held.
func (s *Set) commitLocked(sync bool) error {
	if s.final {
		return ErrClosed
	}
	if s.dirty {
		if err := s.log.Truncate(s.off); err != nil {
			return s.failed(fmt.Errorf("durable: truncate %s to %d: %w", logName(s.logFirst), s.off, err), true)
		}
		s.dirty = false
	}
	gen := s.drainGen.Add(1)
	batch := s.batch[:0]
	for _, c := range s.counters() {
		if d := c.take(); d != 0 {
			batch = append(batch, change{c, d})
		}
	}
	s.batch = batch
	if len(batch) > 0 {
		if err := s.write(batch); err != nil {
			return s.failed(err, true)
		}
	}
	if sync && s.syncedOff != s.off {
		if err := s.log.Sync(); err != nil {
			s.unwrite()
			return s.failed(fmt.Errorf("durable: fsync %s: %w", logName(s.logFirst), err), true)
		}
		s.syncs.Add(1)
		s.syncedOff, s.syncedSeq = s.off, s.seq
		for _, c := range s.unsynced {
			c.unsynced, c.listed = 0, false
		}
		clear(s.unsynced)
		s.unsynced = s.unsynced[:0]
	}
	if s.syncedOff == s.off {
		s.syncedGen.Store(gen)
	}
	if len(batch) > 0 {
		s.commits.Add(1)
	}
	if s.failure.Load() != nil {
		s.failure.Store(nil)
		s.logger.Info("durable: commit succeeded again; nothing was lost", "dir", s.dir)
	}
	if s.every > 0 && s.off >= s.nextSnapAt {
		s.nextSnapAt = s.off + s.every
		select {
		case s.snapReq <- struct{}{}:
		default:
		}
	}
	return nil
}

// write appends records carrying batch to the log. If that fails it
// truncates the log back to where the valid records end, and leaves the
// deltas owed.
func (s *Set) write(batch []change) error {
	buf, next := appendRecords(s.buf[:0], s.seq+1, batch, s.maxPayload)
	s.buf = buf
	if _, err := s.log.WriteAt(buf, s.off); err != nil {
		if terr := s.log.Truncate(s.off); terr != nil {
			s.dirty = true
		}
		return fmt.Errorf("durable: write %s: %w", logName(s.logFirst), err)
	}
	s.records.Add(int64(next - 1 - s.seq))
	s.bytes.Add(int64(len(buf)))
	s.off += int64(len(buf))
	s.seq = next - 1
	for _, ch := range batch {
		c := ch.c
		c.logged += ch.d
		c.unsynced += ch.d
		if !c.listed {
			c.listed = true
			s.unsynced = append(s.unsynced, c)
		}
	}
	return nil
}

// unwrite forgets every record written since the last successful fsync,
// after an fsync failed: it truncates them away and makes their deltas owed
// again.
func (s *Set) unwrite() {
	if err := s.log.Truncate(s.syncedOff); err != nil {
		s.dirty = true
	}
	s.off, s.seq = s.syncedOff, s.syncedSeq
	for _, c := range s.unsynced {
		c.logged -= c.unsynced
		c.unsynced, c.listed = 0, false
	}
	clear(s.unsynced)
	s.unsynced = s.unsynced[:0]
}

// startLog creates the log file whose first record will be numbered first,
// makes its name durable, and appends to it from now on. The current log
// must be fsynced. s.commitMu must be held.
func (s *Set) startLog(first uint64) error {
	f, err := os.OpenFile(filepath.Join(s.dir, logName(first)), os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if err := syncDir(s.dir); err != nil {
		f.Close()
		os.Remove(filepath.Join(s.dir, logName(first)))
		return err
	}
	if s.log != nil {
		if err := s.log.Close(); err != nil {
			s.logger.Warn("durable: closing the previous log failed", "dir", s.dir, "file", logName(s.logFirst), "err", err)
		}
	}
	s.log, s.logFirst = f, first
	s.off, s.syncedOff, s.dirty = 0, 0, false
	s.nextSnapAt = s.every
	return nil
}

// failed records a failed commit (commit) or snapshot, logs it, and returns
// err. A commit failure is logged when commits start failing, not on every
// retry.
func (s *Set) failed(err error, commit bool) error {
	s.failures.Add(1)
	f := &failure{err}
	s.lastErr.Store(f)
	if !commit {
		s.logger.Error("durable: snapshot failed; the log keeps everything", "dir", s.dir, "err", err)
		return err
	}
	if s.failure.Swap(f) == nil {
		s.logger.Error("durable: commit failed; its adds stay pending and are retried", "dir", s.dir, "err", err)
	}
	return err
}

// run is the background committer: every interval (unless SyncAlways) it
// commits, fsyncing unless SyncNone, and it writes the snapshots commits ask
// for.
func (s *Set) run() {
	defer close(s.done)
	var tick <-chan time.Time
	if s.policy != SyncAlways {
		t := time.NewTicker(s.interval)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-s.stop:
			return
		case <-tick:
			s.commitMu.Lock()
			s.commitLocked(s.policy == SyncInterval) // failures are logged and counted
			s.commitMu.Unlock()
		case <-s.snapReq:
			s.commitMu.Lock()
			due := s.off >= s.every
			s.commitMu.Unlock()
			if due {
				s.snapshot() // failures are logged and counted
			}
		}
	}
}

// Stats are counts of what a Set has done since Open.
type Stats struct {
	Commits   int64 // commits that wrote at least one record
	Records   int64 // records written
	Bytes     int64 // bytes appended to log files
	Syncs     int64 // fsyncs of the log
	Snapshots int64 // snapshots written
	Failures  int64 // commits and snapshots that failed

	// Err is the error of the last commit while commits fail (Add returns
	// it), and nil once one succeeds.
	Err error
	// LastError is the error of the most recent failed commit or snapshot,
	// kept for diagnosis; nil if nothing failed since Open.
	LastError error
}

// Stats returns what the Set has done since Open. It is safe for concurrent
// use; each count is read on its own.
func (s *Set) Stats() Stats {
	st := Stats{
		Commits:   s.commits.Load(),
		Records:   s.records.Load(),
		Bytes:     s.bytes.Load(),
		Syncs:     s.syncs.Load(),
		Snapshots: s.snapshots.Load(),
		Failures:  s.failures.Load(),
	}
	if f := s.failure.Load(); f != nil {
		st.Err = f.err
	}
	if f := s.lastErr.Load(); f != nil {
		st.LastError = f.err
	}
	return st
}
