package crdt

// RestoreGCounter returns the replica of node id with its own entry at p:
// the replica of a node that restarts and kept its total elsewhere (the
// durable package's Set.GCounter keeps it on disk). Value starts at p, and
// the first State or delta carries the entry.
//
// It is exact when p is at least every copy of this node's entry that any
// replica (or any saved state) may hold, which holds when p counts every
// add the node made whose effect a State of it may have shown: merging
// those copies then changes nothing, and no add made after the restart is
// hidden. A p below a copy some replica holds is raised to it by the first
// merge that carries it, which hides the adds made since the restart up to
// the difference (see the package doc). It returns an error wrapping
// ErrInvalid if id is not a valid node ID.
func RestoreGCounter(id string, p uint64) (*GCounter, error) {
	r, err := restored(G, id, p, 0)
	if err != nil {
		return nil, err
	}
	return &GCounter{r}, nil
}

// RestorePNCounter returns the replica of node id with its own entry at p
// increments and n decrements, which must be at least every copy of this
// node's entry that any replica may hold, in each component, for the
// restore to be exact; see RestoreGCounter. Value starts at p - n. A
// replica's entry grows P and N by the net change between two syncs, so
// totals that count every increment and every decrement separately (as
// Set.PNCounter of the durable package keeps them) are at least every copy.
func RestorePNCounter(id string, p, n uint64) (*PNCounter, error) {
	r, err := restored(PN, id, p, n)
	if err != nil {
		return nil, err
	}
	return &PNCounter{r}, nil
}

// restored returns a replica whose own entry starts at p and n, changed by
// its first version so that the first State or delta carries it.
func restored(kind Kind, id string, p, n uint64) (*replica, error) {
	r, err := newReplica(kind, id)
	if err != nil {
		return nil, err
	}
	if p != 0 || n != 0 {
		r.version = 1
		r.own = slot{p: p, n: n, ver: 1}
		r.base.Store(int64(p - n))
	}
	return r, nil
}
