package lab

import (
	"bytes"
	"context"
	"encoding/xml"
	"strings"
	"testing"
	"time"
)

func TestRunAllExact(t *testing.T) {
	rs, err := Run(context.Background(), Config{
		Subjects:   Subjects(),
		Goroutines: []int{1, 3},
		Duration:   5 * time.Millisecond,
		Runs:       1,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2*len(Subjects()) {
		t.Fatalf("got %d results; want %d", len(rs), 2*len(Subjects()))
	}
	for _, r := range rs {
		if r.Ops <= 0 || r.Elapsed <= 0 {
			t.Errorf("%s at %d: %d ops in %v", r.Subject, r.Goroutines, r.Ops, r.Elapsed)
		}
		if !r.Exact {
			t.Errorf("%s at %d goroutines counted %d of %d adds", r.Subject, r.Goroutines, r.Got, r.Ops)
		}
	}
}

// The lab must notice a counter that loses adds.
func TestRunNoticesLostAdds(t *testing.T) {
	lossy := Subject{Name: "lossy", New: func(int) Instance {
		var v int64
		return shared{func(n int) { v += int64(n) }, func() int64 { return v / 2 }}
	}}
	rs, err := Run(context.Background(), Config{Subjects: []Subject{lossy}, Goroutines: []int{1}, Duration: time.Millisecond, Runs: 1})
	if err != nil {
		t.Fatal(err)
	}
	if rs[0].Exact {
		t.Fatal("a counter that reports half its adds passed as exact")
	}
	var buf bytes.Buffer
	if err := WriteTable(&buf, rs, Cores{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "NO:") {
		t.Fatalf("table does not flag the inexact count:\n%s", buf.String())
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		c    Config
		want string
	}{
		{Config{Goroutines: []int{1}, Duration: 1, Runs: 1}, "no counter types"},
		{Config{Subjects: Subjects(), Duration: 1, Runs: 1}, "no goroutine counts"},
		{Config{Subjects: Subjects(), Goroutines: []int{0}, Duration: 1, Runs: 1}, "out of range"},
		{Config{Subjects: Subjects(), Goroutines: []int{1}, Duration: 0, Runs: 1}, "duration"},
		{Config{Subjects: Subjects(), Goroutines: []int{1}, Duration: 1, Runs: 0}, "runs"},
	}
	for _, c := range cases {
		err := c.c.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Validate() = %v; want an error about %q", err, c.want)
		}
	}
}

func TestSelect(t *testing.T) {
	s, err := Select("adaptive, atomic")
	if err != nil || len(s) != 2 || s[0].Name != "adaptive" || s[1].Name != "atomic" {
		t.Fatalf("Select = %v, %v", s, err)
	}
	if _, err := Select("adaptive,nope"); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Fatalf("Select(nope) error = %v", err)
	}
	if s, _ := Select("all"); len(s) != len(Subjects()) {
		t.Fatal("all does not select everything")
	}
}

func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Run(ctx, Config{Subjects: Subjects(), Goroutines: []int{1}, Duration: time.Hour, Runs: 1})
	if err == nil {
		t.Fatal("Run ignored a cancelled context")
	}
}

func sample() []Result {
	return []Result{
		{Subject: "atomic", Goroutines: 1, Ops: 1000, Elapsed: time.Microsecond, Exact: true},
		{Subject: "atomic", Goroutines: 4, Ops: 500, Elapsed: time.Microsecond, Exact: true},
		{Subject: "a<b&c", Goroutines: 1, Ops: 1000, Elapsed: time.Microsecond, Exact: true},
		{Subject: "a<b&c", Goroutines: 4, Ops: 4000, Elapsed: time.Microsecond, Exact: true},
	}
}

// The SVG is well-formed XML with one path per subject, and names are
// escaped.
func TestWriteSVG(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteSVG(&buf, sample(), scaled); err != nil {
		t.Fatal(err)
	}
	d := xml.NewDecoder(&buf)
	paths := 0
	for {
		tok, err := d.Token()
		if err != nil {
			if err.Error() == "EOF" {
				break
			}
			t.Fatalf("SVG is not well-formed: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "path" {
			paths++
		}
	}
	if paths != 2 {
		t.Fatalf("SVG has %d paths; want 2", paths)
	}
}

func TestWriteHTMLSelfContained(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteHTML(&buf, sample(), Page{Command: "abacus bench", Started: time.Unix(0, 0), Subjects: Subjects(), Cores: scaled}); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, want := range []string{"<svg", "a&lt;b&amp;c", "8.00×", "abacus bench"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	for _, bad := range []string{"http://", "https://"} {
		if i := strings.Index(page, bad); i >= 0 && !strings.Contains(page[i:i+40], "www.w3.org/2000/svg") {
			t.Errorf("page refers to the network: %s", page[i:i+40])
		}
	}
}

func TestSpeedUp(t *testing.T) {
	up := SpeedUp(sample())
	want := []float64{1, 1, 1, 8}
	for i := range want {
		if up[i] != want[i] {
			t.Fatalf("SpeedUp = %v; want %v", up, want)
		}
	}
}
