package redistest

import (
	"math/rand/v2"
	"time"
)

// Faults say what a Proxy does to the traffic it forwards. The zero value
// forwards everything unchanged.
//
// Faults act per chunk: whatever one read from a socket returns. A client
// that waits for each reply before sending the next command, as a Redis
// client does outside pipelines and transactions, sends each command in one
// chunk, and a small reply comes back in one chunk, so in practice a chunk
// is a command or a reply. With pipelining a chunk may hold several commands
// or part of one, and the faults then hit them together; the proxy does not
// parse RESP.
type Faults struct {
	// Delay is added before forwarding each chunk, in both directions.
	Delay time.Duration

	// DropRate is the probability, per request chunk, of forwarding the
	// request to the server and then closing the client's connection
	// without delivering the reply: the client sees EOF after the server
	// has executed the command, and cannot tell whether it did. The proxy
	// closes the connection when the reply arrives (or after 2 seconds
	// without one), so a client that sees EOF after a command sent in one
	// chunk may rely on the command having run. (A command larger than a
	// chunk, 32 KiB, is cut short by a drop and does not run; pipelined
	// commands are dropped together.)
	DropRate float64

	// DuplicateRequestRate is the probability, per request chunk, that the
	// server executes it twice, as when a client's retry arrives after the
	// original did run. The copy goes first, on a connection of its own as
	// a retry would, and the proxy waits for the first byte of its reply
	// (up to 2 seconds) and discards it before forwarding the original; so
	// when the client reads its one reply, both have run, and the client's
	// connection stays in step. State held by the client's connection
	// (SELECT, MULTI, CLIENT SETNAME) does not apply to the copy.
	DuplicateRequestRate float64

	// DuplicateReplyRate is the probability, per reply chunk, of delivering
	// it to the client twice: the client then reads a stray reply, and its
	// connection is out of step.
	DuplicateReplyRate float64

	// Blackhole holds every chunk, in both directions, until it is turned
	// off: a network partition. Connections are still accepted (and
	// dialed through to the server), and what clients send waits in the
	// kernel's buffers, so clients time out rather than see an error. Held
	// chunks are delivered after the partition heals, unless the
	// connection was closed meanwhile.
	Blackhole bool

	// Refuse closes new and existing connections at once: the server is
	// down as seen from the client (which connects, then reads EOF).
	Refuse bool

	// Seed seeds the random choices. Each direction of each connection
	// draws from its own PCG stream, keyed by Seed and the connection's
	// number (0 for the first the proxy accepted), and restarted when Seed
	// changes. A run is therefore reproducible whatever the goroutine
	// scheduling, as long as connections open in the same order and carry
	// the same chunks.
	Seed uint64
}

// ProxyStats count what a Proxy has done since it was created. A chunk is
// counted just before it is written, so a client that has read a reply
// finds it, and the request it answers, already counted.
type ProxyStats struct {
	Connections        int64 // client connections accepted
	Refused            int64 // client connections closed because of Refuse
	Requests           int64 // request chunks forwarded to the server, dropped ones included
	Replies            int64 // reply chunks delivered to clients, once each even if duplicated
	Dropped            int64 // requests whose reply was withheld and whose connection was closed
	DuplicatedRequests int64 // request chunks executed a second time (the copy got a reply)
	DuplicatedReplies  int64 // reply chunks delivered a second time
}

// dice makes the random choices for one direction of one connection.
type dice struct {
	stream uint64
	seed   uint64
	r      *rand.Rand
}

// roll reports whether an event of probability rate happens. It draws one
// number whatever the rate, so that changing one rate does not shift the
// choices made for the others.
func (d *dice) roll(seed uint64, rate float64) bool {
	if d.r == nil || d.seed != seed {
		d.seed, d.r = seed, rand.New(rand.NewPCG(seed, d.stream))
	}
	return d.r.Float64() < rate
}
