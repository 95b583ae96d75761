// Command usersonline is the README's example: one of ten (or any number
// of) web servers that count the users logged in right now, together,
// through one Redis. Run it on every server with its own node ID:
//
//	usersonline -node web-3 -redis redis.internal:6379 -listen :8080
//
// POST /login?user=U&session=S, /heartbeat?... and /logout?... record
// events; GET /online answers with the users and sessions online across all
// servers.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/abacusgo/abacus/redisstore"
)

func main() {
	node := flag.String("node", "", "this server's node ID, unique among the servers running at once (its hostname, say); required")
	addr := flag.String("redis", "localhost:6379", "Redis address")
	listen := flag.String("listen", "localhost:8080", "HTTP address")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *node, *addr, *listen); err != nil {
		log.Fatal(err)
	}
}

// run serves until ctx is done, then shuts down: the HTTP server first, then
// the store's last flush, which it waits for and whose failure it returns.
func run(ctx context.Context, node, addr, listen string) error {
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	rdb := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true})
	defer rdb.Close()
	// Node IDs: one per running process. The store's counters continue
	// where a restarted server left them; two processes running at once
	// under one ID are refused. Presence events are keyed by session.
	store, err := redisstore.New(rdb, redisstore.Options{Node: node})
	if err != nil {
		return err
	}
	online, err := store.Presence("online", redisstore.PresenceOptions{Timeout: 5 * time.Minute})
	if err != nil {
		return err
	}
	// Run gets a context of its own, cancelled once the HTTP server has
	// stopped, so that its last flush comes after the last handler's event.
	syncing, stopSync := context.WithCancel(context.WithoutCancel(ctx))
	defer stopSync()
	synced := make(chan error, 1)
	go func() { synced <- store.Run(syncing) }() // flushes every second, and once more at the end

	mux := http.NewServeMux()
	event := func(apply func(user, session string, at time.Time) error) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if err := apply(r.FormValue("user"), r.FormValue("session"), time.Now()); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
			}
		}
	}
	mux.Handle("POST /login", event(online.Login))
	mux.Handle("POST /heartbeat", event(online.Heartbeat))
	mux.Handle("POST /logout", event(online.Logout))
	mux.HandleFunc("GET /online", func(w http.ResponseWriter, r *http.Request) {
		// Users with at least one session whose latest login or heartbeat
		// is within Timeout, at Redis's clock, across every server. Events
		// reach Redis with each server's next flush: up to a second late.
		n, err := online.Active(r.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintf(w, "%d users online (%d sessions)\n", n.Users, n.Sessions)
	})
	srv := &http.Server{Addr: listen, Handler: mux,
		ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 10 * time.Second, IdleTimeout: time.Minute}
	served := make(chan error, 1)
	go func() { served <- srv.ListenAndServe() }()

	select {
	case err = <-served:
		stop()
	case <-ctx.Done():
		shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err = srv.Shutdown(shutdown)
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	stopSync()
	<-synced // Run's last flush has written every buffered event
	if last := store.Stats().LastError; last != nil {
		err = errors.Join(err, fmt.Errorf("final flush: %w", last))
	}
	return err
}
