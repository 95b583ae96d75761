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
// Add adds to the base word and checks, from the value the add returns,
// whether another writer touched the word at the same moment. While nobody
// does, nothing else is touched, so an uncontended Adaptive costs about what
// an atomic add does. The first collision installs two cells. From then on
// each goroutine adds to the cell its probe selects. The probe is a hash of
// the goroutine's stack address, the Go counterpart of Java's per-thread
// probe: it costs a multiply, needs no runtime hook and stays the same for a
// goroutine while its stack does. A collision on a cell doubles the array, up
// to the next power of two at or above GOMAXPROCS; once it is that large, a
// collision re-probes the goroutine instead (its bucket of a 64-entry probe
// table moves), until the goroutines running at once sit on different cells.
// With GOMAXPROCS = 1 a collision can only be a preemption and is ignored.
//
// Every add lands where it was aimed; collisions only change where later adds
// go. So Add is exact, and Load sums the base and the cells (see the package
// doc). An idle Adaptive costs 24 bytes; a contended one adds 64 bytes per P
// on amd64 and a 256-byte probe table, plus at most as much again for the
// arrays it outgrew. The zero value is zero and ready to use.
type Adaptive struct {
	_     noCopy
	base  atomic.Int64
	cells atomic.Pointer[stripes]
	mu    sync.Mutex // serialises installing and growing cells
}

// probeBits sizes the probe table: goroutines whose hashes share the top
// probeBits bits re-probe together.
const probeBits = 6

// stripes is a cell array with the probe table that spreads goroutines over
// it.
type stripes struct {
	cells
	probe [1 << probeBits]atomic.Uint32
}

// Add adds d, which may be negative.
func (a *Adaptive) Add(d int64) {
	cs := a.cells.Load()
	if cs == nil {
		b := a.base.Load()
		if a.base.Add(d) != b+d {
			a.collided(nil, 0)
		}
		return
	}
	h := cpu.StackHash()
	c := &cs.c[int(h>>32+uint64(cs.probe[h>>(64-probeBits)].Load()))&cs.mask]
	v := c.v.Load()
	if c.v.Add(d) != v+d {
		a.collided(cs, h)
	}
}

// Inc adds one.
func (a *Adaptive) Inc() { a.Add(1) }

// collided handles a collision on the base word (cs == nil) or on a cell of
// cs: install cells, double them, or re-probe the goroutine with hash h. The
// add that collided has already landed.
func (a *Adaptive) collided(cs *stripes, h uint64) {
	switch {
	case cpu.Procs() == 1:
		// Nothing runs in parallel: a preemption between the load and the
		// add looks like a collision but is not one.
	case cs == nil:
		a.install(nil, 2)
	case len(cs.c) < cpu.CeilPow2(cpu.Procs()):
		a.install(cs, 2*len(cs.c))
	default:
		cs.probe[h>>(64-probeBits)].Add(cpu.Rand() | 1)
	}
}

// install replaces old (nil before the first collision) by an array of n
// cells, unless another writer already replaced it.
func (a *Adaptive) install(old *stripes, n int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cells.Load() != old {
		return
	}
	s := &stripes{cells: *newCells(n, nil)}
	if old != nil {
		s.prev = &old.cells
	}
	a.cells.Store(s)
}

// Load returns the base plus the sum of the cells.
func (a *Adaptive) Load() int64 { return a.base.Load() + a.chain().sum() }

// Drain takes the base and the cells and leaves zero behind.
func (a *Adaptive) Drain() int64 { return a.base.Swap(0) + a.chain().drain() }

// Cells returns how many cells the counter has installed: zero until writers
// first collide.
func (a *Adaptive) Cells() int {
	if cs := a.cells.Load(); cs != nil {
		return len(cs.c)
	}
	return 0
}

func (a *Adaptive) chain() *cells {
	if cs := a.cells.Load(); cs != nil {
		return &cs.cells
	}
	return nil
}
