package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

func TestResult(t *testing.T) {
	cases := []struct {
		line  string
		name  string
		procs int
		ns    float64
		ok    bool
	}{
		{"BenchmarkInc/limit=own-cell           \t562967488\t         2.123 ns/op\t       0 B/op\t       0 allocs/op",
			"BenchmarkInc/limit=own-cell", 1, 2.123, true},
		{"BenchmarkInc/limit=own-cell-2         \t1000000000\t         1.070 ns/op\t       0 B/op\t       0 allocs/op",
			"BenchmarkInc/limit=own-cell", 2, 1.070, true},
		{"BenchmarkIncP32/limit=own-cell-16 100 0.5 ns/op", "BenchmarkIncP32/limit=own-cell", 16, 0.5, true},
		{"BenchmarkMemory/impl=abacus-2 1 8428118 ns/op 338.6 B/idle", "BenchmarkMemory/impl=abacus", 2, 8428118, true},
		{"BenchmarkX 10 5 B/op", "", 0, 0, false},        // no ns/op
		{"BenchmarkX 1.5 5 ns/op", "", 0, 0, false},      // not an iteration count
		{"BenchmarkX 10 fast ns/op", "", 0, 0, false},    // not a number
		{"BenchmarkX 10 0 ns/op", "", 0, 0, false},       // no time
		{"BenchmarkInc/limit=own-cell", "", 0, 0, false}, // a name alone
		{"pkg: github.com/abacusgo/abacus/bench", "", 0, 0, false},
		{"ok  \tgithub.com/abacusgo/abacus/bench\t576.348s", "", 0, 0, false},
	}
	for _, c := range cases {
		name, procs, ns, ok := result(c.line)
		if name != c.name || procs != c.procs || ns != c.ns || ok != c.ok {
			t.Errorf("result(%q) = %q, %d, %v, %v; want %q, %d, %v, %v", c.line, name, procs, ns, ok, c.name, c.procs, c.ns, c.ok)
		}
	}
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		vs   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{3}, 3},
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{2.2, 2.1, 9, 2.15, 2.12, 2.13}, 2.14},
	} {
		if got := median(c.vs); fmt.Sprintf("%.6f", got) != fmt.Sprintf("%.6f", c.want) {
			t.Errorf("median(%v) = %v; want %v", c.vs, got, c.want)
		}
	}
}

// lines returns n result lines of name at cpu procs, all at ns.
func lines(name string, procs, n int, ns float64) string {
	if procs != 1 {
		name = fmt.Sprintf("%s-%d", name, procs)
	}
	var b strings.Builder
	for range n {
		fmt.Fprintf(&b, "%s   \t100000000\t  %.3f ns/op\t   0 B/op\t   0 allocs/op\n", name, ns)
	}
	return b.String()
}

const (
	inc    = "BenchmarkInc/limit=own-cell"
	incP32 = "BenchmarkIncP32/limit=own-cell"
	header = "goos: linux\ngoarch: amd64\npkg: github.com/abacusgo/abacus/bench\ncpu: AMD EPYC\n"
)

func TestRunStdin(t *testing.T) {
	cases := []struct {
		name   string
		input  string
		code   int
		stdout []string
	}{
		{"scaled", header + lines(inc, 1, 6, 2.1) + lines(inc, 2, 6, 1.05) + "PASS\n", 0,
			[]string{"cpu=1: 2.100 ns/op (median of 6)", "cpu=2: 1.050 ns/op (median of 6)", "2.00×", "stdin: scaled"}},
		{"at the threshold", header + lines(inc, 1, 1, 1.6) + lines(inc, 2, 1, 1), 0, []string{"1.60×  scaled"}},
		{"just below", header + lines(inc, 1, 1, 1.59) + lines(inc, 2, 1, 1), 1, []string{"1.59×  NOT SCALED", "stdin: NOT SCALED"}},
		{"flat", header + lines(inc, 1, 6, 2.2) + lines(inc, 2, 6, 2.0), 1,
			[]string{"1.10×", "the machine did not give the run 2 cores"}},
		{"the median, not the mean", header + lines(inc, 1, 5, 2) + lines(inc, 2, 3, 1) + lines(inc, 2, 2, 100), 0, []string{"2.00×"}},
		{"one benchmark of two did not scale", header + lines(inc, 1, 6, 2) + lines(inc, 2, 6, 1) + lines(incP32, 1, 6, 2) + lines(incP32, 2, 6, 1.9), 1,
			[]string{inc + " ", "2.00×  scaled", incP32 + " ", "1.05×  NOT SCALED"}},
		{"interleaved and other cpus ignored", header + lines(inc, 2, 3, 1) + lines(inc, 4, 3, 9) + lines(inc, 1, 3, 2) + lines(inc, 2, 3, 1), 0,
			[]string{"median of 6", "2.00×"}},
		{"no cpu=2", header + lines(inc, 1, 6, 2), 2, []string{"cpu=2: 0 lines", "MISSING"}},
		{"no cpu=1", header + lines(inc, 2, 6, 1), 2, []string{"cpu=1: 0 lines", "MISSING"}},
		{"no own-cell lines", header + lines("BenchmarkInc/impl=atomic.Int64", 1, 6, 2) + lines("BenchmarkInc/impl=atomic.Int64", 2, 6, 1), 2,
			[]string{"stdin: MISSING: no limit=own-cell lines"}},
		{"nothing", "", 2, []string{"MISSING"}},
		{"a name that only contains the limit", header + lines("BenchmarkInc/limit=own-cells", 1, 6, 2) + lines("BenchmarkInc/limit=own-cells", 2, 6, 1), 2,
			[]string{"MISSING"}},
		{"packages kept apart", "pkg: a\n" + lines(inc, 1, 6, 2) + "pkg: b\n" + lines(inc, 2, 6, 1), 2,
			[]string{inc + " (a)", inc + " (b)", "MISSING"}},
		{"two packages, both scaled", "pkg: a\n" + lines(inc, 1, 6, 2) + lines(inc, 2, 6, 1) + "pkg: b\n" + lines(inc, 1, 6, 3) + lines(inc, 2, 6, 1.5), 0,
			[]string{inc + " (a)", inc + " (b)", "stdin: scaled"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(nil, strings.NewReader(c.input), &stdout, &stderr)
			if code != c.code {
				t.Errorf("exit code %d; want %d\n%s%s", code, c.code, stdout.String(), stderr.String())
			}
			for _, want := range c.stdout {
				if !strings.Contains(stdout.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, stdout.String())
				}
			}
		})
	}
}

// The raw outputs quoted in docs/BENCHMARKS.md: those with the own-cell
// lines scaled; the others cannot be checked.
func TestRunDocsBench(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "docs", "bench")
	cases := []struct {
		files  []string
		code   int
		stdout []string
	}{
		{[]string{"2026-11-24-counter.txt"}, 0, []string{inc + " ", "cpu=1: 2.151 ns/op (median of 6)", "cpu=2: 1.090 ns/op (median of 6)", "1.97×", incP32 + " ", "1.99×"}},
		{[]string{"2026-11-24-counter-rerun.txt"}, 0, []string{"1.89×", "1.97×"}},
		{[]string{"2026-12-01-registry-gather.txt"}, 0, []string{"2.04×"}},
		{[]string{"2026-11-24-hist.txt"}, 2, []string{"MISSING: no limit=own-cell lines"}},
		{[]string{"2026-11-24-counter.txt", "2026-12-01-middleware.txt"}, 2, []string{"2026-11-24-counter.txt: scaled", "2026-12-01-middleware.txt: MISSING"}},
		{[]string{"no-such-file.txt"}, 2, nil},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.files, ","), func(t *testing.T) {
			var paths []string
			for _, f := range c.files {
				paths = append(paths, filepath.Join(dir, f))
			}
			var stdout, stderr bytes.Buffer
			if code := run(paths, strings.NewReader(""), &stdout, &stderr); code != c.code {
				t.Errorf("exit code %d; want %d\n%s%s", code, c.code, stdout.String(), stderr.String())
			}
			for _, want := range c.stdout {
				if !strings.Contains(stdout.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, stdout.String())
				}
			}
		})
	}
}

func TestRunFlags(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-h"}, nil, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "≥ 1.6") {
		t.Errorf("-h: exit %d, %q", code, stdout.String())
	}
	stdout.Reset()
	if code := run([]string{"-min", "1"}, nil, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "unknown flag -min") {
		t.Errorf("-min: exit %d, %q", code, stderr.String())
	}
}

// The threshold is abacus bench's (lab.MinScaling), read from its source
// since the lab is internal to the main module.
func TestThresholdMatchesLab(t *testing.T) {
	path := filepath.Join("..", "..", "..", "cmd", "abacus", "internal", "lab", "cores.go")
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok || len(vs.Names) != 1 || vs.Names[0].Name != "MinScaling" || len(vs.Values) != 1 {
			return true
		}
		lit, ok := vs.Values[0].(*ast.BasicLit)
		if !ok {
			t.Fatalf("lab.MinScaling is not a literal: %T", vs.Values[0])
		}
		v, _ := constant.Float64Val(constant.MakeFromLiteral(lit.Value, lit.Kind, 0))
		if v != MinScaling {
			t.Errorf("lab.MinScaling = %v; this checker's MinScaling = %v", v, MinScaling)
		}
		found = true
		return false
	})
	if !found {
		t.Fatalf("no MinScaling in %s", path)
	}
}
