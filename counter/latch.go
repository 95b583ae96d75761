package counter

import (
	"context"
	"fmt"
	"sync/atomic"
)

// A Latch is a count-down latch: it starts at n, CountDown lowers it by one,
// and Wait returns once it reaches zero. It never goes below zero and cannot
// be reset; make a new Latch for a new round.
//
// All methods are safe for concurrent use; the CountDown that reaches zero
// happens before every Wait that returns nil. A Latch costs about 100 bytes.
// The zero value is an open latch, as NewLatch(0) returns: its count is zero,
// Wait returns nil at once and Done is closed. Use NewLatch for any other
// count.
type Latch struct {
	_    noCopy
	n    atomic.Int64
	done chan struct{}
}

// NewLatch returns a latch that opens after n calls to CountDown. With n = 0
// it is open at once. It panics if n is negative, a programming error.
func NewLatch(n int64) *Latch {
	if n < 0 {
		panic(fmt.Sprintf("BUG: counter.NewLatch(%d): count must not be negative", n))
	}
	l := &Latch{done: make(chan struct{})}
	l.n.Store(n)
	if n == 0 {
		close(l.done)
	}
	return l
}

// CountDown lowers the count by one and opens the latch when it reaches
// zero. On an open latch it does nothing.
func (l *Latch) CountDown() {
	for {
		v := l.n.Load()
		if v <= 0 {
			return
		}
		if l.n.CompareAndSwap(v, v-1) {
			if v == 1 {
				close(l.done)
			}
			return
		}
	}
}

// Count returns how many CountDowns remain.
func (l *Latch) Count() int64 { return l.n.Load() }

// Done returns a channel that is closed when the latch opens.
func (l *Latch) Done() <-chan struct{} {
	if l.done == nil { // the zero Latch, open from the start
		c := make(chan struct{})
		close(c)
		return c
	}
	return l.done
}

// Wait blocks until the latch opens, returning nil, or until ctx is done,
// returning ctx.Err().
func (l *Latch) Wait(ctx context.Context) error {
	if l.done == nil { // the zero Latch, open from the start
		return nil
	}
	select {
	case <-l.done:
		return nil
	default:
	}
	select {
	case <-l.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
