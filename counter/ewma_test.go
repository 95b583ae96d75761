package counter_test

import (
	"math"
	"testing"
	"testing/synctest"
	"time"

	"github.com/abacusgo/abacus/counter"
)

func TestEWMA(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := counter.NewEWMA(time.Minute)
		alpha := 1 - math.Exp(-5.0/60)
		if got := e.Rate(); got != 0 {
			t.Fatalf("new EWMA Rate() = %v", got)
		}
		// 50 events in the first tick: rate 10/s, the average moves alpha of the way.
		e.Add(50)
		time.Sleep(5 * time.Second)
		want := alpha * 10
		if got := e.Rate(); math.Abs(got-want) > 1e-9 {
			t.Fatalf("after one tick Rate() = %v; want %v", got, want)
		}
		// A steady 10/s for 30 minutes converges on 10.
		for range 360 {
			e.Add(50)
			time.Sleep(5 * time.Second)
		}
		if got := e.Rate(); math.Abs(got-10) > 1e-6 {
			t.Fatalf("steady 10/s: Rate() = %v", got)
		}
		// Idle for one window: the average decays by e^-1, whether or not
		// anybody reads it in between.
		time.Sleep(time.Minute)
		if got, want := e.Rate(), 10*math.Exp(-1); math.Abs(got-want) > 1e-6 {
			t.Fatalf("after a minute idle Rate() = %v; want %v", got, want)
		}
	})
}

func TestNewEWMAPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("NewEWMA(0) did not panic")
		}
	}()
	counter.NewEWMA(0)
}
