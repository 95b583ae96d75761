package presence

import "container/heap"

// The tracker keeps its counts incrementally so that Active costs O(1)
// (plus the expiries due): a record is online while its latest event is a
// login or heartbeat stamped after mark - Timeout, where mark is the latest
// time the counts were asked for. Online records wait in a min-heap by the
// time they were queued with; when one comes due it either expires or, if a
// heartbeat moved it on meanwhile, is queued again at its new time. Each
// record has at most one heap entry.

type due struct {
	at int64
	r  *record
}

type dueHeap []due

func (h dueHeap) Len() int           { return len(h) }
func (h dueHeap) Less(i, j int) bool { return h[i].at < h[j].at }
func (h dueHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *dueHeap) Push(x any)        { *h = append(*h, x.(due)) }
func (h *dueHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	old[len(old)-1] = due{}
	*h = old[:len(old)-1]
	return x
}

// settle recomputes r's online flag after its event changed from
// (oldUser, wasOnline) and keeps the counts. Called with mu held.
func (t *Tracker) settle(r *record, oldUser string, wasOnline bool) {
	r.online = r.kind != Logout && r.at > t.mark-int64(t.opts.Timeout)
	if wasOnline {
		t.leave(oldUser)
	}
	if r.online {
		t.online++
		t.users[r.user]++
		if !r.queued {
			heap.Push(&t.due, due{at: r.at, r: r})
			r.queued = true
		}
	}
}

func (t *Tracker) leave(user string) {
	t.online--
	if t.users[user]--; t.users[user] == 0 {
		delete(t.users, user)
	}
}

// advance moves the mark to now (never back) and expires what came due.
// Called with mu held.
func (t *Tracker) advance(now int64) {
	if now <= t.mark {
		return
	}
	t.mark = now
	cut := now - int64(t.opts.Timeout)
	for len(t.due) > 0 && t.due[0].at <= cut {
		d := heap.Pop(&t.due).(due)
		r := d.r
		r.queued = false
		if !r.online || r.forgotten {
			continue
		}
		if r.at <= cut {
			r.online = false
			t.leave(r.user)
			continue
		}
		heap.Push(&t.due, due{at: r.at, r: r})
		r.queued = true
	}
}
