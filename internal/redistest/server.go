package redistest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Options configure a server started by Start. The zero value is a server
// without persistence on a free port in a fresh temporary directory.
type Options struct {
	AppendOnly  bool   // turn on the append-only file (appendonly yes)
	AppendFsync string // "always", "everysec" or "no"; "" means "everysec", Redis's default
	Dir         string // working directory (AOF, redis.log); "" means t.TempDir()
	Port        int    // TCP port on 127.0.0.1; 0 means a free one

	// Args are more directives, as --name value pairs, appended to the
	// command line (for instance "--cluster-enabled", "yes").
	Args []string
}

// A Server is a redis-server process owned by one test. It listens on
// 127.0.0.1 only, saves no RDB snapshots, and is killed when the test ends.
// Its log is Dir()/redis.log; when the test fails, the log's tail is
// written to the test log.
type Server struct {
	t    testing.TB
	bin  string
	opts Options // Dir, Port and AppendFsync filled in

	mu   sync.Mutex
	proc *process // nil when not running
}

// process is one run of redis-server.
type process struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited and been reaped
	err  error         // what Wait returned; read after done
}

const (
	readyTimeout = 30 * time.Second       // for startup, including AOF loading
	stopTimeout  = 10 * time.Second       // for a graceful shutdown
	doTimeout    = 5 * time.Second        // for each Do
	pollTimeout  = 250 * time.Millisecond // for each readiness check
)

// errAddrInUse is wrapped by launch when redis-server could not bind.
var errAddrInUse = errors.New("address already in use")

// Require starts a server with default options; see Start.
func Require(t testing.TB) *Server {
	t.Helper()
	return Start(t, Options{})
}

// Start runs redis-server for the test and returns once it answers PING and
// has finished loading. The server is killed in t.Cleanup.
//
// If the server cannot be started, Start ends the test: with t.Fatal when
// $ABACUS_REDIS_SERVER is set or $CI is "true", with t.Skip otherwise. With
// opts.Port 0 it picks a free port and tries again, up to a few times, if
// redis-server fails to bind it.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	switch opts.AppendFsync {
	case "":
		opts.AppendFsync = "everysec"
	case "always", "everysec", "no":
	default:
		t.Fatalf("redistest: AppendFsync %q; want always, everysec or no", opts.AppendFsync)
	}
	bin, err := Binary()
	if err != nil {
		unavailable(t, err)
	}
	if opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	s := &Server{t: t, bin: bin, opts: opts}
	t.Cleanup(s.cleanup)
	if opts.Port != 0 {
		err = s.launch()
	} else {
		for range 5 {
			if s.opts.Port, err = freePort(); err != nil {
				break
			}
			if err = s.launch(); !errors.Is(err, errAddrInUse) {
				break
			}
		}
	}
	if err != nil {
		unavailable(t, err)
	}
	return s
}

// Addr returns the server's address, "127.0.0.1:port". It stays the same
// across Restart.
func (s *Server) Addr() string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.opts.Port))
}

// Dir returns the server's working directory, which holds its append-only
// files (under appendonlydir/ in Redis 7) and redis.log.
func (s *Server) Dir() string { return s.opts.Dir }

// Do sends one command on a new connection and returns the reply rendered
// as text; see Conn.Do.
func (s *Server) Do(args ...string) (string, error) {
	c, err := Dial(s.Addr(), doTimeout)
	if err != nil {
		return "", err
	}
	defer c.Close()
	return c.Do(args...)
}

// Kill sends SIGKILL to the server (and to any child it forked) and waits
// for it to exit: a crash, as kill -9 would cause. What the server had
// written to its append-only file survives, fsynced or not, since the kernel
// keeps it; and Redis writes the file before it replies, so acknowledged
// writes survive a Kill under every AppendFsync (under "everysec" Redis may
// postpone the write by up to 2 seconds if an fsync is slow). Only a machine
// crash tells the fsync policies apart. Kill does nothing if the server is
// not running.
func (s *Server) Kill() {
	s.mu.Lock()
	p := s.proc
	s.proc = nil
	s.mu.Unlock()
	if p != nil {
		killGroup(p.cmd.Process)
		<-p.done
	}
}

// Stop shuts the server down gracefully with SIGTERM, which Redis handles as
// SHUTDOWN (it flushes and fsyncs the append-only file and saves no
// snapshot, having no save points), and waits for it to exit. If it has not
// exited within 10 seconds, Stop kills it and fails the test. Stop does
// nothing if the server is not running.
func (s *Server) Stop() {
	s.mu.Lock()
	p := s.proc
	s.proc = nil
	s.mu.Unlock()
	if p == nil {
		return
	}
	if err := terminate(p.cmd.Process); err == nil {
		select {
		case <-p.done:
			return
		case <-time.After(stopTimeout):
			s.t.Errorf("redistest: redis-server on %s did not stop within %v; killing it", s.Addr(), stopTimeout)
		}
	}
	killGroup(p.cmd.Process)
	<-p.done
}

// Restart starts the server again on the same port and directory, so that
// it replays its append-only file, and returns once it answers PING and has
// finished loading. A running server is stopped gracefully first; call Kill
// before Restart to simulate a crash. Restart fails the test if the server
// does not come back.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	var err error
	for range 20 { // the port is ours, so an address in use is transient
		if err = s.launch(); !errors.Is(err, errAddrInUse) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		s.t.Fatalf("redistest: restart: %v", err)
	}
}

// args returns redis-server's command line. There is no configuration file:
// Redis accepts every directive as a --name value pair.
func (s *Server) args() []string {
	appendOnly := "no"
	if s.opts.AppendOnly {
		appendOnly = "yes"
	}
	return append([]string{
		"--port", strconv.Itoa(s.opts.Port),
		"--bind", "127.0.0.1",
		"--dir", s.opts.Dir,
		"--save", "", // no RDB snapshots
		"--appendonly", appendOnly,
		"--appendfsync", s.opts.AppendFsync,
		"--protected-mode", "yes",
		"--daemonize", "no",
		"--logfile", s.logPath(),
	}, s.opts.Args...)
}

func (s *Server) logPath() string { return filepath.Join(s.opts.Dir, "redis.log") }

// launch starts redis-server and waits until it is ready. On failure the
// process is gone and the error includes what it logged.
func (s *Server) launch() error {
	from := fileSize(s.logPath())
	outPath := filepath.Join(s.opts.Dir, "redis.out") // what it writes before opening its log
	out, err := os.OpenFile(outPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("redistest: %w", err)
	}
	cmd := exec.Command(s.bin, s.args()...)
	cmd.Stdout, cmd.Stderr = out, out // files, so that Wait waits for no copying
	cmd.SysProcAttr = sysProcAttr()
	err = cmd.Start()
	out.Close()
	if err != nil {
		return fmt.Errorf("redistest: start %s: %w", s.bin, err)
	}
	p := &process{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	if err := s.waitReady(p); err != nil {
		killGroup(cmd.Process)
		<-p.done
		log := tail(s.logPath(), from) + tail(outPath, 0)
		if strings.Contains(log, "Address already in use") {
			err = fmt.Errorf("%w (%w)", err, errAddrInUse)
		}
		return fmt.Errorf("redistest: redis-server on %s: %w\n%s", s.Addr(), err, log)
	}
	s.mu.Lock()
	s.proc = p
	s.mu.Unlock()
	return nil
}

// waitReady polls the server until it answers PING, INFO server names our
// process, and INFO persistence reports loading:0. While Redis 7 replays an append-only file it accepts
// connections but answers PING with a -LOADING error.
func (s *Server) waitReady(p *process) error {
	deadline := time.Now().Add(readyTimeout)
	for {
		err := s.ready(p.cmd.Process.Pid)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %v: %w", readyTimeout, err)
		}
		select {
		case <-p.done:
			return fmt.Errorf("exited: %v", p.err)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func (s *Server) ready(pid int) error {
	c, err := Dial(s.Addr(), pollTimeout)
	if err != nil {
		return err
	}
	defer c.Close()
	if pong, err := c.Do("PING"); err != nil {
		return err
	} else if pong != "PONG" {
		return fmt.Errorf("PING answered %q", pong)
	}
	// The server answering must be ours: another test's server may hold the
	// port (ours then fails to bind and exits, which waitReady notices).
	server, err := c.Do("INFO", "server")
	if err != nil {
		return err
	}
	if !strings.Contains(server, "\r\nprocess_id:"+strconv.Itoa(pid)+"\r\n") {
		return errors.New("another redis-server answers on the port")
	}
	info, err := c.Do("INFO", "persistence")
	if err != nil {
		return err
	}
	for line := range strings.SplitSeq(info, "\r\n") {
		if line == "loading:0" {
			return nil
		}
	}
	return errors.New("still loading")
}

// cleanup kills the server at the end of the test, and shows its log if the
// test failed.
func (s *Server) cleanup() {
	s.Kill()
	if s.t.Failed() {
		s.t.Logf("redistest: tail of %s:\n%s", s.logPath(), tail(s.logPath(), 0))
	}
}

// tailSize is how much of a log tail shows.
const tailSize = 4 << 10

// tail returns up to the last tailSize bytes of the file at path, from
// offset from on.
func tail(path string, from int64) string {
	b, err := os.ReadFile(path)
	if err != nil || int64(len(b)) <= from {
		return ""
	}
	b = b[from:]
	if len(b) > tailSize {
		b = b[len(b)-tailSize:]
	}
	return string(b)
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}
