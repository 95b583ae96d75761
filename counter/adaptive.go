package counter

import (
	"sync"
	"sync/atomic"

	"github.com/abacusgo/abacus/internal/cpu"
)

// An Adaptive is a counter that costs one word until writers collide and then
// spreads over padded cells: the algorithm of Java's LongAdder (Striped64),
// adapted to goroutines.
//
// Add adds to the base word and checks, from the value its atomic add
// returns, whether another writer touched the word at the same moment. While
// nobody does, nothing else is touched, so an uncontended Adaptive costs what
// an atomic add does. The first collision installs two cells. From then on
// each goroutine adds to the cell its probe selects. Java's probe is a random
// number per thread; here it is the id of the P the goroutine last ran on,
// cached per goroutine exactly as PerCPU caches it. A collision on a cell
// doubles the array while it is smaller than the next power of two at or
// above GOMAXPROCS (Ps then share cells, as Java's threads share them before
// the array is large enough); once it is that large, a goroutine that still
// collides re-probes by learning its P again. With GOMAXPROCS = 1 a collision
// can only be a preemption and is ignored.
//
// Java detects a collision by a failed compare-and-swap and retries; here
// every add is an atomic add that lands where it was aimed, and a collision
// only changes where later adds go. So Add is exact, and Load sums the base
// and the cells (see the package doc). An idle Adaptive costs 24 bytes; a
// contended one adds 64 bytes per P on amd64, plus at most as much again for
// the arrays it outgrew. The zero value is zero and ready to use.
type Adaptive struct {
	_     noCopy
	base  atomic.Int64
	cells atomic.Pointer[cells]
	mu    sync.Mutex // serialises installing and growing cells
}

// Add adds d, which may be negative.
func (a *Adaptive) Add(d int64) {
	cs := a.cells.Load()
	if cs == nil {
		if b := a.base.Load(); a.base.Add(d) != b+d {
			a.collided(nil, 0)
		}
		return
	}
	h := cpu.StackHash()
	c := &cs.c[cpu.Hint(h)&cs.mask].v
	if v := c.Load(); c.Add(d) != v+d {
		a.collided(cs, h)
	}
}

// Inc adds one.
func (a *Adaptive) Inc() { a.Add(1) }

// collided handles a collision on the base word (cs == nil) or on a cell of
// cs by the goroutine with stack hash h: install cells, double them, or
// re-probe. The add that collided has already landed.
func (a *Adaptive) collided(cs *cells, h uint64) {
	procs := cpu.Procs()
	switch {
	case procs == 1:
		// Nothing runs in parallel: a preemption between the load and the
		// add looks like a collision but is not one.
	case cs == nil:
		a.install(nil, 2)
	case len(cs.c) < cpu.CeilPow2(procs):
		a.install(cs, 2*len(cs.c))
	default:
		cpu.Rehint(h)
	}
}

// install replaces old (nil before the first collision) by an array of n
// cells, unless another writer already replaced it.
func (a *Adaptive) install(old *cells, n int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cells.Load() == old {
		a.cells.Store(newCells(n, old))
	}
}

// Load returns the base plus the sum of the cells.
func (a *Adaptive) Load() int64 { return a.base.Load() + a.cells.Load().sum() }

// Drain takes the base and the cells and leaves zero behind.
func (a *Adaptive) Drain() int64 { return a.base.Swap(0) + a.cells.Load().drain() }

// Cells returns how many cells the counter has installed: zero until writers
// first collide.
func (a *Adaptive) Cells() int {
	if cs := a.cells.Load(); cs != nil {
		return len(cs.c)
	}
	return 0
}
