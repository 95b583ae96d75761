package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestRunExitCodes(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		args       []string
		code       int
		stdout     string // substring expected on stdout
		stderr     string // substring expected on stderr
		wantOutput string // file expected to exist afterwards
	}{
		{args: nil, code: 2, stderr: "Usage: abacus"},
		{args: []string{"help"}, code: 0, stdout: "bench"},
		{args: []string{"--help"}, code: 0, stdout: "Commands:"},
		{args: []string{"help", "bench"}, code: 0, stdout: "-goroutines"},
		{args: []string{"bench", "-h"}, code: 0, stdout: "Counter types"},
		{args: []string{"nope"}, code: 2, stderr: `unknown command "nope"`},
		{args: []string{"help", "demo"}, code: 0, stdout: "-rate"},
		{args: []string{"help"}, code: 0, stdout: "demo"},
		{args: []string{"demo", "-errors", "2"}, code: 2, stderr: "-errors 2"},
		{args: []string{"demo", "-rate", "-5", "-slo", "1"}, code: 2, stderr: "-slo 1"},
		{args: []string{"demo", "extra"}, code: 2, stderr: "unexpected arguments"},
		{args: []string{"demo", "-addr", "256.0.0.1:1", "-admin", ""}, code: 1, stderr: "listen"},
		{
			args: []string{"demo", "-addr", "127.0.0.1:0", "-admin", "", "-rate", "50", "-latency", "1ms", "-duration", "300ms"},
			code: 0, stdout: "abacus demo: serving on", stderr: "demo: stopped",
		},
		{args: []string{"bench", "-bogus"}, code: 2, stderr: "-bogus"},
		{args: []string{"bench", "-goroutines", "1,x"}, code: 2, stderr: `"x" is not a whole number`},
		{args: []string{"bench", "-goroutines", "0"}, code: 2, stderr: "start at 1"},
		{args: []string{"bench", "-types", "adaptive,nope"}, code: 2, stderr: `unknown counter type "nope"`},
		{args: []string{"bench", "-duration", "0s"}, code: 2, stderr: "duration"},
		{args: []string{"bench", "-runs", "0"}, code: 2, stderr: "runs"},
		{args: []string{"bench", "-out", "chart.png"}, code: 2, stderr: ".svg or .html"},
		{args: []string{"bench", "extra"}, code: 2, stderr: "unexpected arguments"},
		{
			args: []string{"bench", "-types", "atomic,adaptive", "-goroutines", "1,2", "-duration", "5ms", "-runs", "1",
				"-out", filepath.Join(dir, "lab.html")},
			code: 0, stdout: "vs atomic", stderr: "wrote", wantOutput: filepath.Join(dir, "lab.html"),
		},
		{
			args: []string{"bench", "-types", "sloppy", "-goroutines", "3", "-duration", "5ms", "-runs", "1",
				"-out", filepath.Join(dir, "lab.svg")},
			code: 0, stdout: "sloppy", wantOutput: filepath.Join(dir, "lab.svg"),
		},
		{
			args: []string{"bench", "-types", "atomic", "-goroutines", "1", "-duration", "1ms", "-runs", "1",
				"-out", filepath.Join(dir, "missing", "lab.svg")},
			code: 1, stderr: "no such file",
		},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), c.args, &stdout, &stderr)
			if code != c.code {
				t.Errorf("exit code %d; want %d\nstdout: %s\nstderr: %s", code, c.code, stdout.String(), stderr.String())
			}
			if !strings.Contains(stdout.String(), c.stdout) {
				t.Errorf("stdout lacks %q:\n%s", c.stdout, stdout.String())
			}
			if !strings.Contains(stderr.String(), c.stderr) {
				t.Errorf("stderr lacks %q:\n%s", c.stderr, stderr.String())
			}
			if c.wantOutput != "" {
				if st, err := os.Stat(c.wantOutput); err != nil || st.Size() == 0 {
					t.Errorf("output file %s: %v", c.wantOutput, err)
				}
			}
		})
	}
}

// atomicRatios returns the "vs atomic" column of the table's atomic rows.
func atomicRatios(table string) []string {
	var out []string
	for _, line := range strings.Split(table, "\n") {
		if f := strings.Fields(line); len(f) == 6 && f[0] == "atomic" {
			out = append(out, f[4])
		}
	}
	return out
}

// abacus bench checks its cores before and after the measurements and heads
// the table with the check; the ratios follow the verdict, whatever it is
// (the machine running the test is noisy, so the verdict is not asserted).
func TestBenchChecksCores(t *testing.T) {
	var stdout, stderr bytes.Buffer
	args := []string{"bench", "-procs", "2", "-types", "atomic", "-goroutines", "1,2", "-duration", "2ms", "-runs", "1"}
	if code := run(context.Background(), args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit code %d\nstdout: %s\nstderr: %s", code, stdout.String(), stderr.String())
	}
	out, errs := stdout.String(), stderr.String()
	if !strings.HasPrefix(out, "cores: GOMAXPROCS=2, ") {
		t.Errorf("the table does not start with the cores' line:\n%s", out)
	}
	warning := strings.Contains(out, "\nWARNING: ")
	if !warning && !strings.Contains(out, "\nOK: ") && !strings.Contains(out, "\nNOTE: ") {
		t.Errorf("no verdict under the cores' line:\n%s", out)
	}
	if runtime.NumCPU() >= 2 {
		for _, want := range []string{"cores before: padded", "cores after: padded"} {
			if !strings.Contains(errs, want) {
				t.Errorf("stderr lacks %q:\n%s", want, errs)
			}
		}
		if !strings.Contains(out, "padded ns/op at 1 → 2 goroutines: before ") || !strings.Contains(out, ", after ") {
			t.Errorf("the cores' line lacks the two checks:\n%s", out)
		}
		if warning != strings.Contains(errs, "abacus bench: warning: the machine did not give the lab 2 cores") {
			t.Errorf("the table and stderr disagree on the warning:\nstdout: %s\nstderr: %s", out, errs)
		}
	}
	want := "1.00×"
	if warning {
		want = "-"
	}
	if rs := atomicRatios(out); len(rs) != 2 || rs[0] != want || rs[1] != want {
		t.Errorf("atomic's ratios %q; want %q with this verdict:\n%s", rs, want, out)
	}
}

// With one P the lab skips the check, says nothing can contend, shows the
// ratios, and leaves GOMAXPROCS as it found it.
func TestBenchOneP(t *testing.T) {
	before := runtime.GOMAXPROCS(0)
	var stdout, stderr bytes.Buffer
	args := []string{"bench", "-procs", "1", "-types", "atomic", "-goroutines", "1,2", "-duration", "2ms", "-runs", "1"}
	if code := run(context.Background(), args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit code %d\nstdout: %s\nstderr: %s", code, stdout.String(), stderr.String())
	}
	if got := runtime.GOMAXPROCS(0); got != before {
		t.Errorf("GOMAXPROCS %d after the run; was %d", got, before)
	}
	out, errs := stdout.String(), stderr.String()
	if !strings.HasPrefix(out, "cores: GOMAXPROCS=1, ") || !strings.Contains(out, "\nNOTE: GOMAXPROCS=1: one goroutine runs at a time, so nothing contends") {
		t.Errorf("stdout does not say nothing contends:\n%s", out)
	}
	if strings.Contains(errs, "checking the cores") || strings.Contains(errs, "core check") {
		t.Errorf("the check ran with one P:\n%s", errs)
	}
	if rs := atomicRatios(out); len(rs) != 2 || rs[0] != "1.00×" {
		t.Errorf("atomic's ratios %q; want 1.00×:\n%s", rs, out)
	}
}
