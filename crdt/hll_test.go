package crdt

import (
	"fmt"
	"math"
	"strconv"
	"sync"
	"testing"
)

func TestHLLAccuracy(t *testing.T) {
	var h HLL
	if h.Count() != 0 {
		t.Fatalf("empty sketch counts %d", h.Count())
	}
	added := 0
	var worst float64
	for _, n := range []int{1, 2, 10, 100, 1000, 5000, 20000, 100000, 1000000} {
		for ; added < n; added++ {
			h.AddString("user-" + strconv.Itoa(added))
		}
		h.AddString("user-0") // duplicates count once
		got := float64(h.Count())
		err := math.Abs(got-float64(n)) / float64(n)
		worst = max(worst, err)
		// Four standard errors; the inputs are fixed, so this never flakes.
		if err > 4*HLLError {
			t.Errorf("%d distinct: counted %.0f (error %.2f%%)", n, got, 100*err)
		}
	}
	t.Logf("worst relative error %.3f%% (standard error %.2f%%)", 100*worst, 100*HLLError)
}

func TestHLLMerge(t *testing.T) {
	var a, b, c, union HLL
	for i := range 30000 {
		s := fmt.Sprint("item", i)
		union.AddString(s)
		switch i % 3 {
		case 0:
			a.AddString(s)
		case 1:
			b.AddString(s)
		default:
			c.AddString(s)
			a.AddString(s) // overlap
		}
	}
	var ab, ba, abc1, abc2 HLL
	ab.Merge(&a)
	ab.Merge(&b)
	ab.Merge(&b) // idempotent
	ba.Merge(&b)
	ba.Merge(&a)
	abc1.Merge(&ab)
	abc1.Merge(&c)
	var bc HLL
	bc.Merge(&b)
	bc.Merge(&c)
	abc2.Merge(&a)
	abc2.Merge(&bc)
	for i := range hllRegisters {
		if ab.register(i) != ba.register(i) || abc1.register(i) != abc2.register(i) || abc1.register(i) != union.register(i) {
			t.Fatalf("register %d: merge is not a join", i)
		}
	}
}

func TestHLLBinary(t *testing.T) {
	for _, n := range []int{0, 10, 3000, 100000} {
		var h HLL
		for i := range n {
			h.AddString(strconv.Itoa(i))
		}
		b, err := h.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		if dense := len(b) == 5+hllRegisters; dense != (n >= 100000) {
			t.Errorf("%d items: %d bytes", n, len(b))
		}
		var back HLL
		if err := back.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
		if back.Count() != h.Count() {
			t.Fatalf("%d items: count %d after a round trip, want %d", n, back.Count(), h.Count())
		}
	}
	for name, b := range map[string][]byte{
		"short":          []byte("AH\x01\x0e"),
		"precision":      []byte("AH\x01\x0c\x01\x00"),
		"layout":         []byte("AH\x01\x0e\x02"),
		"dense short":    []byte("AH\x01\x0e\x00\x01"),
		"sparse zero":    []byte("AH\x01\x0e\x01\x01\x00\x00"),
		"sparse range":   []byte("AH\x01\x0e\x01\x01\x80\x80\x01\x01"),
		"sparse rank":    []byte("AH\x01\x0e\x01\x01\x00\x34"),
		"sparse trail":   []byte("AH\x01\x0e\x01\x01\x00\x01\x00"),
		"sparse missing": []byte("AH\x01\x0e\x01\x02\x00\x01"),
	} {
		var h HLL
		if err := h.UnmarshalBinary(b); err == nil {
			t.Errorf("%s: %q decoded", name, b)
		}
	}
}

func TestHLLConcurrent(t *testing.T) {
	var h, serial HLL
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 20000 {
				h.AddString(strconv.Itoa(g*20000 + i))
			}
		})
	}
	for i := range 80000 {
		serial.AddString(strconv.Itoa(i))
	}
	wg.Wait()
	if h.Count() != serial.Count() {
		t.Fatalf("concurrent adds count %d, serial %d", h.Count(), serial.Count())
	}
}

func BenchmarkHLLAdd(b *testing.B) {
	var h HLL
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			h.AddHash(hashString("user-" + strconv.Itoa(i&0xffff)))
			i++
		}
	})
}

func BenchmarkHLLCount(b *testing.B) {
	var h HLL
	for i := range 100000 {
		h.AddString(strconv.Itoa(i))
	}
	b.ReportAllocs()
	for b.Loop() {
		h.Count()
	}
}

// TestHLLSaturated: a sketch with every register at the top rank (reachable
// by AddHash or by decoding) counts the largest number, not a platform-
// dependent conversion of +Inf.
func TestHLLSaturated(t *testing.T) {
	var h HLL
	for i := range uint64(hllRegisters) {
		h.AddHash(i << (64 - HLLPrecision)) // register i, no further bits set: the top rank
	}
	if got := h.Count(); got != math.MaxUint64 {
		t.Fatalf("Count of a saturated sketch = %d", got)
	}
}
