package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/abacusgo/abacus/cmd/abacus/internal/lab"
)

const benchUsage = `Usage: abacus bench [flags]

The contention lab. Runs each counter type at 1, 2, 4, … goroutines: every
goroutine adds 1 in a loop for -duration, and the lab reports the adds per
second over all of them, the speed-up over one shared atomic word at the same
goroutine count (unless the core check below fails), and whether the
counter's total equalled the adds made. Progress goes to stderr, the table to
stdout, and with -out a chart to a file.

The lab checks that it has the cores it asked for, before the measurements
and again after them (another process can take a core for minutes): it runs
"padded" (one atomic word per goroutine, each on its own cache line, so
nothing is shared: the machine's limit) at 1 and at 2 goroutines, -runs
times each for -duration, and divides the median ns/op at 1 by the one at 2.
Two free cores give about 2. If the worse of the two checks is below %.1f
(room for 20%% of noise; a second core taken for more than about 40%% of the
time falls below it), the lab warns on stderr, above the table, under the
chart's title and at the top of the HTML page, and shows "-" instead of
every "vs atomic" ratio. With GOMAXPROCS=1 (see -procs) or one CPU only one
goroutine runs at a time: nothing can contend, the lab says so and skips the
check, and the ratios compare the cost of one add. The check's numbers, or
why there are none, head the table either way. No flag turns the check off:
it costs 4 × -runs × -duration, and without it a flat chart cannot be told
from a missing core.

Counter types (-types):
%s
Flags:
`

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		goroutines = fs.String("goroutines", "", "comma-separated goroutine counts, e.g. 1,2,8,64 (default 1, 2, 4, … up to 4×GOMAXPROCS)")
		types      = fs.String("types", "all", "comma-separated counter types to run, or all")
		duration   = fs.Duration("duration", 200*time.Millisecond, "how long each measurement runs")
		runs       = fs.Int("runs", 3, "measurements per point; the median is reported")
		out        = fs.String("out", "", "also write a chart to this file: .svg for the chart alone, .html for a self-contained page with chart and table")
		procs      = fs.Int("procs", 0, "set GOMAXPROCS for the run (default: leave it)")
	)
	fs.Usage = func() {
		var list strings.Builder
		for _, s := range lab.Subjects() {
			fmt.Fprintf(&list, "  %-9s %s\n", s.Name, s.Doc)
		}
		fmt.Fprintf(fs.Output(), benchUsage, lab.MinScaling, list.String())
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if *procs < 0 {
		return fmt.Errorf("%w: -procs %d must not be negative", errUsage, *procs)
	}
	if *procs > 0 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(*procs))
	}
	var format string
	if *out != "" {
		switch strings.ToLower(filepath.Ext(*out)) {
		case ".svg":
			format = "svg"
		case ".html", ".htm":
			format = "html"
		default:
			return fmt.Errorf("%w: -out %q: the file name must end in .svg or .html", errUsage, *out)
		}
	}
	subjects, err := lab.Select(*types)
	if err != nil {
		return fmt.Errorf("%w: -types: %v", errUsage, err)
	}
	gs := lab.DefaultGoroutines()
	if *goroutines != "" {
		if gs, err = parseInts(*goroutines); err != nil {
			return fmt.Errorf("%w: -goroutines: %v", errUsage, err)
		}
	}
	cfg := lab.Config{
		Subjects:   subjects,
		Goroutines: gs,
		Duration:   *duration,
		Runs:       *runs,
		Progress:   progress(stderr),
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	cores := lab.MachineCores()
	points, check := len(subjects)*len(gs), ""
	if cores.Verdict() != lab.OneCore {
		points += 4 // the core check: padded at 1 and 2 goroutines, before and after
		check = ", plus the core check"
	}
	fmt.Fprintf(stderr, "abacus bench: %d types × %d goroutine counts × %d runs of %v%s (about %v), GOMAXPROCS=%d\n",
		len(subjects), len(gs), *runs, *duration, check, time.Duration(points**runs)**duration, cores.Procs)
	started := time.Now()
	cores, err = checkCores(ctx, cores, cfg, "before", stderr)
	if err != nil {
		return err
	}
	rs, err := lab.Run(ctx, cfg)
	if isTerminal(stderr) {
		fmt.Fprintln(stderr)
	}
	if err != nil {
		if len(rs) == 0 {
			return err
		}
		fmt.Fprintf(stderr, "abacus bench: stopped early (%v); showing what was measured\n", err)
	} else if cores, err = checkCores(ctx, cores, cfg, "after", stderr); err != nil {
		fmt.Fprintf(stderr, "abacus bench: the core check after the measurements stopped early (%v); judging by the one before\n", err)
	}
	if cores.Warning() {
		fmt.Fprintf(stderr, "abacus bench: warning: %s\n", cores.Sentence())
	} else {
		fmt.Fprintf(stderr, "abacus bench: %s\n", cores.Sentence())
	}
	if err := lab.WriteTable(stdout, rs, cores); err != nil {
		return err
	}
	if *out != "" {
		if err := writeChart(*out, format, rs, lab.Page{
			Command: "abacus bench " + strings.Join(args, " "), Started: started, Subjects: subjects, Cores: cores,
		}); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "abacus bench: wrote %s\n", *out)
	}
	for _, r := range rs {
		if !r.Exact {
			return fmt.Errorf("%s at %d goroutines counted %d of %d adds", r.Subject, r.Goroutines, r.Got, r.Ops)
		}
	}
	return nil
}

// checkCores measures the cores (see lab.Cores.Measure) and prints the
// check's numbers to stderr; with one core it measures and prints nothing.
func checkCores(ctx context.Context, cores lab.Cores, cfg lab.Config, when string, stderr io.Writer) (lab.Cores, error) {
	if cores.Verdict() == lab.OneCore {
		return cores, nil
	}
	fmt.Fprintf(stderr, "abacus bench: checking the cores %s the measurements: padded at 1 and 2 goroutines\n", when)
	checked, err := cores.Measure(ctx, cfg, when)
	if err != nil {
		return cores, err
	}
	ch := checked.Checks[len(checked.Checks)-1]
	fmt.Fprintf(stderr, "abacus bench: cores %s: padded %.2f ns/op at 1 goroutine, %.2f at 2 (%.2f×; at least %.2f× required)\n",
		when, ch.One, ch.Two, ch.Factor(), lab.MinScaling)
	return checked, nil
}

func writeChart(path, format string, rs []lab.Result, p lab.Page) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if format == "svg" {
		err = lab.WriteSVG(f, rs, p.Cores)
	} else {
		err = lab.WriteHTML(f, rs, p)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// parseInts parses a comma-separated list of positive integers.
func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, fmt.Errorf("%q is not a whole number", strings.TrimSpace(f))
		}
		if n < 1 {
			return nil, fmt.Errorf("%d: goroutine counts start at 1", n)
		}
		out = append(out, n)
	}
	return out, nil
}

// progress reports each measurement as it starts: on one rewritten line on a
// terminal, one line each otherwise (a CI log).
func progress(w io.Writer) func(done, total int, s lab.Subject, g int) {
	format := "[%3d/%d] %-9s at %4d goroutines\n"
	if isTerminal(w) {
		format = "\r[%3d/%d] %-9s at %4d goroutines"
	}
	return func(done, total int, s lab.Subject, g int) {
		fmt.Fprintf(w, format, done+1, total, s.Name, g)
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
