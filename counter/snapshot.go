package counter

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/abacusgo/abacus/internal/tick"
)

// A Snapshot publishes a coherent view of several counters: Publish calls
// read, which reads the counters into a value of type T, and swaps a pointer
// to that immutable value in; Load returns the latest one. Readers never
// block writers or each other, and every reader of one snapshot sees the
// same values, read together by one call.
//
// read runs on the publishing goroutine, one call at a time. Reading sharded
// counters one after another is not an atomic cut across them; to keep an
// invariant such as errors ≤ requests, read the counter that is bumped
// second first. All methods are safe for concurrent use. Use NewSnapshot:
// every method of the zero Snapshot panics with a message that says so.
type Snapshot[T any] struct {
	_    noCopy
	read func() T
	cur  atomic.Pointer[published[T]]
	mu   sync.Mutex // one Publish at a time, so snapshots never go back in time
}

const errZeroSnapshot = "counter: Snapshot used without NewSnapshot (the zero Snapshot has nothing to read)"

type published[T any] struct {
	v  T
	at time.Time
}

// NewSnapshot returns a Snapshot that reads with read, and publishes once
// before returning so that Load always has a value.
func NewSnapshot[T any](read func() T) *Snapshot[T] {
	s := &Snapshot[T]{read: read}
	s.Publish()
	return s
}

// Publish reads the counters, publishes the result and returns it.
func (s *Snapshot[T]) Publish() T {
	if s.read == nil {
		panic(errZeroSnapshot)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := &published[T]{at: time.Now()}
	p.v = s.read()
	s.cur.Store(p)
	return p.v
}

// Load returns the latest published value and when its reading began.
func (s *Snapshot[T]) Load() (T, time.Time) {
	p := s.cur.Load()
	if p == nil {
		panic(errZeroSnapshot)
	}
	return p.v, p.at
}

// Run publishes every interval until ctx is done, then returns ctx.Err().
func (s *Snapshot[T]) Run(ctx context.Context, interval time.Duration) error {
	if s.read == nil {
		panic(errZeroSnapshot)
	}
	return tick.Every(ctx, interval, func() { s.Publish() })
}
