// Package lab is the contention lab behind `abacus bench`: it runs counter
// implementations at increasing numbers of goroutines, measures throughput
// and checks that every count is exact, checks that the machine gave it the
// cores it asked for (Cores), and renders the results as a text table, an
// SVG chart or a self-contained HTML page.
package lab

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Config says what to measure.
type Config struct {
	Subjects   []Subject     // what to run; see Subjects
	Goroutines []int         // goroutine counts, each ≥ 1
	Duration   time.Duration // how long each measurement runs
	Runs       int           // measurements per point; the median is kept
	// Progress, if not nil, is called before each measurement.
	Progress func(done, total int, s Subject, goroutines int)
}

// Result is one point: one subject at one goroutine count.
type Result struct {
	Subject    string
	Goroutines int
	Ops        int64         // adds counted by the workers, median run
	Elapsed    time.Duration // wall time of the median run
	Exact      bool          // the counter's total equalled Ops in every run
	Got        int64         // the counter's total in the first inexact run
}

// NsPerOp is wall time per add over all goroutines, as `go test -bench`
// reports for RunParallel.
func (r Result) NsPerOp() float64 { return float64(r.Elapsed.Nanoseconds()) / float64(r.Ops) }

// MOpsPerSec is millions of adds per second over all goroutines.
func (r Result) MOpsPerSec() float64 { return float64(r.Ops) / r.Elapsed.Seconds() / 1e6 }

// Validate reports what is wrong with c, or nil.
func (c Config) Validate() error {
	var errs []error
	if len(c.Subjects) == 0 {
		errs = append(errs, errors.New("no counter types selected"))
	}
	if len(c.Goroutines) == 0 {
		errs = append(errs, errors.New("no goroutine counts given"))
	}
	for _, g := range c.Goroutines {
		if g < 1 || g > 1<<16 {
			errs = append(errs, fmt.Errorf("goroutine count %d out of range [1, 65536]", g))
		}
	}
	if c.Duration <= 0 {
		errs = append(errs, fmt.Errorf("duration %v must be positive", c.Duration))
	}
	if c.Runs < 1 {
		errs = append(errs, fmt.Errorf("runs %d must be at least 1", c.Runs))
	}
	return errors.Join(errs...)
}

// Run measures every subject at every goroutine count, in order, and
// returns the results. It stops early, returning what it has and ctx.Err(),
// when ctx is done.
func Run(ctx context.Context, c Config) ([]Result, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	var out []Result
	total, done := len(c.Subjects)*len(c.Goroutines), 0
	for _, s := range c.Subjects {
		for _, g := range c.Goroutines {
			if err := ctx.Err(); err != nil {
				return out, err
			}
			if c.Progress != nil {
				c.Progress(done, total, s, g)
			}
			out = append(out, measure(ctx, s, g, c.Duration, c.Runs))
			done++
		}
	}
	return out, nil
}

// measure runs s at g goroutines runs times and keeps the median by
// throughput.
func measure(ctx context.Context, s Subject, g int, d time.Duration, runs int) Result {
	rs := make([]Result, runs)
	exact, got := true, int64(0)
	for i := range rs {
		rs[i] = once(ctx, s, g, d)
		if !rs[i].Exact && exact {
			exact, got = false, rs[i].Got
		}
	}
	sort.Slice(rs, func(a, b int) bool { return rs[a].MOpsPerSec() < rs[b].MOpsPerSec() })
	r := rs[len(rs)/2]
	r.Exact, r.Got = exact, got
	return r
}

// once runs one measurement: g workers add 1 in a loop until d has passed,
// each counting its own adds; the counter's total must equal their sum.
func once(ctx context.Context, s Subject, g int, d time.Duration) Result {
	inst := s.New(g)
	var stop atomic.Bool
	counts := make([]paddedCount, g)
	var ready, wg sync.WaitGroup
	ready.Add(g)
	start := make(chan struct{})
	for i := range g {
		wg.Go(func() {
			addN, done := inst.Worker(i)
			ready.Done()
			<-start
			var n int64
			for !stop.Load() {
				addN(256)
				n += 256
			}
			done()
			counts[i].n = n
		})
	}
	ready.Wait()
	runtime.GC() // not during the measurement
	t0 := time.Now()
	close(start)
	select {
	case <-time.After(d):
	case <-ctx.Done():
	}
	stop.Store(true)
	wg.Wait()
	elapsed := time.Since(t0)
	var ops int64
	for _, c := range counts {
		ops += c.n
	}
	total := inst.Load()
	return Result{Subject: s.Name, Goroutines: g, Ops: ops, Elapsed: elapsed, Exact: total == ops, Got: total}
}

type paddedCount struct {
	n int64
	_ [56]byte
}

// DefaultGoroutines returns 1, 2, 4, … up to 4×GOMAXPROCS.
func DefaultGoroutines() []int {
	var gs []int
	for g := 1; g <= 4*runtime.GOMAXPROCS(0); g *= 2 {
		gs = append(gs, g)
	}
	return gs
}

// Baseline is the subject the speed-up column compares against.
const Baseline = "atomic"

// SpeedUp returns, for each result, its throughput divided by that of the
// Baseline subject at the same goroutine count (0 if the baseline was not
// measured).
func SpeedUp(rs []Result) []float64 {
	base := map[int]float64{}
	for _, r := range rs {
		if r.Subject == Baseline {
			base[r.Goroutines] = r.MOpsPerSec()
		}
	}
	out := make([]float64, len(rs))
	for i, r := range rs {
		if b := base[r.Goroutines]; b > 0 {
			out[i] = r.MOpsPerSec() / b
		}
	}
	return out
}

// names returns the subjects in rs in first-seen order.
func names(rs []Result) []string {
	var ns []string
	for _, r := range rs {
		if !slices.Contains(ns, r.Subject) {
			ns = append(ns, r.Subject)
		}
	}
	return ns
}
