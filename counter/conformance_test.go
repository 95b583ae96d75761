package counter_test

import (
	"testing"
	"time"

	"github.com/abacusgo/abacus/counter"
	"github.com/abacusgo/abacus/counter/countertest"
)

// TestConformance runs the shared suite over every counter type.
func TestConformance(t *testing.T) {
	cases := []struct {
		name string
		new  func() countertest.Subject
	}{
		{"Counter", func() countertest.Subject {
			c := &counter.Counter{}
			return countertest.Shared(c.Add, c.Load, c.Drain)
		}},
		{"Gauge", func() countertest.Subject {
			g := &counter.Gauge{}
			return countertest.Shared(g.Add, g.Load, nil)
		}},
		{"Striped", func() countertest.Subject {
			c := counter.NewStriped(4) // fewer stripes than writers: collisions happen
			return countertest.Shared(c.Add, c.Load, c.Drain)
		}},
		{"Striped/zero", func() countertest.Subject {
			c := &counter.Striped{}
			return countertest.Shared(c.Add, c.Load, c.Drain)
		}},
		{"PerCPU", func() countertest.Subject {
			c := counter.NewPerCPU()
			return countertest.Shared(c.Add, c.Load, c.Drain)
		}},
		{"PerCPU/zero", func() countertest.Subject {
			c := &counter.PerCPU{}
			return countertest.Shared(c.Add, c.Load, c.Drain)
		}},
		{"PerNode", func() countertest.Subject {
			c := counter.NewPerNode()
			return countertest.Shared(c.Add, c.Load, c.Drain)
		}},
		{"PerNode/zero", func() countertest.Subject {
			c := &counter.PerNode{}
			return countertest.Shared(c.Add, c.Load, c.Drain)
		}},
		{"Adaptive", func() countertest.Subject {
			c := &counter.Adaptive{}
			return countertest.Shared(c.Add, c.Load, c.Drain)
		}},
		{"Sloppy", func() countertest.Subject {
			s := counter.NewSloppy(50 * time.Microsecond)
			return countertest.Subject{
				Writer: func() (func(int64), func()) {
					l := s.Local(64)
					return l.Add, l.Close
				},
				Load:  s.Load,
				Drain: s.Drain,
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			countertest.Run(t, c.new, countertest.Options{})
		})
	}
}
