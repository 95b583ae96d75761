//go:build unix && !linux

package main

import "syscall"

// sysProcAttr starts redis-server in a process group of its own, so that the
// terminal's Ctrl-C reaches only this program (which then syncs a last time
// before it stops the server).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
