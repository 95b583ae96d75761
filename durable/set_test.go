package durable_test

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/abacusgo/abacus/durable"
)

var policies = []durable.Policy{durable.SyncInterval, durable.SyncAlways, durable.SyncNone}

type op struct {
	name string
	d    int64
}

func TestRoundTrip(t *testing.T) {
	many := make([]op, 0, 3000)
	for i := range 3000 {
		many = append(many, op{fmt.Sprintf("counter/%d", i%500), int64(i%7) - 3})
	}
	cases := []struct {
		name  string
		opts  durable.Options
		ops   []op
		want  map[string]int64
		check func(t *testing.T, s *durable.Set) // before Close; may commit
	}{
		{name: "one add", ops: []op{{"a", 1}}, want: map[string]int64{"a": 1}},
		{name: "negative", ops: []op{{"a", -5}, {"b", 3}, {"a", -7}, {"b", -4}}, want: map[string]int64{"a": -12, "b": -1}},
		{name: "back to zero", ops: []op{{"a", 5}, {"b", 1}, {"a", -5}}, want: map[string]int64{"b": 1}},
		{name: "extremes", ops: []op{{"max", math.MaxInt64}, {"min", math.MinInt64}, {"wrap", math.MaxInt64}, {"wrap", 2}},
			want: map[string]int64{"max": math.MaxInt64, "min": math.MinInt64, "wrap": math.MinInt64 + 1}},
		{name: "names", ops: []op{{"é/ü 🙂", 1}, {strings.Repeat("x", durable.MaxNameLen), 2}, {"with space\n", 3}},
			want: map[string]int64{"é/ü 🙂": 1, strings.Repeat("x", durable.MaxNameLen): 2, "with space\n": 3}},
		{name: "many counters", ops: many, want: sum(many)},
		{name: "commits between adds", ops: many[:600], want: sum(many[:600]), check: func(t *testing.T, s *durable.Set) {
			if err := s.Commit(); err != nil {
				t.Fatalf("Commit: %v", err)
			}
			if st := s.Stats(); st.Records == 0 || st.Syncs == 0 {
				t.Fatalf("after Commit: %+v", st)
			}
		}},
		{name: "snapshots", opts: durable.Options{SnapshotEvery: 512}, ops: many, want: sum(many), check: func(t *testing.T, s *durable.Set) {
			if err := s.Snapshot(); err != nil {
				t.Fatalf("Snapshot: %v", err)
			}
			if st := s.Stats(); st.Snapshots == 0 {
				t.Fatalf("after Snapshot: %+v", st)
			}
		}},
	}
	for _, c := range cases {
		for _, p := range policies {
			t.Run(c.name+"/"+p.String(), func(t *testing.T) {
				dir := t.TempDir()
				opts := c.opts
				opts.Policy = p
				s := open(t, dir, opts)
				for i, o := range c.ops {
					add(t, s, o.name, o.d)
					if c.check != nil && i == len(c.ops)/2 {
						c.check(t, s)
					}
				}
				wantTotals(t, "before Close", s.Totals(), c.want)
				closeSet(t, s)
				for range 2 {
					got, rec := reopen(t, dir)
					wantTotals(t, "after reopen", got, c.want)
					if rec.Damage != "" || rec.Discarded != 0 || rec.Counters != len(c.want) {
						t.Fatalf("Recovery %+v; want no damage and %d counters", rec, len(c.want))
					}
				}
				// Reopen once more with the policy, add again, and check.
				s = open(t, dir, opts)
				add(t, s, "a", 1)
				closeSet(t, s)
				want := sum(nil)
				for k, v := range c.want {
					want[k] = v
				}
				want["a"]++
				if want["a"] == 0 {
					delete(want, "a")
				}
				got, _ := reopen(t, dir)
				wantTotals(t, "after a second session", got, want)
			})
		}
	}
}

func sum(ops []op) map[string]int64 {
	m := map[string]int64{}
	for _, o := range ops {
		m[o.name] += o.d
	}
	for k, v := range m {
		if v == 0 {
			delete(m, k)
		}
	}
	return m
}

func TestCounterNames(t *testing.T) {
	s := open(t, t.TempDir(), durable.Options{})
	defer closeSet(t, s)
	for _, name := range []string{"", strings.Repeat("x", durable.MaxNameLen+1), "bad\xff", string([]byte{0xc3})} {
		if c, err := s.Counter(name); !errors.Is(err, durable.ErrInvalidName) || c != nil {
			t.Errorf("Counter(%q) = %v, %v; want ErrInvalidName", name, c, err)
		}
	}
	a1, a2 := counter(t, s, "a"), counter(t, s, "a")
	if a1 != a2 || a1.Name() != "a" {
		t.Fatalf("Counter(a) twice: %p %p %q", a1, a2, a1.Name())
	}
	counter(t, s, "never added") // leaves no trace
	if got := s.Totals(); len(got) != 0 {
		t.Fatalf("Totals() = %v; want empty", got)
	}
}

func TestOptionsInvalid(t *testing.T) {
	for _, o := range []durable.Options{{Policy: -1}, {Policy: 3}, {Interval: -time.Second}} {
		if s, err := durable.Open(t.TempDir(), o); err == nil {
			s.Close()
			t.Errorf("Open with %+v succeeded", o)
		}
	}
	if got := durable.Policy(7).String(); got != "Policy(7)" {
		t.Errorf("Policy(7).String() = %q", got)
	}
}

func TestLocked(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, durable.Options{})
	if s2, err := durable.Open(dir, durable.Options{Logger: quiet}); !errors.Is(err, durable.ErrLocked) {
		if s2 != nil {
			s2.Close()
		}
		t.Fatalf("second Open: %v; want ErrLocked", err)
	}
	closeSet(t, s)
	s = open(t, dir, durable.Options{})
	closeSet(t, s)
}

func TestClosed(t *testing.T) {
	for _, p := range policies {
		t.Run(p.String(), func(t *testing.T) {
			dir := t.TempDir()
			s := open(t, dir, durable.Options{Policy: p})
			c := counter(t, s, "a")
			if err := c.Add(2); err != nil {
				t.Fatal(err)
			}
			closeSet(t, s)
			if err := c.Add(1); !errors.Is(err, durable.ErrClosed) {
				t.Errorf("Add after Close: %v", err)
			}
			if c.Load() != 2 {
				t.Errorf("Load after a refused Add = %d; want 2", c.Load())
			}
			if _, err := s.Counter("b"); !errors.Is(err, durable.ErrClosed) {
				t.Errorf("Counter after Close: %v", err)
			}
			for name, f := range map[string]func() error{"Commit": s.Commit, "Snapshot": s.Snapshot, "Close": s.Close} {
				if err := f(); !errors.Is(err, durable.ErrClosed) {
					t.Errorf("%s after Close: %v", name, err)
				}
			}
			got, _ := reopen(t, dir)
			wantTotals(t, "reopened", got, map[string]int64{"a": 2})
		})
	}
}

// TestSyncNoneCommit checks that SyncNone writes nothing before its interval,
// that Commit writes and fsyncs, and that what it wrote is in the log.
func TestSyncNoneCommit(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, durable.Options{Policy: durable.SyncNone, Interval: time.Hour})
	defer s.Close()
	add(t, s, "a", 3)
	if st := s.Stats(); st.Records != 0 || st.Bytes != 0 {
		t.Fatalf("before Commit: %+v", st)
	}
	if err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	if st := s.Stats(); st.Commits != 1 || st.Records != 1 || st.Syncs != 1 {
		t.Fatalf("after Commit: %+v", st)
	}
	if err := s.Commit(); err != nil { // nothing to write, nothing to sync
		t.Fatal(err)
	}
	if st := s.Stats(); st.Commits != 1 || st.Syncs != 1 {
		t.Fatalf("after an empty Commit: %+v", st)
	}
	// A copy of the directory taken now is what a crash would leave.
	got, _ := reopen(t, copyDir(t, dir))
	wantTotals(t, "copy after Commit", got, map[string]int64{"a": 3})
}

// TestBackgroundCommit checks that the committer writes without Commit or
// Close, under both policies that have one.
func TestBackgroundCommit(t *testing.T) {
	for _, p := range []durable.Policy{durable.SyncInterval, durable.SyncNone} {
		t.Run(p.String(), func(t *testing.T) {
			dir := t.TempDir()
			s := open(t, dir, durable.Options{Policy: p, Interval: time.Millisecond})
			defer s.Close()
			add(t, s, "a", 5)
			deadline := time.Now().Add(10 * time.Second)
			for s.Stats().Commits == 0 {
				if time.Now().After(deadline) {
					t.Fatal("no background commit in 10 s")
				}
				time.Sleep(time.Millisecond)
			}
			if p == durable.SyncInterval && s.Stats().Syncs == 0 {
				t.Fatalf("SyncInterval committed without fsync: %+v", s.Stats())
			}
			if p == durable.SyncNone && s.Stats().Syncs != 0 {
				t.Fatalf("SyncNone fsynced: %+v", s.Stats())
			}
			got, _ := reopen(t, copyDir(t, dir))
			wantTotals(t, "copy after a background commit", got, map[string]int64{"a": 5})
		})
	}
}

// TestAutoSnapshot checks that the log is rotated and old files removed as
// it grows past SnapshotEvery, without Snapshot being called.
func TestAutoSnapshot(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, durable.Options{Policy: durable.SyncAlways, SnapshotEvery: 256})
	want := map[string]int64{}
	for i := range 200 {
		name := fmt.Sprintf("c%d", i%10)
		add(t, s, name, int64(i))
		want[name] += int64(i)
	}
	deadline := time.Now().Add(10 * time.Second)
	for s.Stats().Snapshots == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no snapshot in 10 s")
		}
		time.Sleep(time.Millisecond)
	}
	closeSet(t, s)
	if n := len(glob(t, dir, "snap-*.snap")); n != 1 {
		t.Fatalf("%d snapshots in the directory; want 1", n)
	}
	if n := len(glob(t, dir, "wal-*.log")); n > 2 {
		t.Fatalf("%d log files in the directory; want at most 2", n)
	}
	got, rec := reopen(t, dir)
	wantTotals(t, "reopened", got, want)
	if rec.Snapshot == "" || rec.SnapshotSeq == 0 || rec.Seq < rec.SnapshotSeq {
		t.Fatalf("Recovery %+v; want a snapshot", rec)
	}
}

// TestSnapshotIdle checks that a snapshot with nothing new is a no-op.
func TestSnapshotIdle(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir, durable.Options{})
	defer closeSet(t, s)
	if err := s.Snapshot(); err != nil {
		t.Fatal(err)
	}
	add(t, s, "a", 1)
	for range 3 {
		if err := s.Snapshot(); err != nil {
			t.Fatal(err)
		}
	}
	if st := s.Stats(); st.Snapshots != 1 {
		t.Fatalf("Stats %+v; want 1 snapshot", st)
	}
	if logs, snaps := glob(t, dir, "wal-*.log"), glob(t, dir, "snap-*.snap"); len(logs) != 1 || len(snaps) != 1 ||
		logs[0] != "wal-0000000000000002.log" || snaps[0] != "snap-0000000000000001.snap" {
		t.Fatalf("files %v %v", logs, snaps)
	}
}
