package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/abacusgo/abacus/internal/redistest"
)

// TestServers runs three servers against one Redis: a user on two of them
// counts once, the count reaches every server after a flush, and shutdown
// waits for the last flush.
func TestServers(t *testing.T) {
	srv := redistest.Require(t)
	ctx, cancel := context.WithCancel(context.Background())
	var addrs []string
	done := make(chan error, 3)
	for i := range 3 {
		addr := freeAddr(t)
		addrs = append(addrs, addr)
		go func() { done <- run(ctx, fmt.Sprint("web-", i), srv.Addr(), addr) }()
	}
	post := func(server int, path, user, session string) {
		t.Helper()
		u := "http://" + addrs[server] + path + "?" + url.Values{"user": {user}, "session": {session}}.Encode()
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			resp, err := http.Post(u, "", nil)
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("POST %s: %s", u, resp.Status)
				}
				return
			}
			if time.Now().After(deadline) {
				t.Fatal(err)
			}
		}
	}
	post(0, "/login", "alice", "alice-phone")
	post(1, "/login", "alice", "alice-laptop")
	post(2, "/login", "bob", "bob-phone")
	post(2, "/logout", "bob", "bob-phone")
	post(1, "/heartbeat", "carol", "carol-tablet")
	want := "2 users online (3 sessions)\n"
	var got string
	for deadline := time.Now().Add(10 * time.Second); got != want; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("GET /online: %q, want %q", got, want)
		}
		resp, err := http.Get("http://" + addrs[2] + "/online")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got = string(b)
	}
	// A login just before shutdown reaches Redis through the last flush.
	post(0, "/login", "dave", "dave-phone")
	cancel()
	for range 3 {
		if err := <-done; err != nil {
			t.Fatalf("shutdown: %v", err)
		}
	}
	out, err := srv.Do("ZCARD", "abacus:{online}:users")
	if err != nil || strings.TrimSpace(out) != "3" {
		t.Fatalf("users in Redis after shutdown: %q, %v; want 3 (alice, carol, dave)", out, err)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
