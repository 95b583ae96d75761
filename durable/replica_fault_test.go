package durable

import (
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/abacusgo/abacus/crdt"
)

// ownEntry returns node's own entry in s, or a zero one.
func ownEntry(s crdt.State) crdt.Entry {
	for _, e := range s.Entries {
		if e.Node == s.Node {
			return e
		}
	}
	return crdt.Entry{Node: s.Node}
}

// TestReplicaShowsOnlyDurable holds the commit lock while a SyncAlways
// replica adds: until the add's commit is done, neither its Value nor any
// State it sends may show the add, so no peer can hold what a crash would
// lose.
func TestReplicaShowsOnlyDurable(t *testing.T) {
	for _, kind := range []crdt.Kind{crdt.G, crdt.PN} {
		t.Run(kind.String(), func(t *testing.T) {
			s, err := Open(t.TempDir(), Options{Policy: SyncAlways, Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			var add func() error
			var state func() crdt.State
			if kind == crdt.G {
				c, err := s.GCounter("hits", "n1")
				if err != nil {
					t.Fatal(err)
				}
				add, state = c.Inc, c.State
			} else {
				c, err := s.PNCounter("hits", "n1")
				if err != nil {
					t.Fatal(err)
				}
				add, state = c.Dec, c.State
			}
			s.commitMu.Lock()
			done := make(chan error)
			go func() { done <- add() }()
			p, _ := s.Counter("hits@n1." + map[crdt.Kind]string{crdt.G: "g", crdt.PN: "n"}[kind])
			for p.Load() != 1 { // the add is in the durable counter, waiting for its commit
				time.Sleep(time.Millisecond)
			}
			for range 3 {
				if e := ownEntry(state()); e.P != 0 || e.N != 0 {
					s.commitMu.Unlock()
					t.Fatalf("the replica shows %+v before the add is durable", e)
				}
				time.Sleep(time.Millisecond)
			}
			s.commitMu.Unlock()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			if e := ownEntry(state()); e.P+e.N != 1 {
				t.Fatalf("after the add returned, the replica shows %+v", e)
			}
		})
	}
}

// TestReplicaHeld fails commits under a replica's adds. Under SyncAlways an
// Add whose commit failed is held back from the replica until a commit that
// began later succeeds (its own, another Add's, Commit or Close); under
// SyncInterval it counts at once, like any add not yet committed. The
// totals after a restart count every add once either way.
func TestReplicaHeld(t *testing.T) {
	cases := []struct {
		name    string
		policy  Policy
		held    bool                                           // the failed add stays out of the replica
		recover func(t *testing.T, s *Set, c *PNCounter) int64 // makes the add durable; returns what it added
	}{
		{"SyncAlways, next Add", SyncAlways, true, func(t *testing.T, s *Set, c *PNCounter) int64 {
			if err := c.Add(-1); err != nil {
				t.Fatal(err)
			}
			return -1
		}},
		{"SyncAlways, Commit", SyncAlways, true, func(t *testing.T, s *Set, c *PNCounter) int64 {
			if err := s.Commit(); err != nil {
				t.Fatal(err)
			}
			return 0
		}},
		{"SyncAlways, Close", SyncAlways, true, func(t *testing.T, s *Set, c *PNCounter) int64 {
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			return 0
		}},
		{"SyncInterval, Commit", SyncInterval, false, func(t *testing.T, s *Set, c *PNCounter) int64 {
			if err := s.Commit(); err != nil {
				t.Fatal(err)
			}
			return 0
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s, f := openFaulty(t, dir, tc.policy)
			c, err := s.PNCounter("hits", "n1")
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Add(3); err != nil {
				t.Fatal(err)
			}
			if err := s.Commit(); err != nil {
				t.Fatal(err)
			}
			f.sync = syscall.EIO
			err = c.Add(5)
			if tc.policy != SyncAlways { // the add returns at once; its commit fails later
				if err != nil {
					t.Fatal(err)
				}
				err = s.Commit()
			}
			if !errors.Is(err, syscall.EIO) {
				t.Fatalf("the commit of an add under a failing fsync: %v, want EIO", err)
			}
			want := int64(8)
			if tc.held {
				want = 3
			}
			if c.Value() != want || ownEntry(c.State()).P != uint64(want) {
				t.Fatalf("after the failed add the replica reads %d and sends %+v, want %d", c.Value(), ownEntry(c.State()), want)
			}
			if err := c.Add(2); !errors.Is(err, syscall.EIO) {
				t.Fatalf("an Add while commits fail: %v, want EIO", err)
			}
			f.sync = nil
			total := 10 + tc.recover(t, s, c)
			if c.Value() != total {
				t.Fatalf("once the adds are durable the replica reads %d, want %d", c.Value(), total)
			}
			s.Close()
			s, err = Open(dir, Options{Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			c, err = s.PNCounter("hits", "n1")
			if err != nil {
				t.Fatal(err)
			}
			if c.Value() != total {
				t.Fatalf("after a restart the replica reads %d, want %d", c.Value(), total)
			}
		})
	}
}
