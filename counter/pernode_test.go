package counter

import (
	"runtime"
	"sync"
	"testing"
	"testing/fstest"
	"unsafe"

	"github.com/abacusgo/abacus/internal/cpu"
	"github.com/abacusgo/abacus/internal/numa"
)

// Every group of a PerNode fills whole cache lines, for any number of CPUs
// a node may have, so no line holds two nodes' cells.
func TestPerNodeGroupsOwnTheirLines(t *testing.T) {
	if runtime.GOARCH == "wasm" {
		t.Skip("wasm runs on one thread: no line is shared, and its allocator aligns to 16 bytes")
	}
	for n := 1; n <= 130; n++ {
		cs := newCells(n, nil)
		if a := uintptr(unsafe.Pointer(&cs.c[0])); a%uintptr(cpu.CacheLineSize) != 0 {
			t.Fatalf("%d cells start at %#x, not on a %d-byte line", n, a, cpu.CacheLineSize)
		}
	}
}

// Adds from every goroutine land in exactly one cell, node by node, while
// the zero value learns the topology and grows its groups.
func TestPerNodeExact(t *testing.T) {
	for _, p := range []*PerNode{{}, NewPerNode()} {
		const g, n = 8, 5000
		var wg sync.WaitGroup
		for i := range g {
			wg.Go(func() {
				for j := range n {
					p.Add(int64(j%5 - 1 + i%2))
				}
			})
		}
		wg.Wait()
		var want int64
		for i := range g {
			for j := range n {
				want += int64(j%5 - 1 + i%2)
			}
		}
		if got := p.Load(); got != want {
			t.Fatalf("Load() = %d; want %d", got, want)
		}
		if got := p.Drain(); got != want || p.Load() != 0 {
			t.Fatalf("Drain() = %d, then Load() = %d; want %d, 0", got, p.Load(), want)
		}
		if p.Nodes() < 1 {
			t.Fatalf("Nodes() = %d", p.Nodes())
		}
	}
}

// On a two-socket topology, each node gets its own group sized to its CPUs,
// a CPU's rank is its place among its node's CPUs, and Load and Drain sum
// every group.
func TestPerNodeTwoSockets(t *testing.T) {
	fsys := fstest.MapFS{}
	for name, data := range map[string]string{
		"node/online":         "0-1\n",
		"node/node0/cpulist":  "0-3,8-11\n",
		"node/node1/cpulist":  "4-7,12-15\n",
		"node/node0/distance": "10 21\n",
		"node/node1/distance": "21 10\n",
		"cpu/online":          "0-15\n",
	} {
		fsys["devices/system/"+name] = &fstest.MapFile{Data: []byte(data)}
	}
	top, err := numa.Read(fsys)
	if err != nil {
		t.Fatal(err)
	}
	p := &PerNode{}
	p.groups.Store(newNodeGroups(top))
	for cpu, rank := range map[int]int32{0: 0, 3: 3, 8: 4, 11: 7, 4: 0, 12: 4, 15: 7} {
		if got := p.groups.Load().rank[cpu]; got != rank {
			t.Errorf("rank of CPU %d = %d; want %d", cpu, got, rank)
		}
	}
	p.grow(1, 7).c[7].v.Add(5) // an add from CPU 15, on node 1
	if n := len(p.groups.Load().g[1].c); n != 8 {
		t.Fatalf("node 1 has %d cells; want 8, one per CPU", n)
	}
	p.Add(2) // from this machine's CPU: node 0's group, or by P
	if got := p.Load(); got != 7 {
		t.Fatalf("Load() = %d; want 7", got)
	}
	if g := p.groups.Load(); g.g[0] == nil || len(g.g[0].c) < 8 {
		t.Fatalf("node 0's group was not sized to its 8 CPUs: %v", g.g[0])
	}
	p.grow(1, 20).c[20].v.Add(1) // a CPU beyond the group: it grows, keeping the old cells
	if got := p.Drain(); got != 8 || p.Load() != 0 {
		t.Fatalf("Drain() = %d, then Load() = %d; want 8, 0", got, p.Load())
	}
}
