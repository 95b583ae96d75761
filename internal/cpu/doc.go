// Package cpu holds the platform layer of Abacus: pinning a goroutine to its
// P (the runtime's logical processor) for the length of one operation,
// cache-line padding, a cheap per-P random number, and the number of Ps.
//
// Everything here is safe for concurrent use. The pinning and random
// functions reach into the runtime with //go:linkname; the runtime keeps
// procPin, procUnpin and cheaprand reachable for widely used packages (see
// go.dev/issue/67401). Building with the tag abacus_purego replaces them with
// portable code that is slower and spreads load less evenly but keeps every
// caller correct: callers use Pin only as a hint for which cell to touch and
// still update that cell atomically.
package cpu

import (
	"runtime"
	"unsafe"

	"golang.org/x/sys/cpu"
)

// Pad fills the rest of a cache line so that the next field or array element
// starts on a new line. Put one after a hot word to keep writers on different
// cores from invalidating each other's lines (false sharing).
type Pad = cpu.CacheLinePad

// CacheLineSize is the cache line size of the target architecture as
// golang.org/x/sys/cpu reports it (64 on amd64: the size of Pad), and at
// least 32: on wasm, which runs on one thread and has no line to share,
// x/sys/cpu reports 0 and Pad is empty; a 32-byte cell costs little there
// and keeps every padded array's layout the same shape.
const CacheLineSize = max(int(unsafe.Sizeof(Pad{})), 32)

// Procs returns the current GOMAXPROCS. It takes a runtime lock, so keep it
// off hot paths: code that indexes per-P state notices that GOMAXPROCS grew
// because Pin returns an index at or beyond the state it has, and calls
// Procs only then.
func Procs() int { return runtime.GOMAXPROCS(0) }

// CeilPow2 returns the smallest power of two at or above n, and 1 for n < 1.
func CeilPow2(n int) int {
	p := 1
	for p < n {
		p <<= 1
	}
	return p
}
