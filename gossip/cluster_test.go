package gossip_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/abacusgo/abacus/crdt"
	"github.com/abacusgo/abacus/gossip"
	"github.com/abacusgo/abacus/internal/redistest"
	"github.com/abacusgo/abacus/presence"
)

// TestMain runs the child of TestProcesses when the test binary is started
// as one.
func TestMain(m *testing.M) {
	if name := os.Getenv("GOSSIP_CHILD"); name != "" {
		os.Exit(childMain(name))
	}
	os.Exit(m.Run())
}

// The timing of the children: quick rounds, so that the test is short.
const (
	childInterval    = 100 * time.Millisecond
	childTimeout     = 400 * time.Millisecond
	childAntiEntropy = time.Second
)

// childStatus is what a child's /status reports.
type childStatus struct {
	Done     int64                // commands completed
	Value    int64                // the counter's value
	Entries  map[string][2]uint64 // the counter's entries: node → {P, N}
	Online   []string             // sessions whose latest event is not a logout, sorted
	Sessions int                  // Active().Sessions
	Users    int                  // Active().Users
	Failures uint64               // failed pulls, from every peer
}

// childMain is one process of TestProcesses: it prints "addr HOST:PORT",
// reads "peers URL..." from stdin, then runs a Node with a PNCounter "hits"
// and a presence Tracker "online", executing one command per stdin line:
//
//	add N         N adds of +1 (or -1 for a negative N), 20 per millisecond
//	login A B     sessions NAME-sA .. NAME-s(B-1) log in
//	logout A B    and log out
//
// At the end of stdin it stops gracefully and exits 0, or 1 if stopping
// failed.
func childMain(name string) int {
	fail := func(err error) int {
		fmt.Fprintf(os.Stderr, "child %s: %v\n", name, err)
		return 1
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fail(err)
	}
	fmt.Printf("addr %s\n", ln.Addr())
	in := bufio.NewScanner(os.Stdin)
	if !in.Scan() {
		return fail(fmt.Errorf("no peers line: %v", in.Err()))
	}
	peers, ok := strings.CutPrefix(in.Text(), "peers ")
	if !ok {
		return fail(fmt.Errorf("want a peers line, got %q", in.Text()))
	}
	hits, err := crdt.NewPNCounter(name)
	if err != nil {
		return fail(err)
	}
	online, err := presence.New(presence.Options{Node: name})
	if err != nil {
		return fail(err)
	}
	node, err := gossip.New(gossip.Options{
		Peers:       strings.Fields(peers),
		Secret:      []byte(os.Getenv("GOSSIP_SECRET")),
		Interval:    childInterval,
		Timeout:     childTimeout,
		AntiEntropy: childAntiEntropy,
		Logger:      slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		return fail(err)
	}
	if err := node.Add("hits", gossip.PNCounter(hits)); err != nil {
		return fail(err)
	}
	if err := node.Add("online", gossip.Presence(online)); err != nil {
		return fail(err)
	}
	var done atomic.Int64
	mux := http.NewServeMux()
	mux.Handle("/gossip/", node.Handler())
	mux.HandleFunc("/status", func(w http.ResponseWriter, r *http.Request) {
		st := childStatus{Done: done.Load(), Value: hits.Value(), Entries: map[string][2]uint64{}}
		for _, e := range hits.State().Entries {
			st.Entries[e.Node] = [2]uint64{e.P, e.N}
		}
		for _, s := range online.State().Sessions {
			if s.Kind != presence.Logout {
				st.Online = append(st.Online, s.ID)
			}
		}
		a := online.Active()
		st.Sessions, st.Users = a.Sessions, a.Users
		for _, p := range node.Stats().Peers {
			for _, n := range p.Failures {
				st.Failures += n
			}
		}
		json.NewEncoder(w).Encode(st)
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	wg.Go(func() { node.Run(ctx) })
	served := make(chan error, 1)
	go func() { served <- node.Serve(ctx, ln, mux) }()

	for in.Scan() {
		f := strings.Fields(in.Text())
		args := make([]int, len(f)-1)
		for i := range args {
			if args[i], err = strconv.Atoi(f[i+1]); err != nil {
				return fail(err)
			}
		}
		switch {
		case f[0] == "add" && len(args) == 1:
			d, k := int64(1), args[0]
			if k < 0 {
				d, k = -1, -k
			}
			for i := range k {
				hits.Add(d)
				if i%20 == 19 {
					time.Sleep(time.Millisecond)
				}
			}
		case (f[0] == "login" || f[0] == "logout") && len(args) == 2:
			apply := online.Login
			if f[0] == "logout" {
				apply = online.Logout
			}
			for i := args[0]; i < args[1]; i++ {
				id := fmt.Sprintf("%s-s%d", name, i)
				if err := apply("u-"+id, id, time.Now()); err != nil {
					return fail(err)
				}
			}
		default:
			return fail(fmt.Errorf("unknown command %q", in.Text()))
		}
		done.Add(1)
	}
	cancel()
	wg.Wait()
	if err := <-served; err != nil {
		return fail(err)
	}
	return 0
}

// A child is one process of TestProcesses, as the parent sees it.
type child struct {
	name   string
	cmd    *exec.Cmd
	stdin  interface{ Write([]byte) (int, error) }
	closer func() error
	addr   chan string // the child's address, once it printed it
	exited chan error  // cmd.Wait's result
	sent   int64       // commands sent
	stderr lockedBuffer
}

// lockedBuffer collects a child's stderr.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// addrWriter takes a child's stdout and sends its "addr" line.
type addrWriter struct {
	buf  []byte
	addr chan string
}

func (a *addrWriter) Write(p []byte) (int, error) {
	if a.addr != nil {
		a.buf = append(a.buf, p...)
		if line, _, ok := bytes.Cut(a.buf, []byte("\n")); ok {
			a.addr <- strings.TrimPrefix(string(line), "addr ")
			a.addr = nil
		}
	}
	return len(p), nil
}

func startChild(t *testing.T, exe, name, secret string) *child {
	t.Helper()
	c := &child{name: name, addr: make(chan string, 1), exited: make(chan error, 1)}
	c.cmd = exec.Command(exe)
	c.cmd.Env = append(os.Environ(), "GOSSIP_CHILD="+name, "GOSSIP_SECRET="+secret)
	c.cmd.Stdout = &addrWriter{addr: c.addr}
	c.cmd.Stderr = &c.stderr
	stdin, err := c.cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	c.stdin, c.closer = stdin, stdin.Close
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("starting child %s: %v", name, err)
	}
	go func() { c.exited <- c.cmd.Wait() }()
	t.Cleanup(func() {
		c.cmd.Process.Kill()
		<-c.exited
		c.exited <- nil // for a second reader
		if t.Failed() {
			t.Logf("child %s stderr:\n%s", name, c.stderr.String())
		}
	})
	return c
}

func (c *child) send(t *testing.T, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if _, err := c.stdin.Write([]byte(l + "\n")); err != nil {
			t.Fatalf("child %s: %v", c.name, err)
		}
		if !strings.HasPrefix(l, "peers ") {
			c.sent++
		}
	}
}

var statusClient = &http.Client{Timeout: 2 * time.Second}

func (c *child) status(addr string) (childStatus, error) {
	var st childStatus
	resp, err := statusClient.Get("http://" + addr + "/status")
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	return st, json.NewDecoder(resp.Body).Decode(&st)
}

// A nodeState is what one child made: its counter entry ({P, N}) and its
// sessions (true while online).
type nodeState struct {
	entry  [2]uint64
	online map[string]bool
}

// A view is what one child should hold: every node's entry and the
// sessions online.
type view struct {
	entries map[string][2]uint64
	online  map[string]bool
}

// compose makes the view of the given nodes' states, later ones replacing
// earlier ones of the same node.
func compose(parts ...map[string]nodeState) view {
	m := map[string]nodeState{}
	for _, p := range parts {
		maps.Copy(m, p)
	}
	v := view{entries: map[string][2]uint64{}, online: map[string]bool{}}
	for name, ns := range m {
		v.entries[name] = ns.entry
		maps.Copy(v.online, ns.online)
	}
	return v
}

// TestProcesses runs four processes on loopback, each with a PNCounter and
// a presence Tracker, pulling from one another through a fault proxy per
// directed link: all count; two are cut off from the other two while all
// keep counting; one of the cut-off pair is killed with SIGKILL; the
// partition heals; and every live process converges to the exact total,
// the dead one's adds included (its partner had pulled them).
func TestProcesses(t *testing.T) {
	if runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skipf("processes cannot be started on %s", runtime.GOOS)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	const k = 4
	const secret = "a secret the four processes share"
	kids := make([]*child, k)
	addrs := make([]string, k)
	for i := range kids {
		kids[i] = startChild(t, exe, fmt.Sprintf("n%d", i), secret)
	}
	for i, c := range kids {
		select {
		case addrs[i] = <-c.addr:
		case err := <-c.exited:
			t.Fatalf("child %s exited before it listened: %v\n%s", c.name, err, c.stderr.String())
		case <-time.After(15 * time.Second):
			t.Fatalf("child %s did not print its address", c.name)
		}
	}
	// links[i][j] carries i's pulls from j.
	var links [k][k]*redistest.Proxy
	for i := range k {
		var peers []string
		for j := range k {
			if j != i {
				links[i][j] = redistest.NewProxy(t, addrs[j])
				peers = append(peers, "http://"+links[i][j].Addr()+"/gossip")
			}
		}
		kids[i].send(t, "peers "+strings.Join(peers, " "))
	}

	// Each child's own entry and sessions, as the parent made them.
	own := map[string]*nodeState{}
	for _, c := range kids {
		own[c.name] = &nodeState{online: map[string]bool{}}
	}
	add := func(i, n int) {
		e := &own[kids[i].name].entry
		if n > 0 {
			e[0] += uint64(n)
		} else {
			e[1] += uint64(-n)
		}
		kids[i].send(t, fmt.Sprintf("add %d", n))
	}
	sessions := func(i int, kind string, from, to int) {
		for s := from; s < to; s++ {
			own[kids[i].name].online[fmt.Sprintf("%s-s%d", kids[i].name, s)] = kind == "login"
		}
		kids[i].send(t, fmt.Sprintf("%s %d %d", kind, from, to))
	}
	// snapshot copies what the children have made so far, of the given
	// children (all if none).
	snapshot := func(of ...int) map[string]nodeState {
		m := map[string]nodeState{}
		for i, c := range kids {
			if len(of) == 0 || slices.Contains(of, i) {
				m[c.name] = nodeState{entry: own[c.name].entry, online: maps.Clone(own[c.name].online)}
			}
		}
		return m
	}
	// wait polls the children until each holds want[i].
	wait := func(phase string, who []int, want func(i int) view) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			var bad []string
			for _, i := range who {
				if err := check(kids[i], addrs[i], want(i)); err != nil {
					bad = append(bad, err.Error())
				}
			}
			if bad == nil {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: not converged after 15s:\n%s", phase, strings.Join(bad, "\n"))
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	everyone, survivors := []int{0, 1, 2, 3}, []int{0, 1, 2}
	start := time.Now()

	// 1. Everyone counts and logs in; everyone converges.
	for i := range k {
		add(i, 300)
		add(i, -50)
		sessions(i, "login", 0, 10)
	}
	wait("all count", everyone, func(int) view { return compose(snapshot()) })
	t.Logf("converged after %v", time.Since(start).Round(time.Millisecond))

	// 2. {n0, n1} | {n2, n3}, and everyone keeps counting.
	setPartition := func(on bool) {
		for _, i := range []int{0, 1} {
			for _, j := range []int{2, 3} {
				links[i][j].SetFaults(redistest.Faults{Blackhole: on})
				links[j][i].SetFaults(redistest.Faults{Blackhole: on})
			}
		}
	}
	setPartition(true)
	partitioned := time.Now()
	atPartition := snapshot()
	for i := range k {
		add(i, 200)
		sessions(i, "logout", 0, 3)
		sessions(i, "login", 10, 15)
	}
	// A side knows the other side as it was when the partition began.
	side := func(i int) view {
		if i < 2 {
			return compose(atPartition, snapshot(0, 1))
		}
		return compose(atPartition, snapshot(2, 3))
	}
	wait("partitioned", everyone, side)
	t.Logf("each side converged after %v", time.Since(start).Round(time.Millisecond))

	// 3. n3 dies (n2 holds everything it counted), the others go on.
	kids[3].cmd.Process.Kill()
	if err := <-kids[3].exited; err == nil {
		t.Fatal("n3 exited cleanly after SIGKILL")
	}
	kids[3].exited <- nil
	for _, i := range survivors {
		add(i, 100)
		add(i, -20)
		sessions(i, "login", 15, 17)
	}
	wait("one dead, still partitioned", survivors, side)
	// Long enough for pulls across the partition to time out, and for
	// full (anti-entropy) pulls: still nothing crosses.
	time.Sleep(time.Until(partitioned.Add(max(3*childTimeout, childAntiEntropy+childInterval))))
	wait("partitioned for long", survivors, side)

	// 4. Heal: every live process holds the exact total.
	setPartition(false)
	healed := time.Now()
	wait("healed", survivors, func(int) view { return compose(snapshot()) })
	t.Logf("converged %v after the heal, %v in all", time.Since(healed).Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	st, err := kids[0].status(addrs[0])
	if err != nil {
		t.Fatal(err)
	}
	if st.Failures == 0 {
		t.Error("n0 counted no failed pulls through a partition and a kill")
	}

	// 5. The survivors stop gracefully.
	for _, i := range survivors {
		kids[i].closer()
	}
	for _, i := range survivors {
		select {
		case err := <-kids[i].exited:
			kids[i].exited <- err
			if err != nil {
				t.Errorf("child %s: %v", kids[i].name, err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("child %s did not stop", kids[i].name)
		}
	}
}

// check compares a child's status with the view it should hold.
func check(c *child, addr string, want view) error {
	st, err := c.status(addr)
	if err != nil {
		return fmt.Errorf("%s: %v", c.name, err)
	}
	if st.Done != c.sent {
		return fmt.Errorf("%s: %d of %d commands done", c.name, st.Done, c.sent)
	}
	var value uint64
	for _, e := range want.entries {
		value += e[0] - e[1]
	}
	var online []string
	for id, on := range want.online {
		if on {
			online = append(online, id)
		}
	}
	slices.Sort(online)
	// A replica folds its adds into its entry in batches, a net sum each,
	// so only an entry's P - N is known to the parent.
	net := func(m map[string][2]uint64) map[string]int64 {
		out := map[string]int64{}
		for name, e := range m {
			out[name] = int64(e[0] - e[1])
		}
		return out
	}
	switch {
	case !maps.Equal(net(st.Entries), net(want.entries)):
		return fmt.Errorf("%s: entries (P - N) %v, want %v", c.name, net(st.Entries), net(want.entries))
	case st.Value != int64(value):
		return fmt.Errorf("%s: value %d, want %d", c.name, st.Value, value)
	case !slices.Equal(st.Online, online) || st.Sessions != len(online) || st.Users != len(online):
		return fmt.Errorf("%s: %d sessions and %d users active %v, want %d %v", c.name, st.Sessions, st.Users, st.Online, len(online), online)
	}
	return nil
}
