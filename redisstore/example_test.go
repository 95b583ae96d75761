package redisstore_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"os/signal"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/redisstore"
)

// A service counts logins locally and shares the cluster-wide total through
// Redis, syncing once a second. (Examples here need a Redis on
// localhost:6379, so they are compiled but not run by go test; the package
// tests run against a real redis-server, and examples/logincounter runs the
// whole case study.)
func Example() {
	rdb := redis.NewClient(&redis.Options{
		Addr:                  "localhost:6379",
		ContextTimeoutEnabled: true, // so that the store's Timeout bounds every call
	})
	defer rdb.Close()
	host, _ := os.Hostname()
	store, err := redisstore.New(rdb, redisstore.Options{Node: host + "-web"})
	if err != nil {
		log.Fatal(err)
	}
	reg := abacus.NewRegistry()
	if err := store.Register(reg); err != nil { // the staleness gauge and sync errors
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	go store.Run(ctx) // flushes every second; a final flush on exit

	logins, err := store.Counter("logins")
	if err != nil {
		log.Fatal(err)
	}
	logins.Inc() // an atomic add: no round trip

	// Cheap and stale by at most the sync age: other nodes as of the last
	// flush, plus this node's exact count.
	fmt.Println(logins.Value(), logins.Staleness())
}

// Presence counts who is online across every process: each process buffers
// its events and the store's flush writes them; the count comes from Redis.
func ExamplePresence() {
	rdb := redis.NewClient(&redis.Options{Addr: "localhost:6379", ContextTimeoutEnabled: true})
	defer rdb.Close()
	store, err := redisstore.New(rdb, redisstore.Options{Node: "web-1"})
	if err != nil {
		log.Fatal(err)
	}
	online, err := store.Presence("online", redisstore.PresenceOptions{Timeout: 2 * time.Minute})
	if err != nil {
		log.Fatal(err)
	}
	start := time.Now().Add(-2 * time.Minute)
	online.Login("alice", "alice-phone", start)
	online.Login("alice", "alice-laptop", start.Add(10*time.Second))
	online.Heartbeat("alice", "alice-phone", start.Add(time.Minute))
	online.Logout("alice", "alice-phone", start.Add(90*time.Second))
	// A late heartbeat, stamped before the logout, cannot bring it back.
	online.Heartbeat("alice", "alice-phone", start.Add(80*time.Second))
	online.Heartbeat("bob", "bob-phone", start.Add(100*time.Second))

	ctx := context.Background()
	if err := store.Flush(ctx); err != nil {
		log.Print(err) // retried by the next flush; nothing is lost
	}
	// At Redis's clock: alice's laptop and bob's phone are online, 2 users.
	active, err := online.Active(ctx)
	fmt.Println(active.Sessions, active.Users, err)
	users, err := online.Distinct(ctx, start, time.Now())
	fmt.Println(users, err)
}
