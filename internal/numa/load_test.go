package numa

import (
	"errors"
	"os"
	"runtime"
	"slices"
	"testing"
)

// TestReadThisMachine reads the real /sys, where there is one, and checks it
// against itself: the nodes' CPUs are disjoint and together are exactly the
// online CPUs.
func TestReadThisMachine(t *testing.T) {
	sys := os.DirFS("/sys")
	online, ok, err := readList(sys, cpuOnlinePath)
	if err != nil || !ok {
		t.Skipf("no readable /sys/%s (%v): not Linux, or sysfs is not mounted", cpuOnlinePath, err)
	}
	top, err := Read(sys)
	if err != nil {
		t.Fatalf("Read(/sys): %v", err)
	}
	var all []int
	for _, n := range top.Nodes() {
		cpus := top.CPUs(n)
		t.Logf("node %d: CPUs %v, distances %v", n, cpus, distancesFrom(top, n))
		all = append(all, cpus...)
		for _, m := range top.Nodes() {
			if d := top.Distance(n, m); d <= 0 {
				t.Errorf("Distance(%d, %d) = %d; want a positive distance", n, m, d)
			}
		}
		if _, ok := slices.BinarySearch(top.Possible(), n); !ok {
			t.Errorf("node %d is online but not in Possible() = %v", n, top.Possible())
		}
	}
	slices.Sort(all)
	if !slices.Equal(all, online) {
		t.Errorf("the nodes hold CPUs %v; /sys/%s lists %v", all, cpuOnlinePath, online)
	}
}

func distancesFrom(top *Topology, n int) []int {
	var ds []int
	for _, m := range top.Nodes() {
		ds = append(ds, top.Distance(n, m))
	}
	return ds
}

func TestLoad(t *testing.T) {
	top, err := Load()
	if top == nil {
		t.Fatal("Load returned a nil Topology")
	}
	again, err2 := Load()
	if again != top || err2 != err {
		t.Errorf("second Load = %p, %v; want the first's %p, %v", again, err2, top, err)
	}
	want, rerr := Read(os.DirFS("/sys"))
	switch {
	case (runtime.GOOS == "linux" || runtime.GOOS == "android") && rerr == nil:
		if err != nil {
			t.Fatalf("Load: %v, though Read(/sys) succeeds", err)
		}
		if !slices.Equal(top.Nodes(), want.Nodes()) {
			t.Errorf("Load().Nodes() = %v; Read(/sys) has %v", top.Nodes(), want.Nodes())
		}
		for _, n := range want.Nodes() {
			if !slices.Equal(top.CPUs(n), want.CPUs(n)) {
				t.Errorf("Load().CPUs(%d) = %v; Read(/sys) has %v", n, top.CPUs(n), want.CPUs(n))
			}
		}
	case runtime.GOOS != "linux" && runtime.GOOS != "android", errors.Is(rerr, ErrNoTopology):
		if err != nil {
			t.Errorf("Load: %v; want no error without sysfs", err)
		}
		checkFallback(t, top)
	default:
		if err == nil {
			t.Errorf("Load returned no error, though Read(/sys) fails with %v", rerr)
		}
		checkFallback(t, top)
	}
}

func TestFallback(t *testing.T) { checkFallback(t, fallback()) }

// checkFallback checks the topology Load assumes without sysfs.
func checkFallback(t *testing.T, top *Topology) {
	t.Helper()
	if got := top.Nodes(); !slices.Equal(got, []int{0}) {
		t.Fatalf("fallback Nodes() = %v; want [0]", got)
	}
	cpus := top.CPUs(0)
	if len(cpus) != runtime.NumCPU() || cpus[0] != 0 || cpus[len(cpus)-1] != runtime.NumCPU()-1 {
		t.Errorf("fallback CPUs(0) = %v; want 0 to %d", cpus, runtime.NumCPU()-1)
	}
	if d := top.Distance(0, 0); d != localDistance {
		t.Errorf("fallback Distance(0, 0) = %d; want %d", d, localDistance)
	}
}
