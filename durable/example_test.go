package durable_test

import (
	"fmt"
	"os"

	"github.com/abacusgo/abacus/crdt"
	"github.com/abacusgo/abacus/durable"
)

// A counter keeps its total across a restart: Close commits what is
// pending, and Open recovers it from the log.
func Example() {
	dir, err := os.MkdirTemp("", "durable-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	set, err := durable.Open(dir, durable.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	logins, err := set.Counter("logins")
	if err != nil {
		fmt.Println(err)
		return
	}
	for range 3 {
		logins.Inc()
	}
	if err := set.Close(); err != nil {
		fmt.Println(err)
		return
	}

	// A restart.
	set, err = durable.Open(dir, durable.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer set.Close()
	logins, _ = set.Counter("logins")
	logins.Inc()
	fmt.Println("logins:", logins.Load())
	fmt.Println("records replayed:", set.Recovery().Records)
	// Output:
	// logins: 4
	// records replayed: 1
}

// Under SyncAlways an Add returns once its delta is on stable storage;
// goroutines adding at the same time share one fsync.
func ExampleSyncAlways() {
	dir, err := os.MkdirTemp("", "durable-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	set, err := durable.Open(dir, durable.Options{Policy: durable.SyncAlways})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer set.Close()
	payments, _ := set.Counter("payments")
	if err := payments.Add(1); err != nil {
		fmt.Println("not recorded durably:", err)
		return
	}
	fmt.Println("payments:", payments.Load(), "fsyncs:", set.Stats().Syncs)
	// Output: payments: 1 fsyncs: 1
}

// A crdt replica whose node survives restarts under its ID: its adds are
// durable before any peer can see them, and after the restart its own entry
// starts from the recovered totals, so the peer's old copy of it, merged
// again, hides nothing.
func ExampleSet_PNCounter() {
	dir, err := os.MkdirTemp("", "durable-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	opts := durable.Options{Policy: durable.SyncAlways}
	peer, _ := crdt.NewPNCounter("pod-1")

	set, err := durable.Open(dir, opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	logins, err := set.PNCounter("logins", "pod-3")
	if err != nil {
		fmt.Println(err)
		return
	}
	logins.Add(10)
	logins.Add(-3)
	_ = peer.Merge(logins.State()) // the peer sees pod-3 at 7
	set.Close()

	// A restart.
	set, err = durable.Open(dir, opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer set.Close()
	logins, _ = set.PNCounter("logins", "pod-3")
	fmt.Println("restored:", logins.Value())
	logins.Inc()
	_ = logins.Merge(peer.State()) // its old copy of pod-3's entry
	_ = peer.Merge(logins.State())
	fmt.Println("after merging:", logins.Value(), peer.Value())
	fmt.Println(set.Totals())
	// Output:
	// restored: 7
	// after merging: 8 8
	// map[logins@pod-3.n:3 logins@pod-3.p:11]
}
