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

// WriteTable writes the results as an aligned text table.
func WriteTable(w io.Writer, rs []Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "counter\tgoroutines\tns/op\tMadds/s\tvs atomic\texact\t")
	up := SpeedUp(rs)
	for i, r := range rs {
		exact := "yes"
		if !r.Exact {
			exact = fmt.Sprintf("NO: %d of %d", r.Got, r.Ops)
		}
		speed := "-"
		if up[i] > 0 {
			speed = fmt.Sprintf("%.2f×", up[i])
		}
		fmt.Fprintf(tw, "%s\t%d\t%.2f\t%.1f\t%s\t%s\t\n", r.Subject, r.Goroutines, r.NsPerOp(), r.MOpsPerSec(), speed, exact)
	}
	return tw.Flush()
}

// palette holds line colours that stay distinct for up to ten series.
var palette = []string{"#1f77b4", "#d62728", "#7f7f7f", "#2ca02c", "#ff7f0e", "#9467bd", "#17becf", "#e377c2", "#8c564b", "#bcbd22"}

// chart geometry, in SVG user units.
const (
	chartW, chartH             = 760, 440
	padL, padR, padT, padB     = 70, 170, 40, 50
	plotW, plotH               = chartW - padL - padR, chartH - padT - padB
	tickCount                  = 5
	legendX, legendY, legendDY = chartW - padR + 16, padT + 8, 20
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

type chartData struct {
	Title          string
	W, H           int
	PadL, PadT     int
	PlotW, PlotH   int
	Series         []series
	XTicks, YTicks []tick
	LegendX        int
	LegendY        []int
}

// WriteSVG writes a line chart of throughput (million adds per second, y)
// against goroutines (x, log scale), one line per subject.
func WriteSVG(w io.Writer, rs []Result) error {
	return svgTemplate.Execute(w, layout(rs))
}

func layout(rs []Result) chartData {
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
	ly := func(v float64) float64 { return padT + plotH - plotH*v/maxY }
	d := chartData{
		Title: fmt.Sprintf("Counter throughput by goroutines (GOMAXPROCS=%d, %s/%s)", runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH),
		W:     chartW, H: chartH, PadL: padL, PadT: padT, PlotW: plotW, PlotH: plotH, LegendX: legendX,
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
		d.LegendY = append(d.LegendY, legendY+i*legendDY)
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

func trimFloat(v float64) string {
	s := fmt.Sprintf("%.1f", v)
	return strings.TrimSuffix(s, ".0")
}

const svgBody = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {{.W}} {{.H}}" width="{{.W}}" height="{{.H}}" font-family="sans-serif" font-size="12">
<rect width="{{.W}}" height="{{.H}}" fill="white"/>
<text x="{{.PadL}}" y="22" font-size="15" font-weight="bold">{{.Title}}</text>
<g stroke="#ddd">{{range .YTicks}}<line x1="{{$.PadL}}" x2="{{add $.PadL $.PlotW}}" y1="{{printf "%.1f" .Pos}}" y2="{{printf "%.1f" .Pos}}"/>{{end}}</g>
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
}

// WriteHTML writes a self-contained page: the chart, the table and how the
// numbers were made. It loads nothing from the network.
func WriteHTML(w io.Writer, rs []Result, p Page) error {
	var svg, table strings.Builder
	if err := WriteSVG(&svg, rs); err != nil {
		return err
	}
	if err := WriteTable(&table, rs); err != nil {
		return err
	}
	return pageTemplate.Execute(w, struct {
		Page
		SVG       template.HTML
		Table     string
		GoVersion string
		Procs     int
		NumCPU    int
		OS, Arch  string
	}{p, template.HTML(svg.String()), table.String(), runtime.Version(), runtime.GOMAXPROCS(0), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH})
}

var pageTemplate = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Abacus contention lab</title>
<style>body{font-family:sans-serif;max-width:900px;margin:2em auto;padding:0 1em;color:#222}pre{background:#f6f6f6;padding:1em;overflow-x:auto}dt{font-weight:bold}</style>
</head><body>
<h1>Abacus contention lab</h1>
<p>Each line is one way to count. Every worker goroutine adds 1 in a loop for a fixed time; the chart shows the total adds per second across all of them. A line that rises with goroutines scales across cores; a line that falls is fighting over a cache line.</p>
{{.SVG}}
<h2>Results</h2>
<pre>{{.Table}}</pre>
<h2>Counters</h2>
<dl>{{range .Subjects}}<dt>{{.Name}}</dt><dd>{{.Doc}}</dd>{{end}}</dl>
<h2>How this was measured</h2>
<p><code>{{.Command}}</code> at {{.Started.Format "2006-01-02 15:04:05 MST"}} with {{.GoVersion}} on {{.OS}}/{{.Arch}}, GOMAXPROCS={{.Procs}}, {{.NumCPU}} CPUs. Adds are called through a function value, so every line pays one indirect call; compare lines with each other rather than with the absolute numbers from <code>go test -bench</code> in <code>bench/</code>. "exact" means the counter's total equalled the adds its workers counted, in every run.</p>
</body></html>
`))
