package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// redisServer returns the redis-server binary: $ABACUS_REDIS_SERVER if set,
// else redis-server from $PATH. Without one the test is skipped, or fails
// where it must not be skipped (CI=true or $ABACUS_REDIS_SERVER set).
func redisServerBinary(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("ABACUS_REDIS_SERVER"); bin != "" {
		return bin
	}
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("redis-server is not installed: %v", err)
		}
		t.Skipf("redis-server is not installed (%v); run ./scripts/test, which installs it", err)
	}
	return bin
}

// runFor runs the program with args against a private redis-server and
// checks that the final summary passed: logins exact, active equal. It
// returns the output.
func runFor(t *testing.T, ctx context.Context, args ...string) string {
	t.Helper()
	args = append([]string{"-redis-server", redisServerBinary(t),
		"-nodes", "2", "-users", "300", "-rate", "1000",
		"-interval", "200ms", "-report", "500ms", "-timeout", "1s"}, args...)
	var out bytes.Buffer
	start := time.Now()
	err := run(ctx, args, &out)
	t.Logf("%v in %v; output:\n%s", args, time.Since(start).Round(time.Millisecond), out.String())
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	text := out.String()
	if !strings.Contains(text, "\nPASS: Redis agrees with the exact model\n") {
		t.Errorf("no PASS in the summary")
	}
	m := regexp.MustCompile(`(?m)^  logins +redis +([\d,]+) +exact +([\d,]+) +ok: exact `).FindStringSubmatch(text)
	if m == nil || m[1] != m[2] || m[1] == "0" {
		t.Errorf("summary does not say the logins total in Redis is exact and nonzero: %q", m)
	}
	m = regexp.MustCompile(`(?m)^  active +redis +([\d,]+) +exact +([\d,]+) +ok: equal `).FindStringSubmatch(text)
	if m == nil || m[1] != m[2] {
		t.Errorf("summary does not say the active sessions are equal: %q", m)
	}
	m = regexp.MustCompile(`(?m)^  users +redis +([\d,]+) +exact +([\d,]+) +ok: equal `).FindStringSubmatch(text)
	if m == nil || m[1] != m[2] {
		t.Errorf("summary does not say the users online are equal: %q", m)
	}
	if n := len(regexp.MustCompile(`(?m)^ +\d+\.\ds +[\d,-]+ `).FindAllString(text, -1)); n < 2 {
		t.Errorf("%d report lines; want at least 2", n)
	}
	return text
}

func TestRun(t *testing.T) {
	t.Parallel()
	text := runFor(t, context.Background(), "-duration", "3s")
	// With a 1s timeout and sessions that vanish, some expire within 3s.
	m := regexp.MustCompile(`sessions vanished, ([\d,]+) of them expired`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no traffic line")
	}
	if n, _ := strconv.Atoi(strings.ReplaceAll(m[1], ",", "")); n == 0 {
		t.Errorf("no session expired")
	}
}

// TestRunInterrupted stops an unbounded run the way Ctrl-C does, by
// cancelling its context: the nodes still sync a last time and the summary
// still passes.
func TestRunInterrupted(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	text := runFor(t, ctx, "-duration", "0")
	if !strings.Contains(text, "\ninterrupted\n") {
		t.Errorf("no interrupted line")
	}
}

func TestFlags(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		want string // in the error
	}{
		{[]string{"-bogus"}, "-bogus"},
		{[]string{"extra"}, "unexpected arguments"},
		{[]string{"-nodes", "0"}, "-nodes 0"},
		{[]string{"-users", "0"}, "-users 0"},
		{[]string{"-rate", "0"}, "-rate 0"},
		{[]string{"-duration", "-1s"}, "-duration -1s"},
		{[]string{"-interval", "0"}, "-interval 0s"},
		{[]string{"-report", "0"}, "-report 0s"},
		{[]string{"-timeout", "10ms"}, "-timeout 10ms"},
		{[]string{"-prefix", "a:b"}, `-prefix "a:b"`},
		{[]string{"-nodes", "x"}, "-nodes"},
	} {
		var out bytes.Buffer
		err := run(context.Background(), c.args, &out)
		if !errors.Is(err, errUsage) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v; want a usage error mentioning %q", c.args, err, c.want)
		}
	}

	var out bytes.Buffer
	if err := run(context.Background(), []string{"-help"}, &out); err != nil {
		t.Errorf("-help: %v", err)
	}
	for _, want := range []string{"Usage:", "distinct users", "-redis host:port", "-prefix"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("-help lacks %q:\n%s", want, out.String())
		}
	}

	err := run(context.Background(), []string{"-redis-server", "no-such-redis-server-binary"}, &out)
	if err == nil || errors.Is(err, errUsage) || !strings.Contains(err.Error(), "pass -redis") {
		t.Errorf("missing redis-server: error %v; want one that says to pass -redis", err)
	}
}
