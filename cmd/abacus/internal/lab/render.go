package lab

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteTable writes the results as an aligned text table, under two lines
// about the cores: their check's numbers and what they mean (see Cores). The
// "vs atomic" column shows "-" unless cores.ShowRatios().
func WriteTable(w io.Writer, rs []Result, cores Cores) error {
	if _, err := fmt.Fprintf(w, "%s\n%s: %s\n\n", cores.Numbers(), cores.Label(), cores.Sentence()); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "counter\tgoroutines\tns/op\tMadds/s\tvs atomic\texact\t")
	up := SpeedUp(rs)
	for i, r := range rs {
		exact := "yes"
		if !r.Exact {
			exact = fmt.Sprintf("NO: %d of %d", r.Got, r.Ops)
		}
		speed := "-"
		if up[i] > 0 && cores.ShowRatios() {
			speed = fmt.Sprintf("%.2f×", up[i])
		}
		fmt.Fprintf(tw, "%s\t%d\t%.2f\t%.1f\t%s\t%s\t\n", r.Subject, r.Goroutines, r.NsPerOp(), r.MOpsPerSec(), speed, exact)
	}
	return tw.Flush()
}

// palette holds line colours that stay distinct for up to ten series.
var palette = []string{"#1f77b4", "#d62728", "#7f7f7f", "#2ca02c", "#ff7f0e", "#9467bd", "#17becf", "#e377c2", "#8c564b", "#bcbd22"}

// chart geometry, in SVG user units. The plot moves down by noteDY for each
// line of the note about the cores under the title.
const (
	chartW                 = 760
	padL, padR, padT, padB = 70, 170, 40, 50
	plotW, plotH           = chartW - padL - padR, 350
	tickCount              = 5
	legendX, legendDY      = chartW - padR + 16, 20
	noteDY                 = 16
	noteChars              = 100 // characters per note line: about 650 units at font-size 12
)

type point struct{ X, Y float64 }

type series struct {
	Name   string
	Colour string
	Points []point
	Path   string
}

type tick struct {
	Pos   float64
	Label string
}

type note struct {
	Y    int
	Text string
}

type chartData struct {
	Title          string
	Notes          []note // the cores' verdict, under the title
	NoteColour     string
	W, H           int
	PadL, PadT     int
	PlotW, PlotH   int
	Series         []series
	XTicks, YTicks []tick
	LegendX        int
	LegendY        []int
}

// WriteSVG writes a line chart of throughput (million adds per second, y)
// against goroutines (x, log scale), one line per subject, with the cores'
// verdict (Cores.Label and Cores.Sentence) under the title: red for a
// warning, orange for one core, grey when the cores scaled.
func WriteSVG(w io.Writer, rs []Result, cores Cores) error {
	return svgTemplate.Execute(w, layout(rs, cores))
}

func layout(rs []Result, cores Cores) chartData {
	lines := wrap(cores.Label()+": "+cores.Sentence(), noteChars)
	top := padT + noteDY*len(lines)
	gs := map[int]bool{}
	maxY := 0.0
	for _, r := range rs {
		gs[r.Goroutines] = true
		maxY = math.Max(maxY, r.MOpsPerSec())
	}
	minG, maxG := math.MaxInt, 1
	for g := range gs {
		minG, maxG = min(minG, g), max(maxG, g)
	}
	lx := func(g int) float64 {
		if maxG == minG {
			return padL + plotW/2
		}
		return padL + plotW*math.Log2(float64(g)/float64(minG))/math.Log2(float64(maxG)/float64(minG))
	}
	maxY = niceCeil(maxY)
	ly := func(v float64) float64 { return float64(top) + plotH - plotH*v/maxY }
	d := chartData{
		Title: fmt.Sprintf("Counter throughput by goroutines (GOMAXPROCS=%d, %s/%s)", runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH),
		W:     chartW, H: top + plotH + padB, PadL: padL, PadT: top, PlotW: plotW, PlotH: plotH, LegendX: legendX,
		NoteColour: "#666",
	}
	switch {
	case cores.Warning():
		d.NoteColour = "#c00"
	case cores.Verdict() == OneCore:
		d.NoteColour = "#b35900"
	}
	for i, l := range lines {
		d.Notes = append(d.Notes, note{padT + noteDY*i, l})
	}
	for g := range gs {
		d.XTicks = append(d.XTicks, tick{lx(g), fmt.Sprint(g)})
	}
	for i := 0; i <= tickCount; i++ {
		v := maxY * float64(i) / tickCount
		d.YTicks = append(d.YTicks, tick{ly(v), trimFloat(v)})
	}
	for i, name := range names(rs) {
		s := series{Name: name, Colour: palette[i%len(palette)]}
		var path strings.Builder
		for _, r := range rs {
			if r.Subject != name {
				continue
			}
			p := point{lx(r.Goroutines), ly(r.MOpsPerSec())}
			if path.Len() == 0 {
				fmt.Fprintf(&path, "M%.1f %.1f", p.X, p.Y)
			} else {
				fmt.Fprintf(&path, " L%.1f %.1f", p.X, p.Y)
			}
			s.Points = append(s.Points, p)
		}
		s.Path = path.String()
		d.Series = append(d.Series, s)
		d.LegendY = append(d.LegendY, top+8+i*legendDY)
	}
	return d
}

// niceCeil rounds v up to a round number: 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6 or
// 8 times a power of ten.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// wrap breaks s at spaces into lines of at most n characters (a longer word
// gets a line of its own).
func wrap(s string, n int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		switch {
		case line == "":
			line = w
		case len([]rune(line))+1+len([]rune(w)) <= n:
			line += " " + w
		default:
			lines = append(lines, line)
			line = w
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

func trimFloat(v float64) string {
	s := fmt.Sprintf("%.1f", v)
	return strings.TrimSuffix(s, ".0")
}

const svgBody = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {{.W}} {{.H}}" width="{{.W}}" height="{{.H}}" font-family="sans-serif" font-size="12">
<rect width="{{.W}}" height="{{.H}}" fill="white"/>
<text x="{{.PadL}}" y="22" font-size="15" font-weight="bold">{{.Title}}</text>
{{range .Notes}}<text x="{{$.PadL}}" y="{{.Y}}" fill="{{$.NoteColour}}">{{.Text}}</text>
{{end}}<g stroke="#ddd">{{range .YTicks}}<line x1="{{$.PadL}}" x2="{{add $.PadL $.PlotW}}" y1="{{printf "%.1f" .Pos}}" y2="{{printf "%.1f" .Pos}}"/>{{end}}</g>
<g fill="#333" text-anchor="end">{{range .YTicks}}<text x="{{sub $.PadL 6}}" y="{{printf "%.1f" .Pos}}" dy="4">{{.Label}}</text>{{end}}</g>
<g fill="#333" text-anchor="middle">{{range .XTicks}}<text x="{{printf "%.1f" .Pos}}" y="{{add $.PadT (add $.PlotH 18)}}">{{.Label}}</text>{{end}}</g>
<text x="{{add $.PadL (div $.PlotW 2)}}" y="{{sub $.H 8}}" text-anchor="middle">goroutines (log scale)</text>
<text transform="translate(16 {{add $.PadT (div $.PlotH 2)}}) rotate(-90)" text-anchor="middle">million adds per second (higher is better)</text>
<rect x="{{.PadL}}" y="{{.PadT}}" width="{{.PlotW}}" height="{{.PlotH}}" fill="none" stroke="#999"/>
{{range $i, $s := .Series}}<g><title>{{$s.Name}}</title><path d="{{$s.Path}}" fill="none" stroke="{{$s.Colour}}" stroke-width="2.5"/>{{range $s.Points}}<circle cx="{{printf "%.1f" .X}}" cy="{{printf "%.1f" .Y}}" r="3.5" fill="{{$s.Colour}}"/>{{end}}</g>
<rect x="{{$.LegendX}}" y="{{index $.LegendY $i}}" width="14" height="4" fill="{{$s.Colour}}"/><text x="{{add $.LegendX 20}}" y="{{index $.LegendY $i}}" dy="5">{{$s.Name}}</text>
{{end}}</svg>
`

var funcs = template.FuncMap{
	"add": func(a, b int) int { return a + b },
	"sub": func(a, b int) int { return a - b },
	"div": func(a, b int) int { return a / b },
}

var svgTemplate = template.Must(template.New("svg").Funcs(funcs).Parse(svgBody))

// Page is what WriteHTML shows besides the results.
type Page struct {
	Command  string    // the command line that produced the results
	Started  time.Time // when the run began
	Subjects []Subject // the subjects measured, for their descriptions
	Cores    Cores     // the check of the cores, shown above the chart
}

// WriteHTML writes a self-contained page: the cores' verdict and numbers,
// the chart, the table and how the numbers were made. Unless the cores
// scaled it does not say that rising lines scale across cores. It loads
// nothing from the network.
func WriteHTML(w io.Writer, rs []Result, p Page) error {
	var svg, table strings.Builder
	if err := WriteSVG(&svg, rs, p.Cores); err != nil {
		return err
	}
	if err := WriteTable(&table, rs, p.Cores); err != nil {
		return err
	}
	class := "ok"
	switch {
	case p.Cores.Warning():
		class = "warning"
	case p.Cores.Verdict() == OneCore:
		class = "note"
	}
	return pageTemplate.Execute(w, struct {
		Page
		Scaled     bool
		CoresClass string
		MinScaling string
		SVG        template.HTML
		Table      string
		GoVersion  string
		Procs      int
		NumCPU     int
		OS, Arch   string
	}{p, p.Cores.Verdict() == Scaled, class, fmt.Sprintf("%.2f", MinScaling), template.HTML(svg.String()), table.String(),
		runtime.Version(), runtime.GOMAXPROCS(0), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH})
}

var pageTemplate = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Abacus contention lab</title>
<style>body{font-family:sans-serif;max-width:900px;margin:2em auto;padding:0 1em;color:#222}pre{background:#f6f6f6;padding:1em;overflow-x:auto}dt{font-weight:bold}
.cores{padding:.6em 1em;border-left:6px solid #999;background:#f6f6f6}.cores.warning{border-color:#c00;background:#fdecec}.cores.note{border-color:#b35900;background:#fdf3e6}</style>
</head><body>
<h1>Abacus contention lab</h1>
<p class="cores {{.CoresClass}}"><strong>{{.Cores.Label}}:</strong> {{.Cores.Sentence}}.<br><small>{{.Cores.Numbers}}</small></p>
<p>Each line is one way to count. Every worker goroutine adds 1 in a loop for a fixed time; the chart shows the total adds per second across all of them.{{if .Scaled}} A line that rises with goroutines scales across cores; a line that falls is fighting over a cache line.{{end}}</p>
{{.SVG}}
<h2>Results</h2>
<pre>{{.Table}}</pre>
<h2>Counters</h2>
<dl>{{range .Subjects}}<dt>{{.Name}}</dt><dd>{{.Doc}}</dd>{{end}}</dl>
<h2>How this was measured</h2>
<p><code>{{.Command}}</code> at {{.Started.Format "2006-01-02 15:04:05 MST"}} with {{.GoVersion}} on {{.OS}}/{{.Arch}}, GOMAXPROCS={{.Procs}}, {{.NumCPU}} CPUs. Adds are called through a function value, so every line pays one indirect call; compare lines with each other rather than with the absolute numbers from <code>go test -bench</code> in <code>bench/</code>. "exact" means the counter's total equalled the adds its workers counted, in every run.</p>
<p>Before the measurements and again after them, unless only one goroutine can run at a time, the lab checks its cores: it runs "padded" (one atomic word per goroutine, each on its own cache line, so nothing is shared) at 1 and at 2 goroutines and divides the ns/op at 1 by the ns/op at 2. With two free cores that is about 2; if the worse check is below {{.MinScaling}}, another process had a core, and the "vs atomic" ratios are not shown.</p>
</body></html>
`))
