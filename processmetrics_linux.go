package abacus

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// RegisterProcessMetrics registers the process metrics under the names
// client_golang's process collector uses: process_cpu_seconds_total,
// process_open_fds, process_max_fds, process_virtual_memory_bytes,
// process_virtual_memory_max_bytes, process_resident_memory_bytes,
// process_start_time_seconds and process_network_{receive,transmit}_bytes_total,
// read from /proc/self at most once per 100 ms (and once now, to fail early
// where /proc is missing). Calling it again on the same registry does
// nothing.
func (r *Registry) RegisterProcessMetrics() error {
	r.check()
	r.mu.Lock()
	done := r.builtins["process"]
	r.mu.Unlock()
	if done {
		return nil
	}
	p := &procReader{}
	if err := p.refresh(); err != nil {
		return fmt.Errorf("abacus: process metrics: %w", err)
	}
	g := func(name, help string, f func(*procStats) float64) error {
		return r.GaugeFunc(Opts{Name: name, Help: help}, func() float64 { return p.get(f) })
	}
	c := func(name, help string, f func(*procStats) float64) error {
		return r.CounterFunc(Opts{Name: name, Help: help}, func() float64 { return p.get(f) })
	}
	if err := errors.Join(
		c("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", func(s *procStats) float64 { return s.cpu }),
		g("process_open_fds", "Number of open file descriptors.", func(s *procStats) float64 { return s.openFDs }),
		g("process_max_fds", "Maximum number of open file descriptors.", func(s *procStats) float64 { return s.maxFDs }),
		g("process_virtual_memory_bytes", "Virtual memory size in bytes.", func(s *procStats) float64 { return s.vsize }),
		g("process_virtual_memory_max_bytes", "Maximum amount of virtual memory available in bytes.", func(s *procStats) float64 { return s.maxVsize }),
		g("process_resident_memory_bytes", "Resident memory size in bytes.", func(s *procStats) float64 { return s.rss }),
		g("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", func(s *procStats) float64 { return s.start }),
		c("process_network_receive_bytes_total", "Number of bytes received by the process over the network.", func(s *procStats) float64 { return s.rx }),
		c("process_network_transmit_bytes_total", "Number of bytes sent by the process over the network.", func(s *procStats) float64 { return s.tx }),
	); err != nil {
		return err
	}
	r.mu.Lock()
	r.builtins["process"] = true
	r.mu.Unlock()
	return nil
}

type procStats struct {
	cpu, openFDs, maxFDs, vsize, maxVsize, rss, start, rx, tx float64
}

type procReader struct {
	mu   sync.Mutex
	read time.Time
	s    procStats
}

func (p *procReader) get(f func(*procStats) float64) float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if time.Since(p.read) > 100*time.Millisecond {
		_ = p.refresh() // on a failed read the last values stand
	}
	return f(&p.s)
}

// clockTicks is USER_HZ, the unit of /proc/self/stat times: 100 on every
// Linux port Go supports.
const clockTicks = 100

func (p *procReader) refresh() error {
	stat, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return err
	}
	// The command name is in parentheses and may hold spaces: fields start
	// after the last ')'.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return fmt.Errorf("unexpected /proc/self/stat: %q", stat)
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 22 {
		return fmt.Errorf("short /proc/self/stat: %d fields", len(f))
	}
	num := func(k int) float64 { v, _ := strconv.ParseFloat(f[k], 64); return v }
	// f[0] is field 3 (state); utime is field 14, stime 15, starttime 22,
	// vsize 23, rss 24.
	s := procStats{
		cpu:   (num(11) + num(12)) / clockTicks,
		vsize: num(20),
		rss:   num(21) * float64(os.Getpagesize()),
	}
	if bt, err := bootTime(); err == nil {
		s.start = bt + num(19)/clockTicks
	}
	if fds, err := os.ReadDir("/proc/self/fd"); err == nil {
		s.openFDs = float64(len(fds))
	}
	s.maxFDs, s.maxVsize = limits()
	s.rx, s.tx = netBytes()
	p.s = s
	p.read = time.Now()
	return nil
}

func bootTime() (float64, error) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "btime "); ok {
			return strconv.ParseFloat(strings.TrimSpace(v), 64)
		}
	}
	return 0, fmt.Errorf("no btime in /proc/stat")
}

// limits returns the soft limits on open files and address space
// (+Inf for unlimited).
func limits() (fds, vsize float64) {
	data, err := os.ReadFile("/proc/self/limits")
	if err != nil {
		return 0, 0
	}
	soft := func(line string) float64 {
		f := strings.Fields(line)
		for _, w := range f {
			if w == "unlimited" {
				return math.Inf(1)
			}
			if v, err := strconv.ParseFloat(w, 64); err == nil {
				return v
			}
		}
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "Max open files"):
			fds = soft(strings.TrimPrefix(line, "Max open files"))
		case strings.HasPrefix(line, "Max address space"):
			vsize = soft(strings.TrimPrefix(line, "Max address space"))
		}
	}
	return fds, vsize
}

// netBytes sums received and sent bytes over the interfaces in
// /proc/self/net/dev.
func netBytes() (rx, tx float64) {
	data, err := os.ReadFile("/proc/self/net/dev")
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		_, counters, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(counters)
		if len(f) < 9 {
			continue
		}
		r, _ := strconv.ParseFloat(f[0], 64)
		t, _ := strconv.ParseFloat(f[8], 64)
		rx += r
		tx += t
	}
	return rx, tx
}
