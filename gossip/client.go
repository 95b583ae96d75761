package gossip

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/abacusgo/abacus/crdt"
)

// Run pulls from every peer until ctx is done, then returns ctx.Err(). Each
// peer has a loop of its own: a round of pulls (every replica, one after
// another), then a wait of Interval plus jitter; so a peer that is down or
// cut off delays only its own loop, by up to Timeout per replica. At most
// Concurrency rounds run at once. Failures are counted, logged when a peer
// starts failing and when it recovers, and retried in the next round.
func (n *Node) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for _, p := range n.peers {
		wg.Go(func() {
			for {
				n.round(ctx, p)
				wait := n.opts.Interval
				if n.opts.Jitter > 0 {
					wait += rand.N(n.opts.Jitter)
				}
				t := time.NewTimer(wait)
				select {
				case <-ctx.Done():
					t.Stop()
					return
				case <-t.C:
				}
			}
		})
	}
	wg.Wait()
	<-ctx.Done()
	return ctx.Err()
}

// Sync runs one round of pulls from every peer now, concurrently (at most
// Concurrency at once), and returns the failures joined, each a *PeerError
// (or ctx.Err() for a peer it did not get to).
func (n *Node) Sync(ctx context.Context) error {
	errs := make([]error, len(n.peers))
	var wg sync.WaitGroup
	for i, p := range n.peers {
		wg.Go(func() { errs[i] = n.round(ctx, p) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Flush pushes the full state of every replica to every peer (at most
// Concurrency peers at once) and returns the failures joined, each a
// *PeerError. A node that is about to stop calls it so that its last adds
// reach its peers without waiting for their pulls; merging is idempotent,
// so pushing what a peer already has costs only the bytes.
func (n *Node) Flush(ctx context.Context) error {
	errs := make([]error, len(n.peers))
	var wg sync.WaitGroup
	for i, p := range n.peers {
		wg.Go(func() {
			if !n.acquire(ctx) {
				errs[i] = &PeerError{Op: "push", Peer: p.url, Reason: FailNetwork, Err: ctx.Err()}
				return
			}
			defer n.release()
			var perr []error
			for _, name := range n.names() {
				perr = append(perr, n.push(ctx, p, name))
			}
			errs[i] = errors.Join(perr...)
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (n *Node) acquire(ctx context.Context) bool {
	select {
	case n.sem <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

func (n *Node) release() { <-n.sem }

// round pulls every replica from p once and logs the peer's transitions
// between working and failing.
func (n *Node) round(ctx context.Context, p *peer) error {
	if !n.acquire(ctx) {
		return ctx.Err() // stopping: not a failure of the peer
	}
	var errs []error
	for _, name := range n.names() {
		if err := n.pull(ctx, p, name); err != nil {
			errs = append(errs, err)
		}
	}
	n.release()
	err := errors.Join(errs...)
	if err != nil && ctx.Err() != nil {
		return err // cut short by the caller
	}
	now := n.opts.Now()
	log := n.opts.Logger
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lastErr = err
	switch {
	case err == nil && !p.failingSince.IsZero():
		log.Info("gossip: pulls from peer recovered", "peer", p.url, "after", now.Sub(p.failingSince).Round(time.Millisecond))
		p.failingSince = time.Time{}
	case err == nil:
	case p.failingSince.IsZero():
		p.failingSince, p.lastWarn = now, now
		log.Warn("gossip: pulls from peer failing", "peer", p.url, "err", err)
	case now.Sub(p.lastWarn) >= time.Minute:
		p.lastWarn = now
		log.Warn("gossip: pulls from peer still failing", "peer", p.url, "err", err,
			"since", now.Sub(p.failingSince).Round(time.Second))
	default:
		log.Debug("gossip: pull failed", "peer", p.url, "err", err)
	}
	return err
}

// pull is step 2 and 3 of the crdt protocol for one replica of one peer:
// ask for the delta after the cursor, merge it, and only then advance the
// cursor. Every AntiEntropy it asks with the zero Cursor instead.
func (n *Node) pull(ctx context.Context, p *peer, name string) error {
	rep := n.replica(name)
	pr := p.pair(name)
	pr.mu.Lock()
	defer pr.mu.Unlock()
	now := n.opts.Now()
	c := pr.cursor
	if n.opts.AntiEntropy > 0 && now.Sub(pr.lastFull) >= n.opts.AntiEntropy {
		c = crdt.Cursor{}
	}
	p.pulls.Add(1)
	fail := func(r Reason, err error) error {
		p.fails[r.index()].Add(1)
		return &PeerError{Op: "pull", Peer: p.url, Replica: name, Reason: r, Err: err}
	}
	data, r, err := n.exchange(ctx, p, http.MethodGet, name, cursorQuery(c), nil)
	if err != nil {
		return fail(r, err)
	}
	p.bytes.Add(uint64(len(data)))
	next, err := rep.r.Merge(data)
	if err != nil {
		if errors.Is(err, ErrMalformed) {
			return fail(FailDecode, err)
		}
		rep.refused.Add(1)
		return fail(FailMerge, err)
	}
	pr.cursor = next
	if c == (crdt.Cursor{}) {
		pr.lastFull = now
	}
	pr.lastOK.Store(now.UnixNano())
	return nil
}

// push sends the full state of one replica to p.
func (n *Node) push(ctx context.Context, p *peer, name string) error {
	rep := n.replica(name)
	data, err := rep.r.Delta(crdt.Cursor{})
	if err == nil {
		_, r, xerr := n.exchange(ctx, p, http.MethodPost, name, "", data)
		if xerr == nil {
			return nil
		}
		return &PeerError{Op: "push", Peer: p.url, Replica: name, Reason: r, Err: xerr}
	}
	return &PeerError{Op: "push", Peer: p.url, Replica: name, Reason: FailDecode, Err: err}
}

// ErrTooLarge is wrapped by the error for a state over MaxBody.
var ErrTooLarge = errors.New("gossip: state over the body limit")

// ErrUnauthorized is wrapped by the error for a 401, and for an answer
// without a valid MAC.
var ErrUnauthorized = errors.New("gossip: not authenticated")

// exchange makes one request and returns the answer's body, read up to
// MaxBody and checked against its MAC, or why it failed.
func (n *Node) exchange(ctx context.Context, p *peer, method, name, query string, body []byte) ([]byte, Reason, error) {
	ctx, cancel := context.WithTimeout(ctx, n.opts.Timeout)
	defer cancel()
	u := p.url + "/" + name
	if query != "" {
		u += "?" + query
	}
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return nil, FailNetwork, err
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/octet-stream")
	}
	var reqMAC []byte
	if len(n.opts.Secret) > 0 {
		reqMAC = n.sign(req.Header, method, name, query, body)
	}
	resp, err := n.client.Do(req)
	if err != nil {
		return nil, FailNetwork, err
	}
	defer resp.Body.Close()
	want := http.StatusOK
	if method == http.MethodPost {
		want = http.StatusNoContent
	}
	if resp.StatusCode != want {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		err := fmt.Errorf("%s: %s", resp.Status, strings.TrimSpace(string(msg)))
		switch resp.StatusCode {
		case http.StatusUnauthorized:
			return nil, FailAuth, fmt.Errorf("%w: %w", ErrUnauthorized, err)
		case http.StatusRequestEntityTooLarge:
			return nil, FailTooLarge, fmt.Errorf("%w: %w", ErrTooLarge, err)
		}
		return nil, FailStatus, err
	}
	if resp.ContentLength > n.opts.MaxBody {
		return nil, FailTooLarge, fmt.Errorf("%w: %d bytes (at most %d)", ErrTooLarge, resp.ContentLength, n.opts.MaxBody)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, n.opts.MaxBody+1))
	if err != nil {
		return nil, FailNetwork, err
	}
	if int64(len(data)) > n.opts.MaxBody {
		return nil, FailTooLarge, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, n.opts.MaxBody)
	}
	if reqMAC != nil && !n.checkAnswer(resp.Header, reqMAC, resp.StatusCode, data) {
		return nil, FailAuth, fmt.Errorf("%w: the answer has no valid %s", ErrUnauthorized, HeaderMAC)
	}
	return data, "", nil
}
