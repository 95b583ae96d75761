package lab

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
)

// MinScaling is the least scaling factor (see Check.Factor) at which the lab
// believes it had two cores to itself. Two free cores give about 2 (1.89 to
// 2.04 for the own-cell limit in the raw outputs in docs/bench, as
// bench/cmd/scaling reads them); two goroutines sharing one core give about
// 1, since the core only takes turns between them; and a second core that
// another process holds for a share s of the time gives about 2 − s. 1.6
// leaves room for 20% of noise between the two medians (2 / 1.2 ≈ 1.67) and
// catches a second core taken for more than about 40% of the check.
// bench/cmd/scaling applies the same threshold to `go test -bench` output;
// a test there keeps the two equal.
const MinScaling = 1.6

// Check is one measurement of the machine's cores: the "padded" subject
// (one atomic word per goroutine, each on its own cache line, so nothing is
// shared) at 1 and at 2 goroutines, each the median of the configured runs.
type Check struct {
	When     string  // when it ran: "before" or "after" the measurements
	One, Two float64 // ns/op at 1 and at 2 goroutines (wall time over all adds)
}

// Factor is One/Two: how many times faster the padded words were at 2
// goroutines than at 1. 2.0 is perfect scaling; 0 if Two is not positive.
func (c Check) Factor() float64 {
	if c.Two <= 0 || c.One <= 0 {
		return 0
	}
	return c.One / c.Two
}

// Verdict is what the lab concludes from its checks.
type Verdict int

const (
	// Unchecked: GOMAXPROCS and the CPUs allow two cores, but no check
	// was measured, so the lab cannot tell whether it had them.
	Unchecked Verdict = iota
	// OneCore: GOMAXPROCS=1 or one CPU. Only one goroutine runs at a
	// time, so nothing can contend and the lab does not check.
	OneCore
	// Scaled: the worse check was at least MinScaling.
	Scaled
	// NotScaled: the worse check was below MinScaling; another process
	// had (part of) a core.
	NotScaled
)

// Cores is what the lab knows about the cores it ran on.
type Cores struct {
	Procs  int     // GOMAXPROCS during the run
	CPUs   int     // logical CPUs the process may use (runtime.NumCPU)
	Checks []Check // in the order measured
}

// MachineCores returns the current GOMAXPROCS and CPU count, with no checks.
func MachineCores() Cores {
	return Cores{Procs: runtime.GOMAXPROCS(0), CPUs: runtime.NumCPU()}
}

// oneCore reports whether at most one goroutine can run at a time.
func (c Cores) oneCore() bool {
	return (c.Procs > 0 && c.Procs < 2) || (c.CPUs > 0 && c.CPUs < 2)
}

// Worst returns the check with the lowest factor, and false if there is
// none.
func (c Cores) Worst() (Check, bool) {
	if len(c.Checks) == 0 {
		return Check{}, false
	}
	return slices.MinFunc(c.Checks, func(a, b Check) int {
		switch fa, fb := a.Factor(), b.Factor(); {
		case fa < fb:
			return -1
		case fa > fb:
			return 1
		}
		return 0
	}), true
}

// Verdict judges the cores: OneCore if Procs or CPUs is 1, else by the
// worse check against MinScaling, else Unchecked.
func (c Cores) Verdict() Verdict {
	if c.oneCore() {
		return OneCore
	}
	w, ok := c.Worst()
	switch {
	case !ok:
		return Unchecked
	case w.Factor() < MinScaling:
		return NotScaled
	}
	return Scaled
}

// ShowRatios reports whether the "vs atomic" ratios may be shown: when the
// cores scaled, or with one core, where they compare the cost of one add.
func (c Cores) ShowRatios() bool {
	v := c.Verdict()
	return v == Scaled || v == OneCore
}

// Warning reports whether the results must not be read as contention
// results on two cores: the check failed, or did not run.
func (c Cores) Warning() bool {
	v := c.Verdict()
	return v == NotScaled || v == Unchecked
}

// Label is the word shown before Sentence: OK, NOTE (one core) or WARNING.
func (c Cores) Label() string {
	switch c.Verdict() {
	case Scaled:
		return "OK"
	case OneCore:
		return "NOTE"
	}
	return "WARNING"
}

// Sentence says in words what the verdict means for the results.
func (c Cores) Sentence() string {
	w, _ := c.Worst()
	which := ""
	if len(c.Checks) > 1 {
		which = "; the worse of the two checks, the one " + w.When + " the measurements"
	}
	switch c.Verdict() {
	case OneCore:
		who := fmt.Sprintf("GOMAXPROCS=%d", c.Procs)
		if c.CPUs > 0 && c.CPUs < 2 {
			who = fmt.Sprintf("this machine has %d CPU", c.CPUs)
		}
		return who + `: one goroutine runs at a time, so nothing contends; ` +
			`the lines show the cost of one add, not behaviour under contention, ` +
			`and "vs atomic" compares that cost`
	case Scaled:
		return fmt.Sprintf("the machine gave the lab 2 cores: own padded cells ran %.2f× faster at 2 goroutines than at 1 (2× expected, at least %.2f× required%s)",
			w.Factor(), MinScaling, which)
	case NotScaled:
		ran := fmt.Sprintf("ran only %.2f× faster at 2 goroutines than at 1", w.Factor())
		if w.Factor() < 1 {
			ran = fmt.Sprintf("ran slower at 2 goroutines than at 1 (%.2f× the speed)", w.Factor())
		}
		return fmt.Sprintf("the machine did not give the lab 2 cores: own padded cells %s (2× expected, at least %.2f× required%s); "+
			"ratios are not shown; rerun on a quiet machine", ran, MinScaling, which)
	}
	return "the lab did not check that it had 2 cores; ratios are not shown"
}

// Numbers is one line with the check's numbers, for a reader to see how
// the machine did, e.g. "cores: GOMAXPROCS=2, 2 CPUs; padded ns/op at 1 → 2
// goroutines: before 2.12 → 1.07 (1.98×), after 2.10 → 1.06 (1.98×)".
func (c Cores) Numbers() string {
	var b strings.Builder
	fmt.Fprintf(&b, "cores: GOMAXPROCS=%d, %d CPUs; ", c.Procs, c.CPUs)
	switch {
	case c.oneCore():
		b.WriteString("not checked (one goroutine runs at a time)")
	case len(c.Checks) == 0:
		b.WriteString("not checked")
	default:
		b.WriteString("padded ns/op at 1 → 2 goroutines: ")
		for i, ch := range c.Checks {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%s %.2f → %.2f (%.2f×)", ch.When, ch.One, ch.Two, ch.Factor())
		}
	}
	return b.String()
}

// Measure runs the "padded" subject at 1 and at 2 goroutines, cfg.Runs times
// each for cfg.Duration, and returns c with the check appended under the
// name when. With one core (GOMAXPROCS=1 or one CPU) it measures nothing and
// returns c unchanged. If ctx is done before the check is complete it
// returns c unchanged and ctx.Err().
func (c Cores) Measure(ctx context.Context, cfg Config, when string) (Cores, error) {
	if c.oneCore() {
		return c, nil
	}
	if cfg.Duration <= 0 || cfg.Runs < 1 {
		return c, errors.New("lab: the core check needs a positive duration and at least one run")
	}
	padded, ok := subject("padded")
	if !ok {
		return c, errors.New("lab: no padded subject")
	}
	one := measure(ctx, padded, 1, cfg.Duration, cfg.Runs)
	two := measure(ctx, padded, 2, cfg.Duration, cfg.Runs)
	if err := ctx.Err(); err != nil {
		return c, err
	}
	c.Checks = append(slices.Clip(c.Checks), Check{When: when, One: one.NsPerOp(), Two: two.NsPerOp()})
	return c, nil
}
