package counter

import (
	"sync/atomic"

	"github.com/abacusgo/abacus/internal/cpu"
)

// cell is one counter word alone on its cache line, so that writers on
// different cores never invalidate each other's lines (false sharing).
type cell struct {
	v atomic.Int64
	_ [cpu.CacheLineSize - 8]byte
}

// cells is the array of padded words behind the sharded counters.
//
// An array never shrinks and is never copied: a larger one links to the one
// it replaces through prev, and sum and drain walk the whole chain. A writer
// that loaded the old array just before a resize may still add to it; that
// add is counted because the old array stays in the chain. This is how the
// sharded types stay exact when GOMAXPROCS grows mid-add. The chain costs at
// most the size of the newest array again, since sizes at least double.
type cells struct {
	c    []cell
	mask int // len(c)-1 when len(c) is a power of two
	prev *cells
}

// newCells returns an array of n cells in front of prev. Go's allocator
// places an n×64-byte object on a 64-byte boundary for the power-of-two n
// used here, so each cell fills exactly one line.
func newCells(n int, prev *cells) *cells {
	return &cells{c: make([]cell, n), mask: n - 1, prev: prev}
}

// sum returns the total over the chain. It reads each cell once and is not
// an atomic snapshot across cells.
func (cs *cells) sum() int64 {
	var t int64
	for ; cs != nil; cs = cs.prev {
		for i := range cs.c {
			t += cs.c[i].v.Load()
		}
	}
	return t
}

// drain swaps every cell of the chain to zero and returns what it took. Each
// add lands either before its cell's swap, and is returned, or after it, and
// stays for the next drain.
func (cs *cells) drain() int64 {
	var t int64
	for ; cs != nil; cs = cs.prev {
		for i := range cs.c {
			if cs.c[i].v.Load() != 0 {
				t += cs.c[i].v.Swap(0)
			}
		}
	}
	return t
}

// bytes returns the memory held by the chain's cells.
func (cs *cells) bytes() int {
	n := 0
	for ; cs != nil; cs = cs.prev {
		n += len(cs.c) * cpu.CacheLineSize
	}
	return n
}
