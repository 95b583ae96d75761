package counter

import (
	"sync"
	"sync/atomic"

	"github.com/abacusgo/abacus/internal/cpu"
)

// A PerCPU is a counter with one padded cell per P (the runtime's logical
// processor). Add pins the goroutine to its P for the length of one atomic
// add to that P's cell, so writers on different cores never share a cache
// line and never retry.
//
// When GOMAXPROCS grows, the first Add from a P beyond the array installs a
// larger one through an atomic.Pointer; the old cells stay linked and keep
// their values, so a resize mid-add loses nothing. When GOMAXPROCS shrinks the
// unused cells keep their values too.
//
// Add is exact; Load sums the cells (see the package doc). A PerCPU costs 64
// bytes per P on amd64, plus at most as much again after GOMAXPROCS grows.
// The zero value is ready to use; its cells are allocated on first Add.
type PerCPU struct {
	_     noCopy
	cells atomic.Pointer[cells]
	mu    sync.Mutex // serialises growth
}

// NewPerCPU returns a PerCPU with its cells allocated for the current
// GOMAXPROCS.
func NewPerCPU() *PerCPU {
	p := &PerCPU{}
	p.grow(cpu.Procs() - 1)
	return p
}

// Add adds d, which may be negative.
func (p *PerCPU) Add(d int64) {
	id := cpu.Pin()
	if cs := p.cells.Load(); cs != nil && id < len(cs.c) {
		cs.c[id].v.Add(d)
		cpu.Unpin()
		return
	}
	cpu.Unpin()
	p.grow(id).c[id].v.Add(d)
}

// Inc adds one.
func (p *PerCPU) Inc() { p.Add(1) }

// Load returns the sum of the cells.
func (p *PerCPU) Load() int64 { return p.cells.Load().sum() }

// Drain takes the sum of the cells and leaves zero behind.
func (p *PerCPU) Drain() int64 { return p.cells.Load().drain() }

// grow returns an array with a cell for P id, installing a larger one if the
// current array is too small. It is called unpinned, so the caller's add to
// cell id may share it with a pinned writer; the add is atomic, so that costs
// one contended add, never a lost one.
func (p *PerCPU) grow(id int) *cells {
	p.mu.Lock()
	defer p.mu.Unlock()
	old := p.cells.Load()
	if old != nil && id < len(old.c) {
		return old
	}
	n := cpu.CeilPow2(max(id+1, cpu.Procs()))
	cs := newCells(n, old)
	p.cells.Store(cs)
	return cs
}
