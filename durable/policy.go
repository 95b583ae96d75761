package durable

import "fmt"

// A Policy says when the log is fsynced, and so what a crash may lose. The
// zero Policy is SyncInterval.
//
// Whatever the policy, a crash never makes a counter recover more than was
// added to it, nor an add count twice: records apply fully or not at all, and
// recovery stops at the first damaged one.
type Policy int

const (
	// SyncInterval writes what accumulated every Options.Interval as one
	// record and fsyncs it; Add returns at once. A crash of the process or of
	// the machine loses at most the adds made since the last commit that
	// completed began: about the last Interval, plus the commit that was
	// being written. Precisely: an add is durable once a commit that began
	// after it has completed (Stats.Commits counts completed commits).
	SyncInterval Policy = iota

	// SyncAlways makes Add return only once its delta is on stable storage:
	// an Add that returned nil survives a process crash and a machine crash
	// (on storage that honours fsync). Adds that wait at the same time share
	// one write and one fsync (group commit), so each Add waits about one to
	// two fsyncs however many goroutines add, and throughput grows with them.
	SyncAlways

	// SyncNone writes what accumulated every Options.Interval without
	// fsyncing it; Commit, Snapshot and Close still fsync. A process crash
	// (kill -9, a panic, the OOM killer) loses what SyncInterval loses, since
	// written records live on in the kernel's page cache. A machine crash
	// loses whatever the kernel had not yet written back (on Linux up to
	// about 30 s by default, vm.dirty_expire_centisecs), but never a part of
	// a record and never an add twice.
	SyncNone
)

// String returns the constant's name without the package, e.g. "SyncAlways".
func (p Policy) String() string {
	switch p {
	case SyncInterval:
		return "SyncInterval"
	case SyncAlways:
		return "SyncAlways"
	case SyncNone:
		return "SyncNone"
	}
	return fmt.Sprintf("Policy(%d)", int(p))
}
