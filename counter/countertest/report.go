package countertest

import (
	"fmt"
	"strings"
	"time"
)

// A Report is the outcome of one check.
type Report struct {
	// Check is the check's name, as Run names its subtest: "exact",
	// "resize", "monotonic" or "drain".
	Check string
	// Err is what the counter got wrong, or nil if it passed.
	Err error
	// Untested is empty if the check ran with enough overlap to test what it
	// tests, and otherwise says why it did not (the overlap it measured, or
	// that the subject has no Drain). A check can fail while untested: a
	// counter that drops adds fails without any concurrency.
	Untested string
	// Overlap is what the check measured of its own concurrency.
	Overlap Overlap
}

// An Overlap is how much of a check's concurrency the suite can prove
// happened.
//
// Writers add in batches of 64. Around each batch a writer reads the number
// of batches all writers have finished and the number of Loads or Drains the
// readers have finished, and afterwards bumps the first with an atomic add
// and reads the second again. A batch overlapped another writer if the
// batch count moved in between, that is, if another writer finished a batch
// at some instant while this one was in progress; it overlapped a reader if
// the call count moved. One overlapped batch does not show that two
// goroutines ran at the same time: the writer may have been descheduled
// mid-batch while the other ran (a single CPU, a starved machine). Two in a
// row do, unless the writer was descheduled in both: the operating system
// seldom takes the CPU from a busy thread more than once per time slice
// (milliseconds, far longer than a batch), but a subject whose add yields
// or blocks (runtime.Gosched, a contended mutex) deschedules its writer in
// every batch, so its batches chain on one CPU too. So only chains count: the adds of a batch count as overlapped when
// the batch and the same writer's previous one both overlapped.
type Overlap struct {
	// Adds is how many adds the writers made.
	Adds int64
	// WithWriters is how many of Adds were in batches that overlapped
	// another writer's, with the writer's previous batch overlapping too.
	WithWriters int64
	// WithReaders is the same count for batches during which a reader
	// (monotonic) or drainer (drain) finished a Load or Drain; zero in the
	// other checks.
	WithReaders int64
	// Increases is how many times the resize check raised GOMAXPROCS while
	// writers were adding; zero in the other checks.
	Increases int
	// IncreasesWithWriters is how many of Increases had writers overlapping
	// just before and just after them: a batch counted in WithWriters
	// finished while the check waited (up to 2ms) before the change, and
	// another within a millisecond after it.
	IncreasesWithWriters int
	// Elapsed is how long the check took.
	Elapsed time.Duration
}

// String reports the counts in words, leaving out the GOMAXPROCS increases
// and the overlap with readers when they are zero.
func (o Overlap) String() string {
	var b strings.Builder
	if o.Increases > 0 {
		fmt.Fprintf(&b, "%d of %d GOMAXPROCS increases with overlapping writers around them; ", o.IncreasesWithWriters, o.Increases)
	}
	fmt.Fprintf(&b, "%d of %d adds overlapped another writer's", o.WithWriters, o.Adds)
	if o.WithReaders > 0 {
		fmt.Fprintf(&b, ", %d a reader's", o.WithReaders)
	}
	fmt.Fprintf(&b, "; %v", o.Elapsed.Round(time.Millisecond/10))
	return b.String()
}
