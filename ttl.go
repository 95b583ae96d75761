package abacus

import (
	"sync/atomic"
	"unsafe"
	"weak"
)

// use is the mark a metric carries for its family's TTL: whether it was
// written since the last sweep. It must be the first field of every metric
// type, and the metric the first field of its series, so that a pointer to
// the mark is a pointer to the series (revive relies on it; newVec checks).
//
// Every write ends with touch: one load of the mark, which is almost always
// used (0), so the write pays a compare and a predicted branch. Families
// without a TTL never change it from used except to delete.
type use struct {
	state atomic.Uint32
	life  *life // the vector's, in a family with a TTL; nil otherwise
}

// The states of a use mark. Writers move idle → used and, through revive,
// expired → used; the sweeper (holding the family's lock) moves used → idle
// and idle → expired; Delete and Reset set deleted.
const (
	used    = iota // written since the last sweep (the zero value)
	idle           // not written since the last sweep (or since creation)
	expired        // removed by the sweeper; the next write brings it back
	deleted        // removed by Delete or Reset; writes go on, unexposed
)

// life brings an expired series back into its vector.
type life struct {
	revive func(unsafe.Pointer)
}

// touch records that the metric was written.
func (u *use) touch() {
	if u.state.Load() != used {
		u.wake()
	}
}

// wake is touch's slow path, taken once per sweep for a written series.
func (u *use) wake() {
	for {
		switch u.state.Load() {
		case used, deleted:
			return
		case idle:
			if u.state.CompareAndSwap(idle, used) {
				return
			}
		case expired:
			if u.life != nil {
				u.life.revive(unsafe.Pointer(u))
			}
			return
		}
	}
}

// sweep removes the series that no write marked for longer than the TTL:
// a series found written is marked idle and stamped now; a series found
// idle whose stamp is at least the TTL old is expired, taken out of the
// table, and kept in the graveyard as a weak pointer, so that a write
// through a handle (or a With) brings the same series back with its value.
// It costs O(series) and reads no metric's values.
func (v *vec[M, P]) sweep(now int64) {
	if v.life == nil {
		return
	}
	ttl := int64(v.fam.ttl)
	v.mu.Lock()
	defer v.mu.Unlock()
	t := v.table.Load()
	var stale []*link[M]
	for i := range t.buckets {
		for l := t.buckets[i].Load(); l != nil; l = l.next {
			s := l.s
			u := P(&s.m).usage()
			switch u.state.Load() {
			case used:
				if u.state.CompareAndSwap(used, idle) {
					s.lastActive = now
				}
			case idle:
				if now-s.lastActive >= ttl && u.state.CompareAndSwap(idle, expired) {
					stale = append(stale, l)
				}
			}
		}
	}
	for _, l := range stale {
		t.remove(l.probe, l.s)
		v.graveyard[l.s.key] = weak.Make(l.s)
	}
	for key, w := range v.graveyard {
		if w.Value() == nil {
			delete(v.graveyard, key)
		}
	}
	if len(stale) > 0 {
		v.sorted.Store(nil)
	}
}

// resurrect takes the series with key out of the graveyard if a handle
// still holds it, marked used; the caller holds v.mu and puts it back in the
// table.
func (v *vec[M, P]) resurrect(key string) *series[M] {
	w, ok := v.graveyard[key]
	if !ok {
		return nil
	}
	delete(v.graveyard, key)
	s := w.Value()
	if s == nil || !P(&s.m).usage().state.CompareAndSwap(expired, used) {
		return nil
	}
	s.lastActive = v.fam.reg.now().UnixNano()
	return s
}

// bury marks the expired series with key, if a handle still holds it, as
// deleted, so that it never comes back; the caller holds v.mu.
func (v *vec[M, P]) bury(key string) {
	if w, ok := v.graveyard[key]; ok {
		delete(v.graveyard, key)
		if s := w.Value(); s != nil {
			P(&s.m).usage().state.CompareAndSwap(expired, deleted)
		}
	}
}

// revive puts an expired series back when a handle writes to it. p points
// to the series (see use).
func (v *vec[M, P]) revive(p unsafe.Pointer) {
	s := (*series[M])(p)
	v.mu.Lock()
	defer v.mu.Unlock()
	if _, ok := v.graveyard[s.key]; !ok {
		return // a With brought it back first, or Delete buried it
	}
	if v.resurrect(s.key) != s {
		return
	}
	values := splitKey(s.key, len(v.fam.labelNames))
	pr := makeProbe(v.seed, values)
	v.table.Store(v.table.Load().insert(pr, s))
	v.sorted.Store(nil)
}
