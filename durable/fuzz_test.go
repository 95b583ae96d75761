package durable_test

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/abacusgo/abacus/durable"
)

// FuzzRecover opens a directory whose only log file holds arbitrary bytes.
// Open must not panic; it either recovers or refuses with ErrCorrupt. What it
// recovers must be stable: reopening finds the same totals and no damage
// (the damaged tail is gone), and the log must take new records after the
// recovered ones.
func FuzzRecover(f *testing.F) {
	// Seeds: a real log of a few commits, and pieces of it.
	seedDir := f.TempDir()
	s, err := durable.Open(seedDir, durable.Options{Policy: durable.SyncNone, Interval: time.Hour, SnapshotEvery: -1, Logger: quiet})
	if err != nil {
		f.Fatal(err)
	}
	for i, b := range fixtureBatches {
		for _, o := range b {
			c, _ := s.Counter(o.name)
			c.Add(o.d)
		}
		if err := s.Commit(); err != nil {
			f.Fatalf("commit %d: %v", i, err)
		}
	}
	if err := s.Close(); err != nil {
		f.Fatal(err)
	}
	logs, _ := filepath.Glob(filepath.Join(seedDir, "wal-*.log"))
	if len(logs) != 1 {
		f.Fatalf("seed logs %v", logs)
	}
	log, err := os.ReadFile(logs[0])
	if err != nil {
		f.Fatal(err)
	}
	f.Add(log)
	f.Add(log[:len(log)/2])
	f.Add(log[:9])
	f.Add([]byte{})
	f.Add([]byte{5, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 'a', 2})

	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "wal-0000000000000001.log"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := durable.Open(dir, durable.Options{Policy: durable.SyncNone, Interval: time.Hour, Logger: quiet})
		if err != nil {
			if !errors.Is(err, durable.ErrCorrupt) {
				t.Fatalf("Open: %v, which does not wrap ErrCorrupt", err)
			}
			return
		}
		first := s.Totals()
		rec := s.Recovery()
		if rec.Discarded > int64(len(data)) {
			t.Fatalf("discarded %d of %d bytes", rec.Discarded, len(data))
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}

		s = open(t, dir, durable.Options{Policy: durable.SyncNone, Interval: time.Hour})
		if r := s.Recovery(); r.Damage != "" || r.Seq != rec.Seq {
			t.Fatalf("second recovery %+v after %+v", r, rec)
		}
		if got := s.Totals(); !maps.Equal(got, first) {
			t.Fatalf("second recovery %v; first %v", got, first)
		}
		add(t, s, "fuzz", 1)
		closeSet(t, s)
		want := maps.Clone(first)
		want["fuzz"]++
		if want["fuzz"] == 0 {
			delete(want, "fuzz")
		}
		got, r := reopen(t, dir)
		wantTotals(t, "after one more add", got, want)
		if r.Damage != "" {
			t.Fatalf("damage after an add: %s", r.Damage)
		}
	})
}
