package durable

import (
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"unicode/utf8"

	"github.com/abacusgo/abacus/counter"
)

// MaxNameLen is the longest counter name in bytes.
const MaxNameLen = 255

// ErrInvalidName is returned, wrapped, by Set.Counter for a name that is
// empty, longer than MaxNameLen bytes or not valid UTF-8.
var ErrInvalidName = errors.New("durable: invalid counter name")

// A Counter is a named int64 in a Set whose total survives a restart. Get one
// with Set.Counter; one name always yields the same *Counter, so keep the
// handle rather than looking it up for every add. Its methods are safe for
// concurrent use.
//
// Adds accumulate in a counter.Adaptive until a commit takes them, so an Add
// under SyncInterval or SyncNone costs what an atomic add does, and
// goroutines adding to one Counter on different cores do not contend.
type Counter struct {
	pending counter.Adaptive // adds not yet taken by a commit

	set  *Set
	name string

	// A commit moves pending into taken. moving is odd while it does, so
	// that Load, which reads like a seqlock, never sees a delta in both or in
	// neither. taken is written only under set.commitMu.
	moving atomic.Uint64
	taken  atomic.Int64 // the recovered total plus every delta taken since

	// Guarded by set.commitMu.
	logged   int64 // the recovered total plus what log records written since carry; taken-logged is owed to the log
	unsynced int64 // the part of logged in records not yet fsynced
	listed   bool  // the counter is in set.unsynced
}

// Name returns the counter's name.
func (c *Counter) Name() string { return c.name }

// Add adds d, which may be negative; totals wrap around like int64.
//
// Under SyncInterval and SyncNone, Add returns at once: nil, or while commits
// fail, the error of the last one. Under SyncAlways, Add returns nil once d
// is on stable storage, or the error of the commit that was to put it there.
//
// An error other than ErrClosed does not undo the add: Load includes it and
// the next commit that succeeds persists it, once. Do not repeat such an Add,
// or it counts twice.
//
// After Close, Add returns ErrClosed and has no effect. An Add that races
// with Close returns nil only if Close's final commit persists it; if it
// returns ErrClosed, the final commit may or may not have taken it (telling
// which would cost every Add more). Load after Close says what was
// persisted.
func (c *Counter) Add(d int64) error {
	s := c.set
	if s.closed.Load() {
		return ErrClosed
	}
	c.pending.Add(d)
	if s.policy == SyncAlways || s.closed.Load() {
		return s.await()
	}
	if f := s.failure.Load(); f != nil {
		return f.err
	}
	return nil
}

// Inc adds one; see Add.
func (c *Counter) Inc() error { return c.Add(1) }

// Load returns the recovered total plus every add so far, committed or not.
// It includes every Add that returned before Load began and may include
// some that run concurrently. A commit moving adds to the log never makes it
// miss or double an add; Load spins for the few nanoseconds a commit takes
// to move this counter's adds. After Close, Load returns the total as
// persisted: what Open will recover if Close returned nil.
func (c *Counter) Load() int64 {
	if c.set.sealed.Load() {
		return c.taken.Load()
	}
	for {
		m := c.moving.Load()
		if m&1 == 0 {
			v := c.taken.Load() + c.pending.Load()
			if c.moving.Load() == m {
				return v
			}
		}
		runtime.Gosched()
	}
}

// take moves what accumulated in pending to taken and returns what is owed
// to the log. s.commitMu must be held.
func (c *Counter) take() int64 {
	if c.pending.Load() != 0 {
		c.moving.Add(1)
		c.taken.Add(c.pending.Drain())
		c.moving.Add(1)
	}
	return c.taken.Load() - c.logged
}

// checkName returns nil if name may name a counter, else an error wrapping
// ErrInvalidName.
func checkName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%w: empty", ErrInvalidName)
	case len(name) > MaxNameLen:
		return fmt.Errorf("%w: %d bytes, more than %d", ErrInvalidName, len(name), MaxNameLen)
	case !utf8.ValidString(name):
		return fmt.Errorf("%w %q: not valid UTF-8", ErrInvalidName, name)
	}
	return nil
}
