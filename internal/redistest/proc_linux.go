package redistest

import (
	"os"
	"syscall"
)

// sysProcAttr puts redis-server in a process group of its own, so that
// killGroup also reaches the children it forks (an AOF rewrite forks one),
// and has the kernel kill it if the test binary dies first (a go test
// timeout skips t.Cleanup).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// killGroup sends SIGKILL to p and to every process in its group.
func killGroup(p *os.Process) {
	_ = syscall.Kill(-p.Pid, syscall.SIGKILL)
	_ = p.Kill()
}

// terminate asks p to shut down: redis-server handles SIGTERM like
// SHUTDOWN, flushing the append-only file.
func terminate(p *os.Process) error { return p.Signal(syscall.SIGTERM) }
