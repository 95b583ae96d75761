package main

import (
	"container/heap"
	"context"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/abacusgo/abacus/presence"
	"github.com/abacusgo/abacus/redisstore"
)

const (
	// vanishShare is the share of sessions that end without a logout (a
	// closed tab, a crashed app) and time out instead.
	vanishShare = 0.2
	// tickEvery is how often a node generates the events that came due.
	tickEvery = 10 * time.Millisecond
	// minLife is the shortest session.
	minLife = 50 * time.Millisecond
)

// maxLife is the longest session: lifetimes are uniform up to three session
// timeouts, so that in a run of a few timeouts sessions start, end and
// expire all along.
func maxLife(timeout time.Duration) time.Duration { return 3 * timeout }

func meanLife(timeout time.Duration) time.Duration { return (minLife + maxLife(timeout)) / 2 }

// A node is one simulated service process: its own Redis client and store,
// the shared login counter and presence set, and the sessions of the users
// who logged in through it.
type node struct {
	sim    *sim
	id     string
	client *redis.Client
	store  *redisstore.Store
	logins *redisstore.Counter
	online *redisstore.Presence

	due  dueQueue // the node's sessions, by when it acts on them next
	seq  int      // sessions started
	owed float64  // logins due but not yet made (fractional)
}

// A session is one login of one user on one node.
type session struct {
	id     string
	user   string
	index  int       // of the user
	last   time.Time // stamp of its latest event
	end    time.Time // end of its lifetime
	vanish bool      // ends without a logout
	next   time.Time // when the node acts on it next
	ghost  bool      // vanished: next is when it expires
}

// traffic generates the node's events until ctx is done: every tick, new
// logins at the node's login rate, and the heartbeats, logouts and
// disappearances that came due.
func (n *node) traffic(ctx context.Context) {
	t := time.NewTicker(tickEvery)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := time.Now()
		n.owed += n.sim.loginRate * now.Sub(last).Seconds()
		last = now
		// Event times in whole milliseconds, the resolution Redis keeps, so
		// that Redis and the model agree to the millisecond on expiry.
		stamp := now.Truncate(time.Millisecond)
		for len(n.due) > 0 && !n.due[0].next.After(now) {
			n.act(heap.Pop(&n.due).(*session), now, stamp)
		}
		for ; n.owed >= 1; n.owed-- {
			n.login(stamp)
		}
	}
}

// login starts a session of a random user.
func (n *node) login(stamp time.Time) {
	s := n.sim
	u := rand.IntN(s.cfg.users)
	n.seq++
	life := minLife + rand.N(maxLife(s.cfg.timeout)-minLife)
	ss := &session{
		id:     n.id + "-s" + strconv.Itoa(n.seq),
		user:   "user-" + strconv.Itoa(u),
		index:  u,
		last:   stamp,
		end:    stamp.Add(life),
		vanish: rand.Float64() < vanishShare,
	}
	ss.next = minTime(stamp.Add(s.heartbeat), ss.end)
	heap.Push(&n.due, ss)

	s.logins.Add(1) // the exact count first, so Redis can never be ahead of it
	n.logins.Inc()
	s.see(u)
	s.apply(n, presence.Event{Kind: presence.Login, User: ss.user, Session: ss.id, At: stamp})
}

// act sends the session's heartbeat, ends it, or counts its expiry.
func (n *node) act(ss *session, now, stamp time.Time) {
	s := n.sim
	switch {
	case ss.ghost:
		s.expired.Add(1)
	case now.Before(ss.end):
		s.beats.Add(1)
		s.see(ss.index)
		s.apply(n, presence.Event{Kind: presence.Heartbeat, User: ss.user, Session: ss.id, At: stamp})
		ss.last = stamp
		ss.next = minTime(stamp.Add(s.heartbeat), ss.end)
		heap.Push(&n.due, ss)
	case ss.vanish:
		// No event at all: the session is active until its last heartbeat
		// is a timeout old. Keep it only to count that moment.
		s.vanished.Add(1)
		ss.ghost = true
		ss.next = ss.last.Add(s.cfg.timeout)
		heap.Push(&n.due, ss)
	default:
		s.logouts.Add(1)
		s.apply(n, presence.Event{Kind: presence.Logout, User: ss.user, Session: ss.id, At: stamp})
	}
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// dueQueue is a min-heap of sessions by next.
type dueQueue []*session

func (q dueQueue) Len() int           { return len(q) }
func (q dueQueue) Less(i, j int) bool { return q[i].next.Before(q[j].next) }
func (q dueQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *dueQueue) Push(x any)        { *q = append(*q, x.(*session)) }
func (q *dueQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	old[len(old)-1] = nil
	*q = old[:len(old)-1]
	return x
}
