// Package countertest is the conformance suite every Abacus counter passes,
// published so that a counter written outside this module can be held to
// the same contract: exact totals under concurrent adds of mixed sign,
// exact totals while GOMAXPROCS grows under writers that are mid-add,
// monotonic Loads during positive adds, and Drains that lose and duplicate
// nothing.
//
// # Overlap
//
// A broken counter (a plain v += d, or a sharded one that copies its cells
// into a larger array when GOMAXPROCS grows) loses an add only when it falls
// in the middle of another writer's add or resize: when writers run at the
// same time on different CPUs, or when one is descheduled mid-add (which
// cannot split v += d, one instruction on amd64). So the checks start their
// writers together (each waits at a start line until all have started), run
// them at GOMAXPROCS of at least 8 on a machine with two CPUs or more (the
// drain check cycles it from 2 to 16, the resize check raises it from 2 to
// 17), measure how much the writers and readers provably ran at the same time
// (see Overlap), and keep writing until they overlapped enough or
// Options.Wait has passed. A check that did not reach its overlap is
// untested, and Run skips it, with the overlap in the message, instead of
// passing it: that happens on a machine with one CPU (runtime.NumCPU() ==
// 1, as on js/wasm), where no check waits for overlap, and on a machine too
// busy to run two of the suite's threads at once.
//
// # What the suite does not check
//
// The suite checks totals, not the memory model: a counter whose Load reads
// its cells without synchronisation can pass every total here and still be
// a data race. Run the suite under -race too.
//
// The suite changes GOMAXPROCS (each check restores it when done), which is
// process-wide, so tests that call Run or the Check functions must not run
// in parallel with other tests (do not call t.Parallel).
package countertest

import (
	"testing"
	"time"
)

// Subject adapts one counter to the suite.
type Subject struct {
	// Writer returns what one writing goroutine adds through, and a func it
	// calls when it has finished adding (a batching counter flushes there;
	// others may return a no-op). Writer is called once per goroutine.
	Writer func() (add func(int64), done func())
	// Load returns the counter's total. It must be safe to call during adds.
	Load func() int64
	// Drain takes the total and leaves the rest, or is nil if the counter
	// cannot be drained.
	Drain func() int64
}

// Options sizes a run. The zero value picks sizes that finish in well under
// a second per subject, and a few seconds under -race, when the writers
// overlap; a check that waits in vain for overlap takes Wait (the resize
// check, Wait and the rest of the round it is in).
type Options struct {
	Writers int // goroutines adding (default 16; overlap takes two)
	Adds    int // adds per writer at least (default 20000, 2000 under -short)
	// Wait bounds how long a check keeps its writers going while it waits
	// for them to overlap (default 200ms).
	Wait time.Duration
}

func (o Options) withDefaults() Options {
	if o.Writers <= 0 {
		o.Writers = 16
	}
	if o.Adds <= 0 {
		o.Adds = 20000
		if testing.Short() {
			o.Adds = 2000
		}
	}
	if o.Wait <= 0 {
		o.Wait = 200 * time.Millisecond
	}
	return o
}

// Run runs every check against counters made by newSubject, each check in
// its own subtest named after it: CheckExact, CheckResize, CheckMonotonic
// and CheckDrain, with a fresh counter per check (several for resize). A
// subtest fails if the counter got something wrong, is skipped if the check
// was untested (see Report.Untested), and passes otherwise, logging the
// overlap it measured.
func Run(t *testing.T, newSubject func() Subject, opts Options) {
	t.Helper()
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			t.Helper()
			r := c.run(newSubject, opts)
			switch {
			case r.Err != nil:
				t.Fatalf("%v\noverlap: %v", r.Err, r.Overlap)
			case r.Untested != "":
				t.Skipf("untested: %s\noverlap: %v", r.Untested, r.Overlap)
			default:
				t.Logf("overlap: %v", r.Overlap)
			}
		})
	}
}

// Check runs every check as Run does, without a testing.T, and returns one
// Report per check in Run's order. It lets a test inspect what the suite
// decided, such as a test that the suite catches a broken counter.
func Check(newSubject func() Subject, o Options) []Report {
	rs := make([]Report, len(checks))
	for i, c := range checks {
		rs[i] = c.run(newSubject, o)
	}
	return rs
}

var checks = []struct {
	name string
	run  func(func() Subject, Options) Report
}{
	{"exact", func(n func() Subject, o Options) Report { return CheckExact(n(), o) }},
	{"resize", CheckResize},
	{"monotonic", func(n func() Subject, o Options) Report { return CheckMonotonic(n(), o) }},
	{"drain", func(n func() Subject, o Options) Report { return CheckDrain(n(), o) }},
}

// Shared returns a Subject for a counter that every goroutine adds to
// directly, such as *counter.Adaptive. drain may be nil.
func Shared(add func(int64), load func() int64, drain func() int64) Subject {
	return Subject{
		Writer: func() (func(int64), func()) { return add, func() {} },
		Load:   load,
		Drain:  drain,
	}
}
