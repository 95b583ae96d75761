package counter

import (
	"runtime"
	"sync"
	"testing"
	"unsafe"

	"github.com/abacusgo/abacus/internal/cpu"
)

// The budget: an idle Adaptive costs at most 64 bytes.
func TestAdaptiveIdleSize(t *testing.T) {
	if n := unsafe.Sizeof(Adaptive{}); n > 64 {
		t.Fatalf("sizeof(Adaptive) = %d bytes; want at most 64", n)
	}
	var a Adaptive
	for range 1000 {
		a.Add(1)
	}
	if a.Cells() != 0 {
		t.Fatalf("Adaptive installed %d cells without contention", a.Cells())
	}
}

// Cells are installed only under contention and never exceed the next power
// of two at or above the largest GOMAXPROCS seen.
func TestAdaptiveGrowsUnderContention(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	var a Adaptive
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := range 200000 {
				a.Add(1)
				if i%1024 == 0 {
					runtime.Gosched()
				}
			}
		})
	}
	wg.Wait()
	if got := a.Load(); got != 8*200000 {
		t.Fatalf("Load() = %d; want %d", got, 8*200000)
	}
	if n := a.Cells(); n > 4 {
		t.Fatalf("Cells() = %d; want at most 4 with GOMAXPROCS=4", n)
	}
	t.Logf("cells after contention: %d", a.Cells())
}

// With GOMAXPROCS=1 a failed CAS is a preemption, not contention.
func TestAdaptiveSingleProcNeverInflates(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	var a Adaptive
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range 20000 {
				a.Add(1)
			}
		})
	}
	wg.Wait()
	if a.Cells() != 0 || a.Load() != 16*20000 {
		t.Fatalf("Cells() = %d, Load() = %d; want 0 and %d", a.Cells(), a.Load(), 16*20000)
	}
}

// Growing GOMAXPROCS past the array installs a larger one; the old cells
// stay in the chain with their counts.
func TestPerCPUGrowsWithGOMAXPROCS(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	p := NewPerCPU()
	if n := len(p.cells.Load().c); n != 1 {
		t.Fatalf("cells at GOMAXPROCS=1: %d; want 1", n)
	}
	p.Add(5)
	runtime.GOMAXPROCS(8)
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			for range 10000 {
				p.Add(1)
			}
		})
	}
	wg.Wait()
	cs := p.cells.Load()
	if cs.prev == nil {
		t.Log("no P beyond 0 ran an Add; growth not exercised this time")
	} else if len(cs.c) < 2 {
		t.Fatalf("grown array has %d cells", len(cs.c))
	}
	if got := p.Load(); got != 5+32*10000 {
		t.Fatalf("Load() = %d; want %d", got, 5+32*10000)
	}
	if got := cs.bytes(); got < len(cs.c)*cpu.CacheLineSize {
		t.Fatalf("bytes() = %d", got)
	}
}

// Each cell fills exactly one cache line, and arrays start on a line.
func TestCellLayout(t *testing.T) {
	if n := unsafe.Sizeof(cell{}); n != uintptr(cpu.CacheLineSize) {
		t.Fatalf("sizeof(cell) = %d; want %d", n, cpu.CacheLineSize)
	}
	if runtime.GOARCH == "wasm" {
		t.Skip("wasm runs on one thread: no line is shared, and its allocator aligns to 16 bytes")
	}
	for _, n := range []int{1, 2, 4, 8, 16, 64} {
		cs := newCells(n, nil)
		if a := uintptr(unsafe.Pointer(&cs.c[0])); a%uintptr(cpu.CacheLineSize) != 0 {
			t.Errorf("array of %d cells starts at %#x, not on a cache line", n, a)
		}
	}
}

// Goroutines get different stack hashes; one goroutine gets the same one on
// every call.
func TestStackHash(t *testing.T) {
	seen := make(map[uint64]bool)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			h := cpu.StackHash()
			mu.Lock()
			seen[h>>60|(h>>32&15)<<4] = true // the bits that pick bucket and cell
			mu.Unlock()
		})
	}
	wg.Wait()
	buckets, cells := map[uint64]bool{}, map[uint64]bool{}
	for k := range seen {
		buckets[k&15], cells[k>>4] = true, true
	}
	if len(buckets) < 4 || len(cells) < 4 {
		t.Fatalf("64 goroutines fell into %d of 16 probe buckets and %d of 16 cells", len(buckets), len(cells))
	}
}
