package otelbridge

import (
	"maps"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
)

// A setCache maps attribute sets (by attribute.Distinct, the 64-bit hash the
// SDK keys its series by too) to what a measurement with that set records
// into: a series handle and the number of the set's keys the family has no
// label for.
//
// Reads (get) are lock-free and allocate nothing: a load of an immutable
// map. The other methods must be called under the owner's lock, which
// guards dirty, misses and max. Stores go to a dirty map, a superset of the read map, which is
// published (copied) once the reads that missed the read map outnumber its
// entries, as sync.Map does: amortised O(1) per store. The cache holds at
// most max entries; beyond that, set returns false and the caller records
// without caching, as for the label sets of a family over its cardinality
// limit, which all share its overflow series anyway.
type setCache[H any] struct {
	read atomic.Pointer[map[attribute.Distinct]entry[H]]

	dirty  map[attribute.Distinct]entry[H] // nil until the first store
	misses int
	max    int
}

// An entry is a cached attribute set's series handle, and the number of its
// attribute keys dropped (counted at every measurement).
type entry[H any] struct {
	h       H
	dropped uint32
}

func (c *setCache[H]) init(max int) {
	empty := map[attribute.Distinct]entry[H]{}
	c.read.Store(&empty)
	c.max = max
}

// get returns the entry of d, if cached. It is safe for concurrent use and
// allocates nothing.
func (c *setCache[H]) get(d attribute.Distinct) (entry[H], bool) {
	e, ok := (*c.read.Load())[d]
	return e, ok
}

// getLocked looks d up in the dirty map, counting the miss of the read map
// and publishing the dirty map when misses have paid for the copy.
func (c *setCache[H]) getLocked(d attribute.Distinct) (entry[H], bool) {
	if c.dirty == nil {
		return entry[H]{}, false
	}
	e, ok := c.dirty[d]
	if ok {
		c.missed()
	}
	return e, ok
}

// setLocked stores e for d and reports whether it was kept (false when the
// cache is full).
func (c *setCache[H]) setLocked(d attribute.Distinct, e entry[H]) bool {
	if c.dirty == nil {
		c.dirty = maps.Clone(*c.read.Load())
	}
	if len(c.dirty) >= c.max {
		return false
	}
	c.dirty[d] = e
	c.missed()
	return true
}

// missed counts a read that the read map could not answer, and publishes
// the dirty map once they outnumber its entries.
func (c *setCache[H]) missed() {
	c.misses++
	if read := *c.read.Load(); c.misses > len(read) || len(read) < 8 {
		m := maps.Clone(c.dirty)
		c.read.Store(&m)
		c.misses = 0
	}
}
