package numa

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// getcpu asks the kernel, through the getcpu system call, which CPU and node
// the calling thread runs on. golang.org/x/sys/unix has no wrapper for it.
// RawSyscall is enough: getcpu never blocks, so the scheduler need not know.
func getcpu() (cpu, node int, ok bool) {
	var c, n uint32
	_, _, errno := unix.RawSyscall(unix.SYS_GETCPU, uintptr(unsafe.Pointer(&c)), uintptr(unsafe.Pointer(&n)), 0)
	if errno != 0 {
		return -1, -1, false
	}
	return int(c), int(n), true
}
