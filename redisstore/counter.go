package redisstore

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/abacusgo/abacus/counter"
)

// A Counter is a counter shared by every process that opens it by name: a
// Redis hash holds one pair of fields per node, "<node>:p" and "<node>:n",
// the node's total increments and decrements since it first counted. Each
// process adds locally (an Adaptive counter: nanoseconds, no round trip) and
// the store's flush raises its two fields to its current totals with a Lua
// script that only ever raises. The value is the sum over the fields.
//
// Writing totals instead of increments is what makes the counter exact under
// retries: a write that go-redis retries after a timeout, that a proxy
// duplicates, or that arrives after a newer one, asks for a total already
// reached and changes nothing.
//
// All methods are safe for concurrent use.
type Counter struct {
	s     *Store
	name  string
	keys  []string // totals hash, epochs hash
	token string   // this process's claim token: a repeated claim is recognised

	local counter.Adaptive // net adds since this process opened the counter

	mu     sync.Mutex // the flush side
	epoch  int64      // from the claim; 0 until claimed
	base   [2]uint64  // P and N that earlier incarnations of the node left
	pn     [2]uint64  // P and N of this incarnation: local split into growth
	synced int64      // local.Load() already in pn

	baseNet  atomic.Int64 // base P - N, once claimed
	offset   atomic.Int64 // every other node's net plus baseNet, as of lastSync; once dead, every entry's
	lastSync atomic.Int64 // Unix nanoseconds
	written  atomic.Int64 // local.Load() as of the last write Redis confirmed
	// dead: Redis refuses this process's writes (ErrRetired or
	// ErrNodeTaken); its adds from then on count only locally, offset is
	// the sum of every entry in Redis, and Value returns it.
	dead    atomic.Pointer[error]
	retired atomic.Bool // dead because the node was retired
}

// Counter returns the counter called name, made on first use: 1 to 128 of
// A-Z a-z 0-9 _ . -. It returns an error wrapping ErrInvalid for a bad name.
func (s *Store) Counter(name string) (*Counter, error) {
	if !validName().MatchString(name) {
		return nil, fmt.Errorf("%w counter name %q: want 1 to 128 of A-Z a-z 0-9 _ . -", ErrInvalid, name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.counters[name]; ok {
		return c, nil
	}
	c := &Counter{s: s, name: name, token: rand.Text(), keys: []string{s.key(name, "c"), s.key(name, "c:epoch")}}
	s.counters[name] = c
	return c, nil
}

// Add adds d (which may be negative) locally; the next flush makes it
// visible to every process.
func (c *Counter) Add(d int64) { c.local.Add(d) }

// Inc adds 1.
func (c *Counter) Inc() { c.local.Add(1) }

// Dec subtracts 1.
func (c *Counter) Dec() { c.local.Add(-1) }

// Local returns this node's total: what earlier incarnations of the node
// left in Redis (once the first flush has read it) plus every Add of this
// process, flushed or not.
func (c *Counter) Local() int64 { return c.baseNet.Load() + c.local.Load() }

// Value returns the cluster-wide value without a round trip: every other
// node's total as of the last successful flush, plus this node's current
// total. It is stale by at most Stats().Age for other nodes' adds (plus
// their own flush interval) and exact for this node's. Once Redis refuses
// this process's writes (Err is not nil: the node was retired, or another
// process claimed it), Value is the value in Redis as of the last flush:
// it no longer includes adds Redis refused (see Refused).
func (c *Counter) Value() int64 {
	if c.dead.Load() != nil {
		return c.offset.Load()
	}
	return c.offset.Load() + c.local.Load()
}

// Refused returns the net adds of this process that Redis refused: those
// made after its last write Redis confirmed, once Err is not nil, and 0
// before. (A confirmation lost on the way back makes it count the adds of
// that write too, though Redis took them.)
func (c *Counter) Refused() int64 {
	if c.dead.Load() == nil {
		return 0
	}
	return c.local.Load() - c.written.Load()
}

// Staleness returns the age of the counter's last successful sync (or the
// time since the store was made, if none).
func (c *Counter) Staleness() time.Duration {
	since := c.s.start
	if ns := c.lastSync.Load(); ns != 0 {
		since = time.Unix(0, ns)
	}
	return c.s.opts.Now().Sub(since)
}

// Err returns ErrRetired or ErrNodeTaken (wrapped) once Redis refuses the
// counter's writes, and nil before. It stays set: this process's later adds
// count only locally. (A later process of the same node ID counts again,
// as a new incarnation.)
func (c *Counter) Err() error {
	if p := c.dead.Load(); p != nil {
		return *p
	}
	return nil
}

// Load reads the value from Redis now: the sum over every node's fields,
// with this node's replaced by its current totals if they are ahead (unless
// Redis refuses its writes: the sum in Redis, then).
func (c *Counter) Load(ctx context.Context) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, c.s.opts.Timeout)
	defer cancel()
	fields, err := c.s.client.HGetAll(ctx, c.keys[0]).Result()
	if err != nil {
		return 0, fmt.Errorf("redisstore: reading counter %q: %w", c.name, err)
	}
	others, own, err := sumFields(fields, c.s.opts.Node)
	if err != nil {
		return 0, fmt.Errorf("redisstore: counter %q: %w", c.name, err)
	}
	if c.dead.Load() != nil {
		return others + int64(own[0]-own[1]), nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.epoch == 0 { // not claimed yet: nothing of this process is in Redis
		return others + int64(own[0]-own[1]) + c.local.Load(), nil
	}
	p, n := c.totalsLocked()
	return others + int64(max(own[0], p)-max(own[1], n)), nil
}

// Retire flushes the store and then retires this node's entry of the
// counter: its totals move, in one atomic step, into the "~retired" entry,
// and this process's writes are refused from then on. Call it after the
// last Add, when a node leaves, to keep the hash small. A later process
// with the same node ID comes back as a new incarnation, whose entry starts
// from zero, and counts again.
//
// Adds after Retire (and adds racing with it) are not counted; Refused
// counts them.
func (c *Counter) Retire(ctx context.Context) error {
	s := c.s
	s.flushMu.Lock() // no flush between the last one and the retirement
	defer s.flushMu.Unlock()
	if err := s.flushLocked(ctx); err != nil {
		return err
	}
	if err := c.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	epoch := c.epoch
	c.mu.Unlock()
	if err := s.retire(ctx, c.name, s.opts.Node, epoch); err != nil {
		if redis.HasErrorPrefix(err, "ABACUS_STALE") {
			err = fmt.Errorf("%w: counter %q: %w", ErrNodeTaken, c.name, err)
			c.markDead(err, false, false)
		}
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	if fields, err := s.client.HGetAll(ctx, c.keys[0]).Result(); err == nil {
		if others, own, err := sumFields(fields, s.opts.Node); err == nil {
			c.offset.Store(others + int64(own[0]-own[1]))
		}
	}
	c.markDead(fmt.Errorf("%w: %q retired counter %q", ErrRetired, s.opts.Node, c.name), true, true)
	return nil
}

// markDead records that Redis refuses the counter's writes: it writes no
// more, and from the next read on Value and Load are the sum in Redis. The
// first time, it tells Options.OnRefused, unless this process retired the
// counter itself (self).
func (c *Counter) markDead(err error, retired, self bool) {
	if retired {
		c.retired.Store(true)
	}
	if c.dead.CompareAndSwap(nil, &err) && !self && c.s.opts.OnRefused != nil {
		c.s.opts.OnRefused(err)
	}
}

// lost returns the error a flush reports for a dead counter: while it has
// adds Redis refused, or while another process holds its node ID, every
// flush says so; a counter retired after its last add reports nothing.
func (c *Counter) lost() error {
	p := c.dead.Load()
	if p == nil {
		return nil
	}
	if n := c.Refused(); n != 0 || !c.retired.Load() {
		return fmt.Errorf("%w (%d adds of this process not counted)", *p, n)
	}
	return nil
}

// Retire retires node's entry of the counter called name: the way to fold in
// a node that crashed, or left without retiring. Its totals as they are in
// Redis move into the "~retired" entry, once (retiring again does nothing),
// and later writes of that incarnation of the node are refused (a process
// still running under it reports ErrRetired). Its adds that were never
// flushed are lost. A later process with the same node ID counts again, as
// a new incarnation.
func (s *Store) Retire(ctx context.Context, name, node string) error {
	if !validName().MatchString(name) || !validName().MatchString(node) {
		return fmt.Errorf("%w counter %q or node %q", ErrInvalid, name, node)
	}
	return s.retire(ctx, name, node, 0)
}

// retire runs the retire script for the incarnation epoch of node (0: the
// current one).
func (s *Store) retire(ctx context.Context, name, node string, epoch int64) error {
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	keys := []string{s.key(name, "c"), s.key(name, "c:epoch")}
	if err := scriptRetire.Run(ctx, s.client, keys, node, epoch).Err(); err != nil {
		return fmt.Errorf("redisstore: retiring %q from %q: %w", node, name, err)
	}
	return nil
}

func (c *Counter) needsClaim() bool {
	if c.dead.Load() != nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.epoch == 0
}

// claimed takes the reply of the claim script: the new epoch and the totals
// of earlier incarnations, which this one continues from.
func (c *Counter) claimed(cmd *redis.Cmd) error {
	reply, err := cmd.Slice()
	if err != nil {
		return err
	}
	if len(reply) != 3 {
		return fmt.Errorf("%w: claim of %q replied %v", errBadReply, c.name, reply)
	}
	epoch, ok := reply[0].(int64)
	p, errP := parseTotal(reply[1])
	n, errN := parseTotal(reply[2])
	if !ok || errP != nil || errN != nil {
		return fmt.Errorf("%w: claim of %q replied %v", errBadReply, c.name, reply)
	}
	c.mu.Lock()
	c.epoch = epoch
	c.base = [2]uint64{p, n}
	c.mu.Unlock()
	net := int64(p - n)
	c.baseNet.Store(net)
	c.offset.Add(net)
	return nil
}

// totalsLocked folds local adds into pn and returns the node's totals.
func (c *Counter) totalsLocked() (p, n uint64) {
	l := c.local.Load()
	if d := l - c.synced; d > 0 {
		c.pn[0] += uint64(d)
	} else {
		c.pn[1] += uint64(-d)
	}
	c.synced = l
	return c.base[0] + c.pn[0], c.base[1] + c.pn[1]
}

type counterFlush struct {
	c      *Counter
	synced int64 // local.Load() that the raise writes
	raise  *redis.Cmd
	all    *redis.MapStringStringCmd
}

// prepare queues the raise of this node's fields and a read of all fields;
// for a counter whose writes Redis refuses, only the read.
func (c *Counter) prepare(ctx context.Context, pipe redis.Pipeliner) *counterFlush {
	if c.dead.Load() != nil {
		return &counterFlush{c: c, all: pipe.HGetAll(ctx, c.keys[0])}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.epoch == 0 {
		return nil
	}
	p, n := c.totalsLocked()
	return &counterFlush{
		c:      c,
		synced: c.synced,
		raise: scriptRaise.EvalSha(ctx, pipe, c.keys, c.s.opts.Node, c.epoch,
			strconv.FormatUint(p, 10), strconv.FormatUint(n, 10)),
		all: pipe.HGetAll(ctx, c.keys[0]),
	}
}

func (f *counterFlush) finish(now time.Time) error {
	c := f.c
	if f.raise != nil {
		err := f.raise.Err()
		switch {
		case err == nil:
			c.written.Store(f.synced)
		case redis.HasErrorPrefix(err, "ABACUS_STALE"):
			c.markDead(fmt.Errorf("%w: counter %q: %w", ErrNodeTaken, c.name, err), false, false)
		case redis.HasErrorPrefix(err, "ABACUS_RETIRED"):
			// Retired by another store: the read queued after the raise
			// already counts the totals in "~retired".
			c.markDead(fmt.Errorf("%w: counter %q: %w", ErrRetired, c.name, err), true, false)
		default:
			return fmt.Errorf("redisstore: writing counter %q: %w", c.name, err)
		}
		if err != nil {
			c.s.opts.Logger.Error("redisstore: Redis refuses this process's writes of a counter; its adds count only locally",
				"counter", c.name, "node", c.s.opts.Node, "err", c.Err())
		}
	}
	lost := c.lost()
	fields, err := f.all.Result()
	if err != nil {
		return errors.Join(lost, err)
	}
	others, own, err := sumFields(fields, c.s.opts.Node)
	if err != nil {
		return errors.Join(lost, fmt.Errorf("redisstore: counter %q: %w", c.name, err))
	}
	if c.dead.Load() != nil {
		c.offset.Store(others + int64(own[0]-own[1]))
	} else {
		c.offset.Store(others + c.baseNet.Load())
	}
	c.lastSync.Store(now.UnixNano())
	return lost
}

// sumFields sums P - N over the fields of every node but own (the "~retired"
// entry included) and returns own's P and N apart.
func sumFields(fields map[string]string, own string) (others int64, ownPN [2]uint64, err error) {
	var sum uint64
	for k, v := range fields {
		i := strings.LastIndexByte(k, ':')
		x, perr := strconv.ParseUint(v, 10, 64)
		if i < 0 || perr != nil || (k[i+1:] != "p" && k[i+1:] != "n") {
			return 0, ownPN, fmt.Errorf("malformed field %q = %q", k, v)
		}
		neg := k[i+1:] == "n"
		if k[:i] == own {
			if neg {
				ownPN[1] = x
			} else {
				ownPN[0] = x
			}
			continue
		}
		if neg {
			sum -= x
		} else {
			sum += x
		}
	}
	return int64(sum), ownPN, nil
}

func parseTotal(v any) (uint64, error) {
	s, ok := v.(string)
	if !ok {
		return 0, errors.New("not a string")
	}
	return strconv.ParseUint(s, 10, 64)
}
