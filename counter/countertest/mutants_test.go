package countertest

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/abacusgo/abacus/internal/cpu"
)

// plain is the first mutant: v += d on an int64 behind no synchronisation.
// Its two methods are hidden from the race detector (go:norace), so that
// under -race the test sees what the suite reports about the lost adds
// instead of failing on the race detector's report of the data race; the
// adds are lost as they are without -race.
type plain struct{ v int64 }

//go:norace
func (p *plain) add(d int64) { p.v += d }

//go:norace
func (p *plain) load() int64 { return p.v }

func newPlain() Subject {
	p := &plain{}
	return Shared(p.add, p.load, nil)
}

// copying is the second mutant: the bug ADR 0001 avoids. It is a per-P
// counter whose array of cells, when GOMAXPROCS grows, is copied into a
// larger one that replaces it; an add that loaded the old array just before
// the swap lands in a copy nobody reads any more. Every operation is atomic,
// so the race detector has nothing to report. It learns the P on every add
// (PerCPU caches it), so that it grows on the first add from a new P.
type copying struct {
	cells atomic.Pointer[[]copyingCell]
	mu    sync.Mutex // serialises growth
}

type copyingCell struct {
	v atomic.Int64
	_ [cpu.CacheLineSize - 8]byte
}

func (c *copying) add(d int64) {
	cs := c.cells.Load()
	id := cpu.Pin()
	cpu.Unpin()
	if cs == nil || id >= len(*cs) {
		cs = c.grow(id)
	}
	(*cs)[id].v.Add(d)
}

// grow returns an array with a cell for P id, copying the current one into a
// larger one if it is too small: the bug.
func (c *copying) grow(id int) *[]copyingCell {
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.cells.Load()
	if old != nil && id < len(*old) {
		return old
	}
	cs := make([]copyingCell, cpu.CeilPow2(max(id+1, cpu.Procs())))
	if old != nil {
		for i := range *old {
			cs[i].v.Store((*old)[i].v.Load())
		}
	}
	c.cells.Store(&cs)
	return &cs
}

func (c *copying) load() int64 {
	var t int64
	if cs := c.cells.Load(); cs != nil {
		for i := range *cs {
			t += (*cs)[i].v.Load()
		}
	}
	return t
}

func (c *copying) drain() int64 {
	var t int64
	if cs := c.cells.Load(); cs != nil {
		for i := range *cs {
			t += (*cs)[i].v.Swap(0)
		}
	}
	return t
}

func newCopying() Subject {
	c := &copying{}
	return Shared(c.add, c.load, c.drain)
}

// The suite, with its default options, must fail both mutants, without
// -race, every time the check that catches the mutant (exact for v += d,
// resize for the copying counter) measured enough overlap to count as
// tested. Under -race the test runs the same way: neither mutant gives the
// race detector anything to report. The test runs that check 20 times, counts the runs that were
// tested and the runs that failed, and fails if a tested run passed; it is
// skipped if no run was tested (one CPU, or a machine too busy to run two
// writers at once).
func TestSuiteCatchesMutants(t *testing.T) {
	const runs = 20
	for _, m := range []struct {
		name  string
		check func() Report
	}{
		{"v += d", func() Report { return CheckExact(newPlain(), Options{}) }},
		{"copy on resize", func() Report { return CheckResize(newCopying, Options{}) }},
	} {
		t.Run(m.name, func(t *testing.T) {
			tested, failed := 0, 0
			for run := range runs {
				r := m.check()
				if r.Err != nil {
					failed++
				}
				if r.Untested != "" {
					t.Logf("run %d: untested (%s); caught: %v", run+1, r.Untested, r.Err)
					continue
				}
				tested++
				if r.Err == nil {
					t.Errorf("run %d: the %s check passed the mutant; overlap: %v", run+1, r.Check, r.Overlap)
				} else {
					t.Logf("run %d: caught (overlap: %v): %v", run+1, r.Overlap, r.Err)
				}
			}
			t.Logf("%d of %d runs tested; the suite failed the mutant in %d runs", tested, runs, failed)
			if tested == 0 {
				t.Skipf("no run was tested: the mutant never met writers that overlapped")
			}
		})
	}
}
