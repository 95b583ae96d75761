//go:build !abacus_purego

package numa

import (
	"errors"
	"io/fs"
	"os"
	"sync"
	"sync/atomic"
)

// CurrentCPU returns the CPU the calling thread runs on and that CPU's node,
// as the Linux kernel numbers them (the numbers of Topology.NodeOf). The
// answer may be stale by the time CurrentCPU returns: the OS can move the
// thread, and the runtime can move the goroutine to another thread, at any
// moment. Use it as a hint only.
//
// On amd64 it reads the value the kernel keeps for its vDSO's getcpu,
// node<<12 | cpu, with RDPID where the processor has it, or else from the
// limit of GDT entry 15 with LSL, as the vDSO does; failing both it makes
// the getcpu system call. The first call picks the method, after checking
// that the machine's CPU and node numbers fit the encoding (it reads two
// sysfs files) and that the instruction agrees with the system call. On the
// 2-core AMD EPYC virtual machine it was written on (BenchmarkCurrentCPU,
// BenchmarkCPUMethod) CurrentCPU costs about 10 ns with RDPID; LSL alone
// costs about 30 ns and the system call about 450 ns.
// CurrentCPU allocates nothing. It returns ok=false only if the system call
// fails.
func CurrentCPU() (cpu, node int, ok bool) {
	m := method.Load()
	if m == viaUnknown {
		m = pickOnce()
	}
	switch m {
	case viaRDPID:
		return decode(rdpid())
	case viaLSL:
		if v, ok := lsl(); ok {
			return decode(v)
		}
	}
	return getcpu()
}

// The ways CurrentCPU can learn the CPU.
const (
	viaUnknown int32 = iota // not picked yet
	viaSyscall
	viaRDPID
	viaLSL
)

// method holds the way CurrentCPU learns the CPU, once pickOnce has run.
var method atomic.Int32

var pickOnce = sync.OnceValue(func() int32 {
	m := pickMethod()
	method.Store(m)
	return m
})

// rdpid returns IA32_TSC_AUX, which Linux sets to node<<12 | cpu on every
// CPU (RDPID needs CPUID.(EAX=7,ECX=0):ECX bit 22).
func rdpid() uint32

// lsl returns the limit of GDT entry 15, which Linux sets to node<<12 | cpu
// on every CPU (20 bits: CPUs below 4096, nodes below 256), and ok=false if
// the descriptor is not readable.
func lsl() (v uint32, ok bool)

// cpuid executes CPUID for the given leaf and subleaf.
func cpuid(leaf, subleaf uint32) (eax, ebx, ecx, edx uint32)

// decode splits the kernel's node<<12 | cpu encoding.
func decode(v uint32) (cpu, node int, ok bool) {
	return int(v & 0xfff), int(v >> 12), true
}

// hasRDPID reports whether the processor implements RDPID.
func hasRDPID() bool {
	if maxLeaf, _, _, _ := cpuid(0, 0); maxLeaf < 7 {
		return false
	}
	_, _, ecx, _ := cpuid(7, 0)
	return ecx&(1<<22) != 0
}

// pickMethod returns the cheapest method that is right on this machine.
// Both instructions read the kernel's encoding, which holds CPU numbers below
// 4096 (and, in the GDT limit, nodes below 256): pickMethod reads the
// possible CPUs and nodes from sysfs and uses the system call if it cannot
// read them or they do not fit. It then compares the instruction with the
// system call, to catch kernels that only look like Linux (gVisor, WSL 1)
// or that keep something else in TSC_AUX; a guard, not a proof.
func pickMethod() int32 {
	maxCPU, maxNode, err := maxPossible(os.DirFS("/sys"))
	if err != nil || maxCPU >= 1<<12 {
		return viaSyscall
	}
	if hasRDPID() && agrees(func() (uint32, bool) { return rdpid(), true }) {
		return viaRDPID
	}
	if maxNode < 1<<8 && agrees(lsl) {
		return viaLSL
	}
	return viaSyscall
}

// maxPossible returns the highest CPU and node numbers the kernel may use,
// from devices/system/cpu/possible and devices/system/node/possible in fsys;
// without the node file (a kernel built without NUMA) the node is 0.
func maxPossible(fsys fs.FS) (cpu, node int, err error) {
	cpus, ok, err := readList(fsys, "devices/system/cpu/possible")
	if err != nil {
		return 0, 0, err
	}
	if !ok || len(cpus) == 0 {
		return 0, 0, errors.New("numa: no possible CPUs in sysfs")
	}
	nodes, _, err := readList(fsys, nodeDir+"/possible")
	if err != nil {
		return 0, 0, err
	}
	if len(nodes) > 0 {
		node = nodes[len(nodes)-1]
	}
	return cpus[len(cpus)-1], node, nil
}

// agrees reports whether read decodes to the CPU and node the getcpu system
// call reports. It reads on both sides of the system call and retries when
// the two reads differ (the thread moved in between), up to 8 times.
func agrees(read func() (uint32, bool)) bool {
	for range 8 {
		before, ok1 := read()
		cpu, node, ok := getcpu()
		after, ok2 := read()
		if !ok1 || !ok2 || !ok {
			return false
		}
		if before != after {
			continue
		}
		c, n, _ := decode(before)
		return c == cpu && n == node
	}
	return false
}
