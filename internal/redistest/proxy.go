package redistest

import (
	"bytes"
	"context"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A Proxy forwards TCP connections from its own address to a target and
// injects the faults it is given; see Faults. It is closed, with all its
// connections, in t.Cleanup, which returns only once every goroutine of the
// proxy has exited.
type Proxy struct {
	target string
	ln     net.Listener
	ctx    context.Context // canceled when the proxy closes
	cancel context.CancelFunc
	wg     sync.WaitGroup // the accept loop and every connection's goroutines

	mu      sync.Mutex
	faults  Faults
	changed chan struct{} // closed and replaced by SetFaults
	links   map[*link]struct{}
	nlinks  uint64 // connections accepted so far: the next one's number
	closed  bool

	stats struct {
		connections, refused, requests, replies, dropped, dupRequests, dupReplies atomic.Int64
	}
}

// Timeouts of the proxy's own connections to the target.
const (
	dialTimeout = 5 * time.Second
	dupTimeout  = 2 * time.Second // for the reply to a duplicated request
	dropTimeout = 2 * time.Second // for the reply to a dropped request
)

// NewProxy listens on 127.0.0.1 on a free port and forwards each connection
// it accepts to target, dialing target when it accepts. It starts with no
// faults.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("redistest: proxy: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Proxy{
		target:  target,
		ln:      ln,
		ctx:     ctx,
		cancel:  cancel,
		changed: make(chan struct{}),
		links:   map[*link]struct{}{},
	}
	p.wg.Go(p.accept)
	t.Cleanup(p.close)
	return p
}

// Addr returns the address clients connect to, "127.0.0.1:port".
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// SetFaults replaces the faults. They apply to chunks read from then on
// (and to chunks held by a Blackhole or a Delay when it ends); Refuse closes
// the current connections at once.
func (p *Proxy) SetFaults(f Faults) {
	p.mu.Lock()
	p.faults = f
	close(p.changed)
	p.changed = make(chan struct{})
	p.mu.Unlock()
	if f.Refuse {
		p.CloseAll()
	}
}

// Faults returns the current faults.
func (p *Proxy) Faults() Faults {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.faults
}

// Stats returns the counts so far. They are read one by one, so while
// traffic flows they may not add up exactly.
func (p *Proxy) Stats() ProxyStats {
	return ProxyStats{
		Connections:        p.stats.connections.Load(),
		Refused:            p.stats.refused.Load(),
		Requests:           p.stats.requests.Load(),
		Replies:            p.stats.replies.Load(),
		Dropped:            p.stats.dropped.Load(),
		DuplicatedRequests: p.stats.dupRequests.Load(),
		DuplicatedReplies:  p.stats.dupReplies.Load(),
	}
}

// CloseAll severs every current connection, on both sides: clients read EOF,
// and the server sees its clients go. New connections are still accepted.
func (p *Proxy) CloseAll() {
	p.mu.Lock()
	links := make([]*link, 0, len(p.links))
	for l := range p.links {
		links = append(links, l)
	}
	p.mu.Unlock()
	for _, l := range links {
		l.close()
	}
}

// close stops accepting, severs every connection and waits for every
// goroutine to exit.
func (p *Proxy) close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.cancel()
	p.ln.Close()
	p.CloseAll()
	p.wg.Wait()
}

func (p *Proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return // closed
		}
		p.stats.connections.Add(1)
		// Numbered here, in accept order, so that a Seed reproduces a run
		// whatever the scheduling of the connections' goroutines.
		p.mu.Lock()
		id := p.nlinks
		p.nlinks++
		p.mu.Unlock()
		p.wg.Go(func() { p.serve(c, id) })
	}
}

// serve dials the target for client c, the id-th connection accepted, and
// runs the two directions.
func (p *Proxy) serve(c net.Conn, id uint64) {
	p.mu.Lock()
	refuse := p.faults.Refuse
	p.mu.Unlock()
	if refuse {
		p.stats.refused.Add(1)
		c.Close()
		return
	}
	d := net.Dialer{Timeout: dialTimeout}
	s, err := d.DialContext(p.ctx, "tcp", p.target)
	if err != nil {
		c.Close() // the target is down: the client reads EOF
		return
	}
	l := &link{p: p, id: id, client: c, server: s, done: make(chan struct{})}
	if !p.add(l) {
		l.close()
		return
	}
	p.wg.Go(l.replies)
	l.requests()
}

// add registers l, unless the proxy is closing.
func (p *Proxy) add(l *link) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.links[l] = struct{}{}
	return true
}

func (p *Proxy) remove(l *link) {
	p.mu.Lock()
	delete(p.links, l)
	p.mu.Unlock()
}

// pass waits while the proxy is blackholed and returns the faults that
// apply to a chunk about to be forwarded. It returns false if the link is
// closed meanwhile, or closes it and returns false if the proxy refuses.
func (p *Proxy) pass(l *link) (Faults, bool) {
	for {
		p.mu.Lock()
		f, changed := p.faults, p.changed
		p.mu.Unlock()
		if f.Refuse {
			l.close()
			return f, false
		}
		if !f.Blackhole {
			return f, true
		}
		select {
		case <-changed:
		case <-l.done:
			return f, false
		}
	}
}

// duplicate executes chunk on a connection of its own and waits for the
// first byte of the reply. It reports whether the server got the chunk.
func (p *Proxy) duplicate(chunk []byte) bool {
	d := net.Dialer{Timeout: dialTimeout}
	c, err := d.DialContext(p.ctx, "tcp", p.target)
	if err != nil {
		return false
	}
	defer c.Close()
	stop := context.AfterFunc(p.ctx, func() { c.Close() })
	defer stop()
	_ = c.SetDeadline(time.Now().Add(dupTimeout))
	if _, err := c.Write(chunk); err != nil {
		return false
	}
	// It ran only if a reply came, and not a protocol error (a chunk that
	// holds part of a command never completes on its own connection).
	reply := make([]byte, 16)
	n, err := c.Read(reply)
	return err == nil && n > 0 && !bytes.HasPrefix(reply[:n], []byte("-ERR Protocol"))
}
