//go:build abacus_purego

package cpu

import (
	"math/rand/v2"
	"runtime"
	"sync/atomic"
)

// procs caches GOMAXPROCS for the portable Pin; it is refreshed every 4096
// calls so a change is noticed without taking the runtime lock on every call.
var (
	procs = atomic.Int64{}
	calls = atomic.Uint32{}
)

// Pin returns a random index in [0, GOMAXPROCS). This portable version cannot
// stop preemption, so two goroutines may get the same index at once; callers
// stay correct because they update the indexed cell atomically.
func Pin() int {
	n := procs.Load()
	if n == 0 || calls.Add(1)&4095 == 0 {
		n = int64(runtime.GOMAXPROCS(0))
		procs.Store(n)
	}
	return int(uint64(rand.Uint32()) * uint64(n) >> 32)
}

// Unpin pairs with Pin; in the portable version it does nothing.
func Unpin() {}

// Rand returns a pseudo-random number from math/rand/v2's per-thread source.
func Rand() uint32 { return rand.Uint32() }
