package redisstore

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/abacusgo/abacus/internal/redistest"
	"github.com/abacusgo/abacus/presence"
)

// TestCluster runs counters and presence against a Redis Cluster (one node
// holding every slot) through go-redis's ClusterClient. A cluster refuses a
// script or command whose keys are in different slots (CROSSSLOT), so this
// checks that every key of a counter or presence set shares its hash tag.
func TestCluster(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{Args: []string{
		"--cluster-enabled", "yes",
		"--cluster-config-file", "nodes.conf",
	}})
	if _, err := srv.Do("CLUSTER", "ADDSLOTSRANGE", "0", "16383"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		info, err := srv.Do("CLUSTER", "INFO")
		if err == nil && strings.Contains(info, "cluster_state:ok") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("cluster not ok: %q, %v", info, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	cc := redis.NewClusterClient(&redis.ClusterOptions{
		Addrs:       []string{srv.Addr()},
		DialTimeout: time.Second, ReadTimeout: time.Second, WriteTimeout: time.Second,
		ContextTimeoutEnabled: true,
	})
	t.Cleanup(func() { _ = cc.Close() })
	ctx := context.Background()

	stores := []*Store{newStore(t, cc, "a", nil), newStore(t, cc, "b", nil)}
	t0 := time.Now()
	for i, s := range stores {
		c := mustCounter(t, s, "logins")
		c.Add(int64(10 * (i + 1)))
		p, err := s.Presence("online", PresenceOptions{})
		if err != nil {
			t.Fatal(err)
		}
		must(t, p.Login("user"+string(rune('a'+i)), "s"+string(rune('a'+i)), t0))
	}
	must(t, stores[0].Flush(ctx))
	must(t, stores[1].Flush(ctx))
	must(t, stores[0].Flush(ctx))
	c := mustCounter(t, stores[0], "logins")
	if got, err := c.Load(ctx); err != nil || got != 30 {
		t.Fatalf("cluster total %d, %v; want 30", got, err)
	}
	must(t, c.Retire(ctx))
	if got, err := mustCounter(t, stores[1], "logins").Load(ctx); err != nil || got != 30 {
		t.Fatalf("after retiring a: %d, %v; want 30", got, err)
	}
	p, _ := stores[1].Presence("online", PresenceOptions{})
	if n, err := p.Active(ctx); err != nil || n != (presence.Counts{Sessions: 2, Users: 2}) {
		t.Fatalf("active %+v, %v; want 2 sessions of 2 users", n, err)
	}
	if n, err := p.Distinct(ctx, t0, t0.Add(time.Second)); err != nil || n != 2 {
		t.Fatalf("distinct %d, %v; want 2", n, err)
	}
}
