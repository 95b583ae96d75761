// Package numa tells the sharded counters about the machine's NUMA layout:
// which nodes there are, which CPUs belong to each, how far apart the nodes
// are (Read, Load), and which CPU and node the calling thread runs on now
// (CurrentCPU). It imports only the standard library and golang.org/x/sys.
// Everything in it is safe for concurrent use.
//
// # Learning a writer's node
//
// A P (the runtime's logical processor) is not a CPU. The runtime runs each
// P on some OS thread (an M), and the OS runs that thread on whichever CPU
// its scheduler picks, and may move it to another CPU, or another node, at
// any moment. So a P index says nothing about where a writer is.
//
// CurrentCPU asks: on Linux it returns the CPU and node the thread is on at
// the instant of the call. The counters are meant to ask when they already
// pay to learn the P: in cpu.Rehint, which they call only when an add
// notices another writer on its cell or finds no cell for its cached P.
// There the node would be cached beside the P id, mapped to a dense index
// with Topology.Index (node ids can be sparse) and used to choose the group
// of cells an add goes to, until the next Rehint. Asking costs about 10 ns
// on amd64 with RDPID and a system call elsewhere (see CurrentCPU), paid per
// Rehint, not per add.
//
// That cached node can be stale for as long as the P id can, and in one more
// way. The goroutine may move to another P and thread (the next collision
// makes it Rehint), and the OS may move the thread, with its P, to a CPU on
// another node: then the P does not change, no add collides because of it,
// and the goroutine keeps writing its old node's cells until something else
// makes it Rehint. Correctness never depends on the node: every add is
// atomic on whatever cell it chose, and a read sums every cell, so a stale
// or wrong node only costs cache-line transfers between nodes.
//
// # What P modulo the node count is not
//
// Grouping cells by P index modulo the node count (P 0, 2, 4 in group 0,
// P 1, 3, 5 in group 1) looks like a per-node layout and is not one. Which
// CPU a P's thread runs on has nothing to do with the P's index, so group 0
// receives adds from every node, and the cells a node's writers touch are
// scattered over all groups just as in the plain per-P array. It is the
// plain layout with its cells reordered: any difference it measures is
// noise or an accident of where the OS placed the threads on that run. Node
// awareness needs the node the thread is actually on, which only the OS
// knows (CurrentCPU), and it needs it again after the thread moves.
//
// # Topology
//
// Read parses sysfs strictly: a file that is there but does not parse is an
// error wrapping ErrMalformed, while files a real machine may lack (node
// distances, devices/system/cpu/online) have documented defaults. Load reads
// /sys once per process; on other OSes and where sysfs is missing it returns
// a single node holding CPUs 0 to runtime.NumCPU()-1. The design of a node-aware
// counter layout, and what to expect of it, is in docs/numa.md.
package numa
