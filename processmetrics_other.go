//go:build !linux

package abacus

import (
	"errors"
	"runtime"
)

// RegisterProcessMetrics registers the process metrics; they are read from
// /proc and so are only available on Linux. Elsewhere it returns an error.
func (r *Registry) RegisterProcessMetrics() error {
	return errors.New("abacus: process metrics are read from /proc, which " + runtime.GOOS + " does not have")
}
