package redistest

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestKillChildren checks that Kill also kills the child redis-server forks
// for an AOF rewrite. Left alone, the child would exit only when it next
// reports progress to its dead parent: here, after the second's delay it
// spends on each key.
func TestKillChildren(t *testing.T) {
	s := Start(t, Options{AppendOnly: true})
	for _, cmd := range [][]string{
		{"SET", "a", "1"}, {"SET", "b", "2"},
		{"CONFIG", "SET", "rdb-key-save-delay", "1000000"}, // 1 s per key: a slow rewrite
		{"BGREWRITEAOF"},
	} {
		if _, err := s.Do(cmd...); err != nil {
			t.Fatalf("%v: %v", cmd, err)
		}
	}
	s.mu.Lock()
	pid := s.proc.cmd.Process.Pid
	s.mu.Unlock()
	var children []int
	for deadline := time.Now().Add(5 * time.Second); len(children) == 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no AOF rewrite child appeared")
		}
		children = childrenOf(pid)
	}
	s.Kill()
	for deadline := time.Now().Add(500 * time.Millisecond); ; time.Sleep(10 * time.Millisecond) {
		if alive := alive(children); len(alive) == 0 {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("children %v of the killed server still run", alive)
		}
	}
}

// childrenOf returns the processes whose parent is pid.
func childrenOf(pid int) []int {
	var r []int
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, path := range stats {
		if _, state, ppid := procStat(path); state != "" && state != "Z" && ppid == pid {
			child, _ := strconv.Atoi(filepath.Base(filepath.Dir(path)))
			r = append(r, child)
		}
	}
	return r
}

// alive returns the processes of pids that exist and are not zombies.
func alive(pids []int) []int {
	var r []int
	for _, pid := range pids {
		if _, state, _ := procStat("/proc/" + strconv.Itoa(pid) + "/stat"); state != "" && state != "Z" {
			r = append(r, pid)
		}
	}
	return r
}

// procStat reads a /proc/PID/stat file: the command, the state and the
// parent's pid; the state is "" if the process does not exist.
func procStat(path string) (comm, state string, ppid int) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", "", 0
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return "", "", 0
	}
	fields := strings.Fields(s[i+1:])
	if len(fields) < 2 {
		return "", "", 0
	}
	ppid, _ = strconv.Atoi(fields[1])
	return s[strings.IndexByte(s, '(')+1 : i], fields[0], ppid
}
