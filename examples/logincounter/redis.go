package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// redisServer is a private redis-server: on a free loopback port, without
// persistence, in a temporary directory.
type redisServer struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	dir  string
	addr string
}

const redisReadyTimeout = 10 * time.Second

// startRedis starts bin (looked up in $PATH) and waits until it answers PING.
func startRedis(ctx context.Context, bin string) (*redisServer, error) {
	path, err := exec.LookPath(bin)
	if err != nil {
		return nil, fmt.Errorf("no Redis to use: %s is not installed (%w); "+
			"pass -redis host:port to use a running Redis, or install redis-server "+
			"(apt-get install redis-server, brew install redis)", bin, err)
	}
	dir, err := os.MkdirTemp("", "logincounter-redis-")
	if err != nil {
		return nil, err
	}
	for range 5 { // another process may take the free port before redis-server binds it
		var srv *redisServer
		srv, err = launchRedis(ctx, path, dir)
		if err == nil {
			return srv, nil
		}
		if !strings.Contains(err.Error(), "Address already in use") {
			break
		}
	}
	os.RemoveAll(dir)
	return nil, err
}

func launchRedis(ctx context.Context, path, dir string) (*redisServer, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, "redis.log")
	out, err := os.Create(filepath.Join(dir, "redis.out")) // what it says before it opens its log
	if err != nil {
		return nil, err
	}
	defer out.Close()
	cmd := exec.Command(path,
		"--port", strconv.Itoa(port),
		"--bind", "127.0.0.1",
		"--dir", dir,
		"--save", "", // no snapshots
		"--appendonly", "no",
		"--protected-mode", "yes",
		"--daemonize", "no",
		"--logfile", logPath,
	)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = sysProcAttr() // out of the terminal's process group: Ctrl-C is ours to handle
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", path, err)
	}
	srv := &redisServer{cmd: cmd, done: make(chan struct{}), dir: dir,
		addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port))}
	go func() {
		_ = cmd.Wait()
		close(srv.done)
	}()
	deadline := time.Now().Add(redisReadyTimeout)
	for {
		err := ping(srv.addr)
		if err == nil {
			return srv, nil
		}
		select {
		case <-srv.done:
			return nil, fmt.Errorf("redis-server on %s exited: %s%s", srv.addr,
				tail(logPath), tail(filepath.Join(dir, "redis.out")))
		case <-ctx.Done():
			srv.kill()
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			srv.kill()
			return nil, fmt.Errorf("redis-server on %s not ready after %v: %w", srv.addr, redisReadyTimeout, err)
		}
	}
}

// stop kills the server and removes its directory.
func (s *redisServer) stop() {
	s.kill()
	os.RemoveAll(s.dir)
}

func (s *redisServer) kill() {
	_ = s.cmd.Process.Kill()
	<-s.done
}

// ping sends PING on a new connection and wants +PONG.
func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(500 * time.Millisecond))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		return errors.New("PING answered " + strconv.Quote(line))
	}
	return nil
}

// freePort returns a TCP port that is free on 127.0.0.1 now.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// tail returns the last lines of the file at path, for error messages.
func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil || len(b) == 0 {
		return ""
	}
	if len(b) > 2048 {
		b = b[len(b)-2048:]
	}
	return "\n" + strings.TrimSpace(string(b))
}
