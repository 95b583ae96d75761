//go:build abacus_purego

package cpu

import (
	"math/rand/v2"
	"runtime"
)

// Pin returns a random index in [0, GOMAXPROCS). This portable version cannot
// learn the P or stop preemption, so two goroutines may get the same index at
// once; callers stay correct because they update the indexed cell
// atomically. It reads GOMAXPROCS, which takes a runtime lock: the counters
// call Pin only when they re-learn a goroutine's P, not on every add.
func Pin() int { return rand.IntN(runtime.GOMAXPROCS(0)) }

// Unpin pairs with Pin; in the portable version it does nothing.
func Unpin() {}

// Rand returns a pseudo-random number from math/rand/v2's per-thread source.
func Rand() uint32 { return rand.Uint32() }
