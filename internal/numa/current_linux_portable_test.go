//go:build linux && (!amd64 || abacus_purego)

package numa

// archReaders returns nothing: on this port CurrentCPU makes the system call,
// which TestCPUPinned checks already.
func archReaders() []reader { return nil }
