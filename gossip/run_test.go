package gossip_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/abacustest"
	"github.com/abacusgo/abacus/gossip"
	"github.com/abacusgo/abacus/internal/redistest"
)

// A peer cut off by a partition holds up only its own loop: the node keeps
// pulling from the others every Interval.
func TestRunPeersAreIndependent(t *testing.T) {
	b, c, a := pn(t, "b"), pn(t, "c"), pn(t, "a")
	urlB := serve(t, newNode(t, gossip.Options{}, map[string]gossip.Replica{"hits": gossip.PNCounter(b)}).Handler())
	urlC := serve(t, newNode(t, gossip.Options{}, map[string]gossip.Replica{"hits": gossip.PNCounter(c)}).Handler())
	proxy := redistest.NewProxy(t, strings.TrimPrefix(urlC, "http://"))
	proxy.SetFaults(redistest.Faults{Blackhole: true})
	na := newNode(t, gossip.Options{Peers: []string{"http://" + proxy.Addr(), urlB}, Interval: 10 * time.Millisecond, Timeout: time.Minute},
		map[string]gossip.Replica{"hits": gossip.PNCounter(a)})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- na.Run(ctx) }()
	c.Add(100)
	for i := range 5 {
		b.Add(1)
		waitFor(t, 5*time.Second, func() bool { return a.Value() == int64(i+1) })
	}
	if st := na.Stats(); st.Peers[0].Lag < st.Peers[1].Lag || st.Peers[1].Pulls < 5 {
		t.Fatalf("stats %+v", st.Peers)
	}
	proxy.SetFaults(redistest.Faults{}) // heal: the held pull completes
	waitFor(t, 5*time.Second, func() bool { return a.Value() == 105 })
	proxy.SetFaults(redistest.Faults{Blackhole: true})
	time.Sleep(50 * time.Millisecond) // a pull from C hangs again
	start := time.Now()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Run took %v to return after cancel", d)
	}
}

func waitFor(t *testing.T, d time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("not there after %v", d)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestServeShutsDownGracefully(t *testing.T) {
	n := newNode(t, gossip.Options{ShutdownTimeout: 100 * time.Millisecond}, map[string]gossip.Replica{"hits": gossip.PNCounter(pn(t, "a"))})
	entered, release := make(chan struct{}), make(chan struct{})
	mux := http.NewServeMux()
	mux.Handle("/gossip/", n.Handler())
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
	})
	for _, hung := range []bool{false, true} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- n.Serve(ctx, ln, mux) }()
		base := "http://" + ln.Addr().String()
		resp, err := http.Get(base + "/gossip/hits?epoch=0&version=0")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("pull: %s", resp.Status)
		}
		if hung {
			go http.Get(base + "/slow") //nolint:errcheck // cut off by the shutdown
			<-entered
		}
		cancel()
		err = <-done
		if hung != (err != nil) {
			t.Fatalf("hung request %v: Serve returned %v", hung, err)
		}
		if hung && !strings.Contains(err.Error(), "in flight") {
			t.Fatalf("Serve returned %v", err)
		}
	}
	close(release)
}

func TestRegister(t *testing.T) {
	clk := newClock()
	b, a := pn(t, "b"), pn(t, "a")
	nb := newNode(t, gossip.Options{}, map[string]gossip.Replica{"hits": gossip.PNCounter(b)})
	url := serve(t, nb.Handler())
	na := newNode(t, gossip.Options{Peers: []string{url, "http://127.0.0.1:1"}, Now: clk.Now, Timeout: 2 * time.Second},
		map[string]gossip.Replica{"hits": gossip.PNCounter(a)})
	ra, rb := abacus.NewRegistry(), abacus.NewRegistry()
	if err := na.Register(ra); err != nil {
		t.Fatal(err)
	}
	if err := nb.Register(rb); err != nil {
		t.Fatal(err)
	}
	if err := na.Register(ra); err == nil {
		t.Fatal("a second Register on one registry succeeded")
	}
	b.Add(3)
	if err := na.Sync(t.Context()); reasonOf(err) != gossip.FailNetwork {
		t.Fatalf("Sync: %v; want a network failure from the closed port", err)
	}
	clk.Add(3 * time.Second)
	for _, tc := range []struct {
		reg    *abacus.Registry
		name   string
		labels []string
		want   float64
	}{
		{ra, "abacus_gossip_pulls_total", []string{"peer", url}, 1},
		{ra, "abacus_gossip_pull_failures_total", []string{"peer", url, "reason", "network"}, 0},
		{ra, "abacus_gossip_pull_failures_total", []string{"peer", "http://127.0.0.1:1", "reason", "network"}, 1},
		{ra, "abacus_gossip_peer_lag_seconds", []string{"peer", url}, 3},
		{ra, "abacus_gossip_peer_lag_seconds", []string{"peer", "http://127.0.0.1:1"}, 3},
		{ra, "abacus_gossip_merges_refused_total", []string{"replica", "hits"}, 0},
		{rb, "abacus_gossip_requests_total", []string{"code", "200"}, 1},
		{rb, "abacus_gossip_requests_total", []string{"code", "401"}, 0},
	} {
		got, err := abacustest.Value(tc.reg, tc.name, tc.labels...)
		if err != nil || got != tc.want {
			t.Errorf("%s%v = %v, %v; want %v", tc.name, tc.labels, got, err, tc.want)
		}
	}
	if got, err := abacustest.Value(ra, "abacus_gossip_received_bytes_total", "peer", url); err != nil || got == 0 {
		t.Errorf("received bytes = %v, %v", got, err)
	}
}
