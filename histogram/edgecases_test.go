package histogram

import (
	"encoding/binary"
	"errors"
	"math"
	"sync"
	"testing"
	"time"
)

// TestEdgeCases: an encoded offset whose range check overflows, extremes
// whenever there are observations, integer sums near their limits, classic
// bounds above MaxValue, coordinated-omission correction with a huge ratio,
// and a window snapshot racing a tick.
func TestEdgeCases(t *testing.T) {
	t.Run("offset overflow is rejected", func(t *testing.T) {
		b := []byte{encodingVersion}
		b = binary.AppendVarint(b, 3)
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(MinValue))
		b = binary.AppendUvarint(b, 0)
		for _, f := range []float64{2, 1, 1} {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(f))
		}
		b = binary.AppendUvarint(b, 0)
		b = binary.AppendUvarint(b, 0)
		b = binary.AppendVarint(b, math.MaxInt64) // the positive run
		b = binary.AppendUvarint(b, 2)
		b = binary.AppendVarint(b, 1)
		b = binary.AppendVarint(b, 0)
		b = binary.AppendVarint(b, 0) // the negative run: empty
		b = binary.AppendUvarint(b, 0)
		var s Snapshot
		if err := s.UnmarshalBinary(b); !errors.Is(err, errCorrupt) {
			t.Fatalf("offset MaxInt64 decoded: %v", err)
		}
	})
	t.Run("extremes present whenever observations are", func(t *testing.T) {
		for range 200 {
			h := MustNew()
			var wg sync.WaitGroup
			wg.Go(func() { h.Observe(5) })
			for range 50 {
				if s := h.Snapshot(); s.Count() > 0 && (math.IsNaN(s.Max()) || math.IsNaN(s.Quantile(0.5))) {
					t.Fatalf("count %d with max %v", s.Count(), s.Max())
				}
			}
			wg.Wait()
		}
		// An interval that holds a bucket but not its extreme (the extreme
		// went to the interval before) still has one, in that bucket: the
		// bucket's representative.
		s := &Snapshot{scale: 3, zeroThr: MinValue, pos: Buckets{Offset: Index(1000, 3), Counts: []uint64{1}}}
		s.finish()
		s.pickExtremes([]uint64{0, key(math.Float64bits(1))}, nil, nil, nil)
		if want := represent(Index(1000, 3), 3); s.Max() != want || s.Min() != want {
			t.Fatalf("min, max %v, %v; want the representative %v", s.Min(), s.Max(), want)
		}
	})
	t.Run("integer sums do not wrap", func(t *testing.T) {
		h := MustNew()
		for range 3 {
			h.ObserveDuration(1 << 62)
		}
		if got, want := h.Snapshot().Sum(), 3*float64(1<<62)/1e9; math.Abs(got-want) > want*1e-12 {
			t.Fatalf("sum of three 2^62 ns durations %v, want %v", got, want)
		}
		h2 := MustNew()
		h2.ObserveInt(math.MaxInt64)
		h2.ObserveInt(1)
		if got := h2.Snapshot().Sum(); got < 9e18 {
			t.Fatalf("MaxInt64 + 1 summed to %v", got)
		}
	})
	t.Run("classic above MaxValue counts everything", func(t *testing.T) {
		h := MustNew()
		h.Observe(MaxValue)
		h.Observe(1)
		b, err := h.Snapshot().Classic([]float64{1e20})
		if err != nil || b[0].Count != 2 {
			t.Fatalf("Classic(1e20) = %v, %v; want 2", b, err)
		}
	})
	t.Run("omission with a huge ratio", func(t *testing.T) {
		h := MustNew()
		h.ObserveWithExpected(1, 1e-19)
		if h.Snapshot().Count() < 1<<61 {
			t.Fatalf("count %d", h.Snapshot().Count())
		}
	})
	t.Run("window snapshot racing a tick", func(t *testing.T) {
		w, err := NewWindow(4096)
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() {
			for range 4000 { // fewer ticks than slots: nothing leaves the window
				select {
				case <-done:
					return
				default:
					w.Tick()
				}
			}
		})
		for i := 1; i <= 500; i++ {
			w.Observe(1)
			if got := w.Snapshot().Count(); got != uint64(i) {
				close(done)
				wg.Wait()
				t.Fatalf("after %d observations the window counts %d", i, got)
			}
		}
		close(done)
		wg.Wait()
	})
}

// An hour waited at one request per microsecond stands for 3.6 billion
// requests, on every platform (32-bit ones counted in int once, and
// recorded one value).
func TestOmissionCountsBeyond32Bits(t *testing.T) {
	h := MustNew()
	h.ObserveDurationWithExpected(time.Hour, time.Microsecond)
	if got := h.Snapshot().Count(); got != 3_600_000_000 {
		t.Fatalf("count %d; want 3.6e9", got)
	}
}
