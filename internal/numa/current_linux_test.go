package numa

import (
	"errors"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"
)

// A reader is one way to learn the CPU and node the thread runs on.
type reader struct {
	name string
	read func() (cpu, node int, ok bool)
}

// TestCPUPinned pins a thread to each CPU it may run on in turn, and checks
// that every way of learning the CPU names that CPU and its node.
func TestCPUPinned(t *testing.T) {
	top, err := Load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	readers := append([]reader{{"getcpu", getcpu}, {"CurrentCPU", CurrentCPU}}, archReaders()...)
	errc := make(chan error, 1)
	go func() {
		// The thread's affinity is changed and never restored: it stays
		// locked, so it exits with this goroutine.
		runtime.LockOSThread()
		var all unix.CPUSet
		if err := unix.SchedGetaffinity(0, &all); err != nil {
			errc <- err
			return
		}
		pinned := 0
		for cpu := 0; pinned < all.Count(); cpu++ {
			if !all.IsSet(cpu) {
				continue
			}
			pinned++
			var one unix.CPUSet
			one.Set(cpu)
			if err := unix.SchedSetaffinity(0, &one); err != nil {
				errc <- err
				return
			}
			for _, r := range readers {
				c, n, ok := r.read()
				if !ok || c != cpu || n != top.NodeOf(cpu) {
					t.Errorf("pinned to CPU %d of node %d: %s() = %d, %d, %v", cpu, top.NodeOf(cpu), r.name, c, n, ok)
				}
			}
		}
		t.Logf("%d CPUs, readers %d", pinned, len(readers))
		errc <- nil
	}()
	if err := <-errc; errors.Is(err, unix.EPERM) {
		t.Skipf("cannot set this thread's CPU affinity: %v", err)
	} else if err != nil {
		t.Fatal(err)
	}
}
