package counter

import (
	"sync"
	"sync/atomic"

	"github.com/abacusgo/abacus/internal/cpu"
)

// A Striped is a counter spread over a power-of-two number of padded cells;
// each Add picks a cell with a cheap per-P random number. Collisions are
// possible but spread out, so the more stripes, the less writers contend.
// Unlike PerCPU it does not pin the goroutine, and its stripe count is fixed.
//
// Add is exact; Load sums the stripes (see the package doc). A Striped costs
// 64 bytes per stripe on amd64. The zero value is ready to use with the
// default stripe count, allocated on first use.
type Striped struct {
	_     noCopy
	cells atomic.Pointer[cells]
	once  sync.Once
	n     int
}

// NewStriped returns a Striped with stripes cells, rounded up to a power of
// two. With stripes ≤ 0 it uses the default: four per P at the time of the
// call, rounded up to a power of two.
func NewStriped(stripes int) *Striped {
	s := &Striped{n: stripes}
	s.init()
	return s
}

func (s *Striped) init() *cells {
	s.once.Do(func() {
		n := s.n
		if n <= 0 {
			n = 4 * cpu.Procs()
		}
		s.cells.Store(newCells(cpu.CeilPow2(n), nil))
	})
	return s.cells.Load()
}

// Add adds d, which may be negative.
func (s *Striped) Add(d int64) {
	cs := s.cells.Load()
	if cs == nil {
		cs = s.init()
	}
	cs.c[int(cpu.Rand())&cs.mask].v.Add(d)
}

// Inc adds one.
func (s *Striped) Inc() { s.Add(1) }

// Load returns the sum of the stripes.
func (s *Striped) Load() int64 { return s.cells.Load().sum() }

// Drain takes the sum of the stripes and leaves zero behind; see the package
// doc for why nothing is lost.
func (s *Striped) Drain() int64 { return s.cells.Load().drain() }

// Stripes returns the number of cells.
func (s *Striped) Stripes() int {
	if cs := s.cells.Load(); cs != nil {
		return len(cs.c)
	}
	return 0
}
