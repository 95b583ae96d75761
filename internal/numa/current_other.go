//go:build !linux

package numa

// CurrentCPU reports ok=false, with cpu and node -1: on this OS Abacus has no
// way to learn the CPU a thread runs on. Callers fall back to the P index
// alone.
func CurrentCPU() (cpu, node int, ok bool) { return -1, -1, false }
