package durable

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// faultFile wraps the current log file and fails the operations it is told
// to. Commits run one at a time, so tests set its fields between them.
type faultFile struct {
	logFile
	write, sync, truncate error
	partial               bool // a failing write writes half its bytes first
}

func (f *faultFile) WriteAt(b []byte, off int64) (int, error) {
	if f.write == nil {
		return f.logFile.WriteAt(b, off)
	}
	n := 0
	if f.partial {
		n, _ = f.logFile.WriteAt(b[:len(b)/2], off)
	}
	return n, f.write
}

func (f *faultFile) Sync() error {
	if f.sync != nil {
		return f.sync
	}
	return f.logFile.Sync()
}

func (f *faultFile) Truncate(size int64) error {
	if f.truncate != nil {
		return f.truncate
	}
	return f.logFile.Truncate(size)
}

var quiet = slog.New(slog.DiscardHandler)

func openFaulty(t *testing.T, dir string, p Policy) (*Set, *faultFile) {
	t.Helper()
	s, err := Open(dir, Options{Policy: p, Interval: time.Hour, SnapshotEvery: -1, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	s.commitMu.Lock()
	f := &faultFile{logFile: s.log}
	s.log = f
	s.commitMu.Unlock()
	return s, f
}

func logSize(t *testing.T, dir string) int64 {
	t.Helper()
	fi, err := os.Stat(filepath.Join(dir, logName(1)))
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

func mustAdd(t *testing.T, s *Set, name string, d int64) error {
	t.Helper()
	c, err := s.Counter(name)
	if err != nil {
		t.Fatal(err)
	}
	return c.Add(d)
}

// reopenTotals opens dir and returns its totals and recovery.
func reopenTotals(t *testing.T, dir string) (map[string]int64, Recovery) {
	t.Helper()
	s, err := Open(dir, Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	return s.Totals(), s.Recovery()
}

// backgroundCommit commits as the SyncNone committer does: without fsync.
func backgroundCommit(t *testing.T, s *Set) {
	t.Helper()
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	if err := s.commitLocked(false); err != nil {
		t.Fatal(err)
	}
}

// TestCommitWriteFailure fails a write half-way: the commit must report it,
// truncate the half record away, keep the deltas, and write them once when
// the disk recovers.
func TestCommitWriteFailure(t *testing.T) {
	for _, p := range []Policy{SyncInterval, SyncAlways} {
		t.Run(p.String(), func(t *testing.T) {
			dir := t.TempDir()
			s, f := openFaulty(t, dir, p)
			if err := mustAdd(t, s, "a", 1); err != nil {
				t.Fatal(err)
			}
			if err := s.Commit(); err != nil {
				t.Fatal(err)
			}
			size := logSize(t, dir)
			f.write, f.partial = syscall.ENOSPC, true
			err := mustAdd(t, s, "a", 2) // SyncAlways commits here
			if p == SyncAlways != (err != nil) {
				t.Fatalf("Add during a failure: %v", err)
			}
			mustAdd(t, s, "b", 5)
			if err := s.Commit(); !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("Commit: %v; want ENOSPC", err)
			}
			if got := logSize(t, dir); got != size {
				t.Fatalf("log is %d bytes after a failed write; want it truncated back to %d", got, size)
			}
			if err := mustAdd(t, s, "a", 3); !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("Add while commits fail: %v; want the commit's error", err)
			}
			st := s.Stats()
			if st.Failures < 1 || !errors.Is(st.Err, syscall.ENOSPC) || st.LastError == nil {
				t.Fatalf("Stats %+v", st)
			}
			want := map[string]int64{"a": 6, "b": 5}
			if got := s.Totals(); !maps.Equal(got, want) {
				t.Fatalf("Totals %v during failures; want %v", got, want)
			}
			f.write = nil
			if err := s.Commit(); err != nil {
				t.Fatal(err)
			}
			if st := s.Stats(); st.Err != nil || st.LastError == nil {
				t.Fatalf("Stats after recovering %+v", st)
			}
			if err := mustAdd(t, s, "a", 4); err != nil {
				t.Fatalf("Add after recovering: %v", err)
			}
			want["a"] += 4
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			got, rec := reopenTotals(t, dir)
			if !maps.Equal(got, want) || rec.Damage != "" {
				t.Fatalf("reopened: %v, %+v; want %v and no damage", got, rec, want)
			}
		})
	}
}

// TestCommitSyncFailure fails an fsync after SyncNone commits wrote records
// without one: every record since the last good fsync must be treated as
// lost (the kernel may have dropped them), truncated away and written again.
func TestCommitSyncFailure(t *testing.T) {
	dir := t.TempDir()
	s, f := openFaulty(t, dir, SyncNone)
	mustAdd(t, s, "a", 1)
	if err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	synced := logSize(t, dir)
	mustAdd(t, s, "a", 10)
	backgroundCommit(t, s)
	mustAdd(t, s, "b", 7)
	backgroundCommit(t, s)
	if got := logSize(t, dir); got <= synced {
		t.Fatalf("unsynced commits wrote nothing: %d bytes", got)
	}
	mustAdd(t, s, "c", 1)
	f.sync = syscall.EIO
	if err := s.Commit(); !errors.Is(err, syscall.EIO) {
		t.Fatalf("Commit: %v; want EIO", err)
	}
	if got := logSize(t, dir); got != synced {
		t.Fatalf("log is %d bytes after a failed fsync; want %d, as of the last good one", got, synced)
	}
	if s.seq != 1 {
		t.Fatalf("sequence number %d after a failed fsync; want 1", s.seq)
	}
	f.sync = nil
	if err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"a": 11, "b": 7, "c": 1}
	got, rec := reopenTotals(t, dir)
	if !maps.Equal(got, want) || rec.Damage != "" || rec.Records != 2 {
		t.Fatalf("reopened: %v, %+v; want %v in 2 records", got, rec, want)
	}
}

// TestCommitTruncateFailure fails a write and then the truncation meant to
// remove its half: no commit may write after the garbage until truncating
// succeeds.
func TestCommitTruncateFailure(t *testing.T) {
	dir := t.TempDir()
	s, f := openFaulty(t, dir, SyncInterval)
	mustAdd(t, s, "a", 1)
	if err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	size := logSize(t, dir)
	f.write, f.partial, f.truncate = syscall.EIO, true, syscall.EIO
	mustAdd(t, s, "a", 2)
	if err := s.Commit(); !errors.Is(err, syscall.EIO) {
		t.Fatalf("Commit: %v", err)
	}
	f.write = nil
	if err := s.Commit(); !errors.Is(err, syscall.EIO) {
		t.Fatalf("Commit while truncating fails: %v; want EIO", err)
	}
	if got := logSize(t, dir); got <= size {
		t.Fatalf("the half record is gone (%d bytes) although truncating failed", got)
	}
	f.truncate = nil
	if err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	got, rec := reopenTotals(t, dir)
	if want := map[string]int64{"a": 3}; !maps.Equal(got, want) || rec.Damage != "" || rec.Records != 2 {
		t.Fatalf("reopened: %v, %+v; want %v in 2 records, no damage", got, rec, want)
	}
}

// TestCloseFailure fails Close's final commit: Close reports it.
func TestCloseFailure(t *testing.T) {
	dir := t.TempDir()
	s, f := openFaulty(t, dir, SyncInterval)
	mustAdd(t, s, "a", 1)
	f.write = syscall.ENOSPC
	if err := s.Close(); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Close: %v; want ENOSPC", err)
	}
	if c, _ := s.Counter("a"); c != nil || s.Totals()["a"] != 0 {
		t.Fatalf("after a failed Close, Totals() = %v; want what was persisted: nothing", s.Totals())
	}
	got, _ := reopenTotals(t, dir)
	if len(got) != 0 {
		t.Fatalf("reopened: %v; want nothing", got)
	}
}

// TestGroupCommit holds the commit lock while goroutines add under
// SyncAlways, then lets them go: the first to commit must take every add, and
// the others must find theirs covered, so all share one record and one fsync.
func TestGroupCommit(t *testing.T) {
	const n = 16
	dir := t.TempDir()
	s, err := Open(dir, Options{Policy: SyncAlways, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := s.Counter("a")
	s.commitMu.Lock()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() { errs <- c.Add(1) })
	}
	for c.Load() != n { // every add is in before any commit
		time.Sleep(time.Millisecond)
	}
	s.commitMu.Unlock()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if st := s.Stats(); st.Records != 1 || st.Syncs != 1 {
		t.Fatalf("Stats %+v; want 1 record and 1 fsync for %d adds", st, n)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestCommitSplit makes records small: a commit larger than a record is
// written as several, each verified on recovery.
func TestCommitSplit(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{Policy: SyncNone, Interval: time.Hour, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	s.maxPayload = 2 * 300
	want := map[string]int64{}
	for i := range 50 {
		name := fmt.Sprintf("%0200d", i)
		mustAdd(t, s, name, int64(i+1))
		want[name] = int64(i + 1)
	}
	if err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.Commits != 1 || st.Records < 20 {
		t.Fatalf("Stats %+v; want 1 commit of at least 20 records", st)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	got, rec := reopenTotals(t, dir)
	if !maps.Equal(got, want) || rec.Records < 20 {
		t.Fatalf("reopened: %d totals, %+v", len(got), rec)
	}
}
