//go:build !(linux || darwin || dragonfly || freebsd || netbsd || openbsd)

package durable

import (
	"fmt"
	"os"
	"path/filepath"
)

// lockDir creates dir's lock file but cannot lock it on this system: keeping
// two Sets off one directory is up to the caller here.
func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, lockFile), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("durable: %w", err)
	}
	return f, nil
}

// syncDir does nothing on this system, which cannot fsync a directory
// portably: a machine crash right after a snapshot or a new log file may
// lose the new name, and recovery then starts from the previous snapshot and
// the log files still present.
func syncDir(dir string) error { return nil }
