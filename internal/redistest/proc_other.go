//go:build !linux

package redistest

import (
	"os"
	"syscall"
)

// sysProcAttr is nil off Linux: redis-server runs in the test's process
// group, and children it forks are not killed with it.
func sysProcAttr() *syscall.SysProcAttr { return nil }

// killGroup kills p.
func killGroup(p *os.Process) { _ = p.Kill() }

// terminate asks p to shut down with SIGTERM where there is one.
func terminate(p *os.Process) error { return p.Signal(syscall.SIGTERM) }
