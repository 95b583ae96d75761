package durable

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/abacusgo/abacus/crdt"
)

// A GCounter is a crdt.GCounter replica whose node survives restarts under
// its ID: every Add goes to a durable Counter of its Set first and to the
// replica after, and Set.GCounter, after a restart, restores the replica's
// own entry from that Counter's recovered total (crdt.RestoreGCounter).
// Everything else the replica knows (the other nodes' entries, tombstones)
// lives in memory only and comes back from its peers with their next
// states, as a fresh replica's would.
//
// Under SyncAlways the restore is exact: an add reaches the replica, and so
// its States, only once it is on stable storage, so after any crash (of the
// machine too, on storage that honours fsync) the restored entry is at
// least every copy of it that peers or saved States hold, and merging them
// hides nothing. Under SyncInterval and SyncNone, a
// crash may lose from the durable total what the Policy says it may lose,
// and an add reaches the replica before it is durable; see the package doc
// (Replicas) for what that hides and for how long.
//
// Its methods are safe for concurrent use. As on a crdt.GCounter, Merge,
// State and DeltaSince serialise on the replica's mutex, and Value takes no
// lock (unless adds are held after a failed commit; see Add). An Add costs a
// durable Counter's Add (under SyncAlways, waiting for a group commit's
// fsync) and then a replica's. It has no Retire, Absorb or Evict: its
// durable total holds this node's adds only, so an entry raised by folding
// in another node would come back lower after a restart.
type GCounter struct {
	c    *crdt.GCounter
	p    *Counter
	held held
}

// A PNCounter is a crdt.PNCounter replica whose node survives restarts under
// its ID, as GCounter's does: its increments go to one durable Counter and
// its decrements to another, and Set.PNCounter restores the replica's own
// entry from both (crdt.RestorePNCounter). The two totals count every
// increment and decrement, so they are at least the nets the replica's
// entry grows by. Its methods are safe for concurrent use, with GCounter's
// contract.
type PNCounter struct {
	c    *crdt.PNCounter
	p, n *Counter
	held held
}

// GCounter returns the durable replica of node for the grow-only counter
// name, restoring its own entry from the Set if the node counted in it
// before. Its total is kept in the Counter "<name>@<node>.g", which nothing
// else may add to. One name and node always yield the same *GCounter, and
// different nodes (or a PNCounter of the same name) have their own Counters:
// a node that comes back under another ID starts at zero.
//
// The name is 1 or more bytes of UTF-8 without '@', and the Counter's name
// at most MaxNameLen bytes; other names return an error wrapping
// ErrInvalidName. An invalid node ID returns an error wrapping
// crdt.ErrInvalid. After Close it returns ErrClosed.
func (s *Set) GCounter(name, node string) (*GCounter, error) {
	r, err := s.replica(name, node, []string{".g"}, func(c []*Counter) (any, error) {
		g, err := crdt.RestoreGCounter(node, uint64(c[0].Load()))
		if err != nil {
			return nil, err
		}
		return &GCounter{c: g, p: c[0], held: held{set: s}}, nil
	})
	if err != nil {
		return nil, err
	}
	return r.(*GCounter), nil
}

// PNCounter returns the durable replica of node for the up-and-down counter
// name, restoring its own entry from the Set if the node counted in it
// before. Its increments are kept in the Counter "<name>@<node>.p" and its
// decrements, as a positive total, in "<name>@<node>.n"; nothing else may
// add to them. Names, nodes and errors are as for GCounter.
func (s *Set) PNCounter(name, node string) (*PNCounter, error) {
	r, err := s.replica(name, node, []string{".p", ".n"}, func(c []*Counter) (any, error) {
		pn, err := crdt.RestorePNCounter(node, uint64(c[0].Load()), uint64(c[1].Load()))
		if err != nil {
			return nil, err
		}
		return &PNCounter{c: pn, p: c[0], n: c[1], held: held{set: s}}, nil
	})
	if err != nil {
		return nil, err
	}
	return r.(*PNCounter), nil
}

// replica returns the replica kept in the Counters <name>@<node><suffix>,
// made by restore from them the first time.
func (s *Set) replica(name, node string, suffixes []string, restore func([]*Counter) (any, error)) (any, error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	if name == "" || strings.Contains(name, "@") {
		return nil, fmt.Errorf("%w %q: a replica's name is not empty and has no '@'", ErrInvalidName, name)
	}
	if err := crdt.ValidNode(node); err != nil {
		return nil, err
	}
	names := make([]string, len(suffixes))
	for i, suffix := range suffixes {
		names[i] = name + "@" + node + suffix
		if err := checkName(names[i]); err != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.replicas[names[0]]; r != nil {
		return r, nil
	}
	counters := make([]*Counter, len(names))
	for i, n := range names {
		if counters[i] = s.byName[n]; counters[i] == nil {
			counters[i] = s.newCounter(n, 0)
		}
	}
	r, err := restore(counters)
	if err != nil {
		return nil, err
	}
	if s.replicas == nil {
		s.replicas = make(map[string]any)
	}
	s.replicas[names[0]] = r
	return r, nil
}

// held keeps the adds whose durable Add failed under SyncAlways: they took
// effect in the durable Counter, which the next successful commit persists,
// but are not yet on stable storage, so they reach the replica only once a
// commit that began after the failure has fsynced everything it took.
type held struct {
	set *Set
	any atomic.Bool // adds are held (d may net to 0); written under mu
	mu  sync.Mutex
	d   int64  // the held adds, net
	gen uint64 // drainGen after the latest of them failed
}

// add finishes an add of d whose durable Add returned err: it passes d to
// apply unless the durable Add had no effect (ErrClosed) or, under
// SyncAlways, failed, in which case d is held. It returns err.
func (h *held) add(err error, d int64, apply func(int64)) error {
	switch {
	case err == nil:
		apply(d)
		h.settle(apply)
	case errors.Is(err, ErrClosed):
	case h.set.policy == SyncAlways:
		h.mu.Lock()
		h.d += d
		h.gen = h.set.drainGen.Load()
		h.any.Store(true)
		h.mu.Unlock()
	default:
		apply(d) // pending like any add under this policy
	}
	return err
}

// settle passes the held adds to apply once they are on stable storage.
func (h *held) settle(apply func(int64)) {
	if !h.any.Load() {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.any.Load() && h.set.syncedGen.Load() > h.gen {
		apply(h.d)
		h.d = 0
		h.any.Store(false)
	}
}

// Node returns the replica's node ID.
func (c *GCounter) Node() string { return c.c.Node() }

// Add adds n to this node's total in the Set and then in the replica, and
// returns what the durable Counter's Add returned (see Counter.Add).
//
// Under SyncAlways the replica counts n only once it is on stable storage:
// when Add returns nil. An Add that returned another error than ErrClosed
// took effect in the Set, which persists it with its next successful commit
// (do not repeat it); the replica holds it back until a commit that began
// after the failure has succeeded (another Add's, Commit or Close), and
// counts it from the next call of Add, Value, State, DeltaSince or Merge
// after that. Under SyncInterval and SyncNone the replica counts n at once,
// whatever Add returns but ErrClosed. An Add that returned ErrClosed is not
// counted by the replica; the Set's final commit may have persisted it, and
// then the replica restored after a restart counts it.
func (c *GCounter) Add(n uint64) error {
	return c.held.add(c.p.Add(int64(n)), int64(n), c.apply)
}

func (c *GCounter) apply(d int64) { c.c.Add(uint64(d)) }

// Inc adds 1; see Add.
func (c *GCounter) Inc() error { return c.Add(1) }

// Value returns the replica's value (see crdt.GCounter.Value).
func (c *GCounter) Value() uint64 {
	c.held.settle(c.apply)
	return c.c.Value()
}

// State returns the replica's full state (see crdt.GCounter.State).
func (c *GCounter) State() crdt.State {
	c.held.settle(c.apply)
	return c.c.State()
}

// DeltaSince returns what changed in the replica after cursor (see
// crdt.GCounter.DeltaSince).
func (c *GCounter) DeltaSince(cursor crdt.Cursor) crdt.State {
	c.held.settle(c.apply)
	return c.c.DeltaSince(cursor)
}

// Merge joins s into the replica (see crdt.GCounter.Merge). What it merges
// lives in memory only.
func (c *GCounter) Merge(s crdt.State) error {
	c.held.settle(c.apply)
	return c.c.Merge(s)
}

// Nodes returns how many nodes have an entry in the replica and how many a
// tombstone (see crdt.GCounter.Nodes).
func (c *GCounter) Nodes() (live, retired int) { return c.c.Nodes() }

// Node returns the replica's node ID.
func (c *PNCounter) Node() string { return c.c.Node() }

// Add adds d, which may be negative, to this node's increments or
// decrements in the Set and then to the replica; see GCounter.Add.
func (c *PNCounter) Add(d int64) error {
	var err error
	if d >= 0 {
		err = c.p.Add(d)
	} else {
		err = c.n.Add(-d) // -MinInt64 wraps to itself: 2^63 as the uint64 total
	}
	return c.held.add(err, d, c.c.Add)
}

// Inc adds 1; see Add.
func (c *PNCounter) Inc() error { return c.Add(1) }

// Dec subtracts 1; see Add.
func (c *PNCounter) Dec() error { return c.Add(-1) }

// Value returns the replica's value (see crdt.PNCounter.Value).
func (c *PNCounter) Value() int64 {
	c.held.settle(c.c.Add)
	return c.c.Value()
}

// State returns the replica's full state (see crdt.PNCounter.State).
func (c *PNCounter) State() crdt.State {
	c.held.settle(c.c.Add)
	return c.c.State()
}

// DeltaSince returns what changed in the replica after cursor (see
// crdt.PNCounter.DeltaSince).
func (c *PNCounter) DeltaSince(cursor crdt.Cursor) crdt.State {
	c.held.settle(c.c.Add)
	return c.c.DeltaSince(cursor)
}

// Merge joins s into the replica (see crdt.PNCounter.Merge). What it merges
// lives in memory only.
func (c *PNCounter) Merge(s crdt.State) error {
	c.held.settle(c.c.Add)
	return c.c.Merge(s)
}

// Nodes returns how many nodes have an entry in the replica and how many a
// tombstone (see crdt.PNCounter.Nodes).
func (c *PNCounter) Nodes() (live, retired int) { return c.c.Nodes() }
