package cpu

import (
	"sync/atomic"
	"unsafe"
)

// StackHash returns a Fibonacci hash of the calling goroutine's stack
// address. Goroutine stacks are disjoint, so goroutines running the same code
// get different hashes, and one goroutine gets the same hash on every call
// from the same place until its stack is moved (when it grows). It is
// inlined, costs a multiply and touches no shared memory. As in all Fibonacci
// hashing only the high bits are well mixed: use bits 32 and up.
func StackHash() uint64 {
	var x [0]byte
	return uint64(uintptr(unsafe.Pointer(&x))>>4) * 0x9e3779b97f4a7c15
}

// hintBits sizes the P-id cache: 1024 goroutine buckets.
const hintBits = 10

// hints caches, for each bucket of goroutines (by StackHash), the id of the
// P one of them last pinned on. It is shared by every user in the process:
// the P a goroutine runs on does not depend on which counter it adds to.
var hints [1 << hintBits]atomic.Int32

// Hint returns the cached P id for the goroutine with stack hash h. It may
// be stale (the goroutine moved to another P, or shares its bucket with a
// goroutine on another P) and may be at or beyond the current GOMAXPROCS:
// callers must use it only to choose a cell they update atomically, and
// call Rehint when they notice another writer on that cell.
func Hint(h uint64) int { return int(hints[h>>(64-hintBits)].Load()) }

// Rehint pins for a moment to learn the P the goroutine with stack hash h
// runs on now, caches it, and returns it.
func Rehint(h uint64) int {
	id := Pin()
	Unpin()
	hints[h>>(64-hintBits)].Store(int32(id))
	return id
}
