package redistest

import (
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"
)

// through starts a server and a proxy in front of it.
func through(t *testing.T) (*Server, *Proxy) {
	s := Require(t)
	return s, NewProxy(t, s.Addr())
}

func dial(t *testing.T, addr string, timeout time.Duration) *Conn {
	t.Helper()
	c, err := Dial(addr, timeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func do(t *testing.T, c *Conn, want string, args ...string) {
	t.Helper()
	if got, err := c.Do(args...); err != nil || got != want {
		t.Fatalf("%v = %q, %v; want %q", args, got, err, want)
	}
}

func TestProxyForwards(t *testing.T) {
	s, p := through(t)
	c := dial(t, p.Addr(), 5*time.Second)
	do(t, c, "OK", "SET", "k", "v")
	do(t, c, "v", "GET", "k")
	if got, err := s.Do("GET", "k"); err != nil || got != "v" {
		t.Fatalf("GET on the server = %q, %v; want v", got, err)
	}
	want := ProxyStats{Connections: 1, Requests: 2, Replies: 2}
	if got := p.Stats(); got != want {
		t.Fatalf("Stats = %+v; want %+v", got, want)
	}
}

func TestProxyDelay(t *testing.T) {
	_, p := through(t)
	const delay = 30 * time.Millisecond
	p.SetFaults(Faults{Delay: delay})
	c := dial(t, p.Addr(), 5*time.Second)
	start := time.Now()
	do(t, c, "PONG", "PING")
	if d := time.Since(start); d < 2*delay {
		t.Fatalf("PING through a proxy delaying %v each way took %v", delay, d)
	}
}

func TestProxyBlackhole(t *testing.T) {
	_, p := through(t)
	held := dial(t, p.Addr(), 5*time.Second)
	p.SetFaults(Faults{Blackhole: true})
	c := dial(t, p.Addr(), 200*time.Millisecond)
	if got, err := c.Do("PING"); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("PING through a blackhole = %q, %v; want a timeout", got, err)
	}
	if err := held.Send("PING"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	p.SetFaults(Faults{})
	if got, err := held.Receive(); err != nil || got != "PONG" {
		t.Fatalf("PING held by a healed blackhole = %q, %v; want PONG", got, err)
	}
	do(t, dial(t, p.Addr(), 5*time.Second), "PONG", "PING")
}

// TestProxyDuplicateRequest checks that the server executes a duplicated
// INCR twice while the client reads one reply and stays in step.
func TestProxyDuplicateRequest(t *testing.T) {
	s, p := through(t)
	p.SetFaults(Faults{DuplicateRequestRate: 1})
	c := dial(t, p.Addr(), 5*time.Second)
	do(t, c, "2", "INCR", "k")
	if got, err := s.Do("GET", "k"); err != nil || got != "2" {
		t.Fatalf("GET k after one duplicated INCR = %q, %v; want 2", got, err)
	}
	p.SetFaults(Faults{})
	do(t, c, "2", "GET", "k") // the client's connection is in step
	if got := p.Stats().DuplicatedRequests; got != 1 {
		t.Fatalf("DuplicatedRequests = %d; want 1", got)
	}
}

// TestProxyDrop checks that a dropped request ran on the server by the time
// the client sees EOF.
func TestProxyDrop(t *testing.T) {
	s, p := through(t)
	p.SetFaults(Faults{DropRate: 1})
	c := dial(t, p.Addr(), 5*time.Second)
	if got, err := c.Do("INCR", "k"); !errors.Is(err, io.EOF) {
		t.Fatalf("INCR through a dropping proxy = %q, %v; want EOF", got, err)
	}
	if got, err := s.Do("GET", "k"); err != nil || got != "1" {
		t.Fatalf("GET k after a dropped INCR = %q, %v; want 1", got, err)
	}
	if st := p.Stats(); st.Dropped != 1 || st.Replies != 0 {
		t.Fatalf("Stats = %+v; want 1 dropped, no replies", st)
	}
}

func TestProxyDuplicateReply(t *testing.T) {
	_, p := through(t)
	p.SetFaults(Faults{DuplicateReplyRate: 1})
	c := dial(t, p.Addr(), 5*time.Second)
	do(t, c, "1", "INCR", "k")
	if got, err := c.Receive(); err != nil || got != "1" {
		t.Fatalf("the stray second reply = %q, %v; want 1", got, err)
	}
	if got := p.Stats().DuplicatedReplies; got != 1 {
		t.Fatalf("DuplicatedReplies = %d; want 1", got)
	}
}

func TestProxyRefuseAndCloseAll(t *testing.T) {
	_, p := through(t)
	c := dial(t, p.Addr(), 5*time.Second)
	do(t, c, "PONG", "PING")
	p.CloseAll()
	if got, err := c.Do("PING"); err == nil {
		t.Fatalf("PING after CloseAll = %q; want an error", got)
	}
	c = dial(t, p.Addr(), 5*time.Second)
	do(t, c, "PONG", "PING")
	p.SetFaults(Faults{Refuse: true})
	if got, err := c.Do("PING"); err == nil {
		t.Fatalf("PING on a connection open when Refuse was set = %q; want an error", got)
	}
	if got, err := dial(t, p.Addr(), 5*time.Second).Do("PING"); err == nil {
		t.Fatalf("PING on a new connection with Refuse = %q; want an error", got)
	}
	p.SetFaults(Faults{})
	do(t, dial(t, p.Addr(), 5*time.Second), "PONG", "PING")
	if st := p.Stats(); st.Connections != 4 || st.Refused != 1 {
		t.Fatalf("Stats = %+v; want 4 connections, 1 refused", st)
	}
}

// TestProxyTargetDown checks that a client of a proxy whose target is down
// connects and then reads EOF.
func TestProxyTargetDown(t *testing.T) {
	s, p := through(t)
	s.Kill()
	if got, err := dial(t, p.Addr(), 5*time.Second).Do("PING"); err == nil {
		t.Fatalf("PING through a proxy to a killed server = %q; want an error", got)
	}
	s.Restart()
	do(t, dial(t, p.Addr(), 5*time.Second), "PONG", "PING")
}

// echo serves target for the proxy tests that need no Redis: it echoes
// every chunk it reads and counts the bytes it has seen by value.
type echo struct {
	ln   net.Listener
	wg   sync.WaitGroup
	mu   sync.Mutex
	seen [256]int
}

func newEcho(t *testing.T) *echo {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e := &echo{ln: ln}
	var conns []net.Conn
	var mu sync.Mutex
	e.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			e.wg.Go(func() {
				buf := make([]byte, 1024)
				for {
					n, err := c.Read(buf)
					e.mu.Lock()
					for _, b := range buf[:n] {
						e.seen[b]++
					}
					e.mu.Unlock()
					if _, werr := c.Write(buf[:n]); err != nil || werr != nil {
						c.Close()
						return
					}
				}
			})
		}
	})
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		e.wg.Wait()
	})
	return e
}

// twice returns the byte values the echo server has seen twice or more.
func (e *echo) twice() []int {
	e.mu.Lock()
	defer e.mu.Unlock()
	var r []int
	for b, n := range e.seen {
		if n >= 2 {
			r = append(r, b)
		}
	}
	return r
}

// TestProxySeed checks that the same seed makes the same choices.
func TestProxySeed(t *testing.T) {
	run := func(seed uint64) []int {
		var twice []int
		t.Run("", func(t *testing.T) {
			e := newEcho(t)
			p := NewProxy(t, e.ln.Addr().String())
			p.SetFaults(Faults{DuplicateRequestRate: 0.5, Seed: seed})
			c, err := net.Dial("tcp", p.Addr())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			b := make([]byte, 1)
			for i := range 64 {
				if _, err := c.Write([]byte{byte(i)}); err != nil {
					t.Fatal(err)
				}
				if _, err := io.ReadFull(c, b); err != nil || b[0] != byte(i) {
					t.Fatalf("echo of %d = %d, %v", i, b[0], err)
				}
			}
			twice = e.twice()
			if got := p.Stats().DuplicatedRequests; got != int64(len(twice)) {
				t.Fatalf("DuplicatedRequests = %d; the target saw %d bytes twice", got, len(twice))
			}
		})
		return twice
	}
	a, b, c := run(7), run(7), run(8)
	if len(a) == 0 || len(a) == 64 {
		t.Fatalf("rate 0.5 duplicated %d of 64", len(a))
	}
	if !slices.Equal(a, b) {
		t.Fatalf("seed 7 duplicated %v, then %v", a, b)
	}
	if slices.Equal(a, c) {
		t.Fatalf("seeds 7 and 8 both duplicated %v", a)
	}
}

// TestProxyCleanup checks that a proxy's goroutines are gone when its test
// ends, connections held by a blackhole and a delay included.
func TestProxyCleanup(t *testing.T) {
	e := newEcho(t)
	before := runtime.NumGoroutine()
	var conns []net.Conn // left open: the proxy must not wait for clients to go
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	t.Run("", func(t *testing.T) {
		p := NewProxy(t, e.ln.Addr().String())
		for _, f := range []Faults{{}, {Delay: time.Hour}, {Blackhole: true}} {
			p.SetFaults(f)
			c, err := net.Dial("tcp", p.Addr())
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c)
			if _, err := c.Write([]byte("x")); err != nil {
				t.Fatal(err)
			}
		}
		for p.Stats().Connections < 3 {
			time.Sleep(time.Millisecond)
		}
	})
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines before the proxy, %d after:\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}
