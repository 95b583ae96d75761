package bench

import (
	"sync/atomic"
	_ "unsafe" // for go:linkname

	"golang.org/x/sys/cpu"
)

// The per-core limits of the machine are written out here, inside the
// benchmark module, so that nothing of Abacus sits between them and the
// hardware.

//go:linkname procPin runtime.procPin
func procPin() int

//go:linkname procUnpin runtime.procUnpin
func procUnpin()

// paddedCell is one counter word alone on its cache line.
type paddedCell struct {
	v atomic.Int64
	_ [56]byte
}

var _ cpu.CacheLinePad // the module's padding matches x/sys/cpu's on amd64

// limitCells has room for every goroutine of a SetParallelism(32) run.
var limitCells [1024]paddedCell
