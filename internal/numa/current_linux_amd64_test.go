//go:build !abacus_purego

package numa

import (
	"os"
	"testing"
)

// archReaders returns the instructions CurrentCPU may use on this machine,
// decoded, for TestCPUPinned.
func archReaders() []reader {
	rs := []reader{{"lsl", func() (int, int, bool) {
		v, ok := lsl()
		if !ok {
			return -1, -1, false
		}
		return decode(v)
	}}}
	if hasRDPID() {
		rs = append(rs, reader{"rdpid", func() (int, int, bool) { return decode(rdpid()) }})
	}
	return rs
}

func TestDecode(t *testing.T) {
	for _, c := range []struct {
		v         uint32
		cpu, node int
	}{
		{0, 0, 0}, {1, 1, 0}, {0xfff, 4095, 0}, {1 << 12, 0, 1}, {3<<12 | 37, 37, 3}, {255<<12 | 4000, 4000, 255},
	} {
		if cpu, node, ok := decode(c.v); cpu != c.cpu || node != c.node || !ok {
			t.Errorf("decode(%#x) = %d, %d, %v; want %d, %d, true", c.v, cpu, node, ok, c.cpu, c.node)
		}
	}
}

// TestPickMethod checks that CurrentCPU uses the cheapest instruction this
// machine has.
func TestPickMethod(t *testing.T) {
	CurrentCPU()
	got := method.Load()
	maxCPU, maxNode, err := maxPossible(os.DirFS("/sys"))
	var want int32
	switch {
	case err != nil || maxCPU >= 1<<12:
		want = viaSyscall
	case hasRDPID():
		want = viaRDPID
	case maxNode < 1<<8:
		want = viaLSL
	default:
		want = viaSyscall
	}
	if got != want {
		t.Errorf("CurrentCPU uses method %d; want %d (possible CPUs up to %d, nodes up to %d, %v; RDPID %v)", got, want, maxCPU, maxNode, err, hasRDPID())
	}
}

func TestMaxPossible(t *testing.T) {
	for _, c := range []struct {
		name      string
		files     map[string]string
		cpu, node int
		fails     bool
	}{
		{"two sockets", map[string]string{"cpu/possible": "0-15\n", "node/possible": "0-1\n"}, 15, 1, false},
		{"no numa", map[string]string{"cpu/possible": "0-7\n"}, 7, 0, false},
		{"many", map[string]string{"cpu/possible": "0-8191\n", "node/possible": "0-1023\n"}, 8191, 1023, false},
		{"no cpus", map[string]string{"node/possible": "0\n"}, 0, 0, true},
		{"empty cpus", map[string]string{"cpu/possible": "\n"}, 0, 0, true},
		{"malformed", map[string]string{"cpu/possible": "0-7\n", "node/possible": "0-\n"}, 0, 0, true},
	} {
		cpu, node, err := maxPossible(sysfs(c.files))
		if c.fails {
			if err == nil {
				t.Errorf("%s: maxPossible = %d, %d, nil; want an error", c.name, cpu, node)
			}
		} else if err != nil || cpu != c.cpu || node != c.node {
			t.Errorf("%s: maxPossible = %d, %d, %v; want %d, %d, nil", c.name, cpu, node, err, c.cpu, c.node)
		}
	}
}

// TestAgrees checks the guard against an instruction that disagrees with the
// system call.
func TestAgrees(t *testing.T) {
	if !agrees(lsl) {
		t.Error("agrees(lsl) = false on Linux")
	}
	if agrees(func() (uint32, bool) { v, _ := lsl(); return v + 1<<12, true }) {
		t.Error("agrees accepted a reading one node off")
	}
	if agrees(func() (uint32, bool) { return 0, false }) {
		t.Error("agrees accepted a failed reading")
	}
	n := 0
	if agrees(func() (uint32, bool) { n++; return uint32(n), true }) {
		t.Error("agrees accepted a reading that never settles")
	}
}

func BenchmarkCPUMethod(b *testing.B) {
	for _, r := range append([]reader{{"getcpu", getcpu}}, archReaders()...) {
		b.Run(r.name, func(b *testing.B) {
			for b.Loop() {
				r.read()
			}
		})
	}
}
