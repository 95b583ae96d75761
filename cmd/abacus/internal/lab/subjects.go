package lab

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/abacusgo/abacus/counter"
)

// A Subject is one counter implementation in the lab.
type Subject struct {
	Name string
	Doc  string
	// New makes a fresh counter for a run with g workers.
	New func(g int) Instance
}

// Instance is one counter under test.
type Instance interface {
	// Worker returns what worker i calls to add one n times, and what it
	// calls when it stops (a batching counter flushes there). The loop is
	// written out per counter type so that adds are direct method calls, as
	// in real code, not calls through a function value.
	Worker(i int) (addN func(n int), done func())
	// Load returns the total once every worker has stopped.
	Load() int64
}

// shared is an Instance whose workers all run the same loop.
type shared struct {
	addN func(n int)
	load func() int64
}

func (s shared) Worker(int) (func(int), func()) { return s.addN, func() {} }
func (s shared) Load() int64                    { return s.load() }

// perWorker is an Instance that gives each worker its own loop.
type perWorker struct {
	worker func(i int) (func(int), func())
	load   func() int64
}

func (p perWorker) Worker(i int) (func(int), func()) { return p.worker(i) }
func (p perWorker) Load() int64                      { return p.load() }

// Subjects returns every subject the lab knows, in display order.
func Subjects() []Subject {
	return []Subject{
		{"atomic", "counter.Counter: one atomic word shared by all (the baseline)", func(int) Instance {
			c := &counter.Counter{}
			return shared{func(n int) {
				for range n {
					c.Inc()
				}
			}, c.Load}
		}},
		{"mutex", "an int64 behind a sync.Mutex", func(int) Instance {
			var mu sync.Mutex
			var v int64
			return shared{func(n int) {
				for range n {
					mu.Lock()
					v++
					mu.Unlock()
				}
			}, func() int64 { mu.Lock(); defer mu.Unlock(); return v }}
		}},
		{"unpadded", "one atomic word per worker, packed side by side: false sharing", func(g int) Instance {
			slots := make([]atomic.Int64, g)
			return perWorker{
				func(i int) (func(int), func()) {
					c := &slots[i]
					return func(n int) {
						for range n {
							c.Add(1)
						}
					}, func() {}
				},
				func() int64 {
					var t int64
					for i := range slots {
						t += slots[i].Load()
					}
					return t
				},
			}
		}},
		{"padded", "one atomic word per worker, each on its own cache line: the limit", func(g int) Instance {
			cells := make([]paddedWord, g)
			return perWorker{
				func(i int) (func(int), func()) {
					c := &cells[i].v
					return func(n int) {
						for range n {
							c.Add(1)
						}
					}, func() {}
				},
				func() int64 {
					var t int64
					for i := range cells {
						t += cells[i].v.Load()
					}
					return t
				},
			}
		}},
		{"striped", "counter.Striped: padded cells picked at random per add", func(int) Instance {
			c := counter.NewStriped(0)
			return shared{func(n int) {
				for range n {
					c.Inc()
				}
			}, c.Load}
		}},
		{"percpu", "counter.PerCPU: one padded cell per P", func(int) Instance {
			c := counter.NewPerCPU()
			return shared{func(n int) {
				for range n {
					c.Inc()
				}
			}, c.Load}
		}},
		{"pernode", "counter.PerNode: one padded cell per CPU, grouped by NUMA node (the node-aware layout of percpu)", func(int) Instance {
			c := counter.NewPerNode()
			return shared{func(n int) {
				for range n {
					c.Inc()
				}
			}, c.Load}
		}},
		{"adaptive", "counter.Adaptive: LongAdder, one word until contended", func(int) Instance {
			c := &counter.Adaptive{}
			return shared{func(n int) {
				for range n {
					c.Inc()
				}
			}, c.Load}
		}},
		{"sloppy", "counter.Sloppy: a Local per worker, flushed every 1024", func(int) Instance {
			s := counter.NewSloppy(0)
			return perWorker{
				func(int) (func(int), func()) {
					l := s.Local(1024)
					return func(n int) {
						for range n {
							l.Inc()
						}
					}, l.Close
				},
				s.Load,
			}
		}},
	}
}

type paddedWord struct {
	v atomic.Int64
	_ [56]byte
}

// Select returns the subjects named in the comma-separated list, in the
// list's order; "all" or "" selects every subject.
func Select(list string) ([]Subject, error) {
	all := Subjects()
	if list == "" || list == "all" {
		return all, nil
	}
	var out []Subject
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		found := false
		for _, s := range all {
			if s.Name == name {
				out = append(out, s)
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("unknown counter type %q (known: %s)", name, strings.Join(Names(), ", "))
		}
	}
	return out, nil
}

// Names returns the names of every subject.
func Names() []string {
	var ns []string
	for _, s := range Subjects() {
		ns = append(ns, s.Name)
	}
	return ns
}

// subject returns the subject called name, and false if there is none.
func subject(name string) (Subject, bool) {
	for _, s := range Subjects() {
		if s.Name == name {
			return s, true
		}
	}
	return Subject{}, false
}
