package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/abacusgo/abacus/crdt"
	"github.com/abacusgo/abacus/internal/redistest"
	"github.com/abacusgo/abacus/redisstore"
)

// The login-counter case study (../shared/seeds/003) compares six ways of
// counting logins across servers. Each is built here behind one interface,
// on this machine, with real sockets: HTTP on loopback and a private
// redis-server. BenchmarkLoginCounter times writes (one login counted) and
// reads (the cluster-wide count), and TestLoginCounterExact checks that every
// approach that claims to be exact ends with the exact total.

// nodes is how many servers the distributed approaches simulate.
const nodes = 3

// writers is the parallelism of the write benchmarks: goroutines per
// GOMAXPROCS, like a server handling many logins at once. Network-bound
// approaches need concurrency to show their throughput.
const writers = 16

// A loginCounter is one approach. Its methods are safe for concurrent use.
type loginCounter interface {
	// inc counts one login on node (0 <= node < nodes).
	inc(node int) error
	// read returns the cluster-wide count as a reader on node 0 sees it.
	read() (int64, error)
	// settle makes every write visible to read: a flush or a round of
	// gossip. It does nothing for approaches that are always up to date.
	settle() error
}

// approach describes one row of the table.
type approach struct {
	name string
	// exact says whether the total after settle must equal the logins
	// counted. Every approach here is exact in the absence of faults; the
	// consistency column of docs/BENCHMARKS.md says what happens under them.
	exact bool
	make  func(tb testing.TB) loginCounter
}

var approaches = []approach{
	{"local-atomic", true, newLocalAtomic},
	{"central-http", true, newCentralHTTP},
	{"aggregate-on-demand", true, newAggregate},
	{"redis-incr", true, newRedisIncr},
	{"redis-batched", true, newRedisBatched},
	{"crdt-merge", true, newCRDT},
}

// localAtomic: one process, one atomic word; the baseline, not distributed.
type localAtomic struct{ n atomic.Int64 }

func newLocalAtomic(testing.TB) loginCounter { return &localAtomic{} }
func (l *localAtomic) inc(int) error         { l.n.Add(1); return nil }
func (l *localAtomic) read() (int64, error)  { return l.n.Load(), nil }
func (l *localAtomic) settle() error         { return nil }

// httpClient returns a client with enough idle connections for the write
// benchmarks' goroutines, so that every request reuses a connection.
func httpClient(tb testing.TB) *http.Client {
	tr := &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024, IdleConnTimeout: time.Minute}
	tb.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 5 * time.Second}
}

// get fetches url and parses its body as an integer.
func get(c *http.Client, url string) (int64, error) {
	resp, err := c.Get(url)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return strconv.ParseInt(string(b), 10, 64)
}

// countHandler serves a counter: POST / adds one, GET / returns the count.
// The central service guards its count with a mutex, as the case study's
// CentralCounter does.
func countHandler(mu *sync.Mutex, n *int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if r.Method == http.MethodPost {
			*n++
		}
		v := *n
		mu.Unlock()
		w.Write(strconv.AppendInt(nil, v, 10))
	})
}

// centralHTTP: every login is a POST to one counting service.
type centralHTTP struct {
	url string
	c   *http.Client
}

func newCentralHTTP(tb testing.TB) loginCounter {
	var (
		mu sync.Mutex
		n  int64
	)
	srv := httptest.NewServer(countHandler(&mu, &n))
	tb.Cleanup(srv.Close)
	return &centralHTTP{url: srv.URL, c: httpClient(tb)}
}

func (h *centralHTTP) inc(int) error {
	resp, err := h.c.Post(h.url, "text/plain", nil)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST: %s", resp.Status)
	}
	return nil
}

func (h *centralHTTP) read() (int64, error) { return get(h.c, h.url) }
func (h *centralHTTP) settle() error        { return nil }

// aggregate: each server counts its own logins in an atomic word and serves
// it over HTTP; a read asks every server at once and sums the answers.
type aggregate struct {
	local [nodes]atomic.Int64
	urls  [nodes]string
	c     *http.Client
}

func newAggregate(tb testing.TB) loginCounter {
	a := &aggregate{c: httpClient(tb)}
	for i := range nodes {
		n := &a.local[i]
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Write(strconv.AppendInt(nil, n.Load(), 10))
		}))
		tb.Cleanup(srv.Close)
		a.urls[i] = srv.URL
	}
	return a
}

func (a *aggregate) inc(node int) error { a.local[node].Add(1); return nil }
func (a *aggregate) settle() error      { return nil }

func (a *aggregate) read() (int64, error) {
	var (
		wg    sync.WaitGroup
		total atomic.Int64
		errs  [nodes]error
	)
	for i, url := range a.urls {
		wg.Go(func() {
			n, err := get(a.c, url)
			total.Add(n)
			errs[i] = err
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return 0, err
		}
	}
	return total.Load(), nil
}

// redisClient starts a private redis-server and returns a client of it with
// a pool large enough for the write benchmarks' goroutines.
func redisClient(tb testing.TB) *redis.Client {
	srv := redistest.Require(tb)
	c := redis.NewClient(&redis.Options{Addr: srv.Addr(), PoolSize: 256, ReadTimeout: 5 * time.Second, ContextTimeoutEnabled: true})
	tb.Cleanup(func() { c.Close() })
	return c
}

// redisIncr: every login is an INCR, the case study's Redis approach.
type redisIncr struct{ c *redis.Client }

func newRedisIncr(tb testing.TB) loginCounter { return &redisIncr{redisClient(tb)} }

func (r *redisIncr) inc(int) error {
	return r.c.Incr(context.Background(), "logins").Err()
}

func (r *redisIncr) read() (int64, error) {
	n, err := r.c.Get(context.Background(), "logins").Int64()
	if err == redis.Nil {
		return 0, nil
	}
	return n, err
}

func (r *redisIncr) settle() error { return nil }

// redisBatched: package redisstore. Each server counts locally and a
// background flush (every 100 ms here) raises its per-node totals in Redis;
// a read is Counter.Load, one round trip that sums the nodes' fields.
type redisBatched struct {
	stores   [nodes]*redisstore.Store
	counters [nodes]*redisstore.Counter
}

func newRedisBatched(tb testing.TB) loginCounter {
	c := redisClient(tb)
	r := &redisBatched{}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	tb.Cleanup(func() { cancel(); wg.Wait() })
	for i := range nodes {
		s, err := redisstore.New(c, redisstore.Options{
			Node:     "node-" + strconv.Itoa(i),
			Interval: 100 * time.Millisecond,
			Logger:   slog.New(slog.DiscardHandler),
		})
		if err != nil {
			tb.Fatal(err)
		}
		if r.counters[i], err = s.Counter("logins"); err != nil {
			tb.Fatal(err)
		}
		r.stores[i] = s
		wg.Go(func() { s.Run(ctx) })
	}
	return r
}

func (r *redisBatched) inc(node int) error { r.counters[node].Inc(); return nil }

func (r *redisBatched) read() (int64, error) {
	return r.counters[0].Load(context.Background())
}

func (r *redisBatched) settle() error {
	for _, s := range r.stores {
		if err := s.Flush(context.Background()); err != nil {
			return err
		}
	}
	return nil
}

// crdtMerge: package crdt. Each server adds to its own PN-counter and reads
// it locally; settle is a round of delta gossip, each node sending every
// other node what changed since that node last heard from it, encoded and
// decoded as it would cross the network.
type crdtMerge struct {
	mu      sync.Mutex // serialises gossip rounds
	nodes   [nodes]*crdt.PNCounter
	cursors [nodes][nodes]crdt.Cursor // cursors[to][from]
}

func newCRDT(tb testing.TB) loginCounter {
	c := &crdtMerge{}
	for i := range nodes {
		n, err := crdt.NewPNCounter("node-" + strconv.Itoa(i))
		if err != nil {
			tb.Fatal(err)
		}
		c.nodes[i] = n
	}
	return c
}

func (c *crdtMerge) inc(node int) error   { c.nodes[node].Inc(); return nil }
func (c *crdtMerge) read() (int64, error) { return c.nodes[0].Value(), nil }

func (c *crdtMerge) settle() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for to := range nodes {
		for from := range nodes {
			if to == from {
				continue
			}
			d := c.nodes[from].DeltaSince(c.cursors[to][from])
			wire, err := d.MarshalBinary()
			if err != nil {
				return err
			}
			var got crdt.State
			if err := got.UnmarshalBinary(wire); err != nil {
				return err
			}
			if err := c.nodes[to].Merge(got); err != nil {
				return err
			}
			c.cursors[to][from] = got.Cursor
		}
	}
	return nil
}

// BenchmarkLoginCounter times each approach:
//
//   - write: one login counted, from GOMAXPROCS × 16 goroutines spread over
//     the nodes. The time includes making every write visible (a final
//     flush or gossip round), and the benchmark fails unless the total read
//     afterwards equals the logins counted.
//   - read: one cluster-wide count, from one goroutine.
//
// ns/op converts to writes/s and reads/s; docs/BENCHMARKS.md has the table.
func BenchmarkLoginCounter(b *testing.B) {
	for _, a := range approaches {
		b.Run("write/"+a.name, func(b *testing.B) {
			lc := a.make(b)
			before, err := lc.read()
			if err != nil {
				b.Fatal(err)
			}
			var next atomic.Int64
			b.SetParallelism(writers)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				node := int(next.Add(1)) % nodes
				for pb.Next() {
					if err := lc.inc(node); err != nil {
						b.Error(err)
						return
					}
				}
			})
			if err := lc.settle(); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			after, err := lc.read()
			if err != nil {
				b.Fatal(err)
			}
			if a.exact && after-before != int64(b.N) {
				b.Fatalf("%s counted %d logins; want %d", a.name, after-before, b.N)
			}
		})
	}
	for _, a := range approaches {
		b.Run("read/"+a.name, func(b *testing.B) {
			lc := a.make(b)
			for i := range 100 {
				if err := lc.inc(i % nodes); err != nil {
					b.Fatal(err)
				}
			}
			if err := lc.settle(); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := lc.read(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLoginCounterCached times the reads that need no round trip: the
// value a redisstore counter caches from its last flush (other nodes as of
// then, plus its own exact count) and a CRDT node's local view.
func BenchmarkLoginCounterCached(b *testing.B) {
	b.Run("redis-batched-value", func(b *testing.B) {
		r := newRedisBatched(b).(*redisBatched)
		for b.Loop() {
			_ = r.counters[0].Value()
		}
	})
}

// BenchmarkLoginCounterSettle times what makes writes visible to other
// nodes: one flush of every node's counter to Redis (three pipelines of a
// Lua raise and an HGETALL), or one round of CRDT delta gossip among the
// nodes, each after every node counted a login. It is the floor of those
// approaches' staleness, which in practice is set by the flush or gossip
// interval.
func BenchmarkLoginCounterSettle(b *testing.B) {
	for _, a := range approaches {
		if a.name != "redis-batched" && a.name != "crdt-merge" {
			continue
		}
		b.Run(a.name, func(b *testing.B) {
			lc := a.make(b)
			for b.Loop() {
				for node := range nodes {
					if err := lc.inc(node); err != nil {
						b.Fatal(err)
					}
				}
				if err := lc.settle(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestLoginCounterExact runs every approach with concurrent logins on every
// node and checks the settled total.
func TestLoginCounterExact(t *testing.T) {
	for _, a := range approaches {
		t.Run(a.name, func(t *testing.T) {
			lc := a.make(t)
			const perNode = 500
			var wg sync.WaitGroup
			for node := range nodes {
				for range 4 {
					wg.Go(func() {
						for range perNode / 4 {
							if err := lc.inc(node); err != nil {
								t.Error(err)
								return
							}
						}
					})
				}
			}
			wg.Wait()
			if err := lc.settle(); err != nil {
				t.Fatal(err)
			}
			got, err := lc.read()
			if err != nil {
				t.Fatal(err)
			}
			if got != nodes*perNode {
				t.Fatalf("%s: %d logins counted; want %d", a.name, got, nodes*perNode)
			}
		})
	}
}
