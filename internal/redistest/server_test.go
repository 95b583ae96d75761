package redistest

import (
	"errors"
	"net"
	"strings"
	"testing"
	"time"
)

func TestServerDo(t *testing.T) {
	s := Require(t)
	if got, err := s.Do("PING"); err != nil || got != "PONG" {
		t.Fatalf("PING = %q, %v; want PONG", got, err)
	}
	if got, err := s.Do("SET", "k", "a b\r\nc"); err != nil || got != "OK" {
		t.Fatalf("SET = %q, %v; want OK", got, err)
	}
	if got, err := s.Do("GET", "k"); err != nil || got != "a b\r\nc" {
		t.Fatalf("GET = %q, %v; want the value set", got, err)
	}
	if got, err := s.Do("GET", "missing"); !errors.Is(err, ErrNil) {
		t.Fatalf("GET missing = %q, %v; want ErrNil", got, err)
	}
	if got, err := s.Do("MGET", "k", "missing"); err != nil || got != "a b\r\nc\n(nil)" {
		t.Fatalf("MGET = %q, %v", got, err)
	}
	var re ReplyError
	if got, err := s.Do("NOSUCHCOMMAND"); !errors.As(err, &re) || !strings.HasPrefix(string(re), "ERR ") {
		t.Fatalf("NOSUCHCOMMAND = %q, %v; want an ERR reply", got, err)
	}
	if got, err := s.Do("CONFIG", "GET", "save"); err != nil || got != "save\n" {
		t.Fatalf("CONFIG GET save = %q, %v; want no save points", got, err)
	}
	if !strings.HasPrefix(s.Addr(), "127.0.0.1:") {
		t.Fatalf("Addr = %q", s.Addr())
	}
}

// TestKillRestart checks that a write acknowledged with appendfsync always
// survives kill -9, and that the server comes back on the same port while
// the kill leaves connections in TIME_WAIT.
func TestKillRestart(t *testing.T) {
	s := Start(t, Options{AppendOnly: true, AppendFsync: "always"})
	addr := s.Addr()
	c, err := Dial(addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	for _, cmd := range [][]string{{"SET", "k", "v"}, {"INCR", "n"}, {"INCR", "n"}} {
		if _, err := c.Do(cmd...); err != nil {
			t.Fatalf("%v: %v", cmd, err)
		}
	}
	s.Kill()
	// The server's end closed first, so closing ours now leaves it in
	// TIME_WAIT, which Restart must bind over.
	c.Close()
	if _, err := s.Do("PING"); err == nil {
		t.Fatal("PING to a killed server succeeded")
	}
	s.Kill() // a no-op
	s.Restart()
	if s.Addr() != addr {
		t.Fatalf("Addr after restart = %s; want %s", s.Addr(), addr)
	}
	if got, err := s.Do("GET", "k"); err != nil || got != "v" {
		t.Fatalf("GET k after kill and restart = %q, %v; want v", got, err)
	}
	if got, err := s.Do("GET", "n"); err != nil || got != "2" {
		t.Fatalf("GET n after kill and restart = %q, %v; want 2", got, err)
	}
	s.Kill()
	s.Restart() // again, with the AOF now having a history
	if got, err := s.Do("GET", "n"); err != nil || got != "2" {
		t.Fatalf("GET n after a second restart = %q, %v; want 2", got, err)
	}
}

// TestStopRestart checks a graceful stop, and that without an AOF the data
// is gone after a restart (no RDB snapshot is saved either).
func TestStopRestart(t *testing.T) {
	for _, aof := range []bool{true, false} {
		s := Start(t, Options{AppendOnly: aof, AppendFsync: "no"})
		if _, err := s.Do("SET", "k", "v"); err != nil {
			t.Fatal(err)
		}
		s.Stop()
		s.Stop() // a no-op
		s.Restart()
		got, err := s.Do("GET", "k")
		if aof && (err != nil || got != "v") {
			t.Fatalf("AppendOnly: GET after stop and restart = %q, %v; want v", got, err)
		}
		if !aof && !errors.Is(err, ErrNil) {
			t.Fatalf("no AppendOnly: GET after stop and restart = %q, %v; want ErrNil", got, err)
		}
	}
}

// TestLaunchAddrInUse checks that a server that cannot bind fails fast,
// with its log in the error.
func TestLaunchAddrInUse(t *testing.T) {
	bin, err := Binary()
	if err != nil {
		unavailable(t, err) // fails under CI or ABACUS_REDIS_SERVER, skips otherwise
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	s := &Server{t: t, bin: bin, opts: Options{Dir: t.TempDir(), Port: ln.Addr().(*net.TCPAddr).Port, AppendFsync: "no"}}
	start := time.Now()
	err = s.launch()
	if !errors.Is(err, errAddrInUse) {
		t.Fatalf("launch on a busy port: %v; want errAddrInUse", err)
	}
	if !strings.Contains(err.Error(), "Could not create server TCP listening socket") {
		t.Fatalf("the error does not show the log:\n%v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("launch took %v to fail", d)
	}
}

func TestBadAppendFsync(t *testing.T) {
	ft := &fatalTB{TB: t}
	func() {
		defer func() { _ = recover() }()
		Start(ft, Options{AppendFsync: "sometimes"})
	}()
	if !strings.Contains(ft.msg, "AppendFsync") {
		t.Fatalf("Start with a bad AppendFsync: %q; want a fatal error about it", ft.msg)
	}
}

// fatalTB records the first Fatal and stops the caller with a panic.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = strings.TrimSpace(format)
	panic(f)
}

// TestForeignServer: a launch whose port another redis-server already
// holds fails with errAddrInUse instead of taking that server for its own.
func TestForeignServer(t *testing.T) {
	other := Start(t, Options{})
	bin, err := Binary()
	if err != nil {
		unavailable(t, err) // fails under CI or ABACUS_REDIS_SERVER, skips otherwise
	}
	s := &Server{t: t, bin: bin, opts: Options{Port: other.opts.Port, Dir: t.TempDir(), AppendFsync: "everysec"}}
	t.Cleanup(s.cleanup)
	if err := s.launch(); !errors.Is(err, errAddrInUse) {
		t.Fatalf("launch on a port another server holds: %v", err)
	}
}
