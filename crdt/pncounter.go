package crdt

// A PNCounter is a counter that goes up and down, replicated across nodes:
// each node's entry holds its increments (P) and decrements (N) as two
// grow-only totals, and the value is the sum of P minus the sum of N. It is
// what a login counter needs: logins add, logouts subtract, and replicas that
// were partitioned converge to the exact total when they merge.
//
// All methods are safe for concurrent use, with the contract of GCounter.
type PNCounter struct{ r *replica }

// NewPNCounter returns the replica of node id, at zero. It returns an error
// wrapping ErrInvalid if id is not a valid node ID (see ValidNode).
func NewPNCounter(id string) (*PNCounter, error) {
	r, err := newReplica(PN, id)
	if err != nil {
		return nil, err
	}
	return &PNCounter{r}, nil
}

// Node returns the replica's node ID.
func (c *PNCounter) Node() string { return c.r.id }

// Add adds d, which may be negative, to this node's entry. The entry records
// the net local change: increments and decrements that cancel between two
// syncs grow neither P nor N.
func (c *PNCounter) Add(d int64) { c.r.local.Add(d) }

// Inc adds 1.
func (c *PNCounter) Inc() { c.r.local.Add(1) }

// Dec subtracts 1.
func (c *PNCounter) Dec() { c.r.local.Add(-1) }

// Value returns the counter's value as this replica knows it (see
// GCounter.Value).
func (c *PNCounter) Value() int64 { return c.r.value() }

// State returns the full state (see GCounter.State).
func (c *PNCounter) State() State { return c.r.deltaSince(Cursor{}) }

// DeltaSince returns what changed after cursor (see GCounter.DeltaSince).
func (c *PNCounter) DeltaSince(cursor Cursor) State { return c.r.deltaSince(cursor) }

// Merge joins s into this replica (see GCounter.Merge).
func (c *PNCounter) Merge(s State) error { return c.r.merge(&s) }

// Retire freezes this replica and returns the handoff for heir (see
// GCounter.Retire).
func (c *PNCounter) Retire(heir string) (State, error) { return c.r.retire(heir) }

// Absorb folds a retired node's handoff into this replica (see
// GCounter.Absorb).
func (c *PNCounter) Absorb(handoff State) error { return c.r.absorb(&handoff) }

// Evict folds a crashed node's entry into this replica (see GCounter.Evict).
func (c *PNCounter) Evict(node string) error { return c.r.evict(node) }

// Nodes returns how many nodes have an entry and how many a tombstone (see
// GCounter.Nodes).
func (c *PNCounter) Nodes() (live, retired int) { return c.r.nodes() }

// Dropped returns the net sum of adds made after the replica retired.
func (c *PNCounter) Dropped() int64 { return c.r.droppedAdds() }
