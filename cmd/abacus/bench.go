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
goroutine count, and whether the counter's total equalled the adds made.
Progress goes to stderr, the table to stdout, and with -out a chart to a file.

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
		fmt.Fprintf(fs.Output(), benchUsage, list.String())
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if *procs < 0 {
		return fmt.Errorf("%w: -procs %d must not be negative", errUsage, *procs)
	}
	if *procs > 0 {
		runtime.GOMAXPROCS(*procs)
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
	fmt.Fprintf(stderr, "abacus bench: %d types × %d goroutine counts × %d runs of %v (about %v), GOMAXPROCS=%d\n",
		len(subjects), len(gs), *runs, *duration, time.Duration(len(subjects)*len(gs)**runs)**duration, runtime.GOMAXPROCS(0))
	started := time.Now()
	rs, err := lab.Run(ctx, cfg)
	if isTerminal(stderr) {
		fmt.Fprintln(stderr)
	}
	if err != nil {
		if len(rs) == 0 {
			return err
		}
		fmt.Fprintf(stderr, "abacus bench: stopped early (%v); showing what was measured\n", err)
	}
	if err := lab.WriteTable(stdout, rs); err != nil {
		return err
	}
	if *out != "" {
		if err := writeChart(*out, format, rs, lab.Page{
			Command: "abacus bench " + strings.Join(args, " "), Started: started, Subjects: subjects,
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

func writeChart(path, format string, rs []lab.Result, p lab.Page) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if format == "svg" {
		err = lab.WriteSVG(f, rs)
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
