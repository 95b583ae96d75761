package histogram

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// Every boundary 2^(k/2^scale) is the largest float64 not above the true
// value: b^(2^scale) ≤ 2^k < next(b)^(2^scale), checked in exact big-float
// arithmetic.
func TestBoundariesRoundedDown(t *testing.T) {
	for scale := 1; scale <= MaxScale; scale++ {
		n := 1 << scale
		prec := uint(60*n + 64)
		pow := func(f float64) *big.Float {
			r := new(big.Float).SetPrec(prec).SetFloat64(f)
			for range scale {
				r.Mul(r, r)
			}
			return r
		}
		for k, mb := range boundaryMantissas(scale) {
			b := math.Float64frombits(1023<<52 | mb)
			target := new(big.Float).SetMantExp(big.NewFloat(1), k).SetPrec(prec)
			if pow(b).Cmp(target) > 0 || (k > 0 && pow(math.Nextafter(b, 2)).Cmp(target) <= 0) {
				t.Fatalf("scale %d: boundary %d (%v) is not the largest float not above 2^(%d/%d)", scale, k, b, k, n)
			}
		}
	}
}

// refIndex finds the bucket by comparing v with exact bucket bounds, starting
// from a logarithm estimate: slow and obviously right.
func refIndex(v float64, scale int) int {
	i := int(math.Floor(math.Log2(v) * math.Exp2(float64(scale))))
	for LowerBound(i, scale) >= v {
		i--
	}
	for LowerBound(i+1, scale) < v {
		i++
	}
	return i
}

func TestLowerBoundPowersOfTwo(t *testing.T) {
	for scale := MinScale; scale <= MaxScale; scale++ {
		for e := -70; e <= 70; e++ {
			i := shiftIndex(e, scale)
			if scale < 0 && e%(1<<-scale) != 0 {
				continue
			}
			if got := LowerBound(i, scale); got != math.Ldexp(1, e) {
				t.Fatalf("scale %d: LowerBound(%d) = %v; want 2^%d", scale, i, got, e)
			}
		}
	}
}

// Index agrees with the reference on every boundary of many octaves, on the
// floats either side of each boundary, and on random values, at every scale.
func TestIndexMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for scale := MinScale; scale <= MaxScale; scale++ {
		check := func(v float64) {
			t.Helper()
			if v <= MinValue || v > MaxValue {
				return
			}
			want := refIndex(v, scale)
			if got := Index(v, scale); got != want {
				t.Fatalf("scale %d: Index(%v) = %d; want %d (bounds %v, %v)",
					scale, v, got, want, LowerBound(want, scale), UpperBound(want, scale))
			}
			if got := Index(-v, scale); got != want {
				t.Fatalf("scale %d: Index(%v) = %d; want %d", scale, -v, got, want)
			}
		}
		lo, hi := minIndex(scale), maxIndex(scale)
		step := 1
		if hi-lo > 4096 {
			step = 7 // every boundary of a spread of octaves; all of them at small scales
		}
		for i := lo; i <= hi+1; i += step {
			b := LowerBound(i, scale)
			check(b)
			check(math.Nextafter(b, 0))
			check(math.Nextafter(b, math.Inf(1)))
		}
		for range 20000 {
			check(math.Ldexp(1+r.Float64(), r.IntN(128)-64))
		}
		for _, v := range []float64{1, 2, 3, 0.5, 0.1, 1e-9, 1e9, math.Pi, MaxValue, math.Nextafter(MinValue, 1)} {
			check(v)
		}
	}
}

// Every value lies in the bucket Index gives it: LowerBound < v ≤ UpperBound.
func TestIndexWithinBounds(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for scale := MinScale; scale <= MaxScale; scale++ {
		for range 5000 {
			v := math.Ldexp(1+r.Float64(), r.IntN(126)-63)
			i := Index(v, scale)
			if !(LowerBound(i, scale) < v && v <= UpperBound(i, scale)) {
				t.Fatalf("scale %d: %v not in bucket %d = (%v, %v]", scale, v, i, LowerBound(i, scale), UpperBound(i, scale))
			}
		}
	}
}

func TestIndexRange(t *testing.T) {
	for scale := MinScale; scale <= MaxScale; scale++ {
		if got := Index(math.Nextafter(MinValue, 1), scale); got != minIndex(scale) {
			t.Errorf("scale %d: lowest in-range value in bucket %d; want minIndex %d", scale, got, minIndex(scale))
		}
		if got := Index(MaxValue, scale); got != maxIndex(scale) {
			t.Errorf("scale %d: MaxValue in bucket %d; want maxIndex %d", scale, got, maxIndex(scale))
		}
	}
}

func TestRelativeError(t *testing.T) {
	for _, c := range []struct {
		scale int
		want  float64
	}{{6, 0.005415}, {5, 0.010830}, {3, 0.043295}, {0, 1.0 / 3}} {
		if got := RelativeError(c.scale); math.Abs(got-c.want) > 1e-6 {
			t.Errorf("RelativeError(%d) = %v; want %v", c.scale, got, c.want)
		}
	}
	if RelativeError(DefaultScale) > 0.01 {
		t.Fatal("the default scale's error bound exceeds 1%")
	}
}

// FuzzIndex keeps checking the O(1) index against the reference.
func FuzzIndex(f *testing.F) {
	f.Add(1.0, int8(6))
	f.Add(math.Nextafter(1, 2), int8(8))
	f.Add(0.001, int8(-4))
	f.Fuzz(func(t *testing.T, v float64, s int8) {
		scale := int(s)%(MaxScale-MinScale+1) + MinScale
		if scale < MinScale {
			scale += MaxScale - MinScale + 1
		}
		v = math.Abs(v)
		if !(v > MinValue && v <= MaxValue) {
			return
		}
		i := Index(v, scale)
		if want := refIndex(v, scale); i != want {
			t.Fatalf("scale %d: Index(%v) = %d; want %d", scale, v, i, want)
		}
		if !(LowerBound(i, scale) < v && v <= UpperBound(i, scale)) {
			t.Fatalf("scale %d: %v not in bucket %d", scale, v, i)
		}
	})
}
