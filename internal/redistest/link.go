package redistest

import (
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// A link is one client connection and its connection to the target.
type link struct {
	p              *Proxy
	id             uint64 // the connection's number, for seeding
	client, server net.Conn
	done           chan struct{} // closed by close
	once           sync.Once
	drop           atomic.Bool // a request was dropped: swallow the reply and close
}

// chunkSize is the most one read takes from a socket.
const chunkSize = 32 << 10

// close closes both connections; the two directions then end.
func (l *link) close() {
	l.once.Do(func() {
		close(l.done)
		l.client.Close()
		l.server.Close()
		l.p.remove(l)
	})
}

// sleep waits for d, or until the link closes; it reports whether the link
// is still open.
func (l *link) sleep(d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-l.done:
		return false
	}
}

// requests forwards client to server, running in serve's goroutine.
func (l *link) requests() {
	p := l.p
	d := dice{stream: 2 * l.id}
	buf := make([]byte, chunkSize)
	for {
		n, err := l.client.Read(buf)
		if n > 0 {
			if !l.sleep(p.Faults().Delay) {
				return
			}
			f, ok := p.pass(l)
			if !ok {
				return
			}
			chunk := buf[:n]
			drop := d.roll(f.Seed, f.DropRate)
			if d.roll(f.Seed, f.DuplicateRequestRate) && p.duplicate(chunk) {
				p.stats.dupRequests.Add(1)
			}
			if drop {
				// Mark first, so that the reply cannot slip through, then
				// let the reply direction close the link when the reply
				// comes: the client sees EOF only once the command ran.
				l.drop.Store(true)
				p.stats.requests.Add(1)
				p.stats.dropped.Add(1)
				_, _ = l.server.Write(chunk)
				l.sleep(dropTimeout)
				l.close()
				return
			}
			p.stats.requests.Add(1)
			if _, err := l.server.Write(chunk); err != nil {
				l.close()
				return
			}
		}
		if err != nil {
			l.close()
			return
		}
	}
}

// replies forwards server to client, in a goroutine of its own.
func (l *link) replies() {
	p := l.p
	d := dice{stream: 2*l.id + 1}
	buf := make([]byte, chunkSize)
	for {
		n, err := l.server.Read(buf)
		if n > 0 {
			if l.drop.Load() {
				l.close()
				return
			}
			if !l.sleep(p.Faults().Delay) {
				return
			}
			f, ok := p.pass(l)
			if !ok {
				return
			}
			chunk := buf[:n]
			dup := d.roll(f.Seed, f.DuplicateReplyRate)
			// Count first, so that a client that has read a chunk finds
			// it counted.
			p.stats.replies.Add(1)
			if dup {
				p.stats.dupReplies.Add(1)
			}
			if _, err := l.client.Write(chunk); err != nil {
				l.close()
				return
			}
			if dup {
				if _, err := l.client.Write(chunk); err != nil {
					l.close()
					return
				}
			}
		}
		if err != nil {
			l.close()
			return
		}
	}
}
