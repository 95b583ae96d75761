//go:build linux && (!amd64 || abacus_purego)

package numa

// CurrentCPU returns the CPU the calling thread runs on and that CPU's node,
// as the Linux kernel numbers them (the numbers of Topology.NodeOf). The
// answer may be stale by the time CurrentCPU returns: the OS can move the
// thread, and the runtime can move the goroutine to another thread, at any
// moment. Use it as a hint only.
//
// On this port it makes the getcpu system call, whose cost is the kernel's
// system call overhead: about 450 ns on the amd64 virtual machine this
// package was written on (built with abacus_purego), 350 to 600 ns a run.
// It returns ok=false only if the system call fails.
func CurrentCPU() (cpu, node int, ok bool) { return getcpu() }
