package numa

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
)

// ErrNoTopology is wrapped by the error Read returns when fsys holds neither
// devices/system/node nor devices/system/cpu/online: it is not a sysfs tree,
// or one without the files Read needs.
var ErrNoTopology = errors.New("no topology in sysfs")

// The sysfs paths Read reads, relative to the root of the fs.FS (/sys).
const (
	nodeDir       = "devices/system/node"
	cpuOnlinePath = "devices/system/cpu/online"
)

// The distances Linux assumes when firmware gives none (LOCAL_DISTANCE and
// REMOTE_DISTANCE in include/linux/topology.h).
const (
	localDistance  = 10
	remoteDistance = 20
)

// A Topology is the machine's NUMA layout as sysfs described it when it was
// read: the online nodes, the online CPUs of each, and the distances between
// nodes. It does not follow CPU or memory hotplug. A Topology is immutable
// and safe for concurrent use.
//
// Node ids can be sparse (nodes 0 and 2 online, node 1 not): Index maps a
// node id to a dense index in [0, NumNodes()), which is what an array of
// per-node state should be indexed by.
type Topology struct {
	nodes    []int   // online node ids, ascending
	possible []int   // possible node ids, ascending; a superset of nodes
	index    []int32 // node id -> dense index, or -1
	cpus     [][]int // dense index -> online CPUs of the node, ascending
	cpuNode  []int32 // CPU -> dense index of its node, or -1
	dist     []int   // dist[i*len(nodes)+j]: distance from dense i to dense j
}

// Read reads the topology from fsys, a file system rooted where sysfs is
// mounted (os.DirFS("/sys"), or an fstest.MapFS in tests). It reads:
//
//   - devices/system/node/online: the online nodes. Required when
//     devices/system/node exists.
//   - devices/system/node/possible: the nodes that may come online.
//     Optional; when missing, the online nodes.
//   - devices/system/node/nodeN/cpulist for each online node N: its CPUs.
//     Required; an empty list is a node with memory and no CPUs.
//   - devices/system/node/nodeN/distance: the distances from N to every
//     online node, in the order of the online list. Optional; when missing,
//     the distances from N are 10 to itself and 20 to any other node, as
//     Linux assumes without firmware tables.
//   - devices/system/cpu/online: the online CPUs. Optional; when present,
//     CPUs listed for a node but not online are left out of it.
//
// A Linux kernel built without NUMA has no devices/system/node; for such a
// tree Read returns one node, 0, holding the CPUs of devices/system/cpu/online.
// When neither exists the error wraps ErrNoTopology. A file that does not
// parse, a missing required file, a CPU listed in two nodes, an online node
// that is not possible, or a distance file with one entry too many or too few
// gives an error that wraps ErrMalformed. Other errors reading fsys are
// returned wrapped.
func Read(fsys fs.FS) (*Topology, error) {
	online, haveOnline, err := readList(fsys, cpuOnlinePath)
	if err != nil {
		return nil, err
	}
	nodes, haveNodes, err := readList(fsys, nodeDir+"/online")
	if err != nil {
		return nil, err
	}
	if !haveNodes {
		_, err := fs.Stat(fsys, nodeDir)
		switch {
		case err == nil:
			return nil, fmt.Errorf("numa: %w: %s has no online file", ErrMalformed, nodeDir)
		case !errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("numa: %w", err)
		case !haveOnline:
			return nil, fmt.Errorf("numa: %w: neither %s nor %s exists", ErrNoTopology, nodeDir, cpuOnlinePath)
		}
		return single(online), nil
	}
	if len(nodes) == 0 {
		return nil, fmt.Errorf("numa: %s/online: %w: no node is online", nodeDir, ErrMalformed)
	}
	possible, havePossible, err := readList(fsys, nodeDir+"/possible")
	if err != nil {
		return nil, err
	}
	if !havePossible {
		possible = nodes
	}
	for _, n := range nodes {
		if _, ok := slices.BinarySearch(possible, n); !ok {
			return nil, fmt.Errorf("numa: %w: node %d is online but not possible", ErrMalformed, n)
		}
	}

	t := newTopology(nodes, possible)
	var isOnline []bool // indexed by CPU; nil when every listed CPU counts as online
	if haveOnline {
		isOnline = make([]bool, online[len(online)-1]+1)
		for _, c := range online {
			isOnline[c] = true
		}
	}
	for i, n := range nodes {
		dir := nodeDir + "/node" + strconv.Itoa(n)
		cpus, ok, err := readList(fsys, dir+"/cpulist")
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("numa: %w: node %d is online but %s/cpulist does not exist", ErrMalformed, n, dir)
		}
		if isOnline != nil {
			cpus = slices.DeleteFunc(cpus, func(c int) bool { return c >= len(isOnline) || !isOnline[c] })
		}
		if err := t.setCPUs(i, cpus); err != nil {
			return nil, err
		}
		ds, ok, err := readFile(fsys, dir+"/distance", parseDistances)
		if err != nil {
			return nil, err
		}
		if ok {
			if len(ds) != len(nodes) {
				return nil, fmt.Errorf("numa: %s/distance: %w: %d distances for %d online nodes", dir, ErrMalformed, len(ds), len(nodes))
			}
			copy(t.dist[i*len(nodes):], ds)
		}
	}
	return t, nil
}

// single returns a topology of one node, 0, holding cpus.
func single(cpus []int) *Topology {
	t := newTopology([]int{0}, []int{0})
	t.setCPUs(0, cpus) // one node cannot list a CPU twice
	return t
}

// newTopology returns a topology of the given nodes with no CPUs and the
// default distances.
func newTopology(nodes, possible []int) *Topology {
	t := &Topology{
		nodes:    nodes,
		possible: possible,
		index:    make([]int32, nodes[len(nodes)-1]+1),
		cpus:     make([][]int, len(nodes)),
		dist:     make([]int, len(nodes)*len(nodes)),
	}
	for i := range t.index {
		t.index[i] = -1
	}
	for i, n := range nodes {
		t.index[n] = int32(i)
		for j := range nodes {
			t.dist[i*len(nodes)+j] = remoteDistance
		}
		t.dist[i*len(nodes)+i] = localDistance
	}
	return t
}

// setCPUs records cpus, ascending, as the CPUs of the node with dense index
// i. It fails if one of them already belongs to another node.
func (t *Topology) setCPUs(i int, cpus []int) error {
	t.cpus[i] = cpus
	if len(cpus) == 0 {
		return nil
	}
	if need := cpus[len(cpus)-1] + 1; need > len(t.cpuNode) {
		old := len(t.cpuNode)
		t.cpuNode = slices.Grow(t.cpuNode, need-old)[:need]
		for c := old; c < need; c++ {
			t.cpuNode[c] = -1
		}
	}
	for _, c := range cpus {
		if j := t.cpuNode[c]; j >= 0 {
			return fmt.Errorf("numa: %w: CPU %d is listed in nodes %d and %d", ErrMalformed, c, t.nodes[j], t.nodes[i])
		}
		t.cpuNode[c] = int32(i)
	}
	return nil
}

// readList reads and parses a file in the kernel's list format. It reports
// ok=false, with no error, when the file does not exist.
func readList(fsys fs.FS, name string) (ids []int, ok bool, err error) {
	return readFile(fsys, name, parseList)
}

// readFile reads name and parses it with parse. It reports ok=false, with no
// error, when the file does not exist; parse errors name the file.
func readFile(fsys fs.FS, name string, parse func(string) ([]int, error)) (ids []int, ok bool, err error) {
	b, err := fs.ReadFile(fsys, name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("numa: %w", err)
	}
	if ids, err = parse(string(b)); err != nil {
		return nil, false, fmt.Errorf("numa: %s: %w", name, err)
	}
	return ids, true, nil
}

// NumNodes returns the number of online nodes, at least 1.
func (t *Topology) NumNodes() int { return len(t.nodes) }

// Nodes returns the ids of the online nodes in ascending order, in a new
// slice. Nodes()[i] is the node whose Index is i.
func (t *Topology) Nodes() []int { return slices.Clone(t.nodes) }

// Possible returns the ids of the nodes that may be online, in ascending
// order, in a new slice: the online nodes and any that memory or CPU hotplug
// may bring online later. A node that comes online after Read is not in the
// Topology; read it again to see it.
func (t *Topology) Possible() []int { return slices.Clone(t.possible) }

// Index returns the dense index of the online node with the given id, in
// [0, NumNodes()), or -1 if no such node is online.
func (t *Topology) Index(node int) int {
	if node < 0 || node >= len(t.index) {
		return -1
	}
	return int(t.index[node])
}

// NodeOf returns the id of the node that cpu belongs to, or -1 if cpu is not
// an online CPU of any node. It costs two slice reads.
func (t *Topology) NodeOf(cpu int) int {
	if cpu < 0 || cpu >= len(t.cpuNode) || t.cpuNode[cpu] < 0 {
		return -1
	}
	return t.nodes[t.cpuNode[cpu]]
}

// CPUs returns the online CPUs of node in ascending order, in a new slice. It
// returns an empty slice for a node with memory and no CPUs, and nil for a
// node that is not online.
func (t *Topology) CPUs(node int) []int {
	i := t.Index(node)
	if i < 0 {
		return nil
	}
	return append([]int{}, t.cpus[i]...)
}

// Distance returns the distance from node a to node b as the kernel reports
// it, or -1 if a or b is not online. Distances come from firmware (the ACPI
// SLIT on x86): 10 from a node to itself, and for a remote node ten times
// the memory latency the firmware claims relative to local memory, so 21
// claims 2.1 times as slow.
func (t *Topology) Distance(a, b int) int {
	i, j := t.Index(a), t.Index(b)
	if i < 0 || j < 0 {
		return -1
	}
	return t.dist[i*len(t.nodes)+j]
}
