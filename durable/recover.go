package durable

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Recovery is what Open found in the directory.
type Recovery struct {
	Snapshot    string // the snapshot recovery started from; "" if none
	SnapshotSeq uint64 // its sequence number; 0 if none
	Records     int64  // log records replayed after it
	Seq         uint64 // the sequence number of the last record recovered; the next commit writes Seq+1
	Counters    int    // counters recovered with a nonzero total

	// When the log ended in a damaged or incomplete record (a crash in the
	// middle of a write leaves one), Damage says what was wrong with it,
	// DamageFile and DamageAt where it started, and Discarded how many bytes
	// Open removed from there on, including any later log files. Damage is
	// "" when the log was intact.
	Damage     string
	DamageFile string
	DamageAt   int64
	Discarded  int64

	// CorruptSnapshots are snapshots that failed verification and were
	// renamed to *.corrupt because the log still held everything they did,
	// so that recovering without them was exact.
	CorruptSnapshots []string
}

// plan is what replaying the log from a base state found, before Open
// changes anything in the directory.
type plan struct {
	totals  map[string]int64
	seq     uint64 // the last record applied, or the base's
	records int64

	tail    *fileRef // the log file to append to; nil to start a new one at seq+1
	tailEnd int64    // where its valid records end
	size    int64    // its size

	damage     error
	damageFile string
	damageAt   int64
	discarded  int64
	past       []string // log files after the damage, to remove
	superseded []string // log files whose records are all in the base, to remove
}

// recover rebuilds the totals from dir and opens the log to append to.
func (s *Set) recover() error {
	l, err := list(s.dir)
	if err != nil {
		return err
	}
	// Start from the newest snapshot that verifies. Falling back past one
	// that does not is exact only if the log from the older state reaches
	// past it; else recovering would lose what only it held, and Open says so
	// instead.
	var (
		p       *plan
		base    fileRef
		corrupt []string
		why     error
	)
	for i := len(l.snaps); i >= 0 && p == nil; i-- {
		totals := make(map[string]int64)
		if i > 0 {
			base = l.snaps[i-1]
			if totals, err = readSnapshot(s.dir, base); errors.Is(err, ErrCorrupt) {
				corrupt = append(corrupt, base.name)
				if why == nil {
					why = err
				}
				continue
			} else if err != nil {
				return err
			}
		} else {
			base = fileRef{}
		}
		q, err := s.replay(base.n, totals, l.logs)
		switch {
		case len(corrupt) == 0 && err != nil:
			return err
		case len(corrupt) > 0 && (err != nil || q.seq < l.snaps[len(l.snaps)-1].n):
			return fmt.Errorf("%w; the log that recovering exactly without it would take is gone or damaged, so Open stops rather than lose or double counts (move the file aside to recover from older data)", why)
		}
		p = q
	}
	if p == nil { // unreachable: the loop ends with the empty base
		return fmt.Errorf("%w; no older state to recover from", why)
	}
	return s.apply(l, base, p, corrupt)
}

// replay computes, without changing anything, the state after applying to
// totals, the state as of the record numbered base, the log records after
// it.
func (s *Set) replay(base uint64, totals map[string]int64, logs []fileRef) (*plan, error) {
	p := &plan{totals: totals, seq: base}
	// The first log file that matters is the last one that starts at or
	// before base+1; those before it hold only records the base includes.
	start := -1
	for i, f := range logs {
		if f.n <= base+1 {
			start = i
		}
	}
	if start < 0 {
		if len(logs) > 0 {
			return nil, fmt.Errorf("%w: log %s starts after record %d, the last one the snapshots hold: a file is missing", ErrCorrupt, logs[0].name, base)
		}
		return p, nil
	}
	for _, f := range logs[:start] {
		p.superseded = append(p.superseded, f.name)
	}
	for i := start; i < len(logs); i++ {
		f := logs[i]
		if i > start && f.n != p.seq+1 {
			return nil, fmt.Errorf("%w: log %s does not follow record %d: a file is missing", ErrCorrupt, f.name, p.seq)
		}
		last, end, size, damage, err := s.replayFile(f, p)
		if err != nil {
			return nil, err
		}
		p.tail, p.tailEnd, p.size = &logs[i], end, size
		if last != p.seq {
			// Every record in the file is in the base (the file ends
			// before the snapshot does): start a new one.
			p.superseded = append(p.superseded, f.name)
			p.tail = nil
		}
		if damage != nil {
			p.damage, p.damageFile, p.damageAt, p.discarded = damage, f.name, end, size-end
			for _, later := range logs[i+1:] {
				fi, err := os.Stat(filepath.Join(s.dir, later.name))
				if err != nil {
					return nil, fmt.Errorf("durable: %w", err)
				}
				p.discarded += fi.Size()
				p.past = append(p.past, later.name)
			}
			break
		}
	}
	return p, nil
}

// replayFile applies the records of log file f numbered above p.seq to p. It
// returns the sequence number of the last valid record in the file, where
// the valid records end, the file's size, and the damage that stopped it.
func (s *Set) replayFile(f fileRef, p *plan) (last uint64, end, size int64, damage, err error) {
	r, err := os.Open(filepath.Join(s.dir, f.name))
	if err != nil {
		return 0, 0, 0, nil, fmt.Errorf("durable: %w", err)
	}
	defer r.Close()
	fi, err := r.Stat()
	if err != nil {
		return 0, 0, 0, nil, fmt.Errorf("durable: %w", err)
	}
	last = f.n - 1
	end, damage, err = scanLog(r, fi.Size(), f.n, func(seq uint64, ents []entry) {
		last = seq
		if seq <= p.seq {
			return // the base includes it
		}
		for _, e := range ents {
			p.totals[string(e.name)] += e.d
		}
		p.seq = seq
		p.records++
	})
	if err != nil {
		return 0, 0, 0, nil, fmt.Errorf("durable: read %s: %w", f.name, err)
	}
	return last, end, fi.Size(), damage, nil
}

// apply makes the directory match plan p, recovered from base (a snapshot,
// or none) past the corrupt snapshots, and opens the log to append to. It
// orders its changes so that a crash in the middle leaves a directory that
// recovers to the same state.
func (s *Set) apply(l listing, base fileRef, p *plan, corrupt []string) error {
	changed := false
	rm := func(names ...string) {
		if len(names) == 0 {
			return
		}
		changed = true
		if err := remove(s.dir, names...); err != nil {
			s.logger.Warn("durable: cannot remove a redundant file", "dir", s.dir, "err", err)
		}
	}
	if p.damage != nil {
		// Log files past the damage go first: until the damaged record is
		// truncated away, they are unreachable.
		rm(p.past...)
		if changed {
			if err := syncDir(s.dir); err != nil {
				return fmt.Errorf("durable: %w", err)
			}
		}
		s.logger.Warn("durable: discarded a damaged or incomplete log tail (a crash during a write leaves one)",
			"dir", s.dir, "file", p.damageFile, "offset", p.damageAt, "bytes", p.discarded, "reason", p.damage)
	}
	for _, name := range corrupt {
		if err := os.Rename(filepath.Join(s.dir, name), filepath.Join(s.dir, name+corruptSuffix)); err != nil {
			return fmt.Errorf("durable: set aside corrupt snapshot: %w", err)
		}
		changed = true
		s.logger.Warn("durable: set aside a corrupt snapshot; the log held everything it did", "dir", s.dir, "file", name+corruptSuffix)
	}
	if p.tail != nil {
		f, err := os.OpenFile(filepath.Join(s.dir, p.tail.name), os.O_RDWR, 0)
		if err != nil {
			return fmt.Errorf("durable: %w", err)
		}
		if p.tailEnd < p.size {
			err = f.Truncate(p.tailEnd)
		}
		if err == nil {
			err = f.Sync() // what was recovered may be in the page cache only
		}
		if err != nil {
			f.Close()
			return fmt.Errorf("durable: %w", err)
		}
		s.log, s.logFirst = f, p.tail.n
		s.off, s.syncedOff = p.tailEnd, p.tailEnd
	} else if err := s.startLog(p.seq + 1); err != nil {
		return fmt.Errorf("durable: start log: %w", err)
	}
	rm(p.superseded...)
	var older []string
	for _, f := range l.snaps {
		if f.n < base.n {
			older = append(older, f.name)
		}
	}
	rm(older...)
	rm(l.tmps...)
	if changed {
		if err := syncDir(s.dir); err != nil {
			s.log.Close()
			return fmt.Errorf("durable: %w", err)
		}
	}

	s.seq, s.syncedSeq, s.snapSeq = p.seq, p.seq, base.n
	for name, v := range p.totals {
		if v != 0 {
			s.newCounter(name, v)
		}
	}
	s.recovery = Recovery{
		Snapshot:         base.name,
		SnapshotSeq:      base.n,
		Records:          p.records,
		Seq:              p.seq,
		Counters:         len(s.list),
		Discarded:        p.discarded,
		CorruptSnapshots: corrupt,
	}
	if p.damage != nil {
		s.recovery.Damage = p.damage.Error()
		s.recovery.DamageFile = p.damageFile
		s.recovery.DamageAt = p.damageAt
	}
	return nil
}
