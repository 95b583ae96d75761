package durable_test

import (
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"testing"

	"github.com/abacusgo/abacus/durable"
)

// quiet discards the logs of Sets whose damage a test makes on purpose.
var quiet = slog.New(slog.DiscardHandler)

func open(t testing.TB, dir string, opts durable.Options) *durable.Set {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = quiet
	}
	s, err := durable.Open(dir, opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	return s
}

func counter(t testing.TB, s *durable.Set, name string) *durable.Counter {
	t.Helper()
	c, err := s.Counter(name)
	if err != nil {
		t.Fatalf("Counter(%q): %v", name, err)
	}
	return c
}

func add(t testing.TB, s *durable.Set, name string, d int64) {
	t.Helper()
	if err := counter(t, s, name).Add(d); err != nil {
		t.Fatalf("Add(%q, %d): %v", name, d, err)
	}
}

func closeSet(t testing.TB, s *durable.Set) {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

// reopen opens dir, returns its totals and recovery, and closes it.
func reopen(t testing.TB, dir string) (map[string]int64, durable.Recovery) {
	t.Helper()
	s := open(t, dir, durable.Options{})
	defer closeSet(t, s)
	return s.Totals(), s.Recovery()
}

func wantTotals(t testing.TB, what string, got, want map[string]int64) {
	t.Helper()
	if !maps.Equal(got, want) {
		t.Fatalf("%s: totals %v; want %v", what, got, want)
	}
}

// copyDir copies the regular files of src to a new temporary directory.
func copyDir(t testing.TB, src string) string {
	t.Helper()
	dst := t.TempDir()
	des, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, de := range des {
		if !de.Type().IsRegular() {
			continue
		}
		copyFile(t, filepath.Join(src, de.Name()), filepath.Join(dst, de.Name()))
	}
	return dst
}

func copyFile(t testing.TB, src, dst string) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// files returns the names and contents of the files in dir.
func files(t testing.TB, dir string) map[string]string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, de := range des {
		b, err := os.ReadFile(filepath.Join(dir, de.Name()))
		if err != nil {
			t.Fatal(err)
		}
		m[de.Name()] = string(b)
	}
	return m
}

// glob returns the names in dir that match pattern.
func glob(t testing.TB, dir, pattern string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, pattern))
	if err != nil {
		t.Fatal(err)
	}
	for i := range m {
		m[i] = filepath.Base(m[i])
	}
	return m
}
