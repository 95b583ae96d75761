//go:build !abacus_purego

package cpu

import _ "unsafe" // for go:linkname

// Pin disables preemption of the calling goroutine and returns the id of the
// P it runs on, in [0, GOMAXPROCS). Until the matching Unpin, no other
// goroutine runs on this P, so a cell indexed by the id is touched by no other
// pinned writer. Keep the pinned section to a few instructions: no blocking,
// no allocation, no calls that may reschedule. Every Pin needs one Unpin on
// the same goroutine.
//
//go:linkname Pin runtime.procPin
//go:nosplit
func Pin() int

// Unpin re-enables preemption after Pin.
//
//go:linkname Unpin runtime.procUnpin
//go:nosplit
func Unpin()

// Rand returns a pseudo-random number from the runtime's per-M generator. It
// costs about a nanosecond, takes no lock and never allocates. It is not
// cryptographically secure.
//
//go:linkname Rand runtime.cheaprand
//go:nosplit
func Rand() uint32
