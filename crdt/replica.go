package crdt

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/abacusgo/abacus/counter"
)

var (
	// ErrRetired is returned by a replica that has retired (called Retire):
	// it no longer merges, hands off, absorbs or evicts, and counts later
	// adds only in Dropped. A replica that another one evicted is not
	// retired; see Evict.
	ErrRetired = errors.New("crdt: replica has retired")
	// ErrKind is returned when a State of one kind is merged into a counter
	// of the other.
	ErrKind = errors.New("crdt: state of another kind")
	// ErrNotHeir is returned by Absorb when the handoff names another heir.
	ErrNotHeir = errors.New("crdt: handoff names another heir")
	// ErrConflict is returned when two replicas folded the same node into
	// different heirs (Evict called on two replicas, or a node retired into
	// one replica after another evicted it): each heir's entry holds what it
	// folded of the node, so the value counts that much twice. Merge keeps
	// the first tombstone it saw, applies the rest of the state and returns
	// ErrConflict each time it meets the other; Absorb, Evict and Retire
	// refuse.
	ErrConflict = errors.New("crdt: node retired into two heirs")
)

// replica is the state machine behind GCounter and PNCounter.
//
// Local adds go to an Adaptive counter without a lock. The replica's own
// entry absorbs them lazily (sync), under mu, whenever a State is produced.
// base is kept so that the value is base + local.Load(): merges change base
// with one atomic store, so a lock-free reader never sees half a merge.
//
// A node's contribution to the value is its entry, less the totals of its
// tombstone if it has one (see grave): the part of its entry that no heir
// folded. The entry of a node with a tombstone is kept only while it exceeds
// the tombstone's totals, and then at least as high in both components.
type replica struct {
	kind  Kind
	id    string
	epoch uint64

	local counter.Adaptive
	base  atomic.Int64
	// frozen is set once the replica retires; Value returns *frozen from then on.
	frozen atomic.Pointer[int64]

	mu      sync.Mutex
	version uint64
	entries map[string]*slot // every node but this one that has an entry here
	retired map[string]*grave
	own     slot  // this node's entry
	synced  int64 // local.Load() already folded into own
}

type slot struct{ p, n, ver uint64 }

// grave is a tombstone: heir folded p and n of the node's entry into its own.
type grave struct {
	heir string
	p, n uint64
	ver  uint64
}

func newReplica(kind Kind, id string) (*replica, error) {
	if err := ValidNode(id); err != nil {
		return nil, err
	}
	return &replica{
		kind:    kind,
		id:      id,
		epoch:   1 + rand.Uint64N(1<<53-1), // exact in JSON and JavaScript
		entries: make(map[string]*slot),
		retired: make(map[string]*grave),
	}, nil
}

func (r *replica) value() int64 {
	if f := r.frozen.Load(); f != nil {
		return *f
	}
	return r.base.Load() + r.local.Load()
}

// net is what an entry adds to the value: all of it, or with a tombstone,
// what exceeds the tombstone's totals (e is at least g in both components).
func net(p, n uint64, g *grave) int64 {
	if g != nil {
		p, n = p-g.p, n-g.n
	}
	return int64(p - n)
}

// sync folds local adds into the own entry. Called with mu held.
func (r *replica) sync() {
	if r.frozen.Load() != nil {
		return
	}
	l := r.local.Load()
	d := l - r.synced
	if d == 0 {
		return
	}
	switch {
	case r.kind == G:
		r.own.p += uint64(d) // the G total only grows, modulo 2^64
	case d > 0:
		r.own.p += uint64(d)
	default:
		r.own.n += uint64(-d)
	}
	r.synced = l
	r.version++
	r.own.ver = r.version
	// own.p-own.n and synced grew by d together: base is unchanged.
}

// ownNet is the own entry's contribution to base: its contribution to the
// value minus the local adds already folded in (local.Load() counts those).
func (r *replica) ownNet() int64 { return net(r.own.p, r.own.n, r.retired[r.id]) - r.synced }

// netOf is node's contribution to base. Called with mu held.
func (r *replica) netOf(node string) int64 {
	if node == r.id {
		return r.ownNet()
	}
	if e := r.entries[node]; e != nil {
		return net(e.p, e.n, r.retired[node])
	}
	return 0
}

func (r *replica) deltaSince(c Cursor) State {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sync()
	since := c.Version
	if c.Epoch != r.epoch {
		since = 0
	}
	s := State{Kind: r.kind, Node: r.id, Cursor: Cursor{Epoch: r.epoch, Version: r.version}}
	if r.own.ver > since {
		// Evicted while alive, it sends its entry if some of it is in no heir.
		if g := r.retired[r.id]; g == nil || r.own.p != g.p || r.own.n != g.n {
			s.Entries = append(s.Entries, Entry{Node: r.id, P: r.own.p, N: r.own.n})
		}
	}
	for id, e := range r.entries {
		if e.ver > since {
			s.Entries = append(s.Entries, Entry{Node: id, P: e.p, N: e.n})
		}
	}
	for id, g := range r.retired {
		if g.ver > since {
			s.Retired = append(s.Retired, Tombstone{Node: id, Heir: g.heir, P: g.p, N: g.n})
		}
	}
	slices.SortFunc(s.Entries, func(a, b Entry) int { return strings.Compare(a.Node, b.Node) })
	slices.SortFunc(s.Retired, func(a, b Tombstone) int { return strings.Compare(a.Node, b.Node) })
	return s
}

func (r *replica) merge(s *State) error {
	if err := s.Validate(); err != nil {
		return err
	}
	if s.Kind != r.kind {
		return fmt.Errorf("%w: %v state into a %v counter", ErrKind, s.Kind, r.kind)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.frozen.Load() != nil {
		return ErrRetired
	}
	r.sync() // the own entry must be current before it meets a copy of itself
	return r.mergeLocked(s)
}

// mergeLocked joins s into the replica: tombstones first, then entries by
// pointwise max. Every change made by one merge gets one new version, so a
// delta that carries a tombstone also carries the heir's raised entry.
func (r *replica) mergeLocked(s *State) error {
	var conflict error
	ver := r.version + 1
	changed := false
	base := r.base.Load()
	for _, t := range s.Retired {
		if g, ok := r.retired[t.Node]; ok && g.heir != t.Heir {
			if conflict == nil {
				conflict = fmt.Errorf("%w: %q into %q here and into %q in the state from %q",
					ErrConflict, t.Node, g.heir, t.Heir, s.Node)
			}
			continue
		}
		if r.bury(t, ver, &base) {
			changed = true
		}
	}
	for _, in := range s.Entries {
		if in.Node == r.id {
			// Our own entry, seen elsewhere higher than we have it: this
			// replica restarted without (all of) its state. Adopt it (see
			// the package doc: adds made before the adoption may be hidden
			// by it).
			if in.P > r.own.p || in.N > r.own.n {
				old := r.ownNet()
				r.own.p = max(r.own.p, in.P)
				r.own.n = max(r.own.n, in.N)
				r.own.ver = ver
				base += r.ownNet() - old
				changed = true
			}
			continue
		}
		g := r.retired[in.Node]
		e, ok := r.entries[in.Node]
		switch {
		case ok && in.P <= e.p && in.N <= e.n:
			continue
		case !ok && g != nil:
			if in.P <= g.p && in.N <= g.n {
				continue // all of it folded into the heir
			}
			e = &slot{p: g.p, n: g.n}
			r.entries[in.Node] = e
		case !ok:
			e = &slot{}
			r.entries[in.Node] = e
		}
		old := net(e.p, e.n, g)
		e.p = max(e.p, in.P)
		e.n = max(e.n, in.N)
		e.ver = ver
		base += net(e.p, e.n, g) - old
		changed = true
	}
	if changed {
		r.version = ver
		r.base.Store(base)
	}
	return conflict
}

// bury records tombstone t, or raises the totals of the one with the same
// heir, under version ver, and adjusts *base by the change in t.Node's
// contribution. It reports whether anything changed. The caller has checked
// that t.Node has no tombstone with another heir. Called with mu held.
func (r *replica) bury(t Tombstone, ver uint64, base *int64) bool {
	g, ok := r.retired[t.Node]
	if ok && t.P <= g.p && t.N <= g.n {
		return false
	}
	old := r.netOf(t.Node)
	if !ok {
		g = &grave{heir: t.Heir}
		r.retired[t.Node] = g
	}
	g.p, g.n = max(g.p, t.P), max(g.n, t.N)
	g.ver = ver
	if t.Node == r.id {
		// Another replica evicted this one, folding in its entry as it knew
		// it. This replica goes on counting: what its entry holds beyond
		// the tombstone's totals counts everywhere. An entry below them
		// means this replica restarted without its state: adopt them.
		if r.own.p < g.p || r.own.n < g.n {
			r.own.p, r.own.n = max(r.own.p, g.p), max(r.own.n, g.n)
			r.own.ver = ver
		}
	} else if e := r.entries[t.Node]; e != nil {
		e.p, e.n = max(e.p, g.p), max(e.n, g.n)
		if e.p == g.p && e.n == g.n {
			delete(r.entries, t.Node) // all of it lives in the heir
		}
	}
	*base += r.netOf(t.Node) - old
	return true
}

// retireSelf freezes the replica at its current value. Called with mu held.
func (r *replica) retireSelf() {
	v := r.base.Load() + r.synced
	r.frozen.Store(&v)
}

func (r *replica) retire(heir string) (State, error) {
	if err := ValidNode(heir); err != nil {
		return State{}, err
	}
	if heir == r.id {
		return State{}, fmt.Errorf("%w: %q cannot be its own heir", ErrInvalid, heir)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.frozen.Load() != nil {
		return State{}, ErrRetired
	}
	if g, ok := r.retired[r.id]; ok && g.heir != heir {
		return State{}, fmt.Errorf("%w: %q was evicted into %q; retire into %q", ErrConflict, r.id, g.heir, g.heir)
	}
	r.sync()
	r.retireSelf()
	return State{
		Kind:    r.kind,
		Node:    r.id,
		Cursor:  Cursor{Epoch: r.epoch, Version: r.version},
		Entries: []Entry{{Node: r.id, P: r.own.p, N: r.own.n}},
		Retired: r.foldedLocked(),
		Heir:    heir,
	}, nil
}

// foldedLocked returns, sorted, the tombstones of every node whose count
// lives in this replica's own entry: those it absorbed or evicted, those
// they had absorbed, and so on. A handoff carries them, so that the heir
// buries them too; otherwise a replica still holding one of their entries
// would count it again inside the heir's. Called with mu held.
func (r *replica) foldedLocked() []Tombstone {
	into := map[string]bool{r.id: true}
	for grew := true; grew; {
		grew = false
		for node, g := range r.retired {
			if into[g.heir] && !into[node] {
				into[node] = true
				grew = true
			}
		}
	}
	var out []Tombstone
	for node := range into {
		if node != r.id {
			g := r.retired[node]
			out = append(out, Tombstone{Node: node, Heir: g.heir, P: g.p, N: g.n})
		}
	}
	slices.SortFunc(out, func(a, b Tombstone) int { return strings.Compare(a.Node, b.Node) })
	return out
}

func (r *replica) absorb(h *State) error {
	if err := h.Validate(); err != nil {
		return err
	}
	if h.Heir == "" {
		return fmt.Errorf("%w: not a handoff (no heir)", ErrInvalid)
	}
	if h.Kind != r.kind {
		return fmt.Errorf("%w: %v handoff into a %v counter", ErrKind, h.Kind, r.kind)
	}
	if h.Heir != r.id {
		return fmt.Errorf("%w: %q hands off to %q, not %q", ErrNotHeir, h.Node, h.Heir, r.id)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.frozen.Load() != nil {
		return ErrRetired
	}
	if g, ok := r.retired[h.Node]; ok && g.heir != r.id {
		return fmt.Errorf("%w: %q already retired into %q", ErrConflict, h.Node, g.heir)
	}
	// The nodes the leaving one had folded in are buried here too (their
	// counts come with its entry); check them all before changing anything.
	for _, t := range h.Retired {
		if g, ok := r.retired[t.Node]; ok && g.heir != t.Heir {
			return fmt.Errorf("%w: %q into %q here and into %q in the handoff of %q", ErrConflict, t.Node, g.heir, t.Heir, h.Node)
		}
	}
	r.sync()
	ver := r.version + 1
	base := r.base.Load()
	changed := r.foldLocked(h.Entries[0], ver, &base)
	for _, t := range h.Retired {
		if r.bury(t, ver, &base) {
			changed = true
		}
	}
	if changed {
		r.version = ver
		r.base.Store(base)
	}
	return nil
}

func (r *replica) evict(node string) error {
	if err := ValidNode(node); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.frozen.Load() != nil {
		return ErrRetired
	}
	if node == r.id {
		return fmt.Errorf("%w: a replica cannot evict itself (use Retire)", ErrInvalid)
	}
	if g, ok := r.retired[node]; ok && g.heir != r.id {
		return fmt.Errorf("%w: %q already retired into %q", ErrConflict, node, g.heir)
	}
	r.sync()
	ver := r.version + 1
	base := r.base.Load()
	if r.foldLocked(Entry{Node: node}, ver, &base) {
		r.version = ver
		r.base.Store(base)
	}
	return nil
}

// foldLocked folds into the own entry what this replica has not yet folded
// of node e.Node's entry (the larger of e and the entry held here), and
// buries the node with a tombstone naming this replica and the totals
// folded, under version ver. It adjusts *base and reports whether anything
// changed. The caller has checked that e.Node has no tombstone naming
// another heir. Called with mu held, after sync.
func (r *replica) foldLocked(e Entry, ver uint64, base *int64) bool {
	g := r.retired[e.Node]
	if cur := r.entries[e.Node]; cur != nil {
		e.P, e.N = max(e.P, cur.p), max(e.N, cur.n)
	}
	var fp, fn uint64 // folded so far
	if g != nil {
		fp, fn = g.p, g.n
		if e.P <= fp && e.N <= fn {
			return false // folded already: a retried handoff or eviction
		}
	}
	e.P, e.N = max(e.P, fp), max(e.N, fn)
	old := r.netOf(e.Node) + r.ownNet()
	delete(r.entries, e.Node)
	r.own.p += e.P - fp
	r.own.n += e.N - fn
	r.own.ver = ver
	if g == nil {
		g = &grave{heir: r.id}
		r.retired[e.Node] = g
	}
	g.p, g.n, g.ver = e.P, e.N, ver
	*base += r.ownNet() - old
	return true
}

func (r *replica) nodes() (live, retired int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.entries) + 1, len(r.retired)
}

// droppedAdds is the sum of adds made after the replica retired.
func (r *replica) droppedAdds() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.frozen.Load() == nil {
		return 0
	}
	return r.local.Load() - r.synced
}
