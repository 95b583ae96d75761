// Package counter holds the counting primitives of Abacus: a plain atomic
// Counter and Gauge, Max, Min, Capped and Latch, and the counters that scale
// across cores: Striped (random padded cells), PerCPU (one cell per P),
// PerNode (one cell per CPU, grouped by NUMA node), Adaptive (Java's
// LongAdder: one word until contended, then cells) and Sloppy
// (goroutine-local batches). Window and EWMA turn counts into rates;
// Snapshot publishes a coherent view of several counters.
//
// # Concurrency
//
// Every method of every type is safe for concurrent use unless its doc says
// otherwise (only Local is owned by one goroutine). Values must not be copied
// after first use; go vet reports copies.
//
// # Exactness
//
// Every counter is exact: its total equals the sum of all adds, under any
// interleaving, Drain and GOMAXPROCS change. What differs is when a reader
// sees an add. Load on a one-word type is linearizable. Load on a sharded
// type sums its cells one by one: it includes every add that finished before
// Load began, may include some that run concurrently, and is not an atomic
// snapshot across cells. Sloppy.Load may lag further, by a stated bound.
//
// Drain takes what has accumulated and leaves the rest: the sum of all drains
// plus the final Load equals the sum of all adds, nothing lost and nothing
// counted twice, for sharded types too.
//
// # Choosing
//
// Counter costs one word and is the fastest when few goroutines write it.
// Adaptive costs three words until writers collide, then grows to one cache
// line per P; it is the default choice when contention is unknown. PerCPU
// pays for its cells up front and never takes the uncontended path; PerNode
// is its layout for multi-socket machines, where no line is shared between
// nodes (docs/numa.md says what that can gain). Striped
// needs no runtime hooks but collides more. Sloppy is the cheapest per add
// when a goroutine adds in a tight loop and a slightly stale total is fine.
// See docs/BENCHMARKS.md for measured ratios.
package counter

// noCopy makes go vet's copylocks check report copies of the types that embed
// it (see sync.noCopy).
type noCopy struct{}

func (*noCopy) Lock()   {}
func (*noCopy) Unlock() {}
