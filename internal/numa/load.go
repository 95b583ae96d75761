package numa

import (
	"errors"
	"os"
	"runtime"
	"sync"
)

// Load returns the topology of this machine, read from /sys on the first
// call and shared by every later one.
//
// On an OS other than Linux and Android, or when /sys holds no topology (sysfs is not
// mounted, or the kernel has neither NUMA nor devices/system/cpu/online),
// Load returns one node, 0, holding CPUs 0 to runtime.NumCPU()-1, and a nil
// error. When /sys is there but Read fails (a malformed file, a permission
// error), Load returns that same one-node topology and Read's error, so the
// caller can report it and carry on. The Topology is never nil.
func Load() (*Topology, error) { return load() }

var load = sync.OnceValues(func() (*Topology, error) {
	if runtime.GOOS != "linux" && runtime.GOOS != "android" {
		return fallback(), nil
	}
	t, err := Read(os.DirFS("/sys"))
	if errors.Is(err, ErrNoTopology) {
		return fallback(), nil
	}
	if err != nil {
		return fallback(), err
	}
	return t, nil
})

// fallback returns the topology Load assumes without sysfs: one node holding
// CPUs 0 to runtime.NumCPU()-1.
func fallback() *Topology {
	cpus := make([]int, runtime.NumCPU())
	for i := range cpus {
		cpus[i] = i
	}
	return single(cpus)
}
