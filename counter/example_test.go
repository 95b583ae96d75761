package counter_test

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/abacusgo/abacus/counter"
)

func ExampleCounter() {
	var requests counter.Counter
	var wg sync.WaitGroup
	for range 1000 {
		wg.Go(requests.Inc)
	}
	wg.Wait()
	fmt.Println(requests.Load())
	// Output: 1000
}

func ExampleCounter_Drain() {
	// Reset-and-report: each report takes what accumulated since the last.
	var requests counter.Counter
	requests.Add(42)
	fmt.Println("requests in the last 10s:", requests.Drain())
	requests.Add(7)
	fmt.Println("requests in the last 10s:", requests.Drain())
	// Output:
	// requests in the last 10s: 42
	// requests in the last 10s: 7
}

func ExampleGauge() {
	var inFlight counter.Gauge
	inFlight.Inc() // request starts
	inFlight.Inc()
	inFlight.Dec() // request ends
	fmt.Println(inFlight.Load())
	// Output: 1
}

func ExampleFloatGauge() {
	var temperature counter.FloatGauge
	temperature.Set(21.5)
	temperature.Add(-0.25)
	fmt.Println(temperature.Load())
	// Output: 21.25
}

func ExampleMax() {
	var peak counter.Max
	for _, queueLen := range []int64{3, 17, 4} {
		peak.Observe(queueLen)
	}
	fmt.Println("peak queue length:", peak.Load())
	fmt.Println("this minute:", peak.Drain())
	peak.Observe(5)
	fmt.Println("next minute:", peak.Load())
	// Output:
	// peak queue length: 17
	// this minute: 17
	// next minute: 5
}

func ExampleMin() {
	var fastest counter.Min
	for _, ms := range []int64{12, 7, 30} {
		fastest.Observe(ms)
	}
	fmt.Println(fastest.Load())
	// Output: 7
}

func ExampleCapped() {
	// At most 100 of 1000 concurrent callers get in.
	slots := counter.NewCapped(100)
	var admitted counter.Counter
	var wg sync.WaitGroup
	for range 1000 {
		wg.Go(func() {
			if slots.Inc() {
				admitted.Inc()
			}
		})
	}
	wg.Wait()
	fmt.Println(admitted.Load())
	// Output: 100
}

func ExampleLatch() {
	ready := counter.NewLatch(3)
	for i := range 3 {
		go func() {
			_ = i // worker i warms up, then:
			ready.CountDown()
		}()
	}
	if err := ready.Wait(context.Background()); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("all workers ready")
	// Output: all workers ready
}

func ExampleStriped() {
	c := counter.NewStriped(16)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 1000 {
				c.Inc()
			}
		})
	}
	wg.Wait()
	fmt.Println(c.Load(), c.Stripes())
	// Output: 8000 16
}

func ExamplePerCPU() {
	c := counter.NewPerCPU()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 1000 {
				c.Add(2)
			}
		})
	}
	wg.Wait()
	fmt.Println(c.Load())
	// Output: 16000
}

func ExampleAdaptive() {
	// The zero value is ready; it stays one word until writers collide.
	var hits counter.Adaptive
	hits.Inc()
	fmt.Println(hits.Load(), hits.Cells())
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 10000 {
				hits.Inc()
			}
		})
	}
	wg.Wait()
	fmt.Println(hits.Load())
	// Output:
	// 1 0
	// 80001
}

func ExampleSloppy() {
	s := counter.NewSloppy(time.Second)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			l := s.Local(1024)
			defer l.Close()
			for range 10000 {
				l.Inc() // plain arithmetic; flushes every 1024
			}
		})
	}
	wg.Wait()
	fmt.Println(s.Load(), s.Bound()) // exact once every Local is closed
	// Output: 40000 0
}

func ExampleWindow() {
	// Requests in the last minute, by second.
	w := counter.NewWindow(60, time.Second)
	for range 30 {
		w.Inc()
	}
	fmt.Println("last minute:", w.Sum(60))
	// Output: last minute: 30
}

func ExampleEWMA() {
	// Load-average style request rates.
	load1, load5, load15 := counter.NewEWMA(time.Minute), counter.NewEWMA(5*time.Minute), counter.NewEWMA(15*time.Minute)
	for _, e := range []*counter.EWMA{load1, load5, load15} {
		e.Add(100)
	}
	// The average moves every counter.EWMATick (5 s); until then it reads 0.
	fmt.Printf("%.1f %.1f %.1f\n", load1.Rate(), load5.Rate(), load15.Rate())
	// Output: 0.0 0.0 0.0
}

func ExampleSnapshot() {
	var requests, errors counter.Adaptive
	type status struct{ Requests, Errors int64 }
	snap := counter.NewSnapshot(func() status {
		e := errors.Load() // errors first: every error was a request first
		return status{Requests: requests.Load(), Errors: e}
	})
	requests.Add(10)
	errors.Add(1)
	snap.Publish() // or: go snap.Run(ctx, time.Second)
	s, _ := snap.Load()
	fmt.Printf("%+v\n", s)
	// Output: {Requests:10 Errors:1}
}
