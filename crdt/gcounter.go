package crdt

// A GCounter is a grow-only counter replicated across nodes: each node adds
// to its own entry and replicas converge by merging States, taking the
// pointwise maximum of the entries.
//
// All methods are safe for concurrent use. Add and Value take no lock: Add is
// an Adaptive counter's add, and Value is exact at quiescence and otherwise
// includes every add and merge that finished before it began. Merge,
// DeltaSince, Retire, Absorb and Evict serialise on a mutex.
type GCounter struct{ r *replica }

// NewGCounter returns the replica of node id, at zero. It returns an error
// wrapping ErrInvalid if id is not a valid node ID (see ValidNode). Node IDs
// must be unique among live replicas and must not be reused by a replica that
// lost its state (RestoreGCounter brings back one that kept its total); see
// the package doc.
func NewGCounter(id string) (*GCounter, error) {
	r, err := newReplica(G, id)
	if err != nil {
		return nil, err
	}
	return &GCounter{r}, nil
}

// Node returns the replica's node ID.
func (c *GCounter) Node() string { return c.r.id }

// Add adds n to this node's entry. Adds made after the replica retired are
// not counted (see Dropped).
func (c *GCounter) Add(n uint64) { c.r.local.Add(int64(n)) }

// Inc adds 1.
func (c *GCounter) Inc() { c.r.local.Add(1) }

// Value returns the counter's value as this replica knows it: its own adds
// plus everything merged into it, wrapping modulo 2^64. After the replica
// retires, Value is frozen at its value then.
func (c *GCounter) Value() uint64 { return uint64(c.r.value()) }

// State returns the full state, to send to a replica that has nothing from
// this one. It equals DeltaSince(Cursor{}).
func (c *GCounter) State() State { return c.r.deltaSince(Cursor{}) }

// DeltaSince returns what changed after cursor: the entries and tombstones
// this replica changed since, and the cursor to use next time. A cursor from
// another incarnation of the replica gets the full state.
func (c *GCounter) DeltaSince(cursor Cursor) State { return c.r.deltaSince(cursor) }

// Merge joins s, a full state, delta or handoff of any replica of this
// counter, into this one. It is idempotent, commutative and associative. It
// returns an error wrapping ErrInvalid or ErrKind, and merges nothing, if s
// is malformed or a PN state; ErrRetired if this replica retired; and
// ErrConflict, after merging, if s buried a node into another heir than
// this replica did.
func (c *GCounter) Merge(s State) error { return c.r.merge(&s) }

// Retire freezes this replica and returns the handoff for heir, the one
// replica that will Absorb its entry. Call it when the node stops for good,
// after its last Add; deliver the handoff to the heir until it is absorbed
// (absorbing it twice is harmless). Afterwards Value is frozen, Merge,
// Absorb, Evict and Retire return ErrRetired, and later adds are counted
// only by Dropped. If this replica learned that another evicted it, heir
// must be that one: Retire returns an error wrapping ErrConflict otherwise.
func (c *GCounter) Retire(heir string) (State, error) { return c.r.retire(heir) }

// Absorb folds a retired node's handoff into this replica's own entry and
// buries the node with a tombstone, so its old states, arriving again, count
// nothing. It returns nil for a handoff already absorbed; an error wrapping
// ErrNotHeir if the handoff names another heir; and an error wrapping
// ErrConflict, changing nothing, if this replica knows the node, or one of
// the nodes the handoff's tombstones name, as folded into another heir.
func (c *GCounter) Absorb(handoff State) error { return c.r.absorb(&handoff) }

// Evict folds node's entry, as this replica knows it, into its own and
// buries node with a tombstone holding the totals folded: the way to retire
// a node that crashed for good and cannot call Retire. Replicas that know
// more of node's entry count what exceeds those totals, so only adds that
// reached no surviving replica are lost, and none counts twice; calling
// Evict again folds in what arrived since. Evicting a node that is alive
// loses nothing: it goes on counting (see the package doc). Evict a node on
// one replica only: two replicas evicting the same node count it twice,
// which Merge reports as ErrConflict, and Evict returns an error wrapping
// ErrConflict if this replica knows node as folded into another heir.
func (c *GCounter) Evict(node string) error { return c.r.evict(node) }

// Nodes returns how many nodes have an entry in this replica (this one
// included) and how many have a tombstone. A node evicted with part of its
// entry in no heir has both.
func (c *GCounter) Nodes() (live, retired int) { return c.r.nodes() }

// Dropped returns the sum of adds made after the replica retired.
func (c *GCounter) Dropped() uint64 { return uint64(c.r.droppedAdds()) }
