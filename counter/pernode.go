package counter

import (
	"sync"
	"sync/atomic"

	"github.com/abacusgo/abacus/internal/cpu"
	"github.com/abacusgo/abacus/internal/numa"
)

// A PerNode is a counter with one padded cell per CPU, the cells grouped by
// NUMA node: each node's cells are one allocation of whole cache lines, so a
// node's writers never share a line with another node's, and Load and Drain
// sum the counter node by node. It is the node-aware layout of PerCPU; see
// docs/numa.md for what it can and cannot gain.
//
// A writer's cell is chosen by the CPU its thread runs on, which the
// operating system reports (internal/numa's CurrentCPU on Linux: RDPID or
// LSL on amd64, the getcpu system call on other ports), about 10 ns with
// RDPID, paid only when the cached cell is wrong. As PerCPU caches a goroutine's P,
// PerNode caches its node and CPU per stack-address hash, and asks again
// only when an add notices, from the value its atomic add returns, that
// another writer touched the cell at the same moment, or when the cached cell
// does not exist. The cache may be stale (the OS moved the thread, or the
// goroutine moved to another thread): that costs line transfers until the
// next collision, never counts, since every add is atomic and Load reads
// every cell. Where the OS does not say (other systems, js/wasm), PerNode
// keeps one group indexed by P, which is PerCPU's layout.
//
// Add is exact; Load is not an atomic snapshot across cells (see the
// package doc). A PerNode costs 64 bytes per online CPU on amd64 (node 0's
// group holds at least one cell per P, for the case where the OS does not
// say), plus at most as much again for arrays it outgrew. The zero value is ready to use;
// it reads the topology (once per process) and allocates a node's cells on
// the first Add from that node.
type PerNode struct {
	_      noCopy
	groups atomic.Pointer[nodeGroups]
	mu     sync.Mutex // serialises growth
}

// nodeGroups is the cells of a PerNode: one chain per dense node index
// (numa.Topology.Index), each indexed by a CPU's rank among its node's CPUs,
// or, where the OS cannot say which CPU a thread is on, one chain indexed by
// P. A group is replaced (with its old cells linked, as in cells) when it
// needs a larger one; nodeGroups itself is immutable.
type nodeGroups struct {
	g    []*cells
	top  *numa.Topology
	rank []int32 // CPU -> rank among its node's CPUs
}

// nodeHints caches, per stack-hash bucket as cpu.hints does, the group and
// cell (group<<16 | rank) a goroutine of the bucket last learned.
var nodeHints [1 << 10]atomic.Int32

// NewPerNode returns a PerNode with the cells of every node allocated.
func NewPerNode() *PerNode {
	p := &PerNode{}
	gs := p.load()
	for i := range gs.g {
		p.grow(i, groupSize(gs, i)-1)
	}
	return p
}

// Add adds d, which may be negative.
func (p *PerNode) Add(d int64) {
	h := cpu.StackHash()
	if gs := p.groups.Load(); gs != nil {
		hint := int(nodeHints[h>>54].Load())
		if g := hint >> 16; g < len(gs.g) {
			if cs, r := gs.g[g], hint&0xffff; cs != nil && r < len(cs.c) {
				c := &cs.c[r].v
				v := c.Load()
				if c.Add(d) == v+d {
					return
				}
				d = 0 // it landed; what is left is learning the CPU again
			}
		}
	}
	p.slow(d, h)
}

// slow learns where the caller runs, caches it and adds d to that cell,
// growing the group if it has no cell for it yet.
func (p *PerNode) slow(d int64, h uint64) {
	gs := p.load()
	g, r := 0, -1
	if c, node, ok := numa.CurrentCPU(); ok && len(gs.g) > 0 && c < len(gs.rank) && gs.rank[c] >= 0 {
		if i := gs.top.Index(node); i >= 0 && i < len(gs.g) {
			g, r = i, int(gs.rank[c])
		}
	}
	if r < 0 { // the OS does not say: one group, by P
		g, r = 0, cpu.Rehint(h)
	}
	if r > 0xffff {
		r &= 0xffff // beyond what the hint holds: share a cell, still exact
	}
	nodeHints[h>>54].Store(int32(g<<16 | r))
	cs := gs.g[g]
	if cs == nil || r >= len(cs.c) {
		cs = p.grow(g, r)
	}
	if d != 0 {
		cs.c[r].v.Add(d)
	}
}

// load returns the groups, reading the topology on first use.
func (p *PerNode) load() *nodeGroups {
	if gs := p.groups.Load(); gs != nil {
		return gs
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if gs := p.groups.Load(); gs != nil {
		return gs
	}
	top, _ := numa.Load() // on an error, the one-node topology Load returns
	gs := newNodeGroups(top)
	p.groups.Store(gs)
	return gs
}

// newNodeGroups returns empty groups for the nodes of top.
func newNodeGroups(top *numa.Topology) *nodeGroups {
	gs := &nodeGroups{g: make([]*cells, top.NumNodes()), top: top}
	for _, node := range top.Nodes() {
		for r, c := range top.CPUs(node) {
			for len(gs.rank) <= c {
				gs.rank = append(gs.rank, -1)
			}
			gs.rank[c] = int32(r)
		}
	}
	return gs
}

// groupSize returns how many cells group i starts with: one per CPU of its
// node, and at least one per P in the group used when the OS cannot say
// which CPU a thread is on.
func groupSize(gs *nodeGroups, i int) int {
	n := len(gs.top.CPUs(gs.top.Nodes()[i]))
	if i == 0 {
		n = max(n, cpu.Procs())
	}
	return max(n, 1)
}

// grow returns group g with a cell for rank r, installing a larger group if
// the current one is too small.
func (p *PerNode) grow(g, r int) *cells {
	p.mu.Lock()
	defer p.mu.Unlock()
	gs := p.groups.Load()
	old := gs.g[g]
	if old != nil && r < len(old.c) {
		return old
	}
	n := max(r+1, groupSize(gs, g))
	if old != nil {
		n = max(n, 2*len(old.c))
	}
	next := &nodeGroups{g: append([]*cells(nil), gs.g...), top: gs.top, rank: gs.rank}
	next.g[g] = newCells(n, old)
	p.groups.Store(next)
	return next.g[g]
}

// Inc adds one.
func (p *PerNode) Inc() { p.Add(1) }

// Load returns the sum of the cells, node by node.
func (p *PerNode) Load() int64 { return p.total((*cells).sum) }

// Drain takes the sum of the cells, node by node, and leaves zero behind.
func (p *PerNode) Drain() int64 { return p.total((*cells).drain) }

// total applies read to each node's cells in turn and adds up the results.
func (p *PerNode) total(read func(*cells) int64) int64 {
	gs := p.groups.Load()
	if gs == nil {
		return 0
	}
	var t int64
	for _, cs := range gs.g {
		t += read(cs)
	}
	return t
}

// Nodes returns how many groups of cells the counter has: the online NUMA
// nodes, or 0 before the zero value's first Add.
func (p *PerNode) Nodes() int {
	if gs := p.groups.Load(); gs != nil {
		return len(gs.g)
	}
	return 0
}
