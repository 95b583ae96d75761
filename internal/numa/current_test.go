package numa

import (
	"runtime"
	"testing"
)

// TestCurrentCPU checks CurrentCPU against the topology: the CPU is one of
// the node's, as Load read them. On an OS without CurrentCPU it checks that
// the answer says so.
func TestCurrentCPU(t *testing.T) {
	top, err := Load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	for range 1000 {
		cpu, node, ok := CurrentCPU()
		if runtime.GOOS != "linux" && runtime.GOOS != "android" {
			if ok || cpu != -1 || node != -1 {
				t.Fatalf("CurrentCPU() = %d, %d, %v on %s; want -1, -1, false", cpu, node, ok, runtime.GOOS)
			}
			return
		}
		if !ok {
			t.Fatal("CurrentCPU failed on Linux")
		}
		if got := top.NodeOf(cpu); got != node {
			t.Fatalf("CurrentCPU() = CPU %d on node %d, but the topology puts CPU %d on node %d", cpu, node, cpu, got)
		}
		runtime.Gosched()
	}
}

func BenchmarkCurrentCPU(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		CurrentCPU()
	}
}
