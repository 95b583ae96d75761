package abacus

import (
	"errors"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"
)

// RegisterGoMetrics registers the Go runtime metrics under the names
// client_golang's Go collector uses, so that existing dashboards keep
// working: go_goroutines, go_threads, go_info, go_gc_duration_seconds (a
// summary of GC pauses), go_gc_gogc_percent, go_gc_gomemlimit_bytes,
// go_sched_gomaxprocs_threads and the go_memstats_* family. Values come from
// runtime/metrics, read at most once per 100 ms however many are scraped,
// without stopping the world. Calling it again on the same registry does
// nothing.
//
// Two of those names clash in OpenMetrics, where the counter
// go_memstats_alloc_bytes_total is family go_memstats_alloc_bytes, the
// gauge's name: OpenMetrics writers write the counter as type unknown under
// its full name (see Family.OpenMetricsClash), and the other formats as a
// counter, as client_golang does.
func (r *Registry) RegisterGoMetrics() error {
	r.check()
	r.mu.Lock()
	done := r.builtins["go"]
	r.mu.Unlock()
	if done {
		return nil
	}
	rt := &runtimeReader{}
	g := func(name, help string, key string) error {
		return r.registerFunc(Opts{Name: name, Help: help}, TypeGauge, func() float64 { return rt.get(key) }, true)
	}
	c := func(name, help string, key string) error {
		return r.registerFunc(Opts{Name: name, Help: help}, TypeCounter, func() float64 { return rt.get(key) }, true)
	}
	errs := []error{
		g("go_goroutines", "Number of goroutines that currently exist.", "/sched/goroutines:goroutines"),
		r.GaugeFunc(Opts{Name: "go_threads", Help: "Number of OS threads created."}, func() float64 {
			n, _ := runtime.ThreadCreateProfile(nil)
			return float64(n)
		}),
		r.GaugeFunc(Opts{Name: "go_info", Help: "Information about the Go environment.",
			ConstLabels: map[string]string{"version": runtime.Version()}}, func() float64 { return 1 }),
		g("go_sched_gomaxprocs_threads", "The current runtime.GOMAXPROCS setting.", "/sched/gomaxprocs:threads"),
		g("go_gc_gogc_percent", "Heap size target percentage configured by GOGC.", "/gc/gogc:percent"),
		g("go_gc_gomemlimit_bytes", "Go runtime memory limit configured by GOMEMLIMIT.", "/gc/gomemlimit:bytes"),
		g("go_memstats_alloc_bytes", "Number of bytes allocated in heap and currently in use.", "/memory/classes/heap/objects:bytes"),
		c("go_memstats_alloc_bytes_total", "Total number of bytes allocated in heap until now.", "/gc/heap/allocs:bytes"),
		g("go_memstats_sys_bytes", "Number of bytes obtained from system.", "/memory/classes/total:bytes"),
		c("go_memstats_mallocs_total", "Total number of heap objects allocated.", "mallocs"),
		c("go_memstats_frees_total", "Total number of heap objects frees.", "frees"),
		g("go_memstats_heap_alloc_bytes", "Number of heap bytes allocated and currently in use.", "/memory/classes/heap/objects:bytes"),
		g("go_memstats_heap_sys_bytes", "Number of heap bytes obtained from system.", "heap_sys"),
		g("go_memstats_heap_idle_bytes", "Number of heap bytes waiting to be used.", "heap_idle"),
		g("go_memstats_heap_inuse_bytes", "Number of heap bytes that are in use.", "heap_inuse"),
		g("go_memstats_heap_released_bytes", "Number of heap bytes released to OS.", "/memory/classes/heap/released:bytes"),
		g("go_memstats_heap_objects", "Number of currently allocated objects.", "/gc/heap/objects:objects"),
		g("go_memstats_stack_inuse_bytes", "Number of bytes obtained from system for stack allocator in non-CGO environments.", "/memory/classes/heap/stacks:bytes"),
		g("go_memstats_stack_sys_bytes", "Number of bytes obtained from system for stack allocator.", "stack_sys"),
		g("go_memstats_mspan_inuse_bytes", "Number of bytes in use by mspan structures.", "/memory/classes/metadata/mspan/inuse:bytes"),
		g("go_memstats_mspan_sys_bytes", "Number of bytes used for mspan structures obtained from system.", "mspan_sys"),
		g("go_memstats_mcache_inuse_bytes", "Number of bytes in use by mcache structures.", "/memory/classes/metadata/mcache/inuse:bytes"),
		g("go_memstats_mcache_sys_bytes", "Number of bytes used for mcache structures obtained from system.", "mcache_sys"),
		g("go_memstats_buck_hash_sys_bytes", "Number of bytes used by the profiling bucket hash table.", "/memory/classes/profiling/buckets:bytes"),
		g("go_memstats_gc_sys_bytes", "Number of bytes used for garbage collection system metadata.", "/memory/classes/metadata/other:bytes"),
		g("go_memstats_other_sys_bytes", "Number of bytes used for other system allocations.", "/memory/classes/other:bytes"),
		g("go_memstats_next_gc_bytes", "Number of heap bytes when next garbage collection will take place.", "/gc/heap/goal:bytes"),
		r.GaugeFunc(Opts{Name: "go_memstats_last_gc_time_seconds", Help: "Number of seconds since 1970 of last garbage collection."}, func() float64 {
			var s debug.GCStats
			debug.ReadGCStats(&s)
			return float64(s.LastGC.UnixNano()) / 1e9
		}),
		r.SummaryFunc(Opts{Name: "go_gc_duration_seconds", Help: "A summary of the wall-time pause (stop-the-world) duration in garbage collection cycles."}, gcSummary),
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	r.mu.Lock()
	r.builtins["go"] = true
	r.mu.Unlock()
	return nil
}

// gcSummary reads the GC pause quantiles the way client_golang does.
func gcSummary() Summary {
	s := debug.GCStats{PauseQuantiles: make([]time.Duration, 5)}
	debug.ReadGCStats(&s)
	out := Summary{Sum: s.PauseTotal.Seconds(), Count: uint64(s.NumGC)}
	for i, q := range []float64{0, 0.25, 0.5, 0.75, 1} {
		out.Quantiles = append(out.Quantiles, Quantile{Q: q, Value: s.PauseQuantiles[i].Seconds()})
	}
	return out
}

// runtimeReader reads every runtime/metrics sample it needs at once, at
// most every 100 ms, and derives the memstats-style sums from them.
type runtimeReader struct {
	mu      sync.Mutex
	read    time.Time
	samples []metrics.Sample
	values  map[string]float64
}

var runtimeKeys = []string{
	"/sched/goroutines:goroutines", "/sched/gomaxprocs:threads", "/gc/gogc:percent", "/gc/gomemlimit:bytes",
	"/memory/classes/heap/objects:bytes", "/gc/heap/allocs:bytes", "/memory/classes/total:bytes",
	"/gc/heap/allocs:objects", "/gc/heap/tiny/allocs:objects", "/gc/heap/frees:objects",
	"/memory/classes/heap/unused:bytes", "/memory/classes/heap/free:bytes", "/memory/classes/heap/released:bytes",
	"/gc/heap/objects:objects", "/memory/classes/heap/stacks:bytes", "/memory/classes/os-stacks:bytes",
	"/memory/classes/metadata/mspan/inuse:bytes", "/memory/classes/metadata/mspan/free:bytes",
	"/memory/classes/metadata/mcache/inuse:bytes", "/memory/classes/metadata/mcache/free:bytes",
	"/memory/classes/profiling/buckets:bytes", "/memory/classes/metadata/other:bytes", "/memory/classes/other:bytes",
	"/gc/heap/goal:bytes",
}

func (rr *runtimeReader) get(key string) float64 {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	if time.Since(rr.read) > 100*time.Millisecond {
		rr.refresh()
	}
	return rr.values[key]
}

func (rr *runtimeReader) refresh() {
	if rr.samples == nil {
		for _, k := range runtimeKeys {
			rr.samples = append(rr.samples, metrics.Sample{Name: k})
		}
		rr.values = map[string]float64{}
	}
	metrics.Read(rr.samples)
	v := rr.values
	for _, s := range rr.samples {
		switch s.Value.Kind() {
		case metrics.KindUint64:
			v[s.Name] = float64(s.Value.Uint64())
		case metrics.KindFloat64:
			v[s.Name] = s.Value.Float64()
		default:
			v[s.Name] = 0 // a metric this Go version does not have
		}
	}
	tiny := v["/gc/heap/tiny/allocs:objects"]
	v["mallocs"] = v["/gc/heap/allocs:objects"] + tiny
	v["frees"] = v["/gc/heap/frees:objects"] + tiny
	v["heap_sys"] = v["/memory/classes/heap/objects:bytes"] + v["/memory/classes/heap/unused:bytes"] +
		v["/memory/classes/heap/free:bytes"] + v["/memory/classes/heap/released:bytes"]
	v["heap_idle"] = v["/memory/classes/heap/free:bytes"] + v["/memory/classes/heap/released:bytes"]
	v["heap_inuse"] = v["/memory/classes/heap/objects:bytes"] + v["/memory/classes/heap/unused:bytes"]
	v["stack_sys"] = v["/memory/classes/heap/stacks:bytes"] + v["/memory/classes/os-stacks:bytes"]
	v["mspan_sys"] = v["/memory/classes/metadata/mspan/inuse:bytes"] + v["/memory/classes/metadata/mspan/free:bytes"]
	v["mcache_sys"] = v["/memory/classes/metadata/mcache/inuse:bytes"] + v["/memory/classes/metadata/mcache/free:bytes"]
	rr.read = time.Now()
}
