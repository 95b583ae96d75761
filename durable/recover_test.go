package durable_test

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/abacusgo/abacus/durable"
)

// A fixture is a closed directory whose current log file holds a few
// records of a few counters, with what each record ends at and the totals
// after each.
type fixture struct {
	dir    string
	log    string             // the current log file
	ends   []int64            // ends[k] is where record k+1 of log ends
	totals []map[string]int64 // totals[k] holds after the first k records of log
}

// end returns where the first k records of the log end.
func (fx fixture) end(k int) int64 {
	if k == 0 {
		return 0
	}
	return fx.ends[k-1]
}

// whole returns how many records lie entirely before offset i.
func (fx fixture) whole(i int64) int {
	k := 0
	for k < len(fx.ends) && fx.ends[k] <= i {
		k++
	}
	return k
}

var fixtureBatches = [][]op{
	{{"a", 1}, {"b", -2}},
	{{"a", 300}},
	{{"c", 5}, {"b", 2}, {"d", -70000}},
	{{"a", -301}}, // back to zero
	{{"e", 1 << 40}, {"ü", 1}},
	{{"b", 9}, {"c", -5}},
}

// buildFixture writes one record per batch; with snapshot, it first writes
// two records and a snapshot, so that the log follows a snapshot.
func buildFixture(t *testing.T, snapshot bool) fixture {
	t.Helper()
	dir := t.TempDir()
	s := open(t, dir, durable.Options{Policy: durable.SyncNone, Interval: time.Hour, SnapshotEvery: -1})
	commit := func(batch []op) {
		for _, o := range batch {
			add(t, s, o.name, o.d)
		}
		if err := s.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	if snapshot {
		commit([]op{{"a", 1000}, {"z", 1}})
		commit([]op{{"b", 1000}})
		if err := s.Snapshot(); err != nil {
			t.Fatal(err)
		}
	}
	logs := glob(t, dir, "wal-*.log")
	if len(logs) != 1 {
		t.Fatalf("log files %v; want one", logs)
	}
	fx := fixture{dir: dir, log: logs[0], totals: []map[string]int64{s.Totals()}}
	for _, b := range fixtureBatches {
		commit(b)
		fi, err := os.Stat(filepath.Join(dir, fx.log))
		if err != nil {
			t.Fatal(err)
		}
		fx.ends = append(fx.ends, fi.Size())
		fx.totals = append(fx.totals, s.Totals())
	}
	closeSet(t, s)
	if logs := glob(t, dir, "wal-*.log"); !slices.Equal(logs, []string{fx.log}) {
		t.Fatalf("log files %v after Close; want [%s]", logs, fx.log)
	}
	return fx
}

// checkRecovered opens dir, whose log fx.log was damaged or cut at offset
// at, and checks that exactly the first k records were recovered and the
// rest discarded; then that new adds append and survive a reopen.
func checkRecovered(t *testing.T, fx fixture, dir string, k int, size, at int64) {
	t.Helper()
	s, err := durable.Open(dir, durable.Options{Logger: quiet})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	wantTotals(t, "recovered", s.Totals(), fx.totals[k])
	rec := s.Recovery()
	if rec.Records != int64(k) || rec.Discarded != size-fx.end(k) || (rec.Damage != "") != (size != fx.end(k)) {
		t.Fatalf("Recovery %+v; want %d records and %d bytes discarded", rec, k, size-fx.end(k))
	}
	if rec.Damage != "" && (rec.DamageFile != fx.log || rec.DamageAt != fx.end(k)) {
		t.Fatalf("Recovery %+v; want damage in %s at %d", rec, fx.log, fx.end(k))
	}
	add(t, s, "a", 11)
	add(t, s, "new", -3)
	closeSet(t, s)
	want := maps.Clone(fx.totals[k])
	want["a"] += 11
	want["new"] -= 3
	got, rec := reopen(t, dir)
	wantTotals(t, "reopened after adds", got, want)
	if rec.Damage != "" || rec.Records != int64(k)+1 {
		t.Fatalf("reopened: Recovery %+v; want %d records, no damage", rec, k+1)
	}
}

// TestRecoverTruncated cuts the log at every offset: Open must recover
// exactly the records wholly before the cut.
func TestRecoverTruncated(t *testing.T) {
	for _, snap := range []bool{false, true} {
		fx := buildFixture(t, snap)
		size := fx.ends[len(fx.ends)-1]
		for i := range size + 1 {
			dir := copyDir(t, fx.dir)
			if err := os.Truncate(filepath.Join(dir, fx.log), i); err != nil {
				t.Fatal(err)
			}
			k := fx.whole(i)
			t.Logf("snapshot %v, cut at %d of %d: %d records", snap, i, size, k)
			checkRecovered(t, fx, dir, k, i, i)
		}
	}
}

// TestRecoverFlipped damages the log at every offset, once by inverting the
// byte and once by zeroing it: Open must recover exactly the records before
// the damaged one.
func TestRecoverFlipped(t *testing.T) {
	for _, snap := range []bool{false, true} {
		fx := buildFixture(t, snap)
		pristine, err := os.ReadFile(filepath.Join(fx.dir, fx.log))
		if err != nil {
			t.Fatal(err)
		}
		size := int64(len(pristine))
		for i := range size {
			for _, v := range []byte{pristine[i] ^ 0xff, 0} {
				k := fx.whole(i) // the damaged record is number k+1
				if v == pristine[i] {
					k = len(fx.ends) // not damaged after all
				}
				dir := copyDir(t, fx.dir)
				b := slices.Clone(pristine)
				b[i] = v
				if err := os.WriteFile(filepath.Join(dir, fx.log), b, 0o644); err != nil {
					t.Fatal(err)
				}
				t.Logf("snapshot %v, byte %d of %d set to %#x: %d records", snap, i, size, v, k)
				checkRecovered(t, fx, dir, k, size, fx.end(k))
			}
		}
	}
}

// TestRecoverCorruptSnapshot damages the snapshot at every offset and cuts
// it at every length. The log before it is gone, so Open must refuse with
// ErrCorrupt and change nothing.
func TestRecoverCorruptSnapshot(t *testing.T) {
	fx := buildFixture(t, true)
	snaps := glob(t, fx.dir, "snap-*.snap")
	if len(snaps) != 1 {
		t.Fatalf("snapshots %v", snaps)
	}
	pristine, err := os.ReadFile(filepath.Join(fx.dir, snaps[0]))
	if err != nil {
		t.Fatal(err)
	}
	var damaged [][]byte
	for i := range pristine {
		damaged = append(damaged, pristine[:i])
		for _, v := range []byte{pristine[i] ^ 0xff, 0} {
			if v != pristine[i] {
				b := slices.Clone(pristine)
				b[i] = v
				damaged = append(damaged, b)
			}
		}
	}
	for _, b := range damaged {
		dir := copyDir(t, fx.dir)
		if err := os.WriteFile(filepath.Join(dir, snaps[0]), b, 0o644); err != nil {
			t.Fatal(err)
		}
		before := files(t, dir)
		s, err := durable.Open(dir, durable.Options{Logger: quiet})
		if !errors.Is(err, durable.ErrCorrupt) || s != nil {
			t.Fatalf("Open with snapshot %x: %v; want ErrCorrupt", b, err)
		}
		if after := files(t, dir); !maps.Equal(before, after) {
			t.Fatalf("a failed Open changed the directory:\n%q\n%q", slices.Sorted(maps.Keys(before)), slices.Sorted(maps.Keys(after)))
		}
	}
}

// history builds a directory through two snapshots, keeping copies of the
// files each snapshot made redundant:
//
//	records 1-2 → wal-1; snapshot 2 starts wal-3
//	records 3-4 → wal-3; snapshot 4 starts wal-5
//	record 5    → wal-5
type history struct {
	dir   string
	saved map[string][]byte // wal-1, snap-2, wal-3 as they were
	want  map[string]int64
}

const (
	wal1  = "wal-0000000000000001.log"
	wal3  = "wal-0000000000000003.log"
	wal5  = "wal-0000000000000005.log"
	snap2 = "snap-0000000000000002.snap"
	snap4 = "snap-0000000000000004.snap"
)

func buildHistory(t *testing.T) history {
	t.Helper()
	h := history{dir: t.TempDir(), saved: map[string][]byte{}}
	s := open(t, h.dir, durable.Options{Policy: durable.SyncNone, Interval: time.Hour, SnapshotEvery: -1})
	save := func(names ...string) {
		for _, n := range names {
			b, err := os.ReadFile(filepath.Join(h.dir, n))
			if err != nil {
				t.Fatal(err)
			}
			h.saved[n] = b
		}
	}
	step := func(ops ...op) {
		for _, o := range ops {
			add(t, s, o.name, o.d)
		}
		if err := s.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	step(op{"a", 1}, op{"b", 2})
	step(op{"a", 10})
	save(wal1)
	if err := s.Snapshot(); err != nil {
		t.Fatal(err)
	}
	step(op{"c", 3})
	step(op{"a", 100}, op{"b", -2})
	save(snap2, wal3)
	if err := s.Snapshot(); err != nil {
		t.Fatal(err)
	}
	step(op{"d", 4})
	h.want = s.Totals()
	closeSet(t, s)
	if got := glob(t, h.dir, "*.*"); !slices.Equal(got, []string{snap4, wal5}) {
		t.Fatalf("files %v; want [%s %s]", got, snap4, wal5)
	}
	return h
}

// variant copies the history's directory, restores the saved files named,
// and applies the edits (file name → new content; nil removes the file).
func (h history) variant(t *testing.T, restore []string, edits map[string][]byte) string {
	t.Helper()
	dir := copyDir(t, h.dir)
	for _, n := range restore {
		if err := os.WriteFile(filepath.Join(dir, n), h.saved[n], 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for n, b := range edits {
		var err error
		if b == nil {
			err = os.Remove(filepath.Join(dir, n))
		} else {
			err = os.WriteFile(filepath.Join(dir, n), b, 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func flip(b []byte, i int) []byte {
	b = slices.Clone(b)
	b[i] ^= 0xff
	return b
}

// TestRecoverFallback checks when Open may fall back past a corrupt
// snapshot (exactly when the log from an older state reaches past it) and
// that it refuses otherwise.
func TestRecoverFallback(t *testing.T) {
	h := buildHistory(t)
	snap4b, err := os.ReadFile(filepath.Join(h.dir, snap4))
	if err != nil {
		t.Fatal(err)
	}
	bad4 := flip(snap4b, len(snap4b)-1)
	wal3b := h.saved[wal3]
	cases := []struct {
		name    string
		restore []string
		edits   map[string][]byte
		corrupt []string // the snapshots set aside; nil with ok false: ErrCorrupt
		ok      bool
	}{
		{"corrupt, nothing older", nil, map[string][]byte{snap4: bad4}, nil, false},
		{"corrupt, log without its snapshot", []string{wal3}, map[string][]byte{snap4: bad4}, nil, false},
		{"corrupt, older snapshot and log", []string{snap2, wal3}, map[string][]byte{snap4: bad4}, []string{snap4}, true},
		{"corrupt, whole log", []string{wal1, wal3}, map[string][]byte{snap4: bad4}, []string{snap4}, true},
		{"both corrupt, whole log", []string{wal1, wal3}, map[string][]byte{snap4: bad4, snap2: flip(h.saved[snap2], 30)}, []string{snap4, snap2}, true},
		{"corrupt, older log cut short", []string{snap2}, map[string][]byte{snap4: bad4, wal3: wal3b[:len(wal3b)-1]}, nil, false},
		{"corrupt, older log damaged", []string{snap2}, map[string][]byte{snap4: bad4, wal3: flip(wal3b, len(wal3b)-1)}, nil, false},
		{"older snapshot corrupt", nil, map[string][]byte{snap2: flip(h.saved[snap2], 30)}, nil, true},
		{"stale files left", []string{wal1, snap2, wal3}, nil, nil, true},
		{"snapshot missing", nil, map[string][]byte{snap4: nil}, nil, false},
		{"corrupt snapshot cut short", []string{snap2, wal3}, map[string][]byte{snap4: snap4b[:10]}, []string{snap4}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := h.variant(t, c.restore, c.edits)
			before := files(t, dir)
			s, err := durable.Open(dir, durable.Options{Logger: quiet})
			if !c.ok {
				if !errors.Is(err, durable.ErrCorrupt) {
					t.Fatalf("Open: %v; want ErrCorrupt", err)
				}
				if after := files(t, dir); !maps.Equal(before, after) {
					t.Fatal("a failed Open changed the directory")
				}
				return
			}
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			wantTotals(t, "recovered", s.Totals(), h.want)
			if rec := s.Recovery(); !slices.Equal(rec.CorruptSnapshots, c.corrupt) || rec.Seq != 5 {
				t.Fatalf("Recovery %+v; want seq 5 and corrupt snapshots %v", rec, c.corrupt)
			}
			add(t, s, "a", 1)
			closeSet(t, s)
			for _, n := range c.corrupt {
				if _, err := os.Stat(filepath.Join(dir, n+".corrupt")); err != nil {
					t.Fatalf("corrupt snapshot not set aside: %v", err)
				}
			}
			want := maps.Clone(h.want)
			want["a"]++
			got, rec := reopen(t, dir)
			wantTotals(t, "reopened", got, want)
			if len(rec.CorruptSnapshots) != 0 || rec.Damage != "" {
				t.Fatalf("reopened: Recovery %+v", rec)
			}
			if n := len(glob(t, dir, "snap-*.snap")); n > 1 {
				t.Fatalf("%d snapshots left", n)
			}
		})
	}
}

// TestRecoverDamageRemovesLaterLogs damages a log file that another follows:
// Open must stop at the damage and remove the later file, so that new
// records follow the valid ones.
func TestRecoverDamageRemovesLaterLogs(t *testing.T) {
	h := buildHistory(t)
	wal3b := h.saved[wal3]
	// Without snapshot 4, recovery replays wal-3 from snapshot 2; damage its
	// second record (record 4).
	dir := h.variant(t, []string{snap2}, map[string][]byte{snap4: nil, wal3: flip(wal3b, len(wal3b)-1)})
	fi, err := os.Stat(filepath.Join(dir, wal5))
	if err != nil {
		t.Fatal(err)
	}
	s := open(t, dir, durable.Options{})
	want := map[string]int64{"a": 11, "b": 2, "c": 3} // snapshot 2 and record 3
	wantTotals(t, "recovered", s.Totals(), want)
	rec := s.Recovery()
	if rec.Seq != 3 || rec.DamageFile != wal3 || rec.Damage == "" || rec.Discarded != int64(len(wal3b))-rec.DamageAt+fi.Size() {
		t.Fatalf("Recovery %+v", rec)
	}
	if _, err := os.Stat(filepath.Join(dir, wal5)); !os.IsNotExist(err) {
		t.Fatalf("later log file still there: %v", err)
	}
	add(t, s, "x", 1)
	closeSet(t, s)
	want["x"] = 1
	got, _ := reopen(t, dir)
	wantTotals(t, "reopened", got, want)
}

// TestRecoverLeftovers checks that Open removes a snapshot left half-written
// by a crash.
func TestRecoverLeftovers(t *testing.T) {
	h := buildHistory(t)
	tmp := "snap-0000000000000009.snap.tmp"
	dir := h.variant(t, nil, map[string][]byte{tmp: []byte("half a snapshot")})
	got, _ := reopen(t, dir)
	wantTotals(t, "recovered", got, h.want)
	if _, err := os.Stat(filepath.Join(dir, tmp)); !os.IsNotExist(err) {
		t.Fatalf("temporary snapshot still there: %v", err)
	}
}

// TestRecoverReplayedRecords appends valid records that do not continue the
// sequence (a record written twice, an old record, one from the future):
// each checksum verifies, but counting it would count adds twice or out of
// order, so Open must stop there.
func TestRecoverReplayedRecords(t *testing.T) {
	fx := buildFixture(t, false)
	pristine, err := os.ReadFile(filepath.Join(fx.dir, fx.log))
	if err != nil {
		t.Fatal(err)
	}
	n := len(fx.ends)
	record := func(k int) []byte { return pristine[fx.end(k-1):fx.end(k)] } // record k, from 1
	cases := []struct {
		name string
		tail []byte
	}{
		{"last record again", record(n)},
		{"first record again", record(1)},
		{"two records swapped", slices.Concat(record(n), record(n-1))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := copyDir(t, fx.dir)
			log := slices.Concat(pristine, c.tail)
			k := n
			if c.name == "two records swapped" {
				log = slices.Concat(pristine[:fx.end(n-2)], c.tail)
				k = n - 2
			}
			if err := os.WriteFile(filepath.Join(dir, fx.log), log, 0o644); err != nil {
				t.Fatal(err)
			}
			checkRecovered(t, fx, dir, k, int64(len(log)), fx.end(k))
		})
	}
}
