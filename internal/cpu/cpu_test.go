package cpu

import (
	"runtime"
	"sync"
	"testing"
)

func TestPinInRange(t *testing.T) {
	for _, procs := range []int{1, 2, 3, 8} {
		prev := runtime.GOMAXPROCS(procs)
		var wg sync.WaitGroup
		errs := make(chan int, 64)
		for range 8 {
			wg.Go(func() {
				for range 10000 {
					id := Pin()
					Unpin()
					if id < 0 || id >= procs {
						errs <- id
						return
					}
				}
			})
		}
		wg.Wait()
		runtime.GOMAXPROCS(prev)
		close(errs)
		for id := range errs {
			t.Errorf("GOMAXPROCS=%d: Pin returned %d", procs, id)
		}
	}
}

func TestRandSpreads(t *testing.T) {
	var seen [16]int
	for range 16000 {
		seen[Rand()&15]++
	}
	for i, n := range seen {
		if n < 500 || n > 1500 {
			t.Errorf("bucket %d got %d of 16000 draws; want about 1000", i, n)
		}
	}
}

func TestCeilPow2(t *testing.T) {
	for _, c := range []struct{ in, want int }{
		{-5, 1}, {0, 1}, {1, 1}, {2, 2}, {3, 4}, {4, 4}, {5, 8}, {1000, 1024}, {1024, 1024},
	} {
		if got := CeilPow2(c.in); got != c.want {
			t.Errorf("CeilPow2(%d) = %d; want %d", c.in, got, c.want)
		}
	}
}

func TestCacheLineSize(t *testing.T) {
	if CacheLineSize < 32 || CacheLineSize&(CacheLineSize-1) != 0 {
		t.Fatalf("CacheLineSize = %d; want a power of two of at least 32", CacheLineSize)
	}
}

func BenchmarkPinUnpin(b *testing.B) {
	for b.Loop() {
		Pin()
		Unpin()
	}
}

func BenchmarkRand(b *testing.B) {
	for b.Loop() {
		Rand()
	}
}

func TestHintLearnsP(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	h := StackHash()
	if got := Rehint(h); got != 0 {
		t.Fatalf("Rehint at GOMAXPROCS=1 = %d; want 0", got)
	}
	if got := Hint(h); got != 0 {
		t.Fatalf("Hint after Rehint = %d; want 0", got)
	}
	runtime.GOMAXPROCS(4)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			h := StackHash()
			for range 100 {
				if id := Rehint(h); id < 0 || id >= 4 {
					t.Errorf("Rehint = %d with GOMAXPROCS=4", id)
					return
				}
				if id := Hint(h); id < 0 || id >= 4 {
					t.Errorf("Hint = %d with GOMAXPROCS=4", id)
					return
				}
			}
		})
	}
	wg.Wait()
}

//go:noinline
func hashHere() uint64 { return StackHash() }

func TestStackHashStable(t *testing.T) {
	first, second := hashHere(), hashHere()
	if first != second {
		t.Fatal("two calls from one place in one goroutine hashed differently")
	}
}
