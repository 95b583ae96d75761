package durable

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// The directory holds log files wal-<first sequence number>.log, snapshots
// snap-<sequence number>.snap (both numbers as 16 lowercase hex digits), the
// lock file, snapshots being written (*.tmp) and snapshots that failed
// verification and were set aside (*.corrupt). Open ignores other files.
const (
	lockFile      = "LOCK"
	logPrefix     = "wal-"
	logSuffix     = ".log"
	snapPrefix    = "snap-"
	snapSuffix    = ".snap"
	tmpSuffix     = ".tmp"
	corruptSuffix = ".corrupt"
)

func logName(first uint64) string { return fmt.Sprintf("%s%016x%s", logPrefix, first, logSuffix) }
func snapName(seq uint64) string  { return fmt.Sprintf("%s%016x%s", snapPrefix, seq, snapSuffix) }

// parseName returns the number in a file name of the form prefix, 16
// lowercase hex digits, suffix.
func parseName(name, prefix, suffix string) (uint64, bool) {
	hex, ok := strings.CutPrefix(name, prefix)
	if !ok {
		return 0, false
	}
	if hex, ok = strings.CutSuffix(hex, suffix); !ok || len(hex) != 16 || strings.ToLower(hex) != hex {
		return 0, false
	}
	n, err := strconv.ParseUint(hex, 16, 64)
	return n, err == nil
}

// fileRef is a log file or snapshot: its name and number.
type fileRef struct {
	name string
	n    uint64 // a log's first sequence number or a snapshot's
}

// listing is what a directory holds, each list sorted by number.
type listing struct {
	logs, snaps []fileRef
	tmps        []string
}

func list(dir string) (listing, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return listing{}, fmt.Errorf("durable: %w", err)
	}
	var l listing
	for _, de := range des {
		name := de.Name()
		if !de.Type().IsRegular() {
			continue
		}
		if n, ok := parseName(name, logPrefix, logSuffix); ok {
			l.logs = append(l.logs, fileRef{name, n})
		} else if n, ok := parseName(name, snapPrefix, snapSuffix); ok {
			l.snaps = append(l.snaps, fileRef{name, n})
		} else if strings.HasSuffix(name, tmpSuffix) && strings.HasPrefix(name, snapPrefix) {
			l.tmps = append(l.tmps, name)
		}
	}
	byN := func(a, b fileRef) int { return cmp.Compare(a.n, b.n) }
	slices.SortFunc(l.logs, byN)
	slices.SortFunc(l.snaps, byN)
	return l, nil
}

// remove deletes the named files of dir and reports the first failure.
func remove(dir string, names ...string) error {
	var first error
	for _, n := range names {
		if err := os.Remove(filepath.Join(dir, n)); err != nil && !os.IsNotExist(err) && first == nil {
			first = err
		}
	}
	return first
}
