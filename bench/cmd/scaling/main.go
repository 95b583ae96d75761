// Command scaling checks that a benchmark run had the two cores it asked
// for. It reads `go test -bench` output (the raw text benchstat reads) from
// the files named, or from stdin, and finds the own-cell limit of the
// counter benchmarks (BenchmarkInc/limit=own-cell and
// BenchmarkIncP32/limit=own-cell: each goroutine adds to its own padded
// word, so nothing is shared) at cpu=1 (no suffix) and cpu=2 (suffix -2).
// On two free cores the median ns/op at cpu=2 is half the one at cpu=1; the
// run counts as scaled when, for every own-cell benchmark in it,
//
//	median ns/op at cpu=1 / median ns/op at cpu=2 ≥ 1.6
//
// the same threshold as `abacus bench` (lab.MinScaling; a test keeps them
// equal). 1.6 leaves room for 20% of noise between the two medians and
// fails a run whose second core another process held for more than about
// 40% of the time. Other -cpu values are ignored.
//
// Usage, inside the bench module:
//
//	go run ./cmd/scaling out/counter.txt
//	go test -run '^$' -bench 'BenchmarkInc$/limit=own-cell|…' -cpu 1,2 -count 6 . | go run ./cmd/scaling
//
// Each file is judged on its own. The exit status is 0 when every input
// scaled, 1 when one did not, and 2 when one has no own-cell lines at
// cpu=1 or at cpu=2 (the check cannot tell), or cannot be read. (go run
// exits 1 for any failure and prints "exit status 2"; a built binary exits
// with the status itself.)
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
)

// MinScaling is the least factor at which a run counts as scaled; see the
// package comment.
const MinScaling = 1.6

// limit is the name element of the own-cell limit benchmarks.
const limit = "limit=own-cell"

// status is a judgement of one input, ordered from best to worst.
type status int

const (
	scaled status = iota
	notScaled
	missing
)

// group is one own-cell benchmark of one package: its ns/op values by cpu.
type group struct {
	pkg, name string
	ns        map[int][]float64
}

var procsSuffix = regexp.MustCompile(`^(.*)-([0-9]+)$`)

// parse reads `go test -bench` output and returns the own-cell groups in the
// order first seen.
func parse(r io.Reader) ([]*group, error) {
	var groups []*group
	pkg := ""
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		if p, ok := strings.CutPrefix(line, "pkg: "); ok {
			pkg = strings.TrimSpace(p)
			continue
		}
		name, procs, ns, ok := result(line)
		if !ok || !slices.Contains(strings.Split(name, "/"), limit) {
			continue
		}
		i := slices.IndexFunc(groups, func(g *group) bool { return g.pkg == pkg && g.name == name })
		if i < 0 {
			groups = append(groups, &group{pkg: pkg, name: name, ns: map[int][]float64{}})
			i = len(groups) - 1
		}
		groups[i].ns[procs] = append(groups[i].ns[procs], ns)
	}
	return groups, sc.Err()
}

// result parses one benchmark result line, e.g.
//
//	BenchmarkInc/limit=own-cell-2   1000000000   1.070 ns/op   0 B/op   0 allocs/op
//
// into its name without the -cpu suffix, the cpu (1 without a suffix) and
// its ns/op.
func result(line string) (name string, procs int, ns float64, ok bool) {
	f := strings.Fields(line)
	if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
		return "", 0, 0, false
	}
	if _, err := strconv.ParseUint(f[1], 10, 64); err != nil {
		return "", 0, 0, false
	}
	for i := 3; i < len(f); i += 2 {
		if f[i] != "ns/op" {
			continue
		}
		v, err := strconv.ParseFloat(f[i-1], 64)
		if err != nil || v <= 0 {
			return "", 0, 0, false
		}
		name, procs = f[0], 1
		if m := procsSuffix.FindStringSubmatch(name); m != nil {
			if n, err := strconv.Atoi(m[2]); err == nil && n > 0 {
				name, procs = m[1], n
			}
		}
		return name, procs, v, true
	}
	return "", 0, 0, false
}

// median returns the median of vs (the mean of the middle two for an even
// count), and 0 for none.
func median(vs []float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(vs))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// check judges one input and writes its report to w.
func check(w io.Writer, source string, groups []*group) status {
	if len(groups) == 0 {
		fmt.Fprintf(w, "%s: MISSING: no %s lines; run the own-cell limit in the same go test invocation, at -cpu 1,2 "+
			"(e.g. -bench 'BenchmarkInc$/%s|…' -cpu 1,2)\n", source, limit, limit)
		return missing
	}
	pkgs := map[string]bool{}
	for _, g := range groups {
		pkgs[g.pkg] = true
	}
	worst := scaled
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "%s:\n", source)
	for _, g := range groups {
		name := g.name
		if len(pkgs) > 1 {
			name += " (" + g.pkg + ")"
		}
		one, two := g.ns[1], g.ns[2]
		if len(one) == 0 || len(two) == 0 {
			fmt.Fprintf(tw, "  %s\tcpu=1: %d lines\tcpu=2: %d lines\t\tMISSING: needs both\n", name, len(one), len(two))
			worst = max(worst, missing)
			continue
		}
		m1, m2 := median(one), median(two)
		f := m1 / m2
		verdict := "scaled"
		if f < MinScaling {
			verdict = "NOT SCALED"
			worst = max(worst, notScaled)
		}
		fmt.Fprintf(tw, "  %s\tcpu=1: %.3f ns/op (median of %d)\tcpu=2: %.3f ns/op (median of %d)\t%.2f×\t%s\n",
			name, m1, len(one), m2, len(two), f, verdict)
	}
	tw.Flush()
	switch worst {
	case scaled:
		fmt.Fprintf(w, "%s: scaled: the own-cell limit ran at least %.2f× faster at cpu=2 than at cpu=1 (2× expected)\n", source, MinScaling)
	case notScaled:
		fmt.Fprintf(w, "%s: NOT SCALED: the machine did not give the run 2 cores: the own-cell limit ran less than %.2f× faster "+
			"at cpu=2 than at cpu=1 (2× expected); its cpu=2 numbers are not contention results; rerun on a quiet machine\n", source, MinScaling)
	case missing:
		fmt.Fprintf(w, "%s: MISSING: an own-cell benchmark lacks its cpu=1 or cpu=2 lines; run it at -cpu 1,2\n", source)
	}
	return worst
}

const usage = `Usage: go run ./cmd/scaling [file ...]

Checks that a go test -bench run had two cores: reads its output from the
files (each judged on its own) or from stdin, takes the median ns/op of
every own-cell limit benchmark (name element limit=own-cell) at cpu=1 and
at cpu=2, and requires cpu=1 / cpu=2 ≥ %.1f (2 is perfect scaling).
Exit status: 0 scaled, 1 not scaled, 2 own-cell lines missing at cpu=1 or
cpu=2, or an input that cannot be read (go run exits 1 for either failure).
`

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
		fmt.Fprintf(stdout, usage, MinScaling)
		return 0
	}
	if len(args) > 0 && strings.HasPrefix(args[0], "-") {
		fmt.Fprintf(stderr, "scaling: unknown flag %s\n"+usage, args[0], MinScaling)
		return 2
	}
	judge := func(source string, r io.Reader) status {
		groups, err := parse(r)
		if err != nil {
			fmt.Fprintf(stderr, "scaling: %s: %v\n", source, err)
			return missing
		}
		return check(stdout, source, groups)
	}
	worst := scaled
	if len(args) == 0 {
		worst = judge("stdin", stdin)
	}
	for _, path := range args {
		f, err := os.Open(path)
		if err != nil {
			fmt.Fprintf(stderr, "scaling: %v\n", err)
			worst = max(worst, missing)
			continue
		}
		worst = max(worst, judge(path, f))
		f.Close()
	}
	return [...]int{scaled: 0, notScaled: 1, missing: 2}[worst]
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
