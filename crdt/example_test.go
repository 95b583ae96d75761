package crdt_test

import (
	"encoding/json"
	"fmt"

	"github.com/abacusgo/abacus/crdt"
)

// The case study's partition: two servers count logins on their own while cut
// off from each other, and agree on the exact total when the partition heals.
func ExamplePNCounter() {
	server1, _ := crdt.NewPNCounter("server1")
	server2, _ := crdt.NewPNCounter("server2")
	for range 10 {
		server1.Inc() // logins on one side
	}
	for range 5 {
		server2.Inc() // and on the other
	}
	server2.Dec() // a logout

	// The partition heals: each merges the other's state (in any order, as
	// often as the network delivers it).
	s1, s2 := server1.State(), server2.State()
	_ = server1.Merge(s2)
	_ = server2.Merge(s1)
	_ = server1.Merge(s2) // a duplicate changes nothing
	fmt.Println(server1.Value(), server2.Value())
	// Output: 14 14
}

// Delta sync: the receiver keeps a cursor per sender and asks only for what
// changed since.
func ExampleGCounter_DeltaSince() {
	a, _ := crdt.NewGCounter("a")
	b, _ := crdt.NewGCounter("b")
	var fromA crdt.Cursor // b's cursor into a's history

	a.Add(3)
	d := a.DeltaSince(fromA)
	_ = b.Merge(d)
	fromA = d.Cursor // advance only after merging

	a.Add(4)
	d = a.DeltaSince(fromA)
	_ = b.Merge(d)
	fromA = d.Cursor
	fmt.Println(b.Value(), len(a.DeltaSince(fromA).Entries))
	// Output: 7 0
}

// Retiring a node: its count moves to an heir, and an old copy of its state
// arriving later is not counted again.
func ExamplePNCounter_Retire() {
	old, _ := crdt.NewPNCounter("pod-7")
	heir, _ := crdt.NewPNCounter("pod-1")
	old.Add(40)
	stale := old.State() // still in flight somewhere

	handoff, _ := old.Retire("pod-1")
	_ = heir.Absorb(handoff)
	_ = heir.Absorb(handoff) // a retried delivery: absorbed once
	_ = heir.Merge(stale)    // the late state of the retired node: ignored
	live, retired := heir.Nodes()
	fmt.Println(heir.Value(), live, retired)
	// Output: 40 1 1
}

func ExampleState_MarshalJSON() {
	c, _ := crdt.NewPNCounter("a")
	c.Add(5)
	s := c.State()
	s.Cursor = crdt.Cursor{Epoch: 1, Version: 1} // epochs are random; fixed for the example
	b, _ := json.Marshal(s)
	fmt.Println(string(b))
	var back crdt.State
	fmt.Println(json.Unmarshal(b, &back), back.Value())
	// Output:
	// {"kind":"pn","node":"a","cursor":{"epoch":1,"version":1},"entries":[{"node":"a","p":5,"n":0}]}
	// <nil> 5
}

// Distinct users across two servers: each keeps a sketch, and the merged
// sketch counts the union, with users seen on both servers counted once.
func ExampleHLL() {
	var server1, server2 crdt.HLL
	for i := range 6000 {
		server1.AddString(fmt.Sprint("user", i))
	}
	for i := 4000; i < 10000; i++ {
		server2.AddString(fmt.Sprint("user", i))
	}
	var all crdt.HLL
	all.Merge(&server1)
	all.Merge(&server2)
	n := all.Count()
	fmt.Println(n > 9700 && n < 10300)
	// Output: true
}

// A node restarts under its ID with its totals kept elsewhere (the durable
// package's Set.PNCounter keeps them on disk): a peer's older copy of its
// entry, merged after the restart, hides nothing.
func ExampleRestorePNCounter() {
	before, _ := crdt.NewPNCounter("pod-3")
	peer, _ := crdt.NewPNCounter("pod-1")
	before.Add(8)
	_ = peer.Merge(before.State()) // the peer sees 8 logins
	before.Add(2)
	before.Add(-3) // 10 logins and 3 logouts in all, kept durably

	after, _ := crdt.RestorePNCounter("pod-3", 10, 3) // the restart
	after.Inc()
	_ = after.Merge(peer.State()) // the old copy of pod-3's entry changes nothing
	_ = peer.Merge(after.State())
	fmt.Println(after.Value(), peer.Value())
	// Output: 8 8
}
