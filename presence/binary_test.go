package presence

import (
	"errors"
	"testing"
	"time"
)

// TestStateBinaryClock: the clock round-trips in version 2, the zero time
// as 0; version 1 still decodes, with a zero Clock that Merge does not
// measure.
func TestStateBinaryClock(t *testing.T) {
	at := time.Unix(0, 1_800_000_000_123_456_789).UTC()
	cases := []struct {
		name  string
		data  []byte
		clock time.Time
	}{
		{"version 1", []byte("AP\x01\x01n\x00\x00\x90\x1c\x00\x00"), time.Time{}},
		{"version 2 zero clock", []byte("AP\x02\x01n\x00\x00\x90\x1c\x00\x00\x00"), time.Time{}},
		{"version 2 clock 1", []byte("AP\x02\x01n\x00\x00\x90\x1c\x01\x00\x00"), time.Unix(0, 1).UTC()},
		{"version 2", nil, at},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := c.data
			if data == nil {
				var err error
				s := State{Node: "n", Period: time.Hour, Clock: at}
				if data, err = s.MarshalBinary(); err != nil {
					t.Fatal(err)
				}
			}
			var s State
			must(t, s.UnmarshalBinary(data))
			if s.Clock != c.clock || s.Node != "n" || s.Period != time.Hour {
				t.Fatalf("decoded %+v, want clock %v", s, c.clock)
			}
			again, err := s.MarshalBinary()
			must(t, err)
			if again[2] != 2 {
				t.Fatalf("encoded as version %d", again[2])
			}
			var back State
			must(t, back.UnmarshalBinary(again))
			if back.Clock != s.Clock {
				t.Fatalf("clock %v came back as %v", s.Clock, back.Clock)
			}
			here := newTracker(t, Options{Node: "here", Now: fixedClock(at.Add(time.Hour))})
			err = here.Merge(s)
			if s.Clock.IsZero() != (err == nil) || !s.Clock.IsZero() && !errors.Is(err, ErrSkew) {
				t.Fatalf("Merge = %v", err)
			}
		})
	}
	for _, bad := range []time.Time{time.Unix(0, 0), time.Unix(-1, 0), time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC)} {
		s := State{Node: "n", Period: time.Hour, Clock: bad}
		if _, err := s.MarshalBinary(); !errors.Is(err, ErrInvalid) {
			t.Errorf("clock %v encoded: %v", bad, err)
		}
	}
}
