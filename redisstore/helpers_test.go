package redisstore

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/abacusgo/abacus/internal/redistest"
)

// client returns a go-redis client of addr with short timeouts, closed at
// the end of the test.
func client(t testing.TB, addr string) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{
		Addr:                  addr,
		DialTimeout:           time.Second,
		ReadTimeout:           time.Second,
		WriteTimeout:          time.Second,
		MaxRetries:            3, // go-redis's default: writes may run twice
		ContextTimeoutEnabled: true,
	})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// logBuffer collects a store's log lines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func newStore(t testing.TB, c redis.UniversalClient, node string, logs *logBuffer) *Store {
	t.Helper()
	opts := Options{Node: node, Interval: 10 * time.Millisecond, Timeout: 500 * time.Millisecond}
	if logs != nil {
		opts.Logger = slog.New(slog.NewTextHandler(logs, nil))
	} else {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s, err := New(c, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustCounter(t testing.TB, s *Store, name string) *Counter {
	t.Helper()
	c, err := s.Counter(name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// flushUntil flushes until it succeeds or the deadline passes.
func flushUntil(t testing.TB, s *Store, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		err := s.Flush(context.Background())
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("flush still failing after %v: %v", d, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func startRedis(t testing.TB, opts redistest.Options) (*redistest.Server, *redis.Client) {
	t.Helper()
	srv := redistest.Start(t, opts)
	return srv, client(t, srv.Addr())
}

// quietLogger drops go-redis's own log lines (it reports, for instance, the
// connections a duplicated reply put out of step, which the fault tests
// cause on purpose).
type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}

func TestMain(m *testing.M) {
	redis.SetLogger(quietLogger{})
	os.Exit(m.Run())
}
