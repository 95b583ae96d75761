//go:build !unix

package main

import "syscall"

// sysProcAttr returns nil: redis-server runs with the defaults.
func sysProcAttr() *syscall.SysProcAttr { return nil }
