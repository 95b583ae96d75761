package gossip_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"

	"github.com/abacusgo/abacus/crdt"
	"github.com/abacusgo/abacus/gossip"
)

// Three nodes in one process, each with its replica of a counter, each
// pulling from the other two.
func Example() {
	const n = 3
	servers := make([]*httptest.Server, n)
	urls := make([]string, n)
	for i := range servers {
		servers[i] = httptest.NewUnstartedServer(nil)
		defer servers[i].Close()
		urls[i] = "http://" + servers[i].Listener.Addr().String() + "/gossip"
	}
	counters := make([]*crdt.PNCounter, n)
	nodes := make([]*gossip.Node, n)
	for i := range nodes {
		var err error
		if counters[i], err = crdt.NewPNCounter(fmt.Sprintf("node-%d", i)); err != nil {
			log.Fatal(err)
		}
		var peers []string
		for j, u := range urls {
			if j != i {
				peers = append(peers, u)
			}
		}
		if nodes[i], err = gossip.New(gossip.Options{Peers: peers, Secret: []byte("an example secret, not a real one")}); err != nil {
			log.Fatal(err)
		}
		if err := nodes[i].Add("logins", gossip.PNCounter(counters[i])); err != nil {
			log.Fatal(err)
		}
		servers[i].Config.Handler = nodes[i].Handler()
		servers[i].Start()
	}

	counters[0].Add(10)
	counters[1].Add(5)
	counters[2].Add(-3)
	// Run(ctx) pulls every Interval; one round by hand is Sync.
	for _, node := range nodes {
		if err := node.Sync(context.Background()); err != nil {
			log.Fatal(err)
		}
	}
	for i, c := range counters {
		fmt.Printf("node-%d: %d\n", i, c.Value())
	}
	// Output:
	// node-0: 12
	// node-1: 12
	// node-2: 12
}
