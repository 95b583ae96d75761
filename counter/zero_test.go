package counter_test

import (
	"context"
	"strings"
	"testing"

	"github.com/abacusgo/abacus/counter"
)

// Every type's zero value works, or fails at once with a message naming the
// constructor.
func TestZeroValues(t *testing.T) {
	for _, c := range []struct {
		name  string
		use   func()
		panic string // "" when the zero value works
	}{
		{"Counter", func() { var c counter.Counter; c.Inc(); must(c.Load() == 1) }, ""},
		{"Gauge", func() { var g counter.Gauge; g.Add(-2); must(g.Load() == -2) }, ""},
		{"FloatGauge", func() { var g counter.FloatGauge; g.Add(0.5); must(g.Load() == 0.5) }, ""},
		{"PerCPU", func() { var p counter.PerCPU; p.Add(3); must(p.Load() == 3 && p.Drain() == 3) }, ""},
		{"Adaptive", func() { var a counter.Adaptive; a.Add(3); must(a.Load() == 3) }, ""},
		{"PerNode", func() { var p counter.PerNode; must(p.Load() == 0); p.Add(3); must(p.Load() == 3 && p.Drain() == 3) }, ""},
		{"Striped", func() { var s counter.Striped; s.Add(3); must(s.Load() == 3) }, ""},
		{"Max", func() { var m counter.Max; m.Observe(-5); must(m.Load() == -5) }, ""},
		{"Min", func() { var m counter.Min; m.Observe(5); must(m.Load() == 5) }, ""},
		{"Sloppy", func() {
			var s counter.Sloppy
			l := s.Local(4)
			l.Inc()
			l.Close()
			must(s.Load() == 1 && s.Open() == 0)
		}, ""},
		{"Latch", func() {
			var l counter.Latch
			l.CountDown()
			must(l.Count() == 0 && l.Wait(context.Background()) == nil)
			<-l.Done()
		}, ""},
		{"Capped", func() { var c counter.Capped; must(!c.Inc()) }, ""},
		{"Window.Add", func() { var w counter.Window; w.Inc() }, "NewWindow"},
		{"Window.Sum", func() { var w counter.Window; w.Sum(1) }, "NewWindow"},
		{"Window.Rate", func() { var w counter.Window; w.Rate(1) }, "NewWindow"},
		{"EWMA.Add", func() { var e counter.EWMA; e.Inc() }, "NewEWMA"},
		{"EWMA.Rate", func() { var e counter.EWMA; e.Rate() }, "NewEWMA"},
		{"Snapshot.Load", func() { var s counter.Snapshot[int]; s.Load() }, "NewSnapshot"},
		{"Snapshot.Publish", func() { var s counter.Snapshot[int]; s.Publish() }, "NewSnapshot"},
		{"Snapshot.Run", func() { var s counter.Snapshot[int]; _ = s.Run(context.Background(), 1) }, "NewSnapshot"},
		{"Local.Inc", func() { var l counter.Local; l.Inc() }, "Sloppy.Local"},
		{"Local.Close", func() { var l counter.Local; l.Close() }, "Sloppy.Local"},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				r := recover()
				switch {
				case c.panic == "" && r != nil:
					t.Fatalf("zero value panicked: %v", r)
				case c.panic != "" && r == nil:
					t.Fatalf("zero value did not panic; want a message naming %s", c.panic)
				case c.panic != "" && !strings.Contains(panicText(r), c.panic):
					t.Fatalf("panic %q does not name %s", panicText(r), c.panic)
				}
			}()
			c.use()
		})
	}
}

func must(ok bool) {
	if !ok {
		panic("zero value misbehaved")
	}
}

func panicText(r any) string {
	if err, ok := r.(error); ok {
		return err.Error()
	}
	s, _ := r.(string)
	return s
}
