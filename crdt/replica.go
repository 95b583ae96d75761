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
	// ErrRetired is returned by a replica that has retired (or was retired by
	// another replica's Evict): it no longer merges, hands off or counts.
	ErrRetired = errors.New("crdt: replica has retired")
	// ErrKind is returned when a State of one kind is merged into a counter
	// of the other.
	ErrKind = errors.New("crdt: state of another kind")
	// ErrNotHeir is returned by Absorb when the handoff names another heir.
	ErrNotHeir = errors.New("crdt: handoff names another heir")
	// ErrConflict is returned by Merge when two replicas folded the same
	// retired node into different heirs (Evict called on two replicas):
	// the value now counts that node twice. Merge keeps the first tombstone
	// it saw and applies the rest of the state.
	ErrConflict = errors.New("crdt: node retired into two heirs")
)

// replica is the state machine behind GCounter and PNCounter.
//
// Local adds go to an Adaptive counter without a lock. The replica's own
// entry absorbs them lazily (sync), under mu, whenever a State is produced.
// base is kept so that the value is base + local.Load(): merges change base
// with one atomic store, so a lock-free reader never sees half a merge.
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
	entries map[string]*slot // every live node but this one
	retired map[string]*grave
	own     slot  // this node's entry
	synced  int64 // local.Load() already folded into own
}

type slot struct{ p, n, ver uint64 }

type grave struct {
	heir string
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

// ownNet is the own entry's contribution to base: its value minus the local
// adds already folded in (those are counted by local.Load()).
func (r *replica) ownNet() int64 { return int64(r.own.p-r.own.n) - r.synced }

func (r *replica) deltaSince(c Cursor) State {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sync()
	since := c.Version
	if c.Epoch != r.epoch {
		since = 0
	}
	s := State{Kind: r.kind, Node: r.id, Cursor: Cursor{Epoch: r.epoch, Version: r.version}}
	if _, evicted := r.retired[r.id]; !evicted && r.own.ver > since {
		// (An evicted replica's entry lives in its heir; it sends only what
		// it learned.)
		s.Entries = append(s.Entries, Entry{Node: r.id, P: r.own.p, N: r.own.n})
	}
	for id, e := range r.entries {
		if e.ver > since {
			s.Entries = append(s.Entries, Entry{Node: id, P: e.p, N: e.n})
		}
	}
	for id, g := range r.retired {
		if g.ver > since {
			s.Retired = append(s.Retired, Tombstone{Node: id, Heir: g.heir})
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

// mergeLocked joins s into the replica: tombstones first (a state never has
// an entry and a tombstone for one node, but the replica may), then entries
// by pointwise max. Every change made by one merge gets one new version, so a
// delta that carries a tombstone also carries the heir's raised entry.
func (r *replica) mergeLocked(s *State) error {
	var conflict error
	ver := r.version + 1
	changed := false
	base := r.base.Load()
	for _, t := range s.Retired {
		if g, ok := r.retired[t.Node]; ok {
			if g.heir != t.Heir && conflict == nil {
				conflict = fmt.Errorf("%w: %q into %q here and into %q in the state from %q",
					ErrConflict, t.Node, g.heir, t.Heir, s.Node)
			}
			continue
		}
		r.retired[t.Node] = &grave{heir: t.Heir, ver: ver}
		changed = true
		if t.Node == r.id {
			// Another replica evicted this one: its entry now lives in the
			// heir. Stop counting here.
			r.retireSelf()
			r.version = ver
			return conflict
		}
		if e, ok := r.entries[t.Node]; ok {
			base -= int64(e.p - e.n)
			delete(r.entries, t.Node)
		}
	}
	for _, in := range s.Entries {
		if _, dead := r.retired[in.Node]; dead {
			continue
		}
		if in.Node == r.id {
			// Our own entry, seen elsewhere higher than we have it: this
			// replica restarted without its state. Adopt it (see the package
			// doc: adds made before the adoption may be hidden by it).
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
		e, ok := r.entries[in.Node]
		if !ok {
			e = &slot{}
			r.entries[in.Node] = e
		}
		if in.P > e.p || in.N > e.n || !ok {
			old := int64(e.p - e.n)
			e.p = max(e.p, in.P)
			e.n = max(e.n, in.N)
			e.ver = ver
			base += int64(e.p-e.n) - old
			changed = true
		}
	}
	if changed {
		r.version = ver
		r.base.Store(base)
	}
	return conflict
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
			out = append(out, Tombstone{Node: node, Heir: r.retired[node].heir})
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
	if g, ok := r.retired[h.Node]; ok {
		if g.heir == r.id {
			return nil // a retried handoff: already folded in
		}
		return fmt.Errorf("%w: %q already retired into %q", ErrConflict, h.Node, g.heir)
	}
	// The nodes the leaving one had folded in are buried here too (their
	// counts come with its entry); check them all before changing anything.
	for _, t := range h.Retired {
		if t.Node == r.id {
			return fmt.Errorf("%w: the handoff of %q says %q retired into %q", ErrConflict, h.Node, r.id, t.Heir)
		}
		if g, ok := r.retired[t.Node]; ok && g.heir != t.Heir {
			return fmt.Errorf("%w: %q into %q here and into %q in the handoff of %q", ErrConflict, t.Node, g.heir, t.Heir, h.Node)
		}
	}
	// Take the larger of the handoff and what we already merged of the node.
	e := h.Entries[0]
	if cur, ok := r.entries[h.Node]; ok {
		e.P, e.N = max(e.P, cur.p), max(e.N, cur.n)
	}
	r.foldLocked(e)
	base := r.base.Load()
	for _, t := range h.Retired {
		if _, ok := r.retired[t.Node]; ok {
			continue
		}
		r.retired[t.Node] = &grave{heir: t.Heir, ver: r.version} // with the fold
		if cur, ok := r.entries[t.Node]; ok {
			base -= int64(cur.p - cur.n)
			delete(r.entries, t.Node)
		}
	}
	r.base.Store(base)
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
	if g, ok := r.retired[node]; ok {
		if g.heir == r.id {
			return nil
		}
		return fmt.Errorf("%w: %q already retired into %q", ErrConflict, node, g.heir)
	}
	e := Entry{Node: node}
	if cur, ok := r.entries[node]; ok {
		e.P, e.N = cur.p, cur.n
	}
	r.foldLocked(e)
	return nil
}

// foldLocked moves node e.Node's entry into the own entry and buries the node,
// all under one version.
func (r *replica) foldLocked(e Entry) {
	r.sync()
	ver := r.version + 1
	base := r.base.Load()
	if cur, ok := r.entries[e.Node]; ok {
		base -= int64(cur.p - cur.n)
		delete(r.entries, e.Node)
	}
	old := r.ownNet()
	r.own.p += e.P
	r.own.n += e.N
	r.own.ver = ver
	base += r.ownNet() - old
	r.retired[e.Node] = &grave{heir: r.id, ver: ver}
	r.version = ver
	r.base.Store(base)
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
