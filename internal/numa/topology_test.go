package numa

import (
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// sysfs returns a fake /sys holding files, named relative to
// devices/system (so "node/online" is /sys/devices/system/node/online).
func sysfs(files map[string]string) fstest.MapFS {
	m := fstest.MapFS{}
	for name, data := range files {
		m["devices/system/"+name] = &fstest.MapFile{Data: []byte(data)}
	}
	return m
}

// twoSockets is a two-socket machine that numbers its CPUs across the sockets
// before it numbers their hyperthreads, as many BIOSes do.
var twoSockets = map[string]string{
	"node/online":            "0-1\n",
	"node/possible":          "0-1\n",
	"node/node0/cpulist":     "0-3,8-11\n",
	"node/node1/cpulist":     "4-7,12-15\n",
	"node/node0/distance":    "10 21\n",
	"node/node1/distance":    "21 10\n",
	"cpu/online":             "0-15\n",
	"node/node0/meminfo":     "Node 0 MemTotal: 1 kB\n", // files Read does not read
	"node/node1/cpu4/uevent": "",
}

// with returns a copy of files with the changes applied; an empty change
// deletes the file.
func with(files map[string]string, changes map[string]string) map[string]string {
	m := maps.Clone(files)
	for name, data := range changes {
		if data == "" {
			delete(m, name)
		} else {
			m[name] = data
		}
	}
	return m
}

func mustRead(t *testing.T, fsys fs.FS) *Topology {
	t.Helper()
	top, err := Read(fsys)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return top
}

// checkNodes checks the online nodes and, node by node, their CPUs, that
// NodeOf maps each of those CPUs back, and that Index is dense.
func checkNodes(t *testing.T, top *Topology, cpus map[int][]int) {
	t.Helper()
	nodes := slices.Sorted(maps.Keys(cpus))
	if got := top.Nodes(); !slices.Equal(got, nodes) {
		t.Errorf("Nodes() = %v; want %v", got, nodes)
	}
	if got := top.NumNodes(); got != len(nodes) {
		t.Errorf("NumNodes() = %d; want %d", got, len(nodes))
	}
	for i, n := range nodes {
		if got := top.Index(n); got != i {
			t.Errorf("Index(%d) = %d; want %d", n, got, i)
		}
		got := top.CPUs(n)
		if got == nil || !slices.Equal(got, cpus[n]) {
			t.Errorf("CPUs(%d) = %#v; want %v", n, got, cpus[n])
		}
		for _, c := range cpus[n] {
			if got := top.NodeOf(c); got != n {
				t.Errorf("NodeOf(%d) = %d; want %d", c, got, n)
			}
		}
	}
}

// checkDistances checks Distance for every pair of the online nodes.
func checkDistances(t *testing.T, top *Topology, want [][]int) {
	t.Helper()
	nodes := top.Nodes()
	for i, a := range nodes {
		for j, b := range nodes {
			if got := top.Distance(a, b); got != want[i][j] {
				t.Errorf("Distance(%d, %d) = %d; want %d", a, b, got, want[i][j])
			}
		}
	}
}

func TestReadOneNode(t *testing.T) {
	top := mustRead(t, sysfs(map[string]string{
		"node/online":         "0\n",
		"node/possible":       "0\n",
		"node/node0/cpulist":  "0-3\n",
		"node/node0/distance": "10\n",
		"cpu/online":          "0-3\n",
	}))
	checkNodes(t, top, map[int][]int{0: {0, 1, 2, 3}})
	checkDistances(t, top, [][]int{{10}})
	for _, c := range []int{-1, 4, 1 << 20} {
		if got := top.NodeOf(c); got != -1 {
			t.Errorf("NodeOf(%d) = %d; want -1", c, got)
		}
	}
	for _, n := range []int{-1, 1} {
		if got := top.Index(n); got != -1 {
			t.Errorf("Index(%d) = %d; want -1", n, got)
		}
		if got := top.CPUs(n); got != nil {
			t.Errorf("CPUs(%d) = %v; want nil", n, got)
		}
		if got := top.Distance(0, n); got != -1 {
			t.Errorf("Distance(0, %d) = %d; want -1", n, got)
		}
		if got := top.Distance(n, 0); got != -1 {
			t.Errorf("Distance(%d, 0) = %d; want -1", n, got)
		}
	}
}

func TestReadTwoSockets(t *testing.T) {
	top := mustRead(t, sysfs(twoSockets))
	checkNodes(t, top, map[int][]int{
		0: {0, 1, 2, 3, 8, 9, 10, 11},
		1: {4, 5, 6, 7, 12, 13, 14, 15},
	})
	checkDistances(t, top, [][]int{{10, 21}, {21, 10}})
	if got := top.Possible(); !slices.Equal(got, []int{0, 1}) {
		t.Errorf("Possible() = %v; want [0 1]", got)
	}
	// The slices are copies: changing them leaves the Topology alone.
	top.Nodes()[0] = 7
	top.CPUs(0)[0] = 7
	top.Possible()[0] = 7
	checkNodes(t, top, map[int][]int{
		0: {0, 1, 2, 3, 8, 9, 10, 11},
		1: {4, 5, 6, 7, 12, 13, 14, 15},
	})
	if got := top.Possible(); got[0] != 0 {
		t.Errorf("Possible()[0] = %d after changing a copy; want 0", got[0])
	}
}

// TestReadFourNodes reads a machine with CPUs offline and a node with memory
// but no CPUs (as CXL or HBM memory appears): node 0 lists CPU 3, which is
// offline (a kernel may list it while it goes down); CPUs 12-15 are offline
// and listed nowhere, as x86 kernels do.
func TestReadFourNodes(t *testing.T) {
	top := mustRead(t, sysfs(map[string]string{
		"node/online":         "0-3\n",
		"node/possible":       "0-7\n",
		"node/node0/cpulist":  "0-3\n",
		"node/node1/cpulist":  "4-11\n",
		"node/node2/cpulist":  "16-19\n",
		"node/node3/cpulist":  "\n",
		"node/node0/distance": "10 16 16 28\n",
		"node/node1/distance": "16 10 16 28\n",
		"node/node2/distance": "16 16 10 28\n",
		"node/node3/distance": "28 28 28 10\n",
		"cpu/online":          "0-2,4-11,16-19\n",
	}))
	checkNodes(t, top, map[int][]int{
		0: {0, 1, 2},
		1: {4, 5, 6, 7, 8, 9, 10, 11},
		2: {16, 17, 18, 19},
		3: {},
	})
	checkDistances(t, top, [][]int{
		{10, 16, 16, 28},
		{16, 10, 16, 28},
		{16, 16, 10, 28},
		{28, 28, 28, 10},
	})
	for _, c := range []int{3, 12, 15, 20} {
		if got := top.NodeOf(c); got != -1 {
			t.Errorf("NodeOf(%d) = %d for an offline CPU; want -1", c, got)
		}
	}
	if got := top.Possible(); !slices.Equal(got, []int{0, 1, 2, 3, 4, 5, 6, 7}) {
		t.Errorf("Possible() = %v; want 0 to 7", got)
	}
	if got := top.Index(5); got != -1 {
		t.Errorf("Index(5) = %d for a possible node that is offline; want -1", got)
	}
}

// TestReadSparseNodes reads a machine whose node 0 is offline: the kernel
// writes each distance line with a leading space then.
func TestReadSparseNodes(t *testing.T) {
	top := mustRead(t, sysfs(map[string]string{
		"node/online":         "1,3\n",
		"node/possible":       "0-3\n",
		"node/node1/cpulist":  "0-1\n",
		"node/node3/cpulist":  "2-3\n",
		"node/node1/distance": " 10 17\n",
		"node/node3/distance": " 17 10\n",
		"cpu/online":          "0-3\n",
	}))
	checkNodes(t, top, map[int][]int{1: {0, 1}, 3: {2, 3}})
	checkDistances(t, top, [][]int{{10, 17}, {17, 10}})
	for _, n := range []int{0, 2, 4} {
		if got := top.Index(n); got != -1 {
			t.Errorf("Index(%d) = %d; want -1", n, got)
		}
	}
}

func TestReadOptionalFiles(t *testing.T) {
	t.Run("no distance", func(t *testing.T) {
		top := mustRead(t, sysfs(with(twoSockets, map[string]string{
			"node/node0/distance": "",
			"node/node1/distance": "",
		})))
		checkDistances(t, top, [][]int{{10, 20}, {20, 10}})
	})
	t.Run("one distance", func(t *testing.T) {
		top := mustRead(t, sysfs(with(twoSockets, map[string]string{"node/node1/distance": ""})))
		checkDistances(t, top, [][]int{{10, 21}, {20, 10}})
	})
	t.Run("no possible", func(t *testing.T) {
		top := mustRead(t, sysfs(with(twoSockets, map[string]string{"node/possible": ""})))
		if got := top.Possible(); !slices.Equal(got, []int{0, 1}) {
			t.Errorf("Possible() = %v; want the online nodes [0 1]", got)
		}
	})
	t.Run("no cpu online", func(t *testing.T) {
		// Every CPU a node lists counts as online.
		top := mustRead(t, sysfs(with(twoSockets, map[string]string{
			"cpu/online":         "",
			"node/node1/cpulist": "4-7,12-17\n",
		})))
		checkNodes(t, top, map[int][]int{
			0: {0, 1, 2, 3, 8, 9, 10, 11},
			1: {4, 5, 6, 7, 12, 13, 14, 15, 16, 17},
		})
	})
	t.Run("no numa", func(t *testing.T) {
		// A kernel without NUMA: no devices/system/node at all.
		top := mustRead(t, sysfs(map[string]string{"cpu/online": "0-5\n", "cpu/possible": "0-7\n"}))
		checkNodes(t, top, map[int][]int{0: {0, 1, 2, 3, 4, 5}})
		checkDistances(t, top, [][]int{{10}})
		if got := top.Possible(); !slices.Equal(got, []int{0}) {
			t.Errorf("Possible() = %v; want [0]", got)
		}
	})
}

func TestReadNoTopology(t *testing.T) {
	for name, fsys := range map[string]fs.FS{
		"empty":     fstest.MapFS{},
		"other":     fstest.MapFS{"etc/hostname": {Data: []byte("vm\n")}},
		"cpu only":  sysfs(map[string]string{"cpu/possible": "0-3\n"}),
		"empty dir": os.DirFS(t.TempDir()),
	} {
		top, err := Read(fsys)
		if !errors.Is(err, ErrNoTopology) || errors.Is(err, ErrMalformed) || top != nil {
			t.Errorf("%s: Read = %v, %v; want nil and an error wrapping ErrNoTopology only", name, top, err)
		}
	}
}

func TestReadMalformed(t *testing.T) {
	for _, c := range []struct {
		name    string
		changes map[string]string
		want    string // in the error
	}{
		{"empty element", map[string]string{"node/node0/cpulist": "0-3,,8-11\n"}, "node/node0/cpulist"},
		{"backwards range", map[string]string{"node/node0/cpulist": "3-0\n"}, "node/node0/cpulist"},
		{"overlap", map[string]string{"node/node0/cpulist": "0-3,2-11\n"}, "node/node0/cpulist"},
		{"not a number", map[string]string{"node/node1/cpulist": "four\n"}, "node/node1/cpulist"},
		{"trailing space", map[string]string{"node/node1/cpulist": "4-7,12-15 \n"}, "node/node1/cpulist"},
		{"huge range", map[string]string{"node/node1/cpulist": "4-4000000000\n"}, "node/node1/cpulist"},
		{"cpulist missing", map[string]string{"node/node1/cpulist": ""}, "node/node1/cpulist"},
		{"cpu in two nodes", map[string]string{"node/node1/cpulist": "3-7,12-15\n"}, "CPU 3"},
		{"no node online", map[string]string{"node/online": "\n"}, "node/online"},
		{"node online missing", map[string]string{"node/online": ""}, "online"},
		{"node online malformed", map[string]string{"node/online": "0-1,\n"}, "node/online"},
		{"online not possible", map[string]string{"node/possible": "0\n"}, "node 1"},
		{"possible malformed", map[string]string{"node/possible": "0-\n"}, "node/possible"},
		{"cpu online malformed", map[string]string{"cpu/online": "0-15,\n"}, "cpu/online"},
		{"too few distances", map[string]string{"node/node1/distance": "10\n"}, "node/node1/distance"},
		{"too many distances", map[string]string{"node/node0/distance": "10 21 21\n"}, "node/node0/distance"},
		{"distance not a number", map[string]string{"node/node0/distance": "10 far\n"}, "node/node0/distance"},
	} {
		top, err := Read(sysfs(with(twoSockets, c.changes)))
		if !errors.Is(err, ErrMalformed) || top != nil {
			t.Errorf("%s: Read = %v, %v; want nil and an error wrapping ErrMalformed", c.name, top, err)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q does not mention %q", c.name, err, c.want)
		}
	}
}

// errFS fails to open one file with err.
type errFS struct {
	fs.FS
	name string
	err  error
}

func (e errFS) Open(name string) (fs.File, error) {
	if name == e.name {
		return nil, &fs.PathError{Op: "open", Path: name, Err: e.err}
	}
	return e.FS.Open(name)
}

func TestReadError(t *testing.T) {
	for _, name := range []string{
		"devices/system/cpu/online",
		"devices/system/node/online",
		"devices/system/node/possible",
		"devices/system/node/node1/cpulist",
		"devices/system/node/node0/distance",
	} {
		top, err := Read(errFS{sysfs(twoSockets), name, fs.ErrPermission})
		if !errors.Is(err, fs.ErrPermission) || errors.Is(err, ErrMalformed) || top != nil {
			t.Errorf("%s unreadable: Read = %v, %v; want nil and the permission error, not ErrMalformed", name, top, err)
		}
	}
}

// TestReadDirFS reads the two-socket tree from files on disk.
func TestReadDirFS(t *testing.T) {
	dir := t.TempDir()
	for name, data := range twoSockets {
		path := filepath.Join(dir, "devices", "system", filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	top := mustRead(t, os.DirFS(dir))
	checkNodes(t, top, map[int][]int{
		0: {0, 1, 2, 3, 8, 9, 10, 11},
		1: {4, 5, 6, 7, 12, 13, 14, 15},
	})
	checkDistances(t, top, [][]int{{10, 21}, {21, 10}})
}
