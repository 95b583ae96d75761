package durable_test

import (
	"fmt"
	"os"

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
