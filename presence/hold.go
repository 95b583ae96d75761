package presence

import (
	"container/heap"
	"math"
	"time"

	"github.com/abacusgo/abacus/crdt"
)

// The hold keeps what Merge received stamped too far ahead to apply yet:
// session records stamped after the clock + MaxSkew, and sketches of periods
// starting after it. Each is applied, exactly as Merge would apply it, once
// the tracker's clock reaches its stamp - MaxSkew. Sessions wait in a
// min-heap by stamp, with a set of the same entries so that a state merged
// twice is held once; sketches wait in a map by period start, a later
// sketch of a held period merged into the held one. The hold takes at most
// MaxHeld sessions and Retain sketches, stamped at most MaxAhead beyond
// MaxSkew; what does not fit is refused, and counted, by Merge.

type heldSession struct {
	id, user string
	at       int64 // Unix nanoseconds
	kind     Kind
}

type heldHeap []heldSession

func (h heldHeap) Len() int           { return len(h) }
func (h heldHeap) Less(i, j int) bool { return h[i].at < h[j].at }
func (h heldHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *heldHeap) Push(x any)        { *h = append(*h, x.(heldSession)) }
func (h *heldHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	old[len(old)-1] = heldSession{}
	*h = old[:len(old)-1]
	return x
}

type hold struct {
	sessions heldHeap
	keys     map[heldSession]struct{}
	periods  map[int64]*crdt.HLL // by start, in Unix seconds
}

// holdSession holds a session record stamped after the clock + MaxSkew. It
// reports false, holding nothing, if the hold has MaxHeld sessions already.
// A record that is held already, or that the tracker's own record of the
// session beats (applying it would change nothing), is not held again.
// Called with mu held.
func (t *Tracker) holdSession(x heldSession) bool {
	if r := t.sessions[x.id]; r != nil && !newer(x.at, x.kind, x.user, r.at, r.kind, r.user) {
		return true
	}
	if _, ok := t.held.keys[x]; ok {
		return true
	}
	if len(t.held.sessions) >= t.opts.MaxHeld {
		return false
	}
	heap.Push(&t.held.sessions, x)
	t.held.keys[x] = struct{}{}
	t.noteHeld()
	return true
}

// holdPeriod holds the sketch of a period starting after the clock +
// MaxSkew, merging it into the held sketch of that period if there is one.
// It reports false, holding nothing, if Retain other periods are held.
// Called with mu held.
func (t *Tracker) holdPeriod(start int64, users *crdt.HLL) bool {
	if p := t.held.periods[start]; p != nil {
		p.Merge(users)
		return true
	}
	if len(t.held.periods) >= t.opts.Retain {
		return false
	}
	p := new(crdt.HLL)
	p.Merge(users)
	t.held.periods[start] = p
	t.noteHeld()
	return true
}

// release applies what the hold keeps stamped at or before limit (the
// clock + MaxSkew, in Unix nanoseconds and in whole Unix seconds): a held
// session is put as Merge puts it, a held sketch merged into its period.
// It costs an atomic load when nothing held is due. Called with mu held.
func (t *Tracker) release(limitNanos, limitSec int64) {
	if t.heldNext.Load() > limitNanos {
		return
	}
	for len(t.held.sessions) > 0 && t.held.sessions[0].at <= limitNanos {
		x := heap.Pop(&t.held.sessions).(heldSession)
		delete(t.held.keys, x)
		t.put(x.id, x.user, x.at, x.kind)
	}
	for start, users := range t.held.periods {
		if start <= limitSec {
			delete(t.held.periods, start)
			t.mergePeriod(start, users)
		}
	}
	t.noteHeld()
}

// noteHeld stores the earliest stamp held, in Unix nanoseconds (a sketch's
// stamp is its period start), or math.MaxInt64 if nothing held can come
// due, for releaseDue. Called with mu held.
func (t *Tracker) noteHeld() {
	next := int64(math.MaxInt64)
	if len(t.held.sessions) > 0 {
		next = t.held.sessions[0].at
	}
	for start := range t.held.periods {
		if start <= math.MaxInt64/int64(time.Second) {
			next = min(next, start*int64(time.Second))
		}
	}
	t.heldNext.Store(next)
}

// releaseLocked releases what came due by the tracker's clock; it reads the
// clock only if something is held. Called with mu held.
func (t *Tracker) releaseLocked() {
	if t.heldNext.Load() != math.MaxInt64 {
		t.release(t.limit(t.opts.Now()))
	}
}

// releaseDue releases what came due by the tracker's clock, for the
// methods that otherwise only read: it costs one atomic load when nothing
// is held, and a clock reading when nothing held is due. Called without mu.
func (t *Tracker) releaseDue() {
	next := t.heldNext.Load()
	if next == math.MaxInt64 {
		return
	}
	limitNanos, limitSec := t.limit(t.opts.Now())
	if next > limitNanos {
		return
	}
	t.mu.Lock()
	t.release(limitNanos, limitSec)
	t.mu.Unlock()
}
