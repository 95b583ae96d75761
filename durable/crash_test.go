package durable_test

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/abacusgo/abacus/durable"
)

// crashEnv tells the test binary, re-executed by TestCrash, to run as the
// child that adds until killed: its value is "<policy> <dir>".
const crashEnv = "DURABLE_CRASH_CHILD"

const crashWorkers = 4 // adding goroutines in a SyncAlways child

// TestCrash kills a child process that adds, with SIGKILL, at an arbitrary
// moment, three times per policy, each child recovering what the previous
// one left (torn records included), and checks every recovered total
// against what the child reported:
//
//   - SyncAlways: each of its goroutines adds 1 to its own counter and
//     prints every total acknowledged. A counter must recover at least the
//     last total printed, and at most one more (the add in flight).
//   - SyncInterval and SyncNone (a process crash keeps written records):
//     one goroutine adds, in each step, 1 to "n", -2 to "m" and 1 to one of
//     16 counters "k*", and prints, before each batch, how many steps it
//     will have attempted, and whenever a commit completes, how many steps
//     are durable: those after which it read a commit count at least two
//     below the current one, since the commit after the next began after
//     them. That is the documented bound, the adds since the last completed
//     commit began, stated with counts instead of times.
//
// The parent kills the child after a number of acknowledged adds or
// commits, plus a random delay, so that kills land in writes, fsyncs and
// snapshots (every 512 bytes of log).
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	for _, p := range policies {
		t.Run(p.String(), func(t *testing.T) {
			dir := t.TempDir()
			base := map[string]int64{}
			for round := range 3 {
				r := runCrashChild(t, p, dir, int64(20*(round+1)))
				// Check a copy, so that the next child recovers the
				// crashed directory itself.
				s := open(t, copyDir(t, dir), durable.Options{})
				got, rec := s.Totals(), s.Recovery()
				closeSet(t, s)
				t.Logf("round %d: child reported %+v; recovered %v, %+v", round, r, got, rec)
				if p == durable.SyncAlways {
					for i := range crashWorkers {
						name := fmt.Sprint("g", i)
						lo := base[name] + r.acked[i]
						if v := got[name]; v < lo || v > lo+1 {
							t.Fatalf("round %d: %s = %d; want %d or %d (acknowledged, or one more in flight)", round, name, v, lo, lo+1)
						}
					}
				} else {
					if n := got["n"]; n < base["n"]+r.durable || n > base["n"]+r.upto {
						t.Fatalf("round %d: n = %d; want %d (durable) to %d (attempted)", round, n, base["n"]+r.durable, base["n"]+r.upto)
					}
					if m := got["m"]; m > base["m"]-2*r.durable || m < base["m"]-2*r.upto {
						t.Fatalf("round %d: m = %d; want %d to %d", round, m, base["m"]-2*r.durable, base["m"]-2*r.upto)
					}
					var k, baseK int64
					for i := range 16 {
						k += got[fmt.Sprint("k", i)]
						baseK += base[fmt.Sprint("k", i)]
					}
					if k < baseK+r.durable || k > baseK+r.upto {
						t.Fatalf("round %d: k* sum to %d; want %d to %d", round, k, baseK+r.durable, baseK+r.upto)
					}
				}
				base = got
			}
		})
	}
}

// crashReport is what a child printed before it was killed.
type crashReport struct {
	acked   [crashWorkers]int64 // SyncAlways: the last total acknowledged per goroutine
	upto    int64               // the steps attempted at most
	durable int64               // the steps durable at least
	commits int64               // commits completed
}

// runCrashChild starts a child adding to dir under p and kills it once it
// has reported threshold acknowledged adds (SyncAlways) or commits.
func runCrashChild(t *testing.T, p durable.Policy, dir string, threshold int64) crashReport {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d %s", crashEnv, p, dir))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var r crashReport
	killed := false
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 {
			continue // the testing package's own output
		}
		n, err := strconv.ParseInt(f[len(f)-1], 10, 64)
		switch {
		case f[0] == "error":
			t.Errorf("child: %s", sc.Text())
		case err != nil:
			continue
		case f[0] == "ack" && len(f) == 3:
			i, _ := strconv.Atoi(f[1])
			r.acked[i%crashWorkers] = max(r.acked[i%crashWorkers], n)
		case f[0] == "upto":
			r.upto = n
		case f[0] == "durable" && len(f) == 3:
			r.durable, _ = strconv.ParseInt(f[1], 10, 64)
			r.commits = n
		default:
			continue
		}
		progress := r.commits
		if p == durable.SyncAlways {
			progress = 0
			for _, a := range r.acked {
				progress += a
			}
		}
		if !killed && progress >= threshold {
			time.Sleep(rand.N(2 * time.Millisecond))
			if err := cmd.Process.Kill(); err != nil { // SIGKILL
				t.Fatal(err)
			}
			killed = true // read on: what the child wrote before dying counts
		}
	}
	err = cmd.Wait()
	if !killed {
		t.Fatalf("child exited before being killed: %v\n%s", err, stderr.Bytes())
	}
	return r
}

// TestCrashChild is not a test: TestCrash runs it in a child process.
func TestCrashChild(t *testing.T) {
	spec := os.Getenv(crashEnv)
	if spec == "" {
		t.Skip("run by TestCrash")
	}
	var p durable.Policy
	var dir string
	if _, err := fmt.Sscanf(spec, "%d %s", &p, &dir); err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	time.AfterFunc(60*time.Second, func() { os.Exit(3) }) // if the parent is gone
	s, err := durable.Open(dir, durable.Options{Policy: p, Interval: time.Millisecond, SnapshotEvery: 512, Logger: quiet})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	// Lines go straight to the pipe, unbuffered: a line the parent did not
	// get before the kill was never claimed.
	say := func(format string, args ...any) { fmt.Fprintf(os.Stdout, format+"\n", args...) }
	if p == durable.SyncAlways {
		var wg sync.WaitGroup
		for i := range crashWorkers {
			c, _ := s.Counter(fmt.Sprint("g", i))
			wg.Go(func() {
				for n := int64(1); ; n++ {
					if err := c.Add(1); err != nil {
						say("error %v", err)
						os.Exit(2)
					}
					say("ack %d %d", i, n)
				}
			})
		}
		wg.Wait()
	}
	n, _ := s.Counter("n")
	m, _ := s.Counter("m")
	var ks [16]*durable.Counter
	for i := range ks {
		ks[i], _ = s.Counter(fmt.Sprint("k", i))
	}
	type seen struct{ commits, first int64 } // the first add after which a commit count was read
	var (
		log     []seen
		durable int64
	)
	const batch = 64
	for i := int64(1); ; i++ {
		if i%batch == 1 {
			say("upto %d", i+batch-1)
		}
		if err := n.Add(1); err != nil {
			say("error %v", err)
		}
		if err := m.Add(-2); err != nil {
			say("error %v", err)
		}
		if err := ks[i%16].Add(1); err != nil {
			say("error %v", err)
		}
		k := s.Stats().Commits
		if len(log) > 0 && log[len(log)-1].commits == k {
			continue
		}
		log = append(log, seen{k, i})
		// Adds after which the count read was at most k-2 are durable:
		// they end before the first add after which k-1 or more was read.
		for _, e := range log {
			if e.commits >= k-1 {
				if d := e.first - 1; d > durable {
					durable = d
					say("durable %d %d", durable, k)
				}
				break
			}
		}
	}
}
