package counter

import (
	"sync"
	"sync/atomic"

	"github.com/abacusgo/abacus/internal/cpu"
)

// A PerCPU is a counter with one padded cell per P (the runtime's logical
// processor): each Add goes to the cell of the P its goroutine runs on, so
// writers on different cores do not share a cache line.
//
// Learning the P takes runtime.procPin and procUnpin, two calls that cost
// more than the add itself. So a goroutine's P is cached (in a process-wide
// table keyed by a hash of its stack address) and learned again only when an
// Add notices, from the value its atomic add returns, that another writer
// touched the cell at the same moment: the goroutine has moved to another P,
// or shares a cache entry with a goroutine on another P. Until then a stale
// entry costs only some sharing; the add is atomic either way.
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
	cs := p.cells.Load()
	h := cpu.StackHash()
	if id := cpu.Hint(h); cs != nil && id < len(cs.c) {
		c := &cs.c[id].v
		if v := c.Load(); c.Add(d) != v+d {
			cpu.Rehint(h)
		}
		return
	}
	p.addGrow(d, h)
}

// addGrow adds d after making sure the array has a cell for the caller's P.
func (p *PerCPU) addGrow(d int64, h uint64) {
	id := cpu.Rehint(h)
	p.grow(id).c[id].v.Add(d)
}

// Inc adds one.
func (p *PerCPU) Inc() { p.Add(1) }

// Load returns the sum of the cells.
func (p *PerCPU) Load() int64 { return p.cells.Load().sum() }

// Drain takes the sum of the cells and leaves zero behind.
func (p *PerCPU) Drain() int64 { return p.cells.Load().drain() }

// grow returns an array with a cell for P id, installing a larger one if the
// current array is too small.
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
