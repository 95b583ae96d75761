package abacus

import (
	"runtime"
	"strconv"
	"testing"
	"time"
)

// The graveyard forgets an expired series once nothing holds it, so that a
// TTL frees memory under label churn.
func TestGraveyardForgetsUnheldSeries(t *testing.T) {
	now := time.Unix(1000, 0)
	r := NewRegistry(WithoutMetaMetrics(), WithClock(func() time.Time { return now }))
	cv := Must(r.CounterVec(Opts{Name: "churn_total", TTL: time.Minute}, "id"))
	for i := range 100 {
		cv.With(strconv.Itoa(i)).Inc()
	}
	v := cv.l.v
	r.sweep() // finds them written
	now = now.Add(2 * time.Minute)
	r.sweep()
	if len(v.graveyard) == 0 {
		t.Fatal("expired series are not in the graveyard")
	}
	runtime.GC()
	runtime.GC()
	r.sweep()
	if n := len(v.graveyard); n != 0 {
		t.Fatalf("%d expired series still remembered after the GC freed them", n)
	}
}
