package abacus

import (
	"math/rand/v2"
	"testing"
)

func TestKeyMatches(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	word := func() string {
		b := make([]byte, r.IntN(20))
		for i := range b {
			b[i] = byte('a' + r.IntN(3))
		}
		return string(b)
	}
	for range 20000 {
		a := []string{word(), word()}
		b := []string{word(), word()}
		if r.IntN(2) == 0 {
			b = []string{a[0], a[1]}
		}
		want := a[0] == b[0] && a[1] == b[1]
		if got := keyMatches(joinKey(a), b); got != want {
			t.Fatalf("keyMatches(%q, %q) = %v", joinKey(a), b, got)
		}
		pa, pb := makeProbe(testSeed, a), makeProbe(testSeed, b)
		if want && pa != pb {
			t.Fatalf("equal values probe differently: %q", a)
		}
		if !want && pa == pb && pa.n <= shortKey {
			t.Fatalf("different short keys %q and %q give one probe", a, b)
		}
	}
	if keyMatches(joinKey([]string{"a", "bc"}), []string{"ab", "c"}) || makeProbe(testSeed, []string{"a", "bc"}) == makeProbe(testSeed, []string{"ab", "c"}) {
		t.Fatal("value boundaries do not count")
	}
	if keyMatches(joinKey([]string{"a"}), []string{"a", ""}) || keyMatches(joinKey([]string{"a", ""}), []string{"a"}) {
		t.Fatal("the number of values does not count")
	}
}

// FuzzKey: splitting a joined key gives the values back, and a key matches
// exactly its own values.
func FuzzKey(f *testing.F) {
	f.Add("GET", "200", "POST")
	f.Add("", "", "")
	f.Add("ünï", "\x00", "a\xffb")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		vals := []string{a, b}
		key := joinKey(vals)
		if !allUTF8(vals) {
			return // invalid UTF-8 never becomes a key
		}
		got := splitKey(key, 2)
		if len(got) != 2 || got[0] != a || got[1] != b {
			t.Fatalf("splitKey(joinKey(%q)) = %q", vals, got)
		}
		if !keyMatches(key, vals) {
			t.Fatal("a key does not match its own values")
		}
		other := []string{a, c}
		if keyMatches(key, other) != (b == c) {
			t.Fatalf("keyMatches(%q, %q) wrong", key, other)
		}
		// A short probe is the whole key: equal probes mean equal values.
		if p, q := makeProbe(testSeed, vals), makeProbe(testSeed, other); p.n <= shortKey && (p == q) != (b == c) {
			t.Fatalf("probes of %q and %q: equal %v", vals, other, p == q)
		}
	})
}

const testSeed = 0x9e3779b97f4a7c15

// TestUseMarkFirst: a metric's use mark is at the start of its series, as
// revive needs (newVec panics otherwise; this names the types).
func TestUseMarkFirst(t *testing.T) {
	r := NewRegistry(WithoutMetaMetrics())
	Must(r.CounterVec(Opts{Name: "c_total", Help: "h"}, "a"))
	Must(r.GaugeVec(Opts{Name: "g", Help: "h"}, "a"))
	Must(r.HistogramVec(HistogramOpts{Opts: Opts{Name: "h", Help: "h"}}, "a"))
}
