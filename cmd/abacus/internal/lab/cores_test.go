package lab

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Cores values for the rendering tests, with injected numbers.
var (
	scaled = Cores{Procs: 2, CPUs: 2, Checks: []Check{
		{When: "before", One: 2.12, Two: 1.07},
		{When: "after", One: 2.10, Two: 1.05},
	}}
	notScaled = Cores{Procs: 2, CPUs: 2, Checks: []Check{
		{When: "before", One: 2.10, Two: 1.05},
		{When: "after", One: 2.20, Two: 2.00},
	}}
	oneP = Cores{Procs: 1, CPUs: 2}
)

func TestVerdict(t *testing.T) {
	check := func(when string, one, two float64) Check { return Check{When: when, One: one, Two: two} }
	cases := []struct {
		name    string
		c       Cores
		want    Verdict
		worst   string // When of the worse check, "" if none
		ratios  bool
		warning bool
	}{
		{"GOMAXPROCS=1", Cores{Procs: 1, CPUs: 8}, OneCore, "", true, false},
		{"one CPU", Cores{Procs: 4, CPUs: 1}, OneCore, "", true, false},
		{"one P wins over a failed check", Cores{Procs: 1, CPUs: 2, Checks: []Check{check("before", 1, 1)}}, OneCore, "before", true, false},
		{"no check", Cores{Procs: 2, CPUs: 2}, Unchecked, "", false, true},
		{"zero value", Cores{}, Unchecked, "", false, true},
		{"perfect", Cores{Procs: 2, CPUs: 2, Checks: []Check{check("before", 2, 1)}}, Scaled, "before", true, false},
		{"better than perfect", Cores{Procs: 2, CPUs: 2, Checks: []Check{check("before", 3, 1)}}, Scaled, "before", true, false},
		{"at the threshold", Cores{Procs: 2, CPUs: 2, Checks: []Check{check("before", MinScaling, 1)}}, Scaled, "before", true, false},
		{"just below", Cores{Procs: 2, CPUs: 2, Checks: []Check{check("before", 1.59, 1)}}, NotScaled, "before", false, true},
		{"flat", Cores{Procs: 2, CPUs: 2, Checks: []Check{check("before", 2.1, 1.9)}}, NotScaled, "before", false, true},
		{"slower at two", Cores{Procs: 2, CPUs: 2, Checks: []Check{check("before", 2, 4)}}, NotScaled, "before", false, true},
		{"no time at two", Cores{Procs: 2, CPUs: 2, Checks: []Check{check("before", 2, 0)}}, NotScaled, "before", false, true},
		{"after is worse", Cores{Procs: 2, CPUs: 2, Checks: []Check{check("before", 2, 1), check("after", 2, 1.8)}}, NotScaled, "after", false, true},
		{"before is worse", Cores{Procs: 2, CPUs: 2, Checks: []Check{check("before", 2, 1.8), check("after", 2, 1)}}, NotScaled, "before", false, true},
		{"both scaled", Cores{Procs: 8, CPUs: 8, Checks: []Check{check("before", 2, 1.1), check("after", 2, 1)}}, Scaled, "before", true, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.c.Verdict(); got != c.want {
				t.Errorf("Verdict() = %d; want %d", got, c.want)
			}
			w, ok := c.c.Worst()
			if ok != (c.worst != "") || w.When != c.worst {
				t.Errorf("Worst() = %+v, %v; want the check %q", w, ok, c.worst)
			}
			if got := c.c.ShowRatios(); got != c.ratios {
				t.Errorf("ShowRatios() = %v; want %v", got, c.ratios)
			}
			if got := c.c.Warning(); got != c.warning {
				t.Errorf("Warning() = %v; want %v", got, c.warning)
			}
		})
	}
}

func TestCheckFactor(t *testing.T) {
	for _, c := range []struct {
		ch   Check
		want float64
	}{
		{Check{One: 2, Two: 1}, 2},
		{Check{One: 1, Two: 2}, 0.5},
		{Check{One: 2, Two: 0}, 0},
		{Check{One: 0, Two: 1}, 0},
	} {
		if got := c.ch.Factor(); got != c.want {
			t.Errorf("%+v.Factor() = %v; want %v", c.ch, got, c.want)
		}
	}
}

// The table starts with the cores' numbers and verdict, and shows the
// ratios only when the cores scaled or there is one P.
func TestWriteTableCores(t *testing.T) {
	withRatios := `
  counter  goroutines  ns/op  Madds/s  vs atomic  exact
   atomic           1   1.00   1000.0      1.00×    yes
   atomic           4   2.00    500.0      1.00×    yes
    a<b&c           1   1.00   1000.0      1.00×    yes
    a<b&c           4   0.25   4000.0      8.00×    yes
`
	without := `
  counter  goroutines  ns/op  Madds/s  vs atomic  exact
   atomic           1   1.00   1000.0          -    yes
   atomic           4   2.00    500.0          -    yes
    a<b&c           1   1.00   1000.0          -    yes
    a<b&c           4   0.25   4000.0          -    yes
`
	cases := []struct {
		name string
		c    Cores
		want string
	}{
		{"scaled", scaled, "cores: GOMAXPROCS=2, 2 CPUs; padded ns/op at 1 → 2 goroutines: before 2.12 → 1.07 (1.98×), after 2.10 → 1.05 (2.00×)\n" +
			"OK: the machine gave the lab 2 cores: own padded cells ran 1.98× faster at 2 goroutines than at 1 " +
			"(2× expected, at least 1.60× required; the worse of the two checks, the one before the measurements)\n" + withRatios},
		{"not scaled", notScaled, "cores: GOMAXPROCS=2, 2 CPUs; padded ns/op at 1 → 2 goroutines: before 2.10 → 1.05 (2.00×), after 2.20 → 2.00 (1.10×)\n" +
			"WARNING: the machine did not give the lab 2 cores: own padded cells ran only 1.10× faster at 2 goroutines than at 1 " +
			"(2× expected, at least 1.60× required; the worse of the two checks, the one after the measurements); " +
			"ratios are not shown; rerun on a quiet machine\n" + without},
		{"one P", oneP, "cores: GOMAXPROCS=1, 2 CPUs; not checked (one goroutine runs at a time)\n" +
			`NOTE: GOMAXPROCS=1: one goroutine runs at a time, so nothing contends; the lines show the cost of one add, ` +
			`not behaviour under contention, and "vs atomic" compares that cost` + "\n" + withRatios},
		{"one CPU", Cores{Procs: 2, CPUs: 1}, "cores: GOMAXPROCS=2, 1 CPUs; not checked (one goroutine runs at a time)\n" +
			`NOTE: this machine has 1 CPU: one goroutine runs at a time, so nothing contends; the lines show the cost of one add, ` +
			`not behaviour under contention, and "vs atomic" compares that cost` + "\n" + withRatios},
		{"unchecked", Cores{Procs: 2, CPUs: 2}, "cores: GOMAXPROCS=2, 2 CPUs; not checked\n" +
			"WARNING: the lab did not check that it had 2 cores; ratios are not shown\n" + without},
		{"slower at two, one check", Cores{Procs: 2, CPUs: 2, Checks: []Check{{When: "before", One: 2, Two: 2.5}}},
			"cores: GOMAXPROCS=2, 2 CPUs; padded ns/op at 1 → 2 goroutines: before 2.00 → 2.50 (0.80×)\n" +
				"WARNING: the machine did not give the lab 2 cores: own padded cells ran slower at 2 goroutines than at 1 (0.80× the speed) " +
				"(2× expected, at least 1.60× required); ratios are not shown; rerun on a quiet machine\n" + without},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteTable(&buf, sample(), c.c); err != nil {
				t.Fatal(err)
			}
			if buf.String() != c.want {
				t.Errorf("table:\n%s\nwant:\n%s", buf.String(), c.want)
			}
		})
	}
}

// svgText returns the text of every <text> element of an SVG, in order.
func svgText(t *testing.T, svg string) []string {
	t.Helper()
	var texts []string
	d := xml.NewDecoder(strings.NewReader(svg))
	in := false
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return texts
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if in = tok.Name.Local == "text"; in {
				texts = append(texts, "")
			}
		case xml.CharData:
			if in {
				texts[len(texts)-1] += string(tok)
			}
		case xml.EndElement:
			in = false
		}
	}
}

// Under the chart's title, the SVG carries the verdict in full, wrapped,
// in the verdict's colour.
func TestWriteSVGCores(t *testing.T) {
	for _, c := range []struct {
		name   string
		c      Cores
		colour string
	}{
		{"scaled", scaled, "#666"},
		{"not scaled", notScaled, "#c00"},
		{"one P", oneP, "#b35900"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteSVG(&buf, sample(), c.c); err != nil {
				t.Fatal(err)
			}
			texts := svgText(t, buf.String())
			want := c.c.Label() + ": " + c.c.Sentence()
			lines := len(wrap(want, noteChars))
			if lines < 1 || len(texts) < 1+lines {
				t.Fatalf("SVG has %d texts; want the title and %d note lines", len(texts), lines)
			}
			if got := strings.Join(texts[1:1+lines], " "); got != want {
				t.Errorf("note under the title = %q; want %q", got, want)
			}
			if n := strings.Count(buf.String(), `fill="`+c.colour+`">`); n != lines {
				t.Errorf("%d texts in %s; want the %d note lines", n, c.colour, lines)
			}
			// The plot starts below the note.
			if top := layout(sample(), c.c).PadT; top != padT+noteDY*lines {
				t.Errorf("plot top at %d; want %d", top, padT+noteDY*lines)
			}
		})
	}
}

func TestWriteHTMLCores(t *testing.T) {
	cases := []struct {
		name      string
		c         Cores
		want, not []string
	}{
		{"scaled", scaled,
			[]string{`class="cores ok"`, "<strong>OK:</strong> the machine gave the lab 2 cores", "before 2.12 → 1.07 (1.98×)", "8.00×", "scales across cores"},
			[]string{"WARNING"}},
		{"not scaled", notScaled,
			[]string{`class="cores warning"`, "<strong>WARNING:</strong> the machine did not give the lab 2 cores", "after 2.20 → 2.00 (1.10×)", "ratios are not shown"},
			[]string{"8.00×", "scales across cores"}},
		{"one P", oneP,
			[]string{`class="cores note"`, "<strong>NOTE:</strong> GOMAXPROCS=1: one goroutine runs at a time, so nothing contends", "not checked", "8.00×"},
			[]string{"scales across cores", "WARNING"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteHTML(&buf, sample(), Page{Command: "abacus bench", Started: time.Unix(0, 0), Subjects: Subjects(), Cores: c.c}); err != nil {
				t.Fatal(err)
			}
			page := buf.String()
			for _, w := range c.want {
				if !strings.Contains(page, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			for _, n := range c.not {
				if strings.Contains(page, n) {
					t.Errorf("page has %q", n)
				}
			}
			// The verdict comes before the chart.
			if v, svg := strings.Index(page, `class="cores`), strings.Index(page, "<svg"); v < 0 || v > svg {
				t.Errorf("verdict at %d, chart at %d: the verdict must come first", v, svg)
			}
		})
	}
}

func TestWrap(t *testing.T) {
	s := "the machine did not give the lab 2 cores: own padded cells ran only 1.10× faster at 2 goroutines than at 1"
	for _, n := range []int{10, 30, 100, 1000} {
		lines := wrap(s, n)
		for _, l := range lines {
			if len([]rune(l)) > n {
				t.Errorf("wrap(%d): line %q is longer", n, l)
			}
		}
		if got := strings.Join(lines, " "); got != s {
			t.Errorf("wrap(%d) lost words: %q", n, got)
		}
	}
	if lines := wrap("a verylongword b", 4); len(lines) != 3 || lines[1] != "verylongword" {
		t.Errorf("a word longer than the line: %q", lines)
	}
	if lines := wrap("", 10); len(lines) != 0 {
		t.Errorf("wrap of nothing = %q", lines)
	}
}

// Measure records one check of positive numbers, tiny durations; it does
// not judge them, since the machine running the test is noisy.
func TestMeasure(t *testing.T) {
	cfg := Config{Duration: 2 * time.Millisecond, Runs: 1}
	c := Cores{Procs: 2, CPUs: 2}
	got, err := c.Measure(context.Background(), cfg, "before")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Checks) != 1 || got.Checks[0].When != "before" || got.Checks[0].One <= 0 || got.Checks[0].Two <= 0 {
		t.Fatalf("Measure = %+v; want one check with positive ns/op", got.Checks)
	}
	again, err := got.Measure(context.Background(), cfg, "after")
	if err != nil || len(again.Checks) != 2 || again.Checks[1].When != "after" || len(got.Checks) != 1 {
		t.Fatalf("second Measure = %+v, %v (first now %+v)", again.Checks, err, got.Checks)
	}
	if got.Verdict() == Unchecked || again.Verdict() == Unchecked {
		t.Error("measured cores judged unchecked")
	}
}

func TestMeasureOneCore(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	c := MachineCores()
	if c.Procs != 1 || c.CPUs != runtime.NumCPU() {
		t.Fatalf("MachineCores() = %+v at GOMAXPROCS=1", c)
	}
	got, err := c.Measure(context.Background(), Config{Duration: time.Hour, Runs: 1}, "before")
	if err != nil || len(got.Checks) != 0 || got.Verdict() != OneCore {
		t.Fatalf("Measure with one P = %+v, %v; want nothing measured", got, err)
	}
}

func TestMeasureErrors(t *testing.T) {
	c := Cores{Procs: 2, CPUs: 2}
	if got, err := c.Measure(context.Background(), Config{Runs: 1}, "before"); err == nil || len(got.Checks) != 0 {
		t.Errorf("Measure without a duration = %+v, %v", got, err)
	}
	if got, err := c.Measure(context.Background(), Config{Duration: time.Millisecond}, "before"); err == nil || len(got.Checks) != 0 {
		t.Errorf("Measure without runs = %+v, %v", got, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	got, err := c.Measure(ctx, Config{Duration: time.Hour, Runs: 1}, "before")
	if !errors.Is(err, context.Canceled) || len(got.Checks) != 0 {
		t.Errorf("Measure, cancelled = %+v, %v; want no check and the context's error", got, err)
	}
}
